import { DataSource } from "typeorm";
import { Rng } from "./rng";
import { WritePath, writePaths } from "./writePaths";

export { Rng } from "./rng";
export { seedStocktake, SeedOptions } from "./seed";
export { WritePath, writePaths } from "./writePaths";

/**
 * How often the app takes each write path (by capture-matrix row): orders,
 * counts and stock movements are daily business, clearing all sessions or
 * ending a seasonal range are rare. Every path has a weight, so a long
 * enough run takes all 43.
 */
const WEIGHTS: Record<number, number> = {
  1: 3, 2: 4, 3: 4, 4: 2, 5: 1, 6: 1, 7: 2, 8: 3, 9: 3, 10: 1,
  11: 6, 12: 6, 13: 1, 14: 1, 15: 1, 16: 1, 17: 1, 18: 1, 19: 2, 20: 2,
  21: 2, 22: 0.5, 23: 3, 24: 3, 25: 1, 26: 2, 27: 2, 28: 2, 29: 2, 30: 1,
  31: 1, 32: 2, 33: 8, 34: 2, 35: 2, 36: 6, 37: 1, 38: 1, 39: 2, 40: 1,
  41: 4, 42: 4, 43: 2,
};

export interface MutateOptions {
  steps: number;
  seed?: number;
  /** Called after each step; awaited, so a test can inspect the database between steps. */
  onStep?: (step: number, path: WritePath) => void | Promise<void>;
}

/**
 * Applies `steps` write paths, chosen by weight from a seeded generator, to
 * a seeded Stocktake database. Same seed and same starting data: same paths,
 * same rows, same values (timestamps the database stamps itself aside).
 * Returns how many times each path ran, by name.
 */
export async function mutateStocktake(ds: DataSource, options: MutateOptions): Promise<Record<string, number>> {
  const rng = new Rng(options.seed ?? 1);
  const table = writePaths.map((path) => [path, WEIGHTS[path.row]] as const);
  const taken: Record<string, number> = {};
  for (let step = 0; step < options.steps; step++) {
    const path = rng.weighted(table);
    await path.run(ds, rng);
    taken[path.name] = (taken[path.name] ?? 0) + 1;
    await options.onStep?.(step, path);
  }
  return taken;
}
