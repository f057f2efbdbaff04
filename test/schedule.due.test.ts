/**
 * The decision "what is due at T, given the store", with the clock injected:
 * cron's every-minute asking, run over whole months, over the summer time
 * changes of Europe/London, and over a machine that was off for days.
 * Each snapshot the decision asks for is "taken" at the instant it was due.
 */
import { expect } from "chai";
import { resolveSchedule, type Schedule } from "../src/schedule/config";
import { dueAt, type StoredSnapshot } from "../src/schedule/due";
import { periodOf } from "../src/schedule/occurrences";
import { formatInZone } from "../src/instant";
import { BackupError } from "../src/errors";

const LONDON = "Europe/London";
const MINUTE = 60_000;

function schedule(settings: Partial<Record<"daily" | "weekly" | "monthly", string>> = {}, timeZone = LONDON): Schedule {
  return resolveSchedule("/nonexistent-store", { timeZone, ...settings }, {});
}

/** Asks every minute in [from, to), taking what is due at once (a few seconds after); returns what was taken. */
function runEveryMinute(s: Schedule, from: number, to: number, history: StoredSnapshot[] = []): StoredSnapshot[] {
  for (let t = from; t < to; t += MINUTE) {
    for (const d of dueAt(t, s, history)) history.push({ kind: d.kind, createdAt: t + 3000, file: d.file });
  }
  return history;
}

const local = (ms: number) => formatInZone(ms, LONDON);
const ofKind = (h: StoredSnapshot[], kind: string) => h.filter((x) => x.kind === kind);

