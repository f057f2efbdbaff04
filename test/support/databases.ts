import fs from "fs";
import os from "os";
import path from "path";
import { Client } from "pg";
import { DataSource, DataSourceOptions, EntitySchema } from "typeorm";

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = (Function | EntitySchema)[];
export type Engine = "sqlite" | "postgres";
/**
 * The engines the tests run on: both, unless TEST_ENGINES names fewer
 * (`TEST_ENGINES=sqlite` for a loop with no server). CI runs both.
 */
export const ENGINES: Engine[] = enginesUnderTest(process.env.TEST_ENGINES);

function enginesUnderTest(list: string | undefined): Engine[] {
  if (list === undefined || list.trim() === "") return ["sqlite", "postgres"];
  const named = list.split(",").map((e) => e.trim());
  const unknown = named.filter((e) => e !== "sqlite" && e !== "postgres");
  if (unknown.length > 0) throw new Error(`TEST_ENGINES names ${unknown.join(", ")}: the engines are sqlite and postgres`);
  return named as Engine[];
}

/** Pairs of distinct engines under test, for the cross-engine tests: none when one engine is tested. */
export const ENGINE_PAIRS: [Engine, Engine][] = ENGINES.flatMap((a) => ENGINES.filter((b) => b !== a).map((b): [Engine, Engine] => [a, b]));

export const PG_URL = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432";

export function tempDir(prefix = "stk-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A fresh, empty database of the engine, and how to reach it. */
export interface TestDatabase {
  engine: Engine;
  options(entities: EntityList, extra?: Partial<DataSourceOptions>): DataSourceOptions;
  drop(): Promise<void>;
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === "sqlite") {
    const dir = tempDir();
    const file = path.join(dir, "app.db");
    return {
      engine,
      options: (entities, extra) => ({ type: "sqlite", database: file, entities, synchronize: true, logging: false, ...extra } as DataSourceOptions),
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `stk_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    engine,
    options: (entities, extra) => ({ type: "postgres", url: `${PG_URL}/${name}`, entities, synchronize: true, logging: false, ...extra } as DataSourceOptions),
    drop: async () => {
      const client = new Client({ connectionString: `${PG_URL}/postgres` });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function openDataSource(db: TestDatabase, entities: EntityList, extra?: Partial<DataSourceOptions>): Promise<DataSource> {
  return new DataSource(db.options(entities, extra)).initialize();
}

/** `work` with a client on the server's maintenance database (to list or drop databases), closed after. */
export async function withPg<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${PG_URL}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
