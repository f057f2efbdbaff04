/**
 * A rule is a value: a name, a severity, and an rxjs operator from the row
 * events of a scan or a replay to findings (DESIGN.md, "Integrity rules").
 * The operator is made once per run, given the run's context: the schema of
 * what is checked, where to keep state (a spill database, never a Map of
 * every row), and whether the events are a scan (one state, one commit at
 * the end) or a replay (a commit per transaction, and verdicts that say when
 * a finding stopped holding).
 */
import type { OperatorFunction } from "rxjs";
import type { RuleSchema } from "./ruleSchema";
import type { Spill } from "./spill";
import type { Row } from "../db/types";
import type { IntegrityEvent, Severity, Verdict } from "./types";

/** A question's SQL condition, or a function that makes it when the question's turn comes (null: nothing to ask). */
export type Where = string | (() => string | null);

export interface RuleContext {
  schema: RuleSchema;
  spill: Spill;
  /** "scan": rows of one state (a live database, a snapshot); "replay": a snapshot then the journal's transactions. */
  mode: "scan" | "replay";
  /**
   * Present in a scan of a live database, which can answer with its
   * indexes: the rows of `table` that the SQL condition `where` holds for
   * (the row's table named `_cl` in it) are read in the scan's own read
   * and given to `take`, after every row event and before the commit. A
   * rule that compares rows with each other asks this way for the few rows
   * that can hold a finding (an orphan, say) instead of keeping every row
   * in the spill; it still decides on them as it would on the events.
   * Questions are answered in the order asked; a `where` given as a
   * function is made when its turn comes (after the earlier answers were
   * taken), and null asks nothing.
   */
  ask?: (table: string, where: Where, take: (row: Row) => void) => void;
}

export interface Rule {
  /** Stable, kebab-case: reports count by it, and audits follow a finding by it. */
  name: string;
  severity: Severity;
  /** One line for `--help` and reports: what the rule holds to. */
  description: string;
  /**
   * The rule over one run's events. It must emit each finding once when it
   * begins to hold; in a replay, a verdict with `resolved: true` when it ends.
   * Rules that are not about a table of the schema emit nothing.
   */
  operator(context: RuleContext): OperatorFunction<IntegrityEvent, Verdict>;
}
