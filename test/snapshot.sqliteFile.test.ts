import { expect } from "chai";
import { createReader, DatabaseReader } from "../src/reader";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DataSource } from "typeorm";
import { createDialect } from "../src/capture/createDialect";
import { CaptureDialect } from "../src/capture/dialect";
import { ColumnValue, DatabaseSchema } from "../src/db/types";
import { SnapshotReader } from "../src/snapshot";
import { snapshotSqliteFile } from "../src/snapshot/sqliteFileSnapshot";
import { takeSnapshot, writeSnapshot } from "../src/snapshot/take";
import { createTestDatabase, openDataSource, tempDir, TestDatabase } from "./support/databases";
import { NATIVE_ENCODER } from "../src/snapshot/nativeEncoder";

/**
 * The fast SQLite path (better-sqlite3 in a child process) must write what the
 * TypeORM path writes: the same rows in the same order, so the same per-table
 * digests, with every value in its canonical form.
 */

/** One awkward value per row of `odd` (a column without affinity keeps each as stored). */
const ODD: [sql: string, expected: ColumnValue][] = [
  ["x''", Buffer.alloc(0)],
  ["x'00ff10'", Buffer.from([0x00, 0xff, 0x10])],
  ["9223372036854775807", 9223372036854775807n],
  ["-9223372036854775807", -9223372036854775807n],
  ["-9223372036854775807 - 1", -9223372036854775808n],
  ["9007199254740991", 9007199254740991],
  ["-9007199254740991", -9007199254740991],
  // Written as int64; msgpack decoding gives ±2^53 back as a number, which holds it exactly.
  ["9007199254740992", 9007199254740992],
  ["-9007199254740992", -9007199254740992],
  ["9007199254740993", 9007199254740993n],
  ["-9007199254740993", -9007199254740993n],
  ["0.1 + 0.2", 0.1 + 0.2],
  ["-0.0", -0],
  ["1e308 * 10", Infinity],
  ["-1e308 * 10", -Infinity],
  ["5e-324", 5e-324],
  ["'héllo ☃ 𝄞 中文 ﷽'", "héllo ☃ 𝄞 中文 ﷽"],
  ["NULL", null],
  ["''", ""],
  ["'0'", "0"],
  ["42", 42],
  ["1.0", 1],
  ["'it''s \"quoted\"'", "it's \"quoted\""],
  // Not UTF-8: both drivers read U+FFFD, so the native encoder leaves this page to JavaScript.
  ["CAST(x'ff61' AS TEXT)", "\ufffda"],
];

const TABLES = ["odd", "big", "pair", "loose", "slim", "empty", "wide", "quirk"];

function sameValue(actual: ColumnValue, expected: ColumnValue): boolean {
  if (Buffer.isBuffer(expected)) return Buffer.isBuffer(actual) && actual.equals(expected);
  return Object.is(actual, expected);
}

const show = (v: unknown) => (typeof v === "bigint" ? `${v}n` : Object.is(v, -0) ? "-0" : Buffer.isBuffer(v) ? `<${v.toString("hex")}>` : JSON.stringify(v));

async function readRows(path: string, table: string): Promise<ColumnValue[][]> {
  const reader = await SnapshotReader.open(path);
  try {
    const columns = reader.header.schema.tables.find((t) => t.name === table)!.columns.map((c) => c.name);
    const rows: ColumnValue[][] = [];
    for await (const batch of reader.batches()) if (batch.table === table) rows.push(...batch.rows.map((row) => columns.map((c) => row[c])));
    return rows;
  } finally {
    await reader.close();
  }
}

