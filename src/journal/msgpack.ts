/**
 * The one msgpack configuration of the project: journal frames and snapshot
 * blocks encode column values alike, so a value reads back from either
 * exactly as it was captured.
 *
 * Two decoders with that configuration, because msgpackr's optional native
 * string extraction (msgpackr-extract) helps one and hurts the other:
 * - `packr` (msgpackr's main build, with extraction when it is installed):
 *   journal frames and headers. Frames are small maps of column names and
 *   values; a journal replay of small transactions read about 15% faster
 *   with extraction than without, on SQLite and PostgreSQL journals alike.
 * - `rowPackr` (msgpackr's "index-no-eval" build, a separate copy of the
 *   library without extraction): snapshot row blocks and export rows. A
 *   block is one long buffer of short strings (PostgreSQL values are their
 *   text), which extraction decodes more slowly: a PostgreSQL snapshot
 *   restored 25% faster, and exported almost 2x faster, without it.
 * Both encode to the same bytes; which one decodes is a matter of speed only.
 */
import { Packr, addExtension, type Options } from "msgpackr";

// Not in msgpackr's typings under this name; the build exports the same API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const withoutExtraction = require("msgpackr/index-no-eval") as typeof import("msgpackr");

/**
 * msgpack turns -0 into the integer 0 (it is "an integer"), but PostgreSQL
 * float8 keeps -0, so it is marked with a zero-length extension. Encoders
 * put NEGATIVE_ZERO in place of a -0 value before packing.
 */
export const NEGATIVE_ZERO_EXT = 0x2d;
export class NegativeZero {}
export const NEGATIVE_ZERO = new NegativeZero();
for (const add of [addExtension, withoutExtraction.addExtension]) {
  add({ Class: NegativeZero, type: NEGATIVE_ZERO_EXT, pack: () => Buffer.alloc(0), unpack: () => -0 });
}

/**
 * useRecords false: plain msgpack maps, so every frame and block decodes on
 * its own (no shared structures to lose). int64AsType 'auto': 64-bit
 * integers come back as number inside +-2^53 and as bigint beyond, which is
 * the canonical form of ColumnValue (bigint only where a number would round).
 * copyBuffers: decoded Buffers must not alias a reader's reusable buffer.
 * ('auto' is missing from msgpackr's typings, hence the cast.)
 */
const options = {
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: "auto",
  copyBuffers: true,
} as unknown as Options;

/** Journal frames and file headers. */
export const packr = new Packr(options);

/** Snapshot row blocks and rows held by export's overlay. */
export const rowPackr = new withoutExtraction.Packr(options);
