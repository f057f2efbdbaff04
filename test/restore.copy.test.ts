/**
 * A restore into PostgreSQL loads the snapshot's rows with COPY … FROM STDIN
 * (src/restore/postgresCopyWriter.ts). What that path keeps, each a test:
 * every type's awkward values come back exactly; a row the target refuses
 * fails the restore as the INSERT path did (same error, the table named)
 * and leaves the target as it was; so does a snapshot block damaged half way
 * through a table's COPY (the COPY is cancelled so the ROLLBACK can run); a
 * big table into a slow server streams through the socket's back-pressure
 * in bounded memory; and
 * the built CLI killed with SIGKILL during a COPY leaves its target as it was.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import fc from "fast-check";
import { promises as fs } from "fs";
import path from "path";
import { Client } from "pg";
import { QueryFailedError } from "typeorm";
import { attachChangelog } from "../src";
import { createDialect } from "../src/capture/createDialect";
import { backupErrorOf } from "../src/cli/failure";
import type { DatabaseSchema } from "../src/db/types";
import { BackupError } from "../src/errors";
import { createReader } from "../src/reader";
import { restore } from "../src/restore";
import { PostgresCopyWriter } from "../src/restore/postgresCopyWriter";
import { rowSinkFor } from "../src/restore/rowSinkFor";
import { insertRows } from "../src/restore/rowWriter";
import { BLOCK_HEADER_BYTES } from "../src/snapshot/format";
import { takeSnapshot } from "../src/snapshot/take";
import { columnsFor, floatColumns, NON_FINITE, runWorkload, sampleSchema, workload } from "./support/allTypes";
import { startCli } from "./support/cli";
import { flipByte, rowBlocks } from "./support/craft";
import { createTestDatabase, ENGINES, openDataSource, tempDir, type TestDatabase } from "./support/databases";
import { postgresAdminUrl } from "./support/scratchDatabase";
import { captureDdl, dropTarget, dumpDatabase, dumpUrl, freshTarget, openUrl, snapshotWithDdl, targetState } from "./support/restoreSupport";

/**
 * Peak RSS of the restoring process (VmHWM), measured on this machine: 130 MB
 * when each write waits for the socket (the safety snapshot's read
 * included), 174 MB when writes do not wait and pile up in the process.
 */
const PEAK_MB = 152;

/** `work` with a client on `url`, closed after. */
async function withPg<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function urlOf(db: TestDatabase): string {
  return (db.options([]) as { url: string }).url;
}

/** A database with one table `line` of `rows` rows (a `note` of `width` characters), its plugin tables, and a store with a snapshot of it. */
interface Bulk { db: TestDatabase; url: string; store: string; schema: DatabaseSchema; snapshot: string }

async function bulkDatabase(rows: number, width: number): Promise<Bulk> {
  const db = await createTestDatabase("postgres");
  const ds = await openDataSource(db, []);
  try {
    await ds.query(`CREATE TABLE line (id integer PRIMARY KEY, qty integer NOT NULL, price numeric(12,4), at timestamptz, note text)`);
    await ds.query(`INSERT INTO line SELECT i, i, i / 7.0, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second',
      CASE WHEN i % 5 = 0 THEN NULL ELSE left(repeat(md5(i::text) || E'\\t\\\\', ${Math.ceil(width / 34)}), ${width}) END
      FROM generate_series(1, ${rows}) i`);
    const dialect = await createDialect(ds);
    const schema = await createReader(ds).readSchema(["line"]);
    await dialect.preparePluginTables(schema);
    const store = tempDir("copy-store-");
    const taken = await takeSnapshot(createReader(ds), schema, store);
    await dialect.close();
    return { db, url: urlOf(db), store, schema, snapshot: taken.path };
  } finally {
    await ds.destroy();
  }
}

/** What a table holds, in one comparable line. */
async function fingerprint(url: string, table = "line"): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query(`SELECT count(*)::text || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY id)), '-') AS f FROM "${table}" t`);
    return r.rows[0].f as string;
  } finally {
    await client.end();
  }
}

async function snapshotFiles(store: string): Promise<string[]> {
  return (await fs.readdir(store)).filter((f) => f.endsWith(".snap")).sort();
}