describe("fast SQLite snapshot (better-sqlite3 in a child process)", function () {
  this.timeout(120000);
  let db: TestDatabase;
  let ds: DataSource;
  let dialect: CaptureDialect;
  let reader: DatabaseReader;
  let schema: DatabaseSchema;

  before(async () => {
    db = await createTestDatabase("sqlite");
    ds = await openDataSource(db, []);
    await ds.query("CREATE TABLE odd (id integer PRIMARY KEY, v, r real, note text)");
    for (const [i, [sql]] of ODD.entries()) await ds.query(`INSERT INTO odd (id, v) VALUES (${i + 1}, ${sql})`);
    // A REAL column stores -0.0 and whole numbers its own way: both paths must read it alike.
    await ds.query("INSERT INTO odd (id, r, note) VALUES (100, -0.0, 'real'), (101, 2.0, NULL), (102, 0.5, 'tab\there')");
    await ds.query("INSERT INTO odd (id, r, note) VALUES (103, 1e308 * 10, ?)", ["nul\u0000inside"]);
    // Keys around 2^53 and at the ends of int64: paging must bind them exactly.
    await ds.query("CREATE TABLE big (id integer PRIMARY KEY, v text)");
    for (let k = -4; k <= 4; k++) await ds.query(`INSERT INTO big VALUES (9007199254740992 + ${k}, 'x${k}')`);
    await ds.query("INSERT INTO big VALUES (9223372036854775807, 'max'), (-9223372036854775807 - 1, 'min'), (-1, 'neg')");
    await ds.query("CREATE TABLE pair (a integer NOT NULL, b varchar(20) NOT NULL, v text, PRIMARY KEY (a, b))");
    for (let i = 0; i < 60; i++) await ds.query("INSERT INTO pair VALUES (?, ?, ?)", [i % 7, `k${(i * 37) % 60}`, `v${i}`]);
    await ds.query("CREATE TABLE loose (x integer, y text)");
    for (let i = 0; i < 40; i++) await ds.query("INSERT INTO loose VALUES (?, 'same')", [i % 4 === 0 ? null : i % 5]);
    await ds.query("CREATE TABLE slim (code text PRIMARY KEY, n integer) WITHOUT ROWID");
    for (let i = 0; i < 25; i++) await ds.query("INSERT INTO slim VALUES (?, ?)", [`c${(i * 7) % 25}`, i]);
    await ds.query("CREATE TABLE empty (id integer PRIMARY KEY)");
    await ds.query("CREATE TABLE wide (id integer PRIMARY KEY, a integer, b real, c text, d blob)");
    await ds.query(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
      INSERT INTO wide SELECT i, i * 7, i / 3.0, 'row ' || i, CASE WHEN i % 10 = 0 THEN randomblob(8) END FROM n`);
    // "INTEGER PRIMARY KEY DESC" is not the rowid: rows lie in rowid order, not id order.
    await ds.query("CREATE TABLE quirk (id INTEGER PRIMARY KEY DESC, v text)");
    for (let i = 30; i > 0; i--) await ds.query("INSERT INTO quirk VALUES (?, ?)", [i, `q${i}`]);
    dialect = await createDialect(ds);
    reader = createReader(ds);
    schema = await reader.readSchema(TABLES);
    await dialect.preparePluginTables(schema);
  });

  after(async () => {
    await dialect?.close();
    await ds?.destroy();
    await db?.drop();
  });

  it("is available here (else takeSnapshot would quietly take the TypeORM path)", async () => {
    const taken = await snapshotSqliteFile(reader.databaseFile()!, schema, tempDir(), { name: "direct" });
    expect(taken?.rows).to.equal(ODD.length + 4 + 12 + 60 + 40 + 25 + 300000 + 30);
  });

  it("has its native row encoder built here (else it would quietly read every value into JavaScript)", () => {
    expect(fs.existsSync(NATIVE_ENCODER), `${NATIVE_ENCODER}: npm install runs native/build.js`).to.equal(true);
  });

  it("writes the same bytes with the native row encoder turned off (STOCKTAKE_BACKUP_NATIVE=0)", async () => {
    const store = tempDir();
    const native = await takeSnapshot(reader, schema, store, { name: "native", batchRows: 7 });
    process.env.STOCKTAKE_BACKUP_NATIVE = "0";
    try {
      // The child process inherits the environment.
      const values = await takeSnapshot(reader, schema, store, { name: "values", batchRows: 7 });
      expect(values.tables).to.deep.equal(native.tables);
      expect(values.rows).to.equal(native.rows);
    } finally {
      delete process.env.STOCKTAKE_BACKUP_NATIVE;
    }
  });

  async function bothPaths(tables: string[], batchRows?: number) {
    const store = tempDir();
    const subset = { ...schema, tables: schema.tables.filter((t) => tables.includes(t.name)) };
    const old = await reader.readConsistent((view) => writeSnapshot(view, subset, store, { name: "typeorm", batchRows }), subset);
    const fast = await takeSnapshot(reader, subset, store, { name: "fast", batchRows });
    expect(fast.seq).to.equal(old.seq);
    expect(fast.rows).to.equal(old.rows);
    expect(fast.tables).to.deep.equal(old.tables);
    return { old, fast };
  }

  it("writes the same rows as the TypeORM path: same digests per table, keys paged exactly", async () => {
    // Pages of 3 rows: every table, the big keys included, is read over several.
    const small = TABLES.filter((t) => t !== "wide");
    const { old, fast } = await bothPaths(small, 3);
    for (const table of small) {
      expect((await readRows(fast.path, table)).map((r) => r.map(show)), table).to.deep.equal((await readRows(old.path, table)).map((r) => r.map(show)));
    }
    await bothPaths(TABLES);
  });

  it("keeps every awkward value exact: blobs, int64 ends, 0.1 + 0.2, -0, infinities, unicode, NULL and ''", async () => {
    const fast = await takeSnapshot(reader, schema, tempDir(), { name: "values" });
    const rows = await readRows(fast.path, "odd");
    for (const [i, [sql, expected]] of ODD.entries()) {
      const v = rows.find((r) => r[0] === i + 1)![1];
      expect(sameValue(v, expected), `${sql} read back as ${show(v)}`).to.equal(true);
    }
    expect(rows.find((r) => r[0] === 103)!.slice(2)).to.deep.equal([Infinity, "nul\u0000inside"]);
    expect((await readRows(fast.path, "big")).map((r) => r[0])).to.include.members([9007199254740993n, 9223372036854775807n, -9223372036854775808n, 9007199254740991, -1]);
  });

  it("leaves the app's event loop free while it reads", async () => {
    const before = performance.eventLoopUtilization();
    const fast = await takeSnapshot(reader, schema, tempDir(), { name: "elu" });
    const elu = performance.eventLoopUtilization(before).utilization;
    expect(fast.rows).to.be.greaterThan(300000);
    // The TypeORM path converts and compresses every row on this thread (utilization near 1).
    expect(elu, `event loop utilization ${elu.toFixed(2)}`).to.be.below(0.3);
  });

  it("falls back to the TypeORM path where better-sqlite3 does not load: same digests", async () => {
    const expected = await takeSnapshot(reader, schema, tempDir(), { name: "expected" });
    const work = tempDir();
    // Preloaded into the process and, through execArgv, into the child it forks.
    const hook = path.join(work, "no-better-sqlite3.js");
    fs.writeFileSync(hook, `const Module = require("module"); const load = Module._load;
      Module._load = function (request, ...rest) {
        if (request === "better-sqlite3") {
          process.stderr.write("better-sqlite3 refused\\n");
          throw new Error("built for another Node (simulated)");
        }
        return load.call(this, request, ...rest);
      };`);
    const run = spawnSync(process.execPath, ["-r", hook, path.join(__dirname, "support", "snapshotChild.js")], {
      cwd: path.join(__dirname, "..", ".."),
      encoding: "utf8",
      env: {
        ...process.env,
        SNAPSHOT_DB: JSON.stringify(db.options([], { synchronize: false })),
        SNAPSHOT_STORE: work,
        SNAPSHOT_TABLES: JSON.stringify(TABLES),
        SNAPSHOT_NAMES: JSON.stringify(["first", "second"]),
      },
    });
    expect(run.status, run.stderr.slice(-2000)).to.equal(0);
    expect(JSON.parse(run.stdout).map((t: { tables: unknown }) => t.tables)).to.deep.equal([expected.tables, expected.tables]);
    // Tried once, in the first snapshot's child; the second goes straight to TypeORM.
    expect(run.stderr.match(/better-sqlite3 refused/g)).to.have.length(1);
  });
});
