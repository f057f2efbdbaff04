import { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from "typeorm";
import { AfterQueryEvent } from "typeorm/subscriber/event/QueryEvent";
import { isPluginStatement, isWriteStatement } from "./statements";

/** TypeORM keeps the nesting depth protected; savepoints make it > 1. */
function depthOf(runner: QueryRunner): number {
  return (runner as unknown as { transactionDepth: number }).transactionDepth;
}

/**
 * The plugin's face inside the app: TypeORM calls it at every transaction
 * boundary and after every query. The rows themselves are recorded by the
 * database triggers; this subscriber tells the shipper when they are
 * committed. Only the outermost commit ends a transaction; an inner one
 * releases a savepoint.
 */
export class ChangelogSubscriber implements EntitySubscriberInterface {
  constructor(private readonly onCommit: () => void) {}

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (depthOf(event.queryRunner) === 0) this.onCommit();
  }

  /** A write outside any transaction committed on its own (PostgreSQL autocommit). */
  afterQuery(event: AfterQueryEvent<unknown>): void {
    if (!event.success || event.queryRunner.isTransactionActive) return;
    if (isWriteStatement(event.query) && !isPluginStatement(event.query)) this.onCommit();
  }
}
