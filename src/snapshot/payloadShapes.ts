/**
 * The shapes a snapshot's decoded payloads must have (FORMAT.md): header
 * (version, fields, schema, the DDL as data), trailer (every header table
 * once, offsets in order, the total the sum), table start and end. Each
 * check throws a plain Error saying what is wrong; the reader turns it into
 * SNAPSHOT_CORRUPT at the block's offset.
 */
import { BackupError } from "../errors";
import { checkDdl, DdlError } from "../schema/checkDdl";
import type { SchemaDdl } from "../schema/ddl";
import { READABLE_VERSIONS, SNAPSHOT_KINDS, type SnapshotHeader, type SnapshotTrailer } from "./format";
import { unpack } from "./rowPacking";

/** A block payload that must be a map (table start, table end): anything else, nil or nothing included, is a plain Error. */
export function unpackRecord(payload: Buffer): Record<string, unknown> {
  const value = unpack(payload);
  if (!isRecord(value)) throw new Error("block payload is not a map");
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function checkHeaderShape(v: unknown): SnapshotHeader {
  if (!isRecord(v)) throw new Error("header is not a map");
  if (!READABLE_VERSIONS.includes(v.version as number)) throw new Error(`format version ${String(v.version)} is not supported (this program reads versions ${READABLE_VERSIONS.join(" and ")})`);
  const { kind, name, createdAt, seq, engine, schema, fingerprint } = v;
  if (!SNAPSHOT_KINDS.includes(kind as never) || typeof name !== "string" || typeof createdAt !== "number" ||
      typeof seq !== "number" || typeof engine !== "string" || typeof fingerprint !== "string") throw new Error("header is incomplete");
  if (!isRecord(schema) || !Array.isArray(schema.tables)) throw new Error("header has no schema");
  for (const id of [v.databaseId, v.storeId]) {
    if (id !== undefined && id !== null && typeof id !== "string") throw new Error("header has a malformed identity");
  }
  for (const t of schema.tables as unknown[]) {
    if (!isRecord(t) || typeof t.name !== "string" || !Array.isArray(t.columns) || !t.columns.every((c) => isRecord(c) && typeof c.name === "string")) {
      throw new Error("header schema holds a malformed table");
    }
  }
  return v as unknown as SnapshotHeader;
}

/**
 * The table description is data a restore turns into statements: it is
 * checked here, when the file is opened, so no command can use it unchecked
 * (src/schema/checkDdl.ts). The checked copy replaces it (undefined: it
 * describes nothing).
 */
export function checkedDdl(path: string, header: SnapshotHeader): SchemaDdl | undefined {
  try {
    return checkDdl(header.ddl, header.schema);
  } catch (e) {
    if (!(e instanceof DdlError)) throw e;
    throw new BackupError("SNAPSHOT_CORRUPT", `snapshot ${path}: header field ${e.message}; nothing was run`,
      "this file was not written by stocktake-backup as it is, or was altered: restore from another snapshot (list shows them), and find out who wrote this one");
  }
}

/** The trailer must describe exactly the tables of the header, in block order. */
export function checkTrailer(v: unknown, header: SnapshotHeader, dataStart: number, trailerOffset: number): SnapshotTrailer {
  if (!isRecord(v) || !Array.isArray(v.tables) || typeof v.rows !== "number") throw new Error("trailer is not a table list");
  const names = new Set(header.schema.tables.map((t) => t.name));
  let total = 0;
  let lastOffset = dataStart - 1;
  for (const t of v.tables as unknown[]) {
    if (!isRecord(t) || typeof t.name !== "string" || typeof t.rows !== "number" || typeof t.digest !== "string" || typeof t.offset !== "number") {
      throw new Error("trailer holds a malformed table entry");
    }
    if (!names.delete(t.name)) throw new Error(`trailer names table "${t.name}" twice or outside the header schema`);
    if (t.offset <= lastOffset || t.offset >= trailerOffset) throw new Error(`trailer offset of table "${t.name}" is out of order`);
    lastOffset = t.offset;
    total += t.rows;
  }
  if (names.size > 0) throw new Error(`trailer lacks tables ${[...names].join(", ")}`);
  if (total !== v.rows) throw new Error(`trailer total ${String(v.rows)} is not the sum of its tables (${total})`);
  return v as unknown as SnapshotTrailer;
}
