/**
 * One run of the rules over one stream of events: the spill they share, the
 * subject every rule subscribes to (each rule sees each event once, as it
 * happens: nothing is buffered), and where their verdicts go. A scan feeds
 * it rows and one commit; a replay, a snapshot's rows, a commit, then every
 * transaction's changes and its commit.
 */
import { Subject } from "rxjs";
import type { Row } from "../db/types";
import { BackupError } from "../errors";
import type { Rule, RuleContext, Where } from "./rule";
import type { RuleSchema } from "./ruleSchema";
import { Spill } from "./spill";
import type { IntegrityEvent, RowEvent, Verdict } from "./types";

/** A rule's question to the scanned database (RuleContext.ask). */
export interface Question {
  rule: Rule;
  table: string;
  where: Where;
  take: (row: Row) => void;
}

export class RuleRun {
  private readonly subject = new Subject<IntegrityEvent>();
  private readonly spill = new Spill();
  private failure: unknown = null;
  /** What the rules asked the scanned database (only when `canAsk`); the scan answers before its commit. */
  readonly questions: Question[] = [];

  constructor(rules: readonly Rule[], schema: RuleSchema, mode: RuleContext["mode"], onVerdict: (v: Verdict) => void, canAsk = false) {
    for (const rule of rules) {
      const ask = (table: string, where: Where, take: (row: Row) => void) => { this.questions.push({ rule, table, where, take }); };
      const context: RuleContext = { schema, spill: this.spill, mode, ...(canAsk ? { ask } : {}) };
      rule.operator(context)(this.subject.asObservable()).subscribe({
        next: onVerdict,
        error: (error: unknown) => { this.failure ??= ruleFailed(rule, error); },
      });
    }
  }

  row(event: RowEvent): void {
    this.subject.next(event);
    this.check();
  }

  /** A row that answers `question`. */
  answer(question: Question, row: Row): void {
    try {
      question.take(row);
    } catch (error) {
      this.failure ??= ruleFailed(question.rule, error);
    }
    this.check();
  }

  commit(seq: number, at: number): void {
    this.subject.next({ op: "commit", seq, at });
    this.check();
  }

  /** Ends the stream and frees the spill. */
  close(): void {
    this.subject.complete();
    this.spill.close();
    this.check();
  }

  private check(): void {
    if (this.failure !== null) {
      const f = this.failure;
      this.failure = null;
      this.spill.close();
      throw f;
    }
  }
}

function ruleFailed(rule: Rule, error: unknown): BackupError {
  return error instanceof BackupError ? error
    : new BackupError("INTERNAL", `integrity rule "${rule.name}" failed: ${(error as Error)?.message ?? String(error)}`,
      "a rule of the app's own must not throw: fix it, or run without it");
}
