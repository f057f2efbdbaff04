/**
 * PostgreSQL snapshots store each table as the server's COPY text
 * (src/snapshot/FORMAT.md, "COPY rows"). What that keeps, each a test: random
 * rows of every column type read back as the keyset path's rows and restore
 * exactly into PostgreSQL and into SQLite (the same rows as a snapshot of
 * the old path gives there), COPY blocks passed to COPY … FROM STDIN
 * unparsed, or parsed when a rule reads the rows; a byte flipped in a COPY
 * block, two blocks swapped, or one in a version 1 file, is found before any
 * restore commits; a snapshot failing mid-COPY frees its connection.
 */
import { expect } from "chai";
import fc from "fast-check";
import { promises as fs } from "fs";
import path from "path";
import { count, map } from "rxjs";
import type { DataSource } from "typeorm";
import type { ColumnValue, DatabaseSchema } from "../src/db/types";
import { createReader } from "../src/reader";
import { restore, type RowEventRule } from "../src/restore";
import { PostgresCopyWriter } from "../src/restore/postgresCopyWriter";
import { readInfo, SnapshotReader, verify } from "../src/snapshot";
import { headerCrc } from "../src/snapshot/blocks";
import { BLOCK_HEADER_BYTES, BlockType, PREFIX_BYTES } from "../src/snapshot/format";
import { takeSnapshot } from "../src/snapshot/take";
import { columnsFor, floatColumns, NON_FINITE, runWorkload, sampleSchema } from "./support/allTypes";
import { jsonOf, runCli } from "./support/cli";
import { flipByte, rowBlocks } from "./support/craft";
import { createTestDatabase, ENGINES, openDataSource, tempDir } from "./support/databases";
import { captureDdl, dropTarget, dumpDatabase, dumpUrl, freshTarget, openUrl, snapshotWithDdl, targetState } from "./support/restoreSupport";

/** Texts COPY must escape or must not take for something else. */
const AWKWARD = ["", "\\", "\\N", "\\.", "N", "a\tb", "line\nnext", "cr\r\nlf", "back\\slash\\", "\\t not a tab", "\b\f\v", "'q' \"d\"", "ünïcødé 😀", "null", "NULL"];

/** numeric with no precision: hundreds of digits either side of the point, and the special values. */
const HUGE_NUMERIC = fc.oneof(
  fc.constantFrom("NaN", "Infinity", "-Infinity", "0", "-0.000000000000000000000000000001"),
  fc.tuple(fc.bigInt({ min: -(10n ** 300n), max: 10n ** 300n }), fc.nat(200)).map(([n, scale]) => {
    const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, "0");
    return `${n < 0n ? "-" : ""}${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ""}`;
  }),
);

const LOOSE_TEXT = fc.option(fc.oneof(fc.constantFrom(...AWKWARD), fc.string({ unit: "binary", maxLength: 20 }).filter((s) => !s.includes("\u0000"))), { nil: null, freq: 4 });
const LOOSE_ROW = fc.tuple(fc.option(HUGE_NUMERIC, { nil: null, freq: 5 }), LOOSE_TEXT, fc.option(fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)), { nil: null, freq: 4 }));

type Rows = Record<string, ColumnValue[][]>;

/** Every row of a snapshot file as stored, by table. */
async function snapshotRows(file: string): Promise<Rows> {
  const reader = await SnapshotReader.open(file);
  try {
    const rows: Rows = {};
    for await (const batch of reader.rawBatches()) (rows[batch.table.name] ??= []).push(...batch.rows);
    return rows;
  } finally {
    await reader.close();
  }
}

/** A SQLite file's tables in the canonical form, by its own catalog. */
async function dumpSqlite(file: string, names: string[]) {
  const ds = await openUrl(file);
  try {
    return await dumpDatabase(ds, await createReader(ds).readSchema(names));
  } finally {
    await ds.destroy();
  }
}

/** A rule that reads every loaded row: its one finding says how many it saw. */
const countLoads: RowEventRule = (events) => events.pipe(
  count((e) => e.op === "load" && e.after !== null),
  map((n) => ({ rule: "count-loads", severity: "info" as const, message: String(n) })),
);

/** `work`, counting the COPY blocks restores pass to PostgreSQL unparsed. */
async function countingPassedBlocks<T>(work: () => Promise<T>): Promise<{ result: T; passed: number }> {
  const original = PostgresCopyWriter.prototype.insertCopyText;
  let passed = 0;
  PostgresCopyWriter.prototype.insertCopyText = function (this: PostgresCopyWriter, ...args) {
    passed++;
    return original.apply(this, args);
  };
  try {
    return { result: await work(), passed };
  } finally {
    PostgresCopyWriter.prototype.insertCopyText = original;
  }
}

