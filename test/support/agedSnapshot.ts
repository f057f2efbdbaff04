import * as fs from "node:fs";
import * as path from "node:path";
import { SNAPSHOT_EXT, snapshotFileName, SnapshotReader, SnapshotWriter } from "../../src/snapshot";
import { copySnapshotRows } from "./craft";

/**
 * Makes the snapshot `file` of the store look `ageMs` older: rewritten with
 * the package's own writer (rows and checksums intact) under the name and
 * creation time it would have had then, the original removed. A store that
 * has stopped taking snapshots, without waiting days for one.
 */
export async function ageSnapshot(dir: string, file: string, ageMs: number): Promise<string> {
  const from = path.join(dir, file);
  const reader = await SnapshotReader.open(from);
  let name: string;
  try {
    const h = reader.header;
    const createdAt = h.createdAt - ageMs;
    name = snapshotFileName(h.kind, createdAt, h.kind === "manual" ? `${h.name}-old` : undefined);
    const writer = await SnapshotWriter.create(path.join(dir, name), {
      kind: h.kind, name: name.slice(0, -SNAPSHOT_EXT.length), createdAt, seq: h.seq, schema: h.schema, ddl: h.ddl,
      databaseId: h.databaseId ?? null, storeId: h.storeId ?? null,
    });
    await copySnapshotRows(reader, writer, h.schema.tables.map((t) => t.name));
  } finally {
    await reader.close();
  }
  fs.rmSync(from);
  return name;
}
