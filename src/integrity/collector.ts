/**
 * The findings of a scan, gathered in bounded memory: every finding is
 * counted (per rule, table and severity), and the first MAX_KEPT are kept
 * whole for the report; a database where every row is wrong still fits.
 */
import type { Finding, Severity, Verdict } from "./types";

export const MAX_KEPT = 10_000;

export interface FindingCounts {
  bySeverity: Record<Severity, number>;
  byRule: Record<string, number>;
  /** "rule table" → count. */
  byRuleAndTable: Record<string, number>;
}

export class FindingCollector {
  readonly findings: Finding[] = [];
  readonly counts: FindingCounts = { bySeverity: { error: 0, warning: 0, info: 0 }, byRule: {}, byRuleAndTable: {} };
  total = 0;

  constructor(private readonly keep = MAX_KEPT) {}

  /** A verdict of a scan: resolutions cannot happen in one state, and are ignored. */
  add = (v: Verdict): void => {
    if (v.resolved) return;
    const { resolved: _resolved, ...finding } = v;
    this.total++;
    this.counts.bySeverity[finding.severity]++;
    this.counts.byRule[finding.rule] = (this.counts.byRule[finding.rule] ?? 0) + 1;
    const rt = `${finding.rule} ${finding.table ?? "-"}`;
    this.counts.byRuleAndTable[rt] = (this.counts.byRuleAndTable[rt] ?? 0) + 1;
    if (this.findings.length < this.keep) this.findings.push(finding);
  };

  get truncated(): boolean {
    return this.total > this.findings.length;
  }
}
