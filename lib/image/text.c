/* Line and hex-digit helpers for the text image formats. */
#include "image_internal.h"

static int is_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

int swdf__next_line(swdf__line_reader *r, const char **line, size_t *len) {
  if (r->pos >= r->len) {
    return 0;
  }
  size_t start = r->pos;
  size_t end = start;
  while (end < r->len && r->bytes[end] != '\n' && r->bytes[end] != '\r') {
    end++;
  }
  r->pos = end;
  if (r->pos < r->len && r->bytes[r->pos] == '\r') {
    r->pos++;
  }
  if (r->pos < r->len && r->bytes[r->pos] == '\n') {
    r->pos++;
  }
  r->number++;
  while (start < end && is_blank(r->bytes[start])) {
    start++;
  }
  while (end > start && is_blank(r->bytes[end - 1])) {
    end--;
  }
  *line = (const char *)r->bytes + start;
  *len = end - start;
  return 1;
}

swdf_err swdf__read_records(const uint8_t *bytes, size_t len, swdf__record_fn record, void *state,
                            uint64_t *last_line) {
  swdf__line_reader r = {.bytes = bytes, .len = len};
  const char *line;
  size_t line_len;
  swdf_err err = SWDF_OK;
  while (err == SWDF_OK && swdf__next_line(&r, &line, &line_len)) {
    if (line_len > 0) {
      err = record(state, r.number, line, line_len);
    }
  }
  *last_line = r.number;
  return err;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

long swdf__decode_hex(const char *text, size_t count, uint8_t *out) {
  for (size_t i = 0; i < count; i++) {
    int hi = hex_value(text[2 * i]);
    if (hi < 0) {
      return (long)(2 * i);
    }
    int lo = hex_value(text[2 * i + 1]);
    if (lo < 0) {
      return (long)(2 * i + 1);
    }
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return -1;
}
