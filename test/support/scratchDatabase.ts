import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";

export type StocktakeEngine = "sqlite" | "postgres";

/**
 * A throwaway database for tests and benchmarks: a SQLite file in a fresh
 * temporary directory, or a PostgreSQL database with a random name, so that
 * parallel runs never share one. `url` is a DATABASE_URL for
 * createStocktakeDataSource. Dispose drops it.
 */
export interface ScratchDatabase {
  engine: StocktakeEngine;
  url: string;
  dispose(): Promise<void>;
}

/**
 * The PostgreSQL server to create scratch databases on, given as a URL to
 * its maintenance database; STOCKTAKE_PG_ADMIN_URL overrides the default.
 */
export function postgresAdminUrl(): string {
  return process.env.STOCKTAKE_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/**
 * `template` copies an existing scratch database of the same engine (which
 * must have no open connections: destroy its DataSource first). A SQLite
 * copy takes the -wal file along, in case the template was not checkpointed.
 */
export async function createScratchDatabase(engine: StocktakeEngine, template?: ScratchDatabase): Promise<ScratchDatabase> {
  if (template && template.engine !== engine) throw new Error("createScratchDatabase: template is another engine");
  return engine === "sqlite" ? scratchSqlite(template) : scratchPostgres(template);
}

async function scratchSqlite(template?: ScratchDatabase): Promise<ScratchDatabase> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "stocktake-"));
  const file = path.join(dir, "stocktake.db");
  if (template) {
    for (const suffix of ["", "-wal"]) {
      if (fs.existsSync(template.url + suffix)) await fs.promises.copyFile(template.url + suffix, file + suffix);
    }
  }
  return { engine: "sqlite", url: file, dispose: () => fs.promises.rm(dir, { recursive: true, force: true }) };
}

async function scratchPostgres(template?: ScratchDatabase): Promise<ScratchDatabase> {
  const admin = new URL(postgresAdminUrl());
  const name = `stk_${randomBytes(6).toString("hex")}`;
  const from = template ? ` TEMPLATE ${new URL(template.url).pathname.slice(1)}` : "";
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}${from}`));
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    engine: "postgres",
    url: url.toString(),
    // FORCE: a test that failed half-way may have left a connection open.
    dispose: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
