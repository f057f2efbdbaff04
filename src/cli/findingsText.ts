/** How commands print a validation's findings for a person, and its JSON for machines (values exactly, instants as ISO 8601). */
import type { ValidationResult } from "../integrity/result";
import type { Finding } from "../integrity/types";
import { jsonText } from "../db/jsonText";
import { redactKey, type Secrets } from "../secrets";

/** At most this many findings in the text; --json and the report hold all that were kept. */
const SHOWN = 50;

export function findingLine(f: Finding): string {
  return `  ${f.severity.padEnd(7)} ${f.rule.padEnd(20)} ${f.message}`;
}

export function validationText(r: ValidationResult, what: string): string {
  const lines = [
    r.status === "healthy" && r.findingsTotal === 0
      ? `ok: ${what}: no findings (${r.rows.toLocaleString("en-US")} rows in ${r.tables} tables, seq ${r.seq})`
      : `${r.status === "critical" ? "CRITICAL" : "WARNINGS"}: ${what}: ${r.issues} issue(s), ${r.warnings} warning(s) (${r.rows.toLocaleString("en-US")} rows in ${r.tables} tables, seq ${r.seq})`,
  ];
  for (const f of r.findings.slice(0, SHOWN)) lines.push(findingLine(f));
  if (r.findingsTotal > SHOWN) lines.push(`  … and ${r.findingsTotal - SHOWN} more (--json or validate report for all)`);
  if (r.findingsTotal > 0) {
    lines.push("  by rule:");
    for (const [rule, n] of Object.entries(r.counts.byRule)) lines.push(`    ${rule.padEnd(20)} ${n}`);
  }
  lines.push(`  rules     ${r.rules.join(", ")}`);
  lines.push(`  time      ${(r.ms / 1000).toFixed(2)} s`);
  return lines.join("\n") + "\n";
}

/** A finding for --json: `at` as an ISO 8601 instant. */
export function findingJson(f: Finding): Record<string, unknown> {
  return { ...f, ...(f.at !== undefined ? { at: new Date(f.at).toISOString() } : {}) };
}

/**
 * The result with its findings' keys as output shows them: secret columns
 * redacted (their messages were worded so by the rules, given the same
 * Secrets).
 */
export function shownResult<R extends ValidationResult>(r: R, secrets: Secrets): R {
  return { ...r, findings: r.findings.map((f) => redactKey(secrets, f)) };
}

export function validationJson(r: ValidationResult): string {
  return jsonText({ ...r, findings: r.findings.map(findingJson), ms: Math.round(r.ms) });
}

/** Exit status of a validation: 1 when anything but info was found. */
export function validationStatus(r: ValidationResult): number {
  return r.issues + r.warnings > 0 ? 1 : 0;
}
