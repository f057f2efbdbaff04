import { QueryRunner } from "typeorm";
import { decodePgValue } from "../db/pgValue";
import { BackupError } from "../errors";
import { Row } from "../db/types";
import { describeRow } from "./messages";
import { quoteIdent as q } from "../db/sql";
import { Engine } from "../db/types";

/**
 * Foreign keys during a load, and their verification after it.
 *
 * A load writes tables in any order (snapshot order, or journal order, where
 * a self-referencing table or a cycle has no valid order at all), so the
 * checks are off while it runs and every key is verified before the commit.
 * The referential ACTIONS must be off too, not merely deferred: the journal
 * already holds every row a database cascade changed, so a replayed parent
 * delete that cascaded again would leave the captured child deletes nothing
 * to delete. Hence:
 * - SQLite: `PRAGMA foreign_keys = OFF`, which stops checks and actions but is
 *   a no-op inside a transaction, so it is set before BEGIN and verified.
 *   (`defer_foreign_keys` would keep ON DELETE CASCADE running.)
 * - PostgreSQL: `SET LOCAL session_replication_role = replica`, for the load
 *   transaction only. It disables the RI triggers (checks and actions) and
 *   also ordinary triggers, which is wanted: the app's triggers would repeat
 *   effects the journal already holds. Loading in dependency order instead
 *   fails on cycles and self-references and keeps the cascades. It needs a
 *   superuser (or, from PostgreSQL 15, GRANT SET ON PARAMETER).
 * SQLite has no switch for ordinary triggers: a target with triggers of its
 * own replays their effects twice (capture triggers included).
 */
export interface ForeignKeyViolation {
  /** The referencing (child) table. */
  table: string;
  /** The constraint's name; null on SQLite, whose catalog keeps no names. */
  constraint: string | null;
  columns: string[];
  referencedTable: string;
  /** How many child rows reference a row that does not exist. */
  count: number;
  /** Primary key of one such child row (all its key columns; the rowid where SQLite has no declared key). */
  sampleKey: Row;
}

export async function checkForeignKeys(runner: QueryRunner, engine: Engine): Promise<ForeignKeyViolation[]> {
  return engine === "postgres" ? checkPostgres(runner) : checkSqlite(runner);
}

