/**
 * The time forms the CLI and the library accept, and those they refuse
 * (issue 8, D18): a table, with the current time and the zones fixed, so that
 * each expected instant is written out by hand.
 */
import { expect } from "chai";
import path from "path";
import { BackupError } from "../src/errors";
import { parseInstant, parsePoint } from "../src/instant";
import { runCli } from "./support/cli";
import { tempDir } from "./support/databases";
import { writeBigJournal } from "./support/bigJournal";
import { StocktakeStore, stocktakeStore } from "./support/stocktakeStore";

const NOW = Date.parse("2026-12-02T10:00:00Z");

/** [text, --tz, the instant in UTC, what is printed back (null: nothing)] */
const ACCEPTED: [string, string | undefined, string, string | null][] = [
  ["2026-11-26T14:05:00Z", undefined, "2026-11-26T14:05:00.000Z", null],
  ["2026-11-26T14:05:00.250Z", undefined, "2026-11-26T14:05:00.250Z", null],
  ["2026-11-26t14:05:00z", undefined, "2026-11-26T14:05:00.000Z", null],
  ["2026-11-26T15:05:00+01:00", undefined, "2026-11-26T14:05:00.000Z", null],
  ["2026-11-26T15:05+0100", undefined, "2026-11-26T14:05:00.000Z", null],
  ["2026-11-26T09:05:00-05:00", undefined, "2026-11-26T14:05:00.000Z", null],
  ["2026-11-26 14:05:00Z", undefined, "2026-11-26T14:05:00.000Z", null],
  ["2026-11-26T15:05:00+01:00", "Asia/Tokyo", "2026-11-26T14:05:00.000Z", null],
  ["2026-11-26T15:05", "Europe/Berlin", "2026-11-26T14:05:00.000Z", "2026-11-26T15:05:00+01:00"],
  ["2026-07-01T12:00", "Europe/Berlin", "2026-07-01T10:00:00.000Z", "2026-07-01T12:00:00+02:00"],
  ["2026-11-26", "Europe/Berlin", "2026-11-25T23:00:00.000Z", "2026-11-26T00:00:00+01:00"],
  ["2026-10-25T02:30", "Europe/Berlin", "2026-10-25T00:30:00.000Z", "2026-10-25T02:30:00+02:00"],
  ["now", "UTC", "2026-12-02T10:00:00.000Z", "2026-12-02T10:00:00+00:00"],
  ["-90s", "UTC", "2026-12-02T09:58:30.000Z", "2026-12-02T09:58:30+00:00"],
  ["-15m", "UTC", "2026-12-02T09:45:00.000Z", "2026-12-02T09:45:00+00:00"],
  ["-2h", "Europe/Berlin", "2026-12-02T08:00:00.000Z", "2026-12-02T09:00:00+01:00"],
  ["-3d", "UTC", "2026-11-29T10:00:00.000Z", "2026-11-29T10:00:00+00:00"],
  ["yesterday 14:05", "Europe/Berlin", "2026-12-01T13:05:00.000Z", "2026-12-01T14:05:00+01:00"],
  ["yesterday 14:05:30", "UTC", "2026-12-01T14:05:30.000Z", "2026-12-01T14:05:30+00:00"],
  ["today 09:00", "Asia/Tokyo", "2026-12-02T00:00:00.000Z", "2026-12-02T09:00:00+09:00"],
  ["today 09:00", "America/New_York", "2026-12-02T14:00:00.000Z", "2026-12-02T09:00:00-05:00"],
  // Already 3 December there: yesterday is the 2nd.
  ["yesterday 23:30", "Pacific/Kiritimati", "2026-12-02T09:30:00.000Z", "2026-12-02T23:30:00+14:00"],
];

/** [text, --tz, what the message says] */
const REFUSED: [string, string | undefined, RegExp][] = [
  ["-5", undefined, /"-5" is not an instant/],
  ["Dec 2", undefined, /"Dec 2" is not an instant/],
  ["5/12/2026", undefined, /is not an instant/],
  ["2026-12-02T12:59:59", undefined, /has no time zone/],
  ["2026-12-02", undefined, /has no time zone/],
  ["2026-02-30T00:00Z", undefined, /is not a valid date and time/],
  ["2026-11-26T24:00Z", undefined, /is not a valid date and time/],
  ["2026-11-26T14:60Z", undefined, /is not a valid date and time/],
  ["0099-11-26T14:00Z", undefined, /is not a valid date and time/],
  ["2026-11-26T14:05:00+25:00", undefined, /has an offset that is not one/],
  ["2026-11-26Z", undefined, /is a date with a zone but no time/],
  ["2026-03-29T02:30", "Europe/Berlin", /does not exist in Europe\/Berlin/],
  ["+2h", undefined, /is not an instant/],
  ["-2 h", undefined, /is not an instant/],
  ["-2w", undefined, /is not an instant/],
  ["yesterday", undefined, /is not an instant/],
  ["tomorrow 09:00", undefined, /is not an instant/],
  ["today 25:00", "UTC", /is not a valid date and time/],
  ["", undefined, /is not an instant/],
  ["1234", undefined, /is not an instant/],
  ["now", "Mars/Olympus", /--tz "Mars\/Olympus" is not a time zone/],
];