/** Rows a COPY into `database` has taken so far (0: none running), asked on the watcher's own open connection. */
async function copyInProgress(watcher: Client, database: string): Promise<number> {
  const r = await watcher.query(
    "SELECT coalesce(max(p.tuples_processed), 0)::int AS n FROM pg_stat_progress_copy p JOIN pg_database d ON d.oid = p.datid WHERE d.datname = $1", [database]);
  return r.rows[0].n as number;
}

/**
 * Starts the built CLI's restore and SIGKILLs it once a COPY into `database`
 * has taken rows. One connection watches, asking without pause: a COPY of
 * the snapshot's text passed through lasts well under a second, which a
 * connection opened per look (a server process each) could miss on a busy machine.
 */
async function killDuringCopy(args: string[], database: string): Promise<void> {
  const watcher = new Client({ connectionString: postgresAdminUrl() });
  await watcher.connect();
  try {
    const { child, done } = startCli(args);
    let killed = false;
    const deadline = Date.now() + 120_000;
    while (!killed && Date.now() < deadline && child.exitCode === null) {
      if ((await copyInProgress(watcher, database)) > 0) {
        child.kill("SIGKILL");
        killed = true;
      }
    }
    const run = await done;
    expect(killed, `the restore ended before a COPY was seen: ${run.stderr}`).to.equal(true);
    expect(run.signal).to.equal("SIGKILL");
  } finally {
    await watcher.end();
  }
}

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

