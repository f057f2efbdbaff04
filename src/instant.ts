/**
 * The instants a user may give (`log --from/--to`, `restore --to`, and
 * RestoreOptions.to as text), read strictly: a script that passes a time in
 * the wrong form gets an error, never a guess (Date.parse takes "-5" for
 * 2001-05-01 and "Dec 2" for 2001-12-02). Accepted:
 * - ISO 8601 with a zone: 2026-11-26T14:05:00Z, 2026-11-26T15:05:00.250+01:00
 *   (a space for the T, and seconds or the colon of the offset left out, too);
 * - without a zone only with --tz, which says the zone: 2026-11-26T14:05 or
 *   2026-11-26 (midnight) in that zone;
 * - now; relative to now: -90s, -15m, -2h, -3d;
 * - today 09:00, yesterday 14:05[:30]: in --tz, else the machine's zone.
 * Forms read in a zone, or relative to now, are printed back resolved
 * (`using 2026-12-01T14:05:00+01:00`) so that the user sees what was meant.
 */
import { BackupError } from "./errors";

export const INSTANT_FORMS = "2026-11-26T14:05:00Z, 2026-11-26T15:05:00+01:00, now, -90s, -15m, -2h, -3d, today 09:00, yesterday 14:05";

export interface InstantOptions {
  /** The option's name for messages, as the caller spells it (the CLI's `--to`, the API's `to`); default "to". */
  option?: string;
  /** IANA zone of zone-less forms (--tz); default the machine's zone, for `today`/`yesterday` only. */
  timeZone?: string;
  /** The current time (ms); default Date.now(). */
  now?: number;
  /** Plain digits are a sequence number here (parsePoint): the messages say so. */
  orSeq?: boolean;
}

export interface Instant {
  ms: number;
  /** The instant as it was resolved, with the zone's offset, when the text did not say it whole; else null. */
  resolved: string | null;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const RELATIVE = /^-(\d{1,9})(s|m|h|d)$/;
const DAY_WORD = /^(today|yesterday)[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

interface Wall { year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number }

function refuse(text: string, option: string, why: string, hint?: string): BackupError {
  return new BackupError("BAD_INPUT", `${option} "${text}" ${why}`, hint ?? `give one of: ${INSTANT_FORMS}`);
}

function skipped(text: string, option: string, zone: string): BackupError {
  return refuse(text, option, `does not exist in ${zone}: the clocks skip it at the change to summer time`,
    "give a time before or after the change, or one with an offset (e.g. +01:00)");
}

/** The zone of zone-less forms, checked: an unknown name is refused, not taken for UTC. */
export function checkTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new BackupError("BAD_INPUT", `--tz "${zone}" is not a time zone`, "give an IANA zone name, e.g. --tz Europe/Berlin, --tz America/New_York or --tz UTC");
  }
}

export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `ms` in `zone`. */
function wallAt(ms: number, zone: string): Wall {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second), ms: ((ms % 1000) + 1000) % 1000,
  };
}

const asUtc = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);

/** The zone's offset from UTC at `ms`, in ms. */
function offsetAt(ms: number, zone: string): number {
  return asUtc({ ...wallAt(ms, zone), ms: ((ms % 1000) + 1000) % 1000 }) - ms;
}

/**
 * The instant a wall clock time names in `zone`. Across a change to summer
 * time a wall time does not exist (refused); back to winter time it exists
 * twice (the earlier is taken, and the printed offset shows which).
 */
function wallToInstant(w: Wall, zone: string): number | null {
  const guess = asUtc(w);
  const candidates = new Set([guess - offsetAt(guess - 86_400_000, zone), guess - offsetAt(guess + 86_400_000, zone), guess - offsetAt(guess, zone)]);
  const valid = [...candidates].filter((t) => asUtc({ ...wallAt(t, zone), ms: w.ms }) === guess).sort((a, b) => a - b);
  return valid.length > 0 ? valid[0] : null;
}

