/**
 * Property (a) of issue 7: whatever an app writes, `log --json` says it
 * exactly. An app (defined here, TypeORM EntitySchema) with a column of every
 * type TypeORM maps on the engine writes random values through its
 * repository (NULL, empty strings, unicode, quotes and backslashes,
 * extremes); `log --json` runs in a child process; its lines, parsed with
 * JSON.parse and decoded with nothing but the documented encoding and the
 * column types, are replayed by key into a second database that held the
 * same start state. The two databases must then be equal, value for value.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DataSource, EntitySchema, EntitySchemaColumnOptions } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { DatabaseSchema, TableSchema } from "../src/db/types";
import { quoteIdent as q } from "../src/db/sql";
import { createTestDatabase, Engine, ENGINES, openDataSource, TestDatabase, tempDir } from "./support/databases";
import { decodeLogged, LoggedChange, LoggedRow, logJson } from "./support/loggedValues";
import { Dump, dumpDatabase } from "./support/restoreSupport";

type Value = unknown;
interface Column { options: EntitySchemaColumnOptions; value: fc.Arbitrary<Value> }

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 5 });

/** Texts that break naive encoders; PostgreSQL text cannot hold NUL. */
function text(engine: Engine, maxLength = 12): fc.Arbitrary<string> {
  const tricky = ["", " ", "'", "\"", "\\", "\\\\n", "a\nb", "tab\there", "ünïcødé", "😀 emoji", "null", "NULL", "2022-09-16", "-0", "1e309", "{\"a\":1}"];
  const any = fc.string({ unit: "binary", maxLength }).filter((s) => engine === "sqlite" || !s.includes("\u0000"));
  return fc.oneof(fc.constantFrom(...tricky), any);
}

const INT32 = fc.oneof(fc.constantFrom(0, -1, 2147483647, -2147483648), fc.integer());
const INT64 = fc.oneof(fc.constantFrom(9223372036854775807n, -9223372036854775808n, 9007199254740993n, 0n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))
  .map(String);
const DOUBLE = fc.oneof(fc.constantFrom(0.1 + 0.2, 1e308, -1e-308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 40), fc.double({ noNaN: true, noDefaultInfinity: true }));
const FLOAT32 = fc.oneof(fc.constantFrom(3.4028234663852886e38, 1.401298464324817e-45, 1.1), fc.float({ noNaN: true, noDefaultInfinity: true }));
const DECIMAL = (digits: number, scale: number) => fc.bigInt({ min: -(10n ** BigInt(digits)) + 1n, max: 10n ** BigInt(digits) - 1n }).map((n) => {
  const sign = n < 0n ? "-" : "";
  const abs = (n < 0n ? -n : n).toString().padStart(scale + 1, "0");
  return `${sign}${abs.slice(0, abs.length - scale)}.${abs.slice(abs.length - scale)}`;
});
const DATE = fc.date({ min: new Date("1000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true });
const DAY = DATE.map((d) => d.toISOString().slice(0, 10));
const TIME = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
  .map((t) => t.map((n) => String(n).padStart(2, "0")).join(":"));
const BYTES = fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a));

function json(engine: Engine): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text(engine, 6));
  return fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(text(engine, 4).filter((k) => k !== "__proto__"), leaf, { maxKeys: 3 }));
}

