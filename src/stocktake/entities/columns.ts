import { ColumnOptions, ValueTransformer } from "typeorm";

/**
 * Column option builders shared by the Stocktake entities. Each one exists
 * because the two drivers disagree about a type and the entity classes must
 * be the same on SQLite and PostgreSQL.
 */

/**
 * SQLite hands decimals back as JS numbers (NUMERIC affinity), PostgreSQL as
 * exact strings. Entities always see a fixed-scale string, so business code
 * (and the workload's arithmetic) behaves the same on both engines. Values
 * written are passed through untouched: what reaches the database is what
 * the caller wrote.
 */
function fixedScale(scale: number): ValueTransformer {
  return {
    to: (value: unknown) => value,
    from: (value: string | number | null) =>
      value === null || value === undefined ? value : Number(value).toFixed(scale),
  };
}

/** Money: 10 integer digits, 2 decimals. */
export function money(options: ColumnOptions = {}): ColumnOptions {
  return { type: "decimal", precision: 12, scale: 2, transformer: fixedScale(2), ...options };
}

/** Stock quantities: kilograms and litres to the gram / millilitre. */
export function quantity(options: ColumnOptions = {}): ColumnOptions {
  return { type: "decimal", precision: 12, scale: 3, transformer: fixedScale(3), ...options };
}

/**
 * bigint: PostgreSQL returns a string (it may exceed 2^53), SQLite a number.
 * Entities see a decimal string on both; the workload keeps values < 2^53.
 */
export function bigintString(options: ColumnOptions = {}): ColumnOptions {
  return {
    type: "bigint",
    transformer: {
      to: (value: unknown) => value,
      from: (value: string | number | null) =>
        value === null || value === undefined ? value : String(value),
    },
    ...options,
  };
}

/**
 * A point in time. `Date` is the one spelling both drivers map: SQLite to
 * `datetime` (text, UTC), PostgreSQL to `timestamp without time zone`.
 * ('datetime' is unknown to PostgreSQL, 'timestamptz' to SQLite.)
 */
export function instant(options: ColumnOptions = {}): ColumnOptions {
  return { type: Date, ...options };
}