async function checkSqlite(runner: QueryRunner): Promise<ForeignKeyViolation[]> {
  // Grouped inside SQLite: memory stays bounded however many rows are orphans.
  const groups: { tbl: string; parent: string; fkid: number; n: number; sample: number | null }[] = await runner.query(
    `SELECT "table" AS tbl, parent, fkid, count(*) AS n, min(rowid) AS sample
     FROM pragma_foreign_key_check() GROUP BY "table", parent, fkid ORDER BY "table", fkid`);
  const violations: ForeignKeyViolation[] = [];
  for (const g of groups) {
    const fk: { from: string }[] = await runner.query(`SELECT "from" FROM pragma_foreign_key_list(?) WHERE id = ? ORDER BY seq`, [g.tbl, g.fkid]);
    const pk: { name: string }[] = await runner.query(`SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, [g.tbl]);
    let sampleKey: Row = { rowid: g.sample };
    if (pk.length && g.sample !== null) {
      const rows: Row[] = await runner.query(`SELECT ${pk.map((c) => q(c.name)).join(", ")} FROM ${q(g.tbl)} WHERE rowid = ?`, [g.sample]);
      sampleKey = rows[0] ?? sampleKey;
    }
    violations.push({ table: g.tbl, constraint: null, columns: fk.map((c) => c.from), referencedTable: g.parent, count: g.n, sampleKey });
  }
  return violations;
}

interface PgForeignKey {
  name: string;
  child: string;
  childSql: string;
  parent: string;
  parentSql: string;
  matchFull: boolean;
  columns: string[];
  refColumns: string[];
  keyColumns: string[];
  keyTypes: string[];
}

async function checkPostgres(runner: QueryRunner): Promise<ForeignKeyViolation[]> {
  const attnames = (rel: string, nums: string) =>
    `array(SELECT a.attname::text FROM unnest(${nums}) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n ORDER BY k.i)`;
  const primaryKey = "(SELECT i.indkey::int2[] FROM pg_index i WHERE i.indrelid = con.conrelid AND i.indisprimary)";
  const keys: PgForeignKey[] = await runner.query(
    `SELECT con.conname::text AS name, cc.relname::text AS child, con.conrelid::regclass::text AS "childSql",
            pc.relname::text AS parent, con.confrelid::regclass::text AS "parentSql", con.confmatchtype = 'f' AS "matchFull",
            ${attnames("con.conrelid", "con.conkey")} AS columns, ${attnames("con.confrelid", "con.confkey")} AS "refColumns",
            ${attnames("con.conrelid", `coalesce(${primaryKey}, con.conkey)`)} AS "keyColumns",
            array(SELECT format_type(a.atttypid, a.atttypmod) FROM unnest(coalesce(${primaryKey}, con.conkey)) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS "keyTypes"
     FROM pg_constraint con JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace n ON n.oid = cc.relnamespace
     JOIN pg_class pc ON pc.oid = con.confrelid
     WHERE con.contype = 'f' AND n.nspname = current_schema() ORDER BY cc.relname, con.conname`);
  const violations: ForeignKeyViolation[] = [];
  for (const fk of keys) {
    const matches = fk.columns.map((c, i) => `p.${q(fk.refColumns[i])} = c.${q(c)}`).join(" AND ");
    const missing = `NOT EXISTS (SELECT 1 FROM ${fk.parentSql} p WHERE ${matches})`;
    // MATCH SIMPLE (the default) ignores a row with any NULL key column; MATCH FULL allows only all-NULL.
    const anyNull = fk.columns.map((c) => `c.${q(c)} IS NULL`).join(" OR ");
    const allNull = fk.columns.map((c) => `c.${q(c)} IS NULL`).join(" AND ");
    const orphan = fk.matchFull ? `NOT (${allNull}) AND (${anyNull} OR ${missing})` : `NOT (${anyNull}) AND ${missing}`;
    const keyList = fk.keyColumns.map((c, i) => `c.${q(c)}::text AS k${i}`).join(", ");
    const rows: Record<string, string | null>[] = await runner.query(
      `SELECT count(*) OVER () AS n, ${keyList} FROM ${fk.childSql} c WHERE ${orphan} LIMIT 1`);
    if (!rows.length) continue;
    const sampleKey: Row = {};
    fk.keyColumns.forEach((name, i) => { sampleKey[name] = decodePgValue(rows[0][`k${i}`], { name, type: fk.keyTypes[i], nullable: true }); });
    violations.push({ table: fk.child, constraint: fk.name, columns: fk.columns, referencedTable: fk.parent, count: Number(rows[0].n), sampleKey });
  }
  return violations;
}

export interface LoadOptions {
  /**
   * Commit even when foreign keys are violated (the violations are returned):
   * for a source whose own data had orphans, which an exact restore reproduces.
   * Default: roll back and throw.
   */
  allowViolations?: boolean;
  /** Do not verify the foreign keys at all (restore --skip-validation); no violations are returned. */
  skipCheck?: boolean;
}

/**
 * Runs `load` in one transaction on `runner` with foreign-key checks and
 * actions off, verifies every foreign key, then commits; on any error, or on
 * a violation unless allowed, rolls back so the target is left as it was.
 */
export async function loadWithForeignKeysOff<T>(runner: QueryRunner, engine: Engine, load: () => Promise<T>,
  options: LoadOptions = {}): Promise<{ result: T; violations: ForeignKeyViolation[] }> {
  if (runner.isTransactionActive) {
    throw new BackupError("INTERNAL", "a load must start outside a transaction: SQLite ignores PRAGMA foreign_keys inside one");
  }
  const restoreSqlite = engine === "sqlite" ? await sqliteForeignKeysOff(runner) : null;
  try {
    await runner.startTransaction();
    try {
      if (engine === "postgres") await replicaRole(runner);
      const result = await load();
      const violations = options.skipCheck ? [] : await checkForeignKeys(runner, engine);
      if (violations.length && !options.allowViolations) {
        const v = violations[0];
        throw new BackupError("SCHEMA_MISMATCH",
          `the loaded rows violate ${violations.length} foreign key(s): "${v.table}"(${v.columns.join(", ")}) → "${v.referencedTable}", ` +
          `${v.count} row(s), e.g. key ${describeRow(v.sampleKey)}`,
          "the backup holds rows whose referenced rows are missing: restore with violations allowed to reproduce them, then repair");
      }
      await runner.commitTransaction();
      return { result, violations };
    } catch (error) {
      // A failed COMMIT on SQLite leaves the transaction open: roll it back too.
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    }
  } finally {
    await restoreSqlite?.();
  }
}

async function sqliteForeignKeysOff(runner: QueryRunner): Promise<() => Promise<void>> {
  const state = async () => ((await runner.query("PRAGMA foreign_keys")) as { foreign_keys: number }[])[0]?.foreign_keys;
  const was = await state();
  await runner.query("PRAGMA foreign_keys = OFF");
  // TypeORM shares one SQLite connection between all runners: another one's open transaction makes the PRAGMA a no-op.
  if ((await state()) !== 0) {
    throw new BackupError("INTERNAL", "could not turn SQLite foreign keys off: a transaction is open on the connection",
      "run the restore on a DataSource no other work is using");
  }
  return async () => { if (was) await runner.query("PRAGMA foreign_keys = ON"); };
}

async function replicaRole(runner: QueryRunner): Promise<void> {
  try {
    await runner.query("SET LOCAL session_replication_role = replica");
  } catch (error) {
    throw new BackupError("BAD_INPUT", `cannot turn foreign keys off for the load: ${(error as Error).message}`,
      "restore as a PostgreSQL superuser, or GRANT SET ON PARAMETER session_replication_role TO the restoring role (PostgreSQL 15+)");
  }
}
