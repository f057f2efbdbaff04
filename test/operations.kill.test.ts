/**
 * Cleanup and compaction killed (SIGKILL) at random moments: afterwards the
 * store restores every instant of the window exactly, `list` claims no
 * instant that does not restore, and a new run ends in exactly the state
 * of a run that was never killed. STOCKTAKE_CLEANUP_KILLS kills (20 here, as issue 11 asks,
 * `npm run soak` runs 40), at moments drawn by a seeded generator
 * (STOCKTAKE_KILL_SEED; printed) between the start of the real work (about a
 * dry run's duration) and the end of an uninterrupted run.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CLI, cliEnv, jsonOf, runCli as cli } from "./support/cli";
import { tempDir } from "./support/databases";
import { type Dump, dropTarget, dumpUrl, freshTarget, openApp } from "./support/restoreSupport";
import { restore } from "../src/restore";
import { mutateStocktake } from "../src/stocktake/workload";
import { Rng } from "../src/stocktake/rng";
import type { DatabaseSchema } from "../src/journal";

const KILLS = Number(process.env.STOCKTAKE_CLEANUP_KILLS ?? 20);
const SEED = Number(process.env.STOCKTAKE_KILL_SEED ?? Date.now() % 1_000_000);

interface Instant { seq: number; at: number; dump: Dump }
interface Listed { restorableSpans: { from: string; fromSeq: number; to: string; toSeq: number }[]; problems: string[]; broken: unknown[] }

function copyStore(from: string): string {
  const to = tempDir("retain-kill-");
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** File names (and sizes, but of the manifest, a cache) of a store. */
function state(dir: string): string[] {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith(".snap")).map((n) => `${n} ${fs.statSync(path.join(dir, n)).size}`);
  const j = path.join(dir, "journal");
  return [...names, ...fs.readdirSync(j).filter((n) => n !== "LOCK").map((n) => `journal/${n} ${fs.statSync(path.join(j, n)).size}`)].sort();
}

function runKilledAfter(args: string[], ms: number): Promise<{ killed: boolean; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(), stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("error", reject);
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === "SIGKILL", status });
    });
  });
}

describe("cleanup and compaction: SIGKILL at random moments", function () {
  this.timeout(900000);
  let pristine: string;
  let schema: DatabaseSchema;
  let instants: Instant[];
  let args: (dir: string) => string[];
  let windowStart: number;
  const targets = tempDir("retain-kill-targets-");

  before(async () => {
    const rng = new Rng(SEED);
    const app = await openApp("sqlite", { seed: SEED, segmentBytes: 1 << 10 });
    instants = [];
    try {
      schema = app.schema;
      await app.snapshot("s0");
      for (let i = 0; i < 30; i++) {
        await mutateStocktake(app.ds, { steps: rng.int(1, 3), seed: SEED + i });
        await app.changelog.flush();
        const at = Date.now();
        instants.push({ seq: await app.head(), at, dump: await app.dump() });
        while (Date.now() <= at + 1) await new Promise((r) => setTimeout(r, 1));
        if (i % 4 === 3) await app.snapshot(`s${i}`);
        await new Promise((r) => setTimeout(r, 60));
      }
      await app.changelog.flush();
      pristine = app.store;
    } finally {
      await app.close();
    }
    const now = instants[instants.length - 1].at + 300;
    windowStart = now - 1000;
    args = (dir) => ["cleanup", "--dir", dir, "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0", "--keep-within", "1s", "--now", new Date(now).toISOString()];
  });
  after(() => fs.rmSync(targets, { recursive: true, force: true }));

  it(`leaves a store that restores every instant of the window and claims nothing it cannot restore (${KILLS} kills, seed ${SEED})`, async () => {
    const reference = copyStore(pristine);
    const dryStart = Date.now();
    expect(cli([...args(reference), "--dry-run"]).status).to.equal(0);
    const dryMs = Date.now() - dryStart;
    const start = Date.now();
    const done = cli(args(reference));
    const fullMs = Date.now() - start;
    expect(done.status, done.stderr).to.equal(0);
    const finished = state(reference);
    expect(finished.some((f) => f.endsWith(".zst") || f.includes(".zst "))).to.equal(true);
    expect(finished.length).to.be.lessThan(state(pristine).length);
    const inWindow = instants.filter((x) => x.at >= windowStart);
    expect(inWindow.length).to.be.greaterThan(3);

    const rng = new Rng(SEED + 1);
    const outcomes = { killed: 0, finished: 0, partial: 0 };
    for (let k = 0; k < KILLS; k++) {
      const dir = copyStore(pristine);
      const from = Math.max(0, dryMs - 60);
      const delay = Math.round(from + rng.next() * (fullMs + 20 - from));
      const run = await runKilledAfter(args(dir), delay);
      if (run.killed) outcomes.killed++;
      else outcomes.finished++;
      const now = state(dir);
      if (run.killed && now.join() !== state(pristine).join() && now.join() !== finished.join()) outcomes.partial++;
      const where = `kill ${k} after ${delay} ms (seed ${SEED})`;

      const listed = jsonOf<Listed>(cli(["list", "--dir", dir, "--json"]));
      expect(listed.problems, where).to.deep.equal([]);
      expect(listed.restorableSpans, where).to.have.length(1);
      const span = listed.restorableSpans[0];
      for (const x of inWindow) expect(x.seq, `${where}: window instant seq ${x.seq} claimed`).to.be.within(span.fromSeq, span.toSeq);
      // What list claims restores exactly: the window's ends, and two instants of the claimed span drawn at random.
      const claimed = instants.filter((x) => x.at >= Date.parse(span.from));
      const picks = new Set([inWindow[0], inWindow[inWindow.length - 1], claimed[rng.int(0, claimed.length - 1)], claimed[rng.int(0, claimed.length - 1)]]);
      for (const x of picks) {
        const target = freshTarget("sqlite", targets);
        try {
          const r = await restore({ store: dir, to: new Date(x.at), target });
          expect(r.seqReached, where).to.equal(x.seq);
          expect(await dumpUrl(target, schema), `${where}: dump at seq ${x.seq}`).to.deep.equal(x.dump);
        } finally {
          await dropTarget("sqlite", target);
        }
      }
      // An instant before what list claims is refused, not restored wrong.
      const before = instants.filter((x) => x.at < Date.parse(span.from) && x.seq < span.fromSeq);
      if (before.length > 0) {
        const target = freshTarget("sqlite", targets);
        const r = await restore({ store: dir, to: new Date(before[0].at), target }).then(() => null, (e: Error) => e);
        expect(r, `${where}: restore before the claimed span`).to.be.instanceOf(Error);
      }
      // A new run completes what the killed one began.
      const again = cli(args(dir));
      expect(again.status, `${where}: ${again.stderr}`).to.equal(0);
      expect(state(dir), where).to.deep.equal(finished);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`      ${KILLS} kills (seed ${SEED}): ${outcomes.killed} killed, ${outcomes.partial} of them mid-way, ${outcomes.finished} finished first; dry run ${dryMs} ms, full run ${fullMs} ms`);
    expect(outcomes.killed).to.be.greaterThan(0);
  });
});
