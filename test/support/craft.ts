import { promises as fs } from "node:fs";
import { SnapshotReader, SnapshotWriter } from "../../src/snapshot";
import { BLOCK_HEADER_BYTES, BlockType, PREFIX_BYTES, type SnapshotHeader } from "../../src/snapshot/format";
import type { SchemaDdl } from "../../src/schema";

/**
 * A copy of the snapshot `from` at `to`, rows and checksums intact, with its
 * header's `ddl` replaced by what `ddl(header)` returns: a hostile file made
 * with the package's own writer, as the probe's probe-craft.js makes one.
 */
export async function craftSnapshot(from: string, to: string, ddl: (header: SnapshotHeader) => unknown): Promise<void> {
  const reader = await SnapshotReader.open(from);
  try {
    const h = reader.header;
    const writer = await SnapshotWriter.create(to, { kind: h.kind, name: h.name, createdAt: h.createdAt, seq: h.seq, schema: h.schema, ddl: ddl(h) as SchemaDdl });
    await copySnapshotRows(reader, writer, h.schema.tables.map((t) => t.name));
  } finally {
    await reader.close();
  }
}

/**
 * Every row of `reader` into `writer`, table by table, then finished: the
 * tables of `tables` only (in the reader's order), each written even when
 * empty, so the copy's trailer names every table its header does.
 */
export async function copySnapshotRows(reader: SnapshotReader, writer: SnapshotWriter, tables: string[]): Promise<void> {
  const keep = new Set(tables);
  const written = new Set<string>();
  let current: string | null = null;
  for await (const batch of reader.rawBatches()) {
    if (!keep.has(batch.table.name)) continue;
    if (current !== batch.table.name) {
      if (current !== null) await writer.endTable();
      current = batch.table.name;
      written.add(current);
      await writer.beginTable(current);
    }
    await writer.writeRows(batch.rows);
  }
  if (current !== null) await writer.endTable();
  for (const t of tables) {
    if (!written.has(t)) { await writer.beginTable(t); await writer.endTable(); }
  }
  await writer.finish();
}

/** Damages one byte of `file` in place (xor 0x5a): a checksum must find it. */
export async function flipByte(file: string, offset: number): Promise<void> {
  const fh = await fs.open(file, "r+");
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    b[0] ^= 0x5a;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

/** A snapshot file's rows blocks (msgpack rows, or COPY text), in file order: type, offset and body length. */
export async function rowBlocks(file: string): Promise<{ type: number; at: number; length: number }[]> {
  const bytes = await fs.readFile(file);
  const blocks: { type: number; at: number; length: number }[] = [];
  for (let pos = PREFIX_BYTES + bytes.readUInt32LE(8); pos + BLOCK_HEADER_BYTES <= bytes.length;) {
    const length = bytes.readUInt32LE(pos);
    const type = bytes.readUInt8(pos + 8);
    if (type === BlockType.trailer) break;
    if (type === BlockType.rows || type === BlockType.copyRows) blocks.push({ type, at: pos, length });
    pos += BLOCK_HEADER_BYTES + length;
  }
  return blocks;
}
