/**
 * Orphans: a row whose foreign key names a parent row that does not exist
 * (MATCH SIMPLE, as both engines check by default: a key with a NULL column
 * references nothing). A database that enforces its keys has none, but one
 * whose checks were off (PRAGMA foreign_keys = OFF, session_replication_role,
 * a bulk import), a snapshot of it, or a journal replayed over another state
 * may. The spill holds, per foreign key, how many parent rows hold each
 * referenced value, and which value each child row references (indexed, so
 * a parent's delete finds its children).
 */
import { quoteIdent as q } from "../../db/sql";
import type { Row } from "../../db/types";
import { keyOfRow } from "../rowRule";
import type { RuleContext } from "../rule";
import { isSecretColumn, type RuleForeignKey, ruleTable, type RuleTable, shownRow } from "../ruleSchema";
import { REDACTED } from "../../secrets";
import type { Spill } from "../spill";
import { type Decision, type StatefulRun, statefulRule, Touched } from "../stateful";
import { keyFromText, keyText, type RowEvent, unchanged, valueText } from "../types";

export const FOREIGN_KEY_RULE = "foreign-key";

/** The referenced values of a row as text, or null when one of them is NULL. */
function refText(row: Row, columns: string[]): string | null {
  const values = columns.map((c) => valueText(row[c]));
  return values.includes(null) ? null : JSON.stringify(values);
}

class ForeignKeyState {
  readonly parents: string;
  readonly children: string;
  readonly touched: Touched;
  /** What a child row's state is made of: its key and the referencing columns. */
  readonly keyAndReference: string[];

  constructor(private readonly spill: Spill, readonly child: RuleTable, readonly fk: RuleForeignKey, private readonly parentTable: RuleTable) {
    this.keyAndReference = [...child.primaryKey, ...fk.columns];
    this.parents = spill.name("fk_parent");
    this.children = spill.name("fk_child");
    spill.exec(`CREATE TABLE ${this.parents} (v TEXT PRIMARY KEY, n INTEGER NOT NULL)`);
    spill.exec(`CREATE TABLE ${this.children} (k TEXT PRIMARY KEY, v TEXT)`);
    spill.exec(`CREATE INDEX ${this.children}_v ON ${this.children} (v)`);
    this.touched = new Touched(spill, "fk");
  }

  parent(row: Row, delta: 1 | -1, bulk: boolean): void {
    const v = refText(row, this.fk.refColumns);
    if (v === null) return;
    const s = this.spill;
    s.sql(`INSERT INTO ${this.parents} (v, n) VALUES (?, ?) ON CONFLICT (v) DO UPDATE SET n = n + excluded.n`).run(v, delta);
    if (!bulk) this.touched.addWhere(this.children, "k", "v", v);
  }

  childRow(row: Row, present: boolean, bulk: boolean): void {
    const k = keyText(keyOfRow(row, this.child));
    if (present) this.spill.sql(`INSERT OR REPLACE INTO ${this.children} (k, v) VALUES (?, ?)`).run(k, refText(row, this.fk.columns));
    else this.spill.sql(`DELETE FROM ${this.children} WHERE k = ?`).run(k);
    if (!bulk) this.touched.add(k);
  }

  message(k: string, v: string): string {
    const values = JSON.parse(v) as unknown[];
    // A reference is as secret as either end of it (a session naming its API key).
    const secret = (i: number) => isSecretColumn(this.child, this.fk.columns[i]) || isSecretColumn(this.parentTable, this.fk.refColumns[i]);
    const ref = Object.fromEntries(this.fk.refColumns.map((c, i) => [c, values[i] !== null && secret(i) ? REDACTED : values[i]]));
    return `"${this.child.name}" ${JSON.stringify(shownRow(keyFromText(k), this.child))} references "${this.fk.table}" ${JSON.stringify(ref)} ` +
      `(${this.fk.columns.join(", ")}), which does not exist`;
  }

