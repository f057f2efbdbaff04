/**
 * Issue 7, item 6: a restore writes into an existing database that holds a
 * row (in any user table) only with --clear-existing. Every restore form is
 * a row of the table below, run through the built CLI against a non-empty
 * live database of its own: the snapshot argument (none, latest, a file) ×
 * the point (none, --to, --to-seq) × where it would write (the live
 * database named by --db or DATABASE_URL; --target naming the live database
 * in another spelling, with and without the live one named; --target
 * naming another non-empty database, or an empty one; nothing named at all,
 * where the app's ormconfig names the live database) × --clear-existing,
 * with --dry-run, --skip-validation and DATABASE_URL-instead-of---db
 * varied across the rows so that each destination meets each of them.
 * A refusal exits 2 with a hint and leaves the live database byte-identical
 * (SQLite: its file's hash; PostgreSQL: its canonical dump); a dry run
 * predicts the real run's exit and changes nothing.
 */
import { createReader } from "../src/reader";
import { expect } from "chai";
import { spawn } from "child_process";
import { createHash } from "crypto";
import { promises as fs } from "fs";
import path from "path";
import { Client } from "pg";
import { DataSource, EntitySchema } from "typeorm";
import { attachChangelog, BackupRestoreManager } from "../src";
import { ACCESS_LOG } from "../src/accessLog";
import type { BackupRestoreManagerOptions, RestoreBackupOptions } from "../src/legacy/BackupRestoreManager";
import { listUserTables } from "../src/db/catalog";
import { DatabaseSchema } from "../src/db/types";
import { createScratchDatabase, postgresAdminUrl, ScratchDatabase } from "./support/scratchDatabase";
import { Engine, ENGINES, tempDir } from "./support/databases";
import { CLI } from "./support/loggedValues";
import { Dump, dumpDatabase } from "./support/restoreSupport";

const Item = new EntitySchema<{ id: number; name: string }>({
  name: "Item", tableName: "item",
  columns: { id: { type: Number, primary: true, generated: true }, name: { type: String } },
});
const Note = new EntitySchema<{ id: number; text: string }>({
  name: "Note", tableName: "note",
  columns: { id: { type: Number, primary: true, generated: true }, text: { type: String } },
});
/** A table of the app that capture does not know: its rows count as much as any. */
const Ledger = new EntitySchema<{ id: number; entry: string }>({
  name: "Ledger", tableName: "ledger",
  columns: { id: { type: Number, primary: true, generated: true }, entry: { type: String } },
});
const ENTITIES = [Item, Note, Ledger];

type Snap = "none" | "latest" | "file";
type Point = "none" | "to" | "toSeq";
type Dest = "db" | "targetLive" | "targetLiveAlone" | "targetOther" | "targetEmpty" | "none";
interface Row { snap: Snap; point: Point; dest: Dest; clear: boolean; dry: boolean; skip: boolean; env: boolean }
type Outcome = "refused" | "error" | "new" | "inPlace" | "intoEmpty";

function rows(): Row[] {
  const out: Row[] = [];
  const snaps: Snap[] = ["none", "latest", "file"];
  const points: Point[] = ["none", "to", "toSeq"];
  const dests: Dest[] = ["db", "targetLive", "targetLiveAlone", "targetOther", "targetEmpty", "none"];
  snaps.forEach((snap, i) => points.forEach((point, j) => dests.forEach((dest, d) => [false, true].forEach((clear) => {
    const s = i * 3 + j;
    const c = clear ? 1 : 0;
    // For each destination and consent, the nine snapshot forms meet every (dry, env) pair, and skip both ways.
    out.push({ snap, point, dest, clear, dry: (s + d + c) % 2 === 1, env: (Math.floor(s / 2) + d) % 2 === 1, skip: (Math.floor(s / 4) + c + d) % 2 === 1 });
  }))));
  return out;
}

/** What the row must do: the rule of item 6, written out per destination. */
function expected(row: Row, engine: Engine): Outcome {
  const ownState = row.snap === "file" && row.point === "none";
  // Nothing named: the app's ormconfig is ./stocktake.db, the live file on SQLite, a missing one for a PostgreSQL app.
  const ormconfigIsLive = engine === "sqlite";
  switch (row.dest) {
    case "db": return row.clear ? "inPlace" : ownState ? "refused" : "new";
    case "targetLive": return row.clear ? "inPlace" : "refused";
    case "targetLiveAlone": return !row.clear ? "refused" : ormconfigIsLive ? "inPlace" : "error";
    case "targetOther": return row.clear ? "error" : "refused";
    case "targetEmpty": return row.clear ? "error" : "intoEmpty";
    case "none":
      if (!ormconfigIsLive) return "error";
      return row.clear ? "inPlace" : ownState ? "refused" : "new";
  }
}

