/**
 * The calendar periods grandfather-father-son retention counts in: a day,
 * an ISO week (Monday to Sunday) and a month of one declared time zone
 * (default UTC). Keys are labels a user can read (`2026-12-01`,
 * `2026-W49`, `2026-12`), so `--dry-run` can show the period each kept
 * snapshot stands for: restic's users were surprised when a snapshot a
 * second after midnight counted for the next day (restic #4415).
 */
export type Period = "daily" | "weekly" | "monthly";

const formats = new Map<string, Intl.DateTimeFormat>();

function civilDate(ms: number, timeZone: string): { year: number; month: number; day: number } {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric", hourCycle: "h23" });
    formats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** ISO 8601 week of a civil date: the week belongs to the year of its Thursday. */
function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCDate(date.getUTCDate() + 4 - (date.getUTCDay() || 7)); // that week's Thursday
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return { year: date.getUTCFullYear(), week: Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

export function periodKey(period: Period, ms: number, timeZone: string): string {
  const { year, month, day } = civilDate(ms, timeZone);
  switch (period) {
    case "daily": return `${year}-${pad(month)}-${pad(day)}`;
    case "monthly": return `${year}-${pad(month)}`;
    case "weekly": {
      const w = isoWeek(year, month, day);
      return `${w.year}-W${pad(w.week)}`;
    }
  }
}
