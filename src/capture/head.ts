/**
 * The head: the one-row table whose seq is the last committed transaction,
 * as capture numbers them. A read of the database that must say which
 * transaction it shows (a snapshot) reads it in the same transaction as the
 * rows. A database the changelog was never attached to has no head: its
 * state is at seq 0.
 */
import { hasCapture, type Queryable, rowsOf } from "../db/catalog";
import type { Engine } from "../db/types";

export interface Head {
  seq: number;
  /** Commit time of seq, ms since the epoch; 0 before the first. */
  at: number;
}

export const HEAD_SQL: Record<Engine, string> = {
  sqlite: "SELECT seq, at FROM _changelog_head",
  postgres: "SELECT seq, floor(extract(epoch FROM at) * 1000)::float8 AS at FROM _changelog_head",
};

/** The head, on a connection (inside the caller's transaction, if any). */
export async function readHead(db: Queryable, engine: Engine): Promise<Head> {
  if (!(await hasCapture(db, engine))) return { seq: 0, at: 0 };
  const [row] = await rowsOf<{ seq: number | string; at: number }>(db, HEAD_SQL[engine]);
  return { seq: Number(row?.seq ?? 0), at: Number(row?.at ?? 0) };
}

/** The same for a synchronous SQLite connection (better-sqlite3, in the snapshot's reader process). */
export function readHeadSync(db: { prepare(sql: string): { get(): unknown } }): Head {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_changelog_head'").get() === undefined) return { seq: 0, at: 0 };
  const row = db.prepare(HEAD_SQL.sqlite).get() as { seq: number; at: number } | undefined;
  return { seq: Number(row?.seq ?? 0), at: Number(row?.at ?? 0) };
}
