/**
 * Reads a snapshot file (FORMAT.md). open() checks the cheap parts (magic,
 * header, footer, trailer) without decompressing a single row block, for
 * `list`; batches() streams the rows one block at a time (I6) and checks
 * every block checksum and, at each table end, the row count and digest (I5).
 * Any damage is a SNAPSHOT_CORRUPT error naming the file and byte offset.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { BackupError } from "../errors";
import { openRegular } from "../regularFile";
import type { ColumnValue, Row, TableSchema } from "../db/types";
import { BodyDecompressor, blockCrc, decodeFooter, decompressBody, headerCrc, ReusedBuffer } from "./blocks";
import { copyLineCount, parseCopyRows } from "../db/copyText";
import { BLOCK_HEADER_BYTES, BlockType, COPY_FORMAT_VERSION, FOOTER_BYTES, MAGIC, PREFIX_BYTES, type SnapshotHeader, type SnapshotTrailer, type TableSummary } from "./format";
import { checkedDdl, checkHeaderShape, checkTrailer, unpackRecord } from "./payloadShapes";
import { unpack, unpackRows } from "./rowPacking";

export interface RowBatch {
  table: string;
  rows: Row[];
}

/** A batch as stored: values in the column order of `table.columns`. */
export interface RawBatch {
  table: TableSchema;
  rows: ColumnValue[][];
}

/**
 * A COPY block as stored, for a load into PostgreSQL that passes it to
 * COPY … FROM STDIN as it is: `text` is whole lines of COPY text, columns in
 * the order of `table.columns`, and holds `rows` rows. A buffer of its own.
 */
export interface CopyTextBatch {
  table: TableSchema;
  text: Buffer;
  rows: number;
}

export interface SnapshotInfo {
  path: string;
  bytes: number;
  header: SnapshotHeader;
  trailer: SnapshotTrailer;
}

export interface VerifyResult {
  path: string;
  bytes: number;
  rows: number;
  tables: { name: string; rows: number; digest: string }[];
}

interface Block {
  type: number;
  body: Buffer;
  offset: number;
}

/** Rows per batch yielded: a block (up to 1 MiB of msgpack, tens of thousands of small rows) is decoded this many at a time. */
const CHUNK_ROWS = 512;
const HINT = "the snapshot file is damaged or incomplete: use another snapshot (list shows them) or a copy of this file";

export class SnapshotReader {
  private constructor(
    readonly path: string,
    private readonly fh: fs.FileHandle,
    readonly bytes: number,
    readonly header: SnapshotHeader,
    readonly trailer: SnapshotTrailer,
    /** Offset of the first block after the header. */
    private readonly dataStart: number,
    private readonly trailerOffset: number,
  ) {}

