import fs from "fs";
import path from "path";
import { Client } from "pg";
import { BenchDir, formatTable, mb, Measured, PG, pgAdmin, runChild, s, seedDatabase, withPgDatabase } from "./support";

const CLI = path.join(__dirname, "..", "src", "cli", "main.js");
// Per process: another checkout may run this bench on the same server, and each run drops its databases WITH (FORCE).
const SOURCE = `stk_bench_pg_source_${process.pid}`;
const THEIRS = `stk_bench_pg_restored_by_pg_restore_${process.pid}`;
const OURS = `stk_bench_pg_restored_${process.pid}`;

/**
 * The one table: 8 columns of the kinds a stock app holds (serial,
 * two int, two numeric, timestamptz, nullable text, boolean), filled in SQL.
 */
async function oneTable(url: string, rows: number): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE movement (
      id serial PRIMARY KEY, "itemId" integer NOT NULL, "locationId" integer NOT NULL,
      quantity numeric(12,3) NOT NULL, "unitCost" numeric(10,2) NOT NULL, "movedAt" timestamptz NOT NULL,
      note text, confirmed boolean NOT NULL)`);
    await client.query(`INSERT INTO movement ("itemId", "locationId", quantity, "unitCost", "movedAt", note, confirmed)
      SELECT i % 5000, i % 40, (i % 100000) / 1000.0, (i % 9999) / 100.0, timestamptz '2026-01-01' + i * interval '1 second',
             CASE WHEN i % 3 = 0 THEN NULL ELSE 'counted by shift ' || (i % 17) END, i % 2 = 0
      FROM generate_series(1, ${rows}) AS i`);
    await client.query("VACUUM ANALYZE movement");
    return rows;
  } finally {
    await client.end();
  }
}

/** A program run as a user runs it, in a child of the bench's child runner: time, output size and its own peak RSS. */
const run = (out: string, command: string, ...args: string[]): Measured => runChild("command", out, command, ...args);
const ours = (out: string, ...args: string[]): Measured => run(out, process.execPath, CLI, ...args);

/** The newest snapshot file of a store, for its size. */
function snapshotBytes(store: string): number {
  const snaps = fs.readdirSync(store).filter((f) => f.endsWith(".snap"));
  return snaps.reduce((n, f) => n + fs.statSync(path.join(store, f)).size, 0);
}

const rss = (m: Measured) => `${m.maxRssMb.toFixed(0)} MB`;

/**
 * PostgreSQL, as pg_dump and pg_restore do it, in the same run: at each
 * scale, the one-table case and the Stocktake schema grown in SQL;
 * `pg_dump -Fc`, `pg_dump` piped to `zstd -3` and `stocktake-backup backup`; then
 * `pg_restore` of that dump and `stocktake-backup restore latest` into a new
 * database. Every program is a process of its own, started as a user starts
 * it (the CLI's start-up counts), its peak RSS its own.
 */
export async function benchPostgres(work: BenchDir, scales: number[]): Promise<string> {
  const lines: string[][] = [];
  const ratios: string[][] = [];
  for (const total of scales) {
    for (const [schema, fill] of [["one table", oneTable], ["Stocktake", seedDatabase]] as const) {
      await withPgDatabase(SOURCE, async (url) => {
        const rows = await fill(url, total);
        const name = `${schema === "one table" ? "one" : "stocktake"}-${total}`;
        const dump = work.file(`${name}.dump`);
        const pgDump = run(work.file(`${name}.pg_dump.out`), "pg_dump", "-Fc", "-f", dump, `--dbname=${url}`);
        pgDump.bytes = fs.statSync(dump).size;
        const zstd = run(work.file(`${name}.sql.zst`), "sh", "-c", `pg_dump --dbname='${url}' | zstd -3 -q`);
        const store = work.dir(`pg-store-${name}`);
        const backup = ours(work.file(`${name}.backup.json`), "backup", "--db", url, "--dir", store, "--json");
        backup.bytes = snapshotBytes(store);
        const pgRestore = await withPgDatabase(THEIRS, async (target) =>
          run(work.file(`${name}.pg_restore.out`), "pg_restore", "--no-owner", `--dbname=${target}`, dump));
        await pgAdmin(`DROP DATABASE IF EXISTS ${OURS} WITH (FORCE)`);
        const restore = ours(work.file(`${name}.restore.json`), "restore", "latest", "--dir", store, "--target", `${PG}/${OURS}`, "--json");
        await pgAdmin(`DROP DATABASE IF EXISTS ${OURS} WITH (FORCE)`);
        const line = (op: string, m: Measured, bytes = "", peak = rss(m)) => lines.push([String(rows), schema, op, s(m.ms), bytes, peak]);
        line("pg_dump -Fc", pgDump, mb(pgDump.bytes));
        line("pg_dump piped to zstd -3", zstd, mb(zstd.bytes), "—");
        line("stocktake-backup backup", backup, mb(backup.bytes));
        line("pg_restore (new database)", pgRestore);
        line("stocktake-backup restore latest --target (new database)", restore);
        ratios.push([String(rows), schema,
          `${(backup.ms / pgDump.ms).toFixed(2)}× (≤ 1.0)`,
          `${((backup.bytes ?? 0) / (pgDump.bytes ?? 1)).toFixed(2)}× (≤ 1.1)`,
          `${(restore.ms / pgRestore.ms).toFixed(2)}× (≤ 1.5)`,
          `${Math.round(rows / (restore.ms / 1000))}`,
          `${Math.max(backup.maxRssMb, restore.maxRssMb).toFixed(0)} MB (≤ 200)`,
        ]);
      });
    }
  }
  return [
    formatTable(["rows", "schema", "operation", "time", "size", "peak RSS"], lines),
    "",
    formatTable(["rows", "schema", "backup / pg_dump -Fc, time", "snapshot / -Fc dump, size", "restore / pg_restore, time",
      "restore, rows/s", "largest peak RSS (backup, restore)"], ratios),
  ].join("\n");
}
