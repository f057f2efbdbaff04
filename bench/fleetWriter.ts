/**
 * One app process of the fleet bench (fleet.ts): attaches the changelog
 * (unless the store is "-"), says "ready", waits for "go" on stdin, then
 * commits small transactions for `seconds` and prints {commits} as JSON.
 * argv: database URL, store or "-", seconds, seed.
 */
import "reflect-metadata";
import { DataSource } from "typeorm";
import { attachChangelog } from "../src";

const [url, store, secondsText, seedText] = process.argv.slice(2);

async function main(): Promise<void> {
  const ds = await new DataSource({ type: "postgres", url, logging: false }).initialize();
  const changelog = store === "-" ? null : await attachChangelog(ds, { dir: store, tables: ["item"], onError: () => undefined });
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  let state = Number(seedText);
  const random = (n: number) => { state = (state * 1103515245 + 12345) % 2147483648; return state % n; };
  const end = performance.now() + Number(secondsText) * 1000;
  let commits = 0;
  while (performance.now() < end) {
    // An order line added and a stock level moved: two statements, as a small app transaction.
    await ds.transaction(async (m) => {
      await m.query("INSERT INTO item (name, qty) VALUES ($1, $2)", [`w${process.pid}-${commits}`, random(100)]);
      await m.query("UPDATE item SET qty = qty + 1 WHERE id = $1", [1 + random(1000)]);
    });
    commits++;
  }
  process.stdout.write(`${JSON.stringify({ commits })}\n`);
  await changelog?.close();
  await ds.destroy();
  process.exit(0); // stdin, read for "go", would keep the process alive
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet writer: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
