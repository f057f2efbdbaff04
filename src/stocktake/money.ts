import { Rng } from "./rng";

/**
 * Plain values for the workload: exact money and quantity arithmetic in
 * integers, and made-up but plausible names. Nothing here touches a database.
 */

/** The workload's "now": every generated timestamp is at or before a fixed instant, so two runs agree. */
export const WORKLOAD_EPOCH = Date.UTC(2025, 0, 6, 9, 0, 0);

/** A whole minute up to `days` days before the epoch. */
export function pastInstant(rng: Rng, days = 120): Date {
  return new Date(WORKLOAD_EPOCH - rng.int(0, days * 24 * 60) * 60_000);
}

/** 'YYYY-MM-DD' of an instant, in UTC (the `date` columns carry no time zone). */
export function calendarDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Decimal strings <-> integers, so sums never pick up floating point dust. */
export const toCents = (value: string | number): number => Math.round(Number(value) * 100);
export const toMilli = (value: string | number): number => Math.round(Number(value) * 1000);
export const formatCents = (cents: number): string => fixed(cents, 2);
export const formatMilli = (milli: number): string => fixed(milli, 3);

function fixed(units: number, scale: number): string {
  const factor = 10 ** scale;
  const sign = units < 0 ? "-" : "";
  const abs = Math.abs(units);
  return `${sign}${Math.floor(abs / factor)}.${String(abs % factor).padStart(scale, "0")}`;
}

/** Value of a quantity at a unit price, rounded to the cent. */
export function lineCents(quantityMilli: number, unitPriceCents: number): number {
  return Math.round((quantityMilli * unitPriceCents) / 1000);
}

export const CATEGORY_NAMES = ["Produce", "Dairy", "Bakery", "Meat", "Dry goods", "Beverages"];
/** Seasonal ranges: items nothing else points at, so a category can be removed with its items. */
export const SEASONAL_PREFIX = "Seasonal";
export const SEASONS = ["Winter", "Spring", "Summer", "Autumn", "Festive", "Harvest"];

export const PRODUCTS: Record<string, readonly string[]> = {
  Produce: ["Apples", "Carrots", "Onions", "Potatoes", "Lettuce", "Tomatoes", "Lemons"],
  Dairy: ["Whole milk", "Butter", "Cheddar", "Yoghurt", "Cream", "Eggs"],
  Bakery: ["Sourdough", "Baguette", "Croissant", "Rye loaf", "Bagel"],
  Meat: ["Chicken breast", "Beef mince", "Pork loin", "Lamb shoulder", "Bacon"],
  "Dry goods": ["Flour", "Sugar", "Rice", "Pasta", "Oats", "Lentils", "Salt"],
  Beverages: ["Orange juice", "Coffee beans", "Tea", "Sparkling water", "Cola"],
  [SEASONAL_PREFIX]: ["Mince pies", "Pumpkin", "Mulled wine", "Strawberries", "Asparagus", "Chestnuts"],
};

/** The product family a category's items are named from. */
export function familyOf(categoryName: string): string {
  if (categoryName.startsWith(SEASONAL_PREFIX)) return SEASONAL_PREFIX;
  return CATEGORY_NAMES.find((name) => categoryName.startsWith(name)) ?? "Dry goods";
}

export const UNITS = ["each", "kg", "l", "box"];
export const FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jon", "Kofi", "Lena"];
export const LAST_NAMES = ["Adams", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen"];
export const STREETS = ["High St", "Mill Lane", "Station Rd", "Church St", "Park Ave", "Queen's Rd", "Harbour Way"];
export const CITIES = ["Leeds", "Bristol", "York", "Bath", "Exeter", "Durham"];
export const TIMEZONES = ["Europe/London", "Europe/Dublin", "Europe/Lisbon"];

export function personName(rng: Rng): string {
  return `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
}

export function address(rng: Rng): string {
  return `${rng.int(1, 240)} ${rng.pick(STREETS)}\n${rng.pick(CITIES)}`;
}

/** A 14-digit GTIN: larger than 2^32 (needs bigint), smaller than 2^53 (exact in a JS number). */
export function gtin(rng: Rng): string {
  return String(10_000_000_000_000 + rng.int(0, 89_999_999) * 1_000_000 + rng.int(0, 999_999));
}

/**
 * A decimal value as a whole number of units at `scale` decimals, exactly:
 * PostgreSQL's numeric text ("12.30"), SQLite's number (12.3, read through
 * its shortest round-trip text, never multiplied as a float), or a bigint.
 * Null when it is not a decimal, or has more decimals than `scale` that are
 * not zeros (the integrity rules compare exact values, never rounded ones).
 */
export function decimalUnits(value: unknown, scale: number): bigint | null {
  if (typeof value === "bigint") return value * 10n ** BigInt(scale);
  if (typeof value === "number" && scale <= 15) {
    // The common case without text: r / 10^scale is the double nearest the decimal r (IEEE division rounds
    // correctly), so when it is `value`, `value` reads as that decimal. Below 2^50 units, two decimals of
    // `scale` places never share a double, so this is the answer the text below gives, at a tenth of its cost.
    const f = 10 ** scale;
    const r = Math.round(value * f);
    if (Math.abs(r) < 2 ** 50 && r / f === value) return BigInt(r);
  }
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    text = Math.abs(value) < 1e21 ? String(value) : "";
    if (/e/i.test(text)) text = value.toFixed(Math.min(100, scale + 20)); // 1e-7: toFixed is exact enough to show its digits
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return null;
  }
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  if (fraction.length > scale) return null;
  const units = BigInt((m[2] || "0") + fraction.padEnd(scale, "0"));
  return m[1] === "-" ? -units : units;
}

/** Units at `scale` decimals back as decimal text: 1230n, 2 → "12.30". */
export function formatUnits(units: bigint, scale: number): string {
  const sign = units < 0n ? "-" : "";
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, "0");
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
