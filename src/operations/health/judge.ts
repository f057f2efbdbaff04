/**
 * Figures into verdicts: each check ok, warning or critical against the
 * thresholds, and the worst of them the store's state (the exit status of
 * `health`: 0, 1, 2, as a monitoring plugin's). A verdict says what it
 * measured and the threshold it crossed.
 */
import { formatInZone } from "../../instant";
import { formatDuration } from "../../schedule/duration";
import type { HealthFigures, KindFigures } from "./figures";

export type HealthState = "ok" | "warning" | "critical";
export const STATE_RANK: Readonly<Record<HealthState, 0 | 1 | 2>> = { ok: 0, warning: 1, critical: 2 };

export interface Thresholds {
  /** Scheduled periods missed (beyond the grace) that make a kind a warning, and critical. */
  missedWarn: number;
  missedCritical: number;
  /** Age of the newest snapshot of any kind; null: not judged. */
  ageWarnMs: number | null;
  ageCriticalMs: number | null;
  /** Age of the oldest committed transaction still waiting for the journal. */
  lagWarnMs: number;
  lagCriticalMs: number;
  /** Free share of the store's disk (0..1). */
  freeWarn: number;
  freeCritical: number;
  /** Days of the store's growth the free space leaves. */
  daysWarn: number;
  daysCritical: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  missedWarn: 1, missedCritical: 2, ageWarnMs: null, ageCriticalMs: null,
  lagWarnMs: 5 * 60_000, lagCriticalMs: 60 * 60_000,
  freeWarn: 0.10, freeCritical: 0.05, daysWarn: 14, daysCritical: 3,
};

export interface Check { name: string; state: HealthState; message: string }

export function worst(checks: readonly Check[]): HealthState {
  return checks.reduce<HealthState>((w, c) => (STATE_RANK[c.state] > STATE_RANK[w] ? c.state : w), "ok");
}

/** ok, warning or critical as `value` reaches `warn` or `critical` (higher is worse). */
function level(value: number, warn: number | null, critical: number | null): HealthState {
  if (critical !== null && value >= critical) return "critical";
  if (warn !== null && value >= warn) return "warning";
  return "ok";
}

const worse = (a: HealthState, b: HealthState) => (STATE_RANK[a] >= STATE_RANK[b] ? a : b);
const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;

function kindCheck(k: KindFigures, f: HealthFigures, t: Thresholds): Check {
  const at = (ms: number | null) => (ms === null ? "never" : formatInZone(ms, f.timeZone));
  const newest = k.newestFile === null ? "none yet" : `newest ${k.newestFile} (${formatDuration(f.checkedAt - k.newestAt!)} old)`;
  const missed = k.missed ?? 0;
  const state = level(missed, t.missedWarn, t.missedCritical);
  const why = missed === 0 ? `next due ${at(k.nextAt)}` : `${missed}${missed >= t.missedCritical ? "+" : ""} scheduled time(s) missed, the last ${at(k.firedAt)} (warn ${t.missedWarn}, critical ${t.missedCritical})`;
  return { name: k.kind, state, message: `${k.count} ${k.kind} snapshot(s), ${newest}; schedule "${k.pattern}" (${f.timeZone}): ${why}` };
}

