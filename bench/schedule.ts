import fs from "fs";
import path from "path";
import { attachChangelog } from "../src/attach";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { seedStocktake } from "../src/stocktake/workload";
import { growTo } from "./bulkFill";
import { BenchDir, formatTable, median } from "./support";

/**
 * The app's writes while its own schedule takes a snapshot
 * (attachChangelog { schedule }): the app's commit rate (one small
 * transaction at a time, as a counting app writes) in the seconds a
 * scheduled snapshot runs, against its rate in the seconds between, in the
 * same process and the same run. A per-second daily with today's daily
 * removed each round makes one due at once.
 */
export async function benchScheduledSnapshot(work: BenchDir, total: number, rounds: number): Promise<string> {
  const file = work.file(`schedule-${total}.db`);
  const dir = work.dir(`schedule-store-${total}`);
  const ds = await openStocktakeDataSource(file);
  try {
    await seedStocktake(ds, { scale: 10, seed: 1 });
    const rows = await growTo(ds, total);
    let done: { ms: number; endedAt: number; file: string } | null = null;
    const changelog = await attachChangelog(ds, {
      dir, schedule: { timeZone: "UTC", daily: "* * * * * *", weekly: "off", monthly: "off", onSnapshot: (_k, t) => { done = { ms: t.ms, endedAt: Date.now(), file: t.file }; } },
    });
    const commits: number[] = [];
    let writing = true;
    // A counter's app: one counted quantity per transaction, on a line of the grown table.
    const [{ n: lines }] = await ds.query(`SELECT max(id) AS n FROM "stocktakeItem"`);
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await ds.transaction((m) => m.query(`UPDATE "stocktakeItem" SET "countedQuantity" = ? WHERE id = ?`, [String(i % 50), 1 + ((i * 7919) % Number(lines))]));
        commits.push(Date.now());
      }
    })();
    const during: number[] = [];
    const between: number[] = [];
    const snapshotMs: number[] = [];
    const rate = (from: number, to: number) => commits.filter((c) => c >= from && c < to).length / ((to - from) / 1000);
    try {
      for (let round = 0; round <= rounds; round++) {
        done = null;
        await until(() => done !== null);
        const taken = done!;
        if (round > 0) { // the first snapshot also met a cold cache: not counted
          during.push(rate(taken.endedAt - taken.ms, taken.endedAt));
          snapshotMs.push(taken.ms);
          // As long again with no snapshot running, starting a little after this one.
          const from = Date.now() + 100;
          await sleep(taken.ms + 200);
          between.push(rate(from, from + taken.ms));
        }
        fs.rmSync(path.join(dir, taken.file)); // due again at the next second
      }
    } finally {
      writing = false;
      await writer;
      await changelog.close();
    }
    const d = median(during);
    const b = median(between);
    return formatTable(["rows", "scheduled snapshot (median)", "app commits/s between snapshots", "app commits/s during a snapshot", "during / between"],
      [[String(rows), `${(median(snapshotMs) / 1000).toFixed(2)} s`, b.toFixed(0), d.toFixed(0), `${(d / b).toFixed(2)}×`]]);
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(done: () => boolean): Promise<void> {
  for (const end = Date.now() + 120_000; !done();) {
    if (Date.now() > end) throw new Error("no scheduled snapshot within 2 minutes");
    await sleep(20);
  }
}
