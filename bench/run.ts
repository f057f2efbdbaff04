import "reflect-metadata";
import { benchCapture } from "./capture";
import { benchSnapshotRestore } from "./snapshotRestore";
import { BenchDir } from "./support";

/**
 * npm run bench: every number is a ratio against a baseline run in the same
 * process (plugin off vs on), never an absolute timing to assert on.
 * BENCH_STEPS, BENCH_ROUNDS and BENCH_SCALES scale it.
 */
async function main(): Promise<void> {
  const work = new BenchDir();
  try {
    const steps = Number(process.env.BENCH_STEPS ?? 400);
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    process.stderr.write(`capture: ${rounds} alternating rounds of ${steps} workload steps per engine…\n`);
    console.log("## Capture overhead and journal append rate\n");
    console.log(await benchCapture(work, { scale: 2, steps, rounds }));
    const scales = (process.env.BENCH_SCALES ?? "100000,1000000").split(",").map(Number);
    process.stderr.write(`snapshot and restore at ${scales.join(" and ")} rows…\n`);
    console.log("\n## Snapshot and restore (SQLite)\n");
    console.log(await benchSnapshotRestore(work, scales));
  } finally {
    work.remove();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
