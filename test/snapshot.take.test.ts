import { expect } from "chai";
import { createReader } from "../src/reader";
import fc from "fast-check";
import fs from "fs";
import { DataSource } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { createDialect } from "../src/capture/createDialect";
import { readFrames } from "../src/journal/reader";
import { Frame } from "../src/journal/types";
import { DatabaseSchema } from "../src/db/types";
import { listSnapshots, MANIFEST_FILE, SnapshotReader } from "../src/snapshot";
import { takeSnapshot, TakenSnapshot } from "../src/snapshot/take";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { createScratchDatabase } from "./support/scratchDatabase";
import { mutateStocktake, seedStocktake } from "../src/stocktake/workload";
import { createTestDatabase, openDataSource, tempDir, ENGINES } from "./support/databases";
import { applyFrames, expectSameState, TableState } from "./support/replay";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function emptyState(schema: DatabaseSchema): TableState {
  return new Map(schema.tables.map((t) => [t.name, new Map()]));
}

/** The snapshot's rows as a table state; inserting them through the replay oracle also catches a row written twice. */
async function snapshotState(path: string, schema: DatabaseSchema): Promise<TableState> {
  const state = emptyState(schema);
  const reader = await SnapshotReader.open(path);
  try {
    expect(reader.header.schema).to.deep.equal(schema);
    for await (const batch of reader.batches()) {
      const changes = batch.rows.map((row) => ({ table: batch.table, op: "insert" as const, key: {}, before: null, after: row }));
      applyFrames(state, [{ seq: 0, at: 0, changes }], schema);
    }
  } finally {
    await reader.close();
  }
  return state;
}

/**
 * The app's own workload, a few steps at a time, until told to stop. Two
 * writers pick rows independently, so a step may lose a race (a row the other
 * one deleted) and roll back: that is fine, rolled-back work is not the point.
 */
function keepWriting(ds: DataSource, seed: number, running: () => boolean, afterSteps?: () => Promise<void>): Promise<number> {
  return (async () => {
    let steps = 0;
    for (let s = seed; running(); s += 7919) {
      await mutateStocktake(ds, { steps: 3, seed: s }).then(() => { steps += 3; }, () => undefined);
      await afterSteps?.();
    }
    return steps;
  })();
}

async function headSeq(ds: DataSource): Promise<number> {
  const rows: { seq: number | string }[] = await ds.query("SELECT seq FROM _changelog_head");
  return Number(rows[0].seq);
}

for (const engine of ENGINES) {
  describe(`snapshot while the app writes (${engine})`, function () {
    this.timeout(300000);

    it("holds exactly the state after its seq: equal to replaying journal frames 1..seq", async () => {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 3, maxLength: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        async (delays, seed) => {
          const db = await createScratchDatabase(engine);
          const ds = await openStocktakeDataSource(db.url);
          // PostgreSQL: a second app instance writes on connections of its own.
          const other = engine === "postgres" ? await openStocktakeDataSource(db.url) : null;
          const store = tempDir();
          let changelog: Changelog | null = null;
          let running = true;
          const writers: Promise<number>[] = [];
          try {
            changelog = await attachChangelog(ds, { dir: store });
            await seedStocktake(ds, { scale: 1, seed });
            // flush() must reach every commit made before it, also while a snapshot is being read.
            const flushReachesHead = async () => {
              const head = await headSeq(ds);
              await changelog!.flush();
              expect(changelog!.lastSeq, "journal after flush()").to.be.at.least(head);
            };
            writers.push(keepWriting(ds, seed, () => running, flushReachesHead));
            if (other) writers.push(keepWriting(other, seed + 1, () => running));

            const taken: { snapshot: TakenSnapshot; headAfter: number }[] = [];
            for (const [i, delay] of delays.entries()) {
              await sleep(delay);
              const snapshot = await changelog.snapshot({ name: `s${i}` });
              taken.push({ snapshot, headAfter: await headSeq(ds) });
            }
            running = false;
            const steps = await Promise.all(writers);
            expect(steps.reduce((a, b) => a + b, 0), "writes happened").to.be.greaterThan(0);
            await changelog.flush();

            const schema = changelog.schema;
            const frames: Frame[] = [...readFrames(store)];
            expect(frames[0].seq).to.equal(1);
            // Writes really ran while snapshots were read, else this proves nothing.
            expect(taken.some((t) => t.headAfter > t.snapshot.seq), "commits during a snapshot").to.equal(true);
            for (const { snapshot } of taken) {
              const expected = emptyState(schema);
              applyFrames(expected, frames.filter((f) => f.seq <= snapshot.seq), schema);
              expectSameState(await snapshotState(snapshot.path, schema), expected);
            }
            const listed = (await listSnapshots(store)).snapshots;
            expect(listed.map((s) => [s.file, s.seq, s.rows])).to.deep.equal(taken.map(({ snapshot: s }) => [s.file, s.seq, s.rows]));
          } finally {
            running = false;
            await Promise.allSettled(writers);
            await changelog?.close();
            await other?.destroy();
            await ds.destroy();
            await db.dispose();
          }
        }), { numRuns: 3 });
    });
  });
}

for (const engine of ENGINES) {
  describe(`a snapshot that fails half-way (${engine})`, function () {
    this.timeout(60000);

    it("leaves no file, no temp file and no manifest entry; the next snapshot works", async () => {
      const db = await createTestDatabase(engine);
      const ds = await openDataSource(db, []);
      const store = tempDir();
      try {
        await ds.query("CREATE TABLE a (id integer PRIMARY KEY)");
        await ds.query("CREATE TABLE b (id integer PRIMARY KEY)");
        for (let i = 1; i <= 50; i++) await ds.query(`INSERT INTO a VALUES (${i})`);
        await ds.query("INSERT INTO b VALUES (1)");
        const dialect = await createDialect(ds);
        const reader = createReader(ds);
        const schema = await reader.readSchema(["a", "b"]);
        await dialect.preparePluginTables(schema);
        const first = await takeSnapshot(reader, schema, store, { name: "good" });
        const failing = takeSnapshot(reader, schema, store, {
          name: "bad", batchRows: 10,
          onProgress: (p) => { if (p.rows >= 20) throw new Error("disk full (simulated)"); },
        });
        await failing.then(() => expect.fail("the snapshot should have failed"), (e: Error) => expect(e.message).to.match(/simulated/));
        expect(fs.readdirSync(store).sort()).to.deep.equal(["good.snap", MANIFEST_FILE]);
        expect((await listSnapshots(store)).snapshots.map((s) => s.file)).to.deep.equal(["good.snap"]);
        const again = await takeSnapshot(reader, schema, store, { name: "again" });
        expect([again.rows, again.seq]).to.deep.equal([first.rows, first.seq]);
        await dialect.close();
      } finally {
        await ds.destroy();
        await db.drop();
      }
    });
  });
}
