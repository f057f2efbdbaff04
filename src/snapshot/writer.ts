/**
 * Writes one snapshot file (FORMAT.md) from a stream of rows, table by table.
 * Only the current batch is held in memory (I6); the file appears under its
 * name only when complete and durable (I4: no half-written snapshot).
 */
import { createHash, type Hash } from "node:crypto";
import { promises as fs } from "node:fs";
import type { Compressor } from "zstd-napi";
import { BackupError } from "../errors";
import { schemaFingerprint } from "../journal/fingerprint";
import type { ColumnValue, Row, TableSchema } from "../db/types";
import { blockHeader, encodeBlock, encodeFooter, encodePrefix, makeCompressor, DEFAULT_LEVEL } from "./blocks";
import { openTemp, publish } from "../durable";
import { FileSink } from "./fileSink";
import { copyLineCount } from "../db/copyText";
import { BlockType, COPY_FORMAT_VERSION, FORMAT_VERSION, type NewSnapshotHeader, type SnapshotHeader, type TableSummary } from "./format";
import { checkHeader, pack, schemaMismatch, toArray } from "./writerInput";

const PACK_ROWS = 64;

export interface SnapshotWriterOptions {
  /** zstd level (default 3). */
  level?: number;
  /** A rows block closes at this many rows (default 2000) ... */
  batchRows?: number;
  /** ... or at this many bytes of msgpack (default 1 MiB), whichever comes first. */
  batchBytes?: number;
  /** Overwrite an existing file at `path` (default false: finish() fails instead). */
  replace?: boolean;
  /** Tables may be written as COPY text (writeCopy): the header then says version 2 (FORMAT.md). */
  copyRows?: boolean;
}

export interface SnapshotResult {
  path: string;
  bytes: number;
  rows: number;
  tables: { name: string; rows: number; digest: string }[];
}

interface OpenTable {
  schema: TableSchema;
  offset: number;
  rows: number;
  hash: Hash;
  /** What its rows blocks hold, once the first is written: one table never mixes the two. */
  blocks: "msgpack" | "copy" | null;
}

export class SnapshotWriter {
  private readonly tablesByName: Map<string, TableSchema>;
  private readonly done: TableSummary[] = [];
  private current: OpenTable | null = null;
  private batch: Buffer;
  private batchUsed = 0;
  private batchCount = 0;
  private state: "open" | "finished" | "aborted" = "open";

  private constructor(
    readonly path: string,
    readonly header: SnapshotHeader,
    private readonly temp: string,
    private readonly fh: fs.FileHandle,
    private readonly sink: FileSink,
    private readonly compressor: Compressor,
    private readonly options: Required<SnapshotWriterOptions>,
  ) {
    this.tablesByName = new Map(header.schema.tables.map((t) => [t.name, t]));
    this.batch = Buffer.allocUnsafe(Math.min(options.batchBytes, 1 << 20) + 1024);
  }

  static async create(path: string, header: NewSnapshotHeader, options: SnapshotWriterOptions = {}): Promise<SnapshotWriter> {
    checkHeader(header);
    const full: SnapshotHeader = {
      version: options.copyRows ? COPY_FORMAT_VERSION : FORMAT_VERSION,
      kind: header.kind,
      name: header.name,
      createdAt: header.createdAt,
      seq: header.seq,
      engine: header.schema.engine,
      schema: header.schema,
      fingerprint: schemaFingerprint(header.schema),
      // Only when given: a header without them stays byte-for-byte what it was.
      ...(header.ddl !== undefined ? { ddl: header.ddl } : {}),
      ...(header.databaseId ? { databaseId: header.databaseId } : {}),
      ...(header.storeId ? { storeId: header.storeId } : {}),
    };
    const opts: Required<SnapshotWriterOptions> = {
      level: options.level ?? DEFAULT_LEVEL,
      batchRows: Math.max(1, options.batchRows ?? 2000),
      batchBytes: Math.max(1, options.batchBytes ?? 1 << 20),
      replace: options.replace ?? false,
      copyRows: options.copyRows ?? false,
    };
    const { temp, fh } = await openTemp(path);
    const writer = new SnapshotWriter(path, full, temp, fh, new FileSink(fh), makeCompressor(opts.level), opts);
    await writer.guard(() => writer.sink.push(encodePrefix(full)));
    return writer;
  }

