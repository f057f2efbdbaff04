import fs from "fs";
import os from "os";
import path from "path";

/** A scratch directory for one bench run, removed at the end. */
export class BenchDir {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "stk-bench-"));
  file(name: string): string {
    return path.join(this.root, name);
  }
  dir(name: string): string {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A Markdown table, so the output can go straight into a note. */
export function formatTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