describe("schedule: what is due at an instant", function () {
  this.timeout(120_000);

  it("every kind is due exactly once per period across a month, asked every minute (March, with the change to summer time)", () => {
    const from = Date.parse("2026-03-01T00:00:00Z");
    const to = Date.parse("2026-04-01T00:00:00+01:00");
    // Seeded with last month's snapshots, as a store that has run for a while.
    const seed: StoredSnapshot[] = [
      { kind: "daily", createdAt: Date.parse("2026-02-28T02:00:03Z"), file: "daily-backup-2026-02-28.snap" },
      { kind: "weekly", createdAt: Date.parse("2026-02-22T03:00:03Z"), file: "weekly-backup-2026-02-22.snap" },
      { kind: "monthly", createdAt: Date.parse("2026-02-01T04:00:03Z"), file: "monthly-backup-2026-02-01.snap" },
    ];
    const taken = runEveryMinute(schedule(), from, to, [...seed]).slice(seed.length);
    const daily = ofKind(taken, "daily");
    expect(daily.map((x) => periodOf(x.createdAt, LONDON))).to.deep.equal(Array.from({ length: 31 }, (_v, i) => `2026-03-${String(i + 1).padStart(2, "0")}`));
    // Each at 02:00 local, summer time or not: 02:00 GMT before the 29th, 02:00 BST from it.
    for (const x of daily) expect(local(x.createdAt - 3000).slice(11, 16), local(x.createdAt)).to.equal("02:00");
    expect(daily.map((x) => x.file)).to.deep.equal(daily.map((x) => `daily-backup-${periodOf(x.createdAt, LONDON)}.snap`));
    const weekly = ofKind(taken, "weekly");
    expect(weekly.map((x) => local(x.createdAt - 3000).slice(0, 16))).to.deep.equal(
      ["2026-03-01T03:00", "2026-03-08T03:00", "2026-03-15T03:00", "2026-03-22T03:00", "2026-03-29T03:00"]);
    expect(ofKind(taken, "monthly").map((x) => local(x.createdAt - 3000).slice(0, 16))).to.deep.equal(["2026-03-01T04:00"]);
    expect(taken.length).to.equal(31 + 5 + 1);
  });

  it("a time the clocks skip (01:30 on 29 March) is due once, just after the gap; one that occurs twice (01:30 on 25 October) once, at the first", () => {
    const s = schedule({ daily: "30 1 * * *", weekly: "30 1 * * 0", monthly: "off" });
    const spring = runEveryMinute(s, Date.parse("2026-03-27T12:00:00Z"), Date.parse("2026-03-31T12:00:00Z"), [
      { kind: "daily", createdAt: Date.parse("2026-03-27T01:30:03Z"), file: "daily-backup-2026-03-27.snap" },
      { kind: "weekly", createdAt: Date.parse("2026-03-22T01:30:03Z"), file: "weekly-backup-2026-03-22.snap" },
    ]).slice(2);
    expect(spring.map((x) => `${x.kind} ${local(x.createdAt - 3000)}`)).to.deep.equal([
      "daily 2026-03-28T01:30:00+00:00",
      "daily 2026-03-29T02:00:00+01:00", // 01:30 does not exist that night: the first minute after the gap
      "weekly 2026-03-29T02:00:00+01:00",
      "daily 2026-03-30T01:30:00+01:00",
      "daily 2026-03-31T01:30:00+01:00",
    ]);
    const autumn = runEveryMinute(s, Date.parse("2026-10-23T12:00:00Z"), Date.parse("2026-10-27T12:00:00Z"), [
      { kind: "daily", createdAt: Date.parse("2026-10-23T00:30:03Z"), file: "daily-backup-2026-10-23.snap" },
      { kind: "weekly", createdAt: Date.parse("2026-10-18T00:30:03Z"), file: "weekly-backup-2026-10-18.snap" },
    ]).slice(2);
    expect(autumn.map((x) => `${x.kind} ${local(x.createdAt - 3000)}`)).to.deep.equal([
      "daily 2026-10-24T01:30:00+01:00",
      "daily 2026-10-25T01:30:00+01:00", // the first 01:30; the second, an hour later in GMT, finds it taken
      "weekly 2026-10-25T01:30:00+01:00",
      "daily 2026-10-26T01:30:00+00:00",
      "daily 2026-10-27T01:30:00+00:00",
    ]);
  });

  it("a pattern that fires several times a night (every 20 minutes from 01:00, through the repeated hour) still gives one daily a day", () => {
    const s = schedule({ daily: "*/20 1 * * *", weekly: "off", monthly: "off" });
    const taken = runEveryMinute(s, Date.parse("2026-10-24T12:00:00Z"), Date.parse("2026-10-26T12:00:00Z"),
      [{ kind: "daily", createdAt: Date.parse("2026-10-24T00:00:03Z"), file: "daily-backup-2026-10-24.snap" }]).slice(1);
    expect(taken.map((x) => x.file)).to.deep.equal(["daily-backup-2026-10-25.snap", "daily-backup-2026-10-26.snap"]);
  });

  it("after three days off, one snapshot per missed kind catches up, then the schedule goes on", () => {
    const s = schedule();
    const before = runEveryMinute(s, Date.parse("2026-10-30T00:00:00Z"), Date.parse("2026-10-31T10:00:00Z"), [
      { kind: "daily", createdAt: Date.parse("2026-10-29T02:00:03Z"), file: "daily-backup-2026-10-29.snap" },
      { kind: "weekly", createdAt: Date.parse("2026-10-25T03:00:03Z"), file: "weekly-backup-2026-10-25.snap" },
      { kind: "monthly", createdAt: Date.parse("2026-10-01T04:00:03+01:00"), file: "monthly-backup-2026-10-01.snap" },
    ]);
    expect(before.length).to.equal(3 + 2); // the dailies of the 30th and 31st
    // Off from Saturday 31 October 10:00 to Tuesday 3 November 09:00: three dailies, Sunday's weekly, the 1st's monthly were missed.
    const resumed = Date.parse("2026-11-03T09:00:00Z");
    const due = dueAt(resumed, s, before);
    expect(due.map((d) => `${d.kind} ${d.period} ${local(d.firedAt)}`)).to.deep.equal([
      "daily 2026-11-03 2026-11-03T02:00:00+00:00",
      "weekly 2026-11-01 2026-11-01T03:00:00+00:00",
      "monthly 2026-11-01 2026-11-01T04:00:00+00:00",
    ]);
    const after = runEveryMinute(s, resumed, Date.parse("2026-11-05T00:00:00Z"), [...before]).slice(before.length);
    expect(after.map((x) => `${x.file} ${local(x.createdAt - 3000)}`)).to.deep.equal([
      "daily-backup-2026-11-03.snap 2026-11-03T09:00:00+00:00",
      "weekly-backup-2026-11-01.snap 2026-11-03T09:00:00+00:00",
      "monthly-backup-2026-11-01.snap 2026-11-03T09:00:00+00:00",
      "daily-backup-2026-11-04.snap 2026-11-04T02:00:00+00:00",
    ]);
  });

  it("back on before the day's time: the catch-up is named after yesterday, and today's daily still comes at 02:00", () => {
    const s = schedule({ weekly: "off", monthly: "off" });
    const history: StoredSnapshot[] = [{ kind: "daily", createdAt: Date.parse("2026-11-05T02:00:03Z"), file: "daily-backup-2026-11-05.snap" }];
    const taken = runEveryMinute(s, Date.parse("2026-11-09T01:30:00Z"), Date.parse("2026-11-09T03:00:00Z"), history).slice(1);
    expect(taken.map((x) => `${x.file} ${local(x.createdAt - 3000)}`)).to.deep.equal([
      "daily-backup-2026-11-08.snap 2026-11-09T01:30:00+00:00",
      "daily-backup-2026-11-09.snap 2026-11-09T02:00:00+00:00",
    ]);
  });

  it("periods are dates in the schedule's zone (Sydney's 02:00 daily is named after Sydney's date, not UTC's)", () => {
    const s = schedule({ weekly: "off", monthly: "off" }, "Australia/Sydney");
    const [d] = dueAt(Date.parse("2026-12-01T15:30:00Z"), s, []); // 02:30 on 2 December in Sydney
    expect(d.file).to.equal("daily-backup-2026-12-02.snap");
  });

  it("nothing is due twice: a snapshot of the period already in the store, by time or by name, counts", () => {
    const s = schedule({ weekly: "off", monthly: "off" });
    const t = Date.parse("2026-11-09T12:00:00Z");
    expect(dueAt(t, s, [])).to.have.length(1);
    expect(dueAt(t, s, [{ kind: "daily", createdAt: Date.parse("2026-11-09T02:00:00Z"), file: "x.snap" }])).to.have.length(0);
    expect(dueAt(t, s, [{ kind: "daily", createdAt: Date.parse("2026-11-09T00:10:00Z"), file: "daily-backup-2026-11-09.snap" }])).to.have.length(0);
    // A manual snapshot is not a daily.
    expect(dueAt(t, s, [{ kind: "manual", createdAt: Date.parse("2026-11-09T11:00:00Z"), file: "backup-x.snap" }])).to.have.length(1);
  });

  it("settings come from the caller, then the environment, then the schedule file, then the default; bad ones are refused by name", () => {
    expect(resolveSchedule("/nonexistent-store", {}, { TZ: "UTC" }).patterns).to.deep.equal({ daily: "0 2 * * *", weekly: "0 3 * * 0", monthly: "0 4 1 * *" });
    const env = { BACKUP_SCHEDULE_DAILY: "0 5 * * *", BACKUP_SCHEDULE_WEEKLY: "off", BACKUP_SCHEDULE_TZ: "Asia/Tokyo" };
    expect(resolveSchedule("/nonexistent-store", { daily: "15 1 * * *" }, env)).to.deep.equal(
      { timeZone: "Asia/Tokyo", patterns: { daily: "15 1 * * *", weekly: null, monthly: "0 4 1 * *" } });
    const refused = (f: () => unknown) => { try { f(); } catch (e) { return e as BackupError; } throw new Error("not refused"); };
    const bad = refused(() => resolveSchedule("/nonexistent-store", { daily: "0 25 * * *" }, {}, { daily: "--daily" }));
    expect(bad.code).to.equal("BAD_INPUT");
    expect(bad.message).to.contain('--daily "0 25 * * *"');
    expect(refused(() => resolveSchedule("/nonexistent-store", { timeZone: "Mars/Olympus" }, {}, { timeZone: "--tz" })).message).to.contain('--tz "Mars/Olympus"');
    expect(refused(() => resolveSchedule("/nonexistent-store", {}, { BACKUP_SCHEDULE_MONTHLY: "monthly" })).message).to.contain("BACKUP_SCHEDULE_*: monthly");
  });
});
