import fs from "fs";
import type { DataSource } from "typeorm";
import { attachChangelog } from "../src";
import { readFrames } from "../src/journal/reader";
import { openStocktakeDataSource } from "../src/stocktake/datasource";

async function maxId(ds: DataSource, table: string): Promise<number> {
  const [{ n }] = await ds.query(`SELECT max(id) AS n FROM "${table}"`);
  return Number(n);
}

/**
 * A store holding a snapshot of `sourceFile` (copied to `file`) followed by
 * a journal of about `changes` changed rows, captured from transactions of
 * `perTransaction` changed rows each: 70% updated, 20% inserted, 10% deleted
 * line rows (a count, an order, a correction). Returns the changed rows the
 * journal holds. `segmentBytes` (default the writer's) cuts the journal into
 * segments of that size, so compaction has sealed segments to compress.
 */
export async function journalAfterSnapshot(sourceFile: string, file: string, store: string, changes: number, perTransaction: number, segmentBytes?: number): Promise<number> {
  fs.copyFileSync(sourceFile, file);
  const ds = await openStocktakeDataSource(file);
  try {
    // The copy carries the source's identity, bound to the source's store (the
    // snapshot step took it there): the copy's journal starts in a store of its own.
    return (await snapshotThenWorkload(ds, store, changes, perTransaction, { moveStore: true, segmentBytes })).rows;
  } finally {
    await ds.destroy();
  }
}

/**
 * On an open Stocktake database: attaches the changelog to `store`, takes a
 * snapshot, then commits transactions of `perTransaction` changed rows
 * each until about `changes` rows changed (the mix above). Returns the
 * changed rows the journal holds after the snapshot, and the time the app
 * took to commit them (capture on).
 */
export async function snapshotThenWorkload(ds: DataSource, store: string, changes: number, perTransaction: number,
  options: { moveStore?: boolean; segmentBytes?: number } = {}): Promise<{ rows: number; ms: number }> {
  const UPDATES = Math.max(1, Math.round(perTransaction * 0.7));
  const COPIES = Math.max(1, Math.round(perTransaction * 0.2));
  const DELETES = Math.max(1, perTransaction - UPDATES - COPIES);
  const changelog = await attachChangelog(ds, { dir: store, ...options });
  const { seq } = await changelog.snapshot({ kind: "manual" });
  const counted = await maxId(ds, "stocktakeItem");
  const ordered = await maxId(ds, "orderItem");
  const copied = "\"orderId\", \"itemId\", \"quantity\", \"unitPrice\", \"lineTotal\"";
  const started = performance.now();
  for (let done = 0, round = 0; done < changes; done += UPDATES + COPIES + DELETES, round++) {
    const from = (round * UPDATES) % Math.max(1, counted - UPDATES);
    const copyFrom = (round * COPIES) % Math.max(1, ordered - COPIES);
    await ds.transaction(async (m) => {
      await m.query(`UPDATE "stocktakeItem" SET "countedQuantity" = "expectedQuantity" + ${round % 7}, "countedAt" = '2026-11-26 10:00:00.000' WHERE id > ${from} AND id <= ${from + UPDATES}`);
      await m.query(`INSERT INTO "orderItem" (${copied}) SELECT ${copied} FROM "orderItem" WHERE id > ${copyFrom} AND id <= ${copyFrom + COPIES}`);
      await m.query(`DELETE FROM "deliveryItem" WHERE id IN (SELECT id FROM "deliveryItem" ORDER BY id LIMIT ${DELETES})`);
    });
  }
  const ms = performance.now() - started;
  await changelog.flush();
  await changelog.close();
  let rows = 0;
  for (const frame of readFrames(store, { fromSeq: seq + 1 })) rows += frame.changes.length;
  return { rows, ms };
}
