/**
 * validate report: a validation written into the store as
 * integrity-report-<ms since the epoch>.json (the old name), with what the
 * old report held (timestamp, the database summary, issues and warnings,
 * recommendations) and what a report needs to be acted on: every finding
 * kept, counts per rule and table, and the state checked (seq, instant).
 * Recommendations follow from the rules that fired, not from words in
 * messages (the old keyword tests never matched).
 */
import * as path from "node:path";
import { writeNewFile } from "../durable";
import { jsonText } from "../db/jsonText";
import type { ValidationResult } from "./result";
import type { Finding } from "./types";

export const REPORT_PREFIX = "integrity-report-";

/** What to do about the findings of a rule, by rule name; rules of the app may add theirs. */
export const RECOMMENDATIONS: Record<string, string> = {
  "foreign-key": "repair or remove the orphaned rows, then keep foreign key checks on (SQLite: PRAGMA foreign_keys = ON)",
  unique: "remove the duplicate rows; the unique constraint is not holding (a bulk import, or checks turned off)",
  "not-null": "fill the NULL values, or migrate the entities and the database to agree on nullability",
  "column-type": "correct the values that do not fit their column's type (SQLite stores whatever it is given)",
  "negative-quantity": "correct the negative quantities; add CHECK (quantity >= 0) constraints",
  "future-date": "correct dates of past events that lie in the future (a clock or time zone error)",
  "duplicate-username": "give duplicate usernames distinct names; a unique index on lower(trim(username)) prevents them",
  "duplicate-item-name": "rename or merge items of one category that share a name",
  "order-total": "recompute order totals from their lines",
  "stocktake-total": "recompute stocktake totals from their lines",
  "line-total": "recompute line totals as quantity × price, rounded to the cent",
};

export interface IntegrityReport {
  timestamp: string;
  database: { status: ValidationResult["status"]; issues: number; warnings: number; seq: number; checkedAt: string; engine: string; rows: number; tables: number };
  issues: Finding[];
  warnings: Finding[];
  info: Finding[];
  findingsTotal: number;
  truncated: boolean;
  counts: ValidationResult["counts"];
  rules: string[];
  recommendations: string[];
}

export function reportOf(result: ValidationResult, now = Date.now()): IntegrityReport {
  const bySeverity = (s: Finding["severity"]) => result.findings.filter((f) => f.severity === s).map(withIsoTime);
  return {
    timestamp: new Date(now).toISOString(),
    database: {
      status: result.status, issues: result.issues, warnings: result.warnings, seq: result.seq, checkedAt: result.checkedAt,
      engine: result.engine, rows: result.rows, tables: result.tables,
    },
    issues: bySeverity("error"),
    warnings: bySeverity("warning"),
    info: bySeverity("info"),
    findingsTotal: result.findingsTotal,
    truncated: result.truncated,
    counts: result.counts,
    rules: result.rules,
    recommendations: Object.keys(result.counts.byRule).flatMap((rule) => (RECOMMENDATIONS[rule] ? [RECOMMENDATIONS[rule]] : [])),
  };
}

function withIsoTime(f: Finding): Finding & { at?: unknown } {
  return f.at === undefined ? f : { ...f, at: new Date(f.at).toISOString() } as unknown as Finding;
}

/** Writes the report into `store`, never over another one; returns its path. */
export async function writeReport(store: string, result: ValidationResult): Promise<{ path: string; report: IntegrityReport }> {
  for (let ms = Date.now(); ; ms++) {
    const file = path.join(store, `${REPORT_PREFIX}${ms}.json`);
    const report = reportOf(result, ms);
    if (await writeNewFile(file, `${JSON.stringify(JSON.parse(jsonText(report)), null, 2)}\n`)) return { path: file, report };
  }
}
