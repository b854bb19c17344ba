/*
 * DEFLATE decoder written from RFC 1951 (block types, canonical Huffman
 * codes, length/distance tables in §3.2.5) and RFC 1950 (zlib header and
 * Adler-32).
 */
#include <string.h>

#include "bootcheck/inflate.h"

enum { MAX_BITS = 15, MAX_LIT_CODES = 288, MAX_DIST_CODES = 30 };

typedef struct bit_reader {
  const uint8_t *in;
  size_t len;
  size_t pos;
  uint32_t buf;
  unsigned count;
  uint8_t *out;
  size_t out_max;
  size_t out_len;
} bit_reader;

/* A canonical Huffman code: how many codes of each length, and the symbols
 * in code order. */
typedef struct huffman {
  uint16_t counts[MAX_BITS + 1];
  uint16_t symbols[MAX_LIT_CODES];
} huffman;

static int need(bit_reader *r, unsigned n) {
  while (r->count < n) {
    if (r->pos >= r->len) {
      return SWDF_INFLATE_TRUNCATED;
    }
    r->buf |= (uint32_t)r->in[r->pos++] << r->count;
    r->count += 8;
  }
  return SWDF_INFLATE_OK;
}

/* The next n bits (n <= 16), or a negative result. */
static int32_t bits(bit_reader *r, unsigned n) {
  int e = need(r, n);
  if (e != SWDF_INFLATE_OK) {
    return e;
  }
  uint32_t v = r->buf & ((1u << n) - 1u);
  r->buf >>= n;
  r->count -= n;
  return (int32_t)v;
}

/* Build a code from code lengths; false for an over-subscribed set. */
static int build(huffman *h, const uint8_t *lengths, unsigned n) {
  uint16_t offsets[MAX_BITS + 2];
  memset(h->counts, 0, sizeof(h->counts));
  for (unsigned s = 0; s < n; s++) {
    h->counts[lengths[s]]++;
  }
  int left = 1;
  for (unsigned len = 1; len <= MAX_BITS; len++) {
    left = left * 2 - h->counts[len];
    if (left < 0) {
      return 0;
    }
  }
  offsets[1] = 0;
  for (unsigned len = 1; len <= MAX_BITS; len++) {
    offsets[len + 1] = (uint16_t)(offsets[len] + h->counts[len]);
  }
  for (unsigned s = 0; s < n; s++) {
    if (lengths[s] != 0) {
      h->symbols[offsets[lengths[s]]++] = (uint16_t)s;
    }
  }
  return 1;
}

/* Decode one symbol, reading the code bit by bit (codes are stored
 * most-significant bit first, RFC 1951 §3.1.1). */
