/**
 * Hostile small files of a store (issue 14, item 4): the journal's LOCK and
 * the schedule's schedule.lock (one reader: tryLockFile), store.json, the
 * schedule file, the scratch registrations the sweep acts on, the integrity
 * reports `health` reads, and snapshots.json. Each is fuzzed with random
 * bytes, random JSON, and damage to a valid one: it is read as the package
 * reads it, and may only fail with a BackupError (the sweep's and health's
 * readers never fail: they skip what they cannot read), within CASE_MS.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { releaseLockFile, tryLockFile } from "../src/journal/lock";
import { parseRegistered } from "../src/leftovers/scratch";
import { newestIntegrityReport } from "../src/operations/health/integrityReport";
import { resolveSchedule } from "../src/schedule/config";
import { scheduleStateAt } from "../src/schedule/due";
import { listSnapshots, SnapshotWriter } from "../src/snapshot";
import { readStoreIdentity } from "../src/storeIdentity";
import { assertProperty, bitsOf, decodeCase, expectError, fuzzDir, runsOf, truncated, withBitsFlipped } from "./support/fuzz";

/** What a file's bytes may be: anything, some JSON, or text. */
const randomFile = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? "")),
  fc.string({ unit: "binary", maxLength: 80 }).map((s) => Buffer.from(s)),
);

/** A little less than anything: room for a reader's own small buffers, none for a file's claims. */
const SMALL = 64 << 10;

