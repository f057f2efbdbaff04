import { DataSource } from "typeorm";

/** Tables with only a generated key, nothing unique: they can be doubled with INSERT … SELECT. */
const GROWABLE = ["orderItem", "stocktakeItem", "deliveryItem", "productionIngredient"];

async function count(ds: DataSource, table: string): Promise<number> {
  const [{ n }] = await ds.query(`SELECT count(*) AS n FROM ${ds.driver.escape(table)}`);
  return Number(n);
}

/** Parent table, its stored total, line table, the line's parent column and value: kept equal by the app. */
const TOTALS = [
  { parent: "order", total: "total", lines: "orderItem", parentColumn: "orderId", value: "lineTotal" },
  { parent: "stocktake", total: "totalValue", lines: "stocktakeItem", parentColumn: "stocktakeId", value: "lineValue" },
];

/**
 * Grows a seeded Stocktake database to about `total` rows by copying rows of
 * its line tables (fresh ids, same foreign keys), in SQL, so a bench at a
 * million rows does not wait for the ORM to insert them one by one. The
 * copied lines join their parents, so each parent's total is summed again:
 * the database stays one the app could have written (without it every order
 * and stocktake broke the integrity rules, and validate data measured a
 * database where every total is wrong).
 */
export async function growTo(ds: DataSource, total: number): Promise<number> {
  const tables = ds.entityMetadatas.map((m) => m.tableName);
  let rows = 0;
  for (const t of tables) rows += await count(ds, t);
  const columns = new Map(ds.entityMetadatas.filter((m) => GROWABLE.includes(m.tableName))
    .map((m) => [m.tableName, m.columns.filter((c) => !c.isGenerated).map((c) => ds.driver.escape(c.databaseName)).join(", ")]));
  while (rows < total) {
    for (const table of GROWABLE) {
      const have = await count(ds, table);
      const add = Math.min(have, Math.ceil((total - rows) / GROWABLE.length));
      if (add <= 0) continue;
      const cols = columns.get(table) as string;
      await ds.query(`INSERT INTO ${ds.driver.escape(table)} (${cols}) SELECT ${cols} FROM ${ds.driver.escape(table)} ORDER BY id LIMIT ${add}`);
      rows += add;
    }
  }
  for (const t of TOTALS) {
    const [parent, lines] = [ds.driver.escape(t.parent), ds.driver.escape(t.lines)];
    await ds.query(`UPDATE ${parent} SET ${ds.driver.escape(t.total)} = (SELECT round(coalesce(sum(${ds.driver.escape(t.value)}), 0), 2) FROM ${lines}` +
      ` WHERE ${lines}.${ds.driver.escape(t.parentColumn)} = ${parent}.${ds.driver.escape("id")})`);
  }
  return rows;
}
