import { DataSource, EntityManager, In, MoreThan } from "typeorm";
import {
  Category, Customer, Item, Order, OrderItem, Session, Stocktake, StocktakeItem, Store, StoreInventory, Supplier,
  User,
} from "./entities";
import { freshValue, newCustomer, newItemFor, newSession, newSupplierFor, nudgedPrice } from "./factories";
import {
  catalogItemIds, deletableItemIds, idsOf, linkedItemIds, liveCustomerIds, liveItemIds, nonSeasonalCategoryIds,
  removableCategoryIds, softDeletedCustomerIds, softDeletedItemIds, supplierIdsOf,
} from "./picks";
import { Rng } from "./rng";
import {
  CATEGORY_NAMES, familyOf, formatCents, formatMilli, lineCents, pastInstant, SEASONAL_PREFIX, SEASONS, toCents,
  toMilli,
} from "./money";

/**
 * One entry per row of the capture matrix (shared/research/typeorm-capture-matrix.md):
 * each `run` performs that write path once, on a seeded Stocktake database,
 * doing what the app would do with it. When the data a path needs has run
 * out (no soft-deleted row to restore, no deletable item...), it first makes
 * some through ordinary TypeORM calls; paths marked `rolledBack` never do,
 * so they leave the database exactly as they found it.
 */
export interface WritePath {
  /** Row number in the capture matrix. */
  row: number;
  /** The matrix's write-path column, lightly adapted to the Stocktake tables. */
  name: string;
  /** The path's work is rolled back on purpose: afterwards the database must be unchanged. */
  rolledBack: boolean;
  run(ds: DataSource, rng: Rng): Promise<void>;
}

/** Thrown inside transactions that are meant to roll back, and caught by the same path. */
class IntendedRollback extends Error {}

async function expectRollback(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof IntendedRollback) return;
    throw error;
  }
  throw new Error("a transaction meant to roll back committed");
}

// ---- choosing rows, and making some when the seeded data has run out ----

/** New, unsaved items in ordinary (non-seasonal) categories. */
async function someNewItems(ds: DataSource, rng: Rng, count: number): Promise<Item[]> {
  const categories = await ds.getRepository(Category).findBy({ id: In(await nonSeasonalCategoryIds(ds)) });
  const rows = [];
  for (let i = 0; i < count; i++) {
    const category = rng.pick(categories);
    rows.push(ds.getRepository(Item).create(await newItemFor(ds, rng, category.id, familyOf(category.name))));
  }
  return rows;
}

async function deletableItems(ds: DataSource, rng: Rng, count: number): Promise<number[]> {
  let ids = await deletableItemIds(ds);
  if (ids.length < count) {
    await ds.getRepository(Item).insert(await someNewItems(ds, rng, count - ids.length));
    ids = await deletableItemIds(ds);
  }
  return rng.sample(ids, count);
}

async function softDeletedItems(ds: DataSource, rng: Rng, count: number): Promise<number[]> {
  let ids = await softDeletedItemIds(ds);
  if (ids.length === 0) {
    await ds.getRepository(Item).softDelete(rng.pick(await liveItemIds(ds)));
    ids = await softDeletedItemIds(ds);
  }
  return rng.sample(ids, count);
}

async function liveCustomers(ds: DataSource, rng: Rng, count: number): Promise<number[]> {
  let ids = await liveCustomerIds(ds);
  if (ids.length === 0) {
    await ds.getRepository(Customer).insert(newCustomer(rng));
    ids = await liveCustomerIds(ds);
  }
  return rng.sample(ids, count);
}

async function catalogItems(ds: DataSource, rng: Rng, count: number): Promise<Item[]> {
  let ids = await catalogItemIds(ds);
  if (ids.length === 0) ids = await liveItemIds(ds);
  return ds.getRepository(Item).find({ where: { id: In(rng.sample(ids, count)) }, order: { id: "ASC" } });
}

async function inventoryRows(ds: DataSource, rng: Rng, count: number, minimum?: number): Promise<StoreInventory[]> {
  const ids = await idsOf(ds, StoreInventory, (qb) => (minimum === undefined ? qb : qb.andWhere("e.quantity > :minimum", { minimum })));
  return ds.getRepository(StoreInventory).find({ where: { id: In(rng.sample(ids, count)) }, order: { id: "ASC" } });
}

