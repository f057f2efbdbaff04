import type { DataSource } from "typeorm";

/**
 * Runs `sql` on the app's database without capture seeing it, as a hand
 * edit or another tool would: PostgreSQL with triggers silenced for the
 * transaction, SQLite with the changelog's triggers dropped meanwhile. The
 * journal then differs from the database: verify's drift.
 */
export async function outsideCapture(ds: DataSource, sql: string[]): Promise<void> {
  if (ds.options.type === "postgres") {
    const runner = ds.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query("SET LOCAL session_replication_role = replica");
      for (const s of sql) await runner.query(s);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    return;
  }
  const triggers: { name: string; sql: string }[] = await ds.query(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_changelog\\_%' ESCAPE '\\'`);
  for (const t of triggers) await ds.query(`DROP TRIGGER "${t.name}"`);
  for (const s of sql) await ds.query(s);
  for (const t of triggers) await ds.query(t.sql);
}
