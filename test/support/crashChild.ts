/**
 * The crash test's victim: the Stocktake app with the changelog attached,
 * running the workload on a seeded database until it is killed. argv: database URL or file,
 * store dir, seed, kill mode ("time" | "mid-commit" | "mid-append"), and for
 * the last two the how-manieth commit or journal write it dies in.
 */
import fs from "fs";
import fsp from "fs/promises";
import { EntitySubscriberInterface, TransactionCommitEvent } from "typeorm";
import { attachChangelog } from "../../src";
import { openStocktakeDataSource } from "../../src/stocktake/datasource";
import { mutateStocktake } from "../../src/stocktake/workload";

const [database, dir, seedText, mode, countText] = process.argv.slice(2);
const seed = Number(seedText);
const dieAt = Number(countText);

function die(): never {
  fs.writeSync(2, `dying ${mode}\n`); // tells the test the kill point was reached
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
}

/** Dies inside the N-th journal write, after writing only part of it: a torn frame. */
async function dieMidAppend(): Promise<void> {
  let writes = 0;
  const cut = (length: number) => 1 + (seed % Math.max(1, length - 1));
  const writeSync = fs.writeSync;
  (fs as { writeSync: unknown }).writeSync = (fd: number, buffer: Buffer, ...rest: unknown[]) => {
    if (Buffer.isBuffer(buffer) && buffer.length > 8 && ++writes === dieAt) {
      writeSync(fd, buffer, 0, cut(buffer.length), rest[2] as number | null | undefined);
      die();
    }
    return (writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
  };
  const probe = await fsp.open(`${dir}/.probe`, "w");
  type Write = (this: unknown, buffer: Buffer, offset?: number, length?: number, position?: number) => Promise<unknown>;
  const proto = Object.getPrototypeOf(probe) as { write: Write };
  await probe.close();
  fs.rmSync(`${dir}/.probe`);
  const write = proto.write;
  proto.write = async function (this: unknown, buffer: Buffer, offset?: number, length?: number, position?: number) {
    if (Buffer.isBuffer(buffer) && (length ?? buffer.length) > 8 && ++writes === dieAt) {
      await write.call(this, buffer, offset ?? 0, cut(length ?? buffer.length), position);
      die();
    }
    return write.call(this, buffer, offset, length, position);
  };
}

/** Dies inside commitTransaction, before COMMIT reaches the database: the transaction must vanish whole. */
class DieMidCommit implements EntitySubscriberInterface {
  private commits = 0;
  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (++this.commits !== dieAt) return;
    await event.queryRunner.query("SELECT 1"); // the transaction has done all its work
    die();
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  if (mode === "mid-append") await dieMidAppend();
  const ds = await openStocktakeDataSource(database);
  await attachChangelog(ds, { dir, groupWindowMs: 2 });
  if (mode === "mid-commit") ds.subscribers.push(new DieMidCommit());
  process.stdout.write("ready\n");
  for (let round = 0; ; round++) await mutateStocktake(ds, { steps: 50, seed: seed * 1000 + round });
}

main().catch((error) => {
  process.stderr.write(`crash child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(3);
});
