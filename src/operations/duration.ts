/**
 * Lengths of time a user gives to retention (`--keep-within 30d`,
 * `BACKUP_RETENTION_DAYS=30`, `backup:cleanup 7`), read strictly. Plain
 * digits are days, as the old `cleanup [days]` took them. `m` is refused:
 * it reads as minutes to some and months to others; `min` and `mo` say which.
 */
import { BackupError } from "../errors";

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY, mo: 30 * DAY, y: 365 * DAY };
const DURATION = /^(\d{1,9})(s|min|h|d|w|mo|y)?$/;

export const DURATION_FORMS = "30d, 12h, 4w, 6mo, 1y, 90min, 45s, or plain days (7)";

/** The length in ms; `what` names the option or variable for the message. */
export function parseDuration(text: string | number, what: string): number {
  const s = String(text).trim().toLowerCase();
  const m = DURATION.exec(s);
  if (!m) {
    const hint = /^\d+m$/.test(s) ? `"m" is ambiguous: write ${s.slice(0, -1)}min for minutes or ${s.slice(0, -1)}mo for months` : `give one of: ${DURATION_FORMS}`;
    throw new BackupError("BAD_INPUT", `${what} "${text}" is not a length of time`, hint);
  }
  return Number(m[1]) * UNIT_MS[m[2] ?? "d"];
}

/** A count of periods to keep: a whole number, 0 or more. */
export function parseCount(text: string | number, what: string): number {
  const s = String(text).trim();
  if (!/^\d{1,6}$/.test(s)) throw new BackupError("BAD_INPUT", `${what} "${text}" is not a whole number of snapshots to keep`, "give 0 or more, e.g. 7");
  return Number(s);
}

/** 30d, 12h, 90min...: the largest unit that divides the length (weeks as days), for reports. */
export function formatDuration(ms: number): string {
  for (const unit of ["y", "d", "h", "min", "s"]) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