async function expectCorrupt(work: Promise<unknown>, what: RegExp): Promise<void> {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error, "the damage should be found").to.be.instanceOf(Error);
  expect((error as { code?: string }).code).to.equal("SNAPSHOT_CORRUPT");
  expect((error as Error).message).to.match(what);
}

if (ENGINES.includes("postgres")) {
  describe("PostgreSQL snapshots taken with COPY … TO STDOUT", function () {
    this.timeout(600_000);

    it("random rows of every column type (and a keyless table of huge numerics and awkward text): read back as the keyset path's rows, restored exactly into PostgreSQL, and into SQLite as the old path's snapshot restores", async () => {
      const columns = columnsFor("postgres");
      const db = await createTestDatabase("postgres");
      const ds: DataSource = await openDataSource(db, [sampleSchema(columns)]);
      const targets: string[] = [];
      try {
        await ds.query(`CREATE TABLE loose (amount numeric, note text, data bytea)`);
        const names = ["sample", "loose"];
        const reader = createReader(ds);
        const schema: DatabaseSchema = await reader.readSchema(names);
        const ddl = await captureDdl(ds, names);
        const full = fc.record(Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.value])));
        let runs = 0;
        await fc.assert(fc.asyncProperty(fc.array(full, { maxLength: 25 }), fc.array(LOOSE_ROW, { maxLength: 25 }), async (rows, loose) => {
          runs++;
          await ds.query("TRUNCATE sample, loose");
          for (const row of rows) await ds.getRepository("Sample").insert({ ...row });
          await runWorkload(ds, NON_FINITE, floatColumns(columns));
          for (const [amount, note, data] of loose) await ds.query("INSERT INTO loose VALUES ($1, $2, $3)", [amount, note, data]);
          // Every awkward text once, alone in its row. (No column is named t: the test dump's `t::text` would read it.)
          for (const note of AWKWARD) await ds.query("INSERT INTO loose (note) VALUES ($1)", [note]);
          const source = await dumpDatabase(ds, schema);

          const store = tempDir("copy-snap-");
          const copied = await takeSnapshot(reader, schema, store, { ddl, name: "copied" });
          const keyset = await snapshotWithDdl(ds, schema, ddl, store, "keyset");
          const copiedBlocks = await rowBlocks(copied.path);
          expect(copiedBlocks.length).to.be.greaterThan(0);
          expect(copiedBlocks.every((b) => b.type === BlockType.copyRows), "the new path writes COPY blocks").to.equal(true);
          expect((await rowBlocks(keyset.path)).every((b) => b.type === BlockType.rows), "the old path writes msgpack rows").to.equal(true);
          expect((await SnapshotReader.open(copied.path).then(async (r) => { await r.close(); return r.header.version; }))).to.equal(2);

          // The same values, in the same order, as the keyset reader's (msgpack) snapshot.
          const copiedRows = await snapshotRows(copied.path);
          expect(copiedRows).to.deep.equal(await snapshotRows(keyset.path));
          expect((copiedRows.sample ?? []).length + (copiedRows.loose ?? []).length).to.equal(source.sample.length + source.loose.length);

          // Into PostgreSQL: the COPY blocks passed on unparsed, and, with a rule reading the rows, parsed: the same rows.
          const rowsIn = source.sample.length + source.loose.length;
          for (const rules of [[], [countLoads]]) {
            const pg = freshTarget("postgres", store);
            targets.push(pg);
            const { result, passed } = await countingPassedBlocks(() => restore({ store, snapshot: copied.file, target: pg, rules }));
            expect(passed, "COPY blocks passed through").to.equal(rules.length === 0 ? copiedBlocks.length : 0);
            expect(result.rows).to.equal(rowsIn);
            if (rules.length > 0) expect(result.findings.map((f) => f.message)).to.deep.equal([String(rowsIn)]);
            expect(await dumpUrl(pg, schema), "restored into PostgreSQL").to.deep.equal(source);
            await dropTarget("postgres", pg);
          }

          const [fromCopy, fromKeyset] = [path.join(store, "from-copy.db"), path.join(store, "from-keyset.db")];
          await restore({ store, snapshot: copied.file, target: fromCopy });
          await restore({ store, snapshot: keyset.file, target: fromKeyset });
          const sqlite = await dumpSqlite(fromCopy, names);
          expect(sqlite.sample.length + sqlite.loose.length).to.equal(source.sample.length + source.loose.length);
          expect(sqlite, "restored into SQLite").to.deep.equal(await dumpSqlite(fromKeyset, names));
          await fs.rm(store, { recursive: true, force: true });
        }), { numRuns: 12, seed: 20261207, endOnFailure: true });
        expect(runs).to.be.at.least(12);
      } finally {
        await ds.destroy();
        await db.drop();
        for (const t of targets) await dropTarget("postgres", t);
      }
    });

    describe("damage to COPY blocks is found", () => {
      let dbDrop: () => Promise<void>;
      let url: string;
      let store: string;
      let snapshot: string;

      before(async () => {
        const db = await createTestDatabase("postgres");
        dbDrop = () => db.drop();
        url = (db.options([]) as { url: string }).url;
        const ds = await openUrl(url);
        try {
          await ds.query(`CREATE TABLE line (id integer PRIMARY KEY, note text, at timestamptz)`);
          await ds.query(`INSERT INTO line SELECT i, repeat(md5(i::text), 6), timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' FROM generate_series(1, 30000) i`);
        } finally {
          await ds.destroy();
        }
        store = tempDir("copy-damage-");
        // As a user takes it: the built CLI.
        snapshot = jsonOf<{ path: string }>(runCli(["backup", "--db", url, "--dir", store, "--json"])).path;
      });
      after(async () => { await dbDrop?.(); });

      async function damagedCopy(damage: (file: string, blocks: { type: number; at: number; length: number }[]) => Promise<void>): Promise<{ store: string; file: string }> {
        const copy = tempDir("copy-damaged-");
        await fs.cp(store, copy, { recursive: true });
        const file = path.join(copy, path.basename(snapshot));
        const blocks = await rowBlocks(file);
        expect(blocks.length, "COPY blocks in the snapshot").to.be.at.least(3);
        expect(blocks.every((b) => b.type === BlockType.copyRows)).to.equal(true);
        await damage(file, blocks);
        return { store: copy, file };
      }

      it("a byte flipped in a COPY block: verify of the file and a restore by the built CLI say SNAPSHOT_CORRUPT, and no database appears", async () => {
        await verify(snapshot); // the undamaged file reads
        const { store: damaged, file } = await damagedCopy(async (f, blocks) => {
          const middle = blocks[1];
          await flipByte(f, middle.at + BLOCK_HEADER_BYTES + (middle.length >> 1));
        });
        await expectCorrupt(verify(file), /block checksum mismatch/);
        const target = freshTarget("postgres", damaged);
        const run = runCli(["restore", "latest", "--dir", damaged, "--target", target, "--json"]);
        expect(run.status, run.stderr).to.equal(1);
        expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).to.equal("SNAPSHOT_CORRUPT");
        expect(await targetState("postgres", target)).to.deep.equal({ exists: false, leftover: false });
      });

      it("a snapshot that fails while a table's COPY is still sending: no file, and the connection comes back out of COPY (the next snapshot works)", async () => {
        const ds = await openUrl(url);
        try {
          const reader = createReader(ds);
          const schema = await reader.readSchema(["line"]);
          const failing = tempDir("copy-failing-");
          let calls = 0;
          const error = await takeSnapshot(reader, schema, failing, { onProgress: () => { if (++calls === 1) throw new Error("disk full (simulated)"); } })
            .then(() => null, (e: Error) => e);
          expect(error?.message).to.match(/simulated/);
          expect((await fs.readdir(failing)).filter((f) => f.includes(".snap"))).to.deep.equal([]);
          const again = await takeSnapshot(reader, schema, failing, { name: "again" });
          expect(again.rows).to.equal(30000);
          expect(await snapshotRows(again.path)).to.deep.equal(await snapshotRows(snapshot));
        } finally {
          await ds.destroy();
        }
      });

      it("a COPY block in a file whose header says version 1 is damage, not rows", async () => {
        const { file } = await damagedCopy(async (f) => {
          const bytes = await fs.readFile(f);
          const header = bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + bytes.readUInt32LE(8));
          const at = header.indexOf(Buffer.from("\xa7version\x02", "latin1"));
          expect(at, "the header's version field").to.be.at.least(0);
          header[at + 8] = 1;
          bytes.writeUInt32LE(headerCrc(header), 12);
          await fs.writeFile(f, bytes);
        });
        expect((await readInfo(file)).header.version).to.equal(1);
        await expectCorrupt(verify(file), /a COPY rows block in a version 1 file/);
      });

      it("two COPY blocks of a table swapped (each checksum intact): the table's digest says so", async () => {
        const { file } = await damagedCopy(async (f, blocks) => {
          const [a, b] = [blocks[0], blocks[1]];
          const bytes = await fs.readFile(f);
          const first = bytes.subarray(a.at, a.at + BLOCK_HEADER_BYTES + a.length);
          const second = bytes.subarray(b.at, b.at + BLOCK_HEADER_BYTES + b.length);
          expect(b.at).to.equal(a.at + first.length);
          await fs.writeFile(f, Buffer.concat([bytes.subarray(0, a.at), Buffer.from(second), Buffer.from(first), bytes.subarray(b.at + second.length)]));
        });
        await expectCorrupt(verify(file), /rows do not match their digest/);
      });
    });
  });
}
