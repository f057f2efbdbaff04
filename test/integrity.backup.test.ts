/**
 * validate backup: a good snapshot is valid (exit 0: the old validator
 * asked for "User", "Store"… in capitals and failed every backup), and a
 * snapshot missing a table, one whose trailer's count differs from its
 * rows, and one with a flipped byte each fail with a message that names
 * the problem. Through the built CLI.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { encodeBlock, encodeFooter, makeCompressor, decompressBody } from "../src/snapshot/blocks";
import { SnapshotReader, SnapshotWriter } from "../src/snapshot";
import { BlockType, FOOTER_BYTES, BLOCK_HEADER_BYTES, type SnapshotTrailer } from "../src/snapshot/format";
import { packr } from "../src/journal/msgpack";
import { tempDir } from "./support/databases";
import { runCli as cli } from "./support/cli";
import { stocktakeStore, type StocktakeStore } from "./support/stocktakeStore";
import { copySnapshotRows } from "./support/craft";

interface Out { file: string; intact: boolean; status: string; findings: { rule: string; message: string; table?: string }[] }

function validate(file: string, extra: string[] = []): { status: number | null; out: Out; stderr: string } {
  const run = cli(["validate", "backup", file, "--json", ...extra]);
  return { status: run.status, out: JSON.parse(run.stdout) as Out, stderr: run.stderr };
}

/** A copy of `from` without table `drop` (rows, schema and description). */
async function withoutTable(from: string, to: string, drop: string): Promise<void> {
  const reader = await SnapshotReader.open(from);
  try {
    const h = reader.header;
    const schema = { ...h.schema, tables: h.schema.tables.filter((t) => t.name !== drop) };
    const ddl = h.ddl && { ...h.ddl, tables: h.ddl.tables.filter((t) => t.name !== drop) };
    const writer = await SnapshotWriter.create(to, { kind: h.kind, name: h.name, createdAt: h.createdAt, seq: h.seq, schema, ddl });
    await copySnapshotRows(reader, writer, schema.tables.map((t) => t.name));
  } finally {
    await reader.close();
  }
}

/** A copy of `from` whose trailer says table `table` holds one row more than it does (trailer rewritten, checksums right). */
function lyingTrailer(from: string, to: string, table: string): void {
  const bytes = fs.readFileSync(from);
  const offset = Number(bytes.readBigUInt64LE(bytes.length - FOOTER_BYTES));
  const length = bytes.readUInt32LE(offset);
  const trailer = packr.unpack(decompressBody(bytes.subarray(offset + BLOCK_HEADER_BYTES, offset + BLOCK_HEADER_BYTES + length))) as SnapshotTrailer;
  const entry = trailer.tables.find((t) => t.name === table)!;
  entry.rows += 1;
  trailer.rows += 1;
  const block = Buffer.concat(encodeBlock(BlockType.trailer, trailer, makeCompressor()));
  fs.writeFileSync(to, Buffer.concat([bytes.subarray(0, offset), block, encodeFooter(offset)]));
}

describe("validate backup", function () {
  this.timeout(300_000);
  for (const engine of ["sqlite", "postgres"] as const) {
    describe(engine, () => {
      let s: StocktakeStore;
      before(async () => { s = await stocktakeStore(engine, { steps: 15 }); });
      after(async () => { await s?.dispose(); });

      it("AGoodSnapshotIsValid", () => {
        const { status, out, stderr } = validate(path.join(s.store, s.snapshot), ["--db", s.url]);
        expect(out.findings, stderr).to.deep.equal([]);
        expect(status).to.equal(0);
        expect(out.intact).to.equal(true);
        expect(out.status).to.equal("healthy");
      });

      it("ASnapshotNamedByFileNameInTheStoreIsFound", () => {
        expect(validate(s.snapshot, ["--dir", s.store]).status).to.equal(0);
      });

      it("LatestIsTheStoresNewestSnapshot", () => {
        const { status, out, stderr } = validate("latest", ["--dir", s.store]);
        expect(status, stderr).to.equal(0);
        expect(out.file).to.equal(path.join(s.store, s.snapshot));
      });
    });
  }

  describe("damaged snapshots (sqlite)", () => {
    let s: StocktakeStore;
    let dir: string;
    before(async () => { s = await stocktakeStore("sqlite", { steps: 5 }); dir = tempDir("integ-backup-"); });
    after(async () => { await s?.dispose(); if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true }); });

    it("ASnapshotMissingATableNamesIt", async () => {
      const file = path.join(dir, "no-category.snap");
      await withoutTable(path.join(s.store, s.snapshot), file, "category");
      const { status, out } = validate(file);
      expect(status).to.equal(1);
      expect(out.intact).to.equal(false);
      expect(out.findings.map((f) => f.message)).to.deep.equal([`table "category" is missing from the backup ("item" references it)`]);
      const withDb = validate(file, ["--db", s.url]);
      expect(withDb.out.findings.map((f) => f.message)).to.deep.equal([`table "category" is missing from the backup (the database has it)`]);
    });

    it("ACountThatDiffersFromTheTrailerIsNamed", () => {
      const file = path.join(dir, "lying.snap");
      lyingTrailer(path.join(s.store, s.snapshot), file, "orderItem");
      const { status, out } = validate(file);
      expect(status).to.equal(1);
      expect(out.findings).to.have.length(1);
      expect(out.findings[0].rule).to.equal("backup-structure");
      expect(out.findings[0].message).to.match(/table "orderItem" holds (\d+) rows where (\d+) were written \(at byte \d+\)/);
      const [, held, written] = /holds (\d+) rows where (\d+)/.exec(out.findings[0].message)!;
      expect(Number(written)).to.equal(Number(held) + 1);
    });

    it("AFlippedByteIsFoundWithItsOffset", async () => {
      const source = path.join(s.store, s.snapshot);
      const reader = await SnapshotReader.open(source);
      const tables = reader.trailer.tables;
      await reader.close();
      const bytes = fs.readFileSync(source);
      const at = tables[tables.length - 1].offset - 3; // inside the last block of the table before the last
      bytes[at] ^= 0x10;
      const file = path.join(dir, "flipped.snap");
      fs.writeFileSync(file, bytes);
      const { status, out } = validate(file);
      expect(status).to.equal(1);
      expect(out.findings.map((f) => f.rule)).to.deep.equal(["backup-structure"]);
      expect(out.findings[0].message).to.match(/checksum|digest/);
      expect(out.findings[0].message).to.match(/at byte \d+/);
    });

    it("AFileThatDoesNotExistIsBadInput", () => {
      const run = cli(["validate", "backup", path.join(dir, "nope.snap")]);
      expect(run.status).to.equal(2);
      expect(run.stderr).to.match(/^error: backup .*nope\.snap does not exist/);
    });
  });
});