/** A template app: rows in every table, a snapshot, more commits after it; closed, so that copies of it are exact. */
interface Templates {
  engine: Engine;
  live: ScratchDatabase;
  other: ScratchDatabase;
  empty: ScratchDatabase;
  store: string;
  snapshotFile: string;
  seq: number;
  at: string;
  fingerprint: string;
  schema: DatabaseSchema;
}

async function openBare(url: string): Promise<DataSource> {
  const options = url.startsWith("postgres") ? { type: "postgres" as const, url } : { type: "sqlite" as const, database: url };
  return new DataSource({ ...options, entities: ENTITIES, logging: false }).initialize();
}

async function makeTemplates(engine: Engine): Promise<Templates> {
  const live = await createScratchDatabase(engine);
  const empty = await createScratchDatabase(engine);
  const store = tempDir("stkc-store-");
  const syncOptions = (url: string) => (url.startsWith("postgres") ? { type: "postgres" as const, url } : { type: "sqlite" as const, database: url });
  const app = await new DataSource({ ...syncOptions(live.url), entities: ENTITIES, synchronize: true, logging: false }).initialize();
  const blank = await new DataSource({ ...syncOptions(empty.url), entities: ENTITIES, synchronize: true, logging: false }).initialize();
  await blank.destroy();
  const changelog = await attachChangelog(app, { dir: store, tables: ["item", "note"], groupWindowMs: 2 });
  await app.getRepository("Item").save([{ name: "a" }, { name: "b" }]);
  await app.getRepository("Note").save({ text: "n1" });
  const snapshot = await changelog.snapshot({ name: "base" });
  await app.getRepository("Item").save({ name: "c" });
  await app.getRepository("Ledger").save({ entry: "outside the snapshot" });
  await changelog.flush();
  const seq = changelog.lastSeq;
  const at = new Date().toISOString();
  const schema = await createReader(app).readSchema(await listUserTables(app));
  await changelog.close();
  await app.destroy();
  const other = await createScratchDatabase(engine, live);
  return { engine, live, other, empty, store, snapshotFile: snapshot.file, seq, at, schema, fingerprint: await fingerprint(engine, live.url, schema) };
}

