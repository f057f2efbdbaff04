/**
 * Rules about one row at a time (a value out of range, a NULL where none is
 * allowed): no state at all. A replay tells when a finding begins and ends
 * from the change's own before and after images: a row that breaks the rule
 * after a change and did not before begins a finding; one that broke it
 * before and no longer does (or was deleted) ends it.
 */
import type { OperatorFunction } from "rxjs";
import { emitEach } from "./emitEach";
import type { Row } from "../db/types";
import type { Rule, RuleContext } from "./rule";
import { ruleTable, type RuleTable } from "./ruleSchema";
import { isRow, keyText, type IntegrityEvent, type RowEvent, type Severity, type Verdict } from "./types";

/** What is wrong with a row (a message naming it), or null when nothing is. `at`: the instant checked (commit time, or the scan's). */
export type RowCheck = (row: Row, at: number) => string | null;

export interface RowRuleSpec {
  name: string;
  severity: Severity;
  description: string;
  /** The check for rows of `table`, or null when the rule is not about that table. Called once per table. */
  checkerFor(table: RuleTable): RowCheck | null;
}

export function keyOfRow(row: Row, table: RuleTable): Row {
  const key: Row = {};
  for (const column of table.primaryKey) key[column] = row[column] ?? null;
  return key;
}

export function rowRule(spec: RowRuleSpec): Rule {
  return {
    name: spec.name,
    severity: spec.severity,
    description: spec.description,
    operator: (ctx: RuleContext): OperatorFunction<IntegrityEvent, Verdict> => {
      const checkers = new Map<string, { table: RuleTable; check: RowCheck } | null>();
      const checkerOf = (name: string) => {
        let c = checkers.get(name);
        if (c === undefined) {
          const table = ruleTable(ctx.schema, name);
          const check = table ? spec.checkerFor(table) : null;
          c = table && check ? { table, check } : null;
          checkers.set(name, c);
        }
        return c;
      };
      return emitEach((e: IntegrityEvent): Verdict[] => {
        if (!isRow(e)) return [];
        const c = checkerOf(e.table);
        return c === null ? [] : verdicts(spec, e, c.table, c.check);
      });
    },
  };
}

function verdicts(spec: RowRuleSpec, e: RowEvent, table: RuleTable, check: RowCheck): Verdict[] {
  const was = e.before ? check(e.before, e.at) : null;
  const now = e.after ? check(e.after, e.at) : null;
  if (was === null && now === null) return [];
  const before = e.before ? keyOfRow(e.before, table) : null;
  const after = e.after ? keyOfRow(e.after, table) : null;
  const sameKey = before !== null && after !== null && keyText(before) === keyText(after);
  const out: Verdict[] = [];
  const base = { rule: spec.name, severity: spec.severity, table: table.name, seq: e.seq, at: e.at };
  if (was !== null && (now === null || !sameKey)) out.push({ ...base, key: before!, message: was, resolved: true });
  if (now !== null && (was === null || !sameKey)) out.push({ ...base, key: after!, message: now });
  return out;
}
