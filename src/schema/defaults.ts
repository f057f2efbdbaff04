import type { Engine, PortableDefault } from "./ddl";

/**
 * Column defaults as the catalogs print them, reduced to what the other
 * engine can spell. The defaults that matter to an app after a restore are
 * the ones the ORM relies on when it leaves a column out of an INSERT:
 * literals and "the current time" (CreateDateColumn). Other expressions
 * (uuid_generate_v4(), nextval(), arithmetic) have no portable form.
 */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NOW = /^(now\(\)|current_timestamp(\(\d*\))?|localtimestamp(\(\d*\))?|transaction_timestamp\(\)|statement_timestamp\(\)|datetime\('now'\))$/i;

export function portableDefault(text: string | null): PortableDefault | null {
  if (text === null) return null;
  let t = text.trim();
  while (t.startsWith("(") && t.endsWith(")") && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  if (NOW.test(t)) return { kind: "now" };
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

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The DEFAULT clause for a column of `kind` ("bool" columns need booleans on PostgreSQL, numbers on SQLite). */
export function defaultSql(value: PortableDefault, engine: Engine, isBool: boolean, isNumeric: boolean): string {
  const wrap = (sql: string) => (engine === "sqlite" ? `(${sql})` : sql);
  switch (value.kind) {
    case "now": return engine === "sqlite" ? "(datetime('now'))" : "now()";
    case "bool": return engine === "sqlite" ? `(${value.value ? 1 : 0})` : String(value.value);
    case "number":
      if (isBool && engine === "postgres") return Number(value.value) !== 0 ? "true" : "false";
      return wrap(isNumeric ? value.value : quoteLiteral(value.value));
    case "text":
      if (isBool && engine === "postgres" && /^(t|true|1|f|false|0)$/i.test(value.value)) return /^(t|true|1)$/i.test(value.value) ? "true" : "false";
      return wrap(quoteLiteral(value.value));
  }
}
