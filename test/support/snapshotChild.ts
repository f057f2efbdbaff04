/**
 * Snapshots taken in a process of its own, so a test can cap its heap or
 * preload a hook into it. A compiled module rather than a script in a
 * string: a refactor that moves what it imports fails the build, not a
 * test at run time. Environment: SNAPSHOT_DB (DataSource options, JSON),
 * SNAPSHOT_STORE, SNAPSHOT_TABLES (JSON list), SNAPSHOT_NAMES (JSON list,
 * one snapshot each), SNAPSHOT_BATCH (rows per batch, optional).
 * Prints one JSON line: each snapshot's rows and tables.
 */
import "reflect-metadata";
import { DataSource, type DataSourceOptions } from "typeorm";
import { createReader } from "../../src/reader";
import { takeSnapshot } from "../../src/snapshot/take";

async function main(): Promise<void> {
  const env = process.env;
  const ds = await new DataSource(JSON.parse(env.SNAPSHOT_DB!) as DataSourceOptions).initialize();
  try {
    const reader = createReader(ds);
    const schema = await reader.readSchema(JSON.parse(env.SNAPSHOT_TABLES!) as string[]);
    const taken = [];
    for (const name of JSON.parse(env.SNAPSHOT_NAMES ?? '["child"]') as string[]) {
      const batchRows = env.SNAPSHOT_BATCH ? Number(env.SNAPSHOT_BATCH) : undefined;
      const t = await takeSnapshot(reader, schema, env.SNAPSHOT_STORE!, { name, batchRows });
      taken.push({ rows: t.rows, tables: t.tables });
    }
    process.stdout.write(JSON.stringify(taken));
  } finally {
    await ds.destroy();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
