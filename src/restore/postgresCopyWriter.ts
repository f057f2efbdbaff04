/**
 * A snapshot's rows loaded into PostgreSQL with COPY … FROM STDIN
 * (pg-copy-streams), as pg_restore loads them: multi-row INSERTs make the
 * server parse, plan and bind every statement and its 65535 parameters,
 * which bounded a load to ~38k rows a second; COPY streams the rows in its
 * text format (db/copyText.ts) and is about ten times faster.
 *
 * One COPY per table, kept open across the table's batches, on the
 * restore's own connection and so inside its transaction (I4: a COPY that
 * fails aborts that transaction, which the caller rolls back). While a COPY
 * is open the connection can run nothing else, so it is ended before the
 * next table, before any replayed change, and by flush(); abandon() cancels
 * it (CopyFail) when the load fails elsewhere, so the ROLLBACK can run.
 * Replayed changes go through ReplayWriter, as on any other target.
 *
 * One write is in flight at a time and the next waits for it: that is the
 * back-pressure (the socket's), and it keeps pg-copy-streams from touching
 * a connection it has already given up after the server refused a row.
 * A refused row fails as the INSERT path does: TypeORM's QueryFailedError
 * around the driver's error (systemErrors.ts translates it by its
 * SQLSTATE), its message naming the table and the line.
 */
import { once } from "node:events";
import type { PoolClient } from "pg";
import { from as copyFrom, type CopyStreamQuery } from "pg-copy-streams";
import { QueryFailedError, type QueryRunner } from "typeorm";
import { copyField, type ValuePlace } from "../db/copyText";
import { quoteIdent as q } from "../db/sql";
import type { Row, TableSchema } from "../db/types";
import type { RowChange } from "../journal/types";
import { ReplayWriter } from "./replayWriter";
import { valuesOf } from "./rowWriter";
import type { RowSink } from "./rowSink";

interface OpenCopy {
  table: TableSchema;
  sql: string;
  places: ValuePlace[];
  stream: CopyStreamQuery;
  /** What the stream reported; once set, the server has left COPY and the stream must not be touched again. */
  failed: Error | null;
  /** Resolves the wait in progress (a write or the end) when the stream fails. */
  wake: (() => void) | null;
}

export class PostgresCopyWriter implements RowSink {
  private copy: OpenCopy | null = null;
  private readonly replay: ReplayWriter;

  constructor(private readonly runner: QueryRunner) {
    this.replay = new ReplayWriter(runner, "postgres");
  }

  async insert(table: TableSchema, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.copy !== null && this.copy.table.name !== table.name) await this.finish();
    const copy = this.copy ?? (this.copy = this.open(table));
    let text = "";
    for (const row of rows) {
      const values = valuesOf(table, row);
      for (let i = 0; i < values.length; i++) text += (i === 0 ? "" : "\t") + copyField(values[i], copy.places[i]);
      text += "\n";
    }
    await this.write(copy, text);
  }

  /** COPY text of a snapshot's block, passed on unparsed (load.ts checks its columns are the table's, in order). */
  async insertCopyText(table: TableSchema, text: Buffer): Promise<void> {
    if (text.length === 0) return;
    if (this.copy !== null && this.copy.table.name !== table.name) await this.finish();
    await this.write(this.copy ?? (this.copy = this.open(table)), text);
  }

  async apply(table: TableSchema, change: RowChange, seq: number): Promise<void> {
    await this.finish();
    await this.replay.apply(table, change, seq);
  }

  async flush(): Promise<void> {
    await this.finish();
    await this.replay.flush();
  }

  /** Cancels an open COPY (the server answers CopyFail with an error and leaves COPY), so the connection can roll back. */
  async abandon(): Promise<void> {
    const copy = this.copy;
    this.copy = null;
    if (copy === null || copy.failed !== null) return;
    const closed = once(copy.stream, "close").catch(() => undefined);
    copy.stream.destroy();
    await closed;
  }

  private open(table: TableSchema): OpenCopy {
    const client = (this.runner as unknown as { databaseConnection?: PoolClient }).databaseConnection;
    if (!client) throw new Error("PostgresCopyWriter: the query runner is not connected");
    const sql = `COPY ${q(table.name)} (${table.columns.map((c) => q(c.name)).join(", ")}) FROM STDIN`;
    const stream = client.query(copyFrom(sql));
    const copy: OpenCopy = { table, sql, places: table.columns.map((c) => ({ table: table.name, column: c.name })), stream, failed: null, wake: null };
    // Always listened to: an error no one awaits yet is thrown by the next write or by finish().
    stream.on("error", (error: Error) => { copy.failed ??= error; copy.wake?.(); });
    return copy;
  }

  private async write(copy: OpenCopy, text: string | Buffer): Promise<void> {
    if (copy.failed) throw this.refused(copy);
    await new Promise<void>((resolve) => {
      copy.wake = resolve;
      copy.stream.write(text, () => resolve());
    });
    copy.wake = null;
    if (copy.failed) throw this.refused(copy);
  }

  /** Ends the open COPY, if any; the server checks the last rows then. */
  private async finish(): Promise<void> {
    const copy = this.copy;
    if (copy === null) return;
    this.copy = null;
    if (copy.failed) throw this.refused(copy);
    // 'finish' comes after the server's ReadyForQuery: the rows are in and the connection is free.
    await new Promise<void>((resolve) => {
      copy.wake = resolve;
      copy.stream.once("finish", resolve);
      copy.stream.end();
    });
    copy.wake = null;
    if (copy.failed) throw this.refused(copy);
  }

  /** The stream's error as the INSERT path reports a refused row, with the table and line ("COPY t, line 3, column c: …") added. */
  private refused(copy: OpenCopy): Error {
    this.copy = null;
    const error = copy.failed as Error & { where?: string };
    const marked = error as Error & { copyTable?: string };
    if (marked.copyTable === undefined) {
      marked.copyTable = copy.table.name;
      const where = error.where?.split("\n")[0];
      error.message = `${error.message} (loading table "${copy.table.name}"${where ? `; ${where}` : ""})`;
    }
    return new QueryFailedError(copy.sql, [], error);
  }
}
