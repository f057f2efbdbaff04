/**
 * A stored total that must equal the sum of its lines (an order's total and
 * its lines' totals). Values are exact: each becomes an integer count of
 * units by the caller's parser (the app knows its scale; money is never a
 * float), and SQLite adds those integers exactly. The spill holds every
 * line's parent and units, every parent's stored units, and each parent's
 * running sum of its lines, kept as lines come and go: a commit compares
 * two numbers per parent the transaction touched, however many lines the
 * parent has (a stocktake of ten thousand counted items).
 */
import type { Row } from "../db/types";
import { keyOfRow } from "./rowRule";
import type { Rule } from "./rule";
import { ruleTable, type RuleTable } from "./ruleSchema";
import type { Spill } from "./spill";
import { type Decision, statefulRule, Touched } from "./stateful";
import { sumQuestions } from "./sumQuestions";
import { keyText, unchanged, valueText, type Severity } from "./types";

export interface SumSpec {
  name: string;
  severity: Severity;
  description: string;
  parent: { table: string; total: string };
  lines: { table: string; parentColumn: string; value: string };
  /** A value as a whole number of units (cents), exactly; null when it is not a number (column-type reports that). */
  units(value: Row[string]): bigint | null;
  /** Units back as the decimal text a message shows. */
  format(units: bigint): string;
  /**
   * The decimal places of `units` (cents: 2), when a unit is a fixed decimal
   * fraction of the value: then a scan of a live database asks it for the
   * parents that can be wrong (sumQuestions.ts) instead of keeping every line.
   */
  scale?: number;
}

const PENDING_PARENTS = 10_000;

class SumState {
  private readonly parents: string;
  private readonly lines: string;
  private readonly sums: string;
  readonly touched: Touched;

  constructor(private readonly spill: Spill, readonly parent: RuleTable, readonly lineTable: RuleTable, private readonly spec: SumSpec) {
    if (parent.primaryKey.length !== 1) throw new Error(`sum rule ${spec.name}: "${parent.name}" needs a one-column key`);
    this.parents = spill.name("sum_parent");
    this.lines = spill.name("sum_line");
    this.sums = spill.name("sum_of_lines");
    spill.exec(`CREATE TABLE ${this.parents} (p TEXT PRIMARY KEY, units INTEGER)`);
    spill.exec(`CREATE TABLE ${this.lines} (k TEXT PRIMARY KEY, p TEXT, units INTEGER)`);
    spill.exec(`CREATE TABLE ${this.sums} (p TEXT PRIMARY KEY, units INTEGER NOT NULL)`);
    this.touched = new Touched(spill, "sum");
  }

  /** The parent's subject from its own key value (what a line's foreign key holds). */
  private subject(value: Row[string]): string | null {
    if (value === null || value === undefined) return null;
    return keyText({ [this.parent.primaryKey[0]]: valueText(value) });
  }

  parentRow(row: Row, present: boolean, bulk: boolean): void {
    const p = this.subject(row[this.parent.primaryKey[0]]);
    if (p === null) return;
    if (present) this.spill.sql(`INSERT OR REPLACE INTO ${this.parents} (p, units) VALUES (?, ?)`).run(p, this.spec.units(row[this.spec.parent.total]));
    else this.spill.sql(`DELETE FROM ${this.parents} WHERE p = ?`).run(p);
    if (!bulk) this.touched.add(p);
  }

  /** A line arrives (`present`) or leaves. `final`: a scan's line, never changed after, so nothing need remember it to take it back. */
  lineRow(row: Row, present: boolean, bulk: boolean, final = false): void {
    if (final) {
      const p = this.subject(row[this.spec.lines.parentColumn]);
      if (p !== null) this.addToSum(p, this.spec.units(row[this.spec.lines.value]) ?? 0n);
      return;
    }
    const k = keyText(keyOfRow(row, this.lineTable));
    // A load's rows are all new; otherwise the line's old place and units leave its parent's sum first.
    if (!bulk || !present) {
      const old = this.spill.sql(`SELECT p, units FROM ${this.lines} WHERE k = ?`).safeIntegers(true).get(k) as { p: string | null; units: bigint } | undefined;
      if (old) {
        if (old.p !== null) this.addToSum(old.p, -old.units);
        if (!bulk) this.touched.add(old.p);
      }
    }
    if (!present) {
      this.spill.sql(`DELETE FROM ${this.lines} WHERE k = ?`).run(k);
      return;
    }
    const p = this.subject(row[this.spec.lines.parentColumn]);
    const units = this.spec.units(row[this.spec.lines.value]) ?? 0n;
    this.spill.sql(`INSERT OR REPLACE INTO ${this.lines} (k, p, units) VALUES (?, ?, ?)`).run(k, p, units);
    if (p !== null) this.addToSum(p, units);
    if (!bulk) this.touched.add(p);
  }

