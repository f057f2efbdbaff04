import { expect } from "chai";
import type { DataSource } from "typeorm";
import { createReader } from "../../src/reader";
import { Frame } from "../../src/journal/types";
import { DatabaseSchema, Row } from "../../src/db/types";

/** Tables as maps from primary key to row: the test oracle for replay. */
export type TableState = Map<string, Map<string, Row>>;

function keyString(key: Row): string {
  return JSON.stringify(key, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
}

function keyOf(row: Row, primaryKey: string[]): string {
  return keyString(Object.fromEntries(primaryKey.map((c) => [c, row[c]])));
}

export async function dumpState(ds: DataSource, schema: DatabaseSchema): Promise<TableState> {
  const reader = createReader(ds);
  const state: TableState = new Map();
  for (const table of schema.tables) {
    const rows = await reader.dumpTable(table.name);
    state.set(table.name, new Map(rows.map((r) => [keyOf(r, table.primaryKey), r])));
  }
  return state;
}

export function cloneState(state: TableState): TableState {
  return new Map([...state].map(([t, rows]) => [t, new Map(rows)]));
}

/**
 * Applies frames strictly: an insert must not find its key, an update or a
 * delete must find exactly its before-image. So a wrong or missing
 * before-image fails here, not only a wrong after-image.
 */
export function applyFrames(state: TableState, frames: Frame[], schema: DatabaseSchema): void {
  const keys = new Map(schema.tables.map((t) => [t.name, t.primaryKey]));
  for (const frame of frames) {
    for (const change of frame.changes) {
      const table = state.get(change.table);
      const primaryKey = keys.get(change.table);
      if (!table || !primaryKey) throw new Error(`seq ${frame.seq}: unknown table ${change.table}`);
      if (change.before) {
        const key = keyOf(change.before, primaryKey);
        expect(table.get(key), `seq ${frame.seq} ${change.op} ${change.table} ${key}: before-image`).to.deep.equal(change.before);
        expect(keyString(change.key)).to.equal(key);
        table.delete(key);
      }
      if (change.after) {
        const key = keyOf(change.after, primaryKey);
        expect(table.has(key), `seq ${frame.seq} ${change.op} ${change.table} ${key}: inserted key already present`).to.equal(false);
        table.set(key, change.after);
      }
    }
  }
}

export function expectSameState(actual: TableState, expected: TableState): void {
  for (const [table, rows] of expected) {
    const got = actual.get(table) ?? new Map();
    expect([...got.keys()].sort(), `keys of ${table}`).to.deep.equal([...rows.keys()].sort());
    for (const [key, row] of rows) expect(got.get(key), `${table} ${key}`).to.deep.equal(row);
  }
}
