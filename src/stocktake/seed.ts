import { DataSource, DeepPartial, EntityManager, EntityTarget, ObjectLiteral } from "typeorm";
import {
  Category, Customer, DeliveryItem, DeliveryPlan, DeliveryPlanCustomer, Item, Order, OrderItem, Permission,
  Production, ProductionIngredient, Recipe, RecipeIngredient, Role, RolePermission, Session, Stocktake,
  StocktakeItem, Store, StoreInventory, Supplier, User, UserRole,
} from "./entities";
import { newCustomer, newItem, newSession } from "./factories";
import { countRows } from "./counts";
import { Rng } from "./rng";
import {
  address, calendarDate, CATEGORY_NAMES, CITIES, familyOf, FIRST_NAMES, formatCents, formatMilli, LAST_NAMES, lineCents,
  pastInstant, PRODUCTS, SEASONAL_PREFIX, SEASONS, TIMEZONES, toCents, toMilli,
} from "./money";

export interface SeedOptions {
  /** Rows grow linearly with scale; 1 gives a few hundred rows over the 23 tables. */
  scale?: number;
  seed?: number;
}

const ROLES = ["admin", "manager", "counter", "driver"];
const PERMISSIONS = [
  "inventory.read", "inventory.write", "stocktake.count", "stocktake.close", "orders.read", "orders.write",
  "delivery.plan", "delivery.drive", "production.record", "users.admin",
];
/** Which permissions each role is granted. */
const GRANTS: Record<string, readonly string[]> = {
  admin: PERMISSIONS,
  manager: PERMISSIONS.slice(0, 9),
  counter: ["inventory.read", "stocktake.count", "orders.read"],
  driver: ["orders.read", "delivery.drive"],
};

async function saveAll<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, rows: DeepPartial<NoInfer<T>>[]): Promise<T[]> {
  const repo = em.getRepository(entity);
  return repo.save(rows.map((row) => repo.create(row)), { chunk: 200 });
}

const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);

/**
 * Builds the Stocktake data set through TypeORM. Every value, timestamps
 * included, comes from the seeded generator, so the same seed gives the same
 * rows on any engine (ids aside: see picks.ts). Items of the seasonal
 * categories, and about a quarter of the others, are referenced by nothing
 * but stock and suppliers: the workload may delete them.
 * One transaction: a seed that fails or is killed leaves nothing behind, so
 * "is the database seeded?" has a yes-or-no answer.
 * Returns the row count of every table.
 */
export async function seedStocktake(ds: DataSource, options: SeedOptions = {}): Promise<Record<string, number>> {
  await ds.manager.transaction((em) => seedInto(em, options));
  return countRows(ds);
}

