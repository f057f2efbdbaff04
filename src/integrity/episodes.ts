/**
 * What an audit keeps of a replay's verdicts: each finding's episode, from
 * the transaction at which it began to hold to the one at which it stopped
 * (if it did), with the rows that transaction changed. Open episodes live
 * in a spill of their own (a replay over a database where every row is
 * wrong stays bounded); closed ones go to the result, the first MAX_KEPT
 * whole.
 */
import { jsonText } from "../db/jsonText";
import type { Row } from "../db/types";
import { MAX_KEPT } from "./collector";
import { Spill } from "./spill";
import { subjectOf, type Finding, type Verdict } from "./types";

export interface ChangedRow { table: string; op: string; key: Row }

export interface Episode extends Finding {
  /** The transaction at which the finding began to hold, and its commit time. */
  firstSeq: number;
  firstAt: number;
  /** True when it held already in the snapshot the audit started from: it began at or before firstSeq. */
  heldAtStart: boolean;
  /** Rows that transaction changed (the first CHANGES_KEPT), and how many it changed in all. */
  changes: ChangedRow[];
  changedRows: number;
  /** The transaction at which it stopped holding; null when it still held at the audit's end. */
  fixedSeq: number | null;
  fixedAt: number | null;
}

export const CHANGES_KEPT = 20;

export class EpisodeBook {
  private readonly spill = new Spill();
  readonly episodes: Episode[] = [];
  total = 0;
  private changes: ChangedRow[] = [];
  private changed = 0;

  constructor(private readonly startSeq: number, private readonly reportAfter: number) {
    this.spill.exec(`CREATE TABLE open (id TEXT PRIMARY KEY, finding TEXT NOT NULL, seq INTEGER NOT NULL)`);
    this.spill.exec(`CREATE TABLE txn (seq INTEGER PRIMARY KEY, changes TEXT NOT NULL, n INTEGER NOT NULL)`);
    this.spill.exec(`CREATE INDEX open_seq ON open (seq)`);
  }

  /** A changed row of the transaction being replayed. */
  change(row: ChangedRow): void {
    if (this.changes.length < CHANGES_KEPT) this.changes.push(row);
    this.changed++;
  }

  verdict = (v: Verdict): void => {
    const id = subjectOf(v);
    const open = this.spill.sql(`SELECT finding, seq FROM open WHERE id = ?`).get(id) as { finding: string; seq: number } | undefined;
    if (!v.resolved) {
      if (open) return;
      const { resolved: _r, ...finding } = v;
      this.spill.sql(`INSERT INTO open (id, finding, seq) VALUES (?, ?, ?)`).run(id, jsonText(finding), v.seq ?? 0);
      return;
    }
    if (!open) return;
    this.spill.sql(`DELETE FROM open WHERE id = ?`).run(id);
    this.close(JSON.parse(open.finding) as Finding, open.seq, v.seq ?? null, v.at ?? null);
  };

  /** The transaction's commit: its changes are kept if an episode began at it. */
  commit(seq: number): void {
    const began = this.spill.sql(`SELECT 1 FROM open WHERE seq = ? LIMIT 1`).get(seq);
    if (began) this.spill.sql(`INSERT OR REPLACE INTO txn (seq, changes, n) VALUES (?, ?, ?)`).run(seq, jsonText(this.changes), this.changed);
    this.changes = [];
    this.changed = 0;
  }

  /** The episodes still open at the end; then the book is closed. */
  finish(): void {
    for (const r of this.spill.sql(`SELECT finding, seq FROM open ORDER BY seq`).all() as { finding: string; seq: number }[]) {
      this.close(JSON.parse(r.finding) as Finding, r.seq, null, null);
    }
    this.episodes.sort((a, b) => a.firstSeq - b.firstSeq || a.rule.localeCompare(b.rule));
    this.spill.close();
  }

  private close(finding: Finding, firstSeq: number, fixedSeq: number | null, fixedAt: number | null): void {
    if (fixedSeq !== null && fixedSeq <= this.reportAfter) return; // over before the span asked for
    if (fixedSeq === firstSeq) return; // broken and repaired inside one transaction: it never held at a commit
    this.total++;
    if (this.episodes.length >= MAX_KEPT) return;
    const txn = this.spill.sql(`SELECT changes, n FROM txn WHERE seq = ?`).get(firstSeq) as { changes: string; n: number } | undefined;
    this.episodes.push({
      ...finding,
      firstSeq,
      firstAt: finding.at ?? 0,
      heldAtStart: firstSeq === this.startSeq,
      changes: txn ? JSON.parse(txn.changes) as ChangedRow[] : [],
      changedRows: txn?.n ?? 0,
      fixedSeq,
      fixedAt,
    });
  }

  dispose(): void {
    this.spill.close();
  }
}
