/**
 * Secrets kept out of what commands print. A store holds users' password
 * hashes and sessions' tokens; `log`, `verify`, `audit` and `validate` show
 * the values of such columns as `<redacted>` unless `--show-secrets` is
 * given. Only printing changes: snapshots and the journal keep every value,
 * so a restore is exact, and export-sql (a full export) holds them too.
 *
 * A column is secret when its name says so (the list below), or when it is
 * named in $BACKUP_SECRET_COLUMNS: `column` (in any table) or
 * `table.column`, comma-separated, case ignored. NULL stays NULL: that a
 * user has no password is not the password.
 */
import type { ColumnValue, Row } from "./db/types";

export const REDACTED = "<redacted>";
export const SECRET_COLUMNS_ENV = "BACKUP_SECRET_COLUMNS";

/**
 * Parts of a column name (lower case, `_` `-` and spaces removed) that mark
 * a secret: password, passwd, passphrase, pass_hash, pwd_hash, *secret*,
 * *token*, api_key / apiKey, private_key.
 */
const SECRET_PARTS = ["password", "passwd", "passphrase", "passhash", "pwdhash", "pwhash", "secret", "token", "apikey", "privatekey"];
/** Whole names that mark one: a column called just `pass` or `pwd`. */
const SECRET_NAMES = ["pass", "pwd"];
/** Words that hold a secret part and are no secret: a company's secretary, a tokenizer's name. */
const NOT_SECRET_WORDS = /secretar(y|ies)|tokeni[sz]/g;
/**
 * A last word that makes the column a fact about the secret, not the secret
 * itself: passwordChangedAt, token_expires_at, tokenCount. (Only where the
 * name has words to split: an all-lower-case `tokenexpiresat` stays secret.)
 */
const ABOUT_THE_SECRET = new Set(["at", "on", "date", "time", "count", "length", "expires", "expiry"]);

function words(name: string): string[] {
  return name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/).filter((w) => w !== "").map((w) => w.toLowerCase());
}

/** Whether a column's name alone says it holds a secret (the default list). */
export function secretByName(column: string): boolean {
  const parts = words(column);
  if (parts.length > 1 && ABOUT_THE_SECRET.has(parts[parts.length - 1])) return false;
  const flat = parts.join("").replace(NOT_SECRET_WORDS, "");
  return SECRET_NAMES.includes(flat) || SECRET_PARTS.some((p) => flat.includes(p));
}

/** Which columns' values are kept out of output. */
export interface Secrets {
  isSecret(table: string, column: string): boolean;
}

/** --show-secrets: nothing is kept out. */
export const SHOW_SECRETS: Secrets = { isSecret: () => false };

/** The default list plus the columns $BACKUP_SECRET_COLUMNS (or `named`) names. */
export function secretColumns(named: string | undefined = process.env[SECRET_COLUMNS_ENV]): Secrets {
  const marked = new Set((named ?? "").split(",").map((n) => n.trim().toLowerCase()).filter((n) => n !== ""));
  const known = new Map<string, Map<string, boolean>>(); // asked for every value a log prints: decided once per column
  return {
    isSecret: (table, column) => {
      let columns = known.get(table);
      if (columns === undefined) known.set(table, columns = new Map());
      let secret = columns.get(column);
      if (secret === undefined) {
        secret = secretByName(column) || marked.has(column.toLowerCase()) || marked.has(`${table}.${column}`.toLowerCase());
        columns.set(column, secret);
      }
      return secret;
    },
  };
}

/** The policy of a command given `--show-secrets` or not. */
export function secretsFor(opts: { showSecrets?: boolean }): Secrets {
  return opts.showSecrets ? SHOW_SECRETS : secretColumns();
}

/** A value for output: `<redacted>` in place of a secret column's value (NULL stays NULL). */
export function shownValue(secret: boolean, value: ColumnValue): ColumnValue {
  return secret && value !== null ? REDACTED : value;
}

/** A copy of a row of `table` for output, secret columns redacted; the row itself is left alone (null stays null). */
export function redactRow<R extends Row | null | undefined>(secrets: Secrets, table: string, row: R): R {
  if (row === null || row === undefined) return row;
  let copy: Row | null = null;
  for (const column of Object.keys(row)) {
    if (!secrets.isSecret(table, column) || row[column] === null) continue;
    copy ??= { ...row };
    copy[column] = REDACTED;
  }
  return (copy ?? row) as R;
}

/** A finding (or anything naming a row of a table by its key) for output: the key's secret columns redacted. */
export function redactKey<T extends { table?: string; key?: Row }>(secrets: Secrets, item: T): T {
  if (item.key === undefined || item.table === undefined) return item;
  const key = redactRow(secrets, item.table, item.key);
  return key === item.key ? item : { ...item, key };
}
