/*
 * Motorola S-record reader (srec(5)): "S" type count address data checksum,
 * where count covers address, data and checksum, and the checksum is the
 * ones' complement of the low byte of the sum of count, address and data.
 *   S0 header, S1/S2/S3 data with 16/24/32-bit addresses, S4 reserved,
 *   S5/S6 16/24-bit count of the data records so far,
 *   S7/S8/S9 end of block with a 32/24/16-bit start address.
 */
#include "image_internal.h"

enum { SREC_MAX_RECORD = 1 + 255 };

typedef struct srec_state {
  swdf__image_builder *b;
  uint64_t line;
  uint64_t data_records;
  int ended;
} srec_state;

typedef enum srec_kind { SREC_HEADER, SREC_DATA, SREC_COUNT, SREC_START, SREC_RESERVED } srec_kind;

static const struct {
  srec_kind kind;
  uint8_t addr_len;
} record_types[10] = {
    [0] = {SREC_HEADER, 2},   [1] = {SREC_DATA, 2},  [2] = {SREC_DATA, 3},  [3] = {SREC_DATA, 4},
    [4] = {SREC_RESERVED, 0}, [5] = {SREC_COUNT, 2}, [6] = {SREC_COUNT, 3}, [7] = {SREC_START, 4},
    [8] = {SREC_START, 3},    [9] = {SREC_START, 2},
};

static swdf_err check_record(srec_state *s, int type, const char *line, size_t len, uint8_t *rec,
                             size_t *rec_len) {
  size_t digits = len - 2;
  if (digits % 2 != 0) {
    return swdf__image_fail(s->b, s->line, "odd number of hex digits (%zu): truncated record",
                            digits);
  }
  size_t count = digits / 2;
  if (count < 1 || count > SREC_MAX_RECORD) {
    return swdf__image_fail(s->b, s->line, "record of %zu bytes cannot be valid", count);
  }
  long bad = swdf__decode_hex(line + 2, count, rec);
  if (bad >= 0) {
    unsigned char c = (unsigned char)line[2 + bad];
    return swdf__image_fail(s->b, s->line, "byte 0x%02X ('%c') at column %ld is not a hex digit", c,
                            c >= 0x20 && c < 0x7f ? c : '?', bad + 3);
  }
  if (rec[0] != count - 1) {
    return swdf__image_fail(s->b, s->line,
                            "count byte says %u bytes follow but the record holds %zu%s", rec[0],
                            count - 1, count - 1 < rec[0] ? " (truncated?)" : "");
  }
  uint8_t sum = 0;
  for (size_t i = 0; i + 1 < count; i++) {
    sum = (uint8_t)(sum + rec[i]);
  }
  uint8_t want = (uint8_t)~sum;
  if (rec[count - 1] != want) {
    char range[48] = "";
    size_t addr_len = record_types[type].addr_len;
    if (record_types[type].kind == SREC_DATA && count > 2 + addr_len) {
      uint32_t addr = 0;
      for (size_t i = 0; i < addr_len; i++) {
        addr = addr << 8 | rec[1 + i];
      }
      swdf__format_range(range, sizeof(range), addr, count - 2 - addr_len);
    }
    return swdf__image_fail(s->b, s->line, "checksum is 0x%02X, expected 0x%02X%s%s%s",
                            rec[count - 1], want, range[0] != '\0' ? " (data for " : "", range,
                            range[0] != '\0' ? ")" : "");
  }
  *rec_len = count;
  return SWDF_OK;
}

static swdf_err read_record(srec_state *s, const char *line, size_t len) {
  if (line[0] != 'S' && line[0] != 's') {
    return swdf__image_fail(s->b, s->line,
                            "a record must start with 'S' (is this an S-record file?)");
  }
  if (len < 2 || line[1] < '0' || line[1] > '9') {
    return swdf__image_fail(s->b, s->line, "record type must be a digit 0-9");
  }
  int type = line[1] - '0';
  if (s->ended) {
    return swdf__image_fail(s->b, s->line, "S%d record after the S7/S8/S9 end record", type);
  }
  if (record_types[type].kind == SREC_RESERVED) {
    return swdf__image_fail(s->b, s->line, "S%d is a reserved record type", type);
  }
  uint8_t rec[SREC_MAX_RECORD];
  size_t rec_len = 0;
  swdf_err err = check_record(s, type, line, len, rec, &rec_len);
  if (err != SWDF_OK) {
    return err;
  }
  size_t addr_len = record_types[type].addr_len;
  if (rec_len < 2 + addr_len) {
    return swdf__image_fail(s->b, s->line, "S%d record too short for its %zu-byte address", type,
                            addr_len);
  }
  uint32_t value = 0;
  for (size_t i = 0; i < addr_len; i++) {
    value = value << 8 | rec[1 + i];
  }
  const uint8_t *data = rec + 1 + addr_len;
  size_t data_len = rec_len - 2 - addr_len;
  switch (record_types[type].kind) {
  case SREC_DATA:
    s->data_records++;
    return swdf__builder_add(s->b, value, data, data_len, s->line);
  case SREC_COUNT:
    if (data_len != 0) {
      return swdf__image_fail(s->b, s->line, "S%d count record carries data", type);
    }
    if (value != (uint32_t)s->data_records) {
      return swdf__image_fail(s->b, s->line,
                              "count record says %u data records, the file has %llu so far "
                              "(records lost or duplicated?)",
                              (unsigned)value, (unsigned long long)s->data_records);
    }
    return SWDF_OK;
  case SREC_START:
    if (data_len != 0) {
      return swdf__image_fail(s->b, s->line, "S%d end record carries data", type);
    }
    s->b->has_entry = 1;
    s->b->entry = value;
    s->ended = 1;
    return SWDF_OK;
  case SREC_HEADER:
  case SREC_RESERVED:
    break;
  }
  return SWDF_OK;
}

static swdf_err on_line(void *state, uint64_t line, const char *text, size_t len) {
  srec_state *s = state;
  s->line = line;
  return read_record(s, text, len);
}

swdf_err swdf__read_srec(swdf__image_builder *b, const uint8_t *bytes, size_t len) {
  srec_state s = {.b = b};
  uint64_t last_line = 0;
  swdf_err err = swdf__read_records(bytes, len, on_line, &s, &last_line);
  if (err == SWDF_OK && !s.ended) {
    err =
        swdf__image_fail(b, last_line, "the file ends without an S7/S8/S9 end record: truncated?");
  }
  return err;
}
