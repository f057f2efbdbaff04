/**
 * The one rule of order in a journal: after a frame marked `more`, the next
 * part of the same transaction; after any other, part 0 of the next seq.
 * The writer checks what it appends by it, the scanner what it reads.
 */

/** The frame that must come next, given the transaction left open (if any) and the last whole one. */
export function nextFrame(open: { seq: number; part: number } | null, lastSeq: number): { seq: number; part: number } {
  return open ? { seq: open.seq, part: open.part + 1 } : { seq: lastSeq + 1, part: 0 };
}