  static async open(path: string): Promise<SnapshotReader> {
    let fh: fs.FileHandle;
    try {
      // Never through a symlink, never a FIFO or device: a snapshot is a regular file (regularFile.ts).
      fh = (await openRegular(path)).fh;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new BackupError("NOT_FOUND", `snapshot ${path} does not exist`, "list shows the snapshots in the store");
      throw e;
    }
    try {
      return await SnapshotReader.readEnds(path, fh);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  private static async readEnds(path: string, fh: fs.FileHandle): Promise<SnapshotReader> {
    const bytes = (await fh.stat()).size;
    const corrupt = (offset: number, what: string) => corruptAt(path, offset, what);
    if (bytes < PREFIX_BYTES + FOOTER_BYTES) throw corrupt(0, `file is too short for a snapshot (${bytes} bytes)`);

    const prefix = await readExactly(fh, path, 0, PREFIX_BYTES);
    if (!prefix.subarray(0, 8).equals(MAGIC)) throw corrupt(0, "not a snapshot file (bad magic)");
    const headerLength = prefix.readUInt32LE(8);
    if (headerLength > bytes - PREFIX_BYTES - FOOTER_BYTES) throw corrupt(8, `header length ${headerLength} runs past the end of the file`);
    const headerBytes = await readExactly(fh, path, PREFIX_BYTES, headerLength);
    if (headerCrc(headerBytes) !== prefix.readUInt32LE(12)) throw corrupt(0, "header checksum mismatch");
    const header = decodeOr(() => checkHeaderShape(unpack(headerBytes)), corrupt, PREFIX_BYTES);
    if (header.ddl !== undefined) header.ddl = checkedDdl(path, header);
    const dataStart = PREFIX_BYTES + headerLength;

    const footerAt = bytes - FOOTER_BYTES;
    const trailerOffset = decodeFooter(await readExactly(fh, path, footerAt, FOOTER_BYTES));
    if (trailerOffset === null) throw corrupt(footerAt, "bad footer (file truncated or not finished?)");
    if (trailerOffset < dataStart || trailerOffset > footerAt - BLOCK_HEADER_BYTES) throw corrupt(footerAt, `footer points at byte ${trailerOffset}, outside the file's blocks`);
    const block = await readBlock(fh, path, trailerOffset, footerAt);
    if (trailerOffset + BLOCK_HEADER_BYTES + block.body.length !== footerAt) throw corrupt(trailerOffset, "trailer does not end where the footer begins");
    if (block.type !== BlockType.trailer) throw corrupt(trailerOffset, `block of type ${block.type} where the footer says the trailer is`);
    const trailer = decodeOr(() => checkTrailer(unpack(decompressBody(block.body)), header, dataStart, trailerOffset), corrupt, trailerOffset);
    return new SnapshotReader(path, fh, bytes, header, trailer, dataStart, trailerOffset);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** Rows of every table in file order, as objects keyed by column name. */
  async *batches(): AsyncGenerator<RowBatch> {
    for await (const raw of this.rawBatches()) {
      const names = raw.table.columns.map((c) => c.name);
      const rows = raw.rows.map((values) => {
        const row: Row = {};
        for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
        return row;
      });
      yield { table: raw.table.name, rows };
    }
  }

  /**
   * Rows of every table in file order, as stored. Everything is checked:
   * a batch is yielded only after its block checksum matched, and the
   * generator throws at a table end whose count or digest differs, so a
   * consumer must treat the data of a table as good only once the next table
   * (or the end) is reached: a restore loads in one transaction for this reason.
   */
  rawBatches(): AsyncGenerator<RawBatch> {
    return this.walk(false) as AsyncGenerator<RawBatch>;
  }

  /**
   * As rawBatches, but a COPY block comes as its text (a CopyTextBatch), not
   * parsed: checked alike, its table's count and digest at the table end.
   */
  rawOrCopyBatches(): AsyncGenerator<RawBatch | CopyTextBatch> {
    return this.walk(true);
  }

  private async *walk(copyAsText: boolean): AsyncGenerator<RawBatch | CopyTextBatch> {
    const corrupt = (offset: number, what: string) => corruptAt(this.path, offset, what);
    const schemas = new Map(this.header.schema.tables.map((t) => [t.name, t]));
    let pos = this.dataStart;
    let next = 0; // index into trailer.tables of the next table expected
    const reused = new ReusedBuffer();
    const bodies = new BodyDecompressor();
    let open: { summary: TableSummary; schema: TableSchema; rows: number; hash: ReturnType<typeof createHash>; blocks: number | null } | null = null;

    while (pos < this.trailerOffset) {
      // Each body is decompressed before the next block is read.
      const block = await readBlock(this.fh, this.path, pos, this.trailerOffset, reused);
      pos += BLOCK_HEADER_BYTES + block.body.length;
      const payload = decodeOr(() => bodies.decompress(block.body), corrupt, block.offset);
      if (block.type === BlockType.rows) {
        if (open === null) throw corrupt(block.offset, "rows block outside a table");
        const t = open;
        if ((t.blocks ??= block.type) !== block.type) throw corrupt(block.offset, `table "${t.summary.name}" mixes msgpack rows and COPY text`);
        // The payload is exactly the rows' bytes back to back (unpackRows reads all of it).
        t.hash.update(payload);
        const chunks = unpackRows(payload, t.schema.columns.length, CHUNK_ROWS);
        for (;;) {
          const chunk = decodeOr(() => chunks.next(), corrupt, block.offset);
          if (chunk.done) break;
          t.rows += chunk.value.length;
          yield { table: t.schema, rows: chunk.value };
        }
      } else if (block.type === BlockType.copyRows) {
        if (this.header.version !== COPY_FORMAT_VERSION) throw corrupt(block.offset, `a COPY rows block in a version ${this.header.version} file`);
        if (open === null) throw corrupt(block.offset, "rows block outside a table");
        const t = open;
        if ((t.blocks ??= block.type) !== block.type) throw corrupt(block.offset, `table "${t.summary.name}" mixes msgpack rows and COPY text`);
        // The digest is over the decompressed bodies whatever their kind (FORMAT.md).
        t.hash.update(payload);
        if (payload.length > 0 && payload[payload.length - 1] !== 10) throw corrupt(block.offset, "a COPY rows block ends inside a row");
        if (copyAsText) {
          const rows = copyLineCount(payload);
          t.rows += rows;
          // Its own copy: the decompressed body's buffer is reused for the next block.
          yield { table: t.schema, text: Buffer.from(payload), rows };
          continue;
        }
        const chunks = parseCopyRows(payload, t.schema.columns, CHUNK_ROWS);
        for (;;) {
          const chunk = decodeOr(() => chunks.next(), corrupt, block.offset);
          if (chunk.done) break;
          t.rows += chunk.value.length;
          yield { table: t.schema, rows: chunk.value };
        }
      } else if (block.type === BlockType.tableStart) {
        if (open !== null) throw corrupt(block.offset, `table start inside table "${open.summary.name}"`);
        const summary = this.trailer.tables[next];
        const { table } = decodeOr(() => unpackRecord(payload), corrupt, block.offset);
        if (summary === undefined || table !== summary.name || block.offset !== summary.offset) {
          throw corrupt(block.offset, `table start of "${String(table)}" does not match the trailer`);
        }
        open = { summary, schema: schemas.get(summary.name)!, rows: 0, hash: createHash("sha256"), blocks: null };
        next++;
      } else if (block.type === BlockType.tableEnd) {
        if (open === null) throw corrupt(block.offset, "table end outside a table");
        const end = decodeOr(() => unpackRecord(payload), corrupt, block.offset);
        const { summary } = open;
        const digest = open.hash.digest("hex");
        // The count first: "holds 35 rows where 36 were written" says more than a mismatch of the table end.
        if (open.rows !== summary.rows) throw corrupt(block.offset, `table "${summary.name}" holds ${open.rows} rows where ${summary.rows} were written`);
        if (end.table !== summary.name || end.rows !== summary.rows || end.digest !== summary.digest) {
          throw corrupt(block.offset, `table end of "${summary.name}" does not match the trailer`);
        }
        if (digest !== summary.digest) throw corrupt(block.offset, `table "${summary.name}" rows do not match their digest`);
        open = null;
      } else {
        throw corrupt(block.offset, `unknown block type ${block.type}`);
      }
    }
    if (open !== null) throw corrupt(this.trailerOffset, `table "${open.summary.name}" has no table end`);
    if (next !== this.trailer.tables.length) throw corrupt(this.trailerOffset, `${this.trailer.tables.length - next} tables of the trailer are missing`);
  }
}

/** Header and trailer of a snapshot, reading only the ends of the file (for list). */
export async function readInfo(path: string): Promise<SnapshotInfo> {
  const r = await SnapshotReader.open(path);
  await r.close();
  return { path, bytes: r.bytes, header: r.header, trailer: r.trailer };
}

/** Reads the whole file and checks every checksum, count and digest. */
export async function verify(path: string): Promise<VerifyResult> {
  const r = await SnapshotReader.open(path);
  try {
    for await (const _ of r.rawBatches());
    const tables = r.trailer.tables.map(({ name, rows, digest }) => ({ name, rows, digest }));
    return { path, bytes: r.bytes, rows: r.trailer.rows, tables };
  } finally {
    await r.close();
  }
}

function corruptAt(path: string, offset: number, what: string): BackupError {
  return new BackupError("SNAPSHOT_CORRUPT", `snapshot ${path}: ${what} (at byte ${offset})`, HINT);
}

/** Runs a decoding step; any failure in it is corruption at `offset`. */
function decodeOr<T>(step: () => T, corrupt: (offset: number, what: string) => BackupError, offset: number): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw corrupt(offset, `undecodable content: ${(e as Error).message}`);
  }
}

/** A block, checksum checked; with `into`, its body is valid only until the next read into it. */
async function readBlock(fh: fs.FileHandle, path: string, offset: number, limit: number, into?: ReusedBuffer): Promise<Block> {
  if (offset + BLOCK_HEADER_BYTES > limit) throw corruptAt(path, offset, "block header runs past the end of the blocks");
  const head = await readExactly(fh, path, offset, BLOCK_HEADER_BYTES);
  const length = head.readUInt32LE(0);
  if (offset + BLOCK_HEADER_BYTES + length > limit) throw corruptAt(path, offset, `block length ${length} runs past the end of the blocks`);
  const body = await readExactly(fh, path, offset + BLOCK_HEADER_BYTES, length, into);
  const type = head.readUInt8(8);
  if (blockCrc(type, body) !== head.readUInt32LE(4)) throw corruptAt(path, offset, "block checksum mismatch");
  return { type, body, offset };
}

async function readExactly(fh: fs.FileHandle, path: string, offset: number, length: number, into?: ReusedBuffer): Promise<Buffer> {
  const buf = into ? into.take(length) : Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
    if (bytesRead === 0) throw corruptAt(path, offset, `file ended at byte ${offset + got} while reading ${length} bytes`);
    got += bytesRead;
  }
  return buf;
}
