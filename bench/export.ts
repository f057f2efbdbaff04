import { execFileSync } from "child_process";
import { BenchDir, formatTable, mb, Measured, runChild, s, seedDatabase, sqliteSource, withPgDatabase } from "./support";

function installed(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * export-sql (schema and data, from the store's newest snapshot; the
 * snapshot is taken beforehand and not timed) against the engine's own dump
 * of the live database, sqlite3 .dump and pg_dump --inserts, in the same
 * run. Each runs in a child process; an external command's peak RSS is its
 * own (the PostgreSQL server's memory counts for neither).
 */
export async function benchExport(work: BenchDir, scales: number[]): Promise<string> {
  const lines: string[][] = [];
  const ratios: string[][] = [];
  const compare = (rows: number, engine: string, theirName: string, theirs: Measured, ours: Measured) => {
    lines.push([String(rows), engine, theirName, s(theirs.ms), mb(theirs.bytes), `${theirs.maxRssMb.toFixed(0)} MB`]);
    lines.push([String(rows), engine, "export-sql --schema", s(ours.ms), mb(ours.bytes), `${ours.maxRssMb.toFixed(0)} MB`]);
    ratios.push([String(rows), engine, theirName, `${(ours.ms / theirs.ms).toFixed(2)}× (≤ 1.0)`, `${ours.maxRssMb.toFixed(0)} MB (≤ 150)`]);
  };
  for (const total of scales) {
    if (installed("sqlite3")) {
      const source = await sqliteSource(work, total, `export-${total}.db`);
      // Their dump first: attaching the changelog for the snapshot adds its own tables to the file.
      const theirs = runChild("command", work.file(`export-dump-${total}.sql`), "sqlite3", source.file, ".dump");
      const store = work.dir(`export-sqlite-store-${total}`);
      runChild("snapshot", source.file, store);
      compare(source.rows, "SQLite", "sqlite3 .dump", theirs, runChild("export", store, work.file(`export-sqlite-${total}.sql`)));
    } else {
      lines.push([String(total), "SQLite", "sqlite3 is not installed (apt-get install -y sqlite3): skipped", "", "", ""]);
    }
    await withPgDatabase("stk_bench_export", async (url) => {
      const rows = await seedDatabase(url, total);
      const theirs = runChild("command", work.file(`export-pgdump-${total}.sql`), "pg_dump", "--inserts", `--dbname=${url}`);
      const store = work.dir(`export-pg-store-${total}`);
      runChild("snapshot", url, store);
      compare(rows, "PostgreSQL", "pg_dump --inserts", theirs, runChild("export", store, work.file(`export-pg-${total}.sql`)));
    });
  }
  return [
    formatTable(["rows", "engine", "operation", "time", "output", "peak RSS"], lines),
    "",
    formatTable(["rows", "engine", "against", "export-sql / theirs, time", "export-sql peak RSS"], ratios),
  ].join("\n");
}
