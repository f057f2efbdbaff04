/**
 * Restores that must fail, and how (I4, I5): a byte flipped in each region
 * of a snapshot file, a truncated file, a lost journal segment, a schema that
 * differs, a target that is not empty. Each gives a clear error naming what
 * is wrong, and leaves its target exactly as it was: a new database is not
 * created (nor left half-made), a database restored in place keeps its rows.
 */
import { createReader } from "../src/reader";
import { expect } from "chai";
import { promises as fs } from "fs";
import path from "path";
import { BackupError } from "../src/errors";
import { journalDir, listSegments } from "../src/journal/segment";
import { restore, RestoreOptions } from "../src/restore";
import { BLOCK_HEADER_BYTES, BlockType, FOOTER_BYTES, PREFIX_BYTES } from "../src/snapshot/format";
import { mutateStocktake } from "../src/stocktake/workload";
import { flipByte } from "./support/craft";
import { tempDir, ENGINES } from "./support/databases";
import { App, dropTarget, Dump, dumpDatabase, freshTarget, openApp, targetState, TestSnapshot } from "./support/restoreSupport";

/** Damaged files are an operation that failed (status 1, README); what the user asked for wrongly is status 2. */
const DAMAGE = new Set(["SNAPSHOT_CORRUPT", "JOURNAL_CORRUPT", "JOURNAL_GAP"]);

async function expectFailure(options: RestoreOptions, code: string, message: RegExp): Promise<BackupError> {
  const error = await restore(options).then(() => null, (e: unknown) => e);
  expect(error, "the restore should fail").to.be.instanceOf(BackupError);
  expect((error as BackupError).code, (error as Error).message).to.equal(code);
  expect((error as BackupError).message).to.match(message);
  expect((error as BackupError).exitCode).to.equal(DAMAGE.has(code) ? 1 : 2);
  return error as BackupError;
}

/** The snapshot files of a store: a failed in-place restore adds none (its safety snapshot is removed). */
async function snapshotFiles(store: string): Promise<string[]> {
  return (await fs.readdir(store)).filter((f) => f.endsWith(".snap")).sort();
}

async function copyStore(from: string): Promise<string> {
  const to = tempDir();
  await fs.cp(from, to, { recursive: true });
  return to;
}

/** Offsets of a snapshot file's regions: the header, the first rows block, the trailer. */
async function regions(file: string): Promise<{ header: number; rows: number; trailer: number; size: number }> {
  const bytes = await fs.readFile(file);
  const headerLength = bytes.readUInt32LE(8);
  const trailerOffset = Number(bytes.readBigUInt64LE(bytes.length - FOOTER_BYTES));
  let rows = -1;
  for (let pos = PREFIX_BYTES + headerLength; pos < trailerOffset;) {
    const length = bytes.readUInt32LE(pos);
    if (bytes.readUInt8(pos + 8) === BlockType.rows) { rows = pos + BLOCK_HEADER_BYTES + (length >> 1); break; }
    pos += BLOCK_HEADER_BYTES + length;
  }
  const trailerLength = bytes.readUInt32LE(trailerOffset);
  return { header: PREFIX_BYTES + (headerLength >> 1), rows, trailer: trailerOffset + BLOCK_HEADER_BYTES + (trailerLength >> 1), size: bytes.length };
}

