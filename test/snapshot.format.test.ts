import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackupError } from "../src/errors";
import type { ColumnValue, DatabaseSchema, Row } from "../src/db/types";
import { SnapshotReader, SnapshotWriter, readInfo, verify, type NewSnapshotHeader, type RowBatch } from "../src/snapshot";

const COLUMNS = ["id", "nothing", "empty", "blob", "emptyBlob", "big", "sum", "negZero", "text", "flag"];
const schema: DatabaseSchema = {
  engine: "sqlite",
  tables: [
    { name: "value", primaryKey: ["id"], columns: COLUMNS.map((name) => ({ name, type: "any", nullable: true })) },
    { name: "empty", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }] },
    { name: "line", primaryKey: ["id"], columns: ["id", "item", "qty"].map((name) => ({ name, type: "integer", nullable: false })) },
  ],
};

function header(over: Partial<NewSnapshotHeader> = {}): NewSnapshotHeader {
  return { kind: "manual", name: "test", createdAt: Date.UTC(2024, 0, 1, 10, 30), seq: 42, schema, ...over };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "stk-snap-"));
}

async function readAll(file: string): Promise<RowBatch[]> {
  const r = await SnapshotReader.open(file);
  try {
    const out: RowBatch[] = [];
    for await (const b of r.batches()) out.push(b);
    return out;
  } finally {
    await r.close();
  }
}

async function rowsOf(file: string): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const b of await readAll(file)) (out[b.table] ??= []).push(...b.rows);
  return out;
}

/** Writes `tables` (name → rows, in schema order) with small batches so blocks are many. */
async function writeSnapshot(file: string, tables: Record<string, (Row | ColumnValue[])[]>, s: DatabaseSchema = schema, batchRows = 7) {
  const w = await SnapshotWriter.create(file, header({ schema: s }), { batchRows });
  for (const t of s.tables) {
    await w.beginTable(t.name);
    await w.writeRows(tables[t.name] ?? []);
    await w.endTable();
  }
  return w.finish();
}

const tricky: Row[] = [
  { id: 1, nothing: null, empty: "", blob: Buffer.from([0, 1, 2, 255]), emptyBlob: Buffer.alloc(0), big: 9223372036854775807n, sum: 0.1 + 0.2, negZero: -0, text: "naïve café 日本語 🧀👩‍👩‍👧 \u0000 end", flag: true },
  { id: 2, nothing: "", empty: null, blob: null, emptyBlob: Buffer.alloc(0), big: -9223372036854775808n, sum: Number.MAX_SAFE_INTEGER, negZero: 0, text: "x".repeat(3_000_000), flag: false },
  { id: 3, nothing: null, empty: " ", blob: Buffer.alloc(70_000, 7), emptyBlob: null, big: 2n ** 53n + 1n, sum: 1e-300, negZero: -1.5, text: "", flag: 1 },
  { id: 4, nothing: null, empty: "null", blob: null, emptyBlob: null, big: -(2n ** 53n) - 1n, sum: Infinity, negZero: NaN, text: "\u{10FFFF}\uFFFD", flag: 0 },
];

