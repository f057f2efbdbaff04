/**
 * The writer of a target, picked once: a SQLite file is written through
 * better-sqlite3's prepared statements on the load's own connection (a few
 * microseconds a row, no batching needed); PostgreSQL loads a snapshot with
 * COPY (postgresCopyWriter.ts, ten times the rate of multi-row INSERTs);
 * replayed changes go through TypeORM's QueryRunner, batched a table at a
 * time (a round trip a row would bound a replay to a few thousand rows a
 * second).
 */
import type { QueryRunner } from "typeorm";
import type { Engine } from "../db/types";
import { betterSqliteOf, BetterSqliteWriter } from "./betterSqliteWriter";
import { PostgresCopyWriter } from "./postgresCopyWriter";
import { ReplayWriter } from "./replayWriter";
import type { RowSink } from "./rowSink";

export function rowSinkFor(runner: QueryRunner, engine: Engine): RowSink {
  if (engine === "postgres") return new PostgresCopyWriter(runner);
  const db = betterSqliteOf(runner);
  return db ? new BetterSqliteWriter(db) : new ReplayWriter(runner, engine);
}
