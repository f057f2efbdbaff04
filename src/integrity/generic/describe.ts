import type { Row } from "../../db/types";
import { jsonText } from "../../db/jsonText";
import { keyOfRow } from "../rowRule";
import { type RuleTable, shownRow } from "../ruleSchema";

/** A row named by its primary key, values exactly as `log --json` prints them: {"id":5} (a secret key column redacted). */
export function describeRowKey(row: Row, table: RuleTable): string {
  return jsonText(shownRow(keyOfRow(row, table), table));
}
