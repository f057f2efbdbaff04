/*
 * stk_msgpack_rows(v1, ..., vN): an SQLite aggregate returning the rows it
 * is fed as msgpack arrays back to back: byte for byte what packRows
 * (src/snapshot/values.ts) writes for the values better-sqlite3 reads, so
 * the snapshot of a SQLite file needs no JavaScript value per column
 * (src/snapshot/sqlitePages.ts). Turning values into JavaScript ones
 * was two thirds of a snapshot's time.
 *
 * Returns NULL when a text is not valid UTF-8 (JavaScript would have
 * replaced the bad bytes, so the bytes would differ): the caller reads that
 * page the JavaScript way. The row order is the caller's: ORDER BY inside
 * the call, or stk_msgpack_ordered below.
 *
 * Built at install by native/build.js; where it cannot be built, snapshots
 * take the JavaScript way, with the same result.
 */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

typedef struct {
  unsigned char *data;
  sqlite3_int64 len, cap;
  int invalid; /* a text that is not UTF-8, rows out of order, or out of memory */
  int started;
  sqlite3_int64 previous; /* stk_msgpack_ordered: the last key seen */
} Buf;

static int reserve(Buf *b, sqlite3_int64 n) {
  if (b->len + n <= b->cap) return 1;
  sqlite3_int64 cap = b->cap ? b->cap * 2 : 65536;
  while (cap < b->len + n) cap *= 2;
  unsigned char *d = sqlite3_realloc64(b->data, (sqlite3_uint64)cap);
  if (!d) { b->invalid = 1; return 0; }
  b->data = d;
  b->cap = cap;
  return 1;
}

static void put1(Buf *b, unsigned c) { b->data[b->len++] = (unsigned char)c; }
static void putBE(Buf *b, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) put1(b, (unsigned)(v >> (8 * i)) & 0xff);
}

/* A JavaScript number as msgpackr writes it: an integer of 32 bits or less as the smallest msgpack integer, anything else as float64. */
static void putNumber(Buf *b, double d) {
  if (d == 0 && signbit(d)) { put1(b, 0xc7); put1(b, 0x00); put1(b, 0x2d); return; } /* -0: the NEGATIVE_ZERO extension */
  if (d >= 0 && d <= 4294967295.0 && d == floor(d)) {
    uint32_t u = (uint32_t)d;
    if (u < 0x80) put1(b, u);
    else if (u < 0x100) { put1(b, 0xcc); putBE(b, u, 1); }
    else if (u < 0x10000) { put1(b, 0xcd); putBE(b, u, 2); }
    else { put1(b, 0xce); putBE(b, u, 4); }
    return;
  }
  if (d < 0 && d >= -2147483648.0 && d == floor(d)) {
    int32_t i = (int32_t)d;
    if (i >= -32) put1(b, (unsigned)(i & 0xff));
    else if (i >= -128) { put1(b, 0xd0); putBE(b, (uint8_t)i, 1); }
    else if (i >= -32768) { put1(b, 0xd1); putBE(b, (uint16_t)i, 2); }
    else { put1(b, 0xd2); putBE(b, (uint32_t)i, 4); }
    return;
  }
  uint64_t bits;
  memcpy(&bits, &d, 8);
  put1(b, 0xcb);
  putBE(b, bits, 8);
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF): what V8 decodes without replacing anything. */
static int validUtf8(const unsigned char *s, sqlite3_int64 n) {
  sqlite3_int64 i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) { i++; continue; }
    int len; unsigned min, cp;
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (i + len > n) return 0;
    for (int k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += len;
  }
  return 1;
}

