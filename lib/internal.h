/*
 * Internal helpers shared by every layer of libswdflash. Not installed.
 * Internal functions use the swdf__ prefix and hidden visibility.
 */
#ifndef SWDF_INTERNAL_H
#define SWDF_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <swdflash/swdflash.h>

#define SWDF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define SWDF_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SWDF_PRINTF(fmt, args)
#endif

enum { SWDF_MSG_MAX = 512 };

struct swdf_usb_backend;
struct swdf_chipdb;

struct swdf_ctx {
  swdf_ctx_opts opts;
  swdf_err last_err;
  char errmsg[SWDF_MSG_MAX];
  char hint[SWDF_MSG_MAX];
  char *chipdb_dir;                            /* owned copy of opts.chipdb_dir */
  /* USB backend: libusb unless a test installs a fake before first use. */
  const struct swdf_usb_backend *usb_backend;
  void *usb_state;
  /* Chip database: built-in plus files loaded on first use. */
  struct swdf_chipdb *chipdb;
  /* Cancellation: while `cancel_held` is non-zero a stop asked by the
   * progress callback is only noted (`cancel_asked`); the flash engine acts
   * on it at the next safe point (no unit left erased without its bytes). */
  unsigned cancel_held;
  bool cancel_asked;
};

/* The chip database of this context (loaded on first use). */
swdf_err swdf__ctx_chipdb(const struct swdf_chipdb **out, swdf_ctx *ctx);

/*
 * Record a failure on the context and return `err`, so that error paths can
 * be written as `return swdf__fail(ctx, SWDF_ERR_USB, hint, "...", ...)`.
 * `hint` may be NULL. The message is logged at debug level only: the caller
 * decides whether the failure is final, and a retried operation should not
 * alarm the user.
 */
swdf_err swdf__fail(swdf_ctx *ctx, swdf_err err, const char *hint, const char *fmt, ...)
    SWDF_PRINTF(4, 5);

/* Forget the previous failure; called at the start of every public call. */
void swdf__clear_error(swdf_ctx *ctx);

/* Append context to the current message: "reading 0x08000000: <old>". */
void swdf__prefix_error(swdf_ctx *ctx, const char *fmt, ...) SWDF_PRINTF(2, 3);

/* A failure put aside while cleaning up, so that the cleanup cannot hide it. */
typedef struct swdf_saved_error {
  swdf_err err;
  char errmsg[SWDF_MSG_MAX];
  char hint[SWDF_MSG_MAX];
} swdf_saved_error;

void swdf__save_error(swdf_saved_error *saved, const swdf_ctx *ctx);
void swdf__restore_error(swdf_ctx *ctx, const swdf_saved_error *saved);

/* Set or replace the hint of the current failure. */
void swdf__set_hint(swdf_ctx *ctx, const char *fmt, ...) SWDF_PRINTF(2, 3);

bool swdf__log_enabled(const swdf_ctx *ctx, swdf_log_level level);
void swdf__log(swdf_ctx *ctx, swdf_log_level level, const char *fmt, ...) SWDF_PRINTF(3, 4);
void swdf__vlog(swdf_ctx *ctx, swdf_log_level level, const char *fmt, va_list ap)
    SWDF_PRINTF(3, 0);

/* Report progress; returns SWDF_ERR_CANCELLED when the callback asks to stop
 * (while the stop is held, notes it and returns SWDF_OK). */
swdf_err swdf__progress(swdf_ctx *ctx, swdf_phase phase, uint64_t done, uint64_t total);

/* Hold back (or release) cancellation across work that must not stop half-way. */
void swdf__cancel_hold(swdf_ctx *ctx, bool hold);
/* Whether the caller asked to stop while the stop was held. */
bool swdf__cancel_asked(const swdf_ctx *ctx);

/* ---- versioned structs (versioned.c) ----------------------------------- */

