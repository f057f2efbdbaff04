/**
 * The victim of the kill test: runs restore() with the options given as JSON
 * in argv[2], says "loading" once the first rows are written inside the load
 * transaction, and from then on pauses after every batch so that the SIGKILL
 * lands in the middle of the load.
 */
import { restore } from "../../src/restore";

const options = JSON.parse(process.argv[2]) as Parameters<typeof restore>[0];
let said = false;
const pause = new Int32Array(new SharedArrayBuffer(4));

restore({
  ...options,
  onProgress: (p) => {
    if (p.phase !== "load" || p.rows === 0) return;
    if (!said) process.stdout.write("loading\n");
    said = true;
    Atomics.wait(pause, 0, 0, 40);
  },
}).then(() => {
  process.stdout.write("finished\n");
}, (error: unknown) => {
  process.stderr.write(`restore failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(3);
});
