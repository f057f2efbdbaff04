import { expect } from "chai";
import { spawnSync } from "child_process";
import path from "path";
import { DataSource, EntitySchema } from "typeorm";
import { attachChangelog } from "../src";
import { createTestDatabase, ENGINES, openDataSource, tempDir } from "./support/databases";

const CLI = path.join(__dirname, "..", "src", "cli", "main.js");

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parcelSchema(engine: string) {
  return new EntitySchema<Record<string, unknown>>({
    name: "Parcel", tableName: "parcel",
    columns: {
      id: { type: Number, primary: true, generated: true },
      label: { type: String },
      weight: { type: "decimal", precision: 10, scale: 3 },
      sealed: { type: engine === "sqlite" ? "blob" : "bytea", nullable: true },
      shippedAt: { type: engine === "sqlite" ? "datetime" : "timestamp", nullable: true },
    },
  });
}

for (const engine of ENGINES) {
  describe(`stocktake-backup log (${engine})`, function () {
    this.timeout(60000);

    it("answers who changed a row, when, from what to what, as JSON lines", async () => {
      const db = await createTestDatabase(engine);
      const ds: DataSource = await openDataSource(db, [parcelSchema(engine)]);
      const dir = tempDir();
      const changelog = await attachChangelog(ds, { dir });
      try {
        const repo = ds.getRepository("Parcel");
        const t0 = Date.now();
        await repo.save([{ label: "a", weight: "1.5", sealed: Buffer.from("hi") }, { label: "b", weight: "2" }]);
        await repo.update({ label: "a" }, { weight: "3.25", shippedAt: new Date("2026-11-26T14:05:00.123Z") });
        await repo.delete({ label: "b" });
        await changelog.flush();

        const all = cli(["log", "--dir", dir, "--json"]);
        expect(all.status, all.stderr).to.equal(0);
        const lines = all.stdout.trim().split("\n").map((l) => JSON.parse(l));
        expect(lines.map((l) => l.op)).to.deep.equal(["insert", "insert", "update", "delete"]);
        expect(lines.map((l) => l.seq)).to.deep.equal([1, 1, 2, 3]);
        expect(Date.parse(lines[0].at)).to.be.within(t0 - 1000, Date.now() + 1000);
        expect(lines[0].after.sealed).to.equal(Buffer.from("hi").toString("base64"));

        const one = cli(["log", "--dir", dir, "--json", "--table", "parcel", "--key", String(lines[0].key.id)]);
        const history = one.stdout.trim().split("\n").map((l) => JSON.parse(l));
        expect(history.map((l) => l.op)).to.deep.equal(["insert", "update"]);
        const update = history[1];
        expect(Number(update.before.weight)).to.equal(1.5);
        expect(Number(update.after.weight)).to.equal(3.25);
        expect(update.before.shippedAt).to.equal(null);
        expect(update.after.shippedAt).to.equal("2026-11-26 14:05:00.123");
        expect(Object.keys(update)).to.deep.equal(["seq", "at", "table", "op", "key", "before", "after"]);

        const ranged = cli(["log", "--dir", dir, "--json", "--from", "2", "--to", "2"]);
        expect(ranged.stdout.trim().split("\n").map((l) => JSON.parse(l).seq)).to.deep.equal([2]);

        const human = cli(["log", "--dir", dir, "--key", String(lines[0].key.id)]);
        expect(human.stdout).to.match(/#2 .*update +parcel id=\d+/);
        expect(human.stdout).to.match(/weight: .*1\.5.* → .*3\.25/);
      } finally {
        await changelog.close();
        await ds.destroy();
        await db.drop();
      }
    });
  });
}

describe("stocktake-backup log: bad input", () => {
  it("exits 2 with a one-line cause and a hint", () => {
    const r = cli(["log", "--dir", tempDir(), "--from", "yesterday-ish"]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^error: .*--from "yesterday-ish"/m);
    expect(r.stderr).to.match(/^hint: /m);
  });
  it("exits 2 on an unknown option", () => {
    expect(cli(["log", "--frobnicate"]).status).to.equal(2);
  });
  it("exits 2 when the store holds no journal", () => {
    const r = cli(["log", "--dir", tempDir()]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/no journal/);
  });
});
