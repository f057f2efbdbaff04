/**
 * attachChangelog(ds, { schedule }): the app takes its own scheduled
 * snapshots, with croner's timers, the same decision and lock as
 * backup:auto, while its writes go on.
 */
import { expect } from "chai";
import { Cron } from "croner";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackupError } from "../src/errors";
import { listSnapshots } from "../src/snapshot";
import type { TakenSnapshot } from "../src/snapshot/take";
import { jsonOf, runCli as cli } from "./support/cli";
import { tinyApp } from "./support/tinyApp";
import { ENGINES } from "./support/databases";

const store = () => fs.mkdtempSync(path.join(os.tmpdir(), "sched-inapp-"));
/** A test of a per-second daily must not straddle midnight UTC, where the next day's daily is due. */
async function awayFromMidnight(): Promise<void> {
  const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (toMidnight < 15_000) await new Promise((r) => setTimeout(r, toMidnight + 100));
}
const until = async (what: () => Promise<boolean>, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
};

describe("the app's own schedule (attachChangelog { schedule })", function () {
  this.timeout(60_000);

  for (const engine of ENGINES) {
    it(`${engine}: the schedule's time comes while the app writes: one snapshot, taken beside the writes, which never stop`, async () => {
      const app = await tinyApp(engine, "inapp");
      const dir = store();
      try {
        await app.write(200);
        await awayFromMidnight();
        const taken: { t: TakenSnapshot; endedAt: number }[] = [];
        // Every second: the first firing takes today's daily, the others find it taken.
        const changelog = await app.attach({ dir, schedule: { timeZone: "UTC", daily: "* * * * * *", weekly: "off", monthly: "off", onSnapshot: (_k, t) => taken.push({ t, endedAt: Date.now() }) } });
        const writes: number[] = [];
        let writing = true;
        const writer = (async () => { while (writing) { await app.write(1); writes.push(Date.now()); } })();
        await until(async () => taken.length > 0, 20_000);
        await new Promise((r) => setTimeout(r, 2500)); // two more firings: nothing more is taken
        writing = false;
        await writer;
        const { t, endedAt } = taken[0];
        expect(taken).to.have.length(1);
        expect(t.file).to.equal(`daily-backup-${new Date().toISOString().slice(0, 10)}.snap`);
        // The app's writes went on while the snapshot was being taken (its last t.ms before it was told).
        expect(writes.filter((w) => w >= endedAt - t.ms && w <= endedAt).length, `writes during ${t.ms} ms`).to.be.greaterThan(0);
        expect(t.seq).to.be.lessThan(await app.headSeq());
        // The app's changelog goes on shipping after its scheduled snapshots.
        await changelog.flush();
        expect(changelog.lastSeq).to.equal(await app.headSeq());
        expect((await changelog.status()).shipping).to.equal(true);
        // Each run lets go of the schedule's lock, and the next runs: with today's daily gone, the next firing takes it again.
        expect(fs.existsSync(path.join(dir, "schedule.lock")), "schedule.lock between runs").to.equal(false);
        fs.rmSync(t.path);
        await until(async () => taken.length === 2, 20_000);
        await changelog.close();
        expect((await listSnapshots(dir)).snapshots.map((s) => s.file)).to.deep.equal([t.file]);
        expect(fs.existsSync(path.join(dir, "schedule.lock"))).to.equal(false);
      } finally {
        await app.close();
      }
    });
  }

  it("at start-up the app catches up what was due while it was down, once; backup:auto then finds nothing due", async () => {
    const app = await tinyApp("sqlite", "catchup");
    const dir = store();
    try {
      await app.write(5);
      const settings = { timeZone: "UTC", daily: "0 2 * * *", weekly: "0 3 * * 0", monthly: "off" };
      const taken: string[] = [];
      const before = new Date();
      const first = await app.attach({ dir, schedule: { ...settings, onSnapshot: (k) => taken.push(k) } });
      await until(async () => taken.length === 2, 20_000);
      await first.close();
      const period = (p: string, at = new Date()) => new Cron(p, { timezone: "UTC", paused: true }).previousRuns(1, at)[0].toISOString().slice(0, 10);
      const [daily, weekly, ...more] = (await listSnapshots(dir)).snapshots.map((s) => s.file).sort();
      expect(more).to.deep.equal([]);
      // Asked before and after: a start that straddles a kind's time may have taken either period.
      expect(daily).to.be.oneOf([`daily-backup-${period("0 2 * * *", before)}.snap`, `daily-backup-${period("0 2 * * *")}.snap`]);
      expect(weekly).to.be.oneOf([`weekly-backup-${period("0 3 * * 0", before)}.snap`, `weekly-backup-${period("0 3 * * 0")}.snap`]);
      const again = await app.attach({ dir, schedule: { ...settings, onSnapshot: (k) => taken.push(k) } });
      await new Promise((r) => setTimeout(r, 500));
      await again.close();
      expect(taken).to.have.length(2);
      const auto = jsonOf<{ taken: unknown[] }>(cli(["auto", "--db", app.url, "--dir", dir, "--tz", "UTC", "--monthly", "off", "--json"]));
      expect(auto.taken).to.deep.equal([]);
    } finally {
      await app.close();
    }
  });

  it("a bad schedule is refused before the database is touched", async () => {
    const app = await tinyApp("sqlite", "bad");
    try {
      const error = await app.attach({ dir: store(), schedule: { daily: "at two" } }).then(() => null, (e: unknown) => e);
      expect(error).to.be.instanceOf(BackupError);
      expect((error as BackupError).code).to.equal("BAD_INPUT");
      const plugin: unknown[] = await app.ds.query("SELECT name FROM sqlite_master WHERE name LIKE '_changelog%'");
      expect(plugin).to.deep.equal([]);
    } finally {
      await app.close();
    }
  });
});
