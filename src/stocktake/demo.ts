import "reflect-metadata";
import { attachChangelog } from "../index";
import { restore } from "../restore";
import { DEFAULT_SQLITE_FILE, openStocktakeDataSource } from "./datasource";
import { mutateStocktake, seedStocktake } from "./workload";

/**
 * npm start: the whole cycle on the embedded SQLite default (./stocktake.db,
 * store ./snapshots), or on DATABASE_URL. The app writes with the changelog
 * attached, a snapshot is taken, the app writes on, a mistaken bulk delete
 * happens, and a restore to the instant before it brings the rows back.
 * Every step prints the command that does the same by hand.
 */
const say = (text: string) => process.stdout.write(`${text}\n`);
const cmd = (text: string) => say(`    $ ${text}`);

async function countLines(ds: Awaited<ReturnType<typeof openStocktakeDataSource>>): Promise<number> {
  const [{ n }] = await ds.query('SELECT count(*) AS n FROM "orderItem"');
  return Number(n);
}

async function main(): Promise<void> {
  const database = process.env.DATABASE_URL ?? DEFAULT_SQLITE_FILE;
  let ds = await openStocktakeDataSource();
  let changelog = await attachChangelog(ds);
  const store = changelog.dir;
  try {
    const [{ n }] = await ds.query('SELECT count(*) AS n FROM "item"');
    if (Number(n) === 0) {
      say("1. A new Stocktake database: seeding it (every change is journaled)…");
      await seedStocktake(ds, { scale: 1, seed: 1 });
    } else {
      say("1. The Stocktake database exists; the app carries on with it.");
    }
    const steps = Number(process.env.DEMO_STEPS ?? 150);
    await mutateStocktake(ds, { steps, seed: Date.now() % 100000 });
    await changelog.flush();
    say(`   The app wrote ${steps} operations through every TypeORM write path; journal at seq ${changelog.lastSeq}.`);

    const snapshot = await changelog.snapshot({ kind: "manual" });
    say(`\n2. A snapshot: ${snapshot.file} (${snapshot.rows} rows, ${snapshot.bytes} bytes, consistent at seq ${snapshot.seq}).`);
    cmd("npm run backup");
    cmd("npm run backup:list");

    await mutateStocktake(ds, { steps: 50, seed: (Date.now() + 1) % 100000 });
    await changelog.flush();
    const lines = await countLines(ds);
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the mistake commits strictly after `before`
    say(`\n3. The app wrote on (seq ${changelog.lastSeq}); order lines: ${lines}. At ${before.toISOString()} all is well.`);

    await ds.createQueryBuilder().delete().from("orderItem").execute();
    await changelog.flush();
    say(`\n4. A mistaken bulk delete: DELETE FROM "orderItem". Order lines now: ${await countLines(ds)}.`);
    say("   The journal saw every deleted row:");
    cmd(`npm run backup:log -- --table orderItem --from ${changelog.lastSeq}`);

    // An in-place restore replaces the database's rows: the app lets go of it first.
    await changelog.close();
    await ds.destroy();
    const result = await restore({ store, to: before, clearExisting: true, source: database });
    say(`\n5. Restore to the instant before the mistake, in place: seq ${result.seqReached} reached ` +
      `(${result.framesReplayed} transactions replayed over the snapshot), ${result.rows} rows, ${Math.round(result.ms)} ms.`);
    say(`   What it replaced is kept in the safety snapshot ${result.safetySnapshot}.`);
    cmd(`npm run backup:restore -- --to ${before.toISOString()} --dry-run`);
    cmd(`npm run backup:restore -- --to ${before.toISOString()} --clear-existing`);
    say("   or into a new database, to look before replacing anything:");
    cmd(`npm run backup:restore -- --to ${before.toISOString()} --target restored.db`);

    ds = await openStocktakeDataSource();
    changelog = await attachChangelog(ds);
    say(`\n6. Order lines are back: ${await countLines(ds)} (were ${lines}). The journal still replays to the live database:`);
    cmd("npm run backup:verify");
  } finally {
    await changelog.close();
    if (ds.isInitialized) await ds.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
