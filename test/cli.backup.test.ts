import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { DataSource } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { readFrames } from "../src/journal/reader";
import { DatabaseSchema } from "../src/db/types";
import { MANIFEST_FILE, SnapshotReader } from "../src/snapshot";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { createScratchDatabase, ScratchDatabase, StocktakeEngine } from "./support/scratchDatabase";
import { mutateStocktake, seedStocktake } from "../src/stocktake/workload";
import { tempDir, ENGINES } from "./support/databases";
import { applyFrames, expectSameState, TableState } from "./support/replay";

const ROOT = path.join(__dirname, "..", "..");
const CLI = path.join(__dirname, "..", "src", "cli", "main.js");

interface Run { status: number | null; stdout: string; stderr: string }

/** DATABASE_URL is cleared so that only --db says which database a test means. */
const env = () => ({ ...process.env, DATABASE_URL: "", BACKUP_DIR: "" });

function cli(args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: env() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI in the background, so the test process can go on writing meanwhile. */
function cliAsync(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: env() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function json<T>(run: Run): T {
  expect(run.status, run.stderr).to.equal(0);
  return JSON.parse(run.stdout) as T;
}

async function headSeq(ds: DataSource): Promise<number> {
  const rows: { seq: number | string }[] = await ds.query("SELECT seq FROM _changelog_head");
  return Number(rows[0].seq);
}

async function tableCounts(ds: DataSource, schema: DatabaseSchema): Promise<{ name: string; rows: number }[]> {
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const out = [];
  for (const t of schema.tables) {
    const rows: { n: number | string }[] = await ds.query(`SELECT count(*) AS n FROM ${q(t.name)}`);
    out.push({ name: t.name, rows: Number(rows[0].n) });
  }
  return out;
}

/** Every file under dir with its size and modification time: what "writes nothing" is checked against. */
function storeListing(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((d) => path.join(d.parentPath, d.name))
    .map((p) => { const s = fs.statSync(p); return `${path.relative(dir, p)} ${s.isFile() ? s.size : "dir"} ${s.mtimeMs}`; })
    .sort();
}

interface App { db: ScratchDatabase; ds: DataSource; store: string; changelog: Changelog | null; close(): Promise<void> }

/** A seeded Stocktake database whose changelog wrote a journal into a fresh store, with a few workload steps done. */
async function stocktakeApp(engine: StocktakeEngine): Promise<App> {
  const db = await createScratchDatabase(engine);
  const ds = await openStocktakeDataSource(db.url);
  const store = tempDir("stk-store-");
  const app: App = {
    db, ds, store, changelog: null,
    async close() {
      await app.changelog?.close();
      if (ds.isInitialized) await ds.destroy();
      await db.dispose();
    },
  };
  app.changelog = await attachChangelog(ds, { dir: store });
  await seedStocktake(ds, { scale: 1, seed: 3 });
  await mutateStocktake(ds, { steps: 30, seed: 4 });
  await app.changelog.flush();
  return app;
}

interface ListJson {
  snapshots: { file: string; kind: string; seq: number; rows: number; bytes: number; tables: { name: string; rows: number }[] }[];
  journal: { firstSeq: number; lastSeq: number } | null;
  restorable: { from: string; fromSeq: number; to: string; toSeq: number } | null;
}

for (const engine of ENGINES) {
  describe(`stocktake-backup backup and list (${engine})`, function () {
    this.timeout(120000);

    it("backup, then list --json shows it with the database's seq and each table's row count", async () => {
      const app = await stocktakeApp(engine);
      try {
        const schema = app.changelog!.schema;
        await app.changelog!.close(); // the app stops: the CLI attaches and ships itself
        app.changelog = null;
        const head = await headSeq(app.ds);
        const counts = await tableCounts(app.ds, schema);

        const run = cli(["backup", "--db", app.db.url, "--dir", app.store, "--json"]);
        const taken = json<{ file: string; seq: number; rows: number; tables: { name: string; rows: number }[] }>(run);
        expect(run.stderr, "no progress bar when stderr is not a terminal").to.not.match(/\u001b\[|\r/);
        expect(taken.seq).to.equal(head);
        expect(taken.tables).to.deep.equal(counts);
        expect(taken.rows).to.equal(counts.reduce((n, t) => n + t.rows, 0));

        const list = json<ListJson>(cli(["list", "--dir", app.store, "--json"]));
        expect(list.snapshots).to.have.length(1);
        expect(list.snapshots[0]).to.include({ file: taken.file, kind: "manual", seq: head, rows: taken.rows });
        expect(list.snapshots[0].tables).to.deep.equal(counts);
        expect(list.snapshots[0].bytes).to.equal(fs.statSync(path.join(app.store, taken.file)).size);
        expect(list.journal).to.include({ firstSeq: 1, lastSeq: head });
        expect(list.restorable).to.include({ fromSeq: head, toSeq: head });

        const human = cli(["list", "--dir", app.store]);
        expect(human.status, human.stderr).to.equal(0);
        expect(human.stdout).to.match(new RegExp(`^${taken.file.replace(".snap", "")} +manual +\\S+ +${head} `, "m"));
        expect(human.stdout).to.match(new RegExp(`^journal: +seq 1\\.\\.${head}`, "m"));
      } finally {
        await app.close();
      }
    });

    it("backup while the app holds the journal and keeps writing: the snapshot equals replaying frames 1..seq", async () => {
      const app = await stocktakeApp(engine);
      let running = true;
      const writer = (async () => {
        let s = 100;
        while (running) await mutateStocktake(app.ds, { steps: 2, seed: s++ }).catch(() => undefined);
      })();
      try {
        const before = await headSeq(app.ds);
        const run = await cliAsync(["backup", "during-writes", "--db", app.db.url, "--dir", app.store, "--json"]);
        running = false;
        await writer;
        const taken = json<{ path: string; seq: number }>(run);
        expect(run.stderr).to.match(/held by another process/);
        expect(await headSeq(app.ds), "the app wrote while the CLI ran").to.be.greaterThan(before);
        expect(taken.seq).to.be.at.least(before);

        await app.changelog!.flush();
        const schema = app.changelog!.schema;
        const expected: TableState = new Map(schema.tables.map((t) => [t.name, new Map()]));
        applyFrames(expected, [...readFrames(app.store, { toSeq: taken.seq })], schema);
        const actual: TableState = new Map(schema.tables.map((t) => [t.name, new Map()]));
        const reader = await SnapshotReader.open(taken.path);
        try {
          expect(reader.header.schema.tables.map((t) => t.name)).to.deep.equal(schema.tables.map((t) => t.name));
          for await (const b of reader.batches()) {
            applyFrames(actual, [{ seq: 0, at: 0, changes: b.rows.map((after) => ({ table: b.table, op: "insert" as const, key: {}, before: null, after })) }], schema);
          }
        } finally {
          await reader.close();
        }
        expectSameState(actual, expected);
      } finally {
        running = false;
        await writer;
        await app.close();
      }
    });
  });
}

describe("stocktake-backup list writes nothing (I8)", function () {
  this.timeout(120000);

  it("leaves every file of the store as it was, with a fresh manifest and with none", async () => {
    const app = await stocktakeApp("sqlite");
    try {
      await app.changelog!.snapshot({ name: "one" });
      await mutateStocktake(app.ds, { steps: 10, seed: 9 });
      await app.changelog!.snapshot({ kind: "daily" });
      await app.changelog!.close();
      app.changelog = null;
      for (const state of ["manifest", "no manifest"]) {
        if (state === "no manifest") fs.rmSync(path.join(app.store, MANIFEST_FILE));
        const before = storeListing(app.store);
        await new Promise((r) => setTimeout(r, 20)); // an mtime written now would differ
        const listed = json<ListJson>(cli(["list", "--dir", app.store, "--json"]));
        expect(listed.snapshots.map((s) => s.kind)).to.deep.equal(["manual", "daily"]);
        expect(cli(["list", "--dir", app.store]).status).to.equal(0);
        expect(storeListing(app.store), state).to.deep.equal(before);
      }
      expect(fs.existsSync(path.join(app.store, MANIFEST_FILE)), "list must not rebuild the manifest").to.equal(false);
    } finally {
      await app.close();
    }
  });
});

describe("stocktake-backup backup and list: bad input", function () {
  this.timeout(60000);
  let db: ScratchDatabase;
  let file: string;

  before(async () => {
    db = await createScratchDatabase("sqlite");
    const ds = await openStocktakeDataSource(db.url);
    await seedStocktake(ds, { scale: 1, seed: 1 });
    await ds.destroy();
    file = db.url;
  });
  after(() => db.dispose());

  it("a bad --kind exits 2 with the cause and a hint naming the kinds", () => {
    const r = cli(["backup", "--kind", "hourly", "--db", file, "--dir", tempDir()]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^error: --kind "hourly" is not a snapshot kind$/m);
    expect(r.stderr).to.match(/^hint: .*manual, daily, weekly, monthly/m);
  });

  it("a name with a scheduled kind exits 2: scheduled snapshots are named by date", () => {
    const r = cli(["backup", "mine", "--kind", "weekly", "--db", file, "--dir", tempDir()]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^hint: /m);
  });

  it("a store that does not exist: exit 2, clear error, and backup does not create it", () => {
    const missing = path.join(tempDir(), "no", "store");
    for (const args of [["backup", "--db", file, "--dir", missing], ["list", "--dir", missing], ["list", "--dir", missing, "--json"]]) {
      const r = cli(args);
      expect(r.status, args.join(" ")).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`^error: backup store ${missing} does not exist$`, "m"));
      expect(r.stderr).to.match(/^hint: .*--dir/m);
    }
    expect(fs.existsSync(path.dirname(missing))).to.equal(false);
  });

  it("a SQLite database that does not exist: exit 2, and no empty database file is created", () => {
    const missing = path.join(tempDir(), "typo.db");
    const r = cli(["backup", "--db", `file:${missing}`, "--dir", tempDir()]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^error: SQLite database .*typo\.db does not exist$/m);
    expect(fs.existsSync(missing)).to.equal(false);
  });

  it("a second daily snapshot of the same date exits 2 and keeps the first", () => {
    const store = tempDir();
    expect(cli(["backup", "--kind", "daily", "--db", file, "--dir", store]).status).to.equal(0);
    const [daily] = fs.readdirSync(store).filter((f) => f.endsWith(".snap"));
    const before = fs.statSync(path.join(store, daily)).mtimeMs;
    const r = cli(["backup", "--kind", "daily", "--db", file, "--dir", store]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/already exists/);
    expect(r.stderr).to.match(/^hint: the daily snapshot of this date was taken already/m);
    expect(fs.statSync(path.join(store, daily)).mtimeMs).to.equal(before);
  });

  it("the old npm script names run the new commands", () => {
    const store = tempDir();
    const npm = (script: string, ...args: string[]) => {
      const r = spawnSync("npm", ["run", "-s", script, "--", ...args], { cwd: ROOT, encoding: "utf8", env: env() });
      expect(r.status, `${script}: ${r.stderr}`).to.equal(0);
      return r.stdout;
    };
    expect(JSON.parse(npm("backup", "api-named", "--db", file, "--dir", store, "--json")).file).to.equal("api-named.snap");
    for (const kind of ["daily", "weekly", "monthly"]) {
      expect(JSON.parse(npm(`backup:${kind}`, "--db", file, "--dir", store, "--json")).kind).to.equal(kind);
    }
    const list = JSON.parse(npm("backup:list", "--dir", store, "--json")) as ListJson;
    expect(list.snapshots.map((s) => s.kind).sort()).to.deep.equal(["daily", "manual", "monthly", "weekly"]);
  });
});
