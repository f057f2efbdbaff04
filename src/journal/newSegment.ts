/**
 * A new segment file, made so that no segment ever has a torn header: the
 * header is written to a temp file (an unpredictable name, created
 * exclusively, so nothing planted there is followed), synced, renamed into
 * place, and the directory synced. Frames are appended after it.
 */
import * as path from "node:path";
import { writeNewFile } from "../durable";
import { BackupError } from "../errors";
import { encodeSegmentHeader } from "./codec";
import { segmentFileName } from "./segment";
import type { SegmentHeader } from "./types";

export async function createSegment(dir: string, header: SegmentHeader): Promise<{ file: string; size: number }> {
  const file = path.join(dir, segmentFileName(header.firstSeq));
  const bytes = encodeSegmentHeader(header);
  if (!(await writeNewFile(file, bytes))) throw new BackupError("INTERNAL", `segment ${file} already exists; refusing to overwrite it`);
  return { file, size: bytes.length };
}
