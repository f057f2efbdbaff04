/**
 * Runs killed at random points leave nothing behind once any command has run
 * again (issue 8, D16): backup, restore into a new SQLite file, in place and
 * into PostgreSQL, and verify on both engines are SIGKILLed at least 20 times
 * each (STOCKTAKE_KILLS; `npm run soak` runs more), at instants drawn by a
 * seeded generator (STOCKTAKE_KILL_SEED; the seed is printed). Then one `list`
 * and: no temporary file in the store, no scratch folder, no `.restoring`
 * file, no scratch or `__restoring` database of a killed run.
 *
 * To keep 20 kills of each form fast: small databases, two runs at a time
 * (STOCKTAKE_KILL_LANES), and each kill drawn between the end of the CLI's
 * start-up (the time `list` takes) and the end of an unkilled run of the
 * form, where its work is.
 */
import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import { parseOwnerTag } from "../src/leftovers/owner";
import { Rng } from "../src/stocktake/rng";
import { runCli, startCli } from "./support/cli";
import { PG_URL, tempDir, withPg } from "./support/databases";
import { StocktakeStore, stocktakeStore } from "./support/stocktakeStore";

const KILLS = Number(process.env.STOCKTAKE_KILLS ?? 20);
/** Runs at once: the CLI's start-up is most of a run, and two overlap on two cores. */
const LANES = Number(process.env.STOCKTAKE_KILL_LANES ?? 2);
/** `npm run soak`: more kills, and the forms that repeat a mechanism (a dry run's scratch is verify's). */
const SOAK = process.env.STOCKTAKE_SOAK === "1";
const SEED = Number(process.env.STOCKTAKE_KILL_SEED ?? Date.now() % 1_000_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).map((d) => path.join(d.parentPath, d.name));
}

interface Watch {
  store: string;
  /** Folders beside the store where targets are made. */
  targets: string[];
  /** Pids of the killed runs. */
  pids: Set<number>;
  /** Prefix of this test's PostgreSQL target names. */
  pgPrefix: string;
}

/** What killed runs left: temp files, scratch folders, `.restoring` files, scratch and `__restoring` databases. */
async function leftovers(w: Watch): Promise<string[]> {
  const found = walk(w.store).filter((p) => /\.tmp-\d+(-[0-9a-f]{8})?$|^LOCK\.\d+\.|\.restoring(-journal|-wal|-shm)?$/.test(path.basename(p)));
  if (fs.existsSync(path.join(w.store, "scratch"))) found.push(path.join(w.store, "scratch"));
  for (const dir of w.targets) found.push(...walk(dir).filter((p) => /\.restoring/.test(p)));
  for (const name of fs.readdirSync(os.tmpdir())) {
    const owner = parseOwnerTag(name);
    if (name.startsWith("stocktake-scratch-") && owner && w.pids.has(owner.pid)) found.push(path.join(os.tmpdir(), name));
  }
  const databases = await withPg(async (c) => (await c.query("SELECT datname FROM pg_database")).rows.map((r: { datname: string }) => r.datname));
  for (const name of databases) {
    const owner = parseOwnerTag(name);
    if (name.startsWith("stk_scratch_") && owner && w.pids.has(owner.pid)) found.push(`database ${name}`);
    if (name.startsWith(w.pgPrefix) && name.endsWith("__restoring")) found.push(`database ${name}`);
  }
  return found;
}

interface Form {
  name: string;
  app: () => StocktakeStore;
  /** The command for the i-th run. */
  args: (i: number) => string[];
  targets?: string[];
}