  decide(k: string): Decision {
    const row = this.spill.sql(`SELECT c.v AS v, p.n AS n FROM ${this.children} c LEFT JOIN ${this.parents} p ON p.v = c.v WHERE c.k = ?`)
      .get(k) as { v: string | null; n: number | null } | undefined;
    const orphan = row !== undefined && row.v !== null && !(row.n !== null && row.n > 0);
    return { subject: k, table: this.child.name, message: orphan ? this.message(k, row!.v!) : null };
  }

  *orphans(): Iterable<Decision> {
    const rows = this.spill.sql(`SELECT c.k AS k, c.v AS v FROM ${this.children} c LEFT JOIN ${this.parents} p ON p.v = c.v
      WHERE c.v IS NOT NULL AND (p.n IS NULL OR p.n <= 0) ORDER BY c.k`).all() as { k: string; v: string }[];
    for (const r of rows) yield { subject: r.k, table: this.child.name, message: this.message(r.k, r.v) };
  }
}

/** One rule per foreign key, so that two keys of one row are two findings. */
export function foreignKeyRules(ctx: RuleContext): { fk: RuleForeignKey; child: RuleTable }[] {
  return ctx.schema.tables.flatMap((child) => child.foreignKeys
    .filter((fk) => ctx.schema.tables.some((t) => t.name === fk.table))
    .map((fk) => ({ fk, child })));
}

export const foreignKeyRule = statefulRule({
  name: FOREIGN_KEY_RULE,
  severity: "error",
  description: "every foreign key names a row that exists (no orphans)",
  start(ctx): StatefulRun | null {
    const states = foreignKeyRules(ctx).map(({ fk, child }) => new ForeignKeyState(ctx.spill, child, fk, ruleTable(ctx.schema, fk.table)!));
    if (states.length === 0) return null;
    if (ctx.ask) {
      // A live database answers with its indexes: only the children with no parent enter the spill, which holds no
      // parent, so each is an orphan and the commit decides (and words, and orders) as it does on every row.
      for (const s of states) ctx.ask(s.child.name, orphanCondition(s.fk), (row) => s.childRow(row, true, true));
      return { onRow() {}, touched: () => [], *all() { for (const s of states) for (const d of s.orphans()) yield withColumns(d, s); } };
    }
    const byTable = new Map<string, { asChild: ForeignKeyState[]; asParent: ForeignKeyState[] }>();
    const entry = (t: string) => { let e = byTable.get(t); if (!e) { e = { asChild: [], asParent: [] }; byTable.set(t, e); } return e; };
    for (const s of states) { entry(s.child.name).asChild.push(s); entry(s.fk.table).asParent.push(s); }
    return {
      onRow(e: RowEvent, bulk: boolean) {
        const roles = byTable.get(e.table);
        if (!roles) return;
        for (const s of roles.asParent) {
          if (unchanged(e, s.fk.refColumns)) continue;
          if (e.before) s.parent(e.before, -1, bulk);
          if (e.after) s.parent(e.after, 1, bulk);
        }
        for (const s of roles.asChild) {
          if (unchanged(e, s.keyAndReference)) continue;
          if (e.before) s.childRow(e.before, false, bulk);
          if (e.after) s.childRow(e.after, true, bulk);
        }
      },
      *touched() {
        for (const s of states) for (const k of s.touched.drain()) yield withColumns(s.decide(k), s);
      },
      *all() {
        for (const s of states) for (const d of s.orphans()) yield withColumns(d, s);
      },
    };
  },
});

/**
 * A row (`_cl`) whose key has no NULL and names no parent row: SQL's own
 * MATCH SIMPLE, compared as the database compares (as its own foreign keys
 * are checked).
 */
function orphanCondition(fk: RuleForeignKey): string {
  const set = fk.columns.map((c) => `_cl.${q(c)} IS NOT NULL`);
  const match = fk.columns.map((c, i) => `_p.${q(fk.refColumns[i])} = _cl.${q(c)}`);
  return `${set.join(" AND ")} AND NOT EXISTS (SELECT 1 FROM ${q(fk.table)} AS _p WHERE ${match.join(" AND ")})`;
}

/** Two foreign keys of one row are two subjects: the columns are part of the subject's identity. */
function withColumns(d: Decision, s: ForeignKeyState): Decision {
  return { ...d, columns: s.fk.columns };
}
