import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackupError } from "../src/errors";
import type { DatabaseSchema } from "../src/db/types";
import {
  addToManifest, listSnapshots, MANIFEST_FILE, rebuildManifest, removeSnapshot, sanitizeName, snapshotFileName,
  SnapshotWriter, type SnapshotKind,
} from "../src/snapshot";

const schema: DatabaseSchema = {
  engine: "sqlite",
  tables: [
    { name: "item", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }] },
    { name: "user", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }] },
  ],
};

/** Writes a snapshot with `n` item rows into the store and records it, as the snapshot command does. */
async function take(store: string, kind: SnapshotKind, createdAt: number, n: number, name?: string): Promise<string> {
  const file = snapshotFileName(kind, createdAt, name);
  const w = await SnapshotWriter.create(path.join(store, file), { kind, name: name ?? file, createdAt, seq: n, schema });
  await w.beginTable("item");
  await w.writeRows(Array.from({ length: n }, (_, i) => [i]));
  await w.endTable();
  await w.beginTable("user");
  await w.endTable();
  await w.finish();
  await addToManifest(store, file);
  return file;
}

const T = Date.UTC(2024, 0, 1, 10, 30, 0, 123);

describe("snapshot manifest", () => {
  let store: string;
  beforeEach(() => { store = fs.mkdtempSync(path.join(os.tmpdir(), "stk-store-")); });
  afterEach(() => fs.rmSync(store, { recursive: true, force: true }));

  const manifestPath = () => path.join(store, MANIFEST_FILE);
  const readManifest = () => JSON.parse(fs.readFileSync(manifestPath(), "utf8")) as unknown[];

  it("FileNamesFollowTheKind", () => {
    expect(snapshotFileName("manual", T)).to.equal("backup-2024-01-01T10-30-00-123Z.snap");
    expect(snapshotFileName("manual", T, "my-custom-backup")).to.equal("my-custom-backup.snap");
    expect(snapshotFileName("daily", T)).to.equal("daily-backup-2024-01-01.snap");
    expect(snapshotFileName("weekly", new Date(T))).to.equal("weekly-backup-2024-01-01.snap");
    expect(snapshotFileName("monthly", T)).to.equal("monthly-backup-2024-01-01.snap");
    expect(snapshotFileName("safety", T)).to.equal("safety-2024-01-01T10-30-00-123Z.snap");
    expect(() => snapshotFileName("daily", T, "x")).to.throw(BackupError);
  });

  it("CustomNamesCannotLeaveTheStore", () => {
    expect(sanitizeName("../../etc/passwd")).to.equal("etc-passwd");
    expect(sanitizeName("before migration: v2.snap")).to.equal("before-migration-v2");
    expect(sanitizeName(".hidden")).to.equal("hidden");
    expect(sanitizeName("inventário_março")).to.equal("inventário_março");
    expect(() => sanitizeName("///")).to.throw(BackupError);
  });

  it("AddingAndRemovingUpdateTheManifest", async () => {
    const a = await take(store, "daily", T, 3);
    const b = await take(store, "manual", T + 1000, 5, "before-upgrade");
    expect(readManifest()).to.deep.equal([
      { file: a, kind: "daily", name: a, createdAt: T, seq: 3, engine: "sqlite", fingerprint: (readManifest()[0] as { fingerprint: string }).fingerprint, databaseId: null,
        rows: 3, bytes: fs.statSync(path.join(store, a)).size, tables: [{ name: "item", rows: 3 }, { name: "user", rows: 0 }] },
      { file: b, kind: "manual", name: "before-upgrade", createdAt: T + 1000, seq: 5, engine: "sqlite", fingerprint: (readManifest()[1] as { fingerprint: string }).fingerprint, databaseId: null,
        rows: 5, bytes: fs.statSync(path.join(store, b)).size, tables: [{ name: "item", rows: 5 }, { name: "user", rows: 0 }] },
    ]);
    expect((readManifest()[0] as { fingerprint: string }).fingerprint).to.match(/^[0-9a-f]{64}$/);
    await removeSnapshot(store, a);
    expect(fs.existsSync(path.join(store, a))).to.equal(false);
    expect(readManifest().map((e) => (e as { file: string }).file)).to.deep.equal([b]);
    expect((await listSnapshots(store)).snapshots.map((e) => e.file)).to.deep.equal([b]);
  });

  it("ManifestRebuildsFromFiles", async () => {
    const files = [await take(store, "weekly", T, 1), await take(store, "safety", T + 5, 2), await take(store, "monthly", T - 5, 4)];
    const full = await listSnapshots(store);
    expect(full.snapshots.map((e) => e.file)).to.deep.equal([files[2], files[0], files[1]]); // oldest first

    fs.rmSync(manifestPath());
    expect(await listSnapshots(store)).to.deep.equal(full);
    expect(fs.existsSync(manifestPath()), "list wrote the manifest (I8)").to.equal(false);
    expect(await rebuildManifest(store)).to.deep.equal(full);
    expect(readManifest()).to.deep.equal(JSON.parse(JSON.stringify(full.snapshots)));

    fs.writeFileSync(manifestPath(), "{ not json");
    expect(await listSnapshots(store)).to.deep.equal(full);
  });

  it("StaleManifestIsNotBelieved", async () => {
    const a = await take(store, "daily", T, 1);
    const saved = fs.readFileSync(manifestPath());
    const b = await take(store, "safety", T + 1, 2);
    // a crash between rename and manifest update: the file exists, the manifest does not say so
    fs.writeFileSync(manifestPath(), saved);
    expect((await listSnapshots(store)).snapshots.map((e) => e.file)).to.deep.equal([a, b]);
    // a file removed behind the manifest's back
    fs.rmSync(path.join(store, a));
    expect((await listSnapshots(store)).snapshots.map((e) => e.file)).to.deep.equal([b]);
    // a file rewritten under the same name (different size)
    const manifest = fs.readFileSync(manifestPath());
    fs.rmSync(path.join(store, b));
    await take(store, "safety", T + 1, 50);
    fs.writeFileSync(manifestPath(), manifest);
    expect((await listSnapshots(store)).snapshots.map((e) => e.rows)).to.deep.equal([50]);
  });

  it("BrokenAndTemporaryFilesAreNotListedAsSnapshots", async () => {
    const good = await take(store, "daily", T, 1);
    fs.writeFileSync(path.join(store, "torn.snap"), fs.readFileSync(path.join(store, good)).subarray(0, 40));
    fs.writeFileSync(path.join(store, "backup-x.snap.tmp-123"), "partial");
    const list = await listSnapshots(store);
    expect(list.snapshots.map((e) => e.file)).to.deep.equal([good]);
    expect(list.broken.map((b) => b.file)).to.deep.equal(["torn.snap"]);
    expect(list.broken[0].message).to.contain("torn.snap");
  });

  it("AManifestThatLiesIsNotBelieved", async () => {
    const a = await take(store, "daily", T, 3);
    fs.writeFileSync(manifestPath(), fs.readFileSync(manifestPath(), "utf8").replace('"seq": 3', '"seq": 2'));
    expect((await listSnapshots(store)).snapshots.map((e) => [e.file, e.seq])).to.deep.equal([[a, 3]]);
  });

  it("MissingStoreListsNothing", async () => {
    expect(await listSnapshots(path.join(store, "nowhere"))).to.deep.equal({ snapshots: [], broken: [] });
  });
});