describe("stocktake-backup killed at random points leaves nothing behind after the next command @slow", function () {
  this.timeout(900000);
  let sqlite: StocktakeStore;
  let postgres: StocktakeStore;
  let targetDir: string;
  const pgPrefix = `stk_kill_${process.pid}_`;
  let startup = 0;
  let seen = 0;

  before(async () => {
    // eslint-disable-next-line no-console
    console.log(`      kill seed ${SEED} (STOCKTAKE_KILL_SEED=${SEED} repeats the draws), ${KILLS} kills per form`);
    sqlite = await stocktakeStore("sqlite", { scale: 1, steps: 20 });
    postgres = await stocktakeStore("postgres", { scale: 1, steps: 20 });
    targetDir = tempDir("stk-kill-targets-");
    const t = performance.now();
    expect(runCli(["list", "--dir", sqlite.store]).status).to.equal(0);
    startup = performance.now() - t;
  });

  after(async () => {
    await withPg(async (c) => {
      const rows = (await c.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [pgPrefix])).rows as { datname: string }[];
      for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    });
    await sqlite?.dispose();
    await postgres?.dispose();
    // eslint-disable-next-line no-console
    console.log(`      ${seen} kill(s) left something behind for the next command to remove`);
  });

  const forms: Form[] = [
    { name: "backup", app: () => sqlite, args: () => ["backup", "--db", sqlite.url, "--dir", sqlite.store] },
    {
      name: "restore into a new SQLite file", app: () => sqlite, targets: [],
      args: (i) => ["restore", "--to-seq", String(sqlite.lastSeq), "--dir", sqlite.store, "--target", path.join(targetDir, `new-${i}.db`)],
    },
    {
      name: "restore into PostgreSQL", app: () => sqlite,
      args: (i) => ["restore", "--to-seq", String(sqlite.lastSeq), "--dir", sqlite.store, "--target", `${PG_URL}/${pgPrefix}${i}`],
    },
    { name: "verify (SQLite)", app: () => sqlite, args: () => ["verify", "--db", sqlite.url, "--dir", sqlite.store] },
    { name: "verify (PostgreSQL)", app: () => postgres, args: () => ["verify", "--db", postgres.url, "--dir", postgres.store] },
    ...(SOAK ? [{ name: "restore --dry-run (PostgreSQL)", app: () => postgres, args: () => ["restore", "latest", "--dry-run", "--db", postgres.url, "--dir", postgres.store] }] : []),
    { name: "restore in place", app: () => sqlite, args: () => ["restore", sqlite.snapshot, "--clear-existing", "--db", sqlite.url, "--dir", sqlite.store] },
  ];

  forms.forEach((form, index) => {
    it(`${form.name}: ${KILLS} kills, then one list, and no leftover of them`, async () => {
      const app = form.app();
      const rng = new Rng(SEED * 31 + index);
      const watch: Watch = { store: app.store, targets: [targetDir], pids: new Set(), pgPrefix };
      // An unkilled run: the form works, and how long its work lasts.
      const t = performance.now();
      const whole = await startCli(form.args(1000)).done;
      expect(whole.status, whole.stderr).to.equal(0);
      const duration = performance.now() - t;

      let kills = 0;
      let next = 0;
      const lane = async () => {
        while (kills < KILLS && next < KILLS * 3) {
          const i = next++;
          const at = startup * 0.8 + rng.next() * Math.max(50, duration - startup * 0.8);
          const run = startCli(form.args(i));
          if (run.child.pid !== undefined) watch.pids.add(run.child.pid);
          const timer = sleep(at).then(() => run.child.kill("SIGKILL"));
          const end = await run.done;
          await timer;
          if (end.signal !== "SIGKILL") {
            // Finished (or failed, e.g. busy beside the other lane) before the kill: in the CLI's one form.
            expect(end.stderr, `${form.name} run ${i}`).not.to.match(/^\s+at /m);
            continue;
          }
          kills++;
          const pid = String(run.child.pid);
          const own = (p: string) => p.includes(pid) || p.includes(`new-${i}.db.`) || p.includes(`${pgPrefix}${i}__`);
          if ((await leftovers(watch)).some(own)) seen++;
        }
      };
      await Promise.all(Array.from({ length: LANES }, lane));
      expect(kills, "runs killed").to.be.at.least(KILLS);

      const list = runCli(["list", "--dir", app.store]);
      expect(list.status, list.stderr).to.equal(0); // a killed backup never publishes half a snapshot
      expect(await leftovers(watch), "left after one list").to.deep.equal([]);
    });
  });
});