static int32_t decode(bit_reader *r, const huffman *h) {
  int32_t code = 0, first = 0, index = 0;
  for (unsigned len = 1; len <= MAX_BITS; len++) {
    int32_t b = bits(r, 1);
    if (b < 0) {
      return b;
    }
    code |= b;
    int32_t count = h->counts[len];
    if (code - first < count) {
      return h->symbols[index + code - first];
    }
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return SWDF_INFLATE_BAD_DATA;
}

static const uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,
                                         15, 17, 19, 23, 27, 31, 35, 43, 51,  59,
                                         67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                         2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,
                                       17,   25,   33,   49,   65,   97,    129,   193,
                                       257,  385,  513,  769,  1025, 1537,  2049,  3073,
                                       4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static int put(bit_reader *r, uint8_t byte) {
  if (r->out_len >= r->out_max) {
    return SWDF_INFLATE_TOO_BIG;
  }
  r->out[r->out_len++] = byte;
  return SWDF_INFLATE_OK;
}

static int codes(bit_reader *r, const huffman *lit, const huffman *dist) {
  for (;;) {
    int32_t sym = decode(r, lit);
    if (sym < 0) {
      return sym;
    }
    if (sym < 256) {
      int e = put(r, (uint8_t)sym);
      if (e != SWDF_INFLATE_OK) {
        return e;
      }
      continue;
    }
    if (sym == 256) {
      return SWDF_INFLATE_OK;
    }
    sym -= 257;
    if (sym >= 29) {
      return SWDF_INFLATE_BAD_DATA;
    }
    int32_t extra = bits(r, length_extra[sym]);
    if (extra < 0) {
      return extra;
    }
    size_t len = length_base[sym] + (size_t)extra;
    int32_t dsym = decode(r, dist);
    if (dsym < 0) {
      return dsym;
    }
    if (dsym >= 30) {
      return SWDF_INFLATE_BAD_DATA;
    }
    int32_t dextra = bits(r, dist_extra[dsym]);
    if (dextra < 0) {
      return dextra;
    }
    size_t distance = dist_base[dsym] + (size_t)dextra;
    if (distance > r->out_len) {
      return SWDF_INFLATE_BAD_DATA;
    }
    for (size_t i = 0; i < len; i++) {
      int e = put(r, r->out[r->out_len - distance]);
      if (e != SWDF_INFLATE_OK) {
        return e;
      }
    }
  }
}

static int stored(bit_reader *r) {
  r->buf = 0; /* drop the rest of the current byte */
  r->count = 0;
  if (r->pos + 4 > r->len) {
    return SWDF_INFLATE_TRUNCATED;
  }
  unsigned len = r->in[r->pos] | (unsigned)r->in[r->pos + 1] << 8;
  unsigned nlen = r->in[r->pos + 2] | (unsigned)r->in[r->pos + 3] << 8;
  r->pos += 4;
  if (len != (~nlen & 0xFFFFu)) {
    return SWDF_INFLATE_BAD_DATA;
  }
  if (r->pos + len > r->len) {
    return SWDF_INFLATE_TRUNCATED;
  }
  if (r->out_len + len > r->out_max) {
    return SWDF_INFLATE_TOO_BIG;
  }
  memcpy(r->out + r->out_len, r->in + r->pos, len);
  r->out_len += len;
  r->pos += len;
  return SWDF_INFLATE_OK;
}

static int fixed(bit_reader *r) {
  uint8_t lengths[MAX_LIT_CODES];
  huffman lit, dist;
  unsigned s = 0;
  for (; s < 144; s++) {
    lengths[s] = 8;
  }
  for (; s < 256; s++) {
    lengths[s] = 9;
  }
  for (; s < 280; s++) {
    lengths[s] = 7;
  }
  for (; s < MAX_LIT_CODES; s++) {
    lengths[s] = 8;
  }
  build(&lit, lengths, MAX_LIT_CODES);
  for (s = 0; s < MAX_DIST_CODES; s++) {
    lengths[s] = 5;
  }
  build(&dist, lengths, MAX_DIST_CODES);
  return codes(r, &lit, &dist);
}

static int dynamic(bit_reader *r) {
  static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
                                    11, 4,  12, 3, 13, 2, 14, 1, 15};
  int32_t nlen = bits(r, 5), ndist = bits(r, 5), ncode = bits(r, 4);
  if (nlen < 0 || ndist < 0 || ncode < 0) {
    return SWDF_INFLATE_TRUNCATED;
  }
  nlen += 257;
  ndist += 1;
  ncode += 4;
  if (nlen > 286 || ndist > MAX_DIST_CODES) {
    return SWDF_INFLATE_BAD_DATA;
  }
  uint8_t lengths[MAX_LIT_CODES + MAX_DIST_CODES] = {0};
  for (int32_t i = 0; i < ncode; i++) {
    int32_t v = bits(r, 3);
    if (v < 0) {
      return v;
    }
    lengths[order[i]] = (uint8_t)v;
  }
  huffman lencode, lit, dist;
  if (!build(&lencode, lengths, 19)) {
    return SWDF_INFLATE_BAD_DATA;
  }
  memset(lengths, 0, sizeof(lengths));
  for (int32_t i = 0; i < nlen + ndist;) {
    int32_t sym = decode(r, &lencode);
    if (sym < 0) {
      return sym;
    }
    if (sym < 16) {
      lengths[i++] = (uint8_t)sym;
      continue;
    }
    uint8_t value = 0;
    int32_t repeat;
    if (sym == 16) {
      if (i == 0) {
        return SWDF_INFLATE_BAD_DATA;
      }
      value = lengths[i - 1];
      repeat = bits(r, 2);
      repeat = repeat < 0 ? repeat : 3 + repeat;
    } else if (sym == 17) {
      repeat = bits(r, 3);
      repeat = repeat < 0 ? repeat : 3 + repeat;
    } else {
      repeat = bits(r, 7);
      repeat = repeat < 0 ? repeat : 11 + repeat;
    }
    if (repeat < 0) {
      return repeat;
    }
    if (i + repeat > nlen + ndist) {
      return SWDF_INFLATE_BAD_DATA;
    }
    while (repeat-- > 0) {
      lengths[i++] = value;
    }
  }
  if (lengths[256] == 0) {
    return SWDF_INFLATE_BAD_DATA; /* no end-of-block code */
  }
  if (!build(&lit, lengths, (unsigned)nlen) || !build(&dist, lengths + nlen, (unsigned)ndist)) {
    return SWDF_INFLATE_BAD_DATA;
  }
  return codes(r, &lit, &dist);
}

static uint32_t adler32(const uint8_t *p, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; i++) {
    a = (a + p[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  return b << 16 | a;
}

int swdf__zlib_header_ok(const uint8_t *p) {
  return (p[0] & 0x0F) == 8 && (p[0] >> 4) <= 7 && (p[1] & 0x20) == 0 &&
         ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

swdf_inflate_result swdf__zlib_inflate(uint8_t *out, size_t out_max, size_t *out_len,
                                       const uint8_t *in, size_t in_len, size_t *in_used) {
  *out_len = 0;
  if (in_len < 2 || !swdf__zlib_header_ok(in)) {
    return SWDF_INFLATE_BAD_HEADER;
  }
  bit_reader r = {in, in_len, 2, 0, 0, out, out_max, 0};
  int last;
  do {
    int32_t head = bits(&r, 3);
    if (head < 0) {
      return (swdf_inflate_result)head;
    }
    last = head & 1;
    int type = head >> 1;
    int e = type == 0   ? stored(&r)
            : type == 1 ? fixed(&r)
            : type == 2 ? dynamic(&r)
                        : SWDF_INFLATE_BAD_DATA;
    *out_len = r.out_len;
    if (e != SWDF_INFLATE_OK) {
      return (swdf_inflate_result)e;
    }
  } while (!last);
  if (r.pos + 4 > r.len) {
    return SWDF_INFLATE_TRUNCATED;
  }
  uint32_t check = (uint32_t)in[r.pos] << 24 | (uint32_t)in[r.pos + 1] << 16 |
                   (uint32_t)in[r.pos + 2] << 8 | in[r.pos + 3];
  if (check != adler32(out, r.out_len)) {
    return SWDF_INFLATE_BAD_CHECK;
  }
  if (in_used != NULL) {
    *in_used = r.pos + 4;
  }
  return SWDF_INFLATE_OK;
}
