/**
 * msgpackr speeds up decoding long strings with an optional native addon
 * (msgpackr-extract, installed with it). Our frames and blocks hold many
 * short strings (PostgreSQL values are their text), which that path decodes
 * more slowly: a snapshot of a PostgreSQL database restored 25% faster, and
 * exported almost 2x faster, without it. msgpackr reads this switch once,
 * when it is first loaded, so msgpack.ts imports this module before it; a
 * user's own setting of the variable wins.
 */
process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= "true";

export {};
