import { expect } from "chai";
import { spawn } from "child_process";
import path from "path";
import { attachChangelog } from "../src";
import { createDialect } from "../src/capture/createDialect";
import { readFrames } from "../src/journal/reader";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { Rng, seedStocktake } from "../src/stocktake/workload";
import { createTestDatabase, ENGINES, tempDir, TestDatabase } from "./support/databases";
import { applyFrames, dumpState, expectSameState, TableState } from "./support/replay";

const CHILD = path.join(__dirname, "support", "crashChild.js");
type Mode = "time" | "mid-commit" | "mid-append";

function databaseUrl(db: TestDatabase): string {
  const options = db.options([]) as { url?: string; database?: string };
  return options.url ?? (options.database as string);
}

/** Runs the child until it dies; kills it after `ms` in "time" mode. Returns how it ended. */
function runChild(args: string[], mode: Mode, ms: number): Promise<{ signal: string | null; code: number | null; stderr: string; ready: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let ready = false;
    child.stderr.on("data", (d) => { stderr += String(d); });
    child.stdout.on("data", (d) => {
      if (!ready && String(d).includes("ready")) {
        ready = true;
        if (mode === "time") setTimeout(() => child.kill("SIGKILL"), ms);
      }
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), 20000); // a kill point never reached
    child.on("exit", (code, signal) => { clearTimeout(guard); resolve({ code, signal, stderr, ready }); });
  });
}

for (const engine of ENGINES) {
  describe(`crash safety: SIGKILL at random moments (${engine}) @slow`, function () {
    this.timeout(600000);
    const KILLS = engine === "sqlite" ? 30 : 12;

    it(`after each of ${KILLS} kills and a restart, the journal replayed over the initial state equals the live database`, async () => {
      const db = await createTestDatabase(engine);
      const url = databaseUrl(db);
      const dir = tempDir();
      const rng = new Rng(engine === "sqlite" ? 7 : 11);
      const seen = new Set<Mode>();
      try {
        // The initial state: the migrated, empty schema; seeding is the first work journaled.
        let initial: TableState | null = null;
        const seeding = await openStocktakeDataSource(url);
        const first = await attachChangelog(seeding, { dir });
        await seedStocktake(seeding, { scale: 1, seed: 5 });
        await first.close();
        await seeding.destroy();
        for (let kill = 0; kill < KILLS; kill++) {
          const mode: Mode = (["time", "mid-commit", "mid-append"] as const)[kill % 3];
          const count = 1 + Math.floor(rng.next() * 40);
          const ms = 20 + Math.floor(rng.next() * 400);
          const result = await runChild([url, dir, String(kill + 1), mode, String(count)], mode, ms);
          expect(result.stderr.includes("crash child failed"), `the child must only die by the kill (${mode}): ${result.stderr}`).to.equal(false);
          expect(result.signal).to.equal("SIGKILL");
          if (mode === "time" ? result.ready : result.stderr.includes(`dying ${mode}`)) seen.add(mode);

          const ds = await openStocktakeDataSource(url);
          const changelog = await attachChangelog(ds, { dir });
          try {
            await changelog.flush();
            const dialect = await createDialect(ds);
            await dialect.preparePluginTables(changelog.schema);
            if (!initial) initial = new Map(changelog.schema.tables.map((t) => [t.name, new Map()]));
            const replayed: TableState = new Map([...initial].map(([t, rows]) => [t, new Map(rows)]));
            const frames = [...readFrames(dir, { fromSeq: 1 })];
            expect(frames.map((f) => f.seq)).to.deep.equal(frames.map((_f, i) => i + 1));
            applyFrames(replayed, frames, changelog.schema);
            expectSameState(replayed, await dumpState(ds, changelog.schema));
            await dialect.close();
          } finally {
            await changelog.close();
            await ds.destroy();
          }
        }
        expect([...seen].sort()).to.deep.equal(["mid-append", "mid-commit", "time"]);
      } finally {
        await db.drop();
      }
    });
  });
}
