/**
 * The one way the CLI writes to stdout. Output is gathered into chunks of
 * 64 KiB and each chunk waits until the reader has taken the one before, so a
 * slow reader (`| wc -l`, `| gzip`, a script) slows the command down instead
 * of making Node queue without end (ENOBUFS, output cut). A reader that went
 * away (EPIPE: `| head`) is not an error: write() throws ReaderGone and the
 * command ends quietly with status 0, as Unix tools do.
 */

/** The reader of stdout has gone: stop writing, quietly. */
export class ReaderGone extends Error {
  constructor() {
    super("the reader of stdout has gone");
    this.name = "ReaderGone";
  }
}

const CHUNK_BYTES = 64 * 1024;

let pending: string[] = [];
let pendingBytes = 0;
let gone = false;
let listening = false;

function isGoneError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END";
}

/**
 * Without a listener, an EPIPE on stdout or stderr is an uncaught 'error'
 * event and a stack trace. stderr gets one too: `2>&1 | head` closes it.
 * main.ts listens at start, so that what commander writes itself (--help)
 * ends quietly too.
 */
export function listen(): void {
  if (listening) return;
  listening = true;
  process.stdout.on("error", (error) => { if (isGoneError(error)) gone = true; });
  process.stderr.on("error", () => undefined);
}

function writeChunk(chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The callback runs once the chunk is handed to the reader (or failed): at most one chunk waits.
    process.stdout.write(chunk, (error) => {
      if (!error) resolve();
      else if (isGoneError(error)) { gone = true; reject(new ReaderGone()); }
      else reject(error);
    });
  });
}

/**
 * Queues text for stdout. Returns null while the chunk has room, else the
 * promise of its write to wait for: a loop over millions of lines then
 * awaits once per chunk, not once per line.
 */
export function write(text: string): Promise<void> | null {
  listen();
  if (gone) throw new ReaderGone();
  pending.push(text);
  pendingBytes += text.length;
  return pendingBytes >= CHUNK_BYTES ? flush() : null;
}

/** Writes what is queued and waits until the reader has it. */
export async function flush(): Promise<void> {
  listen();
  if (gone) throw new ReaderGone();
  if (pending.length === 0) return;
  const chunk = pending.join("");
  pending = [];
  pendingBytes = 0;
  await writeChunk(chunk);
}

/** Whether the reader of stdout has gone. */
export function readerGone(): boolean {
  return gone;
}
