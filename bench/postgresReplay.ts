import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { snapshotThenWorkload } from "./replay";
import { BenchDir, formatTable, runChild, s, seedDatabase, withPgDatabase } from "./support";

const CHANGES = Number(process.env.BENCH_JOURNAL_CHANGES ?? 100_000);
const TRANSACTION_SIZES = [10, 1000];

/**
 * Journal replay into PostgreSQL (issue 12, item 3): a Stocktake database of
 * `rows` rows, a snapshot, then about CHANGES changed rows committed by the
 * app in transactions of 10 and of 1000 changed rows; the store restored
 * into a new database, the replay timed alone. The baseline, in the same
 * run, is the app's own time to commit those transactions.
 */
export async function benchPostgresReplay(work: BenchDir, rows: number): Promise<string> {
  const lines: string[][] = [];
  for (const size of TRANSACTION_SIZES) {
    await withPgDatabase(`stk_bench_pgreplay_${process.pid}`, async (url) => {
      await seedDatabase(url, rows);
      const store = work.dir(`pg-replay-${size}`);
      const ds = await openStocktakeDataSource(url);
      let workload: { rows: number; ms: number };
      try {
        workload = await snapshotThenWorkload(ds, store, CHANGES, size);
      } finally {
        await ds.destroy();
      }
      await withPgDatabase(`stk_bench_pgreplay_${process.pid}_target`, async (target) => {
        const replayMs = runChild("replay", store, target).replayMs!;
        lines.push([String(rows), String(size), String(workload.rows), s(workload.ms), s(replayMs),
          String(Math.round(workload.rows / (replayMs / 1000))), (workload.ms / replayMs).toFixed(1)]);
      });
    });
  }
  return formatTable(["rows", "changed rows per transaction", "changed rows", "the app committing them (capture on)", "replay into a new database",
    "replay, changed rows/s", "app time / replay time"], lines);
}
