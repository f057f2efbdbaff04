import { BackupError } from "../errors";
import { Frame, Op } from "../journal/types";
import { DatabaseSchema, keyOf, Row } from "../db/types";

/** One captured row change, decoded, with its transaction's seq and commit time. */
export interface CapturedChange {
  seq: number;
  at: number;
  table: string;
  /** "I", "U" or "D", as the outbox stores it. */
  op: string;
  before: Row | null;
  after: Row | null;
}

/** How much of the outbox one read covers: whole transactions, cut into frames of bounded size. */
export interface ReadLimits {
  /** At most this many transactions (a batch of the shipper). */
  transactions: number;
  /** A transaction with more changes than this is written as several frames (parts). */
  changesPerFrame: number;
}

const OPS: Record<string, Op> = { I: "insert", U: "update", D: "delete" };

/**
 * Groups captured changes (ordered by seq, then capture order; they come a
 * page at a time) into one frame per transaction, or into parts of at most
 * `changesPerFrame` changes when a transaction is larger: so memory holds
 * one part, not one transaction, however large a single statement was (I6).
 */
export async function* framesFromChanges(pages: AsyncIterable<CapturedChange[]>, schema: DatabaseSchema, changesPerFrame: number): AsyncGenerator<Frame> {
  const tables = new Map(schema.tables.map((t) => [t.name, t]));
  let frame: Frame | null = null;
  for await (const page of pages) {
    const ready: Frame[] = [];
    for (const c of page) {
      if (frame && frame.seq !== c.seq) {
        ready.push(frame);
        frame = null;
      } else if (frame && frame.changes.length >= changesPerFrame) {
        // The next change belongs to the same transaction: this part is not its last.
        frame.more = true;
        const part: number = (frame.part ?? 0) + 1;
        ready.push(frame);
        frame = { seq: c.seq, at: c.at, changes: [], part };
      }
      frame ??= { seq: c.seq, at: c.at, changes: [] };
      const table = tables.get(c.table);
      if (!table) {
        throw new BackupError("SCHEMA_MISMATCH", `captured a change of table "${c.table}" (seq ${c.seq}) that is not in the capture schema`,
          "restart the app so attachChangelog() reads the schema again");
      }
      frame.changes.push({ table: c.table, op: OPS[c.op], key: keyOf((c.before ?? c.after) as Row, table), before: c.before, after: c.after });
    }
    yield* ready;
  }
  if (frame) yield frame;
}

/** Every frame of a read, for callers that know it is small (tests, tools). */
export async function collectFrames(frames: AsyncIterable<Frame>): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}
