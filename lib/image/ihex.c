/*
 * Intel HEX reader (Intel "Hexadecimal Object File Format Specification",
 * rev. A, 1988): records ":LLAAAATT<data>CC" of types
 *   00 data, 01 end of file, 02 extended segment address (base = value << 4,
 *   offsets wrap within 64 KiB), 03 start segment address (CS:IP),
 *   04 extended linear address (base = value << 16), 05 start linear address.
 */
#include <string.h>

#include "image_internal.h"

enum { IHEX_MAX_RECORD = 5 + 255 };

typedef struct ihex_state {
  swdf__image_builder *b;
  uint64_t line;
  uint32_t base;
  int segment_mode; /* last base came from a type 02 record */
  int eof;
} ihex_state;

typedef swdf_err (*ihex_handler)(ihex_state *s, uint16_t offset, const uint8_t *data, uint8_t len);

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

static swdf_err on_data(ihex_state *s, uint16_t offset, const uint8_t *data, uint8_t len) {
  if (s->segment_mode && (uint32_t)offset + len > 0x10000u) {
    /* Offsets within a segment wrap at 64 KiB (spec, type 02). */
    size_t first = 0x10000u - offset;
    swdf_err err = swdf__builder_add(s->b, s->base + offset, data, first, s->line);
    if (err != SWDF_OK) {
      return err;
    }
    return swdf__builder_add(s->b, s->base, data + first, len - first, s->line);
  }
  return swdf__builder_add(s->b, s->base + offset, data, len, s->line);
}

static swdf_err on_eof(ihex_state *s, uint16_t offset, const uint8_t *data, uint8_t len) {
  (void)offset, (void)data, (void)len;
  s->eof = 1;
  return SWDF_OK;
}

static swdf_err on_segment_base(ihex_state *s, uint16_t offset, const uint8_t *data, uint8_t len) {
  (void)offset, (void)len;
  s->base = be16(data) << 4;
  s->segment_mode = 1;
  return SWDF_OK;
}

static swdf_err on_segment_start(ihex_state *s, uint16_t offset, const uint8_t *data, uint8_t len) {
  (void)offset, (void)len;
  s->b->has_entry = 1;
  s->b->entry = (be16(data) << 4) + be16(data + 2);
  return SWDF_OK;
}

static swdf_err on_linear_base(ihex_state *s, uint16_t offset, const uint8_t *data, uint8_t len) {
  (void)offset, (void)len;
  s->base = be16(data) << 16;
  s->segment_mode = 0;
  return SWDF_OK;
}

static swdf_err on_linear_start(ihex_state *s, uint16_t offset, const uint8_t *data, uint8_t len) {
  (void)offset, (void)len;
  s->b->has_entry = 1;
  s->b->entry = be32(data);
  return SWDF_OK;
}

static const struct {
  const char *name;
  int data_len; /* required number of data bytes, -1: any */
  ihex_handler handle;
} record_types[] = {
    [0x00] = {"data", -1, on_data},
    [0x01] = {"end of file", 0, on_eof},
    [0x02] = {"extended segment address", 2, on_segment_base},
    [0x03] = {"start segment address", 4, on_segment_start},
    [0x04] = {"extended linear address", 2, on_linear_base},
    [0x05] = {"start linear address", 4, on_linear_start},
};

static swdf_err bad_char(ihex_state *s, const char *line, size_t column) {
  unsigned char c = (unsigned char)line[column];
  if (c >= 0x20 && c < 0x7f) {
    return swdf__image_fail(s->b, s->line, "'%c' at column %zu is not a hex digit", c, column + 1);
  }
  return swdf__image_fail(s->b, s->line, "byte 0x%02X at column %zu is not a hex digit", c,
                          column + 1);
}

static swdf_err read_record(ihex_state *s, const char *line, size_t len) {
  if (s->eof) {
    return swdf__image_fail(s->b, s->line, "data after the end-of-file record");
  }
  if (line[0] != ':') {
    return swdf__image_fail(s->b, s->line,
                            "a record must start with ':' (is this an Intel HEX file?)");
  }
  size_t digits = len - 1;
  if (digits % 2 != 0) {
    return swdf__image_fail(s->b, s->line, "odd number of hex digits (%zu): truncated record",
                            digits);
  }
  size_t count = digits / 2;
  if (count < 5) {
    return swdf__image_fail(s->b, s->line, "record of %zu bytes is too short (truncated?)", count);
  }
  if (count > IHEX_MAX_RECORD) {
    return swdf__image_fail(s->b, s->line, "record of %zu bytes is longer than any valid record",
                            count);
  }
  uint8_t rec[IHEX_MAX_RECORD];
  long bad = swdf__decode_hex(line + 1, count, rec);
  if (bad >= 0) {
    return bad_char(s, line, (size_t)bad + 1);
  }
  uint8_t data_len = rec[0];
  if (count != 5u + data_len) {
    return swdf__image_fail(s->b, s->line,
                            "length byte says %u data bytes but the record holds %zu%s", data_len,
                            count - 5, count < 5u + data_len ? " (truncated?)" : "");
  }
  uint8_t sum = 0;
  for (size_t i = 0; i + 1 < count; i++) {
    sum = (uint8_t)(sum + rec[i]);
  }
  uint8_t want = (uint8_t)(0x100 - sum);
  if (rec[count - 1] != want) {
    char range[48] = "";
    if (rec[3] == 0 && data_len > 0) {
      swdf__format_range(range, sizeof(range), s->base + be16(rec + 1), data_len);
    }
    return swdf__image_fail(s->b, s->line, "checksum is 0x%02X, expected 0x%02X%s%s%s",
                            rec[count - 1], want, range[0] != '\0' ? " (data for " : "", range,
                            range[0] != '\0' ? ")" : "");
  }
  uint8_t type = rec[3];
  if (type >= SWDF_ARRAY_LEN(record_types)) {
    return swdf__image_fail(s->b, s->line, "unknown record type 0x%02X", type);
  }
  if (record_types[type].data_len >= 0 && data_len != record_types[type].data_len) {
    return swdf__image_fail(s->b, s->line, "%s record (type %02X) must hold %d data bytes, not %u",
                            record_types[type].name, type, record_types[type].data_len, data_len);
  }
  return record_types[type].handle(s, (uint16_t)be16(rec + 1), rec + 4, data_len);
}

static swdf_err on_line(void *state, uint64_t line, const char *text, size_t len) {
  ihex_state *s = state;
  s->line = line;
  return read_record(s, text, len);
}

swdf_err swdf__read_ihex(swdf__image_builder *b, const uint8_t *bytes, size_t len) {
  ihex_state s = {.b = b};
  uint64_t last_line = 0;
  swdf_err err = swdf__read_records(bytes, len, on_line, &s, &last_line);
  if (err == SWDF_OK && !s.eof) {
    err = swdf__image_fail(b, last_line,
                           "the file ends without an end-of-file record (type 01): truncated?");
  }
  return err;
}
