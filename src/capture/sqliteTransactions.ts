import { DataSource, QueryRunner } from "typeorm";
import { isPluginStatement, isWriteStatement } from "./statements";

type Exec = (sql: string) => Promise<void>;

/** Runs several statements in one call of the driver: sqlite3's exec is async, better-sqlite3's is not. */
async function rawExec(runner: QueryRunner): Promise<Exec> {
  const connection = (await runner.connect()) as { exec(sql: string, done?: (error: Error | null) => void): unknown };
  if (runner.connection.options.type === "better-sqlite3") {
    return async (sql) => { connection.exec(sql); };
  }
  return (sql) => new Promise((resolve, reject) => connection.exec(sql, (error) => (error ? reject(error) : resolve())));
}

interface TransactionState { isTransactionActive: boolean; transactionDepth: number }

const wrapped = new WeakSet<QueryRunner>();

/**
 * SQLite cannot tell a trigger where a transaction ends, so the plugin seals
 * each one itself, in the same driver call as its COMMIT (no extra round
 * trip): the sequence number moves on and the commit time is recorded.
 * TypeORM runs QueryBuilder statements, Repository.update/delete and
 * dataSource.query outside any transaction; such a write is run inside a
 * transaction of its own so it is sealed too. While it runs, the runner
 * reports an open transaction, so whatever TypeORM starts meanwhile on the
 * shared connection nests as a savepoint, as it would in any transaction.
 */
export function sealSqliteTransactions(dataSource: DataSource, sealSql: (now: number) => string, onCommit: () => void): void {
  const driver = dataSource.driver as unknown as { createQueryRunner(mode?: string): QueryRunner; queryRunner?: QueryRunner };
  const wrap = (runner: QueryRunner): QueryRunner => {
    if (wrapped.has(runner)) return runner;
    wrapped.add(runner);
    const state = runner as unknown as TransactionState;
    const query = runner.query.bind(runner);
    runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
      if (sql === "COMMIT") {
        // TypeORM's outermost commit (inner ones release savepoints).
        await (await rawExec(runner))(`${sealSql(Date.now())}; COMMIT`);
        return undefined;
      }
      if (state.isTransactionActive || !isWriteStatement(sql) || isPluginStatement(sql)) {
        return query(sql, parameters, structured as never);
      }
      const exec = await rawExec(runner);
      state.isTransactionActive = true;
      state.transactionDepth = 1;
      try {
        await exec("BEGIN");
        let result: unknown;
        try {
          result = await query(sql, parameters, structured as never);
        } catch (error) {
          await exec("ROLLBACK");
          throw error;
        }
        await exec(`${sealSql(Date.now())}; COMMIT`);
        onCommit();
        return result;
      } finally {
        state.isTransactionActive = false;
        state.transactionDepth = 0;
      }
    }) as QueryRunner["query"];
    return runner;
  };
  const create = driver.createQueryRunner.bind(driver);
  driver.createQueryRunner = (mode?: string) => wrap(create(mode));
  // The sqlite drivers keep one runner for the whole DataSource; wrap it if it exists.
  if (driver.queryRunner) wrap(driver.queryRunner);
}
