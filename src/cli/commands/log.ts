import { Command } from "commander";
import { jsonOption, showSecretsOption, storeOption, timeZoneOption } from "../options";
import { REDACTED, redactRow, type Secrets, secretsFor } from "../../secrets";
import { BackupError } from "../../errors";
import { parsePoint } from "../../instant";
import { headerForSeq, readFrames, ReadOptions, segmentHeaders } from "../../journal/reader";
import { RowChange } from "../../journal/types";
import { ColumnValue, DatabaseSchema } from "../../db/types";
import { existingStore } from "../../store";
import { action } from "../action";
import * as stdout from "../stdout";
import { columnsOf, displayMaybeSecret, displayRow, keyValueText, VALUES_HELP } from "../display";
import { jsonText, sameValue } from "../../db/jsonText";

interface LogOptions { from?: string; to?: string; tz?: string; table?: string; key?: string; dir?: string; json?: boolean; showSecrets?: boolean }

/** "42" matches a one-column key; "roleId=1,permissionId=2" a composite one. */
function keyMatcher(text: string | undefined): (change: RowChange) => boolean {
  if (text === undefined) return () => true;
  const parts = text.split(",").map((p) => p.split("="));
  return (change) => {
    const key = Object.entries(change.key);
    if (parts.length === 1 && parts[0].length === 1) return key.length === 1 && String(key[0][1]) === parts[0][0];
    return parts.every(([column, value]) => column in change.key && String(change.key[column]) === value);
  };
}

/** The bounds asked for; a time read in a zone or relative to now is printed back on stderr, resolved. */
function readOptions(opts: LogOptions): ReadOptions {
  const result: ReadOptions = {};
  for (const [option, text] of [["--from", opts.from], ["--to", opts.to]] as const) {
    if (text === undefined) continue;
    const p = parsePoint(text, { option, timeZone: opts.tz });
    if ("seq" in p) {
      if (option === "--from") result.fromSeq = p.seq; else result.toSeq = p.seq;
      continue;
    }
    if (p.resolved !== null) process.stderr.write(`${option} ${text}: using ${p.resolved}\n`);
    if (option === "--from") result.fromTime = p.time; else result.toTime = p.time;
  }
  return result;
}

/**
 * The JSON line the issue defines: one changed row; its values as values.ts
 * encodes them, `at` an ISO 8601 UTC instant; secret columns redacted when
 * `secrets` is given.
 */
export function changeJson(seq: number, at: number | string, change: RowChange, secrets?: Secrets) {
  const shown = <R extends RowChange["before"]>(row: R) => (secrets ? redactRow(secrets, change.table, row) : row);
  return {
    seq, at: typeof at === "string" ? at : new Date(at).toISOString(), table: change.table, op: change.op,
    key: shown(change.key), before: shown(change.before), after: shown(change.after),
  };
}

/** A change for a terminal; which columns changed is decided on the real values, which secret ones then hide. */
function humanLines(line: ReturnType<typeof changeJson>, schema: DatabaseSchema | undefined, secrets: Secrets): string[] {
  const columns = columnsOf(schema?.tables.find((t) => t.name === line.table)?.columns);
  const secret = (column: string) => secrets.isSecret(line.table, column);
  const key = Object.entries(line.key).map(([k, v]) => `${k}=${secret(k) && v !== null ? REDACTED : keyValueText(v)}`).join(",");
  const head = `#${line.seq}  ${line.at}  ${line.op.padEnd(6)} ${line.table} ${key}`;
  if (line.op === "update") {
    const before = line.before ?? {};
    const after = line.after ?? {};
    const changed = Object.keys(after).filter((c) => !sameValue(before[c], after[c]));
    const shown = (c: string, v: ColumnValue) => displayMaybeSecret(v, columns.get(c), secret(c));
    return [head, ...changed.map((c) => `      ${c}: ${shown(c, before[c] ?? null)} → ${shown(c, after[c])}`)];
  }
  return [head, `      ${displayRow(line.after ?? line.before ?? {}, columns, secret)}`];
}

export function registerLog(program: Command): void {
  program
    .command("log")
    .description("print the journal's history: which row changed, when, from what to what")
    .option("--from <point>", "first change to show: a sequence number, or an instant (ISO 8601 with a zone, now, -2h, yesterday 14:05…)")
    .option("--to <point>", "last change to show: a sequence number, or an instant")
    .addOption(timeZoneOption())
    .option("--table <name>", "only changes of this table")
    .option("--key <value>", "only this row: primary key value, or col=value,col=value for composite keys")
    .addOption(storeOption())
    .addOption(showSecretsOption())
    .addOption(jsonOption("one JSON object per changed row per line: seq, at (ISO 8601 UTC), table, op, key, before, after; values exactly as the database holds them (see below)"))
    .addHelpText("after", [
      "",
      VALUES_HELP,
      "",
      "--from and --to take a sequence number (42) or an instant: ISO 8601 with a zone (2026-11-26T14:05:00Z,",
      "2026-11-26T15:05:00+01:00), now, -90s, -15m, -2h, -3d, today 09:00 or yesterday 14:05 (in --tz, else the",
      "machine's zone); a zone-less date or time needs --tz. What a relative form or a zone resolved to is printed",
      "on stderr. The output waits for a slow reader, and stops quietly, status 0, when the reader goes away (| head).",
      "",
      "Examples:",
      "  stocktake-backup log --table item --key 42",
      "  stocktake-backup log --from 2026-11-26T14:00:00Z --json",
      "  stocktake-backup log --from -2h --table orderItem",
      "  stocktake-backup log --from 'yesterday 14:00' --to 'yesterday 15:00' --tz Europe/Berlin",
    ].join("\n"))
    .action(action(async (opts: LogOptions) => {
      const dir = existingStore(opts.dir);
      const options = readOptions(opts);
      const headers = segmentHeaders(dir, { fromSeq: options.fromSeq, toSeq: options.toSeq });
      if (headers.length === 0) throw new BackupError("NOT_FOUND", `no journal in ${dir}`, "attach the changelog to the app (attachChangelog) or pass --dir");
      const matches = keyMatcher(opts.key);
      const secrets = secretsFor(opts);
      let shown = 0;
      for (const frame of readFrames(dir, options)) {
        const schema = headerForSeq(headers, frame.seq)?.header.schema;
        const at = new Date(frame.at).toISOString();
        for (const change of frame.changes) {
          if (opts.table !== undefined && change.table !== opts.table) continue;
          if (!matches(change)) continue;
          const wait = stdout.write(opts.json ? `${jsonText(changeJson(frame.seq, at, change, secrets))}\n`
            : `${humanLines(changeJson(frame.seq, at, change), schema, secrets).join("\n")}\n`);
          if (wait) await wait; // only when a chunk is full: the reader sets the pace
          shown++;
        }
      }
      await stdout.flush();
      if (!opts.json) process.stderr.write(`${shown} changed row(s)\n`);
    }));
}