/** SQLite: the file's bytes; PostgreSQL: the canonical dump of every user table. */
async function fingerprint(engine: Engine, url: string, schema: DatabaseSchema): Promise<string> {
  if (engine === "sqlite") return createHash("sha256").update(await fs.readFile(url)).digest("hex");
  const ds = await openBare(url);
  try {
    const dump: Dump = await dumpDatabase(ds, schema);
    return JSON.stringify(dump, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  } finally {
    await ds.destroy();
  }
}

/** The live database's rows: in every table, or only in a table the snapshot does not hold. */
type LiveState = "rowsEverywhere" | "rowsOutsideTheSnapshot";

/** One row's own copies: the live database (a non-empty app), the store, and another database when the row names one. */
interface World {
  cwd: string;
  store: string;
  live: ScratchDatabase;
  /** Its fingerprint before the row ran. */
  liveBefore: string;
  other?: ScratchDatabase;
  empty?: ScratchDatabase;
  /** The live database spelled in different ways that all name it. */
  spellings: string[];
  dispose(): Promise<void>;
}

async function makeWorld(t: Templates, dest: Dest, state: LiveState): Promise<World> {
  const cwd = tempDir("stkc-row-");
  const store = path.join(cwd, "store");
  await fs.cp(t.store, store, { recursive: true });
  const live = await createScratchDatabase(t.engine, t.live);
  const other = dest === "targetOther" ? await createScratchDatabase(t.engine, t.other) : undefined;
  const empty = dest === "targetEmpty" ? await createScratchDatabase(t.engine, t.empty) : undefined;
  let spellings: string[];
  if (t.engine === "sqlite") {
    // The app's ormconfig opens ./stocktake.db of the working directory.
    await fs.rename(live.url, path.join(cwd, "stocktake.db"));
    live.url = path.join(cwd, "stocktake.db");
    await fs.symlink(live.url, path.join(cwd, "link.db"));
    await fs.mkdir(path.join(cwd, "sub"));
    spellings = ["stocktake.db", live.url, "file:./stocktake.db", `file:${live.url}?mode=rw`, "./link.db", "./sub/../stocktake.db"];
  } else {
    const u = new URL(live.url);
    const name = u.pathname;
    const host = `${u.username}@${u.hostname}`;
    const loopback = ["127.0.0.1", "localhost"].includes(u.hostname);
    spellings = [
      live.url,
      `postgresql://${host}:${u.port || 5432}${name}`,
      `postgres://${host}${u.port ? `:${u.port}` : ""}${name}?sslmode=disable`,
      `postgres://${u.username}@${u.hostname.toUpperCase()}:${u.port || 5432}${name}`,
      ...(loopback ? [`postgresql://${u.username}@${u.hostname === "localhost" ? "127.0.0.1" : "localhost"}:${u.port || 5432}${name}`] : []),
    ];
  }
  if (state === "rowsOutsideTheSnapshot") {
    const ds = await openBare(live.url);
    await ds.query(`DELETE FROM "item"`);
    await ds.query(`DELETE FROM "note"`);
    await ds.destroy();
  }
  return {
    cwd, store, live, other, empty, spellings,
    liveBefore: state === "rowsEverywhere" ? t.fingerprint : await fingerprint(t.engine, live.url, t.schema),
    async dispose() {
      await Promise.all([live, other, empty].map((x) => x?.dispose()));
      if (t.engine === "postgres") await dropDatabasesStartingWith(new URL(live.url).pathname.slice(1));
      await fs.rm(cwd, { recursive: true, force: true });
    },
  };
}

/** Databases a restore created on the server from the live one's name (the default target of a point in time). */
async function dropDatabasesStartingWith(prefix: string): Promise<void> {
  const client = new Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    const found = await client.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [prefix]);
    for (const r of found.rows as { datname: string }[]) await client.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function argsFor(row: Row, t: Templates, w: World, index: number): { args: string[]; env: NodeJS.ProcessEnv } {
  const source = w.spellings[index % w.spellings.length];
  const target = w.spellings[(index + 1) % w.spellings.length];
  const args = ["restore"];
  if (row.snap === "latest") args.push("latest");
  if (row.snap === "file") args.push(t.snapshotFile);
  if (row.point === "to") args.push("--to", t.at);
  if (row.point === "toSeq") args.push("--to-seq", String(t.seq));
  const env: NodeJS.ProcessEnv = {};
  const named = ["db", "targetLive", "targetOther", "targetEmpty"].includes(row.dest);
  if (named && row.env) env.DATABASE_URL = source;
  else if (named) args.push("--db", source);
  if (row.dest === "targetLive" || row.dest === "targetLiveAlone") args.push("--target", target);
  if (row.dest === "targetOther") args.push("--target", w.other!.url);
  if (row.dest === "targetEmpty") args.push("--target", w.empty!.url);
  if (row.clear) args.push("--clear-existing");
  if (row.dry) args.push("--dry-run");
  if (row.skip) args.push("--skip-validation");
  args.push("--dir", w.store, "--json");
  return { args, env };
}

function runCliAsync(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.BACKUP_DIR;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...base, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * The store's files and their sizes: a refused or dry run adds none (no
 * safety snapshot, no restored file). But access.log, where every restore,
 * a refused one too, leaves its line (cli.accessLog.test.ts).
 */
async function listing(dir: string): Promise<string> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files = await Promise.all(entries.filter((e) => e.isFile() && e.name !== ACCESS_LOG).map(async (e) => {
    const file = path.join(e.parentPath, e.name);
    return `${path.relative(dir, file)}:${(await fs.stat(file)).size}`;
  }));
  return files.sort().join("\n");
}

/** Runs `work` over `items`, two at a time (each row has its own databases). */
async function inPairs<T>(items: T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; await work(items[i], i); } };
  await Promise.all([worker(), worker()]);
}

function describeRow(row: Row, args: string[]): string {
  return `${row.dest}${row.clear ? " +clear" : ""}${row.dry ? " +dry" : ""}${row.skip ? " +skip" : ""}${row.env ? " +env" : ""}: ${args.join(" ")}`;
}

