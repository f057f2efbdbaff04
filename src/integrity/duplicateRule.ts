/**
 * Values that must not repeat (a unique column, a username): the spill
 * holds the value of every row (indexed), so a commit counts the rows of
 * each value it touched. The subject of a finding is the value, not a row:
 * two rows sharing a name are one problem, which begins when the second
 * row arrives and ends when only one is left.
 */
import type { Row } from "../db/types";
import { keyOfRow } from "./rowRule";
import type { Rule } from "./rule";
import { ruleTable, type RuleTable, shownRow } from "./ruleSchema";
import type { Spill } from "./spill";
import { type Decision, statefulRule, Touched } from "./stateful";
import { keyFromText, keyText, type RowEvent, type Severity } from "./types";

export interface DuplicateSpec {
  name: string;
  severity: Severity;
  description: string;
  table: string;
  columns: string[];
  /**
   * The value a row counts under, as a key row (what the finding's key
   * shows), or null when the row does not count (a NULL, a soft-deleted row).
   */
  valueOf(row: Row): Row | null;
  /** How the value is named in messages: `username "alice"`. */
  describe(value: Row): string;
}

const SAMPLES = 5;

class DuplicateState {
  private readonly values: string;
  readonly touched: Touched;

  constructor(private readonly spill: Spill, readonly table: RuleTable, private readonly spec: DuplicateSpec) {
    this.values = spill.name("dup");
    spill.exec(`CREATE TABLE ${this.values} (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    spill.exec(`CREATE INDEX ${this.values}_v ON ${this.values} (v)`);
    this.touched = new Touched(spill, "dup");
  }

  row(e: RowEvent, bulk: boolean): void {
    if (e.before) {
      const k = keyText(keyOfRow(e.before, this.table));
      const old = this.spill.sql(`SELECT v FROM ${this.values} WHERE k = ?`).get(k) as { v: string } | undefined;
      if (old) {
        this.spill.sql(`DELETE FROM ${this.values} WHERE k = ?`).run(k);
        if (!bulk) this.touched.add(old.v);
      }
    }
    if (e.after) {
      const value = this.spec.valueOf(e.after);
      if (value === null) return;
      const v = keyText(value);
      this.spill.sql(`INSERT OR REPLACE INTO ${this.values} (k, v) VALUES (?, ?)`).run(keyText(keyOfRow(e.after, this.table)), v);
      if (!bulk) this.touched.add(v);
    }
  }

  decide(v: string): Decision {
    const n = (this.spill.sql(`SELECT count(*) AS n FROM ${this.values} WHERE v = ?`).get(v) as { n: number }).n;
    return { subject: v, table: this.table.name, columns: this.spec.columns, message: n > 1 ? this.message(v, n) : null };
  }

  *duplicates(): Iterable<Decision> {
    const rows = this.spill.sql(`SELECT v, count(*) AS n FROM ${this.values} GROUP BY v HAVING count(*) > 1 ORDER BY v`).all() as { v: string; n: number }[];
    for (const r of rows) yield { subject: r.v, table: this.table.name, columns: this.spec.columns, message: this.message(r.v, r.n) };
  }

  private message(v: string, n: number): string {
    const keys = (this.spill.sql(`SELECT k FROM ${this.values} WHERE v = ? ORDER BY k LIMIT ${SAMPLES}`).all(v) as { k: string }[])
      .map((r) => JSON.stringify(shownRow(keyFromText(r.k), this.table)));
    // Described as shown: a secret column's value (a token held twice) is redacted before any rule words it.
    const value = shownRow(Object.fromEntries(JSON.parse(v) as [string, Row[string]][]), this.table);
    return `${n} rows of "${this.table.name}" share ${this.spec.describe(value)}: ${keys.join(", ")}${n > SAMPLES ? ", …" : ""}`;
  }
}

export function duplicateRule(spec: DuplicateSpec): Rule {
  return duplicateRules(spec.name, spec.severity, spec.description, () => [spec]);
}

/** One rule over several value sets (every unique constraint of a schema, say), each its own subjects. */
export function duplicateRules(name: string, severity: Severity, description: string, specsOf: (tables: RuleTable[]) => DuplicateSpec[]): Rule {
  return statefulRule({
    name,
    severity,
    description,
    start(ctx) {
      const states = specsOf(ctx.schema.tables).flatMap((spec) => {
        const table = ruleTable(ctx.schema, spec.table);
        const present = table && spec.columns.every((c) => table.columns.some((col) => col.name === c));
        return present ? [new DuplicateState(ctx.spill, table, spec)] : [];
      });
      if (states.length === 0) return null;
      return {
        onRow(e, bulk) { for (const s of states) if (s.table.name === e.table) s.row(e, bulk); },
        *touched() { for (const s of states) for (const v of s.touched.drain()) yield s.decide(v); },
        *all() { for (const s of states) yield* s.duplicates(); },
      };
    },
  });
}
