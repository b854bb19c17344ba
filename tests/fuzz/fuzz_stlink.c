/*
 * Fuzz the handling of ST-Link replies (lib/stlink, and the layers above it
 * that decode what the probe says: lib/adi, the chip identification, the
 * family drivers' register reads). A clone probe can answer anything, so
 * every reply here comes from the fuzz input through a fake USB backend;
 * commands sent to the probe are accepted and ignored.
 *
 * Input: a PID selector, a flags byte, the serial descriptor (length byte,
 * bytes), then one reply per IN transfer: a length byte L and L bytes, where
 * L = 0xFF means "as many bytes as the library asked for", 0xFE a timeout
 * and 0xFD a USB error. When the input runs out the probe is gone.
 *
 * Sleeps do not take real time here (nanosleep is replaced at link time,
 * see meson.build); deadlines still pass because they count the time slept.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "internal.h"
#include "transport/usb.h"

typedef struct fuzz_stream {
  const uint8_t *data;
  size_t size;
  size_t pos;
  uint16_t pid;
  uint8_t serial[SWDF_USB_STRING_MAX];
  size_t serial_len;
  unsigned opens;
} fuzz_stream;

typedef struct fuzz_handle {
  swdf_usb base;
  fuzz_stream *s;
} fuzz_handle;

/* Sleeping is replaced by nothing (the harness is linked with
 * -Wl,--wrap=nanosleep). */
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem);
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem) {
  (void)req;
  if (rem != NULL) {
    rem->tv_sec = 0;
    rem->tv_nsec = 0;
  }
  return 0;
}

static int next_byte(fuzz_stream *s) { return s->pos < s->size ? s->data[s->pos++] : -1; }

static swdf_err fuzz_out(swdf_usb *usb, uint8_t ep, const uint8_t *data, size_t len,
                         unsigned timeout_ms) {
  (void)ep, (void)timeout_ms;
  fuzz_stream *s = ((fuzz_handle *)usb)->s;
  FUZZ_CHECK(data != NULL || len == 0);
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < len; i++) {
    sink ^= data[i]; /* the whole block must be readable */
  }
  (void)sink;
  if (s->pos >= s->size) {
    usb->gone = true;
    return SWDF_ERR_USB;
  }
  return SWDF_OK;
}

static swdf_err fuzz_in(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t cap, size_t *got,
                        unsigned timeout_ms) {
  (void)ep, (void)timeout_ms;
  fuzz_stream *s = ((fuzz_handle *)usb)->s;
  *got = 0;
  int l = next_byte(s);
  if (l < 0) {
    usb->gone = true;
    return SWDF_ERR_USB;
  }
  if (l == 0xFE) {
    return SWDF_ERR_TIMEOUT;
  }
  if (l == 0xFD) {
    return SWDF_ERR_USB;
  }
  size_t n = l == 0xFF ? cap : (size_t)l;
  if (n > cap) {
    n = cap;
  }
  if (n > s->size - s->pos) {
    n = s->size - s->pos;
  }
  memcpy(buf, s->data + s->pos, n);
  s->pos += n;
  *got = n;
  return SWDF_OK;
}

static swdf_err fuzz_clear_halt(swdf_usb *usb, uint8_t ep) {
  (void)usb, (void)ep;
  return SWDF_OK;
}

static void fuzz_close(swdf_usb *usb) { free(usb); }

static const swdf_usb_ops fuzz_ops = {fuzz_out, fuzz_in, fuzz_clear_halt, fuzz_close,
                                      NULL,     NULL,    NULL};

static swdf_err fuzz_list(swdf_usb_device_info **out, size_t *count, swdf_ctx *ctx, void *state,
                          uint16_t vid) {
  (void)ctx;
  fuzz_stream *s = state;
  *out = calloc(1, sizeof(**out));
  if (*out == NULL) {
    return SWDF_ERR_NO_MEMORY;
  }
  (*out)->vid = vid;
  (*out)->pid = s->pid;
  (*out)->bus = 1;
  (*out)->address = 7;
  memcpy((*out)->serial_raw, s->serial, s->serial_len);
  (*out)->serial_raw_len = s->serial_len;
  *count = 1;
  return SWDF_OK;
}

static swdf_err fuzz_open(swdf_usb **out, swdf_ctx *ctx, void *state,
                          const swdf_usb_device_info *dev) {
  (void)dev;
  fuzz_stream *s = state;
  fuzz_handle *h = calloc(1, sizeof(*h));
  if (h == NULL) {
    return SWDF_ERR_NO_MEMORY;
  }
  h->base.ops = &fuzz_ops;
  h->base.ctx = ctx;
  h->base.max_packet_in = s->pid >= 0x374D ? 512 : 64;
  h->s = s;
  s->opens++;
  *out = &h->base;
  return SWDF_OK;
}

static const swdf_usb_backend fuzz_backend = {fuzz_list, fuzz_open, NULL};

