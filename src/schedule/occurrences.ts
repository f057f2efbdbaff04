/**
 * When a kind's schedule fires, read by croner in the schedule's time zone,
 * summer time included: a fixed time that occurs twice (the clocks go back)
 * fires once, at the first; one the clocks skip fires just after the gap,
 * the same day. A scheduled snapshot is named after the date it stands for
 * in that zone (its period), not the UTC date it was taken.
 */
import { Cron } from "croner";
import { formatInZone } from "../instant";

export class Occurrences {
  private readonly cron: Cron;
  /** The last answer of latest(): it holds from one firing up to the next, so asking every minute costs one croner call a period. */
  private window: { from: number | null; to: number | null; asked: number } | null = null;

  constructor(readonly pattern: string, readonly timeZone: string) {
    this.cron = new Cron(pattern, { timezone: timeZone, paused: true });
  }

  /** The latest time the schedule fired at or before `t`; null when it never did. */
  latest(t: number): number | null {
    return this.around(t).from;
  }

  /** The firing at or before `t` (from) and the next after it (to). */
  around(t: number): { from: number | null; to: number | null } {
    const w = this.window;
    if (w !== null && t >= w.asked && (w.to === null || t < w.to)) return w;
    // croner's previousRuns is strictly before its reference.
    const [run] = this.cron.previousRuns(1, new Date(t + 1));
    const from = run === undefined ? null : run.getTime();
    this.window = { from, to: this.next(t), asked: from ?? t };
    return this.window;
  }

  /** The first time it fires after `t`. */
  next(t: number): number | null {
    return this.cron.nextRun(new Date(t))?.getTime() ?? null;
  }

  /** How many times it fired in (after, upTo], counted up to `cap` (enough to judge, and cheap for a long silence). */
  countBetween(after: number, upTo: number, cap: number): number {
    let n = 0;
    for (let t = this.next(after); t !== null && t <= upTo && n < cap; t = this.next(t)) n++;
    return n;
  }
}

const parsed = new Map<string, Occurrences>();

/** One parse per pattern and zone: cron asks every minute, and a test asks a month of minutes. */
export function occurrencesOf(pattern: string, timeZone: string): Occurrences {
  const key = `${timeZone} ${pattern}`;
  let o = parsed.get(key);
  if (o === undefined) {
    if (parsed.size > 100) parsed.clear();
    o = new Occurrences(pattern, timeZone);
    parsed.set(key, o);
  }
  return o;
}

/** The date `at` falls on in `timeZone` (YYYY-MM-DD): the name of the period a scheduled snapshot stands for. */
export function periodOf(at: number, timeZone: string): string {
  return formatInZone(at, timeZone).slice(0, 10);
}