/** Stock rows to work on; deleted items take their stock along, so a long run may need to stock shelves again. */
async function stockedRows(ds: DataSource, rng: Rng, count: number): Promise<StoreInventory[]> {
  const rows = await inventoryRows(ds, rng, count);
  if (rows.length > 0) return rows;
  const stores = await idsOf(ds, Store);
  const itemIds = rng.sample(await liveItemIds(ds), 5);
  await ds.getRepository(StoreInventory).insert(itemIds.map((itemId) => ({
    storeId: rng.pick(stores), itemId, quantity: formatMilli(rng.int(5, 50) * 1000), reorderLevel: formatMilli(5000),
  })));
  return inventoryRows(ds, rng, count);
}

async function userIds(ds: DataSource): Promise<number[]> {
  return idsOf(ds, User);
}

/** A seasonal range: a new category with new items, one of them from a new supplier. */
async function seasonalRange(ds: DataSource, rng: Rng): Promise<Category> {
  const categories = ds.getRepository(Category);
  const name = await freshValue(ds, Category, "name", () => `${SEASONAL_PREFIX} ${rng.pick(SEASONS)} ${rng.hex(4)}`);
  const existingSupplier = await ds.getRepository(Supplier).findOneByOrFail({ id: rng.pick(await idsOf(ds, Supplier)) });
  const newSupplier = ds.getRepository(Supplier).create(await newSupplierFor(ds, rng));
  const items = [];
  for (let i = 0; i < 2; i++) {
    // No categoryId: the cascade fills it in from the parent.
    const { categoryId: _, ...fields } = await newItemFor(ds, rng, 0, SEASONAL_PREFIX);
    items.push(ds.getRepository(Item).create({ ...fields, suppliers: i === 0 ? [newSupplier, existingSupplier] : [existingSupplier] }));
  }
  return categories.save(categories.create({ name, description: `Limited ${name.toLowerCase()} range`, sortOrder: 100, items }));
}

// ---- business operations shared by several paths ----

interface OrderPlan {
  order: Partial<Order>;
  lines: Partial<OrderItem>[];
  /** Stock to take off the shelf: only where there is enough, the rest is back-ordered. */
  picks: { inventoryId: number; quantity: string }[];
}

async function planOrder(ds: DataSource, rng: Rng): Promise<OrderPlan> {
  // Read only (row 34 rolls back and must set nothing up): an archived customer will do if no other is left.
  let customers = await liveCustomerIds(ds);
  if (customers.length === 0) customers = await idsOf(ds, Customer, (qb) => qb, { withDeleted: true });
  const customerId = rng.pick(customers);
  const storeId = rng.pick(await idsOf(ds, Store));
  const items = await catalogItems(ds, rng, rng.int(1, 3));
  const lines = items.map((item) => {
    const quantityMilli = rng.int(1, 6) * 1000;
    return { itemId: item.id, quantity: formatMilli(quantityMilli), unitPrice: item.unitPrice, lineTotal: formatCents(lineCents(quantityMilli, toCents(item.unitPrice))) };
  });
  const stock = await ds.getRepository(StoreInventory).findBy({ storeId, itemId: In(items.map((item) => item.id)) });
  const picks = lines.flatMap((line) => {
    const row = stock.find((candidate) => candidate.itemId === line.itemId);
    return row && toMilli(row.quantity) >= toMilli(line.quantity) ? [{ inventoryId: row.id, quantity: line.quantity }] : [];
  });
  const order = {
    reference: await freshValue(ds, Order, "reference", () => rng.uuid()),
    customerId,
    storeId,
    status: "pending",
    orderedAt: pastInstant(rng, 7),
    total: formatCents(lines.reduce((sum, line) => sum + toCents(line.lineTotal), 0)),
    notes: rng.chance(0.2) ? "Phone order" : null,
  };
  return { order, lines, picks };
}

async function placeOrder(em: EntityManager, plan: OrderPlan): Promise<void> {
  const order = await em.save(Order, em.create(Order, plan.order));
  await em.save(OrderItem, plan.lines.map((line) => em.create(OrderItem, { ...line, orderId: order.id })));
  for (const pick of plan.picks) await em.decrement(StoreInventory, { id: pick.inventoryId }, "quantity", pick.quantity);
}

