import type { DatabaseSchema, TableSchema } from "../db/types";
import { normalizeType, parseColumnType } from "./columnTypes";
import { COLLATIONS, FK_ACTIONS, type ForeignKeyAction, type Generation, type PortableColumn, type PortableDefault, type PortableEnum, type PortableForeignKey, type PortableIndex, type PortableTable, type PortableUnique, type SchemaDdl, UUID_FUNCTIONS, type UuidFunction } from "./ddl";
import { type Engine } from "../db/types";
import { NUMBER } from "./defaults";

/**
 * The `ddl` header field of a snapshot file, checked before anything uses
 * it: every value has its type, every name is a plain name (no double quote,
 * no control character) and, for tables and columns, one of the header
 * schema's, every type parses in the closed grammar, every default is a
 * literal or a function of the list, every action one of FK_ACTIONS. The
 * result is built afresh from the checked fields only: `statements` of older
 * files, and any field this program does not know, are left behind; a ddl
 * without `tables` describes nothing (undefined).
 */
export class DdlError extends Error {}

const GENERATIONS_OF: Record<Engine, readonly Generation[]> = { sqlite: ["autoincrement", "rowid"], postgres: ["serial", "identity always", "identity by default"] };
const SHOWN = 80;

type Fields = Record<string, unknown>;

export function checkDdl(value: unknown, schema: DatabaseSchema): SchemaDdl | undefined {
  const ddl = record(value, "ddl");
  // Statements alone (no file this program wrote has them so): nothing a restore may use, as if there were no ddl.
  if (ddl.tables === undefined) return undefined;
  const engine = ddl.engine;
  if (engine !== schema.engine) fail("ddl.engine", engine, `is not the snapshot's engine (${schema.engine})`);
  const enums = ddl.enums === undefined ? [] : list(ddl.enums, "ddl.enums").map((e, i) => checkEnum(e, `ddl.enums[${i}]`, schema.engine));
  const enumNames = new Set(enums.map((e) => e.name));
  if (enumNames.size !== enums.length) fail("ddl.enums", enums.map((e) => e.name), "names an enum type twice");
  const tables = new Map(schema.tables.map((t) => [t.name, t]));
  const seen = new Set<string>();
  const described = list(ddl.tables, "ddl.tables").map((t, i) => {
    const at = `ddl.tables[${i}]`;
    const name = tableName(record(t, at).name, `${at}.name`, tables);
    if (seen.has(name)) fail(`${at}.name`, name, "describes a table twice");
    seen.add(name);
    return checkTable(record(t, at), at, tables.get(name)!, schema.engine, enumNames);
  });
  return { engine: schema.engine, tables: described, ...(schema.engine === "postgres" ? { enums } : {}) };
}