/** `ms` as ISO 8601 with the zone's offset: 2026-12-01T14:05:00+01:00 (milliseconds when there are any). */
export function formatInZone(ms: number, zone: string): string {
  const w = wallAt(ms, zone);
  const offset = Math.round(offsetAt(ms, zone) / 60_000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const sign = offset < 0 ? "-" : "+";
  const fraction = w.ms !== 0 ? `.${pad(w.ms, 3)}` : "";
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${fraction}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function checkedWall(text: string, option: string, w: Wall): Wall {
  const ok = w.year >= 1000 && w.month >= 1 && w.month <= 12 && w.day >= 1 && w.day <= daysIn(w.year, w.month) &&
    w.hour <= 23 && w.minute <= 59 && w.second <= 59;
  if (!ok) throw refuse(text, option, "is not a valid date and time");
  return w;
}

function fromIso(text: string, option: string, m: RegExpExecArray, zone: string | undefined): Instant {
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  if (h === undefined && offset !== undefined) throw refuse(text, option, "is a date with a zone but no time");
  const wall = checkedWall(text, option, {
    year: Number(y), month: Number(mo), day: Number(d), hour: Number(h ?? 0), minute: Number(mi ?? 0), second: Number(s ?? 0),
    ms: frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000),
  });
  if (offset !== undefined) {
    let offsetMinutes = 0;
    if (offset.toUpperCase() !== "Z") {
      const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
      const hours = Number(om[2]);
      const minutes = Number(om[3] ?? 0);
      if (hours > 23 || minutes > 59) throw refuse(text, option, "has an offset that is not one");
      offsetMinutes = (om[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
    }
    return { ms: asUtc(wall) - offsetMinutes * 60_000, resolved: null };
  }
  if (zone === undefined) {
    throw refuse(text, option, "has no time zone",
      `add one (${text}${h === undefined ? "T00:00" : ""}Z for UTC, or an offset like +01:00), or say the zone with --tz, e.g. --tz Europe/Berlin`);
  }
  const ms = wallToInstant(wall, zone);
  if (ms === null) throw skipped(text, option, zone);
  return { ms, resolved: formatInZone(ms, zone) };
}

function fromDayWord(text: string, option: string, m: RegExpExecArray, zone: string, now: number): Instant {
  const today = wallAt(now, zone);
  const base = new Date(Date.UTC(today.year, today.month - 1, today.day - (m[1].toLowerCase() === "yesterday" ? 1 : 0)));
  const wall = checkedWall(text, option, {
    year: base.getUTCFullYear(), month: base.getUTCMonth() + 1, day: base.getUTCDate(),
    hour: Number(m[2]), minute: Number(m[3]), second: Number(m[4] ?? 0), ms: 0,
  });
  const ms = wallToInstant(wall, zone);
  if (ms === null) throw skipped(text, option, zone);
  return { ms, resolved: formatInZone(ms, zone) };
}

/** Reads an instant strictly (the forms above); anything else is BAD_INPUT with the forms in the hint. */
export function parseInstant(text: string, options: InstantOptions = {}): Instant {
  const option = options.option ?? "to";
  const now = options.now ?? Date.now();
  const zone = options.timeZone === undefined ? undefined : checkTimeZone(options.timeZone);
  const trimmed = text.trim();
  const iso = ISO.exec(trimmed);
  if (iso) return fromIso(text, option, iso, zone);
  if (/^now$/i.test(trimmed)) return { ms: now, resolved: formatInZone(now, zone ?? machineTimeZone()) };
  const relative = RELATIVE.exec(trimmed);
  if (relative) {
    const ms = now - Number(relative[1]) * UNIT_MS[relative[2]];
    return { ms, resolved: formatInZone(ms, zone ?? machineTimeZone()) };
  }
  const day = DAY_WORD.exec(trimmed);
  if (day) return fromDayWord(text, option, day, zone ?? machineTimeZone(), now);
  if (options.orSeq) throw refuse(text, option, "is neither a sequence number nor an instant", `give a sequence number (42) or one of: ${INSTANT_FORMS}`);
  if (/^\d+$/.test(trimmed)) throw refuse(text, option, "is not an instant", `a sequence number is given as a seq (restore --to-seq); an instant is one of: ${INSTANT_FORMS}`);
  throw refuse(text, option, "is not an instant");
}

/** A time (`log --from 2026-…`) or a sequence number (`log --from 42`): plain digits are a seq. */
export type Point = { seq: number } | { time: number; resolved: string | null };

export function parsePoint(text: string, options: InstantOptions & { option: string }): Point {
  if (/^\d+$/.test(text.trim())) {
    const seq = Number(text.trim());
    if (!Number.isSafeInteger(seq)) throw refuse(text, options.option, "is too large for a sequence number");
    return { seq };
  }
  const { ms, resolved } = parseInstant(text, { ...options, orSeq: true });
  return { time: ms, resolved };
}

/**
 * The instant a restore goes to, as text (read by parseInstant), a Date or
 * ms; the future is refused: its state is not known yet.
 */
export function pastInstant(value: string | Date | number, options: InstantOptions & { option: string }): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : parseInstant(value, options).ms;
  if (!Number.isFinite(ms)) throw refuse(String(value), options.option, "is not an instant");
  const now = options.now ?? Date.now();
  if (ms > now) {
    throw new BackupError("BAD_INPUT", `${options.option} ${new Date(ms).toISOString()} is in the future (it is now ${new Date(now).toISOString()})`,
      "give an instant in the past; now (or restore latest) is the newest state the store holds");
  }
  return ms;
}

/** A sequence number, given as digits or a number. */
export function sequenceNumber(value: string | number, option: string): number {
  const n = typeof value === "number" ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new BackupError("BAD_INPUT", `${option} ${JSON.stringify(String(value))} is not a sequence number`, `for example ${option} 1234 (list shows the restorable span)`);
  }
  return n;
}
