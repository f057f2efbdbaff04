/**
 * The child process of a SQLite file scan (sqliteFileView.ts): one
 * read-only better-sqlite3 connection, one read transaction for the head and
 * every page, pages read as a snapshot reads them (snapshot/sqlitePages.ts)
 * and sent packed as msgpack, one page per request of the parent, so the
 * child never runs ahead of the rules by more than a page.
 */
import type BetterSqlite3 from "better-sqlite3";
import { readHeadSync } from "../capture/head";
import { tableOf } from "../db/types";
import { BackupError } from "../errors";
import { loadNativeEncoder } from "../snapshot/nativeEncoder";
import { PackedRows } from "../snapshot/packedRows";
import { packRows } from "../snapshot/rowPacking";
import { filteredPages, tablePages } from "../snapshot/sqlitePages";
import type { FileViewCommand, FileViewMessage } from "./sqliteFileView";

let db: BetterSqlite3.Database | null = null;
let native = false;
let schema: Extract<FileViewCommand, { type: "open" }>["schema"] | null = null;
/** The page stream the parent reads now: one at a time, as the scan reads tables one after another. */
let cursor: { id: number; pages: AsyncGenerator<PackedRows | unknown[][]> | Generator<unknown[][]> } | null = null;

function send(message: FileViewMessage): void {
  if (process.connected) process.send!(message);
}

function fail(error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  const backup = e instanceof BackupError ? { code: e.code, hint: e.hint } : {};
  send({ type: "error", error: { message: e.message, stack: e.stack, ...backup } });
}

process.on("message", (command: FileViewCommand) => {
  void handle(command).catch(fail);
});
// The parent is gone: nobody reads on, and the read transaction must end.
process.on("disconnect", () => {
  db?.close();
  process.exit(0);
});

async function handle(command: FileViewCommand): Promise<void> {
  switch (command.type) {
    case "open": {
      let Database: typeof BetterSqlite3;
      try {
        Database = require("better-sqlite3");
      } catch (error) {
        return send({ type: "unavailable", reason: String(error) });
      }
      db = new Database(command.file, { readonly: true, fileMustExist: true });
      // Every page is read once: a large page cache would only make this process grow with the database.
      db.pragma("cache_size = -2000");
      native = loadNativeEncoder(db);
      schema = command.schema;
      // In WAL mode the first read fixes what the transaction sees: the head and every page agree.
      db.exec("BEGIN");
      const head = readHeadSync(db);
      return send({ type: "ready", seq: head.seq, at: head.at });
    }
    case "page": {
      if (cursor?.id !== command.cursor) {
        await cursor?.pages.return(undefined);
        const table = tableOf(schema!, command.table);
        const pages = command.where === undefined ? tablePages(db!, table, command.size, native, async () => undefined)
          : filteredPages(db!, table, command.size, command.where);
        cursor = { id: command.cursor, pages };
      }
      const next = await cursor.pages.next();
      if (next.done) return send({ type: "page", cursor: command.cursor, bytes: null, rows: 0 });
      const page = next.value;
      const packed = page instanceof PackedRows ? page : new PackedRows(packRows(page as never), page.length);
      return send({ type: "page", cursor: command.cursor, bytes: packed.bytes, rows: packed.rows });
    }
    case "close":
      db?.close();
      db = null;
      return process.exit(0);
  }
}
