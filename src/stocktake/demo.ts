import "reflect-metadata";
import { attachChangelog } from "../index";
import { journalRange } from "../journal/reader";
import { openStocktakeDataSource } from "./datasource";
import { mutateStocktake, seedStocktake } from "./workload";

/**
 * npm start: the Stocktake app with the changelog attached, writing for a
 * moment, then a look at what the journal recorded and how to ask it.
 * Runs on the embedded SQLite default (./stocktake.db, store ./snapshots),
 * or on DATABASE_URL.
 */
async function main(): Promise<void> {
  const ds = await openStocktakeDataSource();
  const changelog = await attachChangelog(ds);
  try {
    const [{ n }] = await ds.query('SELECT count(*) AS n FROM "item"');
    if (Number(n) === 0) {
      process.stdout.write("Seeding a new Stocktake database…\n");
      await seedStocktake(ds, { scale: 1, seed: 1 });
    }
    const steps = Number(process.env.DEMO_STEPS ?? 200);
    process.stdout.write(`The app writes: ${steps} operations through every TypeORM write path…\n`);
    const before = changelog.lastSeq;
    const t0 = Date.now();
    const taken = await mutateStocktake(ds, { steps, seed: Date.now() % 100000 });
    await changelog.flush();
    const range = journalRange(changelog.dir);
    process.stdout.write(`\n${steps} operations in ${Date.now() - t0} ms; ${changelog.lastSeq - before} committed transactions journaled ` +
      `(rolled-back work is not: ${Object.entries(taken).filter(([k]) => /throws|rollback|outer throws/.test(k)).map(([k, v]) => `${v}× ${k}`).join(", ") || "none this time"}).\n`);
    if (range) {
      process.stdout.write(`Journal: ${changelog.dir}/journal, seq ${range.firstSeq}..${range.lastSeq}, ` +
        `${new Date(range.firstAt).toISOString()} .. ${new Date(range.lastAt).toISOString()}\n`);
    }
    const [{ id }] = await ds.query('SELECT min(id) AS id FROM "item"');
    process.stdout.write("\nWho changed what, when, from what to what:\n" +
      `  npm run backup:log -- --table item --key ${id}\n` +
      `  npm run backup:log -- --from ${Math.max(1, changelog.lastSeq - 5)} --json\n`);
  } finally {
    await changelog.close();
    await ds.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
