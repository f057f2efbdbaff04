/**
 * What `cleanup` keeps, and where it comes from: an option, else the old
 * positional `cleanup [days]`, else the environment (BACKUP_KEEP_DAILY,
 * BACKUP_KEEP_WEEKLY, BACKUP_KEEP_MONTHLY, BACKUP_KEEP_WITHIN, and the seed's
 * BACKUP_RETENTION_DAYS for the window), else the defaults 7 / 4 / 12 / 30d.
 */
import { BackupError } from "../errors";
import { checkTimeZone } from "../instant";
import { parseCount, parseDuration } from "./duration";

export interface RetentionPolicy {
  /** The newest snapshot of each of the last N days (weeks, months) that have one. */
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  /** Every instant of the last keepWithinMs stays restorable (ms; 0: no window). */
  keepWithinMs: number;
  /** IANA zone whose days, weeks and months the counts are in; default UTC. */
  timeZone: string;
}

export const DEFAULT_POLICY: RetentionPolicy = { keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepWithinMs: 30 * 86_400_000, timeZone: "UTC" };

export interface PolicyInput {
  keepDaily?: string | number;
  keepWeekly?: string | number;
  keepMonthly?: string | number;
  keepWithin?: string | number;
  /** The old positional argument: days of the window. */
  days?: string | number;
  timeZone?: string;
}

/** The policy from what was given, the environment and the defaults; an empty one (keeps nothing but the newest) is refused. */
export function resolvePolicy(input: PolicyInput, env: NodeJS.ProcessEnv = process.env): RetentionPolicy {
  const pick = (given: string | number | undefined, envName: string): string | number | undefined =>
    given ?? (env[envName] !== undefined && env[envName] !== "" ? env[envName] : undefined);
  const count = (given: string | number | undefined, envName: string, option: string, fallback: number) => {
    const v = pick(given, envName);
    return v === undefined ? fallback : parseCount(v, given !== undefined ? option : `$${envName}`);
  };
  let keepWithinMs = DEFAULT_POLICY.keepWithinMs;
  if (input.keepWithin !== undefined) keepWithinMs = parseDuration(input.keepWithin, "--keep-within");
  else if (input.days !== undefined) keepWithinMs = parseDuration(input.days, "days");
  else if (env.BACKUP_KEEP_WITHIN) keepWithinMs = parseDuration(env.BACKUP_KEEP_WITHIN, "$BACKUP_KEEP_WITHIN");
  else if (env.BACKUP_RETENTION_DAYS) keepWithinMs = parseDuration(env.BACKUP_RETENTION_DAYS, "$BACKUP_RETENTION_DAYS");
  const policy: RetentionPolicy = {
    keepDaily: count(input.keepDaily, "BACKUP_KEEP_DAILY", "--keep-daily", DEFAULT_POLICY.keepDaily),
    keepWeekly: count(input.keepWeekly, "BACKUP_KEEP_WEEKLY", "--keep-weekly", DEFAULT_POLICY.keepWeekly),
    keepMonthly: count(input.keepMonthly, "BACKUP_KEEP_MONTHLY", "--keep-monthly", DEFAULT_POLICY.keepMonthly),
    keepWithinMs,
    timeZone: checkTimeZone(input.timeZone ?? "UTC"),
  };
  if (policy.keepDaily + policy.keepWeekly + policy.keepMonthly === 0 && policy.keepWithinMs === 0) {
    throw new BackupError("BAD_USAGE", "this policy keeps nothing but the newest snapshot (every count 0, no window)",
      "give --keep-within (e.g. 1d) or a --keep-daily/--keep-weekly/--keep-monthly count above 0");
  }
  return policy;
}