function checkTable(t: Fields, at: string, table: TableSchema, engine: Engine, enums: ReadonlySet<string>): PortableTable {
  const columnsOf = new Map(table.columns.map((c) => [c.name, c]));
  const columnList = (v: unknown, field: string, allowEmpty = false): string[] => {
    const names = list(v, field).map((c, i) => {
      if (typeof c !== "string" || !columnsOf.has(c)) fail(`${field}[${i}]`, c, `is not a column of table "${table.name}"`);
      return c as string;
    });
    if (!allowEmpty && names.length === 0) fail(field, v, "names no column");
    if (new Set(names).size !== names.length) fail(field, v, "names a column twice");
    return names;
  };
  const seen = new Set<string>();
  const columns = list(t.columns, `${at}.columns`).map((c, i) => {
    const field = `${at}.columns[${i}]`;
    const column = checkColumn(record(c, field), field, columnsOf, engine, enums);
    if (seen.has(column.name)) fail(`${field}.name`, column.name, "describes a column twice");
    seen.add(column.name);
    return column;
  });
  const out: PortableTable = {
    name: table.name,
    columns,
    primaryKey: columnList(t.primaryKey, `${at}.primaryKey`, true),
    uniques: list(t.uniques, `${at}.uniques`).map((u, i): PortableUnique => {
      const field = `${at}.uniques[${i}]`;
      // Files from before constraint names were kept hold the column lists alone.
      if (Array.isArray(u)) return { columns: columnList(u, field) };
      const r = record(u, field);
      return { ...optionalName(r.name, `${field}.name`), columns: columnList(r.columns, `${field}.columns`) };
    }),
    indexes: list(t.indexes, `${at}.indexes`).map((x, i): PortableIndex => {
      const field = `${at}.indexes[${i}]`;
      const r = record(x, field);
      return { name: plainName(r.name, `${field}.name`), columns: columnList(r.columns, `${field}.columns`), unique: bool(r.unique, `${field}.unique`) };
    }),
    foreignKeys: list(t.foreignKeys, `${at}.foreignKeys`).map((x, i) => checkForeignKey(record(x, `${at}.foreignKeys[${i}]`), `${at}.foreignKeys[${i}]`, columnList)),
  };
  if (t.primaryKeyName !== undefined) out.primaryKeyName = plainName(t.primaryKeyName, `${at}.primaryKeyName`);
  if (t.withoutRowid !== undefined) {
    if (engine !== "sqlite") fail(`${at}.withoutRowid`, t.withoutRowid, "is a SQLite table option");
    out.withoutRowid = bool(t.withoutRowid, `${at}.withoutRowid`);
  }
  if (t.notRecreated !== undefined) out.notRecreated = list(t.notRecreated, `${at}.notRecreated`).map((n, i) => displayText(n, `${at}.notRecreated[${i}]`));
  if (t.unsupported !== undefined) out.unsupported = displayText(t.unsupported, `${at}.unsupported`);
  return out;
}

function checkColumn(c: Fields, at: string, columnsOf: Map<string, TableSchema["columns"][number]>, engine: Engine, enums: ReadonlySet<string>): PortableColumn {
  const name = c.name;
  if (typeof name !== "string" || !columnsOf.has(name)) fail(`${at}.name`, name, "is not a column of the table in the header schema");
  plainName(name, `${at}.name`);
  const out: PortableColumn = { name: name as string, default: checkDefault(c.default, `${at}.default`), autoIncrement: bool(c.autoIncrement, `${at}.autoIncrement`) };
  if (c.type !== undefined) {
    if (typeof c.type !== "string" || parseColumnType(engine, c.type, enums) === null) fail(`${at}.type`, c.type, `is not a column type a restore creates on ${engine}`);
    const declared = columnsOf.get(name as string)!.type;
    if (typeof declared !== "string" || normalizeType(c.type as string) !== normalizeType(declared)) fail(`${at}.type`, c.type, `differs from the header schema's type ${JSON.stringify(declared)}`);
    out.type = c.type as string;
  }
  if (c.notNull !== undefined) out.notNull = bool(c.notNull, `${at}.notNull`);
  if (c.generation !== undefined) out.generation = oneOf(c.generation, `${at}.generation`, GENERATIONS_OF[engine]) as Generation;
  if (c.sequence !== undefined) {
    if (engine !== "postgres" || out.generation !== "serial") fail(`${at}.sequence`, c.sequence, "belongs to a PostgreSQL serial column only");
    out.sequence = plainName(c.sequence, `${at}.sequence`);
  }
  if (c.values !== undefined) {
    out.values = list(c.values, `${at}.values`).map((v, i) => literalText(v, `${at}.values[${i}]`));
    if (out.values.length === 0) fail(`${at}.values`, c.values, "lists no value");
  }
  if (c.collation !== undefined) out.collation = oneOf(c.collation, `${at}.collation`, COLLATIONS[engine]);
  return out;
}

function checkDefault(v: unknown, at: string): PortableDefault | null {
  if (v === null) return null;
  const d = record(v, at);
  switch (d.kind) {
    case "number":
      if (typeof d.value !== "string" || !NUMBER.test(d.value)) fail(`${at}.value`, d.value, "is not a number");
      return { kind: "number", value: d.value as string };
    case "text": return { kind: "text", value: literalText(d.value, `${at}.value`) };
    case "bool": return { kind: "bool", value: bool(d.value, `${at}.value`) };
    case "now": return { kind: "now" };
    case "uuid": return { kind: "uuid", fn: oneOf(d.fn, `${at}.fn`, UUID_FUNCTIONS) as UuidFunction };
    default: return fail(`${at}.kind`, d.kind, "is not a kind of default a restore recreates (number, text, bool, now, uuid)");
  }
}

