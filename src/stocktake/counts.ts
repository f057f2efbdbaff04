import { DataSource } from "typeorm";

/** Row count of every table the DataSource maps (junction tables included), by table name. */
export async function countRows(ds: DataSource): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const metadata of [...ds.entityMetadatas].sort((a, b) => a.tableName.localeCompare(b.tableName))) {
    const [row] = await ds.query(`SELECT COUNT(*) AS n FROM ${ds.driver.escape(metadata.tableName)}`);
    counts[metadata.tableName] = Number(row.n);
  }
  return counts;
}
