/**
 * msgpack of snapshot payloads: row arrays, block payloads and the header,
 * with the journal's configuration (src/journal/msgpack.ts, its decoder for rows), so a value reads
 * back from a snapshot exactly as it would from the journal.
 */
import { NEGATIVE_ZERO, rowPackr } from "../journal/msgpack";
import type { ColumnValue } from "../db/types";

export function pack(value: unknown): Buffer {
  return rowPackr.pack(value);
}

export function unpack(bytes: Buffer): unknown {
  return rowPackr.unpack(bytes);
}

/**
 * The msgpack bytes of row arrays back to back, as FORMAT.md stores them,
 * in one msgpackr call (a third of the time of a call per small row): the
 * msgpack of an array is its header followed by its items, so the header is
 * cut off. The result is a view into msgpackr's output buffer: copy it
 * before the next pack if it must be kept.
 * Throws a TypeError naming the column index of a value that is not a
 * ColumnValue, because msgpack would turn a Date or undefined into something
 * else and restore would load a different value (I3).
 */
export function packRows(rows: readonly (readonly ColumnValue[])[]): Buffer {
  const bytes = rowPackr.pack(rows.map(encodable));
  const n = rows.length;
  return bytes.subarray(n < 16 ? 1 : n < 0x10000 ? 3 : 5);
}

function encodable(values: readonly ColumnValue[]): readonly unknown[] {
  let copy: unknown[] | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0 && Object.is(v, -0)) {
      copy ??= values.slice();
      copy[i] = NEGATIVE_ZERO;
    } else if (!isColumnValue(v)) {
      throw new TypeError(`column ${i} holds ${describe(v)}, which is not a column value`);
    }
  }
  return copy ?? values;
}

/**
 * The row arrays of a rows-block payload (msgpack arrays back to back), at
 * most `chunkRows` at a time: a consumer that is done with each chunk before
 * taking the next keeps only that many rows alive, so they die young instead
 * of a whole block's worth outliving V8's young generation (I6).
 * Throws a plain Error when the payload is anything else.
 */
export function* unpackRows(payload: Buffer, width: number, chunkRows: number): Generator<ColumnValue[][]> {
  let offset = 0;
  while (offset < payload.length) {
    const rows: ColumnValue[][] = [];
    let end = payload.length;
    rowPackr.unpackMultiple(payload.subarray(offset), (value: unknown, _start?: number, stop?: number) => {
      if (!Array.isArray(value) || value.length !== width) throw new Error(`a row is not an array of ${width} values`);
      rows.push(value as ColumnValue[]);
      if (rows.length < chunkRows) return true;
      end = offset + stop!;
      return false;
    });
    offset = end;
    yield rows;
  }
}

function isColumnValue(v: unknown): v is ColumnValue {
  switch (typeof v) {
    case "number": case "string": case "boolean": case "bigint": return true;
    case "object": return v === null || Buffer.isBuffer(v);
    default: return false;
  }
}

function describe(v: unknown): string {
  if (typeof v === "object" && v !== null) return `an object (${v.constructor?.name ?? "no prototype"})`;
  return typeof v;
}
