/**
 * Where an export's text goes: a file (written under a temporary name and
 * renamed when complete, so a failed export never leaves a script that
 * loads half the data) or stdout, through gzip or zstd when asked. Text is
 * gathered into chunks of about 1 MiB and each write waits for the stream
 * to drain, so memory stays at a chunk whatever the size of the export.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { Writable } from "node:stream";
import * as zlib from "node:zlib";
import { CompressStream } from "zstd-napi";
import { BackupError } from "../errors";

export type Compression = "gzip" | "zstd" | null;

const CHUNK = 1 << 20;

export class ScriptOutput {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  private failure: Error | null = null;
  private readonly done: Promise<void> | null;

  private constructor(private readonly head: Writable, private readonly sink: Writable, private readonly file: { tmp: string; final: string } | null) {
    const fail = (e: Error) => { this.failure ??= e; };
    head.on("error", fail);
    sink.on("error", fail);
    this.done = file ? once(sink, "finish").then(() => undefined, (e: Error) => { fail(e); }) : null;
  }

  /** `target` "-" is stdout; a file must not exist yet unless `replace`. */
  static open(target: string, compression: Compression, replace: boolean): ScriptOutput {
    let sink: Writable;
    let file: { tmp: string; final: string } | null = null;
    if (target === "-") sink = process.stdout;
    else {
      const final = path.resolve(target);
      if (!replace && fs.existsSync(final)) {
        throw new BackupError("BAD_USAGE", `${target} exists`, "name another file, or pass --force to replace it");
      }
      const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
      try {
        sink = fs.createWriteStream(tmp, { flags: "wx" });
      } catch (e) {
        throw new BackupError("BAD_INPUT", `cannot write ${target}: ${(e as Error).message}`, "give a path in a folder that exists and can be written");
      }
      file = { tmp, final };
    }
    let head = sink;
    if (compression === "gzip") head = zlib.createGzip();
    if (compression === "zstd") head = new CompressStream();
    // stdout is never ended: other output (the process's own) may follow.
    if (head !== sink) head.pipe(sink, { end: sink !== process.stdout });
    return new ScriptOutput(head, sink, file);
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) await this.push();
  }

  async lines(lines: readonly string[]): Promise<void> {
    for (const line of lines) await this.write(line + "\n");
  }

  private async push(): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = Buffer.from(this.parts.join(""), "utf8");
    this.parts = [];
    this.size = 0;
    this.bytes += chunk.length;
    // once() rejects on 'error' and removes its listeners either way; a race with once(…, "error")
    // left one error listener behind per wait (MaxListenersExceededWarning on a large export).
    if (!this.head.write(chunk)) await once(this.head, "drain").catch((e: Error) => { this.failure ??= e; });
    if (this.failure) throw this.failure;
  }

  /** Writes what is left, ends the stream and gives the file its name. */
  async finish(): Promise<void> {
    await this.push();
    if (this.sink === process.stdout) {
      if (this.head !== this.sink) {
        this.head.end();
        await once(this.head, "end");
      }
      if (this.failure) throw this.failure;
      return;
    }
    this.head.end();
    await this.done;
    if (this.failure) throw this.failure;
    const fd = fs.openSync(this.file!.tmp, "r");
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fs.renameSync(this.file!.tmp, this.file!.final);
  }

  /** After a failure: the temporary file goes, nothing keeps its name. */
  abort(): void {
    this.head.destroy();
    if (this.file) fs.rmSync(this.file.tmp, { force: true });
  }
}