describe("security: hostile small files of a store (fuzz)", function () {
  this.timeout(300_000);
  let dir: string;
  before(() => { dir = fuzzDir("stk-fuzz-files-"); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("a lock file (journal LOCK, schedule.lock)", () => {
    const lock = () => path.join(dir, "LOCK");

    it("AnyContentIsTakenOverOrReportedAsItsHolderNeverAnError", async () => {
      await assertProperty([randomFile], runsOf(1), async (bytes) => {
        fs.writeFileSync(lock(), bytes);
        const outcome = await decodeCase(`LOCK holding ${bytes.toString("hex").slice(0, 60)}`, SMALL, () => tryLockFile(lock()));
        expect(outcome.ok, "a lock's content alone is never an error").to.equal(true);
        const holder = (outcome as { value: number | null }).value;
        if (holder === null) {
          expect(fs.readFileSync(lock(), "utf8")).to.equal(`${process.pid} ${os.hostname()}\n`);
          releaseLockFile(lock());
        } else expect(Number.isSafeInteger(holder)).to.equal(true);
        fs.rmSync(lock(), { force: true });
      });
    });

    it("AHugeLockIsReadNoFurtherThanAPid", async () => {
      // Regression: the whole file was read (readFileSync) to find a pid of a few digits, and a lock
      // of 3 GiB (sparse: it takes no disk) threw RangeError ERR_FS_FILE_TOO_LARGE out of every command.
      fs.writeFileSync(lock(), "");
      fs.truncateSync(lock(), 3 * 2 ** 30);
      const outcome = await decodeCase("a LOCK of 3 GiB", SMALL, () => tryLockFile(lock()));
      expect(outcome, "taken over: zeros are no pid").to.deep.equal({ ok: true, value: null });
      releaseLockFile(lock());
    });
  });

  describe("store.json", () => {
    const valid = Buffer.from(JSON.stringify({ format: "stocktake-backup store", version: 1, storeId: "0c6c2e8e-4a8c-4b4e-9a7e-3f1f7c3b9d11", databaseId: null, createdAt: "2026-01-01T00:00:00.000Z" }, null, 2));
    const write = (bytes: Buffer) => fs.writeFileSync(path.join(dir, "store.json"), bytes);

    async function readIdentity(bytes: Buffer, what: string) {
      write(bytes);
      const outcome = await decodeCase(what, Math.max(SMALL, bytes.length), () => readStoreIdentity(dir));
      if (outcome.ok) expect(outcome.value?.storeId, what).to.be.a("string");
      else expect(outcome.error.code, what).to.equal("STORE_MISMATCH");
      return outcome;
    }

    it("RandomBytesAndJsonAreAStoreMismatchOrAnIdentity", async () => {
      await assertProperty([randomFile], runsOf(0.7), async (bytes) => { await readIdentity(bytes, "random store.json"); });
    });

    it("AHugeStoreJsonIsRefusedUnread", async () => {
      fs.writeFileSync(path.join(dir, "store.json"), "");
      fs.truncateSync(path.join(dir, "store.json"), 3 * 2 ** 30);
      const outcome = await decodeCase("a store.json of 3 GiB", SMALL, () => readStoreIdentity(dir));
      expect(expectError(outcome, "BAD_INPUT", "store.json is 3221225472 bytes").message).to.contain("it is not read");
    });

    it("CutOrFlippedItIsAStoreMismatchOrAnIdentity", async () => {
      for (let n = 0; n < valid.length; n++) await readIdentity(truncated(valid, n), `store.json cut to ${n}`);
      await assertProperty([bitsOf(valid)], runsOf(0.3), async (bits) => { await readIdentity(withBitsFlipped(valid, bits), `bits ${bits}`); });
    });
  });

  describe("the schedule file", () => {
    const field = fc.constantFrom("*", "0", "59", "*/5", "1-5", "30", "31", "2", "L", "?", "1,15", "5/0", "0-0", "99", "-1", "#", "MON", "*/99999");
    const pattern = fc.oneof(fc.array(field, { minLength: 5, maxLength: 7 }).map((f) => f.join(" ")), fc.string({ maxLength: 30 }), fc.constant(false));
    const zone = fc.oneof(fc.constantFrom("UTC", "Europe/London", "America/New_York", "Pacific/Chatham", "Etc/GMT+14", "Mars/Olympus", ""), fc.string({ maxLength: 20 }));
    const settings = fc.record({ timeZone: zone, daily: pattern, weekly: pattern, monthly: pattern, other: fc.jsonValue() }, { requiredKeys: [] });
    const file = fc.oneof(randomFile, settings.map((s) => Buffer.from(JSON.stringify(s))));

    it("AnyScheduleFileIsABadInputOrAScheduleThatAnswersInTime", async () => {
      await assertProperty([file], runsOf(1), async (bytes) => {
        fs.writeFileSync(path.join(dir, "schedule.json"), bytes);
        const what = `schedule.json ${bytes.toString().slice(0, 120)}`;
        const outcome = await decodeCase(what, SMALL, () => {
          const schedule = resolveSchedule(dir, {}, {});
          // A pattern that never fires (31 February) must not make the decision search forever.
          return scheduleStateAt(Date.UTC(2026, 5, 1), schedule, []);
        });
        if (!outcome.ok) expect(outcome.error.code, what).to.equal("BAD_INPUT");
      });
      fs.rmSync(path.join(dir, "schedule.json"));
    });
  });

  describe("a scratch registration (what the sweep removes)", () => {
    it("OnlyAnAbsoluteRestoringPathOrADatabaseIsEverActedOn", async () => {
      const item = fc.oneof(
        fc.record({ kind: fc.constant("sqlite-file"), path: fc.oneof(fc.string(), fc.constantFrom("/a/b.restoring", "/a/../etc/x.restoring", "a/b.restoring", "/a/./b.restoring", "/a//b.restoring", "/a/b.db", "/")) }),
        fc.record({ kind: fc.constant("postgres-database"), server: fc.string(), database: fc.string() }),
      );
      const text = fc.oneof(randomFile.map((b) => b.toString("utf8")), item.map((i) => JSON.stringify(i)), fc.jsonValue().map((v) => JSON.stringify(v) ?? ""));
      await assertProperty([text], runsOf(1), async (t) => {
        const outcome = await decodeCase(`registration ${t.slice(0, 80)}`, SMALL, () => parseRegistered(t));
        const item = (outcome as { value: ReturnType<typeof parseRegistered> }).value;
        if (item?.kind === "sqlite-file") {
          expect(path.isAbsolute(item.path) && path.normalize(item.path) === item.path && item.path.endsWith(".restoring"), item.path).to.equal(true);
        }
      });
      expect(parseRegistered(JSON.stringify({ kind: "sqlite-file", path: "/var/x/../../etc/passwd.restoring" }))).to.equal(null);
      expect(parseRegistered(JSON.stringify({ kind: "sqlite-file", path: "/var/lib/app/shop.db.restoring" }))).to.deep.equal({ kind: "sqlite-file", path: "/var/lib/app/shop.db.restoring" });
    });
  });

  describe("an integrity report (health)", () => {
    it("AnyReportIsReadOrReportedUnreadableNeverAnError", async () => {
      const reports = fuzzDir("stk-fuzz-reports-");
      try {
        await assertProperty([randomFile], runsOf(1), async (bytes) => {
          fs.writeFileSync(path.join(reports, "integrity-report-1.json"), bytes);
          const outcome = await decodeCase("integrity report", Math.max(SMALL, bytes.length), () => newestIntegrityReport(reports));
          expect(outcome.ok).to.equal(true);
        });
      } finally {
        fs.rmSync(reports, { recursive: true, force: true });
      }
    });
  });

  describe("snapshots.json (never read: a cache for scripts and people)", () => {
    it("AnyManifestLeavesTheListOfSnapshotsAsItIs", async () => {
      const store = fuzzDir("stk-fuzz-manifest-");
      try {
        const w = await SnapshotWriter.create(path.join(store, "one.snap"), { kind: "manual", name: "one", createdAt: 1, seq: 0, schema: { engine: "sqlite", tables: [] } });
        await w.finish();
        const truth = await listSnapshots(store);
        expect(truth.snapshots.map((s) => s.file)).to.deep.equal(["one.snap"]);
        // Fewer cases: nothing decodes it; this shows nothing starts to.
        await assertProperty([randomFile], runsOf(0.2), async (bytes) => {
          fs.writeFileSync(path.join(store, "snapshots.json"), bytes);
          const outcome = await decodeCase("snapshots.json", SMALL, () => listSnapshots(store));
          expect((outcome as { value: unknown }).value).to.deep.equal(truth);
        });
      } finally {
        fs.rmSync(store, { recursive: true, force: true });
      }
    });
  });
});
