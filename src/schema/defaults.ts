import { quoteLiteral } from "../db/sql";
import { type PortableDefault, UUID_FUNCTIONS, type UuidFunction } from "./ddl";
import { type Engine } from "../db/types";

/**
 * Column defaults as the catalogs print them, reduced to data: literals, the
 * current time, a new uuid. Those are the defaults the ORM relies on when it
 * leaves a column out of an INSERT (CreateDateColumn, @Generated("uuid")).
 * Other expressions (arithmetic, other functions) are not recreated.
 */
export const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NOW = /^(now\(\)|current_timestamp(\(\d*\))?|localtimestamp(\(\d*\))?|transaction_timestamp\(\)|statement_timestamp\(\)|datetime\('now'\))$/i;
const UUID = /^(uuid_generate_v4|gen_random_uuid)\(\)$/i;

export function portableDefault(text: string | null): PortableDefault | null {
  if (text === null) return null;
  let t = text.trim();
  while (t.startsWith("(") && t.endsWith(")") && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  if (NOW.test(t)) return { kind: "now" };
  const uuid = UUID.exec(t);
  if (uuid && (UUID_FUNCTIONS as readonly string[]).includes(uuid[1].toLowerCase())) return { kind: "uuid", fn: uuid[1].toLowerCase() as UuidFunction };
  if (/^(true|false)$/i.test(t)) return { kind: "bool", value: t.toLowerCase() === "true" };
  if (NUMBER.test(t)) return { kind: "number", value: t };
  if (t.startsWith("'")) {
    const quoted = /^'((?:[^']|'')*)'(::[\w\s".]+(\(\d+(,\s*\d+)?\))?(\[\])?)?$/.exec(t);
    if (quoted) {
      const value = quoted[1].replace(/''/g, "'");
      // PostgreSQL prints numeric defaults as quoted text with a cast ('0'::numeric).
      return quoted[2] && NUMBER.test(value) && !/char|text/i.test(quoted[2]) ? { kind: "number", value } : { kind: "text", value };
    }
  }
  return null;
}

function balanced(inner: string): boolean {
  let depth = 0;
  let quoted = false;
  for (const c of inner) {
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === "(") depth++;
    if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * The DEFAULT clause for a column ("bool" columns need booleans on
 * PostgreSQL, numbers on SQLite); null when `engine` has no spelling for it.
 */
export function defaultSql(value: PortableDefault, engine: Engine, isBool: boolean, isNumeric: boolean): string | null {
  const wrap = (sql: string) => (engine === "sqlite" ? `(${sql})` : sql);
  switch (value.kind) {
    case "now": return engine === "sqlite" ? "(datetime('now'))" : "now()";
    case "uuid": return engine === "postgres" ? `${value.fn}()` : null;
    case "bool": return engine === "sqlite" ? `(${value.value ? 1 : 0})` : String(value.value);
    case "number":
      // checkDdl.ts refused anything else; kept here too, since this text goes into a statement.
      if (!NUMBER.test(value.value)) throw new Error(`number default ${JSON.stringify(value.value)} is not a number`);
      if (isBool && engine === "postgres") return Number(value.value) !== 0 ? "true" : "false";
      // SQLite stores a number by the column's affinity either way; PostgreSQL wants text for a text column.
      return wrap(isNumeric || engine === "sqlite" ? value.value : quoteLiteral(value.value, engine));
    case "text":
      if (isBool && engine === "postgres" && /^(t|true|1|f|false|0)$/i.test(value.value)) return /^(t|true|1)$/i.test(value.value) ? "true" : "false";
      return wrap(quoteLiteral(value.value, engine));
  }
}
