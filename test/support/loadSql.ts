/**
 * A SQL script loaded the way a user loads it: by the real sqlite3 shell or
 * psql, into a new database, stopping at the first error.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Client } from "pg";
import { PG_URL, tempDir } from "./databases";

export interface LoadedDatabase { url: string; drop(): Promise<void> }

export function loadWithSqlite3(file: string): LoadedDatabase {
  const dir = tempDir("transfer-load-");
  const db = path.join(dir, "loaded.db");
  const r = spawnSync("sqlite3", ["-bail", db, `.read ${file}`], { encoding: "utf8" });
  if (r.status !== 0 || r.stderr) throw new Error(`sqlite3 failed (${r.status}): ${r.stderr}`);
  return { url: db, drop: async () => undefined };
}

/** A new PostgreSQL database; `load` the script into it with psql. */
export async function newPostgresDatabase(): Promise<LoadedDatabase> {
  const name = `stk_transfer_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `${PG_URL}/${name}`,
    drop: async () => {
      const client = new Client({ connectionString: `${PG_URL}/postgres` });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export function loadWithPsql(url: string, file: string): void {
  const r = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr}`);
}
