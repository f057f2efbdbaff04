/**
 * A restore into a new SQLite file loads and replays with better-sqlite3
 * statements (src/restore/betterSqliteWriter.ts); into an existing empty file
 * it still goes through TypeORM's sqlite driver (rowWriter, ReplayWriter).
 * Both must give exactly the live database's rows, every awkward value
 * included, after a journal holding every op: inserts, updates (bulk ones,
 * ones that change nothing, ones that change a primary key, key swaps that
 * pass through a taken value), and deletes.
 */
import { expect } from "chai";
import fc from "fast-check";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { attachChangelog, Changelog } from "../src";
import { restore } from "../src/restore";
import { tempDir } from "./support/databases";
import { EXTREME_ORDERS, fillShop, ids, openShop, orderSpec, ShopDb, updateOrder, writeLine, writeOrder } from "./support/shop";
import { dumpDatabase, dumpUrl, openUrl } from "./support/restoreSupport";
import type { DataSource } from "typeorm";
import type { DatabaseSchema } from "../src/db/types";

/** The storage class of every value, which the canonical dump does not show (2.0 REAL and 2 INTEGER both read as 2). */
async function storageClasses(ds: DataSource, schema: DatabaseSchema): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of schema.tables) {
    out[t.name] = await ds.query(`SELECT ${t.columns.map((c) => `typeof("${c.name}") AS "${c.name}"`).join(", ")} FROM "${t.name}" ORDER BY ${t.primaryKey.map((k) => `"${k}"`).join(", ")}`);
  }
  return out;
}

async function storageClassesAt(file: string, schema: DatabaseSchema): Promise<Record<string, unknown[]>> {
  const ds = await openUrl(file);
  try {
    return await storageClasses(ds, schema);
  } finally {
    await ds.destroy();
  }
}

/** Every op, on awkward values, by plain SQL through the capture triggers. */
async function workload(shop: ShopDb): Promise<void> {
  const specs = fc.sample(orderSpec(), { numRuns: 60, seed: 7 });
  const q = (sql: string, params: unknown[] = []) => shop.ds.query(sql, params);
  for (const spec of specs.slice(0, 20)) await writeOrder(shop, spec, null);
  const orders = await ids(shop, "order");
  for (const [i, id] of orders.slice(0, 20).entries()) await updateOrder(shop, id, specs[20 + i], (i % 3) + 1);
  for (const id of orders.slice(0, 5)) for (let n = 5; n <= 7; n++) await writeLine(shop, id, n, n * 11);
  // Bulk statements: many rows in one transaction.
  await q(`UPDATE "order" SET "note" = 'bulk ' || "id" WHERE "id" % 2 = 0`);
  await q(`UPDATE "order_line" SET "qty" = "qty" + 1`);
  // An update that changes nothing.
  await q(`UPDATE "order" SET "note" = "note" WHERE "id" = ?`, [orders[1]]);
  // Primary keys changed: a renumbered order without lines, a moved line, two orders swapping ids through a free one.
  const withoutLines: { id: number }[] = await q(`SELECT "id" FROM "order" WHERE "id" NOT IN (SELECT "orderId" FROM "order_line") ORDER BY "id"`);
  await q(`UPDATE "order" SET "id" = 1000 WHERE "id" = ?`, [withoutLines[0].id]);
  await q(`UPDATE "order_line" SET "lineNo" = 9 WHERE "orderId" = ? AND "lineNo" = 5`, [orders[0]]);
  const [a, b] = [withoutLines[1].id, withoutLines[2].id];
  await shop.ds.transaction(async (m) => {
    await m.query(`UPDATE "order" SET "id" = 2000 WHERE "id" = ?`, [a]);
    await m.query(`UPDATE "order" SET "id" = ? WHERE "id" = ?`, [a, b]);
    await m.query(`UPDATE "order" SET "id" = ? WHERE "id" = 2000`, [b]);
  });
  await q(`UPDATE "user" SET "managerId" = NULL WHERE "id" = 2`);
  // A BLOB column has no affinity: it keeps an integer as INTEGER, 2.0 as REAL, -0.0 and text as they are.
  await q(`UPDATE "order" SET "data" = 42 WHERE "id" = ?`, [orders[3]]);
  await q(`UPDATE "order" SET "data" = 2.0 WHERE "id" = ?`, [orders[4]]);
  await q(`UPDATE "order" SET "data" = 9007199254740993 WHERE "id" = ?`, [orders[5]]);
  await q(`UPDATE "order" SET "data" = 'text' WHERE "id" = ?`, [orders[6]]);
  // Deletes, then inserts that reuse a deleted key.
  await q(`DELETE FROM "order_line" WHERE "lineNo" = 6`);
  await q(`DELETE FROM "order" WHERE "id" = ?`, [withoutLines[3].id]);
  await q(`INSERT INTO "order" SELECT ?, "price", "big", "weight", "flag", "at", "stamped", "doc", "data", "ref", "note", "userId" FROM "order" WHERE "id" = ?`,
    [withoutLines[3].id, orders[2]]);
  for (const spec of [...EXTREME_ORDERS, ...specs.slice(40)]) await writeOrder(shop, spec, 3);
  await q(`DELETE FROM "order" WHERE "id" IN (SELECT "id" FROM "order" ORDER BY "id" DESC LIMIT 3)`);
}

describe("restore: the fast SQLite path (sqlite)", function () {
  this.timeout(300000);

  it("gives exactly the rows of the TypeORM path and of the live database, for every op and awkward value", async () => {
    const shop = await openShop("sqlite");
    const store = tempDir();
    const targets = tempDir();
    let changelog: Changelog | null = null;
    try {
      changelog = await attachChangelog(shop.ds, { dir: store, groupWindowMs: 2 });
      await fillShop(shop, EXTREME_ORDERS);
      await changelog.snapshot({ kind: "manual" });
      await workload(shop);
      await changelog.flush();
      const live = await dumpDatabase(shop.ds, shop.schema);

      const fast = path.join(targets, "fast.db");
      const viaOrm = path.join(targets, "orm.db");
      // An existing empty file is restored into through TypeORM's sqlite driver.
      await fs.writeFile(viaOrm, "");
      const r1 = await restore({ store, latest: true, target: fast });
      const r2 = await restore({ store, latest: true, target: viaOrm });
      expect([r1.mode, r2.mode]).to.deep.equal(["new", "existing"]);
      expect(r1.success && r2.success).to.equal(true);
      expect(r1.framesReplayed).to.be.greaterThan(50);
      expect(r1.rowsPerTable).to.deep.equal(r2.rowsPerTable);
      const dumpFast = await dumpUrl(fast, shop.schema);
      expect(dumpFast).to.deep.equal(await dumpUrl(viaOrm, shop.schema));
      expect(dumpFast).to.deep.equal(live);
      // Not the live database's: a canonical 2 cannot say it was a REAL 2.0 in the BLOB column, so both paths write INTEGER.
      expect(await storageClassesAt(fast, shop.schema)).to.deep.equal(await storageClassesAt(viaOrm, shop.schema));
    } finally {
      await changelog?.close();
      await shop.close();
      await fs.rm(store, { recursive: true, force: true });
      await fs.rm(targets, { recursive: true, force: true });
    }
  });
});
