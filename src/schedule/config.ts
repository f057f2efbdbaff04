/**
 * The schedule of the scheduled snapshot kinds: one cron pattern per kind
 * (croner's syntax, `off` for none) and the time zone they are read in. The
 * default is the old scripts' (daily 02:00, weekly Sunday 03:00, monthly the
 * 1st 04:00, the machine's local time). Each setting comes from, first to
 * last: what the caller gives (the CLI's flags, attachChangelog's
 * `schedule`), the environment (BACKUP_SCHEDULE_DAILY / _WEEKLY / _MONTHLY /
 * _TZ), the schedule file (BACKUP_SCHEDULE_FILE, else `<store>/schedule.json`
 * when it exists: the app and cron then read the same one), the default.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Cron } from "croner";
import { BackupError } from "../errors";
import { checkTimeZone, machineTimeZone } from "../instant";
import { readRegularTextSync } from "../regularFile";

export type ScheduledKind = "daily" | "weekly" | "monthly";
export const SCHEDULED_KINDS: readonly ScheduledKind[] = ["daily", "weekly", "monthly"];

export const DEFAULT_PATTERNS: Readonly<Record<ScheduledKind, string>> = { daily: "0 2 * * *", weekly: "0 3 * * 0", monthly: "0 4 1 * *" };

export const SCHEDULE_FILE = "schedule.json";

export interface Schedule {
  /** IANA zone the patterns are read in. */
  timeZone: string;
  /** A cron pattern per kind; null: the kind is not scheduled. */
  patterns: Record<ScheduledKind, string | null>;
}

/** What a caller may set; anything left out comes from the environment, the schedule file, the default. */
export interface ScheduleSettings {
  /** IANA time zone; default the machine's (TZ). */
  timeZone?: string;
  /** Cron patterns (`0 2 * * *`; six fields for seconds), or "off" / false for none. */
  daily?: string | false;
  weekly?: string | false;
  monthly?: string | false;
  /** A JSON file of these same settings; default $BACKUP_SCHEDULE_FILE, else `<store>/schedule.json` if present. */
  file?: string;
}

type Source = { settings: ScheduleSettings; where: string };

/** `inStore`: the store's own schedule.json, which is never read through a symlink (regularFile.ts); a file the user names may be one. */
function readFile(file: string, required: boolean, inStore = false): Source | null {
  let text: string;
  try {
    text = inStore ? readRegularTextSync(file, 1 << 20) : fs.readFileSync(file, "utf8");
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new BackupError("NOT_FOUND", `schedule file ${file} cannot be read: ${(e as Error).message}`, "check --schedule or BACKUP_SCHEDULE_FILE");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BackupError("BAD_INPUT", `schedule file ${file} is not JSON: ${(e as Error).message}`, `write it as {"timeZone": "Europe/London", "daily": "0 2 * * *", "weekly": "off"}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BackupError("BAD_INPUT", `schedule file ${file} is not a JSON object`, `write it as {"timeZone": "Europe/London", "daily": "0 2 * * *"}`);
  }
  const o = parsed as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!["timeZone", ...SCHEDULED_KINDS].includes(key)) {
      throw new BackupError("BAD_INPUT", `schedule file ${file} has an unknown setting "${key}"`, `the settings are timeZone, ${SCHEDULED_KINDS.join(", ")}`);
    }
    if (typeof o[key] !== "string" && o[key] !== false) {
      throw new BackupError("BAD_INPUT", `schedule file ${file}: "${key}" must be a string`, `for example "${key}": "${key === "timeZone" ? "UTC" : "off"}"`);
    }
  }
  return { settings: o as ScheduleSettings, where: `schedule file ${file}` };
}

function fromEnv(env: NodeJS.ProcessEnv): Source {
  const pick = (name: string) => (env[name] !== undefined && env[name]!.trim() !== "" ? env[name]!.trim() : undefined);
  return {
    settings: { timeZone: pick("BACKUP_SCHEDULE_TZ"), daily: pick("BACKUP_SCHEDULE_DAILY"), weekly: pick("BACKUP_SCHEDULE_WEEKLY"), monthly: pick("BACKUP_SCHEDULE_MONTHLY") },
    where: "BACKUP_SCHEDULE_*",
  };
}

/** A pattern checked by croner itself; "off" (or false) is null. */
export function checkPattern(value: string | false, what: string, timeZone: string): string | null {
  if (value === false || /^(off|none|never)$/i.test(value.trim())) return null;
  try {
    new Cron(value.trim(), { timezone: timeZone, paused: true });
  } catch (e) {
    throw new BackupError("BAD_INPUT", `${what} "${value}" is not a cron pattern: ${(e as Error).message}`,
      `give five fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *", or "off"`);
  }
  return value.trim();
}

/** The schedule in force for a store, each setting from the first place that has it. */
export function resolveSchedule(storeDir: string, given: ScheduleSettings = {}, env: NodeJS.ProcessEnv = process.env, names: Partial<Record<keyof ScheduleSettings, string>> = {}): Schedule {
  const fileName = given.file ?? (env.BACKUP_SCHEDULE_FILE?.trim() || undefined);
  const file = fileName !== undefined ? readFile(path.resolve(fileName), true) : readFile(path.join(storeDir, SCHEDULE_FILE), false, true);
  const sources: Source[] = [{ settings: given, where: "" }, fromEnv(env), ...(file ? [file] : [])];
  const first = <K extends keyof ScheduleSettings>(key: K) => {
    for (const s of sources) if (s.settings[key] !== undefined) return { value: s.settings[key]!, where: s.where };
    return null;
  };
  const label = (key: keyof ScheduleSettings, where: string) => (where === "" ? names[key] ?? key : `${where}: ${key}`);
  const zone = first("timeZone");
  let timeZone: string;
  try {
    timeZone = zone === null ? machineTimeZone() : checkTimeZone(String(zone.value));
  } catch (e) {
    throw new BackupError("BAD_INPUT", `${label("timeZone", zone!.where)} "${String(zone!.value)}" is not a time zone`, (e as BackupError).hint);
  }
  const patterns = {} as Record<ScheduledKind, string | null>;
  for (const kind of SCHEDULED_KINDS) {
    const set = first(kind);
    patterns[kind] = set === null ? DEFAULT_PATTERNS[kind] : checkPattern(set.value as string | false, label(kind, set.where), timeZone);
  }
  return { timeZone, patterns };
}
