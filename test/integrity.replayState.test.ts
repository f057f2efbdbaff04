import { expect } from "chai";
import type { Row } from "../src/db/types";
import { foreignKeyRule } from "../src/integrity/generic/foreignKey";
import { RuleRun } from "../src/integrity/run";
import type { RuleSchema, RuleTable } from "../src/integrity/ruleSchema";
import { sumRule } from "../src/integrity/sumRule";
import type { RowEvent, Verdict } from "../src/integrity/types";

/**
 * The stateful rules keep running state across a replay (a parent's sum of
 * its lines, which parent each child references) and pass over updates that
 * leave the columns they read alone. These tests replay transactions whose
 * verdicts are known by hand: every begin and every end must be reported at
 * its seq, and nothing else.
 */
const column = (name: string) => ({ name, type: "integer", kind: "int" as const, notNull: false, maxLength: null, secret: false });
const parent: RuleTable = { name: "parent", columns: ["id", "total"].map(column), primaryKey: ["id"], uniques: [], foreignKeys: [] };
const line: RuleTable = {
  name: "line", columns: ["id", "parentId", "amount", "note"].map(column), primaryKey: ["id"], uniques: [],
  foreignKeys: [{ columns: ["parentId"], table: "parent", refColumns: ["id"] }],
};
const schema: RuleSchema = { engine: "sqlite", tables: [parent, line] };

const totals = sumRule({
  name: "total", severity: "error", description: "a parent's total is the sum of its lines",
  parent: { table: "parent", total: "total" },
  lines: { table: "line", parentColumn: "parentId", value: "amount" },
  units: (v) => (typeof v === "number" ? BigInt(v) : null),
  format: (u) => u.toString(),
});

type Change = Pick<RowEvent, "table" | "op" | "before" | "after">;

/** Loads `rows` as a snapshot at seq 0, then replays each transaction at seq 1, 2, …; returns "rule key seq begin|end" lines. */
function replay(rules: ConstructorParameters<typeof RuleRun>[0], load: Change[], transactions: Change[][]): string[] {
  const seen: string[] = [];
  const run = new RuleRun(rules, schema, "replay", (v: Verdict) => {
    seen.push(`${v.rule} ${v.table}${JSON.stringify(v.key)} ${v.seq} ${v.resolved ? "end" : "begin"}`);
  });
  try {
    for (const e of load) run.row({ ...e, seq: 0, at: 0 });
    run.commit(0, 0);
    transactions.forEach((changes, i) => {
      for (const e of changes) run.row({ ...e, seq: i + 1, at: i + 1 });
      run.commit(i + 1, i + 1);
    });
  } finally {
    run.close();
  }
  return seen;
}

const insert = (table: string, after: Row): Change => ({ table, op: "load", before: null, after });
const remove = (table: string, before: Row): Change => ({ table, op: "delete", before, after: null });
const update = (table: string, before: Row, after: Row): Change => ({ table, op: "update", before, after });

describe("stateful rules over a replay", function () {
  const start = [
    insert("parent", { id: 1, total: 30 }), insert("parent", { id: 2, total: 5 }),
    insert("line", { id: 10, parentId: 1, amount: 10, note: 0 }), insert("line", { id: 11, parentId: 1, amount: 20, note: 0 }),
    insert("line", { id: 12, parentId: 2, amount: 5, note: 0 }),
  ];

  it("ALineMovedToAnotherParentChangesBothSumsAndMovingItBackMendsBoth", () => {
    const seen = replay([totals], start, [
      [update("line", { id: 11, parentId: 1, amount: 20, note: 0 }, { id: 11, parentId: 2, amount: 20, note: 0 })],
      [update("line", { id: 11, parentId: 2, amount: 20, note: 0 }, { id: 11, parentId: 2, amount: 20, note: 7 })],
      [update("line", { id: 11, parentId: 2, amount: 20, note: 7 }, { id: 11, parentId: 1, amount: 20, note: 7 })],
    ]);
    expect(seen.sort()).to.deep.equal([
      'total parent{"id":1} 1 begin', 'total parent{"id":1} 3 end',
      'total parent{"id":2} 1 begin', 'total parent{"id":2} 3 end',
    ]);
  });

  it("AnAmountChangedInPlaceIsSeenAndAnUpdateOfAnotherColumnChangesNothing", () => {
    const seen = replay([totals], start, [
      [update("line", { id: 10, parentId: 1, amount: 10, note: 0 }, { id: 10, parentId: 1, amount: 10, note: 1 })],
      [update("line", { id: 10, parentId: 1, amount: 10, note: 1 }, { id: 10, parentId: 1, amount: 11, note: 1 })],
      [update("parent", { id: 1, total: 30 }, { id: 1, total: 31 })],
    ]);
    expect(seen).to.deep.equal(['total parent{"id":1} 2 begin', 'total parent{"id":1} 3 end']);
  });

  it("ALineDeletedAndItsParentsTotalLoweredInOneTransactionNeverHeldAFinding", () => {
    const seen = replay([totals], start, [
      [remove("line", { id: 10, parentId: 1, amount: 10, note: 0 }), update("parent", { id: 1, total: 30 }, { id: 1, total: 20 })],
    ]);
    expect(seen).to.deep.equal([]);
  });

  it("AReferenceChangedToAMissingParentBeginsAnOrphanAndChangedBackEndsIt", () => {
    const seen = replay([foreignKeyRule], start, [
      [update("line", { id: 12, parentId: 2, amount: 5, note: 0 }, { id: 12, parentId: 9, amount: 5, note: 0 })],
      [update("line", { id: 12, parentId: 9, amount: 5, note: 0 }, { id: 12, parentId: 9, amount: 6, note: 0 })],
      [update("line", { id: 12, parentId: 9, amount: 6, note: 0 }, { id: 12, parentId: 2, amount: 6, note: 0 })],
      [remove("parent", { id: 1, total: 30 })],
    ]);
    expect(seen).to.deep.equal([
      'foreign-key line{"id":12} 1 begin', 'foreign-key line{"id":12} 3 end',
      'foreign-key line{"id":10} 4 begin', 'foreign-key line{"id":11} 4 begin',
    ]);
  });
});
