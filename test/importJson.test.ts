/**
 * import-json, run as a user runs it (the built CLI): an old-format backup
 * made from a seeded Stocktake database the way the old scripts made one
 * (rows plus embedded relations, pretty JSON, gzip too) is imported into
 * the store, restored into a new database, and equals the source rows; the
 * imported snapshot exports too. Each kind of malformed old file is a clear
 * error naming it, and leaves the store as it was. --all imports a folder
 * and skips what it imported before.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { Dump, dumpUrl, freshTarget, openApp, App, dropTarget } from "./support/restoreSupport";
import { tempDir } from "./support/databases";
import { delegateName, oldBackupOf, writeOldBackup } from "./support/oldBackup";
import { loadWithSqlite3 } from "./support/loadSql";
import { runCli as cli, jsonOf } from "./support/cli";

interface Imported { snapshot: string; skipped: boolean; createdAt: string; rows: number; report: { droppedRelations: { values: number }[] } | null; warnings: string[] }

const TIME = "2025-09-12T04:56:55.656Z";

/** PostgreSQL keeps microseconds the old JSON (ms) cannot: compared to the millisecond, as PostgreSQL prints it. */
function toMillis(dump: Dump): Dump {
  return Object.fromEntries(Object.entries(dump).map(([t, rows]) => [t, rows.map((r) => Object.fromEntries(Object.entries(r).map(([c, v]) =>
    [c, typeof v === "string" && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+/.test(v) ? v.replace(/(\.\d{1,3})\d*/, "$1").replace(/\.?0+(?=$|[+-])/, "") : v])))]));
}

