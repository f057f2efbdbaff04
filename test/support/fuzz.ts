/**
 * What the decoder fuzz tests (test/security.fuzz.*.test.ts) share: how many
 * cases to run, the damage they do to a valid file, and the three things
 * every case must show: the decoder fails only with the package's own
 * BackupError, within a time bound, and without allocating more than the
 * file's bytes justify. Cases decode in this process, on files in a
 * memory-backed folder, so thousands of them take seconds.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackupError } from "../../src/errors";

/** Cases per decoder: 5000 in `npm test`, FUZZ_RUNS in `npm run fuzz` (package.json). */
export const CASES_PER_DECODER = Math.max(5000, Number(process.env.FUZZ_RUNS ?? 0) || 0);

/** `share` of the cases of one decoder, for one of its properties. */
export function runsOf(share: number): number {
  return Math.ceil(CASES_PER_DECODER * share);
}

/** A decoder that never finishes is a failure: no case may take longer than this. */
export const CASE_MS = 2000;

/** A fresh folder in memory when the machine has /dev/shm (each case writes a file). */
export function fuzzDir(prefix: string): string {
  const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  return fs.mkdtempSync(path.join(base, prefix));
}

/** Length fields set to these must fail fast: the most a u32 says, values past the file, and a random one. */
export function hugeLength(fileBytes: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x1000_0000, fileBytes, fileBytes + 1), fc.integer({ min: 0, max: 0xffff_ffff }));
}

export function truncated(bytes: Buffer, length: number): Buffer {
  return Buffer.from(bytes.subarray(0, length));
}

/** `bytes` with the given bits flipped (bit i is bit i % 8 of byte i / 8). */
export function withBitsFlipped(bytes: Buffer, bits: readonly number[]): Buffer {
  const copy = Buffer.from(bytes);
  for (const bit of bits) copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

export function withU32(bytes: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32LE(value >>> 0, at);
  return copy;
}

/** One to three distinct bits of `bytes` (a bit flipped twice would be no damage at all). */
export function bitsOf(bytes: Buffer): fc.Arbitrary<number[]> {
  return fc.uniqueArray(fc.nat({ max: bytes.length * 8 - 1 }), { minLength: 1, maxLength: 3 });
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: BackupError };

/**
 * Runs one decode: a BackupError is an outcome, anything else thrown fails
 * the test (with what was decoded). Also measures the largest Buffer
 * allocated meanwhile and the time taken, and holds both to their bounds.
 */
export async function decodeCase<T>(what: string, maxAllocation: number, decode: () => T | Promise<T>): Promise<Outcome<T>> {
  const started = performance.now();
  const measured = await largestAllocation(async () => {
    try {
      return { ok: true, value: await decode() } as Outcome<T>;
    } catch (e) {
      if (e instanceof BackupError) return { ok: false, error: e } as Outcome<T>;
      throw new Error(`${what}: ${(e as Error)?.stack ?? String(e)}`);
    }
  });
  const ms = performance.now() - started;
  expect(ms, `${what}: milliseconds`).to.be.below(CASE_MS);
  expect(measured.largest, `${what}: largest Buffer allocated`).to.be.at.most(maxAllocation);
  return measured.result;
}

/**
 * The largest size asked of Buffer.alloc, allocUnsafe and allocUnsafeSlow
 * while `work` runs: how a decoder that trusts a length field shows itself
 * (the readers allocate every buffer they fill through these).
 */
export async function largestAllocation<T>(work: () => Promise<T>): Promise<{ result: T; largest: number }> {
  const originals = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow };
  let largest = 0;
  const spy = <F extends (size: number, ...rest: never[]) => Buffer>(f: F) =>
    ((size: number, ...rest: never[]) => { largest = Math.max(largest, size); return f.call(Buffer, size, ...rest); }) as unknown as F;
  Buffer.alloc = spy(originals.alloc);
  Buffer.allocUnsafe = spy(originals.allocUnsafe);
  Buffer.allocUnsafeSlow = spy(originals.allocUnsafeSlow);
  try {
    return { result: await work(), largest };
  } finally {
    Object.assign(Buffer, originals);
  }
}

/** Fails the test unless `outcome` is the error `code` (and, given, with `where` in its message). */
export function expectError<T>(outcome: Outcome<T>, code: string, where?: string): BackupError {
  expect(outcome.ok, "the decoder accepted damaged bytes").to.equal(false);
  const { error } = outcome as { error: BackupError };
  expect(error.code, error.message).to.equal(code);
  if (where !== undefined) expect(error.message).to.contain(where);
  return error;
}

export async function assertProperty<Ts extends [unknown, ...unknown[]]>(arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, runs: number, check: (...args: Ts) => Promise<void>): Promise<void> {
  await fc.assert(fc.asyncProperty(...arbs, check), { numRuns: runs });
}