if (ENGINES.includes("postgres")) {
  describe("restore into PostgreSQL loads rows with COPY", function () {
    this.timeout(300_000);

    it("every type's awkward values come back exactly: NULL and empty, tabs, newlines, backslashes, \\N and \\. as text, extremes, non-finite floats, bytea, json, arrays", async () => {
      const columns = columnsFor("postgres");
      const db = await createTestDatabase("postgres");
      const ds = await openDataSource(db, [sampleSchema(columns)]);
      const store = tempDir("copy-values-");
      const target = freshTarget("postgres", tempDir());
      try {
        const changelog = await attachChangelog(ds, { dir: store, groupWindowMs: 2 });
        const schema = changelog.schema;
        const repo = ds.getRepository("Sample");
        const awkward = ["", "\\", "\\N", "\\.", "a\tb", "line\nnext", "cr\r\nlf", "back\\slash\\", "tab\tand\\nnot a newline", "'quoted' \"double\"", "ünïcødé 😀"];
        for (const s of awkward) {
          await repo.insert({ cVarchar: s, cText: `${s}|${s}`, cJson: { [s]: s, list: [s, null, 1.5] }, cJsonb: [s], cTextArray: [s, "", "NULL", "x,y", "{}"],
            cSimpleArray: [s.replace(/,/g, "")], cEnum: "qu'ote" });
        }
        await repo.insert({});
        await repo.insert({ cVarchar: "", cText: "", cBytea: Buffer.alloc(0), cTextArray: [], cIntArray: [], cSimpleJson: "" });
        await repo.insert({
          cInt: -2147483648, cInteger: 2147483647, cSmallint: -32768, cBigint: "9223372036854775807", cInt8: "-9223372036854775808",
          cDecimal: "-9999999999.0000", cNumeric: "1234567890123456.000100", cBoolean: false, cFloat8: 5e-324, cFloat4: 3.4028234663852886e38,
          cBytea: Buffer.from([0, 9, 10, 13, 92, 78, 46, 255]), cDate: "0999-12-31", cTime: "23:59:59",
          cTimestamp: new Date("1970-01-01T00:00:00.001Z"), cTimestamptz: new Date("9999-12-31T23:59:59.999Z"), cUuid: "00000000-0000-0000-0000-000000000000",
        });
        await runWorkload(ds, NON_FINITE, floatColumns(columns));
        for (const ops of fc.sample(workload(columns), { numRuns: 40, seed: 1212 })) await runWorkload(ds, ops, floatColumns(columns));
        await changelog.flush();
        const ddl = await captureDdl(ds, schema.tables.map((t) => t.name));
        await snapshotWithDdl(ds, schema, ddl, store, "values");
        const source = await dumpDatabase(ds, schema);
        expect(source.sample.length).to.be.greaterThan(awkward.length + 20);
        await changelog.close();

        const result = await restore({ store, latest: true, target });
        expect(result.framesReplayed, "a pure load: nothing to replay").to.equal(0);
        expect(await dumpUrl(target, schema)).to.deep.equal(source);

        // The load went through COPY: the writer PostgreSQL gets.
        const restored = await openUrl(target);
        const runner = restored.createQueryRunner();
        try {
          expect(rowSinkFor(runner, "postgres")).to.be.instanceOf(PostgresCopyWriter);
        } finally {
          await runner.release();
          await restored.destroy();
        }
      } finally {
        if (ds.isInitialized) await ds.destroy();
        await db.drop();
        await dropTarget("postgres", target);
      }
    });

    describe("failures half way through a COPY leave the target as it was", () => {
      let bulk: Bulk;
      before(async () => { bulk = await bulkDatabase(20_000, 200); });
      after(async () => { await bulk?.db.drop(); });

      it("a row the target refuses (a CHECK it breaks): the INSERT path's error, with the table and line named; rows, store and connection as they were", async () => {
        const before = await fingerprint(bulk.url);
        const files = await snapshotFiles(bulk.store);
        const ds = await openUrl(bulk.url);
        try {
          // NOT VALID: the live rows stay; the restore's rows from 4000 on break it.
          await ds.query(`ALTER TABLE line ADD CONSTRAINT line_qty_small CHECK (qty < 4000) NOT VALID`);
          const error = await restore({ store: bulk.store, latest: true, source: bulk.url, clearExisting: true }).then(() => null, (e: unknown) => e);
          expect(error, "the restore should fail").to.be.instanceOf(QueryFailedError);
          const copyError = error as QueryFailedError & { driverError: { code: string; message: string } };
          expect(copyError.driverError.code).to.equal("23514");
          expect(copyError.message).to.match(/violates check constraint "line_qty_small" \(loading table "line"; COPY line, line 4000\b/);

          // What the INSERT path said of the same row, in the same kind of transaction.
          const runner = ds.createQueryRunner();
          let insertError: unknown = null;
          try {
            await runner.startTransaction();
            await runner.query("SET LOCAL session_replication_role = replica");
            await runner.query("DELETE FROM line");
            const table = bulk.schema.tables[0];
            await insertRows(runner, "postgres", table, [{ id: 4000, qty: 4000, price: "1.0000", at: null, note: null }]).catch((e: unknown) => { insertError = e; });
          } finally {
            await runner.rollbackTransaction();
            await runner.release();
          }
          expect(insertError).to.be.instanceOf(QueryFailedError);
          const inserted = insertError as QueryFailedError & { driverError: { code: string; message: string } };
          expect(copyError.driverError.code).to.equal(inserted.driverError.code);
          expect(copyError.message.startsWith(inserted.message), `${copyError.message} / ${inserted.message}`).to.equal(true);
          const [a, b] = [backupErrorOf(copyError), backupErrorOf(inserted)];
          expect([a.code, a.hint]).to.deep.equal([b.code, b.hint]);
          expect(a.message).to.contain('loading table "line"');

          expect(await fingerprint(bulk.url), "the rows in place").to.equal(before);
          expect(await snapshotFiles(bulk.store), "the safety snapshot of a failed restore is removed").to.deep.equal(files);
        } finally {
          await ds.query(`ALTER TABLE line DROP CONSTRAINT IF EXISTS line_qty_small`);
          await ds.destroy();
        }
      });

      it("a rows block damaged in the middle of the table: SNAPSHOT_CORRUPT, the COPY cancelled so the ROLLBACK runs; in place the rows stay, a new database never appears", async () => {
        const store = tempDir("copy-damaged-");
        await fs.cp(bulk.store, store, { recursive: true });
        const file = path.join(store, path.basename(bulk.snapshot));
        const blocks = await rowBlocks(file);
        expect(blocks.length, "rows blocks in the snapshot").to.be.at.least(4);
        const middle = blocks[Math.floor(blocks.length / 2)];
        await flipByte(file, middle.at + BLOCK_HEADER_BYTES + (middle.length >> 1));
        const before = await fingerprint(bulk.url);

        const inPlace = await restore({ store, latest: true, source: bulk.url, clearExisting: true }).then(() => null, (e: unknown) => e);
        expect(inPlace).to.be.instanceOf(BackupError);
        expect((inPlace as BackupError).code, String(inPlace)).to.equal("SNAPSHOT_CORRUPT");
        expect(await fingerprint(bulk.url), "the rows in place").to.equal(before);

        const target = freshTarget("postgres", tempDir());
        try {
          const fresh = await restore({ store, latest: true, target }).then(() => null, (e: unknown) => e);
          expect((fresh as BackupError).code, String(fresh)).to.equal("SNAPSHOT_CORRUPT");
          expect(await targetState("postgres", target)).to.deep.equal({ exists: false, leftover: false });
        } finally {
          await dropTarget("postgres", target);
        }
      });
    });

    it(`a table of 150k wide rows (~100 MB of COPY text) into a server that takes them slowly: the load waits for the socket, peak RSS under ${PEAK_MB} MB, rows exact`, async () => {
      const bulk = await bulkDatabase(150_000, 700);
      try {
        const before = await fingerprint(bulk.url);
        // The server slowed down (a CHECK that sleeps now and then; NOT VALID, so the live rows stay):
        // rows written without waiting for the socket would pile up in the restoring process.
        await withPg(bulk.url, async (client) => {
          await client.query(`CREATE FUNCTION copy_test_slow(i int) RETURNS boolean LANGUAGE sql AS $$ SELECT CASE WHEN i % 200 = 0 THEN pg_sleep(0.01) IS NOT NULL ELSE true END $$`);
          await client.query(`ALTER TABLE line ADD CONSTRAINT line_slow CHECK (copy_test_slow(id)) NOT VALID`);
        });
        const child = `
          require("reflect-metadata");
          const fs = require("fs");
          const { restore } = require(${JSON.stringify(path.join(__dirname, "..", "src", "restore"))});
          restore({ store: process.env.RESTORE_STORE, latest: true, source: process.env.RESTORE_SOURCE, clearExisting: true }).then((r) => {
            const peakKb = Number(/^VmHWM:\\s+(\\d+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]);
            process.stdout.write(JSON.stringify({ rows: r.rows, peakMb: peakKb / 1024 }));
          }, (e) => { console.error(e); process.exit(1); });
        `;
        const run = spawnSync(process.execPath, ["--max-old-space-size=48", "-e", child], {
          encoding: "utf8", env: { ...process.env, RESTORE_STORE: bulk.store, RESTORE_SOURCE: bulk.url },
        });
        expect(run.status, run.stderr.slice(-2000)).to.equal(0);
        const { rows, peakMb } = JSON.parse(run.stdout) as { rows: number; peakMb: number };
        expect(rows).to.equal(150_000);
        expect(peakMb, `peak RSS ${peakMb.toFixed(0)} MB`).to.be.lessThan(PEAK_MB);
        expect(await fingerprint(bulk.url)).to.equal(before);
      } finally {
        await bulk.db.drop();
      }
    });

    it("the built CLI killed with SIGKILL during a COPY: in place the rows stay; a new database never appears, and the next restore makes it", async () => {
      const bulk = await bulkDatabase(400_000, 20);
      const target = freshTarget("postgres", tempDir());
      try {
        const before = await fingerprint(bulk.url);
        await killDuringCopy(["restore", "latest", "--dir", bulk.store, "--db", bulk.url, "--clear-existing"], databaseOf(bulk.url));
        expect(await fingerprint(bulk.url), "the rows in place").to.equal(before);

        await killDuringCopy(["restore", "latest", "--dir", bulk.store, "--target", target], `${databaseOf(target)}__restoring`);
        expect((await targetState("postgres", target)).exists, "the target after the kill").to.equal(false);
        await restore({ store: bulk.store, latest: true, target });
        expect(await targetState("postgres", target)).to.deep.equal({ exists: true, leftover: false });
        expect(await fingerprint(target)).to.equal(before);
      } finally {
        await dropTarget("postgres", target);
        await bulk.db.drop();
      }
    });
  });
}