export function judge(f: HealthFigures, t: Thresholds): Check[] {
  const checks: Check[] = [];
  const s = f.snapshots;
  const counts = s.kinds.filter((k) => k.count > 0).map((k) => `${k.kind} ${k.count}`).join(", ");
  if (s.total === 0) checks.push({ name: "snapshots", state: "critical", message: `no snapshots in ${f.store}` });
  else {
    const age = f.checkedAt - s.newestAt!;
    const broken = s.broken.length > 0 ? `; ${s.broken.length} damaged: ${s.broken.map((b) => b.file).join(", ")}` : "";
    const state = worse(level(age, t.ageWarnMs, t.ageCriticalMs), s.broken.length > 0 ? "warning" : "ok");
    const limits = t.ageWarnMs !== null || t.ageCriticalMs !== null
      ? ` (warn ${t.ageWarnMs === null ? "-" : formatDuration(t.ageWarnMs)}, critical ${t.ageCriticalMs === null ? "-" : formatDuration(t.ageCriticalMs)})` : "";
    checks.push({ name: "snapshots", state, message: `${s.total} (${counts}); newest ${formatDuration(age)} old${limits}${broken}` });
  }
  for (const k of s.kinds) if (k.pattern !== null) checks.push(kindCheck(k, f, t));

  const j = f.journal;
  const shipped = j === null ? "journal empty" : `last shipped seq ${j.lastSeq} at ${formatInZone(j.lastAt, f.timeZone)}, ${mib(j.bytes)} in ${j.segments} segment(s)`;
  if (f.lag.checked) {
    const age = f.lag.oldestWaitingAt === null ? 0 : f.checkedAt - f.lag.oldestWaitingAt;
    const state = f.lag.waiting === 0 ? "ok" : level(age, t.lagWarnMs, t.lagCriticalMs);
    const waiting = f.lag.waiting === 0 ? "nothing waits in the outbox"
      : `${f.lag.waiting} committed transaction(s) wait in the outbox, the oldest ${formatDuration(age)} (warn ${formatDuration(t.lagWarnMs)}, critical ${formatDuration(t.lagCriticalMs)})`;
    const shipper = f.lag.shipper === undefined ? "" : f.lag.shipper === null ? "; no app process ships now" : `; shipped by ${f.lag.shipper}`;
    checks.push({ name: "journal", state, message: `${shipped}; database head seq ${f.lag.headSeq}${shipper}; ${waiting}` });
  } else checks.push({ name: "journal", state: "warning", message: `${shipped}; lag not known: ${f.lag.reason}` });
  if (j !== null && j.problems.length > 0) checks.push({ name: "journal damage", state: "warning", message: j.problems.join("; ") });

  checks.push(f.writable.writable
    ? { name: "store writable", state: "ok", message: `${f.store} can be written` }
    : { name: "store writable", state: "critical", message: `${f.writable.error}: no snapshot can be taken and changes cannot reach the journal` });

  checks.push(f.modes.count === 0
    ? { name: "file modes", state: "ok", message: "the store's files are its owner's alone" }
    : { name: "file modes", state: "warning", message: `${f.modes.count} file(s) or folder(s) other users may read: ${f.modes.loose.map((l) => `${l.entry} (${l.mode})`).join(", ")}` +
      `${f.modes.count > f.modes.loose.length ? ", …" : ""}; chmod -R go-rwx ${f.store}` });

  const d = f.disk;
  if ("error" in d) checks.push({ name: "disk", state: "warning", message: `free space not known: ${d.error}` });
  else {
    const byFree = level(1 - d.freeRatio, 1 - t.freeWarn, 1 - t.freeCritical);
    const byDays = d.daysLeft === null ? "ok" : level(-d.daysLeft, -t.daysWarn, -t.daysCritical);
    const state = worse(byFree, byDays);
    const days = d.daysLeft === null ? "the store did not grow this week"
      : `growing ${mib(d.growthBytesPerDay!)}/day: ${d.daysLeft.toFixed(1)} days left (warn ${t.daysWarn}, critical ${t.daysCritical})`;
    checks.push({ name: "disk", state, message: `${mib(d.freeBytes)} free of ${mib(d.sizeBytes)} (${pct(d.freeRatio)}; warn ${pct(t.freeWarn)}, critical ${pct(t.freeCritical)}); ${days}` });
  }

  const r = f.integrity;
  if (r === null) checks.push({ name: "integrity", state: "ok", message: "no integrity report in the store" });
  else if (r.error !== null) checks.push({ name: "integrity", state: "warning", message: `${r.file} cannot be read: ${r.error}` });
  else {
    const bad = (r.issues ?? 0) > 0 || /critical|error|fail/i.test(r.status ?? "");
    const found = `${r.issues ?? "?"} issue(s), ${r.warnings ?? "?"} warning(s)${r.status ? `, status ${r.status}` : ""}`;
    checks.push({ name: "integrity", state: bad ? "warning" : "ok", message: `last report ${r.file} (${formatInZone(r.at, f.timeZone)}): ${found}` });
  }
  return checks;
}
