/**
 * What a validation says: the old validator's summary (`issues` and
 * `warnings` as counts, `status` healthy or critical; research/old-scripts.md
 * §1.1, so `integrity.issues > 0` keeps working) with the findings
 * themselves, their counts per rule and table, and the state checked (seq
 * and instant).
 */
import type { Engine } from "../db/types";
import type { FindingCollector, FindingCounts } from "./collector";
import type { Rule } from "./rule";
import type { Finding } from "./types";

export interface ValidationResult {
  /** healthy: no error found (warnings never change it); critical: at least one. */
  status: "healthy" | "critical";
  /** Findings of severity error (the old `issues`). */
  issues: number;
  /** Findings of severity warning. */
  warnings: number;
  engine: Engine;
  /** The journal seq of the state checked (0: no capture, or before any transaction). */
  seq: number;
  /** When the state was read, ISO 8601 (a snapshot's: when it was taken). */
  checkedAt: string;
  tables: number;
  rows: number;
  rules: string[];
  findings: Finding[];
  /** All findings, also those beyond the ones kept in `findings`. */
  findingsTotal: number;
  truncated: boolean;
  counts: FindingCounts;
  ms: number;
}

export function validationResult(collector: FindingCollector,
  state: { engine: Engine; seq: number; at: number; tables: number; rows: number; rules: readonly Rule[]; ms: number }): ValidationResult {
  const issues = collector.counts.bySeverity.error;
  return {
    status: issues > 0 ? "critical" : "healthy",
    issues,
    warnings: collector.counts.bySeverity.warning,
    engine: state.engine,
    seq: state.seq,
    checkedAt: new Date(state.at).toISOString(),
    tables: state.tables,
    rows: state.rows,
    rules: state.rules.map((r) => r.name),
    findings: collector.findings,
    findingsTotal: collector.total,
    truncated: collector.truncated,
    counts: collector.counts,
    ms: state.ms,
  };
}
