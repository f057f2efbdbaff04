/**
 * No future dates where a date is a past event: a count that started, an
 * order that was placed, a batch produced (status done) or a login cannot
 * lie after the instant checked (the scan's time, or in a replay the
 * transaction's commit time). Dates that look ahead (an order's delivery
 * date, a session's expiry, a planned batch) are not checked: the old
 * validator's "future expected date" fired on healthy data. The columns
 * carry no zone: read as UTC, a day of tolerance absorbs any zone.
 */
import { jsonText } from "../../db/jsonText";
import type { Row } from "../../db/types";
import { keyOfRow, rowRule } from "../../integrity/rowRule";

export const FUTURE_DATE_RULE = "future-date";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Table → columns holding when something happened; `when` says for which rows. */
export const PAST_EVENT_COLUMNS: Record<string, { columns: string[]; when?: (row: Row) => boolean }> = {
  stocktake: { columns: ["startedAt", "completedAt"] },
  stocktakeItem: { columns: ["countedAt"] },
  order: { columns: ["orderedAt"] },
  production: { columns: ["producedAt"], when: (row) => row.status !== "planned" },
  storeInventory: { columns: ["lastCountedAt"] },
  user: { columns: ["lastLoginAt"] },
};

/** A timestamp's instant (ms), reading a zone-less one as UTC; null when it is not one. */
export function instantOf(value: Row[string]): number | null {
  if (typeof value !== "string") return null;
  const text = value.trim().replace(" ", "T");
  const zoned = /([zZ]|[+-]\d{2}(:?\d{2})?)$/.test(text) && /T/.test(text);
  const ms = Date.parse(zoned ? text : /T/.test(text) ? `${text}Z` : `${text}T00:00:00Z`);
  return Number.isNaN(ms) ? null : ms;
}

export const futureDateRule = rowRule({
  name: FUTURE_DATE_RULE,
  severity: "warning",
  description: "dates of past events (counts, orders, production, logins) are not in the future",
  checkerFor(table) {
    const spec = PAST_EVENT_COLUMNS[table.name];
    if (!spec) return null;
    const columns = spec.columns.filter((c) => table.columns.some((x) => x.name === c));
    if (columns.length === 0) return null;
    return (row, at) => {
      if (spec.when && !spec.when(row)) return null;
      const future = columns.filter((c) => { const ms = instantOf(row[c]); return ms !== null && ms > at + DAY_MS; });
      if (future.length === 0) return null;
      return `"${table.name}" ${jsonText(keyOfRow(row, table))}: ${future.map((c) => `${c} ${jsonText(row[c])}`).join(", ")} is in the future (checked at ${new Date(at).toISOString()})`;
    };
  },
});
