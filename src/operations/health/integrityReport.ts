/**
 * The newest integrity report in the store (`integrity-report-*.json`, the
 * old validate:report's name), read tolerantly: its time (a field, else the
 * file's mtime) and its counts of issues and warnings, from whichever
 * fields it has (the old `database.issues`, `summary.errors`, arrays).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readRegularTextSync } from "../../regularFile";

export interface IntegrityReportFigures {
  file: string;
  at: number;
  status: string | null;
  issues: number | null;
  warnings: number | null;
  /** Why it could not be read; null when it could. */
  error: string | null;
}

const REPORT = /^integrity-report-.*\.json$/;

function count(...values: unknown[]): number | null {
  for (const v of values) {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (Array.isArray(v)) return v.length;
  }
  return null;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function newestIntegrityReport(dir: string): IntegrityReportFigures | null {
  const reports = fs.readdirSync(dir).filter((f) => REPORT.test(f))
    .map((file) => ({ file, mtime: fs.statSync(path.join(dir, file)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.file.localeCompare(a.file));
  if (reports.length === 0) return null;
  const { file, mtime } = reports[0];
  let json: Record<string, unknown>;
  try {
    json = record(JSON.parse(readRegularTextSync(path.join(dir, file))));
  } catch (e) {
    return { file, at: mtime, status: null, issues: null, warnings: null, error: (e as Error).message };
  }
  const summary = { ...record(json.database), ...record(json.summary) };
  const stamp = [json.timestamp, json.generatedAt, json.createdAt, json.at].find((v) => typeof v === "string" && !Number.isNaN(Date.parse(v)));
  return {
    file,
    at: typeof stamp === "string" ? Date.parse(stamp) : mtime,
    status: typeof (summary.status ?? json.status) === "string" ? String(summary.status ?? json.status) : null,
    issues: count(summary.issues, summary.errors, json.issues, json.errors),
    warnings: count(summary.warnings, json.warnings),
    error: null,
  };
}
