/**
 * The check after every restore that needs no rule engine: each table holds
 * exactly as many rows as the snapshot's trailer and the replayed frames say
 * (loads and inserts add one, deletes take one away). It reads the counts
 * inside the load transaction, so a failure still rolls everything back.
 * Checksums and digests were checked while reading; foreign keys are
 * checked by loadWithForeignKeysOff.
 */
import type { QueryRunner } from "typeorm";
import type { Finding } from "./events";
import { quoteIdent as q } from "../db/sql";

export async function countRowsIn(runner: QueryRunner, tables: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of tables) {
    const rows: { n: number | string }[] = await runner.query(`SELECT count(*) AS n FROM ${q(table)}`);
    counts.set(table, Number(rows[0]?.n ?? 0));
  }
  return counts;
}

export function compareCounts(expected: Map<string, number>, actual: Map<string, number>): Finding[] {
  const findings: Finding[] = [];
  for (const [table, rows] of actual) {
    const want = expected.get(table) ?? 0;
    if (rows !== want) {
      findings.push({ rule: "row-count", severity: "error", table, message: `table "${table}" holds ${rows} rows; the snapshot and journal say ${want}` });
    }
  }
  return findings;
}
