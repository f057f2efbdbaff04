import { ENGINES } from "./support/databases";
import { expect } from "chai";
import { EntitySubscriberInterface } from "typeorm";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { dumpTables, TableDump } from "./support/dumpTables";
import { createScratchDatabase, ScratchDatabase } from "./support/scratchDatabase";
import { Rng, seedStocktake, writePaths } from "../src/stocktake/workload";

/** Tables each path must change on the seeded database (it may change more: stock and junction rows follow items). */
const MUST_CHANGE: Record<number, string[]> = {
  1: ["item"], 2: ["item"], 3: ["storeInventory"], 4: ["item_supplier"], 5: ["customer"], 6: ["supplier"],
  7: ["item"], 8: ["storeInventory"], 9: ["customer"], 10: ["category"], 11: ["storeInventory"],
  12: ["storeInventory"], 13: ["item"], 14: ["item"], 15: ["item"], 16: ["item"], 17: ["customer"],
  18: ["item"], 19: ["item"], 20: ["customer"], 21: ["item"], 22: ["session"], 23: ["session"], 24: ["order"],
  25: ["item"], 26: ["item"], 27: ["item"], 28: ["item_supplier"], 29: ["item_supplier"],
  30: ["category", "item", "item_supplier", "supplier"], 31: ["category", "item", "item_supplier"],
  32: ["storeInventory"], 33: ["order", "orderItem"], 34: [], 35: [], 36: ["stocktake", "stocktakeItem"], 37: [],
  38: ["item"], 39: ["customer"], 40: ["item"], 41: ["user"], 42: ["session"], 43: ["stocktake"],
};

function changedTables(before: TableDump, after: TableDump): string[] {
  return Object.keys(after).filter((table) => JSON.stringify(before[table]) !== JSON.stringify(after[table])).sort();
}

describe("stocktake writePaths", () => {
  it("has one entry per capture-matrix row, 1 to 43, with distinct names", () => {
    expect(writePaths.map((path) => path.row)).to.deep.equal(Array.from({ length: 43 }, (_, i) => i + 1));
    expect(new Set(writePaths.map((path) => path.name)).size).to.equal(43);
    expect(writePaths.filter((path) => path.rolledBack).map((path) => path.row)).to.deep.equal([34, 35, 37]);
  });
});

for (const engine of ENGINES) {
  describe(`stocktake writePaths, each alone on a freshly seeded ${engine} database`, () => {
    let template: ScratchDatabase;

    before(async () => {
      template = await createScratchDatabase(engine);
      const ds = await openStocktakeDataSource(template.url);
      await seedStocktake(ds, { scale: 1, seed: 2024 });
      await ds.destroy(); // a template must have no open connection
    });
    after(async () => {
      await template?.dispose();
    });

    for (const path of writePaths) {
      const expectation = path.rolledBack ? "leaves the database unchanged" : `changes ${MUST_CHANGE[path.row].join(", ")}`;
      it(`#${path.row} ${path.name}: ${expectation}`, async () => {
        const copy = await createScratchDatabase(engine, template);
        const ds = await openStocktakeDataSource(copy.url);
        // Counts the writes TypeORM reports, to show a rolled-back path did write before rolling back.
        let writes = 0;
        const counter: EntitySubscriberInterface = { afterInsert: () => { writes++; }, afterUpdate: () => { writes++; } };
        ds.subscribers.push(counter);
        try {
          const before = await dumpTables(ds);
          await path.run(ds, new Rng(path.row));
          const changed = changedTables(before, await dumpTables(ds));
          if (path.rolledBack) {
            expect(writes, "writes inside the rolled-back transaction").to.be.greaterThan(0);
            expect(changed).to.deep.equal([]);
          } else {
            expect(changed).to.include.members(MUST_CHANGE[path.row]);
          }
        } finally {
          await ds.destroy();
          await copy.dispose();
        }
      });
    }
  });
}
