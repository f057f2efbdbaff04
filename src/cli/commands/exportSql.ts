import { Command, Option } from "commander";
import { BackupError } from "../../errors";
import { exportSql, type ExportResult } from "../../export/exportSql";
import type { Dialect } from "../../export/literal";
import { parseInstant, pastInstant, sequenceNumber } from "../../instant";
import { existingStore } from "../../store";
import { action } from "../action";
import { jsonOption, storeOption, timeZoneOption } from "../options";
import { count, progressBar } from "../progress";
import * as stdout from "../stdout";

interface ExportCliOptions {
  to?: string;
  tz?: string;
  toSeq?: string;
  dialect?: Dialect;
  schema?: boolean;
  copy?: boolean;
  gzip?: boolean;
  zstd?: boolean;
  force?: boolean;
  dir?: string;
  json?: boolean;
}

function humanText(r: ExportResult): string {
  return [
    `exported seq ${r.seq} (${r.snapshot.file}, seq ${r.snapshot.seq}, plus ${r.framesReplayed} transaction(s)) as ${r.dialect} SQL to ${r.out}`,
    `  rows      ${count(r.rows)} in ${r.tables.length} tables, ${count(r.bytes)} bytes of SQL${r.bytes > 0 ? "" : ""}`,
    ...r.tables.filter((t) => t.rows > 0).map((t) => `    ${t.name.padEnd(28)} ${count(t.rows).padStart(10)}`),
    `  time      ${(r.ms / 1000).toFixed(2)} s`,
  ].join("\n") + "\n";
}

/** The default file: the snapshot's name with .sql (and the compression's extension), in the current folder. */
function defaultOut(snapshot: string | undefined, opts: ExportCliOptions): string {
  const base = snapshot && snapshot !== "latest" ? snapshot.replace(/^.*[\\/]/, "").replace(/\.snap$/, "") : `export-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  return `${base}.sql${opts.gzip ? ".gz" : opts.zstd ? ".zst" : ""}`;
}

export function registerExportSql(program: Command): void {
  program
    .command("export-sql [snapshot] [out]")
    .description("write the database as it was in a snapshot, at an instant (--to) or after a seq (--to-seq) as a SQL script that " +
      "sqlite3 or psql loads in one transaction; read from the store alone, no database is opened")
    .option("--to <time>", "an instant (ISO 8601 with a zone, now, -2h, yesterday 14:05…): the state after the last transaction committed at or before it")
    .addOption(timeZoneOption())
    .option("--to-seq <n>", "journal sequence number: the state after that transaction")
    .addOption(new Option("--dialect <dialect>", "the SQL's dialect (default: the source's engine)").choices(["sqlite", "postgres"]))
    .option("--schema", "include the DDL: tables, keys, defaults, indexes and foreign keys (data only without it)")
    .option("--copy", "PostgreSQL: the rows as COPY … FROM stdin (psql) instead of INSERTs")
    .option("--gzip", "compress the output with gzip")
    .option("--zstd", "compress the output with zstd")
    .option("--force", "replace [out] when it exists")
    .addOption(storeOption())
    .addOption(jsonOption("print a summary as one JSON object (not with - as [out])"))
    .addHelpText("after", [
      "",
      "[snapshot] is a snapshot file (path, or name in the store) or \"latest\" (the default): a file alone exports its own",
      "state; with --to or --to-seq the journal is replayed from it (or from the newest snapshot before the point).",
      "[out] is a file (default: the snapshot's name with .sql, in the current folder; never replaced without --force)",
      "or - for stdout. The file is written under a temporary name and renamed when complete.",
      "",
      "The script quotes every identifier (tables named order and user load), writes binary as X'..' / '\\x..'::bytea,",
      "booleans, exact decimals and big integers, timestamps with their zone and JSON as each dialect reads them, loads",
      "in one transaction and sets AUTOINCREMENT counters / sequences to the rows loaded at the end.",
      "It holds every column: password hashes and API keys too. Keep it as safe as the database.",
      "",
      "Examples:",
      "  stocktake-backup export-sql latest dump.sql",
      "  stocktake-backup export-sql --to 2026-11-26T14:05:00Z --schema --dialect postgres - | psql newdb",
      "  stocktake-backup export-sql --to-seq 1234 --schema --copy --gzip state.sql.gz",
      "  sqlite3 copy.db < dump.sql",
    ].join("\n"))
    .action(action(async (first: string | undefined, second: string | undefined, opts: ExportCliOptions) => {
      // `export-sql dump.sql` and `export-sql - ` name the output, of the latest state.
      const outOnly = second === undefined && first !== undefined && (first === "-" || /\.sql(\.gz|\.zst)?$/i.test(first));
      const snapshot = outOnly ? undefined : first;
      const out = outOnly ? first : second;
      const store = existingStore(opts.dir);
      if (snapshot && /\.json(\.gz)?$/i.test(snapshot)) {
        throw new BackupError("BAD_INPUT", `${snapshot} is an old JSON backup, not a snapshot`, `import it into the store first: stocktake-backup import-json ${snapshot}`);
      }
      if (opts.to !== undefined && opts.toSeq !== undefined) throw new BackupError("BAD_USAGE", "give either --to or --to-seq, not both");
      if (opts.gzip && opts.zstd) throw new BackupError("BAD_USAGE", "give either --gzip or --zstd, not both");
      const target = out ?? defaultOut(snapshot, opts);
      if (target === "-" && opts.json) throw new BackupError("BAD_USAGE", "--json prints on stdout, where - sends the SQL", "name an output file, or leave out --json");
      const to = opts.to === undefined ? undefined : parseInstant(opts.to, { option: "--to", timeZone: opts.tz });
      if (to?.resolved) process.stderr.write(`--to ${opts.to}: using ${to.resolved}\n`);
      if (!opts.json && process.stderr.isTTY) {
        process.stderr.write("warning: the export holds every column, password hashes and API keys included: keep it as safe as the database\n");
      }
      const bar = progressBar(opts.json || target === "-", "export {bar} {percentage}% | {rows} rows");
      let result: ExportResult;
      try {
        result = await exportSql({
          store, snapshot, out: target,
          to: to === undefined ? undefined : pastInstant(to.ms, { option: "--to" }),
          toSeq: opts.toSeq === undefined ? undefined : sequenceNumber(opts.toSeq, "--to-seq"),
          dialect: opts.dialect, schema: opts.schema, copy: opts.copy, replace: opts.force,
          compression: opts.gzip ? "gzip" : opts.zstd ? "zstd" : null,
          onRows: (rows, total) => bar.show(rows, total, { rows: count(rows) }),
        });
      } finally {
        bar.stop();
      }
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      if (target !== "-") await stdout.write(opts.json ? `${JSON.stringify(result)}\n` : humanText(result));
      return 0;
    }));
}
