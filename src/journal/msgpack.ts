/**
 * The one msgpack configuration of the project: journal frames and snapshot
 * blocks encode column values alike, so a value reads back from either
 * exactly as it was captured.
 */
import "./msgpackrWithoutExtract";
import { Packr, addExtension, type Options } from "msgpackr";

/**
 * msgpack turns -0 into the integer 0 (it is "an integer"), but PostgreSQL
 * float8 keeps -0, so it is marked with a zero-length extension. Encoders
 * put NEGATIVE_ZERO in place of a -0 value before packing.
 */
export const NEGATIVE_ZERO_EXT = 0x2d;
export class NegativeZero {}
export const NEGATIVE_ZERO = new NegativeZero();
addExtension({ Class: NegativeZero, type: NEGATIVE_ZERO_EXT, pack: () => Buffer.alloc(0), unpack: () => -0 });

/**
 * useRecords false: plain msgpack maps, so every frame and block decodes on
 * its own (no shared structures to lose). int64AsType 'auto': 64-bit
 * integers come back as number inside +-2^53 and as bigint beyond, which is
 * the canonical form of ColumnValue (bigint only where a number would round).
 * copyBuffers: decoded Buffers must not alias a reader's reusable buffer.
 * ('auto' is missing from msgpackr's typings, hence the cast.)
 */
export const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: "auto",
  copyBuffers: true,
} as unknown as Options);
