#include "fake_usb.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum { MAX_BYTES = 8192, DRAIN_TIMEOUT_LIMIT_MS = 10 };

typedef enum step_kind { STEP_CMD, STEP_DATA, STEP_REPLY, STEP_FAIL_OUT, STEP_FAIL_IN } step_kind;

typedef struct step {
  step_kind kind;
  bool repeat; /* a polled command: may come again after its reply */
  uint8_t *bytes;
  size_t len;
  swdf_err fail;
  bool gone;
} step;

struct fake_usb {
  uint16_t pid;
  uint8_t serial[64];
  size_t serial_len;
  step *steps;
  size_t count;
  size_t cap;
  size_t next;
  char mismatch[512];
  fake_usb_stats stats;
  bool lenient_drain;
  size_t repeat_at; /* index + 1 of the last repeatable command consumed; 0: none */
  bool recording;   /* keep what every IN transfer returned (fake_usb_recording) */
  uint8_t *record;
  size_t record_len, record_cap;
};

typedef struct fake_handle {
  swdf_usb base;
  fake_usb *f;
} fake_handle;

/* ---- script ---------------------------------------------------------------- */

static void add_step(fake_usb *f, step s) {
  if (f->count == f->cap) {
    f->cap = f->cap != 0 ? f->cap * 2 : 64;
    f->steps = realloc(f->steps, f->cap * sizeof(*f->steps));
    assert_non_null(f->steps);
  }
  f->steps[f->count++] = s;
}

static size_t parse_bytes(uint8_t *out, const char *p) {
  size_t n = 0;
  while (*p != '\0') {
    while (isspace((unsigned char)*p)) {
      p++;
    }
    if (*p == '\0') {
      break;
    }
    if (*p == 'x') {
      char *end;
      unsigned long zeros = strtoul(p + 1, &end, 10);
      assert_true(n + zeros <= MAX_BYTES);
      memset(out + n, 0, zeros);
      n += zeros;
      p = end;
      continue;
    }
    char *end;
    unsigned long v = strtoul(p, &end, 16);
    assert_true(end != p && v <= 0xFF && n < MAX_BYTES);
    out[n++] = (uint8_t)v;
    p = end;
  }
  return n;
}

static swdf_err parse_failure(const char *word, bool *gone) {
  *gone = strncmp(word, "gone", 4) == 0;
  if (strncmp(word, "timeout", 7) == 0) {
    return SWDF_ERR_TIMEOUT;
  }
  return SWDF_ERR_USB;
}

static void script_line(fake_usb *f, const char *line) {
  while (isspace((unsigned char)*line)) {
    line++;
  }
  if (*line == '\0' || *line == '#') {
    return;
  }
  step s = {0};
  uint8_t buf[MAX_BYTES];
  if (strncmp(line, "! in ", 5) == 0 || strncmp(line, "! out ", 6) == 0) {
    bool in = line[2] == 'i';
    s.kind = in ? STEP_FAIL_IN : STEP_FAIL_OUT;
    s.fail = parse_failure(line + (in ? 5 : 6), &s.gone);
    add_step(f, s);
    return;
  }
  if (line[0] == '*' && line[1] == '>') {
    s.repeat = true;
    line++;
  }
  if (strncmp(line, ">>", 2) == 0) {
    s.kind = STEP_DATA;
    s.len = parse_bytes(buf, line + 2);
  } else if (line[0] == '>') {
    s.kind = STEP_CMD;
    memset(buf, 0, 16);
    size_t n = parse_bytes(buf, line + 1);
    assert_true(n <= 16);
    s.len = 16;
  } else if (line[0] == '<') {
    s.kind = STEP_REPLY;
    s.len = parse_bytes(buf, line + 1);
  } else {
    fail_msg("bad fake USB script line: %s", line);
  }
  s.bytes = malloc(s.len + 1);
  assert_non_null(s.bytes);
  memcpy(s.bytes, buf, s.len);
  add_step(f, s);
}

void fake_usb_script(fake_usb *f, const char *text) {
  char line[4 * MAX_BYTES];
  while (*text != '\0') {
    const char *nl = strchr(text, '\n');
    size_t n = nl != NULL ? (size_t)(nl - text) : strlen(text);
    assert_true(n < sizeof(line));
    memcpy(line, text, n);
    line[n] = '\0';
    script_line(f, line);
    text += n + (nl != NULL ? 1 : 0);
  }
}

void fake_usb_scriptf(fake_usb *f, const char *fmt, ...) {
  char text[4 * MAX_BYTES];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  fake_usb_script(f, text);
}

