/**
 * No two users with one username, and no two items of one category with
 * one name, ignoring case and surrounding spaces ("Alice " is "alice"): the
 * schema does not make them unique (the app checks at sign-up and when an
 * item is created), so a race or an import can. A soft-deleted item does
 * not count. The old validator checked emails instead of usernames, and
 * names that were unique already; these are the checks its README promised.
 */
import type { Row } from "../../db/types";
import { duplicateRule } from "../../integrity/duplicateRule";

export const DUPLICATE_USERNAME_RULE = "duplicate-username";
export const DUPLICATE_ITEM_NAME_RULE = "duplicate-item-name";

/** The form two names are compared in: trimmed, lower case (Unicode-aware). */
export function nameKey(value: Row[string]): string | null {
  return typeof value === "string" ? value.trim().toLocaleLowerCase("en") : null;
}

export const duplicateUsernameRule = duplicateRule({
  name: DUPLICATE_USERNAME_RULE,
  severity: "error",
  description: "usernames are unique, ignoring case and surrounding spaces",
  table: "user",
  columns: ["username"],
  valueOf: (row) => { const name = nameKey(row.username); return name === null ? null : { username: name }; },
  describe: (value) => `username ${JSON.stringify(value.username)} (case and surrounding spaces ignored)`,
});

export const duplicateItemNameRule = duplicateRule({
  name: DUPLICATE_ITEM_NAME_RULE,
  severity: "error",
  description: "item names are unique within their category, ignoring case and surrounding spaces (soft-deleted items aside)",
  table: "item",
  columns: ["categoryId", "name"],
  valueOf: (row) => {
    const name = nameKey(row.name);
    if (name === null || (row.deletedAt !== null && row.deletedAt !== undefined)) return null;
    return { categoryId: row.categoryId === null ? null : String(row.categoryId), name };
  },
  describe: (value) => `name ${JSON.stringify(value.name)} in category ${String(value.categoryId)} (case and surrounding spaces ignored)`,
});
