import "reflect-metadata";
import { benchCapture } from "./capture";
import { benchCompaction } from "./compaction";
import { benchExport } from "./export";
import { benchFleet } from "./fleet";
import { benchIntegrity } from "./integrity";
import { benchPostgres } from "./postgres";
import { benchPostgresReplay } from "./postgresReplay";
import { benchScheduledSnapshot } from "./schedule";
import { benchSnapshotRestore } from "./snapshotRestore";
import { BenchDir, benchScales } from "./support";

/**
 * npm run bench: every number is a ratio against a baseline run in the same
 * process (plugin off vs on), never an absolute timing to assert on.
 * BENCH_STEPS, BENCH_ROUNDS, BENCH_SCALES and BENCH_JOURNAL_CHANGES scale it;
 * BENCH_ONLY=capture, snapshot, schedule, integrity, compaction, export,
 * postgres or fleet runs one section; BENCH_PG_SCALES the postgres section's scales.
 */
async function main(): Promise<void> {
  const work = new BenchDir();
  const only = process.env.BENCH_ONLY;
  const runs = (section: string) => only === undefined || only === "" || only === section;
  try {
    if (runs("capture")) await capture(work);
    if (runs("snapshot")) await snapshotRestore(work);
    if (runs("schedule")) {
      const rows = Number(process.env.BENCH_SCHEDULE_ROWS ?? 300_000);
      process.stderr.write(`the app's writes during its scheduled snapshots, ${rows} rows…\n`);
      console.log("\n## The app's writes during a scheduled snapshot (SQLite)\n");
      console.log(await benchScheduledSnapshot(work, rows, Number(process.env.BENCH_ROUNDS ?? 5)));
    }
    if (runs("integrity")) {
      process.stderr.write(`validate data and audit at ${benchScales().join(" and ")} rows…\n`);
      console.log("\n## Integrity: validate data and audit\n");
      console.log(await benchIntegrity(work, benchScales()));
    }
    if (runs("compaction")) {
      process.stderr.write(`journal compaction at ${benchScales().join(" and ")} rows…\n`);
      console.log("\n## Journal compaction (SQLite)\n");
      console.log(await benchCompaction(work, benchScales()));
    }
    if (runs("postgres")) {
      // The scales: 1M and 10M rows (BENCH_PG_SCALES=1000000 for a shorter run).
      const scales = (process.env.BENCH_PG_SCALES ?? "1000000,10000000").split(",").map(Number);
      process.stderr.write(`PostgreSQL against pg_dump and pg_restore at ${scales.join(" and ")} rows…\n`);
      console.log("\n## PostgreSQL: backup and restore against pg_dump and pg_restore\n");
      console.log(await benchPostgres(work, scales));
      process.stderr.write("journal replay into PostgreSQL…\n");
      console.log("\n## PostgreSQL: journal replay\n");
      console.log(await benchPostgresReplay(work, Number(process.env.BENCH_PG_REPLAY_ROWS ?? 100_000)));
    }
    if (runs("fleet")) {
      const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
      process.stderr.write(`several app processes on one PostgreSQL database, ${rounds} alternating rounds…\n`);
      console.log("\n## Several app processes on one PostgreSQL database (one ships, the others stand by)\n");
      console.log(await benchFleet(work, { instances: [1, 4], rounds, seconds: Number(process.env.BENCH_FLEET_SECONDS ?? 5) }));
    }
    if (runs("export")) {
      process.stderr.write(`export-sql at ${benchScales().join(" and ")} rows…\n`);
      console.log("\n## export-sql against sqlite3 .dump and pg_dump\n");
      console.log(await benchExport(work, benchScales()));
    }
  } finally {
    work.remove();
  }
}

async function capture(work: BenchDir): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 400);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  process.stderr.write(`capture: ${rounds} alternating rounds of ${steps} workload steps per engine…\n`);
  console.log("## Capture overhead and journal append rate\n");
  console.log(await benchCapture(work, { scale: 2, steps, rounds }));
}

async function snapshotRestore(work: BenchDir): Promise<void> {
  const scales = benchScales();
  process.stderr.write(`snapshot and restore at ${scales.join(" and ")} rows…\n`);
  console.log("\n## Snapshot and restore (SQLite)\n");
  console.log(await benchSnapshotRestore(work, scales));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
