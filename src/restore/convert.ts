import { ColumnValue, Row, TableSchema } from "../db/types";
import { schemaMismatch } from "./messages";
import { Engine } from "../db/types";
import { columnKind, type ColumnKind } from "../db/columnKind";

/**
 * Cross-engine restore: turns a canonical value of one engine into the
 * canonical value the other engine would hold for the same data, by the
 * declared column types of source and target.
 *
 * Time zones: TypeORM writes a SQLite `datetime` as UTC text and a PostgreSQL
 * `timestamp without time zone` in the local time of the app's process. The
 * two texts are copied as they are, which is exact only when that process ran
 * in UTC (as this project's machines do); `timestamp with time zone` is
 * converted to and from UTC properly.
 *
 * Known text-level losses (the instant or number is kept, the spelling not):
 * a SQLite time "…:05.000" comes back from PostgreSQL as "…:05"; PostgreSQL
 * numeric "1.5000" becomes the SQLite number 1.5 (SQLite stores decimals as
 * REAL, so digits beyond a double's are lost there anyway); uuids come back
 * lower case.
 */
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?Infinity$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * What SQLite stores for numeric text in an INTEGER or NUMERIC column:
 * integers as 64-bit integers (canonical bigint beyond 2^53), the rest as
 * REAL; text that is no number stays text, as SQLite keeps it.
 */
function sqliteNumber(text: string, integers: boolean): ColumnValue {
  if (!NUMBER_TEXT.test(text)) return text;
  if (integers && /^[+-]?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= INT64_MIN && n <= INT64_MAX) return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  }
  return Number(text);
}

/** Numbers and bigints as the text PostgreSQL parses for numeric, int8 and the text-form types. */
function pgText(v: ColumnValue): ColumnValue {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "bigint") return v.toString();
  return v;
}

const TIME_AT_END = /\d\d:\d\d(:\d\d(\.\d+)?)?$/;

/** PostgreSQL drops trailing zeros of fractions; TypeORM's SQLite datetimes have three digits. */
function padMillis(text: string): string {
  return text.replace(/(\d\d:\d\d:\d\d)\.(\d{1,2})$/, (_m, hms: string, f: string) => `${hms}.${f.padEnd(3, "0")}`);
}

const PG_TIMESTAMPTZ = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/;

/** "2026-01-02 05:04:05.678+02" → "2026-01-02 03:04:05.678": the UTC text TypeORM writes to SQLite. */
function utcText(text: string): string {
  const m = PG_TIMESTAMPTZ.exec(text);
  if (!m) return text; // infinity, BC dates: left for the reader to see
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om, os] = m;
  const offset = (sign === "-" ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offset * 1000);
  return padMillis(at.toISOString().slice(0, 19).replace("T", " ") + (fraction ?? ""));
}

type Converter = (v: ColumnValue, from: ColumnKind) => ColumnValue;

const toBit = (v: ColumnValue): ColumnValue => (typeof v === "boolean" ? (v ? 1 : 0) : v);

const TO_SQLITE: Record<ColumnKind, Converter> = {
  bool: toBit,
  int: (v) => (typeof v === "string" ? sqliteNumber(v, true) : toBit(v)),
  int8: (v) => (typeof v === "string" ? sqliteNumber(v, true) : toBit(v)),
  decimal: (v) => (typeof v === "string" ? sqliteNumber(v, true) : toBit(v)),
  float: (v) => (typeof v === "string" ? sqliteNumber(v, false) : typeof v === "bigint" ? Number(v) : toBit(v)),
  timestamp: (v, from) => (typeof v !== "string" ? v : from === "timestamptz" ? utcText(v) : padMillis(v)),
  timestamptz: (v) => v,
  json: (v) => v,
  text: (v) => (typeof v === "number" || typeof v === "bigint" ? String(v) : v),
  binary: (v) => v,
};

const TO_POSTGRES: Record<ColumnKind, Converter> = {
  bool: (v) => (typeof v === "number" || typeof v === "bigint" ? Number(v) !== 0 : v),
  int: (v) => (typeof v === "bigint" ? Number(v) : v),
  float: (v) => (typeof v === "bigint" ? Number(v) : v),
  int8: pgText,
  decimal: pgText,
  // SQLite datetimes are UTC text: say so, or the server reads them in its session time zone.
  timestamptz: (v, from) => (typeof v === "string" && from === "timestamp" && TIME_AT_END.test(v) ? `${v}+00` : pgText(v)),
  timestamp: pgText,
  json: pgText,
  text: pgText,
  binary: (v) => (typeof v === "string" ? Buffer.from(v, "utf8") : v),
};

/**
 * A function converting rows of `from` (a table of `fromEngine`) into rows of
 * `to`, the same table on `toEngine`. Columns are matched by name; a column
 * only one side has is a schema mismatch.
 */
export function rowConverter(fromEngine: Engine, from: TableSchema, toEngine: Engine, to: TableSchema): (row: Row) => Row {
  const missing = [
    ...to.columns.filter((c) => !from.columns.some((f) => f.name === c.name)).map((c) => `${c.name} (only in the target)`),
    ...from.columns.filter((c) => !to.columns.some((t) => t.name === c.name)).map((c) => `${c.name} (only in the source)`),
  ];
  if (missing.length) throw schemaMismatch(`table "${to.name}" differs between source and target: ${missing.join(", ")}`);
  const table = toEngine === "sqlite" ? TO_SQLITE : TO_POSTGRES;
  const columns = to.columns.map((c) => {
    const fromKind = columnKind(fromEngine, from.columns.find((f) => f.name === c.name)!.type);
    const convert = fromEngine === toEngine ? null : table[columnKind(toEngine, c.type)];
    return { name: c.name, fromKind, convert };
  });
  return (row) => {
    const out: Row = {};
    for (const c of columns) {
      const value = row[c.name];
      out[c.name] = value === null || value === undefined || !c.convert ? value : c.convert(value, c.fromKind);
    }
    return out;
  };
}
