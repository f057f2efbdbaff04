/**
 * `backup:auto` as cron runs it: the built CLI in child processes, on real
 * databases. What is due is taken once; two runs at once give one snapshot;
 * a run that cannot get the lock in time says so (exit 1) and takes nothing.
 */
import { expect } from "chai";
import { Cron } from "croner";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lockSchedule } from "../src/schedule/scheduleLock";
import { listSnapshots } from "../src/snapshot";
import { expectOneError, jsonOf, runCli as cli, startCli } from "./support/cli";
import { tinyApp, type TinyApp } from "./support/tinyApp";
import { ENGINES } from "./support/databases";

interface AutoJson {
  taken: { kind: string; period: string; file: string; seq: number }[];
  waitedMs: number;
  schedule: { kind: string; due: boolean; newest: string | null }[];
}

const store = () => fs.mkdtempSync(path.join(os.tmpdir(), "sched-store-"));
/** The date a pattern last fired in UTC: the period its snapshot is named after. */
const period = (pattern: string, at = new Date()) => new Cron(pattern, { timezone: "UTC", paused: true }).previousRuns(1, at)[0].toISOString().slice(0, 10);
/** The file of a kind's period, asked before a run and after it: a run that straddles the kind's time may have taken either. */
function expectPeriodFile(file: string, kind: string, pattern: string, before: Date): void {
  expect(file).to.be.oneOf([`${kind}-backup-${period(pattern, before)}.snap`, `${kind}-backup-${period(pattern)}.snap`]);
}
const files = async (dir: string) => (await listSnapshots(dir)).snapshots.map((s) => s.file).sort();

describe("backup:auto (the CLI, as cron runs it)", function () {
  this.timeout(120_000);
  const apps: TinyApp[] = [];
  after(async () => { for (const a of apps) await a.close(); });

  for (const engine of ENGINES) {
    it(`${engine}: a fresh store gets one snapshot of each kind, named after its period; the next run takes nothing`, async () => {
      const app = await tinyApp(engine, "auto");
      apps.push(app);
      const dir = store();
      // The app runs and holds the journal: auto takes its snapshots beside it.
      const changelog = await app.attach({ dir });
      await app.write(3);
      await changelog.flush();
      const before = new Date();
      const first = jsonOf<AutoJson>(cli(["auto", "--db", app.url, "--dir", dir, "--tz", "UTC", "--json"]));
      expect(first.taken.map((t) => t.kind)).to.deep.equal(["daily", "weekly", "monthly"]);
      expectPeriodFile(first.taken[0].file, "daily", "0 2 * * *", before);
      expectPeriodFile(first.taken[1].file, "weekly", "0 3 * * 0", before);
      expectPeriodFile(first.taken[2].file, "monthly", "0 4 1 * *", before);
      expect(first.taken.every((t) => t.seq === changelog.lastSeq)).to.equal(true);
      const second = jsonOf<AutoJson>(cli(["auto", "--db", app.url, "--dir", dir, "--tz", "UTC", "--json"]));
      expect(second.taken).to.deep.equal([]);
      expect(second.schedule.map((s) => [s.kind, s.due])).to.deep.equal([["daily", false], ["weekly", false], ["monthly", false]]);
      expect(await files(dir)).to.have.length(3);
      await changelog.close();
    });
  }

  it("two runs started at once, while a third holds the lock, give one snapshot: the one that waited decides again", async () => {
    const app = await tinyApp("sqlite", "twice");
    apps.push(app);
    await app.write(2);
    const dir = store();
    const args = ["auto", "--db", app.url, "--dir", dir, "--tz", "UTC", "--weekly", "off", "--monthly", "off", "--json"];
    const held = await lockSchedule(dir, 0);
    const before = new Date();
    const runs = [startCli(args).done, startCli(args).done];
    await new Promise((r) => setTimeout(r, 1500)); // both started, found the daily due, and wait
    expect(await files(dir)).to.deep.equal([]);
    held.release();
    const [a, b] = (await Promise.all(runs)).map((r) => jsonOf<AutoJson>(r));
    expect(a.taken.length + b.taken.length).to.equal(1);
    expect(Math.min(a.waitedMs, b.waitedMs)).to.be.greaterThan(500);
    const [file, ...more] = await files(dir);
    expect(more).to.deep.equal([]);
    expectPeriodFile(file, "daily", "0 2 * * *", before);
  });

  it("two runs started at once, nothing held: one snapshot, both exit 0", async () => {
    const app = await tinyApp("sqlite", "atonce");
    apps.push(app);
    await app.write(2);
    const dir = store();
    const args = ["auto", "--db", app.url, "--dir", dir, "--tz", "UTC", "--weekly", "off", "--monthly", "off", "--json"];
    const [a, b] = (await Promise.all([startCli(args).done, startCli(args).done])).map((r) => jsonOf<AutoJson>(r));
    expect(a.taken.length + b.taken.length).to.equal(1);
    expect(await files(dir)).to.have.length(1);
  });

  it("a run that cannot get the lock within --lock-wait exits 1 (STORE_LOCKED) and takes nothing", async () => {
    const app = await tinyApp("sqlite", "locked");
    apps.push(app);
    const dir = store();
    const held = await lockSchedule(dir, 0);
    try {
      const r = cli(["auto", "--db", app.url, "--dir", dir, "--lock-wait", "1s", "--json"]);
      expectOneError(r, 1, "locked");
      expect(JSON.parse(r.stdout).error.code).to.equal("STORE_LOCKED");
      expect(r.stderr).to.contain(`process ${process.pid}`);
      expect(await files(dir)).to.deep.equal([]);
    } finally {
      held.release();
    }
  });

  it("the store's schedule.json is read; flags win over it; nothing due touches no database", async () => {
    const dir = store();
    fs.writeFileSync(path.join(dir, "schedule.json"), JSON.stringify({ timeZone: "UTC", daily: "off", weekly: "off", monthly: "0 4 1 * *" }));
    const dry = jsonOf<AutoJson>(cli(["auto", "--dir", dir, "--dry-run", "--json"]));
    expect(dry.schedule.map((s) => [s.kind, s.due])).to.deep.equal([["monthly", true]]);
    // Nothing due: no --db, and no database at all, is fine.
    const none = jsonOf<AutoJson>(cli(["auto", "--dir", dir, "--monthly", "off", "--json"]));
    expect(none.schedule).to.deep.equal([]);
    expect(await files(dir)).to.deep.equal([]);
  });

  it("bad schedule flags are refused by name (exit 2)", () => {
    const dir = store();
    const bad = cli(["auto", "--dir", dir, "--daily", "0 25 * * *"]);
    expectOneError(bad, 2, "bad --daily");
    expect(bad.stderr).to.contain('--daily "0 25 * * *"');
    expectOneError(cli(["auto", "--dir", dir, "--tz", "Mars/Olympus"]), 2, "bad --tz");
    expectOneError(cli(["auto", "--dir", dir, "--lock-wait", "soon"]), 2, "bad --lock-wait");
  });
});
