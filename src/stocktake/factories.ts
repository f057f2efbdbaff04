import { DataSource, DeepPartial, EntityTarget, ObjectLiteral } from "typeorm";
import { Customer, Item, Session, Supplier } from "./entities";
import { exists } from "./picks";
import { Rng } from "./rng";
import {
  address, formatCents, gtin, LAST_NAMES, pastInstant, personName, PRODUCTS, toCents, UNITS,
} from "./money";

/**
 * New rows as the app would create them, shared by the seed and the write
 * paths. Values come from the generator only, never from row ids, so every
 * engine gets the same values.
 */

/** Draws until the value is unused in `column` (unique columns; collisions are rare, but not impossible). */
export async function freshValue<T extends ObjectLiteral>(
  ds: DataSource, entity: EntityTarget<T>, column: string, draw: () => string,
): Promise<string> {
  for (;;) {
    const value = draw();
    if (!(await exists(ds, entity, column, value))) return value;
  }
}

export interface ItemOptions {
  categoryId: number;
  /** Product family (a key of PRODUCTS) the name is drawn from. */
  family: string;
  sku: string;
  name: string;
}

export function newItem(rng: Rng, options: ItemOptions): DeepPartial<Item> {
  const costCents = rng.int(20, 3000);
  const roll = rng.next();
  return {
    sku: options.sku,
    name: options.name,
    // NULL, empty and real text all occur: a backup must keep them apart.
    description: roll < 0.3 ? null : roll < 0.4 ? "" : `${options.name}, ${rng.pick(["loose", "packed", "chilled", "ambient"])}`,
    unit: rng.pick(UNITS),
    unitCost: formatCents(costCents),
    unitPrice: formatCents(Math.round(costCents * (1.2 + rng.int(0, 60) / 100))),
    gtin: rng.chance(0.7) ? gtin(rng) : null,
    isActive: rng.chance(0.95),
    attributes: rng.chance(0.7)
      ? { origin: rng.pick(["UK", "IE", "FR", "ES", "NL"]), organic: rng.chance(0.3), allergens: rng.sample(["gluten", "milk", "egg", "nuts"], rng.int(0, 2)), shelfLifeDays: rng.int(2, 400) }
      : null,
    image: rng.chance(0.4) ? rng.bytes(rng.int(0, 48)) : null,
    categoryId: options.categoryId,
  };
}

/** A product name from a family, decorated so that it rarely repeats. */
export function productName(rng: Rng, family: string): string {
  const products = PRODUCTS[family] ?? PRODUCTS["Dry goods"];
  return `${rng.pick(products)} ${rng.pick(["", "organic ", "value ", "premium "])}${rng.int(1, 20) * 50}${rng.pick(["g", "ml", " pack"])}`;
}

export async function newItemFor(ds: DataSource, rng: Rng, categoryId: number, family: string): Promise<DeepPartial<Item>> {
  const sku = await freshValue(ds, Item, "sku", () => `SKU-${rng.hex(8).toUpperCase()}`);
  return newItem(rng, { categoryId, family, sku, name: productName(rng, family) });
}

export function newCustomer(rng: Rng): DeepPartial<Customer> {
  const name = rng.chance(0.3) ? `${rng.pick(LAST_NAMES)} ${rng.pick(["Café", "Deli", "Catering", "Bistro"])}` : personName(rng);
  const handle = name.toLowerCase().replace(/[^a-z]+/g, ".");
  return {
    name,
    email: rng.chance(0.8) ? `${handle}.${rng.hex(4)}@example.com` : null,
    phone: rng.chance(0.7) ? `+44 7${rng.int(100, 999)} ${rng.int(100000, 999999)}` : null,
    address: rng.chance(0.9) ? address(rng) : null,
    creditLimit: formatCents(rng.pick([0, 50_000, 100_000, 250_000])),
    isActive: rng.chance(0.9),
  };
}

export async function newSupplierFor(ds: DataSource, rng: Rng): Promise<DeepPartial<Supplier>> {
  const code = await freshValue(ds, Supplier, "code", () => `SUP-${rng.hex(6).toUpperCase()}`);
  return {
    name: `${rng.pick(LAST_NAMES)} ${rng.pick(["Farms", "Foods", "Wholesale", "Dairies", "Mills"])}`,
    code,
    contactEmail: rng.chance(0.8) ? `orders.${code.toLowerCase()}@example.com` : null,
    leadTimeDays: rng.int(1, 10),
  };
}

/** A login: the uuid comes from the generator, so SQLite (where TypeORM would make one up) stays reproducible. */
export function newSession(rng: Rng, userId: number): DeepPartial<Session> {
  const createdAt = pastInstant(rng, 30);
  return {
    id: rng.uuid(),
    userId,
    token: rng.hex(64),
    ipAddress: rng.chance(0.8) ? `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}` : null,
    userAgent: rng.chance(0.7) ? `StocktakeScanner/${rng.int(1, 4)}.${rng.int(0, 9)} (Android ${rng.int(10, 15)})` : null,
    expiresAt: new Date(createdAt.getTime() + 7 * 24 * 3600_000),
    createdAt,
  };
}

/** A price moved by 1 to 10 % up or down: always a different price. */
export function nudgedPrice(rng: Rng, price: string): string {
  const cents = toCents(price);
  const percent = rng.int(1, 10) * (rng.chance(0.5) ? -1 : 1);
  const moved = Math.max(1, Math.round(cents * (1 + percent / 100)));
  return formatCents(moved === cents ? cents + 1 : moved);
}