for (const engine of ENGINES) {
  describe(`restore failures leave the target as it was (${engine})`, function () {
    this.timeout(300000);
    let app: App;
    let snapshot: TestSnapshot;
    let live: Dump;
    const dir = tempDir();

    before(async () => {
      // Small segments, so that the journal has several and one can go missing.
      app = await openApp(engine, { seed: 5, scale: 2, segmentBytes: 16 << 10 });
      snapshot = await app.snapshot("base");
      for (let i = 0; i < 12; i++) await mutateStocktake(app.ds, { steps: 5, seed: 900 + i });
      await app.changelog.flush();
      live = await app.dump();
    });
    after(async () => app.close());

    /**
     * A damaged store (a fresh copy for each target: an in-place restore adds
     * its safety snapshot to the store), restored into a new database and in
     * place: the same error, nothing changed.
     */
    async function bothTargetsFail(damaged: () => Promise<string>, code: string, message: RegExp, restoreOptions: (store: string) => Partial<RestoreOptions> = () => ({})): Promise<void> {
      const target = freshTarget(engine, dir);
      let store = await damaged();
      try {
        await expectFailure({ store, target, ...restoreOptions(store) }, code, message);
        expect(await targetState(engine, target), "new database").to.deep.equal({ exists: false, leftover: false });
      } finally {
        await dropTarget(engine, target);
      }
      store = await damaged();
      const snapshots = await snapshotFiles(store);
      await expectFailure({ store, source: app.url, clearExisting: true, ...restoreOptions(store) }, code, message);
      expect(await app.dump(), "database restored in place").to.deep.equal(live);
      expect(await snapshotFiles(store), "no safety snapshot left by the failed in-place restore").to.deep.equal(snapshots);
    }

    for (const region of ["header", "rows", "trailer"] as const) {
      it(`a byte flipped in the snapshot's ${region === "rows" ? "first row block" : region}: SNAPSHOT_CORRUPT naming file and offset`, async () => {
        const damaged = async () => {
          const store = await copyStore(app.store);
          const file = path.join(store, snapshot.file);
          const offset = (await regions(file))[region];
          expect(offset).to.be.greaterThan(0);
          await flipByte(file, offset);
          return store;
        };
        const names = new RegExp(`${snapshot.file}.*at byte \\d+`);
        await bothTargetsFail(damaged, "SNAPSHOT_CORRUPT", names, (store) => ({ snapshot: path.join(store, snapshot.file) }));
        // Found through the store as well, not only when named.
        await bothTargetsFail(damaged, "SNAPSHOT_CORRUPT", names);
      });
    }

    it("a truncated snapshot: SNAPSHOT_CORRUPT", async () => {
      await bothTargetsFail(async () => {
        const store = await copyStore(app.store);
        const file = path.join(store, snapshot.file);
        await fs.truncate(file, Math.floor((await regions(file)).size * 0.6));
        return store;
      }, "SNAPSHOT_CORRUPT", new RegExp(snapshot.file));
    });

    it("a lost journal segment: JOURNAL_GAP naming the missing seqs; points before the gap still restore", async () => {
      const lost = listSegments(journalDir(app.store))[2];
      expect(listSegments(journalDir(app.store)).length, "segments").to.be.greaterThan(3);
      const damaged = async () => {
        const store = await copyStore(app.store);
        await fs.rm(path.join(journalDir(store), path.basename(lost.file)));
        return store;
      };
      await bothTargetsFail(damaged, "JOURNAL_GAP", new RegExp(`missing seqs ${lost.firstSeq}\\.\\.`));
      const store = await damaged();
      const target = freshTarget(engine, dir);
      try {
        const result = await restore({ store, target, toSeq: lost.firstSeq - 1 });
        expect(result.seqReached).to.equal(lost.firstSeq - 1);
      } finally {
        await dropTarget(engine, target);
      }
    });

    it("an instant before the oldest snapshot: OUT_OF_RANGE with the range that can be restored", async () => {
      const error = await expectFailure({ store: app.store, to: new Date(snapshot.createdAt - 3_600_000), target: freshTarget(engine, dir) },
        "OUT_OF_RANGE", /before the oldest snapshot/);
      expect(error.hint).to.match(/restorable: \d{4}-\d\d-\d\dT.*\(seq \d+\) to \d{4}-.*\(seq \d+\)/);
    });

    it("in place without --clear-existing: TARGET_NOT_EMPTY; into an existing database that holds rows: TARGET_NOT_EMPTY", async () => {
      await expectFailure({ store: app.store, snapshot: snapshot.file, source: app.url }, "TARGET_NOT_EMPTY", /is not empty/);
      await expectFailure({ store: app.store, target: app.url }, "TARGET_NOT_EMPTY", /is not empty/);
      expect(await app.dump()).to.deep.equal(live);
    });

    it("a schema that differs from the snapshot's: SCHEMA_MISMATCH naming the table and column", async () => {
      const store = await copyStore(app.store);
      const other = await openApp(engine, { seed: 6 });
      try {
        await other.ds.query(`ALTER TABLE "supplier" ADD COLUMN "rating" integer`);
        const schema = await createReader(other.ds).readSchema(other.schema.tables.map((t) => t.name));
        const before = await dumpDatabase(other.ds, schema);
        await expectFailure({ store, source: other.url, clearExisting: true, snapshot: snapshot.file }, "SCHEMA_MISMATCH", /"supplier"\."rating"/);
        expect(await dumpDatabase(other.ds, schema)).to.deep.equal(before);
      } finally {
        await other.close();
      }
    });
  });
}
