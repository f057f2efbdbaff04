/**
 * The acceptance property of point-in-time restore (I3): a random workload
 * runs with the changelog attached; at 30+ random instants the test records
 * the live database's canonical dump, its seq and the time; snapshots are
 * taken at random moments while the writes go on. Restoring to each instant,
 * by time and by seq, into a new database gives exactly the recorded dump,
 * types included, and the app can insert into every table afterwards.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DataSource } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { createDialect } from "../src/capture/createDialect";
import { CaptureDialect } from "../src/capture/dialect";
import { restore } from "../src/restore";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { createScratchDatabase } from "./support/scratchDatabase";
import { mutateStocktake, seedStocktake } from "../src/stocktake/workload";
import { Rng } from "../src/stocktake/rng";
import { tempDir, ENGINES } from "./support/databases";
import {
  captureDdl, Dump, dropTarget, dumpLive, dumpUrl, freshTarget, insertIntoEveryTable, snapshotWithDdl, TestSnapshot,
} from "./support/restoreSupport";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function headSeq(ds: DataSource): Promise<number> {
  const rows: { seq: number | string }[] = await ds.query("SELECT seq FROM _changelog_head");
  return Number(rows[0].seq);
}

interface Instant { seq: number; at: number; dump: Dump }

for (const engine of ENGINES) {
  describe(`point-in-time restore (${engine})`, function () {
    this.timeout(900000);

    it("restores each of 30+ recorded instants exactly, by time and by seq, while snapshots were taken during the writes", async () => {
      await fc.assert(fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 30, maxLength: 34 }),
        async (seed, stepsBetween) => {
          const db = await createScratchDatabase(engine);
          const ds = await openStocktakeDataSource(db.url);
          const store = tempDir();
          const targets = tempDir();
          let changelog: Changelog | null = null;
          let dialect: CaptureDialect | null = null;
          let running = true;
          let snapshotting: Promise<void> = Promise.resolve();
          try {
            changelog = await attachChangelog(ds, { dir: store, groupWindowMs: 2 });
            await seedStocktake(ds, { scale: 1, seed });
            const schema = changelog.schema;
            dialect = await createDialect(ds);
            await dialect.preparePluginTables(schema);
            const ddl = await captureDdl(ds, schema.tables.map((t) => t.name));
            const snapshots: TestSnapshot[] = [await snapshotWithDdl(ds, schema, ddl, store, "s0")];
            const rng = new Rng(seed);
            snapshotting = (async () => {
              for (let i = 1; running; i++) {
                await sleep(rng.int(30, 300));
                if (running) snapshots.push(await snapshotWithDdl(ds, schema, ddl, store, `s${i}`));
              }
            })();

            const instants: Instant[] = [];
            const middle = Math.floor(stepsBetween.length / 2);
            for (const [i, steps] of stepsBetween.entries()) {
              await mutateStocktake(ds, { steps, seed: seed * 100 + i });
              // However slow the machine, one snapshot lands between the instants: the writes go on until it does.
              for (let extra = 0; i === middle && !snapshots.some((x) => x.seq > instants[0].seq); extra++) {
                await mutateStocktake(ds, { steps: 1, seed: seed * 1000 + extra });
              }
              const seq = await headSeq(ds);
              const dump = await dumpLive(ds, schema);
              const at = Date.now();
              instants.push({ seq, at, dump });
              // The next commit must get a later millisecond than the recorded instant.
              while (Date.now() <= at + 1) await sleep(1);
            }
            running = false;
            await snapshotting;
            await changelog.flush();
            expect(snapshots.length, "snapshots taken").to.be.at.least(2);
            expect(snapshots.some((s) => s.seq > instants[0].seq && s.seq < instants[instants.length - 1].seq), "a snapshot between the instants").to.equal(true);
            expect(new Set(instants.map((x) => x.seq)).size, "instants at distinct seqs").to.be.greaterThan(20);

            for (const instant of instants) {
              const byTime = freshTarget(engine, targets);
              const r1 = await restore({ store, to: new Date(instant.at), target: byTime });
              try {
                expect(r1.seqReached, `seq reached for ${new Date(instant.at).toISOString()}`).to.equal(instant.seq);
                expect(r1.success).to.equal(true);
                expect(await dumpUrl(byTime, schema), `dump at ${new Date(instant.at).toISOString()} (seq ${instant.seq}) by time`).to.deep.equal(instant.dump);
              } finally {
                await dropTarget(engine, byTime);
              }
              const bySeq = freshTarget(engine, targets);
              const r2 = await restore({ store, toSeq: instant.seq, target: bySeq });
              try {
                expect(r2.snapshot.seq).to.be.at.most(instant.seq);
                expect(r2.framesReplayed).to.equal(instant.seq - r2.snapshot.seq);
                expect(await dumpUrl(bySeq, schema), `dump at seq ${instant.seq} by seq`).to.deep.equal(instant.dump);
                const written = await insertIntoEveryTable(bySeq, schema);
                const nonEmpty = Object.entries(instant.dump).filter(([, rows]) => rows.length > 0).map(([t]) => t);
                expect(written.sort()).to.deep.equal(nonEmpty.sort());
              } finally {
                await dropTarget(engine, bySeq);
              }
            }
          } finally {
            running = false;
            await snapshotting.catch(() => undefined);
            await dialect?.close();
            await changelog?.close();
            await ds.destroy();
            await db.dispose();
          }
        }), { numRuns: 1, endOnFailure: true });
    });
  });
}
