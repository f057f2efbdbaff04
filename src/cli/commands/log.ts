import { Command } from "commander";
import { resolveStoreDir } from "../../attach";
import { BackupError } from "../../errors";
import { headerForSeq, readFrames, ReadOptions, segmentHeaders } from "../../journal/reader";
import { ColumnSchema, DatabaseSchema, RowChange } from "../../journal/types";
import { action, parsePoint } from "../run";
import { displayValue, jsonRow, jsonValue } from "../values";

interface LogOptions { from?: string; to?: string; table?: string; key?: string; dir?: string; json?: boolean }

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

function readOptions(opts: LogOptions): ReadOptions {
  const result: ReadOptions = {};
  if (opts.from !== undefined) {
    const p = parsePoint(opts.from, "--from");
    if ("seq" in p) result.fromSeq = p.seq; else result.fromTime = p.time;
  }
  if (opts.to !== undefined) {
    const p = parsePoint(opts.to, "--to");
    if ("seq" in p) result.toSeq = p.seq; else result.toTime = p.time;
  }
  return result;
}

/** The JSON line the issue defines: one changed row, dates ISO 8601, binary base64. */
export function changeJson(seq: number, at: number, change: RowChange, schema: DatabaseSchema | undefined) {
  const columns = new Map<string, ColumnSchema>((schema?.tables.find((t) => t.name === change.table)?.columns ?? []).map((c) => [c.name, c]));
  const engine = schema?.engine ?? "sqlite";
  return {
    seq,
    at: new Date(at).toISOString(),
    table: change.table,
    op: change.op,
    key: jsonRow(change.key, columns, engine),
    before: jsonRow(change.before, columns, engine),
    after: jsonRow(change.after, columns, engine),
  };
}

function humanLines(line: ReturnType<typeof changeJson>, change: RowChange): string[] {
  const key = Object.entries(line.key ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  const head = `#${line.seq}  ${line.at}  ${line.op.padEnd(6)} ${line.table} ${key}`;
  const binary = (column: string) => Buffer.isBuffer(change.after?.[column] ?? change.before?.[column]);
  const show = (column: string, v: ReturnType<typeof jsonValue>) => displayValue(v, binary(column));
  if (line.op === "update") {
    const changed = Object.keys(line.after ?? {}).filter((c) => JSON.stringify(line.before?.[c]) !== JSON.stringify(line.after?.[c]));
    return [head, ...changed.map((c) => `      ${c}: ${show(c, line.before?.[c] ?? null)} → ${show(c, line.after?.[c] ?? null)}`)];
  }
  const row = line.after ?? line.before ?? {};
  return [head, `      ${Object.entries(row).map(([c, v]) => `${c}=${show(c, v)}`).join("  ")}`];
}

export function registerLog(program: Command): void {
  program
    .command("log")
    .description("print the journal's history: which row changed, when, from what to what")
    .option("--from <point>", "first change to show: ISO 8601 time or sequence number")
    .option("--to <point>", "last change to show: ISO 8601 time or sequence number")
    .option("--table <name>", "only changes of this table")
    .option("--key <value>", "only this row: primary key value, or col=value,col=value for composite keys")
    .option("--dir <path>", "backup store (default $BACKUP_DIR, else ./snapshots)")
    .option("--json", "one JSON object per changed row per line: seq, at, table, op, key, before, after")
    .addHelpText("after", "\nExamples:\n  stocktake-backup log --table item --key 42\n  stocktake-backup log --from 2026-11-26T14:00:00Z --json")
    .action(action(async (opts: LogOptions) => {
      const dir = resolveStoreDir(opts.dir);
      const options = readOptions(opts);
      const headers = segmentHeaders(dir);
      if (headers.length === 0) throw new BackupError("NOT_FOUND", `no journal in ${dir}`, "attach the changelog to the app (attachChangelog) or pass --dir");
      const matches = keyMatcher(opts.key);
      let shown = 0;
      for (const frame of readFrames(dir, options)) {
        const schema = headerForSeq(headers, frame.seq)?.header.schema;
        for (const change of frame.changes) {
          if (opts.table !== undefined && change.table !== opts.table) continue;
          if (!matches(change)) continue;
          const line = changeJson(frame.seq, frame.at, change, schema);
          process.stdout.write(opts.json ? `${JSON.stringify(line)}\n` : `${humanLines(line, change).join("\n")}\n`);
          shown++;
        }
      }
      if (!opts.json) process.stderr.write(`${shown} changed row(s)\n`);
    }));
}
