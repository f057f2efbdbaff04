import { SingleBar } from "cli-progress";

/** What a command shows of long work: `done` of `total`, and the fields its format names. */
export interface ProgressBar {
  show(done: number, total: number, fields: Record<string, string>): void;
  stop(): void;
}

/**
 * A bar on stderr, on a terminal only: never with --json, never when stderr
 * goes to a file or a pipe (scripts read stderr for errors, not bars).
 * `format` is cli-progress's, e.g. "restore {bar} {percentage}% | {phase}".
 */
export function progressBar(json: boolean | undefined, format: string): ProgressBar {
  if (json || !process.stderr.isTTY) return { show: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let shownTotal: number | null = null;
  return {
    show(done, total, fields) {
      const t = Math.max(1, total);
      if (shownTotal === null) bar.start(t, done, fields);
      else if (t !== shownTotal) bar.setTotal(t);
      shownTotal = t;
      bar.update(done, fields);
    },
    stop: () => { if (shownTotal !== null) bar.stop(); },
  };
}

/** A count as the bars print it: 1,234,567. */
export const count = (n: number): string => n.toLocaleString("en-US");
