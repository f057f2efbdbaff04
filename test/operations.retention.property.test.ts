/**
 * Retention (issue 11): over random snapshot histories and policies, what
 * remains is exactly what the policy keeps (a second implementation says
 * which), the newest always remains, and every instant of the window can
 * still be restored: on paper for thousands of histories, and on real
 * stores (the PITR test's recorder: the live dump at random instants),
 * where cleanup runs for real, compresses the journal, and a restore to
 * random instants of the window still equals the recorded dump.
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "node:fs";
import { decideRetention, journalFloor, type SnapshotLike } from "../src/operations/retention";
import type { RetentionPolicy } from "../src/operations/retentionPolicy";
import { cleanupStore } from "../src/operations/cleanup";
import { journalRange } from "../src/journal";
import { listSnapshots, SNAPSHOT_KINDS, type SnapshotKind } from "../src/snapshot";
import { restore } from "../src/restore";
import { mutateStocktake } from "../src/stocktake/workload";
import { Rng } from "../src/stocktake/rng";
import { oracleKeeps } from "./support/retentionOracle";
import { jsonOf, runCli as cli } from "./support/cli";
import { tempDir } from "./support/databases";
import { type Dump, dropTarget, dumpUrl, freshTarget, openApp, snapshotWithDdl } from "./support/restoreSupport";

const DAY = 86_400_000;
const ZONES = ["UTC", "Europe/London", "Australia/Sydney", "America/New_York"];

const policyArb = fc.record({
  keepDaily: fc.integer({ min: 0, max: 10 }),
  keepWeekly: fc.integer({ min: 0, max: 6 }),
  keepMonthly: fc.integer({ min: 0, max: 14 }),
  keepWithinMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90 }).map((d) => d * DAY), fc.integer({ min: 1, max: 48 * 3600 }).map((s) => s * 1000)),
  timeZone: fc.constantFrom(...ZONES),
}).filter((p) => p.keepDaily + p.keepWeekly + p.keepMonthly > 0 || p.keepWithinMs > 0);

/** A history: snapshots at distinct times over ~400 days before now (a few in the future), seqs rising with time (equal when nothing was written between). */
const historyArb = fc.tuple(
  fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
  fc.uniqueArray(fc.integer({ min: -400 * DAY, max: 2 * 3600_000 }), { minLength: 1, maxLength: 40 }),
  fc.array(fc.tuple(fc.constantFrom(...SNAPSHOT_KINDS), fc.integer({ min: 0, max: 30 })), { minLength: 40, maxLength: 40 }),
).map(([now, offsets, extras]) => {
  const times = offsets.map((o) => now + (o > 0 && o % 7 !== 0 ? -o : o)).sort((a, b) => a - b);
  let seq = 0;
  const snapshots: SnapshotLike[] = times.map((createdAt, i) => {
    seq += extras[i][1];
    return { file: `s${i}.snap`, kind: extras[i][0], createdAt, seq };
  });
  return { now, snapshots };
});

