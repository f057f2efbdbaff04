/**
 * Rules that compare rows with each other (a reference and its parent, rows
 * sharing a value, lines and their total) keep what they need in the spill
 * and decide at each commit, for the subjects the transaction touched. While
 * the events are one state in bulk (a scan, a snapshot's load) nothing is
 * tracked per row: the commit decides for every subject with one query.
 * The findings open at a commit are kept in the spill too (the subject
 * book), so a finding is reported once when it begins, and resolved once
 * when it ends.
 */
import type { OperatorFunction } from "rxjs";
import { emitEach } from "./emitEach";
import type { Rule, RuleContext } from "./rule";
import type { Spill } from "./spill";
import { isRow, keyFromText, type Commit, type IntegrityEvent, type RowEvent, type Severity, type Verdict } from "./types";

/** One subject's state at a commit: its finding's message, or null when it holds no finding. */
export interface Decision {
  /** Identity of the subject (keyText of `key`, or of the value it is about). */
  subject: string;
  table: string;
  /** The columns it is about; part of its identity (two foreign keys of one row are two subjects). */
  columns?: string[];
  message: string | null;
}

export interface StatefulRun {
  /** A row event: update the spill's state, note what it touches. `bulk`: no need to note anything. */
  onRow(event: RowEvent, bulk: boolean): void;
  /** Decisions for the subjects touched since the last commit (and forget them). */
  touched(): Iterable<Decision>;
  /** Every subject that holds a finding now, after a bulk load. */
  all(): Iterable<Decision>;
}

export interface StatefulSpec {
  name: string;
  severity: Severity;
  description: string;
  /** The rule's state for one run, or null when the schema has nothing for it. */
  start(ctx: RuleContext): StatefulRun | null;
}

/** Findings open now, per rule: subject → table and message. */
class SubjectBook {
  private readonly table: string;

  constructor(private readonly spill: Spill, rule: string) {
    this.table = spill.name(`open_${rule}`);
    spill.exec(`CREATE TABLE ${this.table} (id TEXT PRIMARY KEY, s TEXT NOT NULL, cols TEXT, tbl TEXT NOT NULL, message TEXT NOT NULL)`);
  }

  /** The verdict a decision makes, if it changes what is open. */
  decide(d: Decision, base: { rule: string; severity: Severity; seq: number; at: number }): Verdict | null {
    const id = idOf(d);
    const open = this.spill.sql(`SELECT message FROM ${this.table} WHERE id = ?`).get(id) as { message: string } | undefined;
    const about = { ...base, table: d.table, key: keyFromText(d.subject), ...(d.columns ? { columns: d.columns } : {}) };
    if (d.message !== null && open === undefined) {
      this.spill.sql(`INSERT INTO ${this.table} (id, s, cols, tbl, message) VALUES (?, ?, ?, ?, ?)`)
        .run(id, d.subject, d.columns ? JSON.stringify(d.columns) : null, d.table, d.message);
      return { ...about, message: d.message };
    }
    if (d.message === null && open !== undefined) {
      this.spill.sql(`DELETE FROM ${this.table} WHERE id = ?`).run(id);
      return { ...about, message: open.message, resolved: true };
    }
    return null;
  }

  /** Open subjects that `holding` (ids) does not hold any more. */
  notIn(holding: Set<string>): Decision[] {
    const rows = this.spill.sql(`SELECT id, s, cols, tbl FROM ${this.table}`).all() as { id: string; s: string; cols: string | null; tbl: string }[];
    return rows.filter((r) => !holding.has(r.id))
      .map((r) => ({ subject: r.s, table: r.tbl, message: null, ...(r.cols ? { columns: JSON.parse(r.cols) as string[] } : {}) }));
  }
}

function idOf(d: Decision): string {
  return JSON.stringify([d.table, d.columns ?? null, d.subject]);
}

export function statefulRule(spec: StatefulSpec): Rule {
  return {
    name: spec.name,
    severity: spec.severity,
    description: spec.description,
    operator: (ctx: RuleContext): OperatorFunction<IntegrityEvent, Verdict> => {
      const run = spec.start(ctx);
      const book = run ? new SubjectBook(ctx.spill, spec.name) : null;
      let bulk = false;
      return emitEach((e: IntegrityEvent): Verdict[] => {
        if (!run || !book) return [];
        if (isRow(e)) {
          const inBulk = ctx.mode === "scan" || e.op === "load";
          bulk ||= inBulk;
          run.onRow(e, inBulk);
          return [];
        }
        return commit(run, book, e, bulk, spec);
      });
      function commit(r: StatefulRun, b: SubjectBook, c: Commit, wasBulk: boolean, s: StatefulSpec): Verdict[] {
        bulk = false;
        const base = { rule: s.name, severity: s.severity, seq: c.seq, at: c.at };
        const out: Verdict[] = [];
        const take = (d: Decision) => { const v = b.decide(d, base); if (v) out.push(v); };
        if (wasBulk) {
          // The touched subjects go too: a bulk load can follow changes (never in a restore, but cheaply right).
          for (const d of r.touched()) take(d);
          const holding = new Set<string>();
          for (const d of r.all()) { holding.add(idOf(d)); take(d); }
          for (const d of b.notIn(holding)) take(d);
        } else {
          for (const d of r.touched()) take(d);
        }
        return out;
      }
    },
  };
}

/** A spill table of touched subjects: noted while a transaction runs, read and emptied at its commit. */
export class Touched {
  private readonly table: string;
  /** Nothing noted since the last drain: a commit that touched nothing asks the spill nothing (most rules, most transactions). */
  private empty = true;

  constructor(private readonly spill: Spill, prefix: string) {
    this.table = spill.name(`touched_${prefix}`);
    spill.exec(`CREATE TABLE ${this.table} (s TEXT PRIMARY KEY)`);
  }

  add(subject: string | null): void {
    if (subject === null) return;
    this.spill.sql(`INSERT OR IGNORE INTO ${this.table} (s) VALUES (?)`).run(subject);
    this.empty = false;
  }

  /** Subjects of rows of `table` whose column `column` is `value` (a parent's change touches its children). */
  addWhere(table: string, subjectColumn: string, column: string, value: string): void {
    if (this.spill.sql(`INSERT OR IGNORE INTO ${this.table} (s) SELECT ${subjectColumn} FROM ${table} WHERE ${column} = ?`).run(value).changes > 0) {
      this.empty = false;
    }
  }

  drain(): string[] {
    if (this.empty) return [];
    this.empty = true;
    const all = (this.spill.sql(`SELECT s FROM ${this.table}`).all() as { s: string }[]).map((r) => r.s);
    this.spill.sql(`DELETE FROM ${this.table}`).run();
    return all;
  }
}