async function seedInto(em: EntityManager, options: SeedOptions): Promise<void> {
  const scale = options.scale ?? 1;
  const rng = new Rng(options.seed ?? 1);
  const n = (base: number) => Math.max(1, Math.round(base * scale));
  const at = () => pastInstant(rng, 365);

  const stores = await saveAll(em, Store, range(n(2)).map((i) => ({
    name: `${rng.pick(CITIES)} ${["Central", "North", "Market", "Harbour"][i % 4]}`,
    code: `ST${String(i + 1).padStart(3, "0")}`,
    address: address(rng),
    timezone: rng.pick(TIMEZONES),
    openedOn: calendarDate(pastInstant(rng, 3000)),
    isActive: i === 0 || rng.chance(0.9),
    createdAt: at(),
  })));

  const regularNames = range(n(1)).flatMap((k) => CATEGORY_NAMES.map((name) => (k === 0 ? name : `${name} ${k + 1}`)));
  const seasonalNames = range(n(2)).map((i) => `${SEASONAL_PREFIX} ${SEASONS[i % SEASONS.length]} ${Math.floor(i / SEASONS.length) + 1}`);
  const categories = await saveAll(em, Category, [...regularNames, ...seasonalNames].map((name, i) => {
    const createdAt = at();
    return { name, description: rng.chance(0.6) ? `${name} lines` : null, sortOrder: i, createdAt, updatedAt: createdAt };
  }));

  const suppliers = await saveAll(em, Supplier, range(n(5)).map((i) => ({
    name: `${rng.pick(LAST_NAMES)} ${["Farms", "Foods", "Wholesale", "Dairies", "Mills"][i % 5]}`,
    code: `SUP-${String(i + 1).padStart(4, "0")}`,
    contactEmail: rng.chance(0.8) ? `orders${i + 1}@example.com` : null,
    leadTimeDays: rng.int(1, 10),
    createdAt: at(),
  })));

  // Core items are the ones orders, counts, recipes and deliveries use.
  const core = new Set<string>();
  const names = new Set<string>();
  const items = await saveAll(em, Item, range(n(40)).map((i) => {
    const category = rng.chance(0.8) ? categories[i % regularNames.length] : rng.pick(categories.slice(regularNames.length));
    const family = familyOf(category.name);
    let name = rng.pick(PRODUCTS[family]);
    for (let k = 2; names.has(name); k++) name = `${rng.pick(PRODUCTS[family])} ${k * 250}g`;
    names.add(name);
    const sku = `SKU-${String(i + 1).padStart(5, "0")}`;
    const isCore = family !== SEASONAL_PREFIX && rng.chance(0.75);
    if (isCore) core.add(sku);
    const createdAt = at();
    return {
      ...newItem(rng, { categoryId: category.id, family, sku, name }),
      suppliers: rng.sample(suppliers, rng.int(0, 2)),
      createdAt,
      updatedAt: createdAt,
      deletedAt: !isCore && rng.chance(0.15) ? at() : null,
    };
  }));
  const coreItems = items.filter((item) => core.has(item.sku));
  const liveItems = items.filter((item) => item.deletedAt === null);

  // Each live item is stocked in one or two stores: rows grow with items, not items x stores.
  const inventory = await saveAll(em, StoreInventory, liveItems.flatMap((item) =>
    rng.sample(stores, rng.int(1, 2)).map((store) => ({
      storeId: store.id,
      itemId: item.id,
      quantity: formatMilli(rng.int(0, 200) * 1000 + (item.unit === "kg" ? rng.int(0, 999) : 0)),
      reorderLevel: formatMilli(rng.int(1, 20) * 1000),
      lastCountedAt: rng.chance(0.7) ? at() : null,
      updatedAt: at(),
    }))));

  const customers = await saveAll(em, Customer, range(n(15)).map(() => {
    const createdAt = at();
    return { ...newCustomer(rng), createdAt, updatedAt: createdAt, deletedAt: rng.chance(0.1) ? at() : null };
  }));
  const liveCustomers = customers.filter((customer) => customer.deletedAt === null);

  const users = await saveAll(em, User, range(n(8)).map((i) => {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const createdAt = at();
    return {
      username: `${first}.${last}.${i + 1}`.toLowerCase(),
      email: `${first}.${last}.${i + 1}@stocktake.example`.toLowerCase(),
      passwordHash: `$2b$10$${rng.hex(53)}`,
      displayName: rng.chance(0.8) ? `${first} ${last}` : null,
      isActive: rng.chance(0.9),
      lastLoginAt: rng.chance(0.8) ? at() : null,
      homeStoreId: rng.chance(0.8) ? rng.pick(stores).id : null,
      createdAt,
      updatedAt: createdAt,
    };
  }));

  // Roles and permissions are a fixed vocabulary: they do not grow with scale.
  const roles = await saveAll(em, Role, ROLES.map((name) => ({ name, description: rng.chance(0.5) ? `${name} role` : null })));
  const permissions = await saveAll(em, Permission, PERMISSIONS.map((code) => ({ code, description: `may ${code.replace(".", " ")}` })));
  await saveAll(em, RolePermission, roles.flatMap((role) => GRANTS[role.name].map((code) => ({
    roleId: role.id,
    permissionId: permissions.find((permission) => permission.code === code)!.id,
    grantedAt: at(),
  }))));
  // The first user is the administrator; the others get one or two roles.
  await saveAll(em, UserRole, users.flatMap((user, i) =>
    (i === 0 ? [roles[0]] : rng.sample(roles, rng.int(1, 2))).map((role) => ({ userId: user.id, roleId: role.id, assignedAt: at() }))));
  await saveAll(em, Session, range(n(10)).map(() => newSession(rng, rng.pick(users).id)));

  const recipes = await saveAll(em, Recipe, range(n(4)).map(() => {
    const output = rng.pick(coreItems);
    const createdAt = at();
    return {
      name: `House ${output.name.toLowerCase()}`,
      outputItemId: output.id,
      yieldQuantity: formatMilli(rng.int(1, 20) * 1000),
      steps: rng.chance(0.8) ? range(rng.int(1, 4)).map((s) => `Step ${s + 1}: ${rng.pick(["weigh", "mix", "rest", "bake", "chill", "portion"])}`) : null,
      isActive: rng.chance(0.9),
      createdAt,
      updatedAt: createdAt,
    };
  }));
  const recipeIngredients = await saveAll(em, RecipeIngredient, recipes.flatMap((recipe) =>
    rng.sample(coreItems.filter((item) => item.id !== recipe.outputItemId), rng.int(2, 4)).map((item) => ({
      recipeId: recipe.id, itemId: item.id, quantity: formatMilli(rng.int(50, 5000)),
    }))));

  for (const _ of range(n(3))) {
    const store = rng.pick(stores);
    const status = rng.pick(["open", "counting", "closed"]);
    const startedAt = at();
    const counted = inventory.filter((row) => row.storeId === store.id && coreItems.some((item) => item.id === row.itemId));
    const lines = rng.sample(counted, rng.int(6, 10)).map((row) => {
      const item = items.find((candidate) => candidate.id === row.itemId)!;
      const isCounted = status === "closed" || (status === "counting" && rng.chance(0.6));
      const countedMilli = Math.max(0, toMilli(row.quantity) + rng.int(-3, 3) * 1000);
      return {
        itemId: item.id,
        expectedQuantity: row.quantity,
        countedQuantity: isCounted ? formatMilli(countedMilli) : null,
        unitCost: item.unitCost,
        lineValue: formatCents(isCounted ? lineCents(countedMilli, toCents(item.unitCost)) : 0),
        countedAt: isCounted ? new Date(startedAt.getTime() + rng.int(5, 240) * 60_000) : null,
      };
    });
    const [stocktake] = await saveAll(em, Stocktake, [{
      storeId: store.id,
      status,
      startedAt,
      completedAt: status === "closed" ? new Date(startedAt.getTime() + 300 * 60_000) : null,
      countedById: rng.chance(0.8) ? rng.pick(users).id : null,
      notes: rng.chance(0.4) ? "Quarterly count" : null,
      totalValue: formatCents(lines.reduce((sum, line) => sum + toCents(line.lineValue), 0)),
      createdAt: startedAt,
      updatedAt: startedAt,
    }]);
    await saveAll(em, StocktakeItem, lines.map((line) => ({ ...line, stocktakeId: stocktake.id })));
  }

  for (const _ of range(n(3))) {
    const status = rng.pick(["planned", "loaded", "delivered"]);
    const createdAt = at();
    const [plan] = await saveAll(em, DeliveryPlan, [{
      storeId: rng.pick(stores).id,
      deliveryDate: calendarDate(createdAt),
      status,
      driverName: rng.chance(0.8) ? rng.pick(FIRST_NAMES) : null,
      notes: rng.chance(0.3) ? "Use the side entrance" : null,
      createdAt,
      updatedAt: createdAt,
    }]);
    const stops = rng.sample(liveCustomers, rng.int(2, 4));
    await saveAll(em, DeliveryPlanCustomer, stops.map((customer, stop) => ({
      deliveryPlanId: plan.id,
      customerId: customer.id,
      stopNumber: stop + 1,
      eta: rng.chance(0.8) ? new Date(createdAt.getTime() + (stop + 1) * 30 * 60_000) : null,
    })));
    await saveAll(em, DeliveryItem, stops.flatMap((customer) => rng.sample(coreItems, rng.int(1, 3)).map((item) => ({
      deliveryPlanId: plan.id,
      customerId: customer.id,
      itemId: item.id,
      quantity: formatMilli(rng.int(1, 12) * 1000),
      delivered: status === "delivered",
    }))));
  }

  for (const _ of range(n(20))) {
    const lines = rng.sample(coreItems, rng.int(1, 4)).map((item) => {
      const quantityMilli = rng.int(1, 10) * 1000;
      return {
        itemId: item.id,
        quantity: formatMilli(quantityMilli),
        unitPrice: item.unitPrice,
        lineTotal: formatCents(lineCents(quantityMilli, toCents(item.unitPrice))),
      };
    });
    const orderedAt = at();
    const [order] = await saveAll(em, Order, [{
      reference: rng.uuid(),
      customerId: rng.pick(liveCustomers).id,
      storeId: rng.pick(stores).id,
      status: rng.weighted([["pending", 3], ["confirmed", 3], ["shipped", 5], ["cancelled", 1]] as const),
      orderedAt,
      total: formatCents(lines.reduce((sum, line) => sum + toCents(line.lineTotal), 0)),
      notes: rng.chance(0.2) ? "Leave at reception" : null,
      createdAt: orderedAt,
      updatedAt: orderedAt,
    }]);
    await saveAll(em, OrderItem, lines.map((line) => ({ ...line, orderId: order.id })));
  }

  for (const _ of range(n(6))) {
    const recipe = rng.pick(recipes);
    const batches = rng.int(1, 3);
    const producedAt = at();
    const [production] = await saveAll(em, Production, [{
      recipeId: recipe.id,
      storeId: rng.pick(stores).id,
      quantityProduced: formatMilli(toMilli(recipe.yieldQuantity) * batches),
      producedAt,
      producedById: rng.chance(0.8) ? rng.pick(users).id : null,
      status: rng.chance(0.8) ? "done" : "planned",
      createdAt: producedAt,
    }]);
    await saveAll(em, ProductionIngredient, recipeIngredients.filter((line) => line.recipeId === recipe.id).map((line) => ({
      productionId: production.id, itemId: line.itemId, quantityUsed: formatMilli(toMilli(line.quantity) * batches),
    })));
  }
}
