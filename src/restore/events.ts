/**
 * The restore as a stream of row events: every row the loader writes from
 * the snapshot and every change the replay applies, in order. The
 * post-restore checks subscribe to it, and so will the integrity rules
 * (DESIGN.md, "Integrity rules"): a rule is an rxjs operator from row events
 * to findings, so a finding can name the seq and time at which the data first
 * went wrong.
 */
import { Observable, Subject, reduce } from "rxjs";
import type { Op } from "../journal/types";
import type { Row } from "../db/types";

export interface RowEvent {
  table: string;
  /** "load": a row of the snapshot; the others: a replayed change. */
  op: "load" | Op;
  /** The snapshot's seq for loaded rows, else the frame's. */
  seq: number;
  /** Commit time (ms since the epoch); the snapshot's creation time for loaded rows. */
  at: number;
  before: Row | null;
  after: Row | null;
}

export type Severity = "error" | "warning" | "info";

export interface Finding {
  rule: string;
  severity: Severity;
  table?: string;
  key?: Row;
  /** The columns the finding is about, when not the whole row (a foreign key's, a unique constraint's). */
  columns?: string[];
  seq?: number;
  at?: number;
  message: string;
}

/** An integrity rule: subscribes to the row events of a restore and reports findings. */
export type RowEventRule = (events: Observable<RowEvent>) => Observable<Finding>;

/**
 * The source of a restore's events. Subscribers are attached before the
 * load starts and are called synchronously for each row, so no event is
 * buffered: memory stays bounded however many rows flow (I6).
 */
export class RowEventStream {
  private readonly subject = new Subject<RowEvent>();
  readonly events: Observable<RowEvent> = this.subject.asObservable();
  private rules = 0;
  private readonly uncounted = new Map<string, number>();

  /**
   * Whether a rule reads the events. Without one, only the row counts are
   * wanted, and a load may pass rows on without an event each (countLoaded).
   */
  get rowsRead(): boolean {
    return this.rules > 0;
  }

  /** `rows` rows loaded into `table` with no event each (a COPY block passed through whole): counted, for rowCounts' sum. */
  countLoaded(table: string, rows: number): void {
    if (this.rowsRead) throw new Error("rows loaded without events while a rule reads them");
    this.uncounted.set(table, (this.uncounted.get(table) ?? 0) + rows);
  }

  /** What countLoaded counted, added to `counts` (rowCounts of the events). */
  withCountedLoads(counts: Map<string, number>): Map<string, number> {
    const sum = new Map(counts);
    for (const [table, rows] of this.uncounted) sum.set(table, (sum.get(table) ?? 0) + rows);
    return sum;
  }

  emit(event: RowEvent): void {
    this.subject.next(event);
  }

  complete(): void {
    this.subject.complete();
  }

  fail(error: unknown): void {
    this.subject.error(error);
  }

  /** Runs `rule` over the events; the findings are complete once the stream is. */
  collect(rule: RowEventRule): Finding[] {
    const findings: Finding[] = [];
    this.rules++;
    rule(this.events).subscribe({ next: (f) => findings.push(f), error: () => undefined });
    return findings;
  }
}

/** Rows each table should hold after the events: loads and inserts add one, deletes take one away. */
export function rowCounts(events: Observable<RowEvent>): Observable<Map<string, number>> {
  return events.pipe(reduce((counts, e) => {
    const delta = e.op === "load" || e.op === "insert" ? 1 : e.op === "delete" ? -1 : 0;
    if (delta !== 0) counts.set(e.table, (counts.get(e.table) ?? 0) + delta);
    return counts;
  }, new Map<string, number>()));
}
