/**
 * Where rules keep what they must remember about rows (which parent keys
 * exist, which values a unique column holds, what an order's lines add up
 * to): a private SQLite database on disk (better-sqlite3, filename ""),
 * which SQLite deletes when it is closed. Its page cache is bounded, so a
 * rule over millions of rows holds them on disk, not in a JavaScript Map
 * (I6), and looks them up through indexes. Synchronous, so a rule decides
 * within the event it is given and no event waits in a queue.
 */
import Database, { type Database as Db, type Statement } from "better-sqlite3";

/** Page cache of the spill, in KiB: the most memory it takes, however many rows it holds. */
const CACHE_KIB = 32 * 1024;

export class Spill {
  readonly db: Db;
  private tables = 0;
  private readonly statements = new Map<string, Statement>();

  constructor() {
    this.db = new Database("");
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.pragma("temp_store = FILE");
    // One transaction for the spill's whole life: no commit per write. Nothing here must survive a crash.
    this.db.exec("BEGIN");
  }

  /** A fresh table name for a rule's state (rules never share tables). */
  name(prefix: string): string {
    return `${prefix.replace(/[^a-z0-9_]/gi, "_")}_${++this.tables}`;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** A prepared statement, prepared once. */
  sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
