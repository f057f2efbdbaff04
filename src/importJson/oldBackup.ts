/**
 * An old system's backup file (scripts/backup-restore.js, see
 * ../shared/research/old-scripts.md §4.3): pretty JSON, plain or gzipped,
 * `{ metadata: { timestamp, version, database, tables: [{ name, count }] },
 * data: { <delegate name>: [rows] } }`. Read whole (the old files are tens
 * of megabytes at most) and checked for shape before anything is written:
 * every failure names the file. The old scheduler replaced its backups by
 * gzips of nothing (§2.3): those are an error of their own.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { BackupError } from "../errors";

export type OldRow = Record<string, unknown>;

export interface OldBackup {
  file: string;
  /** metadata.timestamp, ms since the epoch. */
  timestamp: number;
  version: string | null;
  database: string | null;
  /** metadata.tables: what the old script counted per key of `data`. */
  counts: Map<string, number>;
  data: Map<string, OldRow[]>;
}

const HINT = "the file is damaged or not an old JSON backup: use another copy";
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

function bad(file: string, what: string, hint = HINT): BackupError {
  return new BackupError("BAD_INPUT", `${file}: ${what}`, hint);
}

function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new BackupError("NOT_FOUND", `${file} does not exist`, "give the path of an old backup-….json or .json.gz file");
    if (code === "EISDIR") throw new BackupError("BAD_USAGE", `${file} is a directory`, "import a whole folder with --all <folder>");
    throw bad(file, `cannot be read: ${(e as Error).message}`);
  }
  if (bytes.length === 0) throw bad(file, "is empty (0 bytes)");
  if (bytes.subarray(0, 2).equals(GZIP_MAGIC)) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw bad(file, `is a damaged or truncated gzip file (${(e as Error).message})`);
    }
    if (bytes.length === 0) {
      throw bad(file, "is a gzip of nothing: the old scheduler overwrote this backup while compressing it (old-scripts §2.3), its data is lost",
        "nothing can be recovered from this file; import another backup");
    }
  }
  return bytes.toString("utf8");
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function readOldBackup(file: string): OldBackup {
  const text = readText(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw bad(file, `is not JSON (${(e as Error).message})`);
  }
  if (!isObject(parsed) || !isObject(parsed.metadata) || !isObject(parsed.data)) {
    throw bad(file, "does not have the old backup's shape: { metadata: { timestamp, version, database, tables }, data: { <table>: [rows] } }");
  }
  const { metadata, data } = parsed;
  const timestamp = typeof metadata.timestamp === "string" ? Date.parse(metadata.timestamp) : NaN;
  if (!Number.isFinite(timestamp)) throw bad(file, `metadata.timestamp ${JSON.stringify(metadata.timestamp)} is not a time`);
  if (!Array.isArray(metadata.tables)) throw bad(file, "metadata.tables is not a list of { name, count }");
  const counts = new Map<string, number>();
  for (const entry of metadata.tables) {
    if (!isObject(entry) || typeof entry.name !== "string" || !Number.isSafeInteger(entry.count) || (entry.count as number) < 0) {
      throw bad(file, `metadata.tables holds ${JSON.stringify(entry)}, not { name, count }`);
    }
    counts.set(entry.name, entry.count as number);
  }
  const rows = new Map<string, OldRow[]>();
  for (const [name, list] of Object.entries(data)) {
    if (!Array.isArray(list) || !list.every(isObject)) throw bad(file, `data.${name} is not a list of rows`);
    rows.set(name, list as OldRow[]);
  }
  return {
    file, timestamp,
    version: typeof metadata.version === "string" ? metadata.version : null,
    database: typeof metadata.database === "string" ? metadata.database : null,
    counts, data: rows,
  };
}
