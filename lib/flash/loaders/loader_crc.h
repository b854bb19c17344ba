/*
 * CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32) four bytes at a
 * time with four tables ("slicing by 4"), and a blank check. Plain C with
 * no hardware access, so the host's unit tests run the same code as the
 * loader.
 */
#ifndef SWDF_LOADER_CRC_H
#define SWDF_LOADER_CRC_H

#include <stddef.h>
#include <stdint.h>

#define SWDF_CRC32_POLY 0xedb88320u

/* Fill tables[4][256]: tables[0] is the classic byte table, tables[k][i]
 * advances tables[k-1][i] by one more zero byte. */
static inline void swdf_crc32_tables_init(uint32_t (*tables)[256]) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int b = 0; b < 8; b++) {
      c = (c >> 1) ^ (SWDF_CRC32_POLY & (0u - (c & 1u)));
    }
    tables[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++) {
    for (int k = 1; k < 4; k++) {
      uint32_t prev = tables[k - 1][i];
      tables[k][i] = (prev >> 8) ^ tables[0][prev & 0xffu];
    }
  }
}

/* Continue a CRC over `len` bytes; `crc` is the running (inverted) value:
 * start with 0xffffffff and invert the final value. */
static inline uint32_t swdf_crc32_run(const uint32_t (*tables)[256], uint32_t crc, const uint8_t *p,
                                      size_t len) {
  while (len > 0 && ((uintptr_t)p & 3u) != 0) {
    crc = (crc >> 8) ^ tables[0][(crc ^ *p++) & 0xffu];
    len--;
  }
  const uint32_t *w = (const uint32_t *)(const void *)p;
  for (; len >= 4; len -= 4) {
    crc ^= *w++; /* little-endian: the first byte lands in the low bits */
    crc = tables[3][crc & 0xffu] ^ tables[2][(crc >> 8) & 0xffu] ^ tables[1][(crc >> 16) & 0xffu] ^
          tables[0][crc >> 24];
  }
  p = (const uint8_t *)w;
  while (len-- > 0) {
    crc = (crc >> 8) ^ tables[0][(crc ^ *p++) & 0xffu];
  }
  return crc;
}

/* Offset of the first byte that is not 0xff, or `len` when all are. */
static inline size_t swdf_first_not_blank(const uint8_t *p, size_t len) {
  size_t i = 0;
  while (i < len && ((uintptr_t)(p + i) & 3u) != 0) {
    if (p[i] != 0xffu) {
      return i;
    }
    i++;
  }
  /* Whole words, eight at a time (one load-multiple on the target): AND
   * them together first, look closer only on a miss. */
  while (len - i >= 32) {
    const uint32_t *w = (const uint32_t *)(const void *)(p + i);
    if ((w[0] & w[1] & w[2] & w[3] & w[4] & w[5] & w[6] & w[7]) != 0xffffffffu) {
      break;
    }
    i += 32;
  }
  for (; i < len; i++) {
    if (p[i] != 0xffu) {
      return i;
    }
  }
  return len;
}

#endif
