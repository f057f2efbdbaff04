/**
 * A scratch database for a dry run or verify: in a folder of the store's
 * scratch folder, or a PostgreSQL database named so that a later run can
 * tell whose it is (src/leftovers/), and always removed.
 */
import * as path from "node:path";
import { withAdmin, withDatabase } from "../db/postgresAdmin";
import { quoteIdent as q } from "../db/sql";
import type { Engine } from "../db/types";
import { BackupError } from "../errors";
import { ownerTag } from "../leftovers/owner";
import { makeScratchFolder, PG_SCRATCH_PREFIX } from "../leftovers/scratch";
import { redactUrl } from "../db/connect";
import { openBare, type Target, createRegistered } from "./target";

/**
 * A throwaway database of `engine` for a dry run or verify, removed by
 * discard() (publish() removes it too: nothing of it is kept). PostgreSQL
 * needs a server: `serverUrl` (any database on it). `store`: where the
 * scratch folder is made and the scratch database registered.
 */
export async function openScratch(engine: Engine, serverUrl?: string, store?: string): Promise<Target> {
  if (engine === "sqlite") {
    const folder = await makeScratchFolder(store);
    const file = path.join(folder.dir, "scratch.db");
    const ds = await openBare({ type: "sqlite", database: file }).catch(async (error) => { await folder.remove(); throw error; });
    await ds.query("PRAGMA synchronous = OFF");
    const remove = async () => {
      if (ds.isInitialized) await ds.destroy();
      await folder.remove();
    };
    return { engine, mode: "scratch", display: file, location: file, dataSource: ds, publish: remove, discard: remove };
  }
  if (serverUrl === undefined) {
    throw new BackupError("BAD_USAGE", "a scratch PostgreSQL database needs a server", "pass --db or --target with a postgres:// URL");
  }
  // The name tells a later run whose it is and whether that run is gone (leftovers/owner.ts).
  const name = PG_SCRATCH_PREFIX + ownerTag("_");
  const registration = await createRegistered(serverUrl, name, store, false);
  const url = withDatabase(serverUrl, name);
  const drop = async () => {
    await withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${q(name)} WITH (FORCE)`));
    await registration.release();
  };
  const ds = await openBare({ type: "postgres", url }).catch(async (error) => { await drop().catch(() => undefined); throw error; });
  const remove = async () => {
    if (ds.isInitialized) await ds.destroy();
    await drop();
  };
  return { engine, mode: "scratch", display: redactUrl(url), location: url, dataSource: ds, publish: remove, discard: remove };
}
