/**
 * An app with a column of every type TypeORM maps on each engine, and random
 * workloads of it (NULL, empty strings, unicode, quotes and backslashes, NUL
 * on SQLite, extremes, non-finite floats by raw SQL). The same generators as
 * cli.log.replay.property.test.ts, shared here for the export tests.
 */
import fc from "fast-check";
import { DataSource, EntitySchema, EntitySchemaColumnOptions } from "typeorm";
import { quoteIdent as q } from "../../src/db/sql";
import { Engine } from "./databases";

type Value = unknown;
export interface Column { options: EntitySchemaColumnOptions; value: fc.Arbitrary<Value> }

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 5 });

/** Texts that break naive encoders; PostgreSQL text cannot hold NUL. */
export function text(engine: Engine, maxLength = 12): fc.Arbitrary<string> {
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

/** The columns of the app (texts as `textEngine` can hold them: PostgreSQL none with NUL): every type TypeORM maps on the engine, each with values an app could write. */
export function columnsFor(engine: Engine, textEngine: Engine = engine): Record<string, Column> {
  const c = (type: EntitySchemaColumnOptions["type"], value: fc.Arbitrary<Value>, extra: Partial<EntitySchemaColumnOptions> = {}): Column =>
    ({ options: { type, nullable: true, ...extra } as EntitySchemaColumnOptions, value: nullable(value) });
  const common: Record<string, Column> = {
    cInt: c("int", INT32),
    cInteger: c("integer", INT32),
    cBigint: c("bigint", INT64),
    cDecimal: c("decimal", DECIMAL(10, 4), { precision: 14, scale: 4 }),
    cBoolean: c("boolean", fc.boolean()),
    cVarchar: c("varchar", text(textEngine)),
    cText: c("text", text(textEngine, 40)),
    cDate: c("date", DAY),
    cTime: c("time", TIME),
    cSimpleJson: c("simple-json", json(textEngine)),
    cSimpleArray: c("simple-array", fc.array(text(textEngine, 5).filter((s) => !s.includes(",")), { maxLength: 3 })),
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
    cJson: c("json", json(textEngine)),
    cJsonb: c("jsonb", json(textEngine)),
    cEnum: c("enum", fc.constantFrom("draft", "counted", "with space", "qu'ote"), { enum: ["draft", "counted", "with space", "qu'ote"] }),
    cIntArray: c("int", fc.array(INT32, { maxLength: 3 }), { array: true }),
    cTextArray: c("text", fc.array(text(textEngine, 5), { maxLength: 3 }), { array: true }),
  };
}

export function sampleSchema(columns: Record<string, Column>) {
  return new EntitySchema<Record<string, unknown>>({
    name: "Sample", tableName: "sample",
    columns: { id: { type: "integer", primary: true, generated: true }, ...Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.options])) },
  });
}

export type Op =
  | { op: "insert"; row: Record<string, Value> }
  | { op: "update"; pick: number; row: Record<string, Value> }
  | { op: "delete"; pick: number }
  /** TypeORM writes numbers into SQLite's SQL text, where Infinity and NaN cannot go: an app writes those by raw SQL. */
  | { op: "raw"; pick: number; value: number };

/** The float columns, into which raw SQL writes non-finite values and -0. */
export function floatColumns(columns: Record<string, Column>): string[] {
  return Object.keys(columns).filter((k) => ["real", "double", "float4", "float8"].includes(String(columns[k].options.type)));
}

/** Always tried first: each value JSON has no number for, in every float column. */
export const NON_FINITE: Op[] = [Infinity, -Infinity, NaN, -0].flatMap((value, pick): Op[] => [{ op: "insert", row: {} }, { op: "raw", pick, value }]);

export function workload(columns: Record<string, Column>): fc.Arbitrary<Op[]> {
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
export async function runWorkload(ds: DataSource, ops: Op[], floats: string[]): Promise<void> {
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
export function param(engine: Engine, value: unknown): unknown {
  return engine === "postgres" && typeof value === "number" && Object.is(value, -0) ? "-0" : value;
}