for (const engine of ENGINES) {
  describe(`restore asks for consent before it writes into a database that holds rows (${engine})`, function () {
    // About a minute per engine on an idle machine (two CLI runs at a time); far more when the machine is shared.
    this.timeout(1800000);
    let t: Templates;

    before(async () => { t = await makeTemplates(engine); });
    after(async () => {
      await Promise.all([t.live, t.other, t.empty].map((x) => x.dispose()));
      await fs.rm(t.store, { recursive: true, force: true });
    });

    /** Runs every row through the CLI, each against its own copies, and lists what went wrong. */
    async function runTable(table: Row[], state: LiveState): Promise<string[]> {
      const failures: string[] = [];
      await inPairs(table, async (row, index) => {
        const w = await makeWorld(t, row.dest, state);
        try {
          const { args, env } = argsFor(row, t, w, index);
          const storeBefore = await listing(w.store);
          const r = await runCliAsync(args, env, w.cwd);
          const want = expected(row, engine);
          const what = `${describeRow(row, args)} → exit ${r.status}: ${r.stderr.trim() || r.stdout.slice(0, 200)}`;
          const changesLive = want === "inPlace" && !row.dry;
          if ((want === "refused" || want === "error") !== (r.status === 2)) failures.push(`expected ${want}: ${what}`);
          else if (r.status !== 2 && r.status !== 0) failures.push(`expected ${want}: ${what}`);
          else if (want === "refused" && !/is not empty/.test(r.stderr)) failures.push(`expected a not-empty refusal: ${what}`);
          else if (r.status === 2 && !/^hint: /m.test(r.stderr)) failures.push(`no hint: ${what}`);
          else if (r.status === 0 && want === "inPlace" && JSON.parse(r.stdout).mode !== "in-place") failures.push(`expected in place: ${what}`);
          if (!changesLive && await fingerprint(engine, w.live.url, t.schema) !== w.liveBefore) failures.push(`the live database changed: ${what}`);
          if (w.other && await fingerprint(engine, w.other.url, t.schema) !== t.fingerprint) failures.push(`the other database changed: ${what}`);
          if ((r.status === 2 || row.dry) && await listing(w.store) !== storeBefore) failures.push(`the store changed: ${what}`);
        } finally {
          await w.dispose();
        }
      });
      return failures;
    }

    it("EveryRestoreFormRefusesANonEmptyDatabaseWithoutClearExisting (table of every combination)", async () => {
      const failures = await runTable(rows(), "rowsEverywhere");
      expect(failures, failures.join("\n")).to.deep.equal([]);
    });

    it("RowsOnlyInATableTheSnapshotDoesNotHoldStillMakeTheDatabaseNonEmpty (every form that reaches the live database)", async () => {
      const reachesLive = rows().filter((r) => !r.clear && ["db", "targetLive", "targetLiveAlone", "none"].includes(r.dest));
      const failures = await runTable(reachesLive, "rowsOutsideTheSnapshot");
      expect(failures, failures.join("\n")).to.deep.equal([]);
    });

    it("BackupRestoreManagerRestoreBackupRefusesANonEmptyDatabaseWithoutClearExisting (every option)", async () => {
      const w = await makeWorld(t, "targetOther", "rowsEverywhere");
      const app = await openBare(w.live.url);
      // Spellings that do not depend on the working directory, which is this process's here.
      const elsewhere = engine === "sqlite" ? [`file:${w.live.url}?mode=rw`, path.join(w.cwd, "link.db")] : w.spellings.slice(1);
      try {
        const forms: [string, BackupRestoreManagerOptions, RestoreBackupOptions][] = [
          ["db", { db: w.live.url }, {}],
          ["db, dry run", { db: w.live.url }, { dryRun: true }],
          ["db, skip validation", { db: w.live.url }, { skipValidation: true }],
          ["db, target the live database spelled otherwise", { db: w.live.url }, { target: elsewhere[0] }],
          ["db, target another non-empty database", { db: w.live.url }, { target: w.other!.url }],
          ["the app's DataSource", { dataSource: app }, {}],
          ["the app's DataSource, dry run, skip validation", { dataSource: app }, { dryRun: true, skipValidation: true }],
          ["the app's DataSource, target the live database", { dataSource: app }, { target: elsewhere[1] }],
        ];
        const failures: string[] = [];
        for (const [name, managerOptions, restoreOptions] of forms) {
          const result = await new BackupRestoreManager({ dir: w.store, ...managerOptions }).restoreBackup(t.snapshotFile, restoreOptions);
          if (result.success || !("code" in result) || result.code !== "TARGET_NOT_EMPTY") failures.push(`${name}: ${JSON.stringify(result).slice(0, 300)}`);
        }
        await app.destroy();
        expect(failures, failures.join("\n")).to.deep.equal([]);
        expect(await fingerprint(engine, w.live.url, t.schema)).to.equal(t.fingerprint);
        expect(await fingerprint(engine, w.other!.url, t.schema)).to.equal(t.fingerprint);
      } finally {
        if (app.isInitialized) await app.destroy();
        await w.dispose();
      }
    });

    it("BackupRestoreManagerRestoreBackupRefusesADatabaseWhoseOnlyRowsAreOutsideTheSnapshot", async () => {
      const w = await makeWorld(t, "db", "rowsOutsideTheSnapshot");
      try {
        const result = await new BackupRestoreManager({ dir: w.store, db: w.live.url }).restoreBackup(t.snapshotFile);
        expect(result).to.deep.include({ success: false, code: "TARGET_NOT_EMPTY" });
        expect(await fingerprint(engine, w.live.url, t.schema)).to.equal(w.liveBefore);
      } finally {
        await w.dispose();
      }
    });

    it("BackupRestoreManagerRestoreBackupWithClearExistingRestoresInPlace (the one consent)", async () => {
      const w = await makeWorld(t, "db", "rowsEverywhere");
      try {
        const result = await new BackupRestoreManager({ dir: w.store, db: w.live.url }).restoreBackup(t.snapshotFile, { clearExisting: true });
        expect(result, JSON.stringify(result)).to.include({ success: true, mode: "in-place" });
      } finally {
        await w.dispose();
      }
    });
  });
}

