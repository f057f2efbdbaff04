/**
 * A store holds the app's rows, credentials included: everything the tool
 * writes into it is its owner's alone (files 0600, folders 0700), whatever
 * the umask of the app or of the command; and a store others could have
 * written into is refused before anything is read from it.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { looseModes } from "../src/operations/health/fileModes";
import { expectOneError, runCli, runCliUnderUmask } from "./support/cli";
import { tempDir } from "./support/databases";
import { tinyApp } from "./support/tinyApp";

/** Every file and folder below the store, with its permission bits. */
function modesBelow(dir: string): { entry: string; mode: number; isDir: boolean }[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).map((d) => {
    const full = path.join(d.parentPath, d.name);
    const stat = fs.lstatSync(full);
    return { entry: path.relative(dir, full), mode: stat.mode & 0o777, isDir: stat.isDirectory() };
  });
}

describe("files of a store are private (sqlite)", function () {
  this.timeout(120000);

  for (const umask of ["000", "022"]) {
    it(`EveryFileAndFolderAnyCommandWritesIsTheOwnersAloneUnderUmask${umask}`, async () => {
      const store = tempDir("stk-modes-");
      fs.chmodSync(store, 0o755); // as a user's own mkdir leaves it
      const app = await tinyApp("sqlite", "modes");
      const before = process.umask(parseInt(umask, 8));
      try {
        const changelog = await app.attach({ dir: store });
        await app.write(3);
        await changelog.flush();
        await changelog.close();
      } finally {
        process.umask(before);
      }
      try {
        for (const args of [
          ["backup", "--db", app.url, "--dir", store, "--json"],
          ["backup", "--kind", "daily", "--db", app.url, "--dir", store, "--json"],
          ["list", "--dir", store, "--json"],
          ["log", "--dir", store, "--json"],
          ["verify", "--db", app.url, "--dir", store, "--json"],
          ["restore", "latest", "--dry-run", "--dir", store, "--json"],
        ]) {
          const run = runCliUnderUmask(umask, args);
          expect(run.status, `${args.join(" ")}: ${run.stderr}`).to.equal(0);
        }
        const entries = modesBelow(store);
        expect(entries.filter((e) => e.entry.endsWith(".snap")), "snapshots written").to.have.length.of.at.least(2);
        expect(entries.filter((e) => e.entry.endsWith(".seg")), "segments written").to.have.length.of.at.least(1);
        const loose = entries.filter((e) => e.mode !== (e.isDir ? 0o700 : 0o600)).map((e) => `${e.entry} ${e.mode.toString(8)}`);
        expect(loose).to.deep.equal([]);
        expect(fs.statSync(store).mode & 0o777, "the store folder the user made is made private").to.equal(0o700);
        // git's snapshots/.gitkeep: an empty file is nothing for health to warn about.
        fs.writeFileSync(path.join(store, ".gitkeep"), "", { mode: 0o644 });
        fs.chmodSync(path.join(store, ".gitkeep"), 0o644);
        expect(looseModes(store).count, "health's file modes").to.equal(0);
      } finally {
        await app.close();
      }
    });
  }

  it("AStoreEveryUserMayWriteIntoIsRefusedBeforeAnythingIsRead", () => {
    const store = tempDir("stk-loose-");
    fs.chmodSync(store, 0o777);
    for (const args of [["list", "--dir", store], ["restore", "latest", "--dry-run", "--dir", store], ["log", "--dir", store]]) {
      const run = runCli(args);
      expectOneError(run, 2, args[0]);
      expect(run.stderr).to.match(/writable by every user/).and.to.match(/chmod 700/);
    }
  });

  it("AStoreOwnedByAnotherUserIsRefused", function () {
    if (process.getuid?.() !== 0) this.skip(); // only root can hand a folder to another user
    const store = tempDir("stk-foreign-");
    fs.chownSync(store, 4321, 4321);
    const run = runCli(["list", "--dir", store]);
    expectOneError(run, 2, "list");
    expect(run.stderr).to.match(/belongs to another user \(uid 4321/);
  });
});
