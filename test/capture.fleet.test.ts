/**
 * Several app processes on one PostgreSQL database and one store (issue 15):
 * every one captures, exactly one ships, and when the shipping one is
 * SIGKILLed another takes over within a few seconds; at the end the journal
 * is gapless, holds every committed transaction once, and restores to the
 * live database's rows.
 */
import { expect } from "chai";
import { spawn, type ChildProcessWithoutNullStreams } from "child_process";
import path from "path";
import { Client } from "pg";
import { ShippingLease } from "../src/capture/shippingLease";
import { readFrames } from "../src/journal/reader";
import { jsonOf, runCli } from "./support/cli";
import { ENGINES, tempDir } from "./support/databases";
import { newPostgresDatabase, type LoadedDatabase } from "./support/loadSql";

const APP = path.join(__dirname, "support", "fleetApp.js");
const INSTANCES = 4;
const KILLS = Number(process.env.STK_FLEET_KILLS ?? 10);
const SEED = Number(process.env.STK_FLEET_SEED ?? Date.now() % 100_000);

interface App { child: ChildProcessWithoutNullStreams; out: string; exited: Promise<number | null> }

function startApp(url: string, store: string, seed: number): App {
  const child = spawn(process.execPath, [APP, url, store, String(seed)], { stdio: ["pipe", "pipe", "pipe"] });
  const app: App = { child, out: "", exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
  child.stdout.on("data", (d) => { app.out += d; });
  child.stderr.on("data", (d) => { app.out += d; });
  return app;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

(ENGINES.includes("postgres") ? describe : describe.skip)("several app processes on one PostgreSQL database ship into one store (postgres) @slow", function () {
  this.timeout(300_000);
  let db: LoadedDatabase;
  let restored: LoadedDatabase;
  let client: Client;
  const apps: App[] = [];
  /** What `health --json` says of the journal's lag (its exit status may be a warning: a new store has no daily yet). */
  const healthLag = (store: string) => (JSON.parse(runCli(["health", "--db", db.url, "--dir", store, "--json"]).stdout) as
    { figures: { lag: { waiting: number; shipper?: string | null } } }).figures.lag;
  const holder = () => ShippingLease.holder(async (sql, params) => (await client.query<{ name: string }>(sql, params)).rows);

  before(async () => {
    db = await newPostgresDatabase();
    restored = await newPostgresDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query("CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)");
  });

  after(async () => {
    for (const app of apps) app.child.kill("SIGKILL");
    await client?.end();
    await db?.drop();
    await restored?.drop();
  });

  it(`OneShipsTheOthersStandByAndTakeOverWhenItIsKilled (${KILLS} kills, seed ${SEED})`, async () => {
    const store = tempDir("stk-fleet-");
    // The changelog installed and a first snapshot taken, as an operator would before starting the fleet.
    jsonOf(runCli(["backup", "--db", db.url, "--dir", store, "--install", "--json"]));
    let seed = SEED;
    const next = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const ready = (app: App) => until("an app to attach", 30_000, async () => app.out.includes("ready"));
    for (let i = 0; i < INSTANCES; i++) apps.push(startApp(db.url, store, next(1000)));
    for (const app of apps) await ready(app);

    const takeovers: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const shipping = await until("a process to ship", 10_000, holder);
      const pid = Number(shipping.split(":").pop());
      const victim = apps.findIndex((a) => a.child.pid === pid);
      expect(victim, `the shipper ${shipping} is one of the fleet`).to.be.at.least(0);
      if (kill === Math.floor(KILLS / 2)) {
        expect(healthLag(store).shipper, "health names the shipping process").to.equal(shipping);
      }
      await new Promise((resolve) => setTimeout(resolve, 100 + next(900)));
      const killedAt = Date.now();
      apps[victim].child.kill("SIGKILL");
      await apps[victim].exited;
      apps[victim] = startApp(db.url, store, next(1000));
      const successor = await until("another process to take over", 15_000, async () => {
        const h = await holder();
        return h !== null && h !== shipping ? h : null;
      });
      takeovers.push(Date.now() - killedAt);
      expect(successor).to.not.equal(shipping);
    }
    expect(Math.max(...takeovers), `takeover times ${takeovers.join(", ")} ms`).to.be.below(5_000);

    // Everyone stops writing, then everyone closes: the shipping one drains the outbox on close.
    for (const app of apps) await ready(app); // a signal before the app's handlers are in would kill it
    for (const app of apps) app.child.kill("SIGUSR2");
    for (const app of apps) await until("an app to stop writing", 30_000, async () => app.out.includes("idle"));
    for (const app of apps) app.child.kill("SIGTERM");
    for (const app of apps) expect(await app.exited, app.out).to.equal(0);
    apps.length = 0;

    const head = Number((await client.query<{ seq: string }>("SELECT seq FROM _changelog_head")).rows[0].seq);
    expect(healthLag(store).waiting, "nothing waits in the outbox").to.equal(0);

    // Every seq once, in order, up to the database's head.
    const seqs: number[] = [];
    for (const frame of readFrames(store, { fromSeq: 1 })) if (!frame.more) seqs.push(frame.seq);
    expect(seqs.length).to.be.greaterThan(KILLS);
    seqs.forEach((s, i) => { if (i > 0) expect(s, `seq after ${seqs[i - 1]}`).to.equal(seqs[i - 1] + 1); });
    expect(seqs[seqs.length - 1]).to.equal(head);

    // The journal replayed over the first snapshot is the live database.
    jsonOf(runCli(["restore", "latest", "--dir", store, "--target", restored.url, "--json"]));
    const rows = async (url: string) => {
      const c = new Client({ connectionString: url });
      await c.connect();
      try { return (await c.query("SELECT id, name, qty FROM item ORDER BY id")).rows; } finally { await c.end(); }
    };
    const live = await rows(db.url);
    expect(live.length).to.be.greaterThan(0);
    expect(await rows(restored.url)).to.deep.equal(live);
  });
});

