/**
 * Durations as a user writes them on the command line: `90s`, `5m`, `1h`,
 * `2d`, `1w`, `250ms`, or a bare number of seconds. Refused, naming the
 * option, when it is anything else: a mistyped `--lock-wait 5 m` must not
 * mean zero.
 */
import { BackupError } from "../errors";

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (m === null) {
    throw new BackupError("BAD_INPUT", `${option} "${text}" is not a duration`, "give a number with a unit: 250ms, 90s, 5m, 1h, 2d, 1w (a bare number is seconds)");
  }
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? "s").toLowerCase()]);
}

/** A duration for people: 3d 4h, 12m 5s, 800 ms. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, seconds] of [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (rest >= seconds) { parts.push(`${Math.floor(rest / seconds)}${unit}`); rest %= seconds; }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}
