/**
 * The PostgreSQL server's side of making and removing databases: a client
 * on its maintenance database, and the names in a URL.
 */
import { Client } from "pg";
import { BackupError } from "../errors";
import { redactUrl } from "./connect";

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (name === "") throw new BackupError("BAD_INPUT", `${redactUrl(url)} names no database`, "give the database to restore into, e.g. postgres://user@host/stocktake_restored");
  return name;
}

export async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function databaseExists(url: string, name: string): Promise<boolean> {
  return withAdmin(url, async (c) => (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1);
}