  /**
   * Additions not yet in the spill: a bulk load adds its lines to few
   * parents, so they are summed here first, a statement per parent rather
   * than per line; bounded, and flushed before the sums are read.
   */
  private readonly pending = new Map<string, bigint>();

  private addToSum(p: string, units: bigint): void {
    this.pending.set(p, (this.pending.get(p) ?? 0n) + units);
    if (this.pending.size >= PENDING_PARENTS) this.flush();
  }

  private flush(): void {
    const add = this.spill.sql(`INSERT INTO ${this.sums} (p, units) VALUES (?, ?) ON CONFLICT (p) DO UPDATE SET units = units + excluded.units`);
    for (const [p, units] of this.pending) add.run(p, units);
    this.pending.clear();
  }

  decide(p: string): Decision {
    this.flush();
    const parent = this.spill.sql(`SELECT units FROM ${this.parents} WHERE p = ?`).safeIntegers(true).get(p) as { units: bigint | null } | undefined;
    if (!parent || parent.units === null) return { subject: p, table: this.parent.name, message: null };
    const sum = (this.spill.sql(`SELECT units FROM ${this.sums} WHERE p = ?`).safeIntegers(true).get(p) as { units: bigint } | undefined)?.units ?? 0n;
    return { subject: p, table: this.parent.name, message: sum === parent.units ? null : this.message(p, parent.units, sum) };
  }

  *wrong(): Iterable<Decision> {
    this.flush();
    const rows = this.spill.sql(`SELECT p.p AS p, p.units AS units, coalesce(s.units, 0) AS total FROM ${this.parents} p
      LEFT JOIN ${this.sums} s ON s.p = p.p
      WHERE p.units IS NOT NULL AND p.units <> coalesce(s.units, 0) ORDER BY p.p`).safeIntegers(true).all() as { p: string; units: bigint; total: bigint }[];
    for (const r of rows) yield { subject: r.p, table: this.parent.name, message: this.message(r.p, r.units, r.total) };
  }

  private message(p: string, stored: bigint, sum: bigint): string {
    const key = JSON.stringify(Object.fromEntries(JSON.parse(p) as [string, unknown][]));
    const { parent, lines, format } = { ...this.spec, format: this.spec.format };
    return `"${parent.table}" ${key}: ${parent.total} ${format(stored)} is not the sum of its "${lines.table}" ${lines.value} (${format(sum)})`;
  }
}

export function sumRule(spec: SumSpec): Rule {
  return statefulRule({
    name: spec.name,
    severity: spec.severity,
    description: spec.description,
    start(ctx) {
      const parent = ruleTable(ctx.schema, spec.parent.table);
      const lines = ruleTable(ctx.schema, spec.lines.table);
      const has = (t: RuleTable | undefined, cols: string[]) => t !== undefined && cols.every((c) => t.columns.some((x) => x.name === c));
      if (!has(parent, [spec.parent.total]) || !has(lines, [spec.lines.parentColumn, spec.lines.value])) return null;
      const state = new SumState(ctx.spill, parent!, lines!, spec);
      const questions = ctx.ask && spec.scale !== undefined
        ? sumQuestions(ctx.schema.engine, { parent: parent!, total: spec.parent.total, lines: lines!, parentColumn: spec.lines.parentColumn, value: spec.lines.value, scale: spec.scale })
        : null;
      if (ctx.ask && questions) {
        // Only the parents that can be wrong, and their lines, enter the spill; the commit decides on them as on every row.
        // Where no parent can be wrong (a clean database) the lines are not asked for: their question costs as much again.
        let parents = 0;
        ctx.ask(parent!.name, questions.parents, (row) => { parents++; state.parentRow(row, true, true); });
        ctx.ask(lines!.name, () => (parents > 0 ? questions.lines : null), (row) => state.lineRow(row, true, true, true));
        return { onRow() {}, touched: () => [], all: () => state.wrong() };
      }
      const parentState = [...parent!.primaryKey, spec.parent.total];
      const lineState = [...lines!.primaryKey, spec.lines.parentColumn, spec.lines.value];
      return {
        onRow(e, bulk) {
          if (e.table === parent!.name && !unchanged(e, parentState)) {
            if (e.before) state.parentRow(e.before, false, bulk);
            if (e.after) state.parentRow(e.after, true, bulk);
          }
          if (e.table === lines!.name && !unchanged(e, lineState)) {
            if (e.before) state.lineRow(e.before, false, bulk);
            if (e.after) state.lineRow(e.after, true, bulk);
          }
        },
        *touched() { for (const p of state.touched.drain()) yield state.decide(p); },
        *all() { yield* state.wrong(); },
      };
    },
  });
}
