/**
 * A table's rows as PostgreSQL's COPY text (`COPY … TO STDOUT` through
 * pg-copy-streams), on the query runner's own connection and so inside its
 * read transaction: what pg_dump reads, with no JavaScript value per field.
 * The columns come in the order given (the snapshot header's), keyed tables
 * in primary-key order as the keyset reader gives them.
 */
import { finished } from "node:stream/promises";
import type { PoolClient } from "pg";
import { to as copyTo } from "pg-copy-streams";
import type { QueryRunner } from "typeorm";
import { quoteIdent as q } from "../db/sql";
import type { TableSchema } from "../db/types";

/** `keyed`: the table has a declared primary key (`table.primaryKey` otherwise names every column, which may have no order). */
export function copyOutSql(table: TableSchema, keyed: boolean): string {
  const columns = table.columns.map((c) => q(c.name)).join(", ");
  if (!keyed) return `COPY ${q(table.name)} (${columns}) TO STDOUT`;
  return `COPY (SELECT ${columns} FROM ${q(table.name)} ORDER BY ${table.primaryKey.map(q).join(", ")}) TO STDOUT`;
}

/**
 * The COPY text of `table` in chunks as they arrive (a chunk may end inside
 * a row). A consumer that stops early leaves the rest drained, so the
 * connection is out of COPY and its transaction can end.
 */
export async function* copyOut(runner: QueryRunner, table: TableSchema, keyed: boolean): AsyncGenerator<Buffer> {
  const client = (runner as unknown as { databaseConnection?: PoolClient }).databaseConnection;
  if (!client) throw new Error("copyOut: the query runner is not connected");
  const stream = client.query(copyTo(copyOutSql(table, keyed)));
  let ended = false;
  try {
    // Not destroyed on return: a destroyed stream would leave the connection in COPY mode.
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
    ended = true;
  } finally {
    if (!ended && !stream.destroyed) {
      stream.resume();
      await finished(stream).catch(() => undefined);
    }
  }
}
