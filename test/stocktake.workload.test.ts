import { ENGINES } from "./support/databases";
import { expect } from "chai";
import { DataSource } from "typeorm";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { countRows } from "../src/stocktake/counts";
import { Role } from "../src/stocktake/entities";
import { dumpTables, TableDump } from "./support/dumpTables";
import { createScratchDatabase, ScratchDatabase, StocktakeEngine } from "./support/scratchDatabase";
import { mutateStocktake, Rng, seedStocktake } from "../src/stocktake/workload";

/** A migrated, empty Stocktake database; closed and dropped by `close`. */
async function freshDatabase(engine: StocktakeEngine): Promise<{ ds: DataSource; close: () => Promise<void> }> {
  const db: ScratchDatabase = await createScratchDatabase(engine);
  const ds = await openStocktakeDataSource(db.url);
  return { ds, close: async () => { await ds.destroy(); await db.dispose(); } };
}

/**
 * Columns the database stamps from its own clock when the workload does not
 * give a value (CreateDate/UpdateDate on update, DeleteDate on soft delete):
 * two runs cannot agree on them, so they are compared as set / not set.
 */
const CLOCK_COLUMNS = new Set(["createdAt", "updatedAt", "deletedAt", "grantedAt", "assignedAt"]);
function withoutClock(dump: TableDump): TableDump {
  const out: TableDump = {};
  for (const [table, rows] of Object.entries(dump)) {
    out[table] = rows.map((row) => Object.fromEntries(
      Object.entries(row).map(([column, value]) => [column, CLOCK_COLUMNS.has(column) ? value !== null : value])));
  }
  return out;
}

