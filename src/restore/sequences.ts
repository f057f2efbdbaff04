import { QueryRunner } from "typeorm";
import { quoteIdent as q } from "../db/sql";
import { Engine } from "../db/types";

/**
 * A load writes explicit ids, which moves no counter on PostgreSQL (the
 * app's next insert would take id 1 and collide) and may leave SQLite's
 * AUTOINCREMENT counter above the restored rows (an in-place restore). So
 * after a load or replay every counter is set to the largest id present:
 * the restored database continues from the restored data, as the original
 * did at that instant, except that ids of rows deleted before it may be
 * handed out again (neither engine's counter is captured).
 */
export interface SequenceReset {
  table: string;
  column: string;
  /** The value the counter now stands at; null when the table is empty and the counter starts over. */
  value: string | null;
}

export async function resetSequences(runner: QueryRunner, engine: Engine): Promise<SequenceReset[]> {
  return engine === "postgres" ? resetPostgres(runner) : resetSqlite(runner);
}

/**
 * Every serial and identity column of the current schema: pg_get_serial_sequence
 * finds both (an owned sequence or an identity's).
 */
async function resetPostgres(runner: QueryRunner): Promise<SequenceReset[]> {
  const columns: { tbl: string; col: string; seq: string }[] = await runner.query(
    `SELECT c.relname AS tbl, a.attname AS col, s.seq
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     CROSS JOIN LATERAL pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) AS s(seq)
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND s.seq IS NOT NULL
     ORDER BY c.relname, a.attnum`);
  const resets: SequenceReset[] = [];
  for (const { tbl, col, seq } of columns) {
    // An empty table restarts at the sequence's own start value, with is_called false so nextval returns it.
    const rows: { value: string; called: boolean }[] = await runner.query(
      `SELECT setval($1::regclass, coalesce(max(${q(col)}), (SELECT seqstart FROM pg_sequence WHERE seqrelid = $1::regclass)),
                     max(${q(col)}) IS NOT NULL)::text AS value,
              max(${q(col)}) IS NOT NULL AS called
       FROM ${q(tbl)}`, [seq]);
    resets.push({ table: tbl, column: col, value: rows[0]?.called ? rows[0].value : null });
  }
  return resets;
}

/**
 * Only AUTOINCREMENT tables (TypeORM's PrimaryGeneratedColumn on SQLite) keep
 * a counter, in sqlite_sequence; a plain INTEGER PRIMARY KEY takes max + 1 by itself.
 */
async function resetSqlite(runner: QueryRunner): Promise<SequenceReset[]> {
  const tables: { name: string }[] = await runner.query(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%' ORDER BY name");
  const resets: SequenceReset[] = [];
  for (const { name } of tables) {
    const key: { name: string }[] = await runner.query(`SELECT name FROM pragma_table_info(?) WHERE pk = 1`, [name]);
    await runner.query("DELETE FROM sqlite_sequence WHERE name = ?", [name]);
    // max(rowid) stays inside SQLite: a JS number would round ids beyond 2^53.
    await runner.query(`INSERT INTO sqlite_sequence (name, seq) SELECT ?, m FROM (SELECT max(rowid) AS m FROM ${q(name)}) WHERE m IS NOT NULL`, [name]);
    const rows: { value: string | null }[] = await runner.query("SELECT CAST(seq AS TEXT) AS value FROM sqlite_sequence WHERE name = ?", [name]);
    const value = rows[0]?.value ?? null;
    resets.push({ table: name, column: key[0]?.name ?? "rowid", value });
  }
  return resets;
}