  /** Starts the rows of `name`, a table of the header schema not written yet. */
  async beginTable(name: string): Promise<void> {
    this.expect(this.current === null, `beginTable("${name}") while table "${this.current?.schema.name}" is open`);
    const schema = this.tablesByName.get(name);
    this.expect(schema !== undefined, `table "${name}" is not in the snapshot schema`);
    this.expect(!this.done.some((t) => t.name === name), `table "${name}" was already written`);
    await this.guard(async () => {
      const offset = this.sink.position;
      await this.sink.push(...encodeBlock(BlockType.tableStart, { table: name }, this.compressor));
      this.current = { schema: schema!, offset, rows: 0, hash: createHash("sha256"), blocks: null };
    });
  }

  /** Rows of the open table: objects keyed by column name, or arrays in schema column order. */
  async writeRows(rows: readonly (Row | readonly ColumnValue[])[]): Promise<void> {
    const t = this.current;
    this.expect(t !== null, "writeRows() outside beginTable()/endTable()");
    const width = t.schema.columns.length;
    this.blocksOf(t, "msgpack");
    await this.guard(async () => {
      for (let i = 0; i < rows.length;) {
        // PACK_ROWS rows in one msgpack call (packRows: the same bytes, a third of the time).
        const n = Math.min(rows.length - i, PACK_ROWS, this.options.batchRows - this.batchCount);
        const chunk = new Array<readonly ColumnValue[]>(n);
        for (let k = 0; k < n; k++) {
          const row = rows[i + k];
          const values = Array.isArray(row) ? (row as readonly ColumnValue[]) : toArray(row as Row, t.schema);
          if (values.length !== width) throw schemaMismatch(t.schema, `a row has ${values.length} values for ${width} columns`);
          chunk[k] = values;
        }
        const bytes = pack(chunk, t.schema);
        if (this.batchUsed + bytes.length < this.options.batchBytes) {
          this.append(bytes, n);
        } else {
          // The chunk reaches the byte limit: row by row, so the block closes right after the row that reaches it.
          for (const values of chunk) {
            this.append(pack([values], t.schema), 1);
            if (this.batchUsed >= this.options.batchBytes) await this.flushBatch(t);
          }
        }
        t.rows += n;
        i += n;
        if (this.batchCount >= this.options.batchRows) await this.flushBatch(t);
      }
    });
  }

  /**
   * `rows` rows of the open table already packed: msgpack arrays back to
   * back, as packRows writes them (the SQLite reader's extension,
   * native/msgpack_rows.c, encodes them in C). A block may close past its
   * byte limit by up to these bytes.
   */
  async writePacked(bytes: Buffer, rows: number): Promise<void> {
    const t = this.current;
    this.expect(t !== null, "writePacked() outside beginTable()/endTable()");
    this.blocksOf(t, "msgpack");
    await this.guard(async () => {
      this.append(bytes, rows);
      t.rows += rows;
      if (this.batchUsed >= this.options.batchBytes || this.batchCount >= this.options.batchRows) await this.flushBatch(t);
    });
  }

  /**
   * COPY text of the open table (`COPY … TO STDOUT`, columns in the header
   * schema's order) in chunks as the server sends them, which may end inside
   * a row: a block closes after the last whole row once `batchBytes` are
   * held, so every COPY block holds whole rows. Returns the rows the chunk ended.
   */
  async writeCopy(chunk: Buffer): Promise<number> {
    const t = this.current;
    this.expect(t !== null, "writeCopy() outside beginTable()/endTable()");
    this.expect(this.options.copyRows, "writeCopy() on a writer created without copyRows");
    this.blocksOf(t, "copy");
    return this.guard(async () => {
      const rows = copyLineCount(chunk);
      this.append(chunk, rows);
      t.rows += rows;
      if (this.batchUsed >= this.options.batchBytes) await this.flushCopy(t);
      return rows;
    });
  }

  async endTable(): Promise<void> {
    const t = this.current;
    this.expect(t !== null, "endTable() without beginTable()");
    await this.guard(async () => {
      if (t.blocks === "copy") {
        await this.flushCopy(t);
        if (this.batchUsed > 0) throw new BackupError("INTERNAL", `snapshot ${this.path}: the COPY text of table "${t.schema.name}" ended inside a row`);
      }
      await this.flushBatch(t);
      const summary: TableSummary = { name: t.schema.name, rows: t.rows, digest: t.hash.digest("hex"), offset: t.offset };
      await this.sink.push(...encodeBlock(BlockType.tableEnd, { table: summary.name, rows: summary.rows, digest: summary.digest }, this.compressor));
      this.done.push(summary);
      this.current = null;
    });
  }

