import { BackupError } from "../errors";
import { ColumnValue, DatabaseSchema, Row } from "../journal/types";

/**
 * SQL-building pieces shared by the restore writers: quoting, parameter
 * binding in each engine's form, and key text for error messages.
 */
export type Engine = DatabaseSchema["engine"];

/**
 * Most bound parameters one statement may carry: SQLite's
 * SQLITE_MAX_VARIABLE_NUMBER (32766 since 3.32), PostgreSQL's wire protocol
 * counts parameters in 16 bits.
 */
export const MAX_PARAMS: Record<Engine, number> = { sqlite: 32766, postgres: 65535 };

/** Both engines quote with "": tables named `order` and `user` exist. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
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

/** Key (or any row) as readable text: bigints and Buffers survive JSON. */
export function describeRow(row: Row | null): string {
  return JSON.stringify(row, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v && typeof v === "object" && (v as { type?: string }).type === "Buffer") {
      return `\\x${Buffer.from((v as { data: number[] }).data).toString("hex")}`;
    }
    return v;
  });
}

export function schemaMismatch(message: string): BackupError {
  return new BackupError("SCHEMA_MISMATCH", message,
    "the rows were captured from a different schema than the target's: restore into a database migrated to the backup's schema");
}
