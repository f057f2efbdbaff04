/**
 * Hostile old JSON backups (issue 14, item 4: a file a later command
 * imports): a small old backup, plain and gzipped, cut at every offset,
 * bit-flipped, replaced by random bytes, or rebuilt as JSON of the old shape
 * around random values, then read and placed into a schema as import-json
 * does before it writes anything. Only a BackupError may come out (a
 * placement failure is one once importJson words it), within CASE_MS.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { DatabaseSchema } from "../src/db/types";
import { BackupError } from "../src/errors";
import { readOldBackup } from "../src/importJson/oldBackup";
import { PlacementError, placeRows } from "../src/importJson/placeRows";
import { assertProperty, bitsOf, decodeCase, fuzzDir, runsOf, truncated, withBitsFlipped } from "./support/fuzz";

const schema: DatabaseSchema = {
  engine: "postgres",
  tables: [
    { name: "item", primaryKey: ["id"], columns: [
      { name: "id", type: "integer", nullable: false }, { name: "name", type: "character varying", nullable: false },
      { name: "active", type: "boolean", nullable: true }, { name: "price", type: "numeric(10,2)", nullable: true },
      { name: "createdAt", type: "timestamp without time zone", nullable: true }, { name: "photo", type: "bytea", nullable: true },
      { name: "big", type: "bigint", nullable: true }, { name: "meta", type: "jsonb", nullable: true }] },
    { name: "stock_line", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }, { name: "itemId", type: "integer", nullable: true }, { name: "qty", type: "double precision", nullable: true }] },
  ],
};

const validBackup = {
  metadata: { timestamp: "2025-09-12T04:56:55.656Z", version: "1.0.0", database: "stocktake", tables: [{ name: "item", count: 2 }, { name: "stockLine", count: 1 }] },
  data: {
    item: [
      { id: 1, name: "Cheese", active: true, price: "4.20", createdAt: "2025-09-01T10:00:00.000Z", photo: { type: "Buffer", data: [1, 2, 255] }, big: "9007199254740993", meta: { a: [1] } },
      { id: 2, name: "Naïve ✓", active: false, price: null, createdAt: null, photo: null, big: null, meta: null },
    ],
    stockLine: [{ id: 1, itemId: 1, qty: 2.5, itemOfitemId: { id: 1, name: "Cheese" } }],
  },
};

/** Read and placed as importJson does; its PlacementError worded the way importJson words it. */
function importRead(file: string) {
  const backup = readOldBackup(file);
  try {
    return placeRows(backup, schema, undefined);
  } catch (e) {
    if (e instanceof PlacementError) throw new BackupError("BAD_INPUT", `${file}: ${e.problems.slice(0, 6).join("; ")}`);
    throw e;
  }
}

const anyJson = fc.jsonValue({ maxDepth: 3 });
/** The old shape around random values: what reaches the value conversions. */
const shaped = fc.record({
  metadata: fc.record({ timestamp: fc.oneof(fc.constant(validBackup.metadata.timestamp), fc.string(), anyJson), tables: fc.oneof(fc.array(fc.record({ name: fc.constantFrom("item", "stockLine", "x"), count: fc.oneof(fc.integer(), anyJson) })), anyJson) }, { requiredKeys: [] }),
  data: fc.oneof(
    fc.dictionary(fc.constantFrom("item", "stockLine", "stock_line", "other", "__proto__", "constructor"), fc.array(fc.dictionary(fc.constantFrom("id", "name", "active", "price", "createdAt", "photo", "big", "meta", "itemId", "qty", "__proto__"), anyJson), { maxLength: 4 })),
    anyJson,
  ),
}, { requiredKeys: [] });

describe("security: hostile old JSON backups (fuzz)", function () {
  this.timeout(300_000);
  let dir: string;
  const files: Record<"json" | "gz", { file: string; bytes: Buffer }> = {} as never;

  before(() => {
    dir = fuzzDir("stk-fuzz-import-");
    const text = Buffer.from(JSON.stringify(validBackup, null, 2));
    files.json = { file: path.join(dir, "backup-2025-09-12.json"), bytes: text };
    files.gz = { file: path.join(dir, "backup-2025-09-12.json.gz"), bytes: zlib.gzipSync(text) };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function read(target: { file: string }, bytes: Buffer, what: string) {
    fs.writeFileSync(target.file, bytes);
    const outcome = await decodeCase(what, Math.max(64 << 10, bytes.length * 1100), () => importRead(target.file));
    if (!outcome.ok) expect(outcome.error.code, outcome.error.message).to.equal("BAD_INPUT");
    return outcome;
  }

  it("TheValidFilesImport", async () => {
    for (const f of Object.values(files)) {
      const outcome = await read(f, f.bytes, f.file);
      expect(outcome.ok).to.equal(true);
      expect((outcome as { value: ReturnType<typeof placeRows> }).value.rows.get("item")).to.have.length(2);
    }
  });

  it("CutAtEveryOffsetIsABadInput", async () => {
    for (const f of Object.values(files)) {
      for (let n = 0; n < f.bytes.length; n++) {
        const outcome = await read(f, truncated(f.bytes, n), `${path.basename(f.file)} cut to ${n}`);
        expect(outcome.ok, `${path.basename(f.file)} cut to ${n}`).to.equal(false);
      }
    }
  });

  it("FlippedBitsAreABadInputOrAFileThatStillReads", async () => {
    await assertProperty([fc.constantFrom("json", "gz" as const), fc.nat()], runsOf(0.4), async (kind, seed) => {
      const f = files[kind as "json" | "gz"];
      const bits = fc.sample(bitsOf(f.bytes), { numRuns: 1, seed })[0];
      await read(f, withBitsFlipped(f.bytes, bits), `bits ${bits} of the ${kind}`);
    });
  });

  it("RandomBytesAreABadInput", async () => {
    await assertProperty([fc.uint8Array({ maxLength: 600 }), fc.boolean()], runsOf(0.15), async (random, gzipMagic) => {
      const bytes = gzipMagic ? Buffer.concat([Buffer.of(0x1f, 0x8b), random]) : Buffer.from(random);
      await read(files.json, bytes, `random bytes ${bytes.toString("hex").slice(0, 60)}`);
    });
  });

  it("JsonOfTheOldShapeAroundRandomValuesIsABadInputOrPlaces", async () => {
    await assertProperty([fc.oneof(shaped, anyJson), fc.boolean()], runsOf(0.3), async (value, gz) => {
      const text = Buffer.from(JSON.stringify(value) ?? "");
      await read(gz ? files.gz : files.json, gz ? zlib.gzipSync(text) : text, `old backup ${text.toString().slice(0, 200)}`);
    });
  });
});
