import { Option } from "commander";

/** The options every command that needs them spells and explains alike. */

export const storeOption = (): Option =>
  new Option("--dir <path>", "backup store (default $BACKUP_DIR, else ./snapshots); must exist");

export const databaseOption = (what = "the app's database"): Option =>
  new Option("--db <url>", `${what}: postgres://… URL, file:./x.db or a SQLite path (default $DATABASE_URL, else the app's ormconfig)`);

/** `--json`: one JSON object (or, where `fields` says so, one per line) on stdout, instead of the text. */
export const jsonOption = (fields: string): Option => new Option("--json", fields);

export const timeZoneOption = (): Option =>
  new Option("--tz <zone>", "IANA time zone of instants given without one (yesterday 14:05, 2026-11-26T14:05); default the machine's for today/yesterday");

/** `--show-secrets`: print the values of secret columns (src/secrets.ts) instead of `<redacted>`. */
export const showSecretsOption = (): Option =>
  new Option("--show-secrets", "print the values of secret columns (password, passwordHash, token, secret, apiKey… and those " +
    "$BACKUP_SECRET_COLUMNS names), which are shown as <redacted> by default");
