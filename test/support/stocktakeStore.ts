/**
 * A small Stocktake database with its store: seeded, the changelog attached,
 * a snapshot, more changes in the journal, then closed, so that each CLI run
 * of a test is the only one at work on it. For the CLI's tests of errors,
 * kills and leftovers.
 */
import { attachChangelog } from "../../src";
import { openStocktakeDataSource } from "../../src/stocktake/datasource";
import { createScratchDatabase, ScratchDatabase, StocktakeEngine } from "./scratchDatabase";
import { mutateStocktake, seedStocktake } from "../../src/stocktake/workload";
import { tempDir } from "./databases";

export interface StocktakeStore {
  db: ScratchDatabase;
  /** The database's URL or SQLite path (--db). */
  url: string;
  /** The store directory (--dir). */
  store: string;
  /** The snapshot's file name in the store. */
  snapshot: string;
  /** The journal's last seq. */
  lastSeq: number;
  dispose(): Promise<void>;
}

export async function stocktakeStore(engine: StocktakeEngine, options: { scale?: number; steps?: number } = {}): Promise<StocktakeStore> {
  const db = await createScratchDatabase(engine);
  const store = tempDir("stk-store-");
  const ds = await openStocktakeDataSource(db.url);
  try {
    await seedStocktake(ds, { scale: options.scale ?? 1, seed: 11 });
    const changelog = await attachChangelog(ds, { dir: store, groupWindowMs: 5 });
    try {
      const snapshot = await changelog.snapshot({ name: "base" });
      await mutateStocktake(ds, { steps: options.steps ?? 10, seed: 12 });
      await changelog.flush();
      const lastSeq = changelog.lastSeq;
      return { db, url: db.url, store, snapshot: snapshot.file, lastSeq, dispose: () => db.dispose() };
    } finally {
      await changelog.close();
    }
  } finally {
    await ds.destroy();
  }
}