describe("retention: property", function () {
  this.timeout(600000);

  it("keeps exactly what the policy says, the newest always, and a snapshot the journal continues for every instant of the window (1000 histories)", () => {
    fc.assert(fc.property(historyArb, policyArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 10, maxLength: 10 }), ({ now, snapshots }, policy, picks) => {
      const decision = decideRetention(snapshots, policy, now);
      const kept = new Set(decision.decisions.filter((d) => d.keep).map((d) => d.snapshot.file));
      expect([...kept].sort()).to.deep.equal([...oracleKeeps(snapshots, policy, now)].sort());
      for (const d of decision.decisions) expect(d.keep).to.equal(d.reasons.length > 0);
      const present = snapshots.filter((s) => s.createdAt <= now);
      // Of twins taken in the same millisecond, one is the newest.
      const newestAt = Math.max(...present.map((s) => s.createdAt));
      if (present.length > 0) expect(present.some((s) => s.createdAt === newestAt && kept.has(s.file)), "the newest").to.equal(true);
      const floor = journalFloor(decision);
      if (decision.windowStart === null) return;
      for (const p of picks) {
        const t = decision.windowStart + p * (now - decision.windowStart);
        if (!snapshots.some((s) => s.createdAt <= t)) continue; // not restorable before cleanup either
        // What the restore plan picks after cleanup: the newest kept by seq created at or before t; the journal must go on from it.
        const base = [...snapshots].filter((s) => kept.has(s.file)).sort((a, b) => b.seq - a.seq).find((s) => s.createdAt <= t);
        expect(base, `a kept snapshot at or before ${new Date(t).toISOString()}`).to.not.equal(undefined);
        expect(floor).to.not.equal(null);
        expect(base!.seq).to.be.at.least(floor!);
      }
    }), { numRuns: 1000 });
  });

  for (const run of [1, 2, 3]) {
    it(`on a real store (run ${run}): cleanup removes exactly that, the journal before the oldest kept snapshot, compresses the rest, and the window restores to the recorded dumps`, async () => {
      const seed = 1000 * run + (Number(process.env.STOCKTAKE_RETENTION_SEED ?? Date.now()) % 1000);
      const rng = new Rng(seed);
      const app = await openApp("sqlite", { seed, segmentBytes: 6 << 10 });
      const targets = tempDir("retain-targets-");
      try {
        const instants: { seq: number; at: number; dump: Dump }[] = [];
        const kinds: SnapshotKind[] = ["manual", "daily", "weekly", "monthly", "safety"];
        await app.changelog.flush();
        await snapshotWithDdl(app.ds, app.schema, app.ddl, app.store, "s0", "daily");
        for (let i = 0; i < 22; i++) {
          await mutateStocktake(app.ds, { steps: rng.int(1, 4), seed: seed * 100 + i });
          await app.changelog.flush();
          const at = Date.now();
          instants.push({ seq: await app.head(), at, dump: await app.dump() });
          while (Date.now() <= at + 1) await new Promise((r) => setTimeout(r, 1));
          if (rng.chance(0.35)) await snapshotWithDdl(app.ds, app.schema, app.ddl, app.store, `s${i + 1}`, kinds[rng.int(0, kinds.length - 1)]);
          await new Promise((r) => setTimeout(r, rng.int(5, 40)));
        }
        await app.changelog.flush();
        const now = Date.now() + rng.int(1, 50);
        const span = now - instants[0].at;
        const policy: RetentionPolicy = {
          keepDaily: rng.int(0, 2), keepWeekly: rng.int(0, 1), keepMonthly: rng.int(0, 1),
          keepWithinMs: Math.max(1, Math.round(span * (0.1 + 0.8 * rng.next()))), timeZone: "UTC",
        };
        const before = await listSnapshots(app.store);
        const segmentsBefore = journalRange(app.store)!.segments;
        const expected = oracleKeeps(before.snapshots, policy, now);
        const report = await cleanupStore(app.store, { policy, now });
        const after = await listSnapshots(app.store);
        expect(after.snapshots.map((s) => s.file).sort(), `seed ${seed}`).to.deep.equal([...expected].sort());
        expect(after.snapshots.map((s) => s.file)).to.include(before.snapshots[before.snapshots.length - 1].file);
        // The journal: exactly the segments that end at or before the floor are gone; every sealed one is compressed.
        const floor = report.journalFloor!;
        const gone = segmentsBefore.filter((s, i) => i < segmentsBefore.length - 1 && segmentsBefore[i + 1].firstSeq - 1 <= floor);
        const range = journalRange(app.store)!;
        expect(range.segments.map((s) => s.firstSeq)).to.deep.equal(segmentsBefore.slice(gone.length).map((s) => s.firstSeq));
        expect(range.segments.slice(0, -1).every((s) => s.compressed), "sealed segments compressed").to.equal(true);
        expect(report.bytesFreed).to.be.greaterThan(0);

        const listed = jsonOf<{ restorableSpans: { from: string; fromSeq: number; to: string; toSeq: number }[] }>(cli(["list", "--dir", app.store, "--json"]));
        // The oldest snapshot kept for restores (the newest safety snapshot is kept as its own state only).
        const oldestBase = report.decisions.filter((d) => d.keep && d.replayFrom).reduce((a, d) => (d.snapshot.seq < a.seq ? d.snapshot : a), { seq: Infinity, createdAt: 0 });
        expect(floor).to.equal(oldestBase.seq);
        expect(listed.restorableSpans).to.have.length(1);
        const claimed = listed.restorableSpans[0];
        expect(claimed.fromSeq, "list claims nothing before the oldest kept snapshot").to.equal(oldestBase.seq);
        expect(Date.parse(claimed.from)).to.equal(oldestBase.createdAt);
        const windowStart = now - policy.keepWithinMs;
        const inWindow = instants.filter((x) => x.at >= windowStart);
        for (const x of inWindow) {
          expect(x.at).to.be.at.least(Date.parse(claimed.from));
          expect(x.seq).to.be.within(claimed.fromSeq, claimed.toSeq);
        }
        const sample = [...new Set([inWindow[0], inWindow[inWindow.length - 1], ...Array.from({ length: 3 }, () => inWindow[rng.int(0, inWindow.length - 1)])])];
        for (const x of sample) {
          const target = freshTarget("sqlite", targets);
          const r = await restore({ store: app.store, to: new Date(x.at), target });
          try {
            expect(r.seqReached, `seed ${seed}, ${new Date(x.at).toISOString()}`).to.equal(x.seq);
            expect(await dumpUrl(target, app.schema), `seed ${seed}, dump at seq ${x.seq}`).to.deep.equal(x.dump);
          } finally {
            await dropTarget("sqlite", target);
          }
        }
      } finally {
        await app.close();
        fs.rmSync(targets, { recursive: true, force: true });
      }
    });
  }
});
