/**
 * The old API's integrity check keeps its contract: `issues` and `warnings`
 * are counts, so the seed README's `if (integrity.issues > 0)` works;
 * `status` is healthy, critical or error; it never throws.
 */
import { expect } from "chai";
import { DataIntegrityValidator } from "../src";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { stocktakeRules } from "../src/stocktake/rules";
import { seedStocktake } from "../src/stocktake/workload";
import { ENGINES } from "./support/databases";
import { createScratchDatabase } from "./support/scratchDatabase";

for (const engine of ENGINES) {
  describe(`DataIntegrityValidator, the old API (${engine})`, function () {
    this.timeout(120000);

    it("ACleanDatabaseIsHealthyAndANegativeQuantityMakesItCritical", async () => {
      const db = await createScratchDatabase(engine);
      const ds = await openStocktakeDataSource(db.url);
      try {
        await seedStocktake(ds, { scale: 1, seed: 5 });
        const validator = new DataIntegrityValidator({ dataSource: ds, rules: stocktakeRules });
        const clean = await validator.validateDatabaseIntegrity();
        expect(clean.status).to.equal("healthy");
        expect(clean.issues).to.equal(0);
        expect(clean.findings).to.deep.equal([]);

        const [{ id }] = (await ds.query(`SELECT min("id") AS id FROM "storeInventory"`)) as { id: number }[];
        await ds.query(`UPDATE "storeInventory" SET "quantity" = -3 WHERE "id" = ${Number(id)}`);
        const broken = await validator.validateDatabaseIntegrity();
        expect(broken.status).to.equal("critical");
        expect(broken.issues).to.be.greaterThan(0);
        expect(broken.findings.map((f) => [f.rule, f.table, f.key])).to.deep.include(["negative-quantity", "storeInventory", { id: Number(id) }]);
        expect(ds.isInitialized, "the app's DataSource is left open").to.equal(true);
      } finally {
        await ds.destroy();
        await db.dispose();
      }
    });
  });
}

describe("DataIntegrityValidator, when the check cannot run", () => {
  it("ReportsStatusErrorInsteadOfThrowing", async () => {
    const result = await new DataIntegrityValidator({ db: "postgres://postgres@127.0.0.1:1/none", rules: stocktakeRules }).validateDatabaseIntegrity();
    expect(result.status).to.equal("error");
    expect(result.issues).to.equal(0);
    expect("error" in result && result.error).to.be.a("string").and.not.equal("");
  });
});
