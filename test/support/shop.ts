/**
 * Shared fixtures of the restore tests (no tests of its own; the name only
 * fits the test folder's naming): a schema with every awkward type, random
 * rows written by plain SQL (not by the code under test), and dumps in
 * canonical form through the capture dialects.
 */
import { createReader } from "../../src/reader";
import { expect } from "chai";
import fc from "fast-check";
import { DataSource, EntitySchema } from "typeorm";
import { BackupError } from "../../src/errors";
import { createDialect } from "../../src/capture/createDialect";
import { CaptureDialect } from "../../src/capture/dialect";
import { DatabaseSchema, Row } from "../../src/db/types";
import { createTestDatabase, Engine, openDataSource, TestDatabase } from "./databases";

export const TABLES = ["user", "order", "order_line"];

/** Reserved words as table names, a self reference, a composite key, and every awkward type. */
export function shopEntities(engine: Engine) {
  const sqlite = engine === "sqlite";
  const User = new EntitySchema<Record<string, unknown>>({
    name: "User", tableName: "user",
    columns: { id: { type: Number, primary: true, generated: true }, name: { type: String } },
    relations: { manager: { type: "many-to-one", target: "User", nullable: true, onDelete: "SET NULL", joinColumn: { name: "managerId" } } },
  });
  const Order = new EntitySchema<Record<string, unknown>>({
    name: "Order", tableName: "order",
    columns: {
      id: { type: Number, primary: true, generated: true },
      price: { type: "decimal", precision: 14, scale: 4 },
      big: { type: "bigint", nullable: true },
      weight: { type: sqlite ? "float" : "double precision", nullable: true },
      flag: { type: Boolean },
      at: { type: sqlite ? "datetime" : "timestamp", nullable: true },
      stamped: { type: sqlite ? "datetime" : "timestamptz", nullable: true },
      doc: { type: sqlite ? "text" : "json", nullable: true },
      data: { type: sqlite ? "blob" : "bytea", nullable: true },
      ref: { type: sqlite ? "varchar" : "uuid" },
      note: { type: "text", nullable: true },
    },
    relations: { user: { type: "many-to-one", target: "User", nullable: true, onDelete: "CASCADE", joinColumn: { name: "userId" } } },
  });
  const Line = new EntitySchema<Record<string, unknown>>({
    name: "OrderLine", tableName: "order_line",
    columns: { orderId: { type: Number, primary: true }, lineNo: { type: Number, primary: true }, qty: { type: Number } },
    relations: { order: { type: "many-to-one", target: "Order", onDelete: "CASCADE", joinColumn: { name: "orderId" } } },
  });
  return [User, Order, Line];
}

/** A database of the shop schema, and its capture dialect for canonical dumps. */
export interface ShopDb {
  engine: Engine;
  db: TestDatabase;
  ds: DataSource;
  schema: DatabaseSchema;
  dialect: CaptureDialect | null;
  close(): Promise<void>;
}

/** @param timeZone PostgreSQL session time zone: the server's default unless given. */
export async function openShop(engine: Engine, timeZone?: string): Promise<ShopDb> {
  const db = await createTestDatabase(engine);
  const ds = await openDataSource(db, shopEntities(engine), timeZone ? { extra: { options: `-c TimeZone=${timeZone}` } } : undefined);
  const schema = await createReader(ds).readSchema(TABLES);
  const shop: ShopDb = {
    engine, db, ds, schema, dialect: null,
    close: async () => {
      await shop.dialect?.close();
      await ds.destroy();
      await db.drop();
    },
  };
  return shop;
}

/**
 * Canonical rows of every table. The dialect is installed on first use only:
 * its capture triggers would otherwise fire during the load under test.
 */
export async function dumpShop(shop: ShopDb): Promise<Record<string, Row[]>> {
  if (!shop.dialect) {
    shop.dialect = await createDialect(shop.ds);
    await shop.dialect.installTriggers(shop.schema);
  }
  const out: Record<string, Row[]> = {};
  const reader = createReader(shop.ds);
  for (const t of TABLES) out[t] = await reader.dumpTable(t);
  return out;
}

