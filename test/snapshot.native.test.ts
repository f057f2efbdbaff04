/**
 * The native row encoder (native/msgpack_rows.c) must write, byte for byte,
 * what packRows writes for the values the JavaScript reader would read, or
 * decline (NULL) so that the page is read the JavaScript way. Checked on
 * random rows of every SQLite storage class, in an in-memory database (this
 * process may hold node-sqlite3 files; better-sqlite3 must not open them).
 */
import type BetterSqlite3 from "better-sqlite3";
import { expect } from "chai";
import fc from "fast-check";
import type { ColumnValue } from "../src/db/types";
import { loadNativeEncoder, NATIVE_ENCODER } from "../src/snapshot/nativeEncoder";
import { packRows } from "../src/snapshot/rowPacking";

const Database = require("better-sqlite3") as typeof BetterSqlite3;

/** A value as SQLite stores it: integers bound as BigInt (better-sqlite3 binds every number as REAL). */
const sqliteValue: fc.Arbitrary<bigint | number | string | Buffer | null> = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, 127n, 128n, 255n, 256n, 65535n, 65536n, 2n ** 32n - 1n, 2n ** 32n, -32n, -33n, -128n, -129n, -32768n, -32769n,
    -(2n ** 31n), -(2n ** 31n) - 1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n)),
  fc.double({ noNaN: true }),
  fc.constantFrom(-0, 0.5, 1, 2 ** 32, -(2 ** 31), 5e-324, Infinity, -Infinity),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", "a".repeat(31), "b".repeat(32), "c".repeat(255), "d".repeat(256), "e".repeat(65535), "f".repeat(65536), "nul\u0000inside"),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constantFrom(Buffer.alloc(0), Buffer.alloc(65536, 7)),
  fc.constant(null),
);

/** Integers inside ±(2^53 - 1) as numbers, beyond as bigints: what the JavaScript reader makes of them. */
function canonical(v: unknown): ColumnValue {
  if (typeof v === "bigint" && Number.isSafeInteger(Number(v))) return Number(v);
  return v as ColumnValue;
}

describe("native row encoder", function () {
  this.timeout(120000);
  let db: BetterSqlite3.Database;
  before(() => {
    db = new Database(":memory:");
    // Built by npm install (native/build.js): without it, SQLite snapshots would quietly read every value into JavaScript.
    db.loadExtension(NATIVE_ENCODER);
  });
  after(() => db.close());

  function table(width: number, rows: unknown[][]): string {
    const columns = Array.from({ length: width }, (_, i) => `c${i}`);
    db.exec("DROP TABLE IF EXISTS t");
    db.exec(`CREATE TABLE t (${columns.join(", ")})`);
    const insert = db.prepare(`INSERT INTO t VALUES (${columns.map(() => "?").join(", ")})`);
    for (const row of rows) insert.run(...row);
    return columns.join(", ");
  }

  it("writes exactly packRows' bytes for random rows of every storage class (arrays of 1 to 20 columns)", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }).chain((width) => fc.tuple(fc.constant(width), fc.array(fc.array(sqliteValue, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 20 }))),
      ([width, rows]) => {
        const columns = table(width, rows);
        const read = db.prepare(`SELECT ${columns} FROM t ORDER BY rowid`).raw(true).safeIntegers(true).all() as unknown[][];
        const expected = packRows(read.map((row) => row.map(canonical)));
        const packed = db.prepare(`SELECT stk_msgpack_rows(${columns} ORDER BY rowid) FROM t`).pluck().get() as Buffer;
        expect(packed.toString("hex")).to.equal(Buffer.from(expected).toString("hex"));
        const ordered = db.prepare(`SELECT stk_msgpack_ordered(rowid, ${columns}) FROM t NOT INDEXED`).pluck().get() as Buffer;
        expect(ordered.equals(packed)).to.equal(true);
      }), { numRuns: 300 });
  });

  it("loads into a connection unless STOCKTAKE_BACKUP_NATIVE=0 turns it off", () => {
    const other = new Database(":memory:");
    try {
      process.env.STOCKTAKE_BACKUP_NATIVE = "0";
      expect(loadNativeEncoder(other)).to.equal(false);
      delete process.env.STOCKTAKE_BACKUP_NATIVE;
      expect(loadNativeEncoder(other)).to.equal(true);
      expect(other.prepare("SELECT hex(stk_msgpack_rows(1, 'a'))").pluck().get()).to.equal("9201A161");
    } finally {
      delete process.env.STOCKTAKE_BACKUP_NATIVE;
      other.close();
    }
  });

  it("declines text that is not UTF-8, which JavaScript would have changed", () => {
    table(2, [[1n, "fine"]]);
    db.exec("INSERT INTO t VALUES (2, CAST(x'ff61' AS TEXT))");
    expect(db.prepare("SELECT stk_msgpack_rows(c0, c1 ORDER BY rowid) FROM t").pluck().get()).to.equal(null);
    expect(db.prepare("SELECT stk_msgpack_rows(c0, c1) FROM t WHERE rowid = 1").pluck().get()).to.be.instanceOf(Buffer);
  });

  it("declines rows fed out of key order, or keyed by anything but integers", () => {
    const columns = table(2, [[3n, "c"], [1n, "a"], [2n, "b"]]);
    expect(db.prepare(`SELECT stk_msgpack_ordered(c0, ${columns}) FROM t NOT INDEXED`).pluck().get()).to.equal(null);
    expect(db.prepare(`SELECT stk_msgpack_ordered(c0, ${columns} ORDER BY c0) FROM t`).pluck().get()).to.be.instanceOf(Buffer);
    expect(db.prepare(`SELECT stk_msgpack_ordered(c1, ${columns} ORDER BY c1) FROM t`).pluck().get()).to.equal(null);
    // Equal keys are out of order too: a key names one row.
    table(1, [[1n], [1n]]);
    expect(db.prepare("SELECT stk_msgpack_ordered(c0, c0 ORDER BY rowid) FROM t").pluck().get()).to.equal(null);
  });
});
