/**
 * `<store>/snapshots.json`: a summary of the store's snapshots for scripts
 * and people, rewritten after every snapshot added or removed. This program
 * never believes it: a manifest is a cache, and one flipped bit in it
 * (a seq 195 read as 185) once made a restore pick the wrong snapshot and
 * report success (D3). Every list and every plan reads the files' own
 * headers and trailers instead, which costs a few kilobytes per file (no
 * row block is decompressed) and shows the damage it can see. Reading
 * never writes it (I8).
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { BackupError } from "../errors";
import { writeFileAtomic } from "../durable";
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
  /** The database the snapshot is of; null for a database without an identity (src/storeIdentity.ts). */
  databaseId: string | null;
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
    fingerprint: h.fingerprint, databaseId: h.databaseId ?? null, rows: t.rows, bytes: info.bytes,
    tables: t.tables.map(({ name, rows }) => ({ name, rows })),
  };
}

/** The snapshots of the store, oldest first, from the files' headers and trailers; files that cannot be read are `broken`. Writes nothing. */
export async function listSnapshots(storeDir: string): Promise<SnapshotList> {
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
  await rebuildManifest(storeDir);
  return entry;
}

/** Deletes a snapshot file and its manifest entry. */
export async function removeSnapshot(storeDir: string, file: string): Promise<void> {
  if (!file.endsWith(SNAPSHOT_EXT) || file.includes("/") || file.includes("\\")) {
    throw new BackupError("BAD_INPUT", `"${file}" is not a snapshot file name of the store`);
  }
  await fs.rm(join(storeDir, file), { force: true });
  await rebuildManifest(storeDir);
}

async function writeManifest(storeDir: string, entries: ManifestEntry[]): Promise<void> {
  await writeFileAtomic(join(storeDir, MANIFEST_FILE), JSON.stringify(sortEntries(entries), null, 2) + "\n");
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
