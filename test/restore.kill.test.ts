/**
 * A restore killed half way (SIGKILL during the load) leaves its target as
 * it was (I4): in place, the database keeps its rows (on SQLite the file is
 * byte for byte the same); a new database never appears under its name, and
 * the half-made one it was built in is removed by the next restore to it.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import { createHash } from "crypto";
import { promises as fs } from "fs";
import path from "path";
import { restore, RestoreOptions } from "../src/restore";
import { mutateStocktake } from "../src/stocktake/workload";
import { tempDir, ENGINES } from "./support/databases";
import { dropTarget, Dump, dumpUrl, freshTarget, openApp, targetState } from "./support/restoreSupport";
import { DatabaseSchema } from "../src/db/types";

const CHILD = path.join(__dirname, "support", "restoreChild.js");

/** Runs a restore in a child process and SIGKILLs it once it is loading rows. */
function killDuringLoad(options: RestoreOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(options)], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => { stderr += d; });
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("loading")) child.kill("SIGKILL");
      if (d.toString().includes("finished")) reject(new Error("the restore finished before it could be killed"));
    });
    child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`child exited without being killed: ${stderr}`))));
  });
}

async function sha256(file: string): Promise<string> {
  return createHash("sha256").update(await fs.readFile(file)).digest("hex");
}

for (const engine of ENGINES) {
  describe(`restore killed half way (${engine}) @slow`, function () {
    this.timeout(300000);

    it("in place: the database is left as it was; a new database: nothing under its name, the leftover cleaned by the next restore", async () => {
      const app = await openApp(engine, { seed: 21, scale: 5 });
      const dir = tempDir();
      let schema: DatabaseSchema;
      let before: Dump;
      try {
        schema = app.schema;
        await app.snapshot("base");
        await mutateStocktake(app.ds, { steps: 20, seed: 77 });
        await app.changelog.flush();
        before = await app.dump();
      } finally {
        // The app stops: on SQLite its last connection folds the WAL into the file, so the file's bytes can be compared.
        await app.dialect.close();
        await app.changelog.close();
        await app.ds.destroy();
      }
      try {
        const hash = engine === "sqlite" ? await sha256(app.url) : null;
        await killDuringLoad({ store: app.store, source: app.url, clearExisting: true });
        if (hash !== null) {
          expect(await sha256(app.url), "SQLite file after the kill").to.equal(hash);
        }
        expect(await dumpUrl(app.url, schema), "database restored in place").to.deep.equal(before);

        const target = freshTarget(engine, dir);
        try {
          await killDuringLoad({ store: app.store, target });
          expect(await targetState(engine, target), "after the kill").to.deep.equal({ exists: false, leftover: true });
          const result = await restore({ store: app.store, target });
          expect(await targetState(engine, target), "after the next restore").to.deep.equal({ exists: true, leftover: false });
          expect(result.seqReached).to.be.greaterThan(0);
          expect(await dumpUrl(target, schema)).to.deep.equal(before);
        } finally {
          await dropTarget(engine, target);
        }
      } finally {
        if (engine === "sqlite") await fs.rm(path.dirname(app.url), { recursive: true, force: true });
        else await dropTarget("postgres", app.url);
      }
    });
  });
}
