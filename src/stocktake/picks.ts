import { DataSource, EntityTarget, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { Category, Customer, Item, Supplier } from "./entities";
import { SEASONAL_PREFIX } from "./money";

/**
 * Row choosers for the workload. They return primary keys ordered by key:
 * engines may number rows differently (a rolled-back insert burns a
 * PostgreSQL sequence value, not a SQLite one), but the order of rows is
 * the same, so a seeded generator picking by position picks the same rows.
 */

export async function idsOf<T extends ObjectLiteral>(
  ds: DataSource,
  entity: EntityTarget<T>,
  filter: (qb: SelectQueryBuilder<T>) => SelectQueryBuilder<T> = (qb) => qb,
  options: { withDeleted?: boolean } = {},
): Promise<number[]> {
  let qb = ds.getRepository(entity).createQueryBuilder("e").select("e.id", "id").orderBy("e.id", "ASC");
  if (options.withDeleted) qb = qb.withDeleted();
  const rows: { id: number | string }[] = await filter(qb).getRawMany();
  return rows.map((row) => Number(row.id));
}

/** Tables whose rows would block deleting an item (storeInventory and item_supplier cascade). */
const ITEM_REFERENCES: readonly [table: string, column: string][] = [
  ["recipe", "outputItemId"], ["recipeIngredient", "itemId"], ["stocktakeItem", "itemId"],
  ["deliveryItem", "itemId"], ["orderItem", "itemId"], ["productionIngredient", "itemId"],
];

function unreferenced(ds: DataSource, itemAlias: string): string {
  const q = (name: string) => ds.driver.escape(name);
  return ITEM_REFERENCES.map(
    ([table, column]) => `NOT EXISTS (SELECT 1 FROM ${q(table)} r WHERE r.${q(column)} = ${itemAlias}.${q("id")})`,
  ).join(" AND ");
}

/** Live items that can be hard-deleted without breaking a foreign key. */
export function deletableItemIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, Item, (qb) => qb.andWhere(unreferenced(ds, ds.driver.escape("e"))));
}

/** Live, active items outside the seasonal ranges: what orders, counts and recipes use. */
export function catalogItemIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, Item, (qb) =>
    qb.innerJoin("e.category", "c").andWhere("e.isActive = :active", { active: true })
      .andWhere("c.name NOT LIKE :seasonal", { seasonal: `${SEASONAL_PREFIX}%` }));
}

export function liveItemIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, Item);
}

export function softDeletedItemIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, Item, (qb) => qb.andWhere("e.deletedAt IS NOT NULL"), { withDeleted: true });
}

export function liveCustomerIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, Customer);
}

export function softDeletedCustomerIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, Customer, (qb) => qb.andWhere("e.deletedAt IS NOT NULL"), { withDeleted: true });
}

/** Seasonal categories that have items and none of them (deleted or not) is referenced. */
export async function removableCategoryIds(ds: DataSource): Promise<number[]> {
  const q = (name: string) => ds.driver.escape(name);
  const i = q("i");
  return idsOf(ds, Category, (qb) =>
    qb.andWhere("e.name LIKE :seasonal", { seasonal: `${SEASONAL_PREFIX}%` })
      .andWhere(`EXISTS (SELECT 1 FROM ${q("item")} ${i} WHERE ${i}.${q("categoryId")} = e.id)`)
      .andWhere(`NOT EXISTS (SELECT 1 FROM ${q("item")} ${i} WHERE ${i}.${q("categoryId")} = e.id AND NOT (${unreferenced(ds, i)}))`));
}

export function nonSeasonalCategoryIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, Category, (qb) => qb.andWhere("e.name NOT LIKE :seasonal", { seasonal: `${SEASONAL_PREFIX}%` }));
}

/** Supplier ids linked to an item through the item_supplier junction, ordered. */
export async function supplierIdsOf(ds: DataSource, itemId: number): Promise<number[]> {
  return idsOf(ds, Supplier, (qb) => qb.innerJoin("e.items", "li").andWhere("li.id = :itemId", { itemId }));
}

/** Does any row of `entity` have `column` = `value` (deleted rows included)? For unique values. */
export async function exists<T extends ObjectLiteral>(
  ds: DataSource, entity: EntityTarget<T>, column: string, value: unknown,
): Promise<boolean> {
  const count = await ds.getRepository(entity).createQueryBuilder("e").withDeleted()
    .where(`e.${column} = :value`, { value }).getCount();
  return count > 0;
}

/** Live items with at least one supplier link. */
export function linkedItemIds(ds: DataSource): Promise<number[]> {
  const q = (name: string) => ds.driver.escape(name);
  return idsOf(ds, Item, (qb) =>
    qb.andWhere(`EXISTS (SELECT 1 FROM ${q("item_supplier")} l WHERE l.${q("itemId")} = e.id)`));
}
