/**
 * One of several app processes on one PostgreSQL database and one store
 * (test/capture.fleet.test.ts): attaches the changelog, says "ready", and
 * writes small transactions to the table `item` until told to stop.
 * argv: database URL, store dir, seed. SIGUSR2: stop writing, then say
 * "idle" (every write of this process is committed). SIGTERM: close the
 * changelog and exit 0.
 */
import { DataSource } from "typeorm";
import { attachChangelog } from "../../src";

const [url, dir, seedText] = process.argv.slice(2);
let state = Number(seedText) * 7919 + process.pid;
/** A small seeded generator: each process writes its own mix. */
function random(n: number): number {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state % n;
}

async function main(): Promise<void> {
  const ds = await new DataSource({ type: "postgres", url, logging: false }).initialize();
  const changelog = await attachChangelog(ds, { dir, tables: ["item"], pollMs: 200, groupWindowMs: 50, onError: () => undefined });
  let writing = true;
  let stopped: () => void = () => undefined;
  const idle = new Promise<void>((resolve) => { stopped = resolve; });
  process.on("SIGUSR2", () => { writing = false; });
  process.on("SIGTERM", () => {
    writing = false;
    void idle.then(() => changelog.close()).then(() => ds.destroy()).then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`fleet app: ${String(error)}\n`);
      process.exit(1);
    });
  });
  process.stdout.write("ready\n");
  let n = 0;
  while (writing) {
    try {
      await ds.transaction(async (m) => {
        for (let i = 0, count = 1 + random(3); i < count; i++) {
          const pick = random(10);
          if (pick < 5) await m.query("INSERT INTO item (name, qty) VALUES ($1, $2)", [`${process.pid}-${n++}`, random(100)]);
          else if (pick < 9) await m.query("UPDATE item SET qty = qty + 1 WHERE id = (SELECT id FROM item ORDER BY random() LIMIT 1)");
          else await m.query("DELETE FROM item WHERE id = (SELECT id FROM item ORDER BY random() LIMIT 1)");
        }
      });
    } catch (error) {
      // Two processes updating the same rows in another order: PostgreSQL rolls one back, as it would in the app.
      if ((error as { driverError?: { code?: string } }).driverError?.code !== "40P01") throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 2 + random(10)));
  }
  process.stdout.write("idle\n");
  stopped();
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet app: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
