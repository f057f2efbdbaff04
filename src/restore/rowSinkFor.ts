/**
 * The writer of a target, picked once: a SQLite file is written through
 * better-sqlite3's prepared statements on the load's own connection (a few
 * microseconds a row, no batching needed); any other target through
 * TypeORM's QueryRunner, with changes batched a table at a time (a round
 * trip a row would bound a replay to a few thousand rows a second).
 */
import type { QueryRunner } from "typeorm";
import type { Engine } from "../db/types";
import { betterSqliteOf, BetterSqliteWriter } from "./betterSqliteWriter";
import { ReplayWriter } from "./replayWriter";
import type { RowSink } from "./rowSink";

export function rowSinkFor(runner: QueryRunner, engine: Engine): RowSink {
  const db = engine === "sqlite" ? betterSqliteOf(runner) : null;
  return db ? new BetterSqliteWriter(db) : new ReplayWriter(runner, engine);
}
