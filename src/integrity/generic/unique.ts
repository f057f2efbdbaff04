/**
 * Unique columns and keys holding a value twice (NULLs never count, as in
 * SQL). The database enforces its own constraints, so a live database has
 * none; a snapshot, or a journal replayed over another state, can.
 */
import { duplicateRules } from "../duplicateRule";
import { valueText } from "../types";

export const UNIQUE_RULE = "unique";

export const uniqueRule = duplicateRules(UNIQUE_RULE, "error", "unique columns and keys hold each value once", (tables) =>
  tables.flatMap((table) => table.uniques.map((columns) => ({
    name: UNIQUE_RULE,
    severity: "error" as const,
    description: "",
    table: table.name,
    columns,
    valueOf: (row) => (columns.some((c) => row[c] === null || row[c] === undefined) ? null : Object.fromEntries(columns.map((c) => [c, row[c]]))),
    describe: (value) => columns.map((c) => `${c} ${JSON.stringify(valueText(value[c]))}`).join(", "),
  }))));
