import type { ColumnSchema } from "../db/types";
import { quoteIdent } from "../db/sql";
import type { Engine } from "../db/types";

/**
 * The declared column types a restore writes into a CREATE TABLE: a closed
 * grammar per engine (type names from a list, sizes as digits, PostgreSQL
 * arrays and enum types of the snapshot's own description). A type is parsed,
 * then written again from its parts, so no text of the file reaches the SQL;
 * anything outside the grammar is refused. `mapType` turns a type of one
 * engine into its twin on the other.
 */
export interface ColumnType {
  /** The type as it goes into a statement. */
  sql: string;
  /** The enum type it names (PostgreSQL). */
  enum?: string;
  /** The extension it needs (PostgreSQL: citext). */
  extension?: string;
}

const SQLITE_NAMES = new Set([
  "", "integer", "int", "tinyint", "smallint", "mediumint", "bigint", "unsigned big int", "int2", "int8",
  "real", "double", "double precision", "float", "numeric", "decimal", "boolean", "bool",
  "date", "datetime", "time", "timestamp", "text", "clob", "blob", "json", "uuid",
  "varchar", "character varying", "varying character", "char", "character", "nchar", "native character", "nvarchar", "nvarchar2",
  "string", "jsonb",
]);

const PG_NAMES = new Set([
  "smallint", "integer", "bigint", "real", "double precision", "numeric", "boolean", "text", "character varying", "character",
  "bytea", "date", "uuid", "json", "jsonb", "xml", "money", "interval", "citext",
  "inet", "cidr", "macaddr", "macaddr8", "tsvector", "tsquery",
  "point", "line", "lseg", "box", "path", "polygon", "circle",
  "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
]);
/** PostgreSQL types that take one size argument, as format_type prints them. */
const PG_SIZED = new Set(["character varying", "character", "bit", "bit varying", "numeric", "interval"]);
const PG_EXTENSION_TYPES: Record<string, string> = { citext: "citext" };

const SIZE = "(\\d{1,9})";

/** Lower case, single spaces, none inside parentheses or before one: the spelling compared and written. */
export function normalizeType(text: string): string {
  return text.toLowerCase().trim().replace(/\s+/g, " ").replace(/\s*\(\s*/g, "(").replace(/\s*,\s*/g, ",").replace(/\s*\)/g, ")");
}

/** `text` as a type a restore may write on `engine`, or null. `enums` are the enum type names the description defines. */
export function parseColumnType(engine: Engine, text: string, enums: ReadonlySet<string> = new Set()): ColumnType | null {
  if (typeof text !== "string") return null;
  return engine === "sqlite" ? parseSqlite(text) : parsePostgres(text, enums);
}

function parseSqlite(text: string): ColumnType | null {
  const m = new RegExp(`^([a-z ]*?)(?:\\(${SIZE}(?:,${SIZE})?\\))?$`).exec(normalizeType(text));
  if (!m || !SQLITE_NAMES.has(m[1])) return null;
  const size = m[2] === undefined ? "" : `(${Number(m[2])}${m[3] === undefined ? "" : `,${Number(m[3])}`})`;
  return { sql: m[1] + size };
}

function parsePostgres(text: string, enums: ReadonlySet<string>): ColumnType | null {
  const whole = /^(.*?)((?:\[\])*)$/.exec(text.trim());
  if (!whole) return null;
  const [, base, dims] = whole;
  const element = parsePostgresElement(base, enums);
  return element && { ...element, sql: element.sql + dims };
}

function parsePostgresElement(text: string, enums: ReadonlySet<string>): ColumnType | null {
  // An enum type keeps its case: it is compared before normalizing.
  const quoted = /^"((?:[^"]|"")+)"$/.exec(text);
  const name = quoted ? quoted[1].replace(/""/g, '"') : /^[a-z_][a-z0-9_$]*$/.test(text) ? text : null;
  if (name !== null && enums.has(name)) return { sql: quoteIdent(name), enum: name };

  const t = normalizeType(text);
  if (PG_NAMES.has(t)) return { sql: t, ...(PG_EXTENSION_TYPES[t] ? { extension: PG_EXTENSION_TYPES[t] } : {}) };
  const sized = new RegExp(`^([a-z ]+?)\\(${SIZE}\\)$`).exec(t);
  if (sized && PG_SIZED.has(sized[1])) return { sql: `${sized[1]}(${Number(sized[2])})` };
  const decimal = new RegExp(`^numeric\\(${SIZE},(-?\\d{1,9})\\)$`).exec(t);
  if (decimal) return { sql: `numeric(${Number(decimal[1])},${Number(decimal[2])})` };
  const time = /^(time|timestamp)(?:\((\d)\))? (with|without) time zone$/.exec(t);
  if (time) return { sql: `${time[1]}${time[2] === undefined ? "" : `(${time[2]})`} ${time[3]} time zone` };
  if (t === "bit" || t === "bit varying") return { sql: t };
  return null;
}

const SIZE_ARGS = /\((\d+(?:,\s*\d+)?)\)/;

/** The declared type on `engine` for a column declared `column.type` on the other engine. Every result is a type name of a fixed list, sized by digits. */
export function mapType(column: ColumnSchema, engine: Engine): string {
  const t = column.type.toLowerCase().trim();
  const size = SIZE_ARGS.exec(t)?.[1]?.replace(/\s/g, "");
  const sized = (name: string) => (size ? `${name}(${size})` : name);
  if (engine === "postgres") {
    if (/^(integer|int|mediumint)$/.test(t)) return "integer";
    if (/^(smallint|tinyint)/.test(t)) return "smallint";
    if (/^bigint/.test(t)) return "bigint";
    if (/^bool/.test(t)) return "boolean";
    if (/^(datetime|timestamp)/.test(t)) return "timestamp without time zone";
    if (/^date$/.test(t)) return "date";
    if (/^time\b/.test(t)) return "time without time zone";
    if (/^(varchar|character varying|nvarchar|varying character|native character|nchar)/.test(t)) return sized("character varying");
    if (/^char/.test(t)) return sized("character");
    if (/^(decimal|numeric)/.test(t)) return sized("numeric");
    if (/^real$/.test(t)) return "real";
    if (/^(float|double|real)/.test(t)) return "double precision";
    if (/^uuid$/.test(t)) return "uuid";
    if (t === "json") return "json";
    if (t === "jsonb") return "jsonb";
    if (t === "" || /blob/.test(t)) return "bytea";
    return "text";
  }
  if (/^(integer|smallint)$/.test(t)) return "integer";
  if (/^bigint$/.test(t)) return "bigint";
  if (t === "boolean") return "boolean";
  if (/^timestamp/.test(t)) return "datetime";
  if (t === "date") return "date";
  if (/^time\b/.test(t)) return "time";
  if (/^character varying/.test(t)) return sized("varchar");
  if (/^character\b/.test(t)) return sized("character");
  if (/^numeric/.test(t)) return sized("decimal");
  if (t === "real") return "real";
  if (t === "double precision") return "double precision";
  if (t === "bytea") return "blob";
  if (t === "uuid") return "varchar";
  // json, jsonb, arrays, enums, intervals...: their text. A declared "json" would get NUMERIC affinity in SQLite.
  return "text";
}