async function newStocktake(ds: DataSource, rng: Rng): Promise<Partial<Stocktake>> {
  const users = await userIds(ds);
  return {
    storeId: rng.pick(await idsOf(ds, Store)),
    status: "open",
    startedAt: pastInstant(rng, 3),
    countedById: users.length > 0 ? rng.pick(users) : null,
    notes: rng.chance(0.5) ? "Spot check" : null,
    totalValue: "0.00",
  };
}

async function newSessionFor(ds: DataSource, rng: Rng): Promise<Session> {
  return ds.getRepository(Session).create(newSession(rng, rng.pick(await userIds(ds))));
}

// ---- the 43 paths ----

export const writePaths: readonly WritePath[] = [
  {
    row: 1, name: "repository.save (insert)", rolledBack: false,
    async run(ds, rng) {
      const [item] = await someNewItems(ds, rng, 1);
      await ds.getRepository(Item).save(item);
    },
  },
  {
    row: 2, name: "save (update of loaded entity)", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Item);
      const item = await repo.findOneByOrFail({ id: rng.pick(await liveItemIds(ds)) });
      item.unitPrice = nudgedPrice(rng, item.unitPrice);
      await repo.save(item);
    },
  },
  {
    row: 3, name: "save({id, qty}) plain partial object", rolledBack: false,
    async run(ds, rng) {
      const [row] = await stockedRows(ds, rng, 1);
      await ds.getRepository(StoreInventory).save({ id: row.id, reorderLevel: formatMilli(toMilli(row.reorderLevel) + rng.int(1, 5) * 1000) });
    },
  },
  {
    row: 4, name: "save with changed ManyToMany (item.suppliers)", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Item);
      const item = await repo.findOneOrFail({ where: { id: rng.pick(await liveItemIds(ds)) }, relations: { suppliers: true } });
      const linked = item.suppliers.map((supplier) => supplier.id);
      const unlinked = (await idsOf(ds, Supplier)).filter((id) => !linked.includes(id));
      if (linked.length > 0) item.suppliers.splice(rng.int(0, linked.length - 1), 1);
      if (unlinked.length > 0) item.suppliers.push(await ds.getRepository(Supplier).findOneByOrFail({ id: rng.pick(unlinked) }));
      await repo.save(item);
    },
  },
  {
    row: 5, name: "save of array of entities", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Customer);
      const count = rng.int(3, 8);
      await repo.save(Array.from({ length: count }, () => repo.create(newCustomer(rng))));
    },
  },
  {
    row: 6, name: "insert()", rolledBack: false,
    async run(ds, rng) {
      await ds.getRepository(Supplier).insert(await newSupplierFor(ds, rng));
    },
  },
  {
    row: 7, name: "insert([...])", rolledBack: false,
    async run(ds, rng) {
      await ds.getRepository(Item).insert(await someNewItems(ds, rng, 3));
    },
  },
  {
    row: 8, name: "update(criteria, partial)", rolledBack: false,
    async run(ds, rng) {
      const [anchor] = await stockedRows(ds, rng, 1);
      const inStore = await ds.getRepository(StoreInventory).find({ where: { storeId: anchor.storeId }, order: { id: "ASC" } });
      const itemIds = rng.sample(inStore, 3).map((row) => row.itemId);
      await ds.getRepository(StoreInventory).update({ storeId: anchor.storeId, itemId: In(itemIds) }, { reorderLevel: formatMilli(rng.int(2, 30) * 1000) });
    },
  },
  {
    row: 9, name: "update(id, partial)", rolledBack: false,
    async run(ds, rng) {
      const id = rng.pick(await idsOf(ds, Customer, (qb) => qb, { withDeleted: true }));
      await ds.getRepository(Customer).update(id, { phone: `+44 7${rng.int(100, 999)} ${rng.int(100000, 999999)}` });
    },
  },
  {
    row: 10, name: "upsert([existing,new], ['name'])", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Category);
      const existing = await repo.findOneByOrFail({ id: rng.pick(await nonSeasonalCategoryIds(ds)) });
      const fresh = await freshValue(ds, Category, "name", () => `${rng.pick(CATEGORY_NAMES)} ${rng.hex(4)}`);
      await repo.upsert([
        { name: existing.name, description: `${existing.name}, revised range`, sortOrder: existing.sortOrder + 1 },
        { name: fresh, description: null, sortOrder: rng.int(10, 99) },
      ], ["name"]);
    },
  },
  {
    row: 11, name: "increment(criteria, 'quantity', n)", rolledBack: false,
    async run(ds, rng) {
      const [row] = await stockedRows(ds, rng, 1);
      await ds.getRepository(StoreInventory).increment({ id: row.id }, "quantity", rng.int(1, 24));
    },
  },
  {
    row: 12, name: "decrement({quantity > 3}, 'quantity', 1)", rolledBack: false,
    async run(ds, rng) {
      let rows = await inventoryRows(ds, rng, 2, 3);
      if (rows.length === 0) {
        const [row] = await stockedRows(ds, rng, 1);
        await ds.getRepository(StoreInventory).increment({ id: row.id }, "quantity", 10);
        rows = [row];
      }
      await ds.getRepository(StoreInventory).decrement({ id: In(rows.map((row) => row.id)), quantity: MoreThan("3") }, "quantity", 1);
    },
  },
  {
    row: 13, name: "delete(criteria)", rolledBack: false,
    async run(ds, rng) {
      const items = await ds.getRepository(Item).findBy({ id: In(await deletableItems(ds, rng, 2)) });
      await ds.getRepository(Item).delete({ sku: In(items.map((item) => item.sku)) });
    },
  },
  {
    row: 14, name: "delete(id)", rolledBack: false,
    async run(ds, rng) {
      const [id] = await deletableItems(ds, rng, 1);
      await ds.getRepository(Item).delete(id);
    },
  },
  {
    row: 15, name: "remove(entity)", rolledBack: false,
    async run(ds, rng) {
      const [id] = await deletableItems(ds, rng, 1);
      const repo = ds.getRepository(Item);
      await repo.remove(await repo.findOneByOrFail({ id }));
    },
  },
  {
    row: 16, name: "remove([...])", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Item);
      await repo.remove(await repo.findBy({ id: In(await deletableItems(ds, rng, 2)) }));
    },
  },
  {
    row: 17, name: "softDelete(criteria)", rolledBack: false,
    async run(ds, rng) {
      await ds.getRepository(Customer).softDelete({ id: In(await liveCustomers(ds, rng, 2)) });
    },
  },
  {
    row: 18, name: "softDelete({id IN [a,b]}) where a is already soft-deleted", rolledBack: false,
    async run(ds, rng) {
      const [deleted] = await softDeletedItems(ds, rng, 1);
      const live = rng.pick(await liveItemIds(ds));
      await ds.getRepository(Item).softDelete({ id: In([deleted, live]) });
    },
  },
  {
    row: 19, name: "softRemove(entity)", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Item);
      await repo.softRemove(await repo.findOneByOrFail({ id: rng.pick(await liveItemIds(ds)) }));
    },
  },
  {
    row: 20, name: "restore(criteria)", rolledBack: false,
    async run(ds, rng) {
      let ids = await softDeletedCustomerIds(ds);
      if (ids.length === 0) {
        await ds.getRepository(Customer).softDelete(await liveCustomers(ds, rng, 1));
        ids = await softDeletedCustomerIds(ds);
      }
      await ds.getRepository(Customer).restore({ id: In(rng.sample(ids, 2)) });
    },
  },
  {
    row: 21, name: "recover(entity)", rolledBack: false,
    async run(ds, rng) {
      const [id] = await softDeletedItems(ds, rng, 1);
      const repo = ds.getRepository(Item);
      await repo.recover(await repo.findOneOrFail({ where: { id }, withDeleted: true }));
    },
  },
  {
    row: 22, name: "clear() (session)", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Session);
      if ((await repo.count()) === 0) await repo.save(await newSessionFor(ds, rng));
      await repo.clear();
    },
  },
  {
    row: 23, name: "QB insert().values([...])", rolledBack: false,
    async run(ds, rng) {
      const sessions = [await newSessionFor(ds, rng), await newSessionFor(ds, rng)];
      await ds.createQueryBuilder().insert().into(Session).values(sessions).execute();
    },
  },
  {
    row: 24, name: "QB update().set().where()", rolledBack: false,
    async run(ds, rng) {
      let ids = await idsOf(ds, Order, (qb) => qb.andWhere("e.status = :status", { status: "confirmed" }));
      if (ids.length === 0) ids = await idsOf(ds, Order);
      await ds.createQueryBuilder().update(Order).set({ status: "shipped" })
        .where("id IN (:...ids)", { ids: rng.sample(ids, 3) }).execute();
    },
  },
  {
    row: 25, name: "QB delete().where()", rolledBack: false,
    async run(ds, rng) {
      await ds.createQueryBuilder().delete().from(Item).where("id IN (:...ids)", { ids: await deletableItems(ds, rng, 2) }).execute();
    },
  },
  {
    row: 26, name: "QB softDelete()", rolledBack: false,
    async run(ds, rng) {
      const ids = rng.sample(await liveItemIds(ds), 2);
      await ds.createQueryBuilder().softDelete().from(Item).where("id IN (:...ids)", { ids }).execute();
    },
  },
  {
    row: 27, name: "QB restore()", rolledBack: false,
    async run(ds, rng) {
      const ids = await softDeletedItems(ds, rng, 2);
      await ds.createQueryBuilder().restore().from(Item).where("id IN (:...ids)", { ids }).execute();
    },
  },
  {
    row: 28, name: "QB relation('suppliers').of(item).add([...])", rolledBack: false,
    async run(ds, rng) {
      const suppliers = await idsOf(ds, Supplier);
      const items = await liveItemIds(ds);
      for (const itemId of rng.sample(items, items.length)) {
        const linked = await supplierIdsOf(ds, itemId);
        const unlinked = suppliers.filter((id) => !linked.includes(id));
        if (unlinked.length === 0) continue;
        await ds.createQueryBuilder().relation(Item, "suppliers").of(itemId).add(rng.sample(unlinked, 2));
        return;
      }
      throw new Error("every item already has every supplier");
    },
  },
  {
    row: 29, name: "QB relation('suppliers').of(item).remove(supplier)", rolledBack: false,
    async run(ds, rng) {
      let items = await linkedItemIds(ds);
      if (items.length === 0) {
        const itemId = rng.pick(await liveItemIds(ds));
        await ds.createQueryBuilder().relation(Item, "suppliers").of(itemId).add(rng.pick(await idsOf(ds, Supplier)));
        items = [itemId];
      }
      const itemId = rng.pick(items);
      await ds.createQueryBuilder().relation(Item, "suppliers").of(itemId).remove(rng.pick(await supplierIdsOf(ds, itemId)));
    },
  },
  {
    row: 30, name: "cascade insert (Category.items + Item.suppliers cascade)", rolledBack: false,
    async run(ds, rng) {
      await seasonalRange(ds, rng);
    },
  },
  {
    row: 31, name: "remove(category) -> ON DELETE CASCADE items+junction", rolledBack: false,
    async run(ds, rng) {
      let ids = await removableCategoryIds(ds);
      if (ids.length === 0) ids = [(await seasonalRange(ds, rng)).id];
      const repo = ds.getRepository(Category);
      // Loaded without its items: the database, not TypeORM, deletes them.
      await repo.remove(await repo.findOneByOrFail({ id: rng.pick(ids) }));
    },
  },
  {
    row: 32, name: "dataSource.query('UPDATE ...')", rolledBack: false,
    async run(ds, rng) {
      const ids = (await stockedRows(ds, rng, 2)).map((row) => row.id);
      const q = (name: string) => ds.driver.escape(name);
      const slot = (i: number) => (ds.options.type === "postgres" ? `$${i + 1}` : "?");
      await ds.query(
        `UPDATE ${q("storeInventory")} SET ${q("reorderLevel")} = ${q("reorderLevel")} + 1 WHERE ${q("id")} IN (${ids.map((_, i) => slot(i)).join(", ")})`,
        ids);
    },
  },
  {
    row: 33, name: "manager.transaction(save+update+delete) commit", rolledBack: false,
    async run(ds, rng) {
      const plan = await planOrder(ds, rng);
      const sessions = await ds.getRepository(Session).find({ select: { id: true }, order: { id: "ASC" } });
      const stale = sessions.length > 0 ? rng.pick(sessions).id : undefined;
      await ds.manager.transaction(async (em) => {
        await placeOrder(em, plan);
        if (stale !== undefined) await em.delete(Session, { id: stale }); // the customer's till session ends
      });
    },
  },
  {
    row: 34, name: "manager.transaction(...) that throws", rolledBack: true,
    async run(ds, rng) {
      const plan = await planOrder(ds, rng);
      await expectRollback(() => ds.manager.transaction(async (em) => {
        await placeOrder(em, plan);
        throw new IntendedRollback("payment declined");
      }));
    },
  },
  {
    row: 35, name: "queryRunner manual tx + rollbackTransaction()", rolledBack: true,
    async run(ds, rng) {
      const stocktake = await newStocktake(ds, rng);
      const [row] = await inventoryRows(ds, rng, 1); // read only: a rolled-back path sets nothing up
      const runner = ds.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        await runner.manager.save(Stocktake, runner.manager.create(Stocktake, stocktake));
        if (row) await runner.manager.increment(StoreInventory, { id: row.id }, "quantity", 1);
        await runner.rollbackTransaction(); // the counter cancelled the count
      } finally {
        await runner.release();
      }
    },
  },
  {
    row: 36, name: "save() inside manager.transaction", rolledBack: false,
    async run(ds, rng) {
      let lines = await idsOf(ds, StocktakeItem, (qb) => qb.innerJoin("e.stocktake", "s").andWhere("s.status <> :closed", { closed: "closed" }));
      if (lines.length === 0) lines = await idsOf(ds, StocktakeItem);
      const lineId = rng.pick(lines);
      const delta = rng.int(-2, 2) * 1000;
      const countedAt = pastInstant(rng, 1);
      // Record one count and keep the stocktake's total equal to the sum of its lines.
      await ds.manager.transaction(async (em) => {
        const line = await em.findOneByOrFail(StocktakeItem, { id: lineId });
        const counted = Math.max(0, toMilli(line.countedQuantity ?? line.expectedQuantity) + delta);
        line.countedQuantity = formatMilli(counted);
        line.lineValue = formatCents(lineCents(counted, toCents(line.unitCost)));
        line.countedAt = countedAt;
        await em.save(line);
        const stocktake = await em.findOneByOrFail(Stocktake, { id: line.stocktakeId });
        const all = await em.findBy(StocktakeItem, { stocktakeId: stocktake.id });
        stocktake.totalValue = formatCents(all.reduce((sum, other) => sum + toCents(other.lineValue), 0));
        if (stocktake.status === "open") stocktake.status = "counting";
        await em.save(stocktake);
      });
    },
  },
  {
    row: 37, name: "nested tx commits (SAVEPOINT), outer throws", rolledBack: true,
    async run(ds, rng) {
      const [first, second] = await someNewItems(ds, rng, 2);
      await expectRollback(() => ds.manager.transaction(async (outer) => {
        await outer.transaction((inner) => inner.save(first)); // RELEASE SAVEPOINT
        await outer.save(second);
        throw new IntendedRollback("outer work failed");
      }));
    },
  },
  {
    row: 38, name: "nested tx throws (ROLLBACK TO SAVEPOINT), outer commits", rolledBack: false,
    async run(ds, rng) {
      const [kept, dropped] = await someNewItems(ds, rng, 2);
      await ds.manager.transaction(async (outer) => {
        await outer.save(kept);
        await expectRollback(() => outer.transaction(async (inner) => {
          await inner.save(dropped);
          throw new IntendedRollback("inner work failed");
        }));
      });
    },
  },
  {
    row: 39, name: "save(e,{listeners:false})", rolledBack: false,
    async run(ds, rng) {
      const repo = ds.getRepository(Customer);
      await repo.save(repo.create(newCustomer(rng)), { listeners: false });
    },
  },
  {
    row: 40, name: "remove(e,{listeners:false})", rolledBack: false,
    async run(ds, rng) {
      const [id] = await deletableItems(ds, rng, 1);
      const repo = ds.getRepository(Item);
      await repo.remove(await repo.findOneByOrFail({ id }), { listeners: false });
    },
  },
  {
    row: 41, name: "QB update().callListeners(false)", rolledBack: false,
    async run(ds, rng) {
      const id = rng.pick(await userIds(ds));
      await ds.createQueryBuilder().update(User).set({ lastLoginAt: pastInstant(rng, 1) })
        .where("id = :id", { id }).callListeners(false).execute();
    },
  },
  {
    row: 42, name: "save(e,{transaction:false})", rolledBack: false,
    async run(ds, rng) {
      await ds.getRepository(Session).save(await newSessionFor(ds, rng), { transaction: false });
    },
  },
  {
    row: 43, name: "save(e,{data:{user:'u1'}}) (qr.data)", rolledBack: false,
    async run(ds, rng) {
      const user = await ds.getRepository(User).findOneByOrFail({ id: rng.pick(await userIds(ds)) });
      const repo = ds.getRepository(Stocktake);
      await repo.save(repo.create(await newStocktake(ds, rng)), { data: { user: user.username } });
    },
  },
];
