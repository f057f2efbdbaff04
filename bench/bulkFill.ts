import { DataSource } from "typeorm";

/** Tables with only a generated key, nothing unique: they can be doubled with INSERT … SELECT. */
const GROWABLE = ["orderItem", "stocktakeItem", "deliveryItem", "productionIngredient"];

async function count(ds: DataSource, table: string): Promise<number> {
  const [{ n }] = await ds.query(`SELECT count(*) AS n FROM ${ds.driver.escape(table)}`);
  return Number(n);
}

/**
 * Grows a seeded Stocktake database to about `total` rows by copying rows of
 * its line tables (fresh ids, same foreign keys), in SQL, so a bench at a
 * million rows does not wait for the ORM to insert them one by one.
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
  return rows;
}