  /** Writes trailer and footer, makes the file durable and gives it its name. */
  async finish(): Promise<SnapshotResult> {
    this.expect(this.current === null, `finish() while table "${this.current?.schema.name}" is open`);
    const missing = this.header.schema.tables.filter((s) => !this.done.some((t) => t.name === s.name)).map((s) => s.name);
    // A snapshot silently lacking a table would restore as an empty table.
    this.expect(missing.length === 0, `finish() before these tables were written: ${missing.join(", ")}`);
    return this.guard(async () => {
      const rows = this.done.reduce((n, t) => n + t.rows, 0);
      const trailerOffset = this.sink.position;
      await this.sink.push(...encodeBlock(BlockType.trailer, { tables: this.done, rows }, this.compressor), encodeFooter(trailerOffset));
      await this.sink.flush();
      await this.fh.sync();
      await this.fh.close();
      if (!(await publish(this.temp, this.path, this.options.replace))) {
        throw new BackupError("BAD_INPUT", `${this.path} already exists`, "choose another snapshot name, or remove the existing file first");
      }
      this.state = "finished";
      return { path: this.path, bytes: this.sink.position, rows, tables: this.done.map(({ name, rows, digest }) => ({ name, rows, digest })) };
    });
  }

  /** Removes the temporary file; safe to call at any time, more than once. */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    await this.fh.close().catch(() => undefined);
    await fs.rm(this.temp, { force: true });
  }

  private append(bytes: Buffer, rows: number): void {
    if (this.batchUsed + bytes.length > this.batch.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.batch.length * 2, this.batchUsed + bytes.length));
      this.batch.copy(grown, 0, 0, this.batchUsed);
      this.batch = grown;
    }
    bytes.copy(this.batch, this.batchUsed);
    this.batchUsed += bytes.length;
    this.batchCount += rows;
  }

  private blocksOf(t: OpenTable, blocks: "msgpack" | "copy"): void {
    this.expect(t.blocks === null || t.blocks === blocks, `table "${t.schema.name}" gets ${blocks} rows after ${t.blocks} rows`);
    t.blocks = blocks;
  }

  /** The whole rows held (up to the last newline) as one COPY block; the start of the next row stays. */
  private async flushCopy(t: OpenTable): Promise<void> {
    const end = this.batchUsed === 0 ? 0 : this.batch.lastIndexOf(10, this.batchUsed - 1) + 1;
    if (end === 0) return; // no row ends yet (one row larger than a block): it grows the buffer
    const lines = this.batch.subarray(0, end);
    // The same digest as msgpack rows: the blocks' decompressed bodies, in order.
    t.hash.update(lines);
    const body = this.compressor.compress(lines);
    this.batch.copy(this.batch, 0, end, this.batchUsed);
    this.batchUsed -= end;
    this.batchCount = 0;
    await this.sink.push(blockHeader(BlockType.copyRows, body), body);
  }

  private async flushBatch(t: OpenTable): Promise<void> {
    if (this.batchCount === 0) return;
    const rows = this.batch.subarray(0, this.batchUsed);
    // The batch is the rows' msgpack bytes back to back: hashing it at once
    // gives the per-row digest of FORMAT.md at a fraction of the calls.
    t.hash.update(rows);
    const body = this.compressor.compress(rows);
    this.batchUsed = 0;
    this.batchCount = 0;
    // One huge row grew the buffer: give the memory back rather than keep it for the whole file.
    if (this.batch.length > 2 * this.options.batchBytes + 1024) this.batch = Buffer.allocUnsafe(this.options.batchBytes + 1024);
    await this.sink.push(blockHeader(BlockType.rows, body), body);
  }

  /** A failed step leaves a file that must not be finished: remove it and rethrow. */
  private async guard<T>(step: () => Promise<T>): Promise<T> {
    this.expect(this.state === "open", `the snapshot writer for ${this.path} is ${this.state}`);
    try {
      return await step();
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  private expect(ok: boolean, message: string): asserts ok {
    if (!ok) throw new BackupError("INTERNAL", `snapshot ${this.path}: ${message}`);
  }
}