describe("snapshot file format", () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("RoundTripsEveryValueType", async () => {
    const file = path.join(dir, "values.snap");
    await writeSnapshot(file, { value: tricky });
    const back = (await rowsOf(file)).value;
    expect(back).to.deep.equal(tricky);
    // deep.equal says -0 and 0 differ, but say it outright: this is the value msgpack loses.
    expect(Object.is(back[0].negZero, -0)).to.equal(true);
    expect(Object.is(back[1].negZero, 0)).to.equal(true);
    expect(back[0].nothing).to.equal(null);
    expect(back[1].nothing).to.equal("");
    expect(Buffer.isBuffer(back[0].emptyBlob) && (back[0].emptyBlob as Buffer).length).to.equal(0);
    expect(back[0].big).to.equal(9223372036854775807n);
    expect(back[0].sum).to.equal(0.30000000000000004);
  });

  it("RoundTripsArbitraryRows", async () => {
    // The canonical form of ColumnValue: bigint only where a number would round.
    const unsafeBig = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) - 1n }),
      fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 63n - 1n }),
    );
    const value: fc.Arbitrary<ColumnValue> = fc.oneof(
      fc.constant(null), fc.boolean(), fc.double(), fc.maxSafeInteger(), unsafeBig,
      fc.string({ unit: "grapheme" }), fc.uint8Array().map((a) => Buffer.from(a)),
    );
    const rows = fc.array(fc.array(value, { minLength: COLUMNS.length, maxLength: COLUMNS.length }), { maxLength: 30 });
    let n = 0;
    await fc.assert(fc.asyncProperty(rows, async (arrays) => {
      const file = path.join(dir, `prop-${n++}.snap`);
      await writeSnapshot(file, { value: arrays }, schema, 4);
      const back = (await rowsOf(file)).value ?? [];
      expect(back).to.deep.equal(arrays.map((a) => Object.fromEntries(COLUMNS.map((c, i) => [c, a[i]]))));
    }), { numRuns: 60 });
  });

  it("MultiTableMultiBatchFileReadsBackInOrder", async () => {
    const file = path.join(dir, "multi.snap");
    const lines = Array.from({ length: 100 }, (_, i) => ({ id: i, item: i % 9, qty: i * 3 }));
    const result = await writeSnapshot(file, { value: tricky.slice(0, 2), line: lines });
    expect(result.rows).to.equal(102);
    expect(result.tables.map((t) => [t.name, t.rows])).to.deep.equal([["value", 2], ["empty", 0], ["line", 100]]);
    expect(result.bytes).to.equal(fs.statSync(file).size);

    const batches = await readAll(file);
    expect(batches.map((b) => b.table)).to.deep.equal(["value", ...Array(15).fill("line")]);
    expect(batches.every((b) => b.rows.length <= 7)).to.equal(true);
    expect((await rowsOf(file)).line).to.deep.equal(lines);

    const info = await readInfo(file);
    expect(info.header).to.include({ kind: "manual", name: "test", seq: 42, engine: "sqlite", version: 1 });
    expect(info.header.schema).to.deep.equal(schema);
    expect(info.trailer.rows).to.equal(102);
    expect(info.trailer.tables.map(({ name, rows, digest }) => ({ name, rows, digest }))).to.deep.equal(result.tables);
    expect(await verify(file)).to.deep.equal({ path: file, bytes: result.bytes, rows: 102, tables: result.tables });
  });

  it("ObjectsAndArraysMakeTheSameFile", async () => {
    const a = await writeSnapshot(path.join(dir, "a.snap"), { line: [{ qty: 3, id: 1, item: 2 }] });
    const b = await writeSnapshot(path.join(dir, "b.snap"), { line: [[1, 2, 3]] });
    expect(a.tables).to.deep.equal(b.tables);
    expect(fs.readFileSync(a.path)).to.deep.equal(fs.readFileSync(b.path));
  });

  it("BatchesCloseAtTheByteLimit", async () => {
    const file = path.join(dir, "bytes.snap");
    const w = await SnapshotWriter.create(file, header(), { batchRows: 1000, batchBytes: 200 });
    for (const t of schema.tables) {
      await w.beginTable(t.name);
      if (t.name === "line") await w.writeRows(Array.from({ length: 100 }, (_, i) => [i, i, i]));
      await w.endTable();
    }
    await w.finish();
    const sizes = (await readAll(file)).map((b) => b.rows.length);
    // Each row packs to 4..10 bytes: a 200-byte batch holds at most ~50 of them.
    expect(sizes.length).to.be.greaterThan(1);
    expect(Math.max(...sizes)).to.be.at.most(60);
    expect(sizes.reduce((a, b) => a + b, 0)).to.equal(100);
  });

  it("RowsThatDoNotFitTheSchemaAreRefused", async () => {
    const cases: [string, Row | ColumnValue[]][] = [
      ["missing column", { id: 1, item: 2 }],
      ["extra column", { id: 1, item: 2, qty: 3, color: "red" }],
      ["short array", [1, 2]],
      ["Date value", [1, 2, new Date() as unknown as ColumnValue]],
      ["undefined value", [1, 2, undefined as unknown as ColumnValue]],
      ["bigint beyond 64 bits", [1, 2, 2n ** 64n]],
    ];
    for (const [what, row] of cases) {
      const file = path.join(dir, "bad.snap");
      const w = await SnapshotWriter.create(file, header());
      await w.beginTable("line");
      const err = await w.writeRows([row]).then(() => null, (e: unknown) => e);
      expect(err, what).to.be.instanceOf(BackupError);
      expect((err as BackupError).code, what).to.equal("SCHEMA_MISMATCH");
      expect(fs.readdirSync(dir), what).to.deep.equal([]);
    }
  });

  it("FinishRefusesASnapshotLackingATable", async () => {
    const file = path.join(dir, "partial.snap");
    const w = await SnapshotWriter.create(file, header());
    await w.beginTable("line");
    await w.endTable();
    const err = await w.finish().then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(BackupError);
    expect((err as Error).message).to.contain("value, empty");
    await w.abort();
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it("ExistingSnapshotIsNotOverwritten", async () => {
    const file = path.join(dir, "same.snap");
    await writeSnapshot(file, { line: [[1, 1, 1]] });
    const before = fs.readFileSync(file);
    const err = await writeSnapshot(file, { line: [[2, 2, 2]] }).then(() => null, (e: unknown) => e);
    expect((err as BackupError).code).to.equal("BAD_INPUT");
    expect(fs.readFileSync(file)).to.deep.equal(before);
    expect(fs.readdirSync(dir)).to.deep.equal(["same.snap"]);

    const w = await SnapshotWriter.create(file, header(), { replace: true });
    for (const t of schema.tables) { await w.beginTable(t.name); await w.endTable(); }
    await w.finish();
    expect((await readInfo(file)).trailer.rows).to.equal(0);
  });

  it("CompressionLevelIsConfigurable", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [i, i % 17, (i * 7919) % 1000]);
    const sizeAt = async (level: number) => {
      const file = path.join(dir, `level-${level}.snap`);
      const w = await SnapshotWriter.create(file, header(), { level });
      for (const t of schema.tables) { await w.beginTable(t.name); if (t.name === "line") await w.writeRows(rows); await w.endTable(); }
      return (await w.finish()).bytes;
    };
    expect(await sizeAt(19)).to.be.lessThan(await sizeAt(-5));
  });

  it("MissingFileIsNotFound", async () => {
    const err = await SnapshotReader.open(path.join(dir, "nope.snap")).then(() => null, (e: unknown) => e);
    expect((err as BackupError).code).to.equal("NOT_FOUND");
  });
});