describe("time forms (instant.ts)", () => {
  for (const [text, zone, utc, resolved] of ACCEPTED) {
    it(`accepts "${text}"${zone ? ` in ${zone}` : ""} as ${utc}`, () => {
      const instant = parseInstant(text, { now: NOW, timeZone: zone });
      expect(new Date(instant.ms).toISOString()).to.equal(utc);
      expect(instant.resolved).to.equal(resolved);
    });
  }

  for (const [text, zone, message] of REFUSED) {
    it(`refuses "${text}"${zone ? ` in ${zone}` : ""} with BAD_INPUT and a hint`, () => {
      let error: unknown = null;
      try {
        parseInstant(text, { now: NOW, timeZone: zone, option: "--to" });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(BackupError);
      expect((error as BackupError).code).to.equal("BAD_INPUT");
      expect((error as BackupError).message).to.match(message);
      expect((error as BackupError).hint).to.match(/\S/);
    });
  }

  it("a refused form's hint lists the accepted forms", () => {
    expect(() => parseInstant("Dec 2", { now: NOW })).to.throw(BackupError).with.property("hint").that.matches(/ISO|Z.*now.*-2h.*yesterday 14:05/);
  });

  it("digits alone as --to are refused with a pointer to --to-seq", () => {
    expect(() => parseInstant("1234", { now: NOW })).to.throw(BackupError).with.property("hint").that.matches(/--to-seq/);
  });

  it("log's points: plain digits are a sequence number", () => {
    expect(parsePoint("42", { option: "--from", now: NOW })).to.deep.equal({ seq: 42 });
  });

  it("log's points: -5 is neither a sequence number nor an instant", () => {
    expect(() => parsePoint("-5", { option: "--from", now: NOW })).to.throw(BackupError, /neither a sequence number nor an instant/);
  });

  it("log's points: digits past 2^53 are refused, not rounded", () => {
    expect(() => parsePoint("99999999999999999999", { option: "--from", now: NOW })).to.throw(BackupError, /too large/);
  });
});

describe("time forms on the command line", function () {
  this.timeout(60000);
  let store: string;

  before(async () => {
    store = tempDir("stk-times-");
    await writeBigJournal(store, 10, 1);
  });

  it("a day word without --tz is read in the machine's zone (TZ) and printed back with its offset", () => {
    const r = runCli(["log", "--dir", store, "--json", "--from", "today 00:00"], { TZ: "Asia/Tokyo" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/^--from today 00:00: using \d{4}-\d\d-\d\dT00:00:00\+09:00$/m);
  });

  it("--tz wins over the machine's zone", () => {
    const r = runCli(["log", "--dir", store, "--json", "--from", "2026-11-26T14:05", "--tz", "Europe/Berlin"], { TZ: "Asia/Tokyo" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/using 2026-11-26T14:05:00\+01:00/);
  });

  it("log --from -5 is refused (it read as 2001-05-01 and printed everything)", () => {
    const r = runCli(["log", "--dir", store, "--from", "-5"]);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.equal("");
  });

  it("log --from -2h keeps only the changes of the last two hours", () => {
    // The journal's frames were committed an hour ago, a millisecond apart.
    expect(runCli(["log", "--dir", store, "--json", "--from", "-2h"]).stdout.trim().split("\n")).to.have.length(10);
    expect(runCli(["log", "--dir", store, "--json", "--from", "-30m"]).stdout).to.equal("");
  });
});

describe("restore --to on the command line", function () {
  this.timeout(120000);
  let app: StocktakeStore;

  before(async () => { app = await stocktakeStore("sqlite"); });
  after(async () => app.dispose());

  it("AnInstantAfterTheJournalsLastTransactionRestoresThatStateAndSaysSo", () => {
    const target = path.join(tempDir("stk-to-"), "new.db");
    const r = runCli(["restore", "--to", "now", "--dir", app.store, "--target", target, "--json"]);
    expect(r.status, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout) as { seqReached: number; to: string; journalEndedBefore: { seq: number; at: string } | null };
    expect(result.seqReached).to.equal(app.lastSeq);
    expect(result.journalEndedBefore?.seq).to.equal(app.lastSeq);
    expect(Date.parse(result.journalEndedBefore!.at)).to.be.below(Date.parse(result.to));
    expect(r.stderr).to.match(new RegExp(`^note: the journal ends at seq ${app.lastSeq}, committed at .*, before the instant asked for`, "m"));
  });

  it("AnInstantTheJournalReachesSaysNothingOfItsEnd", () => {
    const target = path.join(tempDir("stk-to-"), "new.db");
    const r = runCli(["restore", "--to", "2001-01-01T00:00:00Z", "--dir", app.store, "--target", target, "--json"]);
    expect(r.status).to.equal(2); // before every snapshot: OUT_OF_RANGE, with the restorable span in the hint
    const at = JSON.parse(runCli(["log", "--dir", app.store, "--json", "--from", String(app.lastSeq - 1)]).stdout.split("\n")[0]).at as string;
    const inside = runCli(["restore", "--to", at, "--dir", app.store, "--target", target, "--json"]);
    expect(inside.status, inside.stderr).to.equal(0);
    expect(JSON.parse(inside.stdout).journalEndedBefore).to.equal(null);
    expect(inside.stderr).not.to.match(/^note:/m);
  });

  it("AnInstantReadRelativeToNowIsPrintedBackAsTheInstantUsed", () => {
    const r = runCli(["restore", "--to", "now", "--tz", "Europe/Berlin", "--dir", app.store, "--dry-run", "--json"]);
    expect(r.status, r.stderr).to.equal(0);
    const used = /^--to now: using (\S+\+0[12]:00)$/m.exec(r.stderr);
    expect(used, r.stderr).to.not.equal(null);
    expect(Date.parse(used![1])).to.equal(Date.parse(JSON.parse(r.stdout).to));
  });
});
