/**
 * `<store>/snapshots.json`: what `list` shows, without opening every file.
 * It is a cache of the snapshot files' headers and trailers: when it is
 * missing, unreadable or does not match the directory (another process added
 * or removed a file, a crash between rename and manifest update), it is
 * rebuilt from the files. Reading never writes it (I8).
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { BackupError } from "../errors";
import { writeFileAtomic } from "./durable";
import { SNAPSHOT_EXT } from "./fileName";
import type { SnapshotKind } from "./format";
import { readInfo, type SnapshotInfo } from "./reader";

export const MANIFEST_FILE = "snapshots.json";

export interface ManifestEntry {
  /** File name, relative to the store directory. */
  file: string;
  kind: SnapshotKind;
  name: string;
  createdAt: number;
  seq: number;
  engine: string;
  fingerprint: string;
  rows: number;
  bytes: number;
  tables: { name: string; rows: number }[];
}

/** A `*.snap` file whose header or trailer cannot be read. */
export interface BrokenSnapshot {
  file: string;
  message: string;
}

export interface SnapshotList {
  snapshots: ManifestEntry[];
  broken: BrokenSnapshot[];
}

export function manifestEntry(file: string, info: SnapshotInfo): ManifestEntry {
  const { header: h, trailer: t } = info;
  return {
    file, kind: h.kind, name: h.name, createdAt: h.createdAt, seq: h.seq, engine: h.engine,
    fingerprint: h.fingerprint, rows: t.rows, bytes: info.bytes,
    tables: t.tables.map(({ name, rows }) => ({ name, rows })),
  };
}

/** The snapshots of the store, oldest first: from the manifest when it is fresh, else from the files. Writes nothing. */
export async function listSnapshots(storeDir: string): Promise<SnapshotList> {
  const stored = await readManifest(storeDir);
  if (stored !== null && (await isFresh(storeDir, stored))) return { snapshots: stored, broken: [] };
  return scanSnapshots(storeDir);
}

/** Reads header and trailer of every `*.snap` file in the store (temp files are not `*.snap`). */
export async function scanSnapshots(storeDir: string): Promise<SnapshotList> {
  const snapshots: ManifestEntry[] = [];
  const broken: BrokenSnapshot[] = [];
  for (const file of await snapshotFiles(storeDir)) {
    try {
      snapshots.push(manifestEntry(file, await readInfo(join(storeDir, file))));
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
      broken.push({ file, message: e.message });
    }
  }
  return { snapshots: sortEntries(snapshots), broken };
}

/** Rewrites the manifest from the files. */
export async function rebuildManifest(storeDir: string): Promise<SnapshotList> {
  const list = await scanSnapshots(storeDir);
  await writeManifest(storeDir, list.snapshots);
  return list;
}

/** Records a finished snapshot file (already in the store) in the manifest. */
export async function addToManifest(storeDir: string, file: string): Promise<ManifestEntry> {
  const entry = manifestEntry(file, await readInfo(join(storeDir, file)));
  const others = await entriesExcept(storeDir, file);
  await writeManifest(storeDir, [...others, entry]);
  return entry;
}

/** Deletes a snapshot file and its manifest entry. */
export async function removeSnapshot(storeDir: string, file: string): Promise<void> {
  if (!file.endsWith(SNAPSHOT_EXT) || file.includes("/") || file.includes("\\")) {
    throw new BackupError("BAD_INPUT", `"${file}" is not a snapshot file name of the store`);
  }
  await fs.rm(join(storeDir, file), { force: true });
  await writeManifest(storeDir, await entriesExcept(storeDir, file));
}

/**
 * The entries of every snapshot but `file`: the manifest's when it is fresh
 * apart from that one file (the usual case when adding or removing it), so
 * a change costs no scan of the other files.
 */
async function entriesExcept(storeDir: string, file: string): Promise<ManifestEntry[]> {
  const stored = (await readManifest(storeDir))?.filter((e) => e.file !== file);
  if (stored !== undefined && (await isFresh(storeDir, stored, file))) return stored;
  return (await scanSnapshots(storeDir)).snapshots.filter((e) => e.file !== file);
}

async function writeManifest(storeDir: string, entries: ManifestEntry[]): Promise<void> {
  await writeFileAtomic(join(storeDir, MANIFEST_FILE), JSON.stringify(sortEntries(entries), null, 2) + "\n");
}

/** The stored entries, or null when the manifest is missing or not what this program writes. */
async function readManifest(storeDir: string): Promise<ManifestEntry[] | null> {
  let text: string;
  try {
    text = await fs.readFile(join(storeDir, MANIFEST_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every(isEntry) ? value : null;
  } catch {
    return null;
  }
}

/** Same file names and sizes as the directory: cheap (one stat per file), and catches added, removed and rewritten files. */
async function isFresh(storeDir: string, entries: ManifestEntry[], except?: string): Promise<boolean> {
  const files = (await snapshotFiles(storeDir)).filter((f) => f !== except);
  if (files.length !== entries.length) return false;
  const byFile = new Map(entries.map((e) => [e.file, e]));
  for (const file of files) {
    const entry = byFile.get(file);
    if (entry === undefined) return false;
    const stat = await fs.stat(join(storeDir, file)).catch(() => null);
    if (stat === null || stat.size !== entry.bytes) return false;
  }
  return true;
}

async function snapshotFiles(storeDir: string): Promise<string[]> {
  let dirents;
  try {
    dirents = await fs.readdir(storeDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return dirents.filter((d) => d.isFile() && d.name.endsWith(SNAPSHOT_EXT)).map((d) => d.name).sort();
}

function sortEntries(entries: ManifestEntry[]): ManifestEntry[] {
  return [...entries].sort((a, b) => a.createdAt - b.createdAt || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function isEntry(v: unknown): v is ManifestEntry {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e.file === "string" && typeof e.kind === "string" && typeof e.name === "string" &&
    typeof e.createdAt === "number" && typeof e.seq === "number" && typeof e.engine === "string" &&
    typeof e.fingerprint === "string" && typeof e.rows === "number" && typeof e.bytes === "number" && Array.isArray(e.tables);
}