static void exercise_target(swdf_target *t, uint8_t flags) {
  swdf_chip_info chip = {.size = sizeof(chip)};
  (void)swdf_target_chip_info(&chip, t);
  swdf_flash_info flash = {.size = sizeof(flash)};
  (void)swdf_target_flash_info(&flash, t);
  swdf_protection_info prot = {.size = sizeof(prot)};
  (void)swdf_target_protection(&prot, t);
  uint8_t buf[1100];
  uint32_t len = (flags & 0x40) ? sizeof(buf) : 64;
  (void)swdf_mem_read(buf, t, 0x08000000u, len);
  (void)swdf_mem_read(buf, t, 0x20000001u, 7);
  uint32_t word = 0;
  (void)swdf_mem_read32(&word, t, 0xE000ED00u);
  (void)swdf_mem_write(t, 0x20000000u, buf, 16);
  (void)swdf_core_halt(t);
  int halted = 0;
  (void)swdf_core_is_halted(&halted, t);
  (void)swdf_core_reg_read(&word, t, 15);
  /* Option bytes and the boot check decode what the chip answers too. */
  swdf_options *o = NULL;
  if (swdf_options_read(&o, t) == SWDF_OK) {
    size_t n = swdf_options_field_count(o);
    for (size_t i = 0; i < n; i++) {
      swdf_opt_field f;
      memset(&f, 0, sizeof(f));
      f.size = sizeof(f);
      (void)swdf_options_field(&f, o, i);
    }
    int level = swdf_options_rdp_level(o);
    FUZZ_CHECK(level >= -1 && level <= 2);
    swdf_opt_range ranges[8];
    size_t count = swdf_options_ranges(ranges, 8, o, 0);
    for (size_t i = 0; i < count && i < 8; i++) {
      FUZZ_CHECK(ranges[i].size > 0);
    }
    (void)swdf_options_set_unlocked(o);
    swdf_options_free(o);
  }
  if (flags & 0x01) {
    swdf_boot_report report = SWDF_BOOT_REPORT_INIT;
    if (swdf_boot_check(&report, t, NULL) == SWDF_OK) {
      FUZZ_CHECK(report.image_count <= SWDF_BOOT_MAX_IMAGES);
      FUZZ_CHECK(memchr(report.verdict, '\0', sizeof(report.verdict)) != NULL);
    }
  }
  if (flags & 0x80) {
    (void)swdf_target_reset(t, (swdf_reset_kind)(((flags >> 1) & 3) % 3));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint16_t pids[] = {0x3748, 0x374B, 0x374F, 0x3753, 0x3757, 0x3744, 0x374D, 0x3752};
  if (size < 3) {
    return 0;
  }
  fuzz_stream s = {.data = data, .size = size};
  s.pid = pids[data[0] % (sizeof(pids) / sizeof(pids[0]))];
  uint8_t flags = data[1];
  size_t serial_len = data[2] % (SWDF_USB_STRING_MAX + 1);
  s.pos = 3;
  if (serial_len > size - s.pos) {
    serial_len = size - s.pos;
  }
  memcpy(s.serial, data + s.pos, serial_len);
  s.serial_len = serial_len;
  s.pos += serial_len;

  swdf_ctx *ctx = fuzz_ctx_new();
  ctx->usb_backend = &fuzz_backend;
  ctx->usb_state = &s;

  if (flags & 0x20) {
    swdf_probe_info *list = NULL;
    size_t count = 0;
    if (swdf_probe_list(&list, &count, ctx) == SWDF_OK) {
      FUZZ_CHECK(count <= 1);
      for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(memchr(list[i].serial, '\0', sizeof(list[i].serial)) != NULL);
        FUZZ_CHECK(memchr(list[i].firmware, '\0', sizeof(list[i].firmware)) != NULL);
      }
    }
    swdf_probe_list_free(list);
  }
  swdf_probe *probe = NULL;
  if (swdf_probe_open(&probe, ctx, NULL) == SWDF_OK) {
    swdf_probe_info info = {.size = sizeof(info)};
    if (swdf_probe_get_info(&info, probe) == SWDF_OK) {
      FUZZ_CHECK(memchr(info.serial, '\0', sizeof(info.serial)) != NULL);
      FUZZ_CHECK(memchr(info.firmware, '\0', sizeof(info.firmware)) != NULL);
    }
    swdf_connect_opts opts = SWDF_CONNECT_OPTS_INIT;
    opts.mode = (swdf_connect_mode)((flags >> 2) & 3);
    opts.freq_khz = (flags & 0x10) ? 100 : 0;
    swdf_target *t = NULL;
    if (swdf_target_connect(&t, probe, &opts) == SWDF_OK) {
      exercise_target(t, flags);
      swdf_target_disconnect(t);
    }
    swdf_probe_close(probe);
  }
  FUZZ_CHECK(strlen(swdf_ctx_errmsg(ctx)) < SWDF_MSG_MAX);
  swdf_ctx_free(ctx);
  return 0;
}