export function table(shop: ShopDb, name: string) {
  const t = shop.schema.tables.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

/** Engine-neutral description of an order row; `writeOrder` spells it for each engine. */
export interface OrderSpec {
  price: string;
  big: bigint | null;
  weight: number | null;
  flag: boolean;
  at: string | null;
  stamped: string | null;
  doc: string | null;
  data: Buffer | null;
  ref: string;
  note: string | null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "YYYY-MM-DD HH:MM:SS" plus the given fraction digits. */
export function timestampText(ms: number, fraction: string): string {
  const d = new Date(ms);
  const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return fraction ? `${text}.${fraction}` : text;
}

const INT64 = [9223372036854775807n, -9223372036854775808n, 9007199254740992n, 9007199254740991n, -9007199254740993n, 0n];
const noNul = (s: string) => !s.includes("\u0000");

export interface SpecOptions {
  /** Only values both engines hold (cross-engine tests): finite-or-infinite floats without NaN and -0. */
  portable?: boolean;
  /** How many fraction digits timestamps get: ms fractions other than .000 (TypeORM's SQLite form) or up to 6 digits. */
  fraction?: "millis" | "micros";
}

export function orderSpec(options: SpecOptions = {}): fc.Arbitrary<OrderSpec> {
  const weight = options.portable
    ? fc.oneof(fc.double({ noNaN: true }).filter((w) => !Object.is(w, -0)), fc.constant(0.1 + 0.2))
    : fc.oneof(fc.double(), fc.constant(0.1 + 0.2));
  const fraction = options.fraction === "micros"
    ? fc.stringMatching(/^(\d{0,5}[1-9])?$/)
    : fc.oneof(fc.constant(""), fc.integer({ min: 1, max: 999 }).map((n) => pad(n, 3)));
  const time = fc.tuple(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) / 1000 }), fraction).map(([s, f]) => timestampText(s * 1000, f));
  return fc.record({
    price: fc.bigInt({ min: -(10n ** 14n) + 1n, max: 10n ** 14n - 1n }).map((n) => {
      const digits = (n < 0n ? -n : n).toString().padStart(5, "0");
      return `${n < 0n ? "-" : ""}${digits.slice(0, -4)}.${digits.slice(-4)}`;
    }),
    big: fc.option(fc.oneof(fc.constantFrom(...INT64), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))),
    weight: fc.option(weight),
    flag: fc.boolean(),
    at: fc.option(time),
    stamped: fc.option(time),
    doc: fc.option(fc.oneof(fc.json(), fc.constant(' { "a" : [1, 2.50, "ü"] } '))),
    data: fc.option(fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a))),
    ref: fc.uuid(),
    note: fc.option(fc.oneof(fc.constant(""), fc.string({ unit: "grapheme", maxLength: 12 }).filter(noNul))),
  });
}

/**
 * An order's columns as SQL for one engine, written with plain SQL,
 * independent of the code under test. Big integers go in as literals
 * (node-sqlite3 would bind a BigInt as NULL) and floats as text on PostgreSQL
 * (pg prints -0 as "0"). Returns [column, placeholder expression] pairs and the parameters.
 */
function orderColumns(shop: ShopDb, spec: OrderSpec, userId: number | null): { columns: [string, string][]; params: unknown[] } {
  const sqlite = shop.engine === "sqlite";
  const params: unknown[] = [];
  const p = (v: unknown) => { params.push(v); return sqlite ? "?" : `$${params.length}`; };
  const weight = spec.weight === null || sqlite ? spec.weight : Object.is(spec.weight, -0) ? "-0" : String(spec.weight);
  const columns: [string, string][] = [
    ["price", p(spec.price)],
    ["big", spec.big === null ? "NULL" : sqlite ? spec.big.toString() : `'${spec.big}'::bigint`],
    ["weight", p(weight)],
    ["flag", p(sqlite ? Number(spec.flag) : spec.flag)],
    ["at", p(spec.at)],
    ["stamped", p(spec.stamped === null || sqlite ? spec.stamped : `${spec.stamped}+00`)],
    ["doc", p(spec.doc)],
    ["data", p(spec.data)],
    ["ref", p(spec.ref)],
    ["note", p(spec.note)],
    ["userId", p(userId)],
  ];
  return { columns, params };
}

export async function writeOrder(shop: ShopDb, spec: OrderSpec, userId: number | null): Promise<void> {
  const { columns, params } = orderColumns(shop, spec, userId);
  await shop.ds.query(
    `INSERT INTO "order" ("id", ${columns.map(([c]) => `"${c}"`).join(", ")}) ` +
    `VALUES ((SELECT coalesce(max("id"), 0) + 1 FROM "order"), ${columns.map(([, e]) => e).join(", ")})`, params);
}

