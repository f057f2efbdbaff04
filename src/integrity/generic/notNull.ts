/**
 * NOT NULL columns holding NULL. A database enforces its own NOT NULL, but
 * a snapshot or a journal can carry rows from before a column became NOT
 * NULL, and the app's entities can declare NOT NULL where the database was
 * never migrated to (entityConstraints.ts).
 */
import { rowRule } from "../rowRule";
import { describeRowKey } from "./describe";

export const NOT_NULL_RULE = "not-null";

export const notNullRule = rowRule({
  name: NOT_NULL_RULE,
  severity: "error",
  description: "NOT NULL columns hold a value",
  checkerFor(table) {
    const columns = table.columns.filter((c) => c.notNull).map((c) => c.name);
    if (columns.length === 0) return null;
    return (row) => {
      const nulls = columns.filter((c) => row[c] === null || row[c] === undefined);
      return nulls.length === 0 ? null : `"${table.name}" ${describeRowKey(row, table)}: NULL in NOT NULL column${nulls.length > 1 ? "s" : ""} ${nulls.join(", ")}`;
    };
  },
});