function checkForeignKey(f: Fields, at: string, columnList: (v: unknown, field: string) => string[]): PortableForeignKey {
  const columns = columnList(f.columns, `${at}.columns`);
  const refColumns = list(f.refColumns, `${at}.refColumns`).map((c, i) => plainName(c, `${at}.refColumns[${i}]`));
  if (refColumns.length !== columns.length) fail(`${at}.refColumns`, f.refColumns, `has ${refColumns.length} columns for ${columns.length}`);
  const out: PortableForeignKey = {
    ...optionalName(f.name, `${at}.name`),
    columns,
    table: plainName(f.table, `${at}.table`),
    refColumns,
    onDelete: oneOf(f.onDelete, `${at}.onDelete`, FK_ACTIONS) as ForeignKeyAction,
    onUpdate: oneOf(f.onUpdate, `${at}.onUpdate`, FK_ACTIONS) as ForeignKeyAction,
  };
  if (f.deferrable !== undefined) out.deferrable = oneOf(f.deferrable, `${at}.deferrable`, ["deferred", "immediate"]) as "deferred" | "immediate";
  return out;
}

function checkEnum(v: unknown, at: string, engine: Engine): PortableEnum {
  if (engine !== "postgres") fail(at, v, "is a PostgreSQL enum type in a SQLite snapshot");
  const e = record(v, at);
  const labels = list(e.labels, `${at}.labels`).map((l, i) => literalText(l, `${at}.labels[${i}]`));
  if (labels.length === 0 || new Set(labels).size !== labels.length) fail(`${at}.labels`, e.labels, "must be distinct labels, at least one");
  return { name: plainName(e.name, `${at}.name`), labels };
}

function tableName(v: unknown, at: string, tables: Map<string, TableSchema>): string {
  if (typeof v !== "string" || !tables.has(v)) fail(at, v, "is not a table of the header schema");
  return plainName(v, at);
}

/** A name a statement quotes: no double quote (nothing to break out of the quotes with) and no control character. */
export function isPlainName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 1000 && !/["\u0000-\u001f\u007f]/.test(v);
}

function plainName(v: unknown, at: string): string {
  if (!isPlainName(v)) fail(at, v, "is not a plain name (a string without double quotes or control characters)");
  return v as string;
}

function optionalName(v: unknown, at: string): { name?: string } {
  return v === undefined ? {} : { name: plainName(v, at) };
}

/** Text that becomes a quoted literal: PostgreSQL text cannot hold NUL, and a statement should not either. */
function literalText(v: unknown, at: string): string {
  if (typeof v !== "string" || v.includes("\u0000")) fail(at, v, "is not text without NUL");
  return v as string;
}

/** Text shown to the user only: no control characters, which a terminal would act on. */
function displayText(v: unknown, at: string): string {
  if (typeof v !== "string" || v.length > 2000 || /[\u0000-\u001f\u007f]/.test(v)) fail(at, v, "is not text of at most 2000 characters without control characters");
  return v as string;
}

function oneOf(v: unknown, at: string, allowed: readonly string[]): string {
  if (typeof v !== "string" || !allowed.includes(v)) fail(at, v, `is not one of ${allowed.join(", ")}`);
  return v as string;
}

function bool(v: unknown, at: string): boolean {
  if (typeof v !== "boolean") fail(at, v, "is not true or false");
  return v as boolean;
}

function record(v: unknown, at: string): Fields {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(at, v, "is not a map");
  return v as Fields;
}

function list(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) fail(at, v, "is not a list");
  return v as unknown[];
}

function fail(field: string, value: unknown, problem: string): never {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > SHOWN) shown = shown.slice(0, SHOWN) + "…";
  throw new DdlError(`${field} ${shown} ${problem}`);
}
