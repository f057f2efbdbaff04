import { DataSource, QueryRunner } from "typeorm";
import { isPluginStatement, isWriteStatement } from "./statements";

const wrapped = new WeakSet<QueryRunner>();

/**
 * SQLite cannot tell a trigger where a transaction ends, and TypeORM runs
 * QueryBuilder statements, Repository.update/delete and dataSource.query
 * outside any transaction. So on SQLite every such write is run inside a
 * transaction of its own, through TypeORM's own startTransaction and
 * commitTransaction: the subscriber then seals it like any other.
 * The app sees the same result; the statement is as atomic as before.
 */
export function wrapSqliteAutocommitWrites(dataSource: DataSource): void {
  const driver = dataSource.driver as unknown as { createQueryRunner(mode?: string): QueryRunner };
  const create = driver.createQueryRunner.bind(driver);
  const wrap = (runner: QueryRunner): QueryRunner => {
    if (wrapped.has(runner)) return runner;
    wrapped.add(runner);
    const query = runner.query.bind(runner);
    runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
      if (runner.isTransactionActive || !isWriteStatement(sql) || isPluginStatement(sql)) {
        return query(sql, parameters, structured as never);
      }
      await runner.startTransaction();
      try {
        const result = await query(sql, parameters, structured as never);
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        throw error;
      }
    }) as QueryRunner["query"];
    return runner;
  };
  driver.createQueryRunner = (mode?: string) => wrap(create(mode));
  // The sqlite drivers keep one runner for the whole DataSource; wrap it if it exists.
  const existing = (dataSource.driver as unknown as { queryRunner?: QueryRunner }).queryRunner;
  if (existing) wrap(existing);
}
