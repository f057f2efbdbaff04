/**
 * The Stocktake app's business rules, beside the app (I7): registered with
 * the generic ones by stocktakeRules, which the top-level integrity.ts hands
 * the CLI, and DataIntegrityValidator runs by default.
 */
import { genericRules } from "../../integrity/generic";
import type { Rule } from "../../integrity/rule";
import { duplicateItemNameRule, duplicateUsernameRule } from "./duplicateNames";
import { futureDateRule } from "./futureDate";
import { negativeQuantityRule } from "./negativeQuantity";
import { lineTotalRule, orderTotalRule, stocktakeTotalRule } from "./totals";

export { DUPLICATE_ITEM_NAME_RULE, DUPLICATE_USERNAME_RULE } from "./duplicateNames";
export { FUTURE_DATE_RULE } from "./futureDate";
export { NEGATIVE_QUANTITY_RULE } from "./negativeQuantity";
export { LINE_TOTAL_RULE, ORDER_TOTAL_RULE, STOCKTAKE_TOTAL_RULE } from "./totals";

export const businessRules: readonly Rule[] = [
  negativeQuantityRule, futureDateRule, duplicateUsernameRule, duplicateItemNameRule, orderTotalRule, stocktakeTotalRule, lineTotalRule,
];

/** Every rule the Stocktake app is checked with: the generic ones, then its own. */
export const stocktakeRules: readonly Rule[] = [...genericRules, ...businessRules];