/*
 * Public structs start with `size`: the sizeof the caller was built with.
 * The library reads and writes only that many bytes, so that a struct can
 * grow without breaking callers built against older headers. A size below
 * the struct's first published layout (`min_size`, see SWDF__V1_SIZE) is
 * refused with SWDF_ERR_INVALID_ARG and a message naming `type`.
 */

/* End of the last field of a struct's first published layout. Appending a
 * field later leaves this at the old size, so older callers stay accepted. */
#define SWDF__V1_SIZE(type, last_field)                                                       \
  (offsetof(type, last_field) + sizeof(((type *)0)->last_field))

/*
 * Options in: `dst` (`dst_size` bytes, the library's struct) already holds
 * the defaults; the first min(in->size, dst_size) bytes of `in` are copied
 * over them and dst's size becomes dst_size. `in` NULL keeps the defaults.
 * A newer caller's bytes past dst_size must be zero (fields this library
 * does not know, left unset): otherwise SWDF_ERR_UNSUPPORTED. `ctx` may be
 * NULL (no message).
 */
swdf_err swdf__versioned_in(void *dst, size_t dst_size, const void *in, size_t min_size,
                            swdf_ctx *ctx, const char *type);

/* Results out: check out->size (call before doing the work, so that a
 * refused call changes nothing). */
swdf_err swdf__versioned_out_check(const void *out, size_t min_size, swdf_ctx *ctx,
                                   const char *type);

/* Results out: copy the first min(out->size, value_size) bytes of `value`
 * (the library's full struct) to `out` and set out->size to that count.
 * Nothing past the caller's size is written. Checks out->size first. */
swdf_err swdf__versioned_out(void *out, const void *value, size_t value_size, size_t min_size,
                             swdf_ctx *ctx, const char *type);

/* The first published layout of every public versioned struct. */
#define SWDF__MIN_CTX_OPTS SWDF__V1_SIZE(swdf_ctx_opts, chipdb_dir)
#define SWDF__MIN_PROBE_INFO SWDF__V1_SIZE(swdf_probe_info, busy)
#define SWDF__MIN_CONNECT_OPTS SWDF__V1_SIZE(swdf_connect_opts, freq_khz)
#define SWDF__MIN_CHIP_INFO SWDF__V1_SIZE(swdf_chip_info, note)
#define SWDF__MIN_FLASH_INFO SWDF__V1_SIZE(swdf_flash_info, summary)
#define SWDF__MIN_PROTECTION_INFO SWDF__V1_SIZE(swdf_protection_info, words)
#define SWDF__MIN_RESET_RESULT SWDF__V1_SIZE(swdf_reset_result, core_text)
#define SWDF__MIN_IMAGE_OPTS SWDF__V1_SIZE(swdf_image_opts, base)
#define SWDF__MIN_WRITE_OPTS SWDF__V1_SIZE(swdf_write_opts, run_after)
#define SWDF__MIN_WRITE_STATS SWDF__V1_SIZE(swdf_write_stats, estimated_us)
#define SWDF__MIN_OPT_FIELD SWDF__V1_SIZE(swdf_opt_field, new_value_text)
#define SWDF__MIN_OPT_VALUE SWDF__V1_SIZE(swdf_opt_value, erases_flash)
#define SWDF__MIN_OPT_WORD SWDF__V1_SIZE(swdf_opt_word, consistent)
#define SWDF__MIN_OPTIONS_WRITE_OPTS SWDF__V1_SIZE(swdf_options_write_opts, flags)
#define SWDF__MIN_UNLOCK_OPTS SWDF__V1_SIZE(swdf_unlock_opts, size)
#define SWDF__MIN_BOOT_REPORT SWDF__V1_SIZE(swdf_boot_report, verdict)
#define SWDF__MIN_BOOT_CHECK_OPTS SWDF__V1_SIZE(swdf_boot_check_opts, base)
#define SWDF__MIN_BOOT_MEMORY SWDF__V1_SIZE(swdf_boot_memory, ram_size)
#define SWDF__MIN_BOOT_CONFIG SWDF__V1_SIZE(swdf_boot_config, dfu_needs)

#endif
