import { QueryRunner } from "typeorm";

/**
 * Runs `work` inside the read transaction `begin` opens on `runner`. The
 * transaction is read-only, so a failure has nothing to undo, and a failing
 * ROLLBACK must not hide the cause.
 */
export async function inReadTransaction<T>(runner: QueryRunner, begin: string, work: () => Promise<T>): Promise<T> {
  await runner.query(begin);
  try {
    const result = await work();
    await runner.query("COMMIT");
    return result;
  } catch (error) {
    await runner.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
