/**
 * One step of the big-transaction test in a process of its own, so its peak
 * memory (VmHWM) is its alone. argv: step ("ship" | "restore" | "range"),
 * engine, database URL, store, restore target. Prints one JSON line.
 */
import "reflect-metadata";
import * as fs from "node:fs";
import { DataSource } from "typeorm";
import { attachChangelog } from "../../src";
import { journalRange } from "../../src/journal/reader";
import { restore } from "../../src/restore";
import { Note } from "./tinyApp";

function peakMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const [step, engine, url, store, target] = process.argv.slice(2);
  const result: Record<string, unknown> = {};
  if (step === "ship") {
    const ds = await new DataSource({ ...(engine === "sqlite" ? { type: "sqlite", database: url } : { type: "postgres", url }), entities: [Note], logging: false } as never).initialize();
    const changelog = await attachChangelog(ds, { dir: store }); // ships what waits in the outbox
    result.lastSeq = changelog.lastSeq;
    await changelog.close();
    await ds.destroy();
  } else if (step === "restore") {
    const r = await restore({ store, latest: true, target });
    result.seqReached = r.seqReached;
    result.rows = r.rows;
  } else if (step === "range") {
    result.lastSeq = journalRange(store)?.lastSeq;
  }
  result.peakMb = peakMb();
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
