/**
 * Clean data gives no findings: the seeded Stocktake workload, at several
 * seeds and after many write paths, on both engines, checked with every
 * rule the app has. A rule that fires on healthy data (the old validator's
 * "empty notes") fails here.
 */
import { expect } from "chai";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { mutateStocktake, seedStocktake } from "../src/stocktake/workload";
import { scanDatabase } from "../src/integrity/scan";
import { stocktakeRules } from "../src/stocktake/rules";
import { createScratchDatabase, type StocktakeEngine } from "./support/scratchDatabase";

const ENGINES: StocktakeEngine[] = ["sqlite", "postgres"];

for (const engine of ENGINES) {
  describe(`integrity rules on clean Stocktake data (${engine})`, () => {
    for (const seed of [1, 2, 3]) {
      it(`CleanWorkloadSeed${seed}GivesNoFindings`, async () => {
        const db = await createScratchDatabase(engine);
        const ds = await openStocktakeDataSource(db.url);
        try {
          await seedStocktake(ds, { scale: 1, seed });
          await mutateStocktake(ds, { steps: 60, seed: seed + 100 });
          const result = await scanDatabase(ds, { rules: stocktakeRules });
          expect(result.rows, "rows scanned").to.be.greaterThan(100);
          expect(result.tables).to.be.at.least(23);
          expect(result.findings.map((f) => f.message)).to.deep.equal([]);
          expect(result.status).to.equal("healthy");
        } finally {
          await ds.destroy();
          await db.dispose();
        }
      });
    }
  });
}
