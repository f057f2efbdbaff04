/**
 * A small tmpfs mounted at a fresh directory, for stores on a full or a
 * read-only disk. Needs root and mount(2): where the machine refuses, the
 * test is skipped with the reason, never passed.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tempDir } from "./databases";

export interface Tmpfs {
  dir: string;
  /** Fills what is left of the disk with one file. */
  fill(): void;
  /** Frees what fill() took. */
  free(): void;
  readOnly(on: boolean): void;
  unmount(): void;
}

export function mountTmpfs(ctx: Mocha.Context, kilobytes: number): Tmpfs {
  const dir = tempDir("stk-tmpfs-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${kilobytes}k,mode=0700`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    ctx.skip(); // a machine that cannot mount: nothing to learn here
  }
  const filler = `${dir}/.filler`;
  return {
    dir,
    fill() {
      try {
        execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=4k"], { stdio: "ignore" });
      } catch {
        // dd stops at "no space left": that is the point
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    readOnly(on) {
      execFileSync("mount", ["-o", `remount,${on ? "ro" : "rw"}`, dir], { stdio: "pipe" });
    },
    unmount() {
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
