/**
 * A model of stores and databases (issue 7, property (b)): several of each,
 * random attach-and-write, raw writes, `backup --dir`, `restore` and
 * `verify` calls through the built command line. Whatever the order, no
 * command mixes two databases (every restore holds the rows of one database
 * as they were at one moment) and no journal stalls (each database's own
 * store still takes its changes at the end, and verify finds no drift).
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "../src/errors";
import { readFrames } from "../src/journal/reader";
import type { StocktakeEngine } from "./support/scratchDatabase";
import { tempDir } from "./support/databases";
import { runCli } from "./support/cli";
import { namesIn, tinyApp, type TinyApp } from "./support/tinyApp";

const ENGINES = (process.env.STK_MODEL_ENGINES ?? "sqlite").split(",") as StocktakeEngine[];
const RUNS = Number(process.env.STK_MODEL_RUNS ?? 6);
const DATABASES = 2;
const STORES = 3;

type Command =
  | { kind: "attach"; db: number; store: number; writes: number }
  | { kind: "raw"; db: number }
  | { kind: "backup"; db: number; store: number }
  | { kind: "restore"; store: number }
  | { kind: "verify"; db: number; store: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("attach" as const), db: fc.nat(DATABASES - 1), store: fc.nat(STORES - 1), writes: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("raw" as const), db: fc.nat(DATABASES - 1) }),
  fc.record({ kind: fc.constant("backup" as const), db: fc.nat(DATABASES - 1), store: fc.nat(STORES - 1) }),
  fc.record({ kind: fc.constant("restore" as const), store: fc.nat(STORES - 1) }),
  fc.record({ kind: fc.constant("verify" as const), db: fc.nat(DATABASES - 1), store: fc.nat(STORES - 1) }),
);

function listing(dir: string): string {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort().map((f) => {
    const s = fs.statSync(path.join(dir, f));
    return `${f}:${s.isFile() ? s.size : "d"}`;
  }).join(",");
}

for (const engine of ENGINES) {
  describe(`stores and databases, in any order (${engine}) @slow`, function () {
    this.timeout(1_800_000);

    it("NoCommandMixesTwoDatabasesOrStallsAJournal", async () => {
      await fc.assert(fc.asyncProperty(fc.array(commandArb, { minLength: 4, maxLength: 9 }), async (commands) => {
        const dbs: TinyApp[] = [];
        for (let i = 0; i < DATABASES; i++) dbs.push(await tinyApp(engine, `db${i}`));
        const stores = Array.from({ length: STORES }, () => tempDir("stk-model-"));
        const home: (number | null)[] = dbs.map(() => null);
        const owner: (number | null)[] = stores.map(() => null);
        // Every state each database was in, as its names: a restore must give one of these, of one database.
        const states = dbs.map(() => new Set<string>([JSON.stringify([])]));
        const remember = async (i: number) => states[i].add(JSON.stringify(await dbs[i].names()));
        try {
          for (const c of commands) {
            if (c.kind === "attach") {
              const allowed = (owner[c.store] === null || owner[c.store] === c.db) && (home[c.db] === null || home[c.db] === c.store);
              const before = listing(stores[c.store]);
              const attached = await dbs[c.db].attach({ dir: stores[c.store] }).then((ch) => ({ ch }), (e: unknown) => ({ e }));
              if ("e" in attached) {
                expect(allowed, `attach ${c.db} to ${c.store}: ${String(attached.e)}`).to.equal(false);
                expect((attached.e as BackupError).code).to.equal("STORE_MISMATCH");
                expect(listing(stores[c.store]), "a refused store is left as it was").to.equal(before);
                continue;
              }
              expect(allowed, `attach ${c.db} to ${c.store} should have been refused`).to.equal(true);
              home[c.db] = c.store;
              owner[c.store] = c.db;
              for (let w = 0; w < c.writes; w++) {
                await dbs[c.db].write(1);
                await remember(c.db);
              }
              await attached.ch.flush();
              await attached.ch.close();
            } else if (c.kind === "raw") {
              await dbs[c.db].rawWrite();
              await remember(c.db);
            } else if (c.kind === "backup") {
              const allowed = owner[c.store] === null || owner[c.store] === c.db;
              const before = listing(stores[c.store]);
              const run = runCli(["backup", "--db", dbs[c.db].url, "--dir", stores[c.store], "--json"]);
              if (!allowed) {
                expect(run.status, run.stderr).to.equal(2);
                expect(listing(stores[c.store])).to.equal(before);
                continue;
              }
              expect(run.status, run.stderr).to.equal(0);
              await remember(c.db);
              if (home[c.db] !== null) owner[c.store] = c.db; // a database with an identity marks the store as its own
            } else if (c.kind === "restore") {
              const target = path.join(tempDir("stk-model-t-"), "r.db");
              const run = runCli(["restore", "latest", "--dir", stores[c.store], "--target", target, "--json"]);
              if (run.status !== 0) {
                expect(run.status, run.stderr).to.equal(2); // nothing to restore yet, never a failure of another kind
                continue;
              }
              const names = await namesIn(target);
              const tags = new Set(names.map((n) => n.split("-")[0]));
              expect(tags.size, `one database's rows, got ${[...tags].join(", ")}`).to.be.at.most(1);
              const from = tags.size === 0 ? null : Number([...tags][0].slice(2));
              if (from !== null) expect(states[from].has(JSON.stringify(names)), `restored ${JSON.stringify(names)} was never a state of db${from}`).to.equal(true);
            } else {
              const run = runCli(["verify", "--db", dbs[c.db].url, "--dir", stores[c.store], "--json"]);
              if (owner[c.store] !== null && owner[c.store] !== c.db) expect(run.status, run.stderr).to.equal(2);
              else if (home[c.db] === c.store && run.status !== 2) expect(run.status, `verify: ${run.stdout} ${run.stderr}`).to.equal(0);
            }
          }
          // No journal stalled: each database's own store takes its next change, gapless, and replays to it.
          for (let i = 0; i < DATABASES; i++) {
            const h = home[i];
            if (h === null) continue;
            const changelog = await dbs[i].attach({ dir: stores[h] });
            await dbs[i].write(1);
            await changelog.flush();
            expect((await changelog.status()).trouble).to.equal(null);
            await changelog.close();
            const seqs = [...readFrames(stores[h])].filter((f) => !f.more).map((f) => f.seq);
            expect(seqs, "gapless").to.deep.equal(seqs.map((_s, k) => seqs[0] + k));
            expect(seqs[seqs.length - 1]).to.equal(await dbs[i].headSeq());
            const taken = runCli(["backup", "--db", dbs[i].url, "--dir", stores[h], "--json"]);
            expect(taken.status, taken.stderr).to.equal(0);
            const verify = runCli(["verify", "--db", dbs[i].url, "--dir", stores[h]]);
            expect(verify.status, verify.stdout + verify.stderr).to.equal(0);
          }
        } finally {
          for (const db of dbs) await db.close();
        }
      }), { numRuns: RUNS });
    });
  });
}