function storeFiles(store: string): string[] {
  return fs.readdirSync(store).filter((f) => f.includes(".snap")).sort();
}

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`import-json of old JSON backups (${engine})`, function () {
    this.timeout(300000);
    let app: App;
    let source: Dump;
    let old: ReturnType<typeof oldBackupOf>;
    const folder = tempDir("transfer-old-");

    before(async () => {
      app = await openApp(engine, { seed: 11, scale: 1 });
      await app.snapshot("schema-source");
      source = await app.dump();
      old = oldBackupOf(source, app.schema, app.ddl, TIME);
    });
    after(() => app.close());

    it("AnOldBackupWithEmbeddedRelationsImportsRestoresAndEqualsTheSourceRows", async () => {
      for (const name of ["backup-2025-09-12T04-56-55-656Z.json", "daily-backup-2025-09-12.json.gz"]) {
        const file = path.join(folder, name);
        writeOldBackup(file, old);
        const result = jsonOf<Imported>(cli(["import-json", file, "--dir", app.store, "--json"]));
        expect(result.skipped).to.equal(false);
        expect(result.createdAt).to.equal(TIME);
        expect(result.warnings).to.deep.equal([]);
        expect(result.rows).to.equal(Object.values(source).reduce((n, rows) => n + rows.length, 0));
        expect(result.report!.droppedRelations.reduce((n, d) => n + d.values, 0), "embedded relations counted").to.be.greaterThan(0);

        const listed = jsonOf<{ snapshots: { file: string; kind: string; createdAt: string }[] }>(cli(["list", "--dir", app.store, "--json"]));
        expect(listed.snapshots.find((s) => s.file === result.snapshot)).to.include({ kind: "imported", createdAt: TIME });

        const target = freshTarget(engine, tempDir("transfer-target-"));
        try {
          jsonOf(cli(["restore", result.snapshot, "--target", target, "--dir", app.store, "--json"]));
          const restored = await dumpUrl(target, app.schema);
          expect(engine === "postgres" ? toMillis(restored) : restored).to.deep.equal(engine === "postgres" ? toMillis(source) : source);
        } finally {
          await dropTarget(engine, target);
        }
      }
    });

    it("TheImportedSnapshotExportsAsSql", async () => {
      if (engine !== "sqlite") return;
      const out = path.join(tempDir("transfer-out-"), "imported.sql");
      const r = cli(["export-sql", "imported-backup-2025-09-12T04-56-55-656Z.snap", out, "--schema", "--dir", app.store]);
      expect(r.status, r.stderr).to.equal(0);
      const loaded = loadWithSqlite3(out);
      expect(await dumpUrl(loaded.url, app.schema)).to.deep.equal(source);
    });

    it("EachMalformedOldFileIsAClearErrorNamingItAndWritesNothing", () => {
      const bad = tempDir("transfer-bad-");
      const text = JSON.stringify(old, null, 2);
      const data = (old as { data: Record<string, unknown[]> }).data;
      const meta = (old as { metadata: { tables: { name: string; count: number }[] } }).metadata;
      const cases: { name: string; bytes: Buffer | string; says: RegExp }[] = [
        { name: "empty.json", bytes: "", says: /is empty/ },
        { name: "daily-backup-2025-01-01", bytes: zlib.gzipSync(""), says: /gzip of nothing/ },
        { name: "truncated.json.gz", bytes: zlib.gzipSync(text).subarray(0, 200), says: /damaged or truncated gzip/ },
        { name: "cut.json", bytes: text.slice(0, text.length / 2), says: /is not JSON/ },
        { name: "shape.json", bytes: JSON.stringify({ backup: data }), says: /does not have the old backup's shape/ },
        { name: "rows.json", bytes: JSON.stringify({ metadata: old && (old as { metadata: unknown }).metadata, data: { category: "x" } }), says: /data\.category is not a list of rows/ },
        { name: "counts.json", bytes: JSON.stringify({ metadata: { ...meta, tables: meta.tables.map((t) => ({ ...t, count: t.count + 1 })) }, data }), says: /metadata\.tables says/ },
        { name: "unknown.json", bytes: JSON.stringify({ metadata: meta, data: { ...data, productionTask: [{ id: "ck1" }] } }), says: /data\.productionTask \(1 rows\) matches no table/ },
        { name: "misfit.json", bytes: JSON.stringify({ metadata: meta, data: { ...data, [delegateName("category")]: [{ id: "ckzq8d0x", name: "cuid ids" }] } }), says: /not an integer/ },
      ];
      const before = storeFiles(app.store);
      for (const c of cases) {
        const file = path.join(bad, c.name);
        fs.writeFileSync(file, c.bytes);
        const r = cli(["import-json", file, "--dir", app.store]);
        expect(r.status, `${c.name}: ${r.stderr}`).to.equal(2);
        expect(r.stderr, c.name).to.include(file).and.match(c.says);
        expect(r.stderr.trim().split("\n"), `${c.name}: one error and a hint`).to.have.length.at.most(2);
        expect(storeFiles(app.store), `${c.name} left the store as it was`).to.deep.equal(before);
      }
      // Accepted on request: what cannot be placed is reported (exit 1), the rest imported.
      const r = cli(["import-json", path.join(bad, "unknown.json"), "--accept-unplaced", "--dir", app.store, "--json"]);
      expect(r.status, r.stderr).to.equal(1);
      expect((JSON.parse(r.stdout) as Imported).warnings.join()).to.match(/productionTask/);
    });

    it("AllImportsAFolderReportsTheDamagedAndSkipsWhatItImportedBefore", () => {
      const dir = tempDir("transfer-all-");
      writeOldBackup(path.join(dir, "backup-2025-01-01T00-00-00-000Z.json"), { ...(old as object), metadata: { ...(old as { metadata: object }).metadata, timestamp: "2025-01-01T00:00:00.000Z" } });
      writeOldBackup(path.join(dir, "backup-2025-01-02T00-00-00-000Z.json.gz"), { ...(old as object), metadata: { ...(old as { metadata: object }).metadata, timestamp: "2025-01-02T00:00:00.000Z" } });
      fs.writeFileSync(path.join(dir, "weekly-backup-2025-01-05"), zlib.gzipSync(""));
      fs.writeFileSync(path.join(dir, "integrity-report-2025-01-01.json"), "{}");
      const first = cli(["import-json", "--all", dir, "--dir", app.store, "--json"]);
      expect(first.status, first.stderr).to.equal(1);
      const lines = first.stdout.trim().split("\n").map((l) => JSON.parse(l) as Imported & { file: string; error?: { message: string } });
      expect(lines.map((l) => path.basename(l.file))).to.deep.equal(["backup-2025-01-01T00-00-00-000Z.json", "backup-2025-01-02T00-00-00-000Z.json.gz", "weekly-backup-2025-01-05"]);
      expect(lines.slice(0, 2).map((l) => l.skipped)).to.deep.equal([false, false]);
      expect(lines[2].error!.message).to.match(/gzip of nothing/);
      const again = cli(["import-json", "--all", dir, "--dir", app.store, "--json"]);
      const second = again.stdout.trim().split("\n").map((l) => JSON.parse(l) as Imported);
      expect(second.slice(0, 2).map((l) => l.skipped)).to.deep.equal([true, true]);
    });
  });
}
