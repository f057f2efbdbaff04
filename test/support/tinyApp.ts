/**
 * The smallest app there is: one table of named notes, on a scratch database
 * of either engine, reachable by URL so the command line can be pointed at
 * it too. Enough to say which database a row came from (its name carries
 * the app's tag) and to count transactions.
 */
import { DataSource, EntitySchema } from "typeorm";
import { attachChangelog, type Changelog, type ChangelogOptions } from "../../src";
import { createScratchDatabase, type ScratchDatabase, type StocktakeEngine } from "./scratchDatabase";

export const Note = new EntitySchema<{ id: number; name: string }>({
  name: "Note", tableName: "note",
  columns: { id: { type: Number, primary: true, generated: true }, name: { type: String } },
});

export interface TinyApp {
  engine: StocktakeEngine;
  url: string;
  ds: DataSource;
  tag: string;
  /** Commits `count` transactions of one note each; returns their names. */
  write(count: number): Promise<string[]>;
  /** One note written by raw SQL, as another process would: captured by the triggers, shipped by nobody yet. */
  rawWrite(): Promise<string>;
  names(): Promise<string[]>;
  headSeq(): Promise<number>;
  attach(options?: ChangelogOptions): Promise<Changelog>;
  close(): Promise<void>;
}

export async function tinyApp(engine: StocktakeEngine, tag: string): Promise<TinyApp> {
  const db: ScratchDatabase = await createScratchDatabase(engine);
  const ds = await new DataSource({
    ...(engine === "sqlite" ? { type: "sqlite", database: db.url } : { type: "postgres", url: db.url }),
    entities: [Note], synchronize: true, logging: false,
  } as never).initialize();
  let n = 0;
  const p = engine === "postgres" ? "$1" : "?";
  const app: TinyApp = {
    engine, url: db.url, ds, tag,
    async write(count) {
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        const name = `${tag}-${++n}`;
        await ds.transaction((m) => m.query(`INSERT INTO note (name) VALUES (${p})`, [name]));
        names.push(name);
      }
      return names;
    },
    async rawWrite() {
      const name = `${tag}-${++n}`;
      // A second connection, not the app's DataSource: the plugin's commit hook does not see it.
      const other = await new DataSource({ ...(ds.options as object), entities: [], synchronize: false } as never).initialize();
      try {
        await other.query(`INSERT INTO note (name) VALUES (${p})`, [name]);
      } finally {
        await other.destroy();
      }
      return name;
    },
    async names() {
      const rows: { name: string }[] = await ds.query("SELECT name FROM note ORDER BY id");
      return rows.map((r) => r.name);
    },
    async headSeq() {
      const rows: { seq: number | string }[] = await ds.query("SELECT seq FROM _changelog_head");
      return Number(rows[0]?.seq ?? 0);
    },
    attach: (options = {}) => attachChangelog(ds, { pollMs: 50, groupWindowMs: 20, ...options }),
    async close() {
      if (ds.isInitialized) await ds.destroy();
      await db.dispose();
    },
  };
  return app;
}

/** The note names a restored database holds, opened by path or URL. */
export async function namesIn(url: string): Promise<string[]> {
  const ds = await new DataSource({
    ...(/^postgres/.test(url) ? { type: "postgres", url } : { type: "sqlite", database: url }), entities: [], logging: false,
  } as never).initialize();
  try {
    const rows: { name: string }[] = await ds.query("SELECT name FROM note ORDER BY id");
    return rows.map((r) => r.name);
  } finally {
    await ds.destroy();
  }
}
