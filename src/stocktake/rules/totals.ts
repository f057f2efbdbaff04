/**
 * Stored totals equal the sum of their lines, exactly (money as decimal
 * units, never floats): an order's total and its lines' totals, a
 * stocktake's value and its lines' values; and each line's own total is
 * its quantity times its price, rounded to the cent, as the app computes it
 * (money.ts lineCents). Deliveries store no money total: their lines have
 * only quantities, which negative-quantity checks.
 */
import { jsonText } from "../../db/jsonText";
import type { Row } from "../../db/types";
import { keyOfRow, rowRule } from "../../integrity/rowRule";
import { sumRule } from "../../integrity/sumRule";
import { decimalUnits, formatUnits } from "../money";

export const ORDER_TOTAL_RULE = "order-total";
export const STOCKTAKE_TOTAL_RULE = "stocktake-total";
export const LINE_TOTAL_RULE = "line-total";

const cents = (value: Row[string]) => decimalUnits(value, 2);
const money = (units: bigint) => formatUnits(units, 2);

export const orderTotalRule = sumRule({
  name: ORDER_TOTAL_RULE,
  severity: "error",
  description: "an order's total is the sum of its lines' totals",
  parent: { table: "order", total: "total" },
  lines: { table: "orderItem", parentColumn: "orderId", value: "lineTotal" },
  units: cents,
  format: money,
  scale: 2,
});

export const stocktakeTotalRule = sumRule({
  name: STOCKTAKE_TOTAL_RULE,
  severity: "error",
  description: "a stocktake's total value is the sum of its lines' values",
  parent: { table: "stocktake", total: "totalValue" },
  lines: { table: "stocktakeItem", parentColumn: "stocktakeId", value: "lineValue" },
  units: cents,
  format: money,
  scale: 2,
});

/** round(quantity × price, 2) as the app rounds (money.ts lineCents: Math.round, half up), in integers: quantity in thousandths, price in cents. */
function lineCents(quantity: bigint, price: bigint): bigint {
  const halfUp = quantity * price + 500n; // units of 1/1000 cent
  const q = halfUp / 1000n;
  return halfUp < 0n && q * 1000n !== halfUp ? q - 1n : q; // floor, not BigInt's truncation
}

/** Table → its line total, quantity and price columns; a NULL quantity (not counted yet) means a total of 0. */
const LINES: Record<string, { total: string; quantity: string; price: string }> = {
  orderItem: { total: "lineTotal", quantity: "quantity", price: "unitPrice" },
  stocktakeItem: { total: "lineValue", quantity: "countedQuantity", price: "unitCost" },
};

export const lineTotalRule = rowRule({
  name: LINE_TOTAL_RULE,
  severity: "error",
  description: "a line's total is its quantity times its price, rounded to the cent",
  checkerFor(table) {
    const spec = LINES[table.name];
    if (!spec || ![spec.total, spec.quantity, spec.price].every((c) => table.columns.some((x) => x.name === c))) return null;
    return (row) => {
      const total = cents(row[spec.total]);
      const price = cents(row[spec.price]);
      const quantity = row[spec.quantity] === null ? 0n : decimalUnits(row[spec.quantity], 3);
      if (total === null || price === null || quantity === null) return null;
      const want = lineCents(quantity, price);
      if (want === total) return null;
      return `"${table.name}" ${jsonText(keyOfRow(row, table))}: ${spec.total} ${money(total)} is not ${spec.quantity} ${jsonText(row[spec.quantity])} × ${spec.price} ${jsonText(row[spec.price])} = ${money(want)}`;
    };
  },
});