static void putRow(Buf *b, int argc, sqlite3_value **argv) {
  if (!reserve(b, 5)) return;
  if (argc < 16) put1(b, 0x90 | (unsigned)argc);
  else if (argc < 0x10000) { put1(b, 0xdc); putBE(b, (unsigned)argc, 2); }
  else { put1(b, 0xdd); putBE(b, (unsigned)argc, 4); }
  for (int i = 0; i < argc; i++) {
    sqlite3_value *v = argv[i];
    switch (sqlite3_value_type(v)) {
      case SQLITE_INTEGER: {
        sqlite3_int64 x = sqlite3_value_int64(v);
        if (!reserve(b, 9)) return;
        /* Beyond +-(2^53 - 1) the reader keeps a BigInt, which msgpackr writes as int64. */
        if (x > 9007199254740991LL || x < -9007199254740991LL) { put1(b, 0xd3); putBE(b, (uint64_t)x, 8); }
        else putNumber(b, (double)x);
        break;
      }
      case SQLITE_FLOAT:
        if (!reserve(b, 9)) return;
        putNumber(b, sqlite3_value_double(v));
        break;
      case SQLITE_TEXT: {
        const unsigned char *s = sqlite3_value_text(v);
        sqlite3_int64 n = sqlite3_value_bytes(v);
        if ((!s && n > 0) || !validUtf8(s, n)) { b->invalid = 1; return; }
        if (!reserve(b, n + 5)) return;
        if (n < 32) put1(b, 0xa0 | (unsigned)n);
        else if (n < 0x100) { put1(b, 0xd9); putBE(b, (uint64_t)n, 1); }
        else if (n < 0x10000) { put1(b, 0xda); putBE(b, (uint64_t)n, 2); }
        else { put1(b, 0xdb); putBE(b, (uint64_t)n, 4); }
        memcpy(b->data + b->len, s, (size_t)n);
        b->len += n;
        break;
      }
      case SQLITE_BLOB: {
        const void *p = sqlite3_value_blob(v);
        sqlite3_int64 n = sqlite3_value_bytes(v);
        if (!reserve(b, n + 5)) return;
        if (n < 0x100) { put1(b, 0xc4); putBE(b, (uint64_t)n, 1); }
        else if (n < 0x10000) { put1(b, 0xc5); putBE(b, (uint64_t)n, 2); }
        else { put1(b, 0xc6); putBE(b, (uint64_t)n, 4); }
        if (n > 0) memcpy(b->data + b->len, p, (size_t)n);
        b->len += n;
        break;
      }
      default:
        if (!reserve(b, 1)) return;
        put1(b, 0xc0);
    }
  }
}

static void rowsStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Buf *b = sqlite3_aggregate_context(ctx, sizeof(Buf));
  if (b && !b->invalid) putRow(b, argc, argv);
}

/*
 * stk_msgpack_ordered(key, v1, ..., vN): stk_msgpack_rows(v1, ..., vN) for
 * rows that must come in strictly increasing integer `key` order (a rowid
 * range read off the table's b-tree): NULL when they do not, so a query
 * plan that feeds them in another order is caught, not trusted.
 */
static void orderedStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Buf *b = sqlite3_aggregate_context(ctx, sizeof(Buf));
  if (!b || b->invalid) return;
  if (argc < 1) { b->invalid = 1; return; }
  sqlite3_int64 key = sqlite3_value_int64(argv[0]);
  if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER || (b->started && key <= b->previous)) { b->invalid = 1; return; }
  b->started = 1;
  b->previous = key;
  putRow(b, argc - 1, argv + 1);
}

static void rowsFinal(sqlite3_context *ctx) {
  Buf *b = sqlite3_aggregate_context(ctx, 0);
  if (!b || !b->data) { sqlite3_result_null(ctx); return; }
  if (b->invalid) { sqlite3_free(b->data); sqlite3_result_null(ctx); return; }
  sqlite3_result_blob64(ctx, b->data, (sqlite3_uint64)b->len, sqlite3_free);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  (void)err;
  int rc = sqlite3_create_function(db, "stk_msgpack_rows", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, 0, rowsStep, rowsFinal);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "stk_msgpack_ordered", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, 0, orderedStep, rowsFinal);
  return rc;
}