describe("stocktake Rng", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const draw = (seed: number) => { const rng = new Rng(seed); return Array.from({ length: 50 }, () => rng.next()); };
    expect(draw(42)).to.deep.equal(draw(42));
    expect(draw(42)).to.not.deep.equal(draw(43));
    for (const value of draw(7)) expect(value).to.be.within(0, 1 - Number.EPSILON);
  });

  it("stays inside its bounds and honours weights", () => {
    const rng = new Rng(1);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) {
      expect(rng.int(3, 5)).to.be.within(3, 5);
      counts[rng.weighted([["a", 1], ["b", 3]] as const)]++;
    }
    expect(counts.b / counts.a).to.be.within(2.5, 3.5);
    expect(rng.sample([1, 2, 3, 4, 5], 3)).to.have.length(3);
    expect(rng.uuid()).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

for (const engine of ENGINES) {
  describe(`stocktake workload on ${engine}`, () => {
    it("seeds a few hundred rows over all 23 tables, the same data for the same seed", async () => {
      const first = await freshDatabase(engine);
      const second = await freshDatabase(engine);
      const other = await freshDatabase(engine);
      try {
        const counts = await seedStocktake(first.ds, { scale: 1, seed: 5 });
        expect(await seedStocktake(second.ds, { scale: 1, seed: 5 })).to.deep.equal(counts);
        await seedStocktake(other.ds, { scale: 1, seed: 6 });
        for (const [table, count] of Object.entries(counts)) expect(count, table).to.be.greaterThan(0);
        const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
        expect(total).to.be.within(200, 900);
        // Every value the seed writes comes from the generator: the dumps are identical, clocks included.
        const dump = await dumpTables(first.ds);
        expect(await dumpTables(second.ds)).to.deep.equal(dump);
        expect(await dumpTables(other.ds)).to.not.deep.equal(dump);
      } finally {
        await first.close();
        await second.close();
        await other.close();
      }
    });

    it("grows linearly with scale", async () => {
      const small = await freshDatabase(engine);
      const large = await freshDatabase(engine);
      try {
        const one = await seedStocktake(small.ds, { scale: 1, seed: 9 });
        const three = await seedStocktake(large.ds, { scale: 3, seed: 9 });
        const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
        expect(sum(three) / sum(one)).to.be.within(2.5, 3.3);
        expect(three.item).to.equal(3 * one.item);
      } finally {
        await small.close();
        await large.close();
      }
    });

    it("a seed that fails half-way leaves nothing behind", async () => {
      const db = await freshDatabase(engine);
      try {
        // Roles are seeded after stores, items, stock, customers and users: this one makes the seed fail there.
        await db.ds.getRepository(Role).insert({ name: "admin", description: null });
        let failure: unknown;
        try {
          await seedStocktake(db.ds, { seed: 1 });
        } catch (error) {
          failure = error;
        }
        expect(String(failure)).to.match(/unique|duplicate/i);
        const counts = await countRows(db.ds);
        expect(Object.entries(counts).filter(([, count]) => count > 0)).to.deep.equal([["role", 1]]);
      } finally {
        await db.close();
      }
    });

    it("mutates through every write path, repeatably, keeping the business rules", async () => {
      const first = await freshDatabase(engine);
      const second = await freshDatabase(engine);
      try {
        await seedStocktake(first.ds, { seed: 3 });
        await seedStocktake(second.ds, { seed: 3 });
        const trail: string[] = [];
        const taken = await mutateStocktake(first.ds, { steps: 400, seed: 11, onStep: (step, path) => { trail.push(`${step}:${path.row}`); } });
        const again = await mutateStocktake(second.ds, { steps: 400, seed: 11 });
        expect(again).to.deep.equal(taken);
        expect(trail).to.have.length(400);
        expect(Object.keys(taken)).to.have.length(43);
        expect(withoutClock(await dumpTables(second.ds))).to.deep.equal(withoutClock(await dumpTables(first.ds)));
        await expectBusinessRules(first.ds);
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
}

describe("stocktake workload across engines", () => {
  it("takes the same paths and ends with the same row counts on SQLite and PostgreSQL", async () => {
    const sqlite = await freshDatabase("sqlite");
    const postgres = await freshDatabase("postgres");
    try {
      const seeded = await seedStocktake(sqlite.ds, { seed: 21 });
      expect(await seedStocktake(postgres.ds, { seed: 21 })).to.deep.equal(seeded);
      const trails: string[][] = [[], []];
      await mutateStocktake(sqlite.ds, { steps: 300, seed: 8, onStep: (step, path) => { trails[0].push(path.name); } });
      await mutateStocktake(postgres.ds, { steps: 300, seed: 8, onStep: (step, path) => { trails[1].push(path.name); } });
      expect(trails[1]).to.deep.equal(trails[0]);
      expect(await countRows(postgres.ds)).to.deep.equal(await countRows(sqlite.ds));
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });
});

/**
 * The rules the Stocktake business lives by, checked with plain SQL. Sums are
 * compared to half a cent: SQLite adds its decimals as floating point.
 */
async function expectBusinessRules(ds: DataSource): Promise<void> {
  const q = (name: string) => ds.driver.escape(name);
  const one = async (sql: string) => Number(Object.values((await ds.query(sql))[0])[0]);
  expect(await one(`SELECT COUNT(*) FROM ${q("storeInventory")} WHERE ${q("quantity")} < 0`), "negative stock").to.equal(0);
  const orderMismatches = await one(
    `SELECT COUNT(*) FROM ${q("order")} o WHERE ABS(o.${q("total")} - (SELECT COALESCE(SUM(l.${q("lineTotal")}), 0) FROM ${q("orderItem")} l WHERE l.${q("orderId")} = o.${q("id")})) > 0.005`);
  expect(orderMismatches, "order total = sum of lines").to.equal(0);
  const countMismatches = await one(
    `SELECT COUNT(*) FROM ${q("stocktake")} s WHERE ABS(s.${q("totalValue")} - (SELECT COALESCE(SUM(l.${q("lineValue")}), 0) FROM ${q("stocktakeItem")} l WHERE l.${q("stocktakeId")} = s.${q("id")})) > 0.005`);
  expect(countMismatches, "stocktake total = sum of lines").to.equal(0);
}
