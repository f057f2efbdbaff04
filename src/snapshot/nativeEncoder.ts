/**
 * The native row encoder: an SQLite extension (native/msgpack_rows.c, built
 * at install by native/build.js) whose aggregates return rows already packed
 * as a snapshot stores them, so the snapshot of a SQLite file needs no
 * JavaScript value per column (sqlitePages.ts). Optional: without it, rows
 * are read as values and packed by msgpackr, to the same bytes.
 */
import type BetterSqlite3 from "better-sqlite3";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where native/build.js puts it, from dist/src/snapshot. */
export const NATIVE_ENCODER = join(__dirname, "..", "..", "..", "native", "build", "msgpack_rows.so");

/**
 * Loads it into `db`: whether stk_msgpack_rows and stk_msgpack_ordered are
 * there (not built, built for another SQLite, or turned off with
 * STOCKTAKE_BACKUP_NATIVE=0: no).
 */
export function loadNativeEncoder(db: BetterSqlite3.Database): boolean {
  if (process.env.STOCKTAKE_BACKUP_NATIVE === "0" || !existsSync(NATIVE_ENCODER)) return false;
  try {
    db.loadExtension(NATIVE_ENCODER);
    return true;
  } catch {
    return false;
  }
}
