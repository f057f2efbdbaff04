/**
 * Where a restore writes, decided in one place before anything is opened
 * for writing: into the live database itself (in place), or into another
 * database, new or existing. Whatever the spelling of --target, --db or
 * DATABASE_URL, a target that is the live database is an in-place restore
 * (identity.ts), and both kinds write into a database that holds rows only
 * with consent: in place with --clear-existing, elsewhere never
 * (requireEmpty in target.ts, over every user table, not only the
 * snapshot's).
 */
import type { DataSource } from "typeorm";
import { BackupError } from "../errors";
import type { Engine } from "../db/types";
import { sameDatabase } from "../db/identity";
import type { RestorePlan } from "./plan";
import { defaultTarget, Target, openNewTarget, openInPlace, checkNewTarget } from "./target";
import { engineOfUrl, locationOf } from "../db/connect";
import type { SnapshotHeader } from "../snapshot";
import { inspectInPlace } from "./tables";
import { openScratch } from "./scratchTarget";

export type Destination = { kind: "in-place"; source: string | DataSource } | { kind: "new"; location: string };

export interface DestinationRequest {
  /** The --target the user gave, if any. */
  target?: string;
  clearExisting?: boolean;
  /** The live database, when known (--db, DATABASE_URL, the app's ormconfig or DataSource). */
  source?: string | DataSource;
}

export function sourceLocation(source: string | DataSource): string {
  return typeof source === "string" ? source : locationOf(source);
}

/**
 * In place: --target naming the live database, --clear-existing, or a
 * snapshot file restored to its own state with no --target. Otherwise a new
 * database: --target, or a fresh name for a point in time.
 */
export async function chooseDestination(request: DestinationRequest, plan: RestorePlan, snapshotEngine: Engine, store: string): Promise<Destination> {
  const source = request.source;
  const sourceUrl = source === undefined ? undefined : sourceLocation(source);
  if (request.target !== undefined) {
    if (sourceUrl !== undefined && sameDatabase(request.target, sourceUrl)) return { kind: "in-place", source: source! };
    if (request.clearExisting) {
      throw new BackupError("BAD_USAGE", "--clear-existing restores in place, into the source database, not into --target",
        "drop --clear-existing to restore into the new database, or --target to restore in place");
    }
    return { kind: "new", location: request.target };
  }
  if (request.clearExisting || !plan.pointInTime) {
    if (source === undefined) {
      throw new BackupError("BAD_USAGE", "an in-place restore needs the database to restore into",
        "pass --db (or set DATABASE_URL), or --target for a new database");
    }
    return { kind: "in-place", source };
  }
  const engine = sourceUrl !== undefined ? engineOfUrl(sourceUrl) : snapshotEngine;
  return { kind: "new", location: await defaultTarget(engine, store, plan.targetSeq, plan.targetAt ?? Date.now(), sourceUrl) };
}

export async function openChosen(destination: Destination, store: string): Promise<Target> {
  return destination.kind === "new" ? openNewTarget(destination.location, store) : openInPlace(destination.source);
}

/** A dry run replays into a scratch database of the target's engine (on its server); SQLite when no server is known. */
export async function scratchFor(destination: Destination, snapshotEngine: Engine, store: string): Promise<Target> {
  const location = destination.kind === "new" ? destination.location : sourceLocation(destination.source);
  const engine = location ? engineOfUrl(location) : snapshotEngine;
  return engine === "postgres" ? openScratch("postgres", location, store) : openScratch("sqlite", undefined, store);
}

/** A dry run reads its destination for the refusals a real run would meet, and writes nothing. */
export async function dryRunChecks(destination: Destination, header: SnapshotHeader, options: { clearExisting?: boolean }, store: string): Promise<void> {
  if (destination.kind === "new") return checkNewTarget(destination.location);
  const target = await openInPlace(destination.source);
  try {
    await inspectInPlace(target, header, options, store);
  } finally {
    await target.discard();
  }
}
