/**
 * restore(): plan, pick the target, then one transaction that creates the
 * tables if needed, loads the snapshot, replays the journal, resets the
 * counters and checks the result, committed only when all of it succeeded
 * (I4). A new database gets its name only after that commit; in place, a
 * safety snapshot of what is replaced is taken first. A dry run does the
 * same into a scratch database that is removed afterwards, and never touches
 * the target or the store (I8).
 */
import * as path from "node:path";
import { captureDuringRestore, type CaptureDuringRestore } from "../capture/duringRestore";
import { displayOf } from "../db/connect";
import { quoteIdent as q } from "../db/sql";
import type { DatabaseSchema } from "../db/types";
import { BackupError } from "../errors";
import { pastInstant } from "../instant";
import { removeSnapshot, SnapshotReader } from "../snapshot";
import { existingStore } from "../store";
import { compareCounts, countRowsIn } from "./checks";
import { chooseDestination, dryRunChecks, openChosen, scratchFor, sourceLocation } from "./destination";
import { type Finding, RowEventStream, rowCounts } from "./events";
import { loadWithForeignKeysOff } from "./foreignKeys";
import { type LoadContext, loadSnapshot, replayJournal } from "./load";
import type { RestoreOptions, RestoreOutcome, RestoreProgress, RestoreResult } from "./options";
import { planRestore, type RestorePlan } from "./plan";
import { rowSinkFor } from "./rowSinkFor";
import { lockForReplace, takeSafetySnapshot } from "./safetySnapshot";
import { resetSequences } from "./sequences";
import { inspectInPlace, prepareTables } from "./tables";
import type { Target } from "./target";

export type { RestoreOptions, RestoreOutcome, RestoreProgress, RestoreResult } from "./options";

export async function restore(options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  const store = existingStore(options.store);
  const latest = options.latest || options.snapshot === "latest";
  const to = options.to === undefined ? undefined : pastInstant(options.to, { option: "to", timeZone: options.timeZone });
  const plan = await planRestore(store, {
    to,
    toSeq: options.toSeq,
    snapshot: latest ? undefined : options.snapshot,
    latest,
  });
  const reader = await SnapshotReader.open(plan.snapshot.path);
  try {
    const destination = await chooseDestination(options, plan, reader.header.engine, store);
    if (options.dryRun) await dryRunChecks(destination, reader.header, options, store);
    const target = options.dryRun ? await scratchFor(destination, reader.header.engine, store) : await openChosen(destination, store);
    try {
      const outcome = await loadInto(target, reader, plan, options, store);
      await target.publish();
      const display = destination.kind === "new" ? displayOf(destination.location) : target.display;
      return {
        ...outcome,
        dryRun: options.dryRun === true,
        target: options.dryRun ? (destination.kind === "new" ? display : displayOf(sourceLocation(destination.source))) : display,
        mode: options.dryRun ? (destination.kind === "new" ? "new" : "in-place") : target.mode,
        snapshot: { file: plan.snapshot.file, path: plan.snapshot.path, kind: plan.snapshot.kind, seq: plan.snapshot.seq, createdAt: new Date(plan.snapshot.createdAt).toISOString() },
        to: to === undefined ? null : new Date(to).toISOString(),
        journalEndedBefore: endedBefore(to, plan),
        ms: performance.now() - started,
      };
    } catch (error) {
      await target.discard().catch(() => undefined);
      throw error;
    }
  } finally {
    await reader.close();
  }
}


/** The journal's last transaction, when the instant asked for is after it: what was restored is older than asked. */
function endedBefore(to: number | undefined, plan: RestorePlan): RestoreResult["journalEndedBefore"] {
  const end = plan.journalEnd;
  if (to === undefined || end === null || plan.targetSeq < end.lastSeq || end.lastAt >= to) return null;
  return { seq: end.lastSeq, at: new Date(end.lastAt).toISOString() };
}



async function loadInto(target: Target, reader: SnapshotReader, plan: RestorePlan, options: RestoreOptions, store: string): Promise<RestoreOutcome> {
  const { header } = reader;
  const ds = target.dataSource;
  const engine = target.engine;
  const names = header.schema.tables.map((t) => t.name);
  const progress = { rows: 0, totalRows: reader.trailer.rows, frames: 0, totalFrames: plan.frames };
  const report = (phase: RestoreProgress["phase"], table?: string) => options.onProgress?.({ phase, table, ...progress });
  const findings: Finding[] = [];
  let safetySnapshot: string | null = null;
  let capture: CaptureDuringRestore = { begin: async () => undefined, end: async () => undefined };
  let clear = false;
  let live: DatabaseSchema | null = null;

  if (target.mode === "in-place") {
    const inspected = await inspectInPlace(target, header, options, store);
    live = inspected.live;
    clear = inspected.occupied.length > 0;
  }

  const stream = new RowEventStream();
  let expected = new Map<string, number>();
  // A failed restore errors the stream; that error is the restore's to report, not the subscriber's.
  rowCounts(stream.events).subscribe({ next: (counts) => { expected = stream.withCountedLoads(counts); }, error: () => undefined });
  const ruleFindings = (options.rules ?? []).map((rule) => stream.collect(rule));
  const runner = ds.createQueryRunner();
  try {
    if (live !== null) capture = await captureDuringRestore(ds, live);
    await runner.connect();
    const { result } = await loadWithForeignKeysOff(runner, engine, async () => {
      if (clear) {
        await lockForReplace(runner, engine, names);
        report("safety");
        safetySnapshot = await takeSafetySnapshot(ds, live!, store);
      }
      const tables = await prepareTables(runner, engine, header, names, findings);
      const ctx: LoadContext = { engine, sink: rowSinkFor(runner, engine), tables, stream };
      await capture.begin(runner);
      if (clear) for (const name of [...names].reverse()) await runner.query(`DELETE FROM ${q(name)}`);
      report("load");
      await loadSnapshot(ctx, reader, (table, rows) => { progress.rows += rows; report("load", table); });
      const replayed = await replayJournal(ctx, plan.store, header.seq, plan.targetSeq, () => { progress.frames++; report("replay"); });
      stream.complete();
      await resetSequences(runner, engine);
      await capture.end(runner);
      let actual: Map<string, number> | null = null;
      if (!options.skipValidation) {
        report("check");
        actual = await countRowsIn(runner, names);
        const wrong = compareCounts(expected, actual);
        if (wrong.length > 0) {
          throw new BackupError("INTERNAL", `the restored data does not add up: ${wrong.map((f) => f.message).join("; ")}`,
            "nothing was changed; report this, with the snapshot and journal");
        }
      }
      return { replayed, actual };
    }, { skipCheck: options.skipValidation });
    const counts = result.actual ?? expected;
    const rowsPerTable = Object.fromEntries(names.map((n) => [n, counts.get(n) ?? 0]));
    findings.push(...ruleFindings.flat());
    const last = result.replayed.last;
    return {
      success: !findings.some((f) => f.severity === "error"),
      seqReached: plan.targetSeq,
      atReached: new Date(last?.at ?? header.createdAt).toISOString(),
      rowsPerTable,
      rows: Object.values(rowsPerTable).reduce((a, b) => a + b, 0),
      framesReplayed: result.replayed.frames,
      safetySnapshot,
      findings,
    };
  } catch (error) {
    stream.fail(error);
    // The load rolled back (or never began): the database still holds what the
    // safety snapshot holds, which would only be a stray file (D15). Only this
    // run's own snapshot is removed; one of a restore killed before its commit
    // stays, a snapshot like any other.
    if (safetySnapshot !== null) await removeSnapshot(store, path.basename(safetySnapshot)).catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

