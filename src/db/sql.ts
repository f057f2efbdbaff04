/**
 * SQL text built by the program, in one place: identifiers and literals
 * quoted, parameters bound in each engine's form. Nothing read from a file
 * or a user ever reaches SQL any other way.
 */
import type { ColumnValue, Engine } from "./types";

/**
 * Most bound parameters one statement may carry: SQLite's
 * SQLITE_MAX_VARIABLE_NUMBER (32766 since 3.32), PostgreSQL's wire protocol
 * counts parameters in 16 bits.
 */
export const MAX_PARAMS: Record<Engine, number> = { sqlite: 32766, postgres: 65535 };

/** Both engines quote identifiers with "": tables named `order` and `user` exist. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A string constant. SQLite has no escapes inside '…'. PostgreSQL does when
 * standard_conforming_strings is off (a server setting this program does not
 * control), so text holding a backslash is written as E'…' with the
 * backslashes doubled, which reads the same under either setting.
 */
export function quoteLiteral(text: string, engine: Engine): string {
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return engine === "postgres" && text.includes("\\") ? `E${quoted.replace(/\\/g, "\\\\")}` : quoted;
}

/** Collects the parameters of one statement; `add` returns the placeholder to put in the SQL. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly engine: Engine) {}

  add(value: ColumnValue): string {
    if (this.engine === "sqlite") {
      // node-sqlite3 binds a JS BigInt as NULL, and an integer beyond 32 bits as REAL (which a column
      // without affinity keeps): send the digits and let SQLite make the 64-bit integer.
      if (typeof value === "bigint" || (Number.isSafeInteger(value) && ((value as number) | 0) !== value)) {
        this.values.push(String(value));
        return "CAST(? AS INTEGER)";
      }
      this.values.push(value);
      return "?";
    }
    // pg sends numbers as String(n), which prints -0 as "0": keep the sign.
    if (typeof value === "number" && Object.is(value, -0)) this.values.push("-0");
    else if (typeof value === "bigint") this.values.push(value.toString());
    else this.values.push(value);
    return `$${this.values.length}`;
  }
}
