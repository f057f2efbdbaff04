/**
 * A journal of many changes written straight with JournalWriter, without a
 * database: frames of `perFrame` inserts each into one small table. For tests
 * of what reads a big journal (log through a pipe), in seconds.
 */
import { JournalWriter } from "../../src/journal/writer";
import type { Frame } from "../../src/journal/types";
import type { DatabaseSchema } from "../../src/db/types";

export const BIG_JOURNAL_SCHEMA: DatabaseSchema = {
  engine: "sqlite",
  tables: [{
    name: "parcel",
    primaryKey: ["id"],
    columns: [
      { name: "id", type: "integer", nullable: false },
      { name: "label", type: "varchar", nullable: false },
      { name: "weight", type: "real", nullable: true },
    ],
  }],
};

/** Writes `changes` row inserts, `perFrame` to a frame, into the store's journal; returns how many frames. */
export async function writeBigJournal(store: string, changes: number, perFrame: number): Promise<number> {
  const writer = await JournalWriter.open(store, { schema: BIG_JOURNAL_SCHEMA });
  const at = Date.now() - 3_600_000;
  let id = 0;
  let seq = 0;
  try {
    while (id < changes) {
      const batch: Frame[] = [];
      for (let f = 0; f < 20 && id < changes; f++) {
        const frame: Frame = { seq: ++seq, at: at + seq, changes: [] };
        for (let c = 0; c < perFrame && id < changes; c++) {
          id++;
          frame.changes.push({ table: "parcel", op: "insert", key: { id }, before: null, after: { id, label: `parcel ${id}`, weight: id / 8 } });
        }
        batch.push(frame);
      }
      await writer.append(batch);
    }
    await writer.sync();
  } finally {
    await writer.close();
  }
  return seq;
}
