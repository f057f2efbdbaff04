/** No negative quantities or stock levels: a count, a delivery, an order line or stock on hand below zero is a typo or a bug. */
import { rowRule } from "../../integrity/rowRule";
import { jsonText } from "../../db/jsonText";
import { keyOfRow } from "../../integrity/rowRule";
import { decimalUnits } from "../money";

export const NEGATIVE_QUANTITY_RULE = "negative-quantity";

/** Table → its quantity columns (scale 3). */
export const QUANTITY_COLUMNS: Record<string, string[]> = {
  stocktakeItem: ["expectedQuantity", "countedQuantity"],
  orderItem: ["quantity"],
  deliveryItem: ["quantity"],
  storeInventory: ["quantity", "reorderLevel"],
  production: ["quantityProduced"],
  productionIngredient: ["quantityUsed"],
  recipe: ["yieldQuantity"],
  recipeIngredient: ["quantity"],
};

export const negativeQuantityRule = rowRule({
  name: NEGATIVE_QUANTITY_RULE,
  severity: "error",
  description: "quantities and stock levels are not negative",
  checkerFor(table) {
    const columns = (QUANTITY_COLUMNS[table.name] ?? []).filter((c) => table.columns.some((x) => x.name === c));
    if (columns.length === 0) return null;
    return (row) => {
      const negative = columns.filter((c) => { const u = decimalUnits(row[c], 6); return u !== null && u < 0n; });
      if (negative.length === 0) return null;
      return `"${table.name}" ${jsonText(keyOfRow(row, table))}: negative ${negative.map((c) => `${c} ${jsonText(row[c])}`).join(", ")}`;
    };
  },
});
