/**
 * The figures in the Prometheus text format, for node_exporter's textfile
 * collector: base units (seconds, bytes), no timestamps (the collector
 * refuses them), both a timestamp and an age where one is asked for
 * (alerting tools that cannot subtract), a trailing newline. Written
 * atomically (durable.ts): the collector never reads half a file.
 */
import { promises as fs } from "node:fs";
import { writeFileAtomic } from "../../durable";
import type { HealthFigures } from "./figures";
import { type Check, STATE_RANK, worst } from "./judge";

type Sample = [labels: Record<string, string>, value: number];

const P = "stocktake_backup_";

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function metric(out: string[], name: string, help: string, samples: Sample[]): void {
  if (samples.length === 0) return;
  out.push(`# HELP ${P}${name} ${help}`, `# TYPE ${P}${name} gauge`);
  for (const [labels, value] of samples) {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(",");
    out.push(`${P}${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? value : value > 0 ? "+Inf" : "NaN"}`);
  }
}

const s = (ms: number) => ms / 1000;

export function prometheusText(f: HealthFigures, checks: readonly Check[]): string {
  const out: string[] = [];
  const store = { store: f.store };
  metric(out, "health_status", "worst state of the health checks: 0 ok, 1 warning, 2 critical", [[store, STATE_RANK[worst(checks)]]]);
  metric(out, "check_status", "state of each health check: 0 ok, 1 warning, 2 critical", checks.map((c) => [{ ...store, check: c.name }, STATE_RANK[c.state]]));
  metric(out, "health_checked_timestamp_seconds", "when these figures were gathered", [[store, s(f.checkedAt)]]);
  metric(out, "snapshots", "snapshots in the store, per kind", f.snapshots.kinds.map((k) => [{ ...store, kind: k.kind }, k.count]));
  metric(out, "snapshots_damaged", "snapshot files whose header or trailer cannot be read", [[store, f.snapshots.broken.length]]);
  const newest = f.snapshots.kinds.filter((k) => k.newestAt !== null);
  metric(out, "last_snapshot_timestamp_seconds", "when the newest snapshot of each kind was taken", newest.map((k) => [{ ...store, kind: k.kind }, s(k.newestAt!)]));
  metric(out, "last_snapshot_age_seconds", "age of the newest snapshot of each kind", newest.map((k) => [{ ...store, kind: k.kind }, s(f.checkedAt - k.newestAt!)]));
  metric(out, "snapshot_missed_periods", "scheduled times since the newest snapshot of the kind, past the grace",
    f.snapshots.kinds.filter((k) => k.missed !== null).map((k) => [{ ...store, kind: k.kind }, k.missed!]));
  if (f.journal) {
    metric(out, "journal_last_seq", "sequence number of the last transaction in the journal", [[store, f.journal.lastSeq]]);
    metric(out, "journal_last_shipped_timestamp_seconds", "commit time of the last transaction in the journal", [[store, s(f.journal.lastAt)]]);
    metric(out, "journal_bytes", "bytes of the journal's segments", [[store, f.journal.bytes]]);
    metric(out, "journal_damage", "missing or damaged parts of the journal", [[store, f.journal.problems.length]]);
  }
  if (f.lag.checked) {
    metric(out, "journal_lag_transactions", "committed transactions waiting in the database's outbox for the journal", [[store, f.lag.waiting]]);
    metric(out, "journal_lag_seconds", "age of the oldest transaction waiting for the journal (0 when none waits)",
      [[store, f.lag.oldestWaitingAt === null ? 0 : s(f.checkedAt - f.lag.oldestWaitingAt)]]);
  }
  metric(out, "store_writable", "1 when the store can be written", [[store, f.writable.writable ? 1 : 0]]);
  metric(out, "store_loose_files", "files and folders of the store other users may read or write", [[store, f.modes.count]]);
  if (!("error" in f.disk)) {
    metric(out, "disk_free_bytes", "bytes free on the store's disk", [[store, f.disk.freeBytes]]);
    metric(out, "disk_size_bytes", "size of the store's disk", [[store, f.disk.sizeBytes]]);
    if (f.disk.growthBytesPerDay !== null) {
      metric(out, "growth_bytes_per_day", "what the store grew by per day over the last week", [[store, f.disk.growthBytesPerDay]]);
      metric(out, "disk_days_left", "days of that growth the free space leaves", [[store, f.disk.daysLeft!]]);
    }
  }
  if (f.integrity !== null) {
    metric(out, "integrity_report_timestamp_seconds", "time of the newest integrity report", [[store, s(f.integrity.at)]]);
    if (f.integrity.issues !== null) metric(out, "integrity_issues", "issues in the newest integrity report", [[store, f.integrity.issues]]);
    if (f.integrity.warnings !== null) metric(out, "integrity_warnings", "warnings in the newest integrity report", [[store, f.integrity.warnings]]);
  }
  return out.join("\n") + "\n";
}

export async function writePrometheusFile(file: string, f: HealthFigures, checks: readonly Check[]): Promise<void> {
  await writeFileAtomic(file, prometheusText(f, checks));
  // The collector runs as a user of its own; figures are no secret (durable.ts makes files private).
  await fs.chmod(file, 0o644);
}