/** The columns of the app: every type TypeORM maps on the engine, each with values an app could write. */
function columnsFor(engine: Engine): Record<string, Column> {
  const c = (type: EntitySchemaColumnOptions["type"], value: fc.Arbitrary<Value>, extra: Partial<EntitySchemaColumnOptions> = {}): Column =>
    ({ options: { type, nullable: true, ...extra } as EntitySchemaColumnOptions, value: nullable(value) });
  const common: Record<string, Column> = {
    cInt: c("int", INT32),
    cInteger: c("integer", INT32),
    cBigint: c("bigint", INT64),
    cDecimal: c("decimal", DECIMAL(10, 4), { precision: 14, scale: 4 }),
    cBoolean: c("boolean", fc.boolean()),
    cVarchar: c("varchar", text(engine)),
    cText: c("text", text(engine, 40)),
    cDate: c("date", DAY),
    cTime: c("time", TIME),
    cSimpleJson: c("simple-json", json(engine)),
    cSimpleArray: c("simple-array", fc.array(text(engine, 5).filter((s) => !s.includes(",")), { maxLength: 3 })),
    cUuid: c("uuid", fc.uuid()),
  };
  if (engine === "sqlite") {
    return {
      ...common,
      cReal: c("real", DOUBLE),
      cDouble: c("double", DOUBLE),
      cDatetime: c("datetime", DATE),
      cBlob: c("blob", BYTES),
    };
  }
  return {
    ...common,
    cSmallint: c("smallint", fc.integer({ min: -32768, max: 32767 })),
    cInt8: c("int8", INT64),
    cFloat4: c("float4", FLOAT32),
    cFloat8: c("float8", DOUBLE),
    cNumeric: c("numeric", DECIMAL(16, 6), { precision: 22, scale: 6 }),
    cTimestamp: c("timestamp", DATE),
    cTimestamptz: c("timestamptz", DATE),
    cBytea: c("bytea", BYTES),
    cJson: c("json", json(engine)),
    cJsonb: c("jsonb", json(engine)),
    cEnum: c("enum", fc.constantFrom("draft", "counted", "with space", "qu'ote"), { enum: ["draft", "counted", "with space", "qu'ote"] }),
    cIntArray: c("int", fc.array(INT32, { maxLength: 3 }), { array: true }),
    cTextArray: c("text", fc.array(text(engine, 5), { maxLength: 3 }), { array: true }),
  };
}

function sampleSchema(columns: Record<string, Column>) {
  return new EntitySchema<Record<string, unknown>>({
    name: "Sample", tableName: "sample",
    columns: { id: { type: "integer", primary: true, generated: true }, ...Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.options])) },
  });
}

type Op =
  | { op: "insert"; row: Record<string, Value> }
  | { op: "update"; pick: number; row: Record<string, Value> }
  | { op: "delete"; pick: number }
  /** TypeORM writes numbers into SQLite's SQL text, where Infinity and NaN cannot go: an app writes those by raw SQL. */
  | { op: "raw"; pick: number; value: number };

/** The float columns, into which raw SQL writes non-finite values and -0. */
function floatColumns(columns: Record<string, Column>): string[] {
  return Object.keys(columns).filter((k) => ["real", "double", "float4", "float8"].includes(String(columns[k].options.type)));
}

/** Always tried first: each value JSON has no number for, in every float column. */
const NON_FINITE: Op[] = [Infinity, -Infinity, NaN, -0].flatMap((value, pick): Op[] => [{ op: "insert", row: {} }, { op: "raw", pick, value }]);

function workload(columns: Record<string, Column>): fc.Arbitrary<Op[]> {
  const full = fc.record(Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.value])));
  const some = fc.record(Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.value])), { requiredKeys: [] })
    .filter((r) => Object.keys(r).length > 0);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: full.map((row) => ({ op: "insert" as const, row })) },
    { weight: 2, arbitrary: fc.record({ pick: fc.nat(), row: some }).map(({ pick, row }) => ({ op: "update" as const, pick, row })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ op: "delete" as const, pick })) },
    { weight: 2, arbitrary: fc.record({ pick: fc.nat(), value: fc.constantFrom(Infinity, -Infinity, NaN, -0) }).map((r) => ({ op: "raw" as const, ...r })) },
  );
  return fc.array(op, { minLength: 1, maxLength: 6 });
}

/** The app's writes, through its repository. */
async function runWorkload(ds: DataSource, ops: Op[], floats: string[]): Promise<void> {
  const repo = ds.getRepository("Sample");
  const sqlite = ds.options.type !== "postgres";
  const ids: number[] = [];
  for (const o of ops) {
    if (o.op === "insert") {
      // A copy: TypeORM writes the generated id into the object it is given.
      const result = await repo.insert({ ...o.row });
      ids.push(Number(result.identifiers[0].id));
      continue;
    }
    if (ids.length === 0) continue;
    const id = ids[o.pick % ids.length];
    if (o.op === "update") await repo.update({ id }, { ...o.row });
    else if (o.op === "delete") { await repo.delete({ id }); ids.splice(ids.indexOf(id), 1); }
    else {
      const p = (i: number) => (sqlite ? "?" : `$${i + 1}`);
      const sets = floats.map((c, i) => `${q(c)} = ${p(i)}`).join(", ");
      const values = [...floats.map(() => param(sqlite ? "sqlite" : "postgres", o.value)), id];
      await ds.query(`UPDATE sample SET ${sets} WHERE id = ${p(floats.length)}`, values);
    }
  }
}