/* ---- the backend ------------------------------------------------------------- */

static void hex(char *out, size_t len, const uint8_t *b, size_t n) {
  size_t pos = 0;
  for (size_t i = 0; i < n && pos + 4 < len; i++) {
    pos += (size_t)snprintf(out + pos, len - pos, "%02X ", b[i]);
  }
}

static void mismatch(fake_usb *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void mismatch(fake_usb *f, const char *fmt, ...) {
  if (f->mismatch[0] != '\0') {
    return;
  }
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  snprintf(f->mismatch, sizeof(f->mismatch), "script step %zu: %s", f->next + 1, msg);
}

static swdf_err fake_out(swdf_usb *usb, uint8_t ep, const uint8_t *data, size_t len,
                         unsigned timeout_ms) {
  (void)ep;
  (void)timeout_ms;
  fake_usb *f = ((fake_handle *)usb)->f;
  f->stats.out_transfers++;
  if (f->next >= f->count) {
    char got[256] = "";
    hex(got, sizeof(got), data, len);
    mismatch(f, "unexpected OUT transfer after the script's end: %s", got);
    return SWDF_ERR_USB;
  }
  step *s = &f->steps[f->next];
  bool matches = (s->kind == STEP_CMD || s->kind == STEP_DATA) && s->len == len &&
                 memcmp(s->bytes, data, len) == 0;
  if (!matches && f->repeat_at != 0) {
    step *r = &f->steps[f->repeat_at - 1];
    if (r->len == len && memcmp(r->bytes, data, len) == 0) {
      f->next = f->repeat_at; /* the polled command again: replay its reply */
      return SWDF_OK;
    }
  }
  if (s->kind == STEP_FAIL_OUT) {
    f->next++;
    usb->gone = s->gone;
    return swdf__fail(usb->ctx, s->fail, NULL, "fake USB write failure");
  }
  if ((s->kind != STEP_CMD && s->kind != STEP_DATA) || s->len != len ||
      memcmp(s->bytes, data, len) != 0) {
    char got[256] = "";
    char want[256] = "";
    hex(got, sizeof(got), data, len);
    if (s->bytes != NULL) {
      hex(want, sizeof(want), s->bytes, s->len);
    }
    mismatch(f, "OUT %s, expected %s", got, s->kind <= STEP_DATA ? want : "an IN transfer");
    return swdf__fail(usb->ctx, SWDF_ERR_USB, NULL, "fake USB: transfer not in the script");
  }
  f->repeat_at = s->repeat ? f->next + 1 : 0;
  f->next++;
  return SWDF_OK;
}

/* The IN transfers as the ST-Link fuzz harness reads them (tests/fuzz/fuzz_stlink.c):
 * a length byte and the bytes; 0xFF the whole request, 0xFE a timeout, 0xFD an error. */
static void record_in(fake_usb *f, swdf_err err, const uint8_t *buf, size_t n, size_t cap) {
  if (!f->recording) {
    return;
  }
  size_t need = f->record_len + 1 + n;
  if (need > f->record_cap) {
    f->record_cap = need * 2;
    f->record = realloc(f->record, f->record_cap);
    assert_non_null(f->record);
  }
  if (err != SWDF_OK) {
    f->record[f->record_len++] = err == SWDF_ERR_TIMEOUT ? 0xFE : 0xFD;
    return;
  }
  f->record[f->record_len++] = n == cap || n >= 0xFD ? 0xFF : (uint8_t)n;
  memcpy(f->record + f->record_len, buf, n);
  f->record_len += n;
}

static swdf_err fake_in_step(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t cap, size_t *got,
                             unsigned timeout_ms);

static swdf_err fake_in(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t cap, size_t *got,
                        unsigned timeout_ms) {
  swdf_err err = fake_in_step(usb, ep, buf, cap, got, timeout_ms);
  record_in(((fake_handle *)usb)->f, err, buf, *got, cap);
  return err;
}

static swdf_err fake_in_step(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t cap, size_t *got,
                             unsigned timeout_ms) {
  (void)ep;
  fake_usb *f = ((fake_handle *)usb)->f;
  *got = 0;
  if (f->stats.in_transfers == 0 || cap < f->stats.smallest_in_request) {
    f->stats.smallest_in_request = cap;
  }
  f->stats.in_transfers++;
  step *s = f->next < f->count ? &f->steps[f->next] : NULL;
  bool reply_next = s != NULL && (s->kind == STEP_REPLY || s->kind == STEP_FAIL_IN);
  if (!reply_next && f->lenient_drain && timeout_ms <= DRAIN_TIMEOUT_LIMIT_MS) {
    return SWDF_ERR_TIMEOUT; /* nothing pending: what a drain expects */
  }
  if (s == NULL || !reply_next) {
    mismatch(f, "IN transfer, expected %s", s == NULL ? "the script's end" : "an OUT transfer");
    return swdf__fail(usb->ctx, SWDF_ERR_USB, NULL, "fake USB: transfer not in the script");
  }
  f->next++;
  if (s->kind == STEP_FAIL_IN) {
    usb->gone = s->gone;
    return usb->quiet ? s->fail : swdf__fail(usb->ctx, s->fail, NULL, "fake USB read failure");
  }
  size_t n = s->len < cap ? s->len : cap;
  memcpy(buf, s->bytes, n);
  *got = n;
  return SWDF_OK;
}

static swdf_err fake_clear_halt(swdf_usb *usb, uint8_t ep) {
  (void)ep;
  ((fake_handle *)usb)->f->stats.clear_halts++;
  return SWDF_OK;
}

static void fake_close(swdf_usb *usb) {
  fake_handle *h = (fake_handle *)usb;
  h->f->stats.closes++;
  free(h);
}

/* No submit: the library falls back to one transfer at a time. */
static const swdf_usb_ops fake_ops = {fake_out, fake_in, fake_clear_halt, fake_close, NULL, NULL, NULL};

static swdf_err fake_list(swdf_usb_device_info **out, size_t *count, swdf_ctx *ctx, void *state,
                          uint16_t vid) {
  (void)ctx;
  fake_usb *f = state;
  *out = calloc(1, sizeof(**out));
  assert_non_null(*out);
  (*out)->vid = vid;
  (*out)->pid = f->pid;
  (*out)->bus = 1;
  (*out)->address = 7;
  memcpy((*out)->serial_raw, f->serial, f->serial_len);
  (*out)->serial_raw_len = f->serial_len;
  *count = 1;
  return SWDF_OK;
}

static swdf_err fake_open(swdf_usb **out, swdf_ctx *ctx, void *state,
                          const swdf_usb_device_info *dev) {
  (void)dev;
  fake_usb *f = state;
  fake_handle *h = calloc(1, sizeof(*h));
  assert_non_null(h);
  h->base.ops = &fake_ops;
  h->base.ctx = ctx;
  h->base.max_packet_in = f->pid == 0x374F ? 512 : 64;
  h->f = f;
  f->stats.opens++;
  *out = &h->base;
  return SWDF_OK;
}

static const swdf_usb_backend fake_backend = {fake_list, fake_open, NULL};

fake_usb *fake_usb_new(uint16_t pid, const uint8_t *serial_raw, size_t serial_len) {
  fake_usb *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  f->pid = pid;
  f->lenient_drain = true;
  if (serial_raw == NULL) {
    const char *ascii = "FAKESERIAL00000000000001";
    for (size_t i = 0; ascii[i] != '\0'; i++) {
      f->serial[2 * i] = (uint8_t)ascii[i];
    }
    f->serial_len = 2 * strlen(ascii);
  } else {
    assert_true(serial_len <= sizeof(f->serial));
    memcpy(f->serial, serial_raw, serial_len);
    f->serial_len = serial_len;
  }
  return f;
}

void fake_usb_free(fake_usb *f) {
  free(f->record);
  for (size_t i = 0; i < f->count; i++) {
    free(f->steps[i].bytes);
  }
  free(f->steps);
  free(f);
}

void fake_usb_install(fake_usb *f, swdf_ctx *ctx) {
  ctx->usb_backend = &fake_backend;
  ctx->usb_state = f;
}

size_t fake_usb_remaining(const fake_usb *f) { return f->count - f->next; }
const char *fake_usb_mismatch(const fake_usb *f) { return f->mismatch; }
const fake_usb_stats *fake_usb_stats_get(const fake_usb *f) { return &f->stats; }
void fake_usb_lenient_drain(fake_usb *f, bool on) { f->lenient_drain = on; }
void fake_usb_record(fake_usb *f, bool on) { f->recording = on; }
const uint8_t *fake_usb_recording(const fake_usb *f, size_t *len) {
  *len = f->record_len;
  return f->record;
}

void fake_usb_assert_done(const fake_usb *f) {
  if (f->mismatch[0] != '\0') {
    fail_msg("%s", f->mismatch);
  }
  if (f->next != f->count) {
    fail_msg("%zu scripted transfers were not made (next: step %zu)", f->count - f->next,
             f->next + 1);
  }
}