export async function updateOrder(shop: ShopDb, id: number, spec: OrderSpec, userId: number | null): Promise<void> {
  const { columns, params } = orderColumns(shop, spec, userId);
  params.push(id);
  await shop.ds.query(`UPDATE "order" SET ${columns.map(([c, e]) => `"${c}" = ${e}`).join(", ")} ` +
    `WHERE "id" = ${shop.engine === "sqlite" ? "?" : `$${params.length}`}`, params);
}

export async function writeUser(shop: ShopDb, name: string, managerId: number | null): Promise<void> {
  const sqlite = shop.engine === "sqlite";
  await shop.ds.query(`INSERT INTO "user" ("id", "name", "managerId") VALUES ((SELECT coalesce(max("id"), 0) + 1 FROM "user"), ${sqlite ? "?, ?" : "$1, $2"})`,
    [name, managerId]);
}

export async function writeLine(shop: ShopDb, orderId: number, lineNo: number, qty: number): Promise<void> {
  const sqlite = shop.engine === "sqlite";
  await shop.ds.query(`INSERT INTO "order_line" ("orderId", "lineNo", "qty") VALUES (${sqlite ? "?, ?, ?" : "$1, $2, $3"})`, [orderId, lineNo, qty]);
}

export async function ids(shop: ShopDb, tableName: string): Promise<number[]> {
  const rows: { id: number }[] = await shop.ds.query(`SELECT "id" FROM "${tableName}" ORDER BY "id"`);
  return rows.map((r) => Number(r.id));
}

/** A shop of users (some managed), orders (some owned) and lines, from a seed of specs. */
export async function fillShop(shop: ShopDb, orders: OrderSpec[]): Promise<void> {
  for (let u = 1; u <= 3; u++) await writeUser(shop, `user ${u}`, u > 1 ? 1 : null);
  for (const [i, spec] of orders.entries()) {
    await writeOrder(shop, spec, i % 4 === 3 ? null : (i % 3) + 1);
    for (let line = 1; line <= i % 3; line++) await writeLine(shop, i + 1, line, line * 7 - i);
  }
}

export async function clearShop(shop: ShopDb): Promise<void> {
  for (const t of ["order_line", "order", "user"]) await shop.ds.query(`DELETE FROM "${t}"`);
}

export async function expectBackupError(promise: Promise<unknown>, code: string, message: RegExp): Promise<BackupError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error, "expected a BackupError").to.be.instanceOf(BackupError);
  expect((error as BackupError).code).to.equal(code);
  expect((error as BackupError).message).to.match(message);
  return error as BackupError;
}

/** The values naive backups break, one row each, before the random ones. */
export const EXTREME_ORDERS: OrderSpec[] = [
  { price: "9999999999.9999", big: 9223372036854775807n, weight: 0.1 + 0.2, flag: true, at: "2026-01-02 03:04:05.678",
    stamped: "2026-01-02 03:04:05.6", doc: '{"a": [1, "x"], "b": null}', data: Buffer.from([0, 1, 2, 255]), ref: "0b7c7c1e-8f3a-4d55-9a51-0c1f3c9b2f10", note: "" },
  { price: "-0.0001", big: -9223372036854775808n, weight: null, flag: false, at: null, stamped: null, doc: null,
    data: Buffer.alloc(0), ref: "ffffffff-ffff-4fff-bfff-ffffffffffff", note: null },
  { price: "0.0000", big: 9007199254740992n, weight: Infinity, flag: true, at: "1970-01-01 00:00:00", stamped: "2099-12-31 23:59:59.999999",
    doc: ' { "ü" : 1.50 } ', data: null, ref: "00000000-0000-4000-8000-000000000000", note: "O'Reilly \"quoted\" \\ ü 😀" },
  { price: "1.5000", big: 9007199254740991n, weight: -Infinity, flag: false, at: null, stamped: null, doc: "null", data: null,
    ref: "12345678-1234-4234-8234-123456789abc", note: " " },
  { price: "2.0000", big: 4294967296n, weight: -0, flag: true, at: null, stamped: null, doc: "[]", data: null,
    ref: "12345678-1234-4234-8234-123456789abd", note: null },
  { price: "3.0000", big: 0n, weight: NaN, flag: true, at: null, stamped: null, doc: "{}", data: null,
    ref: "12345678-1234-4234-8234-123456789abe", note: null },
];