/** A parameter as its driver should send it: pg would print -0 as "0". */
function param(engine: Engine, value: unknown): unknown {
  return engine === "postgres" && typeof value === "number" && Object.is(value, -0) ? "-0" : value;
}

/** One logged change applied by key, as a user replaying the log would. */
async function replay(ds: DataSource, engine: Engine, table: TableSchema, change: LoggedChange): Promise<void> {
  const params: unknown[] = [];
  const p = (name: string, value: LoggedRow[string]) => {
    params.push(param(engine, decodeLogged(value, table.columns.find((col) => col.name === name)!)));
    return engine === "sqlite" ? "?" : `$${params.length}`;
  };
  const where = () => Object.entries(change.key).map(([k, v]) => `${q(k)} = ${p(k, v)}`).join(" AND ");
  if (change.op === "insert") {
    const cols = Object.keys(change.after!);
    const values = cols.map((k) => p(k, change.after![k]));
    await ds.query(`INSERT INTO ${q(table.name)} (${cols.map(q).join(", ")}) VALUES (${values.join(", ")})`, params);
  } else if (change.op === "update") {
    const sets = Object.entries(change.after!).map(([k, v]) => `${q(k)} = ${p(k, v)}`).join(", ");
    await ds.query(`UPDATE ${q(table.name)} SET ${sets} WHERE ${where()}`, params);
  } else {
    await ds.query(`DELETE FROM ${q(table.name)} WHERE ${where()}`, params);
  }
}

for (const engine of ENGINES) {
  describe(`log --json replayed by a user reproduces the database (${engine})`, function () {
    this.timeout(300000);
    const columns = columnsFor(engine);
    const entities = [sampleSchema(columns)];
    let liveDb: TestDatabase;
    let copyDb: TestDatabase;
    let live: DataSource;
    let copy: DataSource;
    let changelog: Changelog;
    let dir: string;
    let schema: DatabaseSchema;

    before(async () => {
      liveDb = await createTestDatabase(engine);
      copyDb = await createTestDatabase(engine);
      live = await openDataSource(liveDb, entities);
      copy = await openDataSource(copyDb, entities);
      dir = tempDir();
      changelog = await attachChangelog(live, { dir, groupWindowMs: 2 });
      schema = changelog.schema;
    });
    after(async () => {
      await changelog.close();
      await live.destroy();
      await copy.destroy();
      await liveDb.drop();
      await copyDb.drop();
    });

    it("EveryValueOfEveryTypeSurvivesLogJson", async () => {
      const table = schema.tables[0];
      // Each property run is a batch of workloads from the same (empty) start state, logged by one
      // CLI run: the child process costs more than everything else, so it is paid once per batch.
      await fc.assert(fc.asyncProperty(fc.array(workload(columns), { minLength: 1, maxLength: 10 }), async (workloads) => {
        const runs: { from: number; to: number; dump: Dump }[] = [];
        for (const ops of workloads) {
          await live.getRepository("Sample").clear();
          await changelog.flush();
          const from = changelog.lastSeq + 1;
          await runWorkload(live, ops, floatColumns(columns));
          await changelog.flush();
          runs.push({ from, to: changelog.lastSeq, dump: await dumpDatabase(live, schema) });
        }
        const logged = runs.some((r) => r.to >= r.from) ? logJson(dir, ["--from", String(runs[0].from)]) : [];
        for (const run of runs) {
          await copy.query(`DELETE FROM ${q(table.name)}`);
          for (const change of logged.filter((c) => c.seq >= run.from && c.seq <= run.to)) await replay(copy, engine, table, change);
          expect(await dumpDatabase(copy, schema)).to.deep.equal(run.dump);
        }
      }), { numRuns: 4, examples: [[[NON_FINITE]]] });
    });
  });
}
