/**
 * How far the journal is behind the database: committed transactions that
 * wait in the database's outbox (a stopped or failing shipper), and how old
 * the oldest of them is. Read with SELECTs only (I8): health never installs,
 * seals or ships anything.
 */
import type { DataSource } from "typeorm";
import { engineOf } from "../../db/connect";
import { hasCapture } from "../../db/catalog";
import { ShippingLease } from "../../capture/shippingLease";

export type JournalLag =
  /** shipper: on PostgreSQL, the app process that ships ("host:pid"), or null when none does; undefined where the database cannot tell (SQLite). */
  | { checked: true; waiting: number; oldestWaitingAt: number | null; headSeq: number; shipper?: string | null }
  | { checked: false; reason: string };

export async function journalLag(db: DataSource, lastShippedSeq: number): Promise<JournalLag> {
  const engine = engineOf(db);
  if (!(await hasCapture(db, engine))) {
    return { checked: false, reason: "the changelog was never attached to this database: its changes are not captured" };
  }
  const p = engine === "postgres" ? "$1" : "?";
  // PostgreSQL keeps `at` as timestamptz, SQLite as epoch milliseconds.
  const atMs = engine === "postgres" ? "(extract(epoch FROM min(at)) * 1000)" : "min(at)";
  const rows: { n: number | string; oldest: number | string | null }[] = await db.query(
    `SELECT count(*) AS n, ${atMs} AS oldest FROM _changelog_tx WHERE seq > ${p}`, [lastShippedSeq]);
  const head: { seq: number | string }[] = await db.query("SELECT seq FROM _changelog_head");
  const oldest = rows[0]?.oldest;
  return {
    checked: true,
    waiting: Number(rows[0]?.n ?? 0),
    oldestWaitingAt: oldest === null || oldest === undefined ? null : Math.round(Number(oldest)),
    headSeq: Number(head[0]?.seq ?? 0),
    ...(engine === "postgres" ? { shipper: await ShippingLease.holder((sql, params) => db.query(sql, params)) } : {}),
  };
}
