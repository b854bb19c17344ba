/*
 * libswdflash: program STM32 microcontrollers over SWD through ST-Link probes.
 *
 * Conventions (see CONTRIBUTING.md):
 *  - Every public name starts with swdf_ / SWDF_.
 *  - Functions return a swdf_err: SWDF_OK (0) on success, a negative code on
 *    failure. Results come back through out-parameters, which come first.
 *  - After a failure, swdf_ctx_errmsg() and swdf_ctx_hint() describe what went
 *    wrong and what the user can do about it. They stay valid until the next
 *    call that uses the same context.
 *  - The library keeps no global mutable state: everything lives in a
 *    swdf_ctx (and the handles made from it). Different contexts may be used
 *    from different threads; one context and its handles must not be used by
 *    two threads at once.
 *  - Versioned structs, options passed in and results passed out alike,
 *    start with a `size` field that the caller sets to the sizeof it was
 *    built with (their *_INIT macros do). The library reads and writes only
 *    that many bytes, so that fields can be added at the end without
 *    breaking callers built against older headers: fields an older caller
 *    lacks take their defaults, and a result is cut at the caller's size
 *    (its `size` then says how much was written). A size below a struct's
 *    first version fails with SWDF_ERR_INVALID_ARG (size not set?).
 *  - The library never prints. Messages go to the log callback.
 */
#ifndef SWDFLASH_H
#define SWDFLASH_H

#include <stddef.h>
#include <stdint.h>

#include <swdflash/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SWDF_BUILDING_LIBRARY) && defined(__GNUC__)
#define SWDF_API __attribute__((visibility("default")))
#else
#define SWDF_API
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Error codes. Values are part of the ABI: new codes are only ever appended.
 * swdf_strerror() gives a short fixed description of each; the context's
 * message (swdf_ctx_errmsg) gives the details of the last failure.
 */
typedef enum swdf_err {
  SWDF_OK = 0,
  SWDF_ERR_INVALID_ARG = -1,      /* a parameter is out of range or NULL */
  SWDF_ERR_NO_MEMORY = -2,        /* an allocation failed */
  SWDF_ERR_IO = -3,               /* a file could not be read or written */
  SWDF_ERR_USB = -4,              /* USB transfer failed or device vanished */
  SWDF_ERR_TIMEOUT = -5,          /* an operation did not finish in time */
  SWDF_ERR_NO_PROBE = -6,         /* no ST-Link probe found */
  SWDF_ERR_PROBE_AMBIGUOUS = -7,  /* several probes and no serial given */
  SWDF_ERR_PROBE_ACCESS = -8,     /* probe busy or permission denied */
  SWDF_ERR_PROBE_FIRMWARE = -9,   /* probe firmware lacks what is needed */
  SWDF_ERR_NO_TARGET = -10,       /* nothing answers on SWD */
  SWDF_ERR_TARGET_POWER = -11,    /* target voltage too low */
  SWDF_ERR_SWD = -12,             /* SWD protocol error (FAULT, parity) */
  SWDF_ERR_WAIT = -13,            /* target kept answering WAIT */
  SWDF_ERR_MEM_FAULT = -14,       /* memory access faulted on the bus */
  SWDF_ERR_UNKNOWN_CHIP = -15,    /* chip IDs not in the chip database */
  SWDF_ERR_READ_PROTECTED = -16,  /* flash read protection is active */
  SWDF_ERR_WRITE_PROTECTED = -17, /* a page or sector is write protected */
  SWDF_ERR_FLASH = -18,           /* flash controller reported an error */
  SWDF_ERR_VERIFY = -19,          /* written data does not match */
  SWDF_ERR_UNSUPPORTED = -20,     /* not supported for this chip or probe */
  SWDF_ERR_IMAGE = -21,           /* image file is malformed */
  SWDF_ERR_RANGE = -22,           /* address range outside the device */
  SWDF_ERR_HALT = -23,            /* the core could not be halted */
  SWDF_ERR_CANCELLED = -24,       /* the progress callback asked to stop */
  SWDF_ERR_PERMANENT = -25,       /* refused: the change is irreversible */
  SWDF_ERR_INTERNAL = -26,        /* a bug in libswdflash */
  SWDF_ERR_NRST = -27,            /* NRST seems not to be connected */
} swdf_err;

/* Short English description of an error code; never NULL. */
SWDF_API const char *swdf_strerror(swdf_err err);

/* Symbolic name of an error code ("SWDF_ERR_USB"); never NULL. */
SWDF_API const char *swdf_err_name(swdf_err err);

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

/* Version of the library at run time, e.g. "0.1.0". */
SWDF_API const char *swdf_version(void);

/* ------------------------------------------------------------------------ */
/* Context                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct swdf_ctx swdf_ctx;

typedef enum swdf_log_level {
  SWDF_LOG_ERROR = 0,
  SWDF_LOG_WARN = 1,
  SWDF_LOG_INFO = 2,
  SWDF_LOG_DEBUG = 3,
  SWDF_LOG_TRACE = 4, /* every probe command; very verbose */
} swdf_log_level;

/* Receives one complete line of text without a trailing newline. */
typedef void (*swdf_log_fn)(void *user, swdf_log_level level, const char *msg);

/*
 * Phases reported to the progress callback. `done` and `total` count bytes
 * for memory and flash phases.
 */
typedef enum swdf_phase {
  SWDF_PHASE_READ = 0,
  SWDF_PHASE_ERASE = 1,
  SWDF_PHASE_PROGRAM = 2,
  SWDF_PHASE_VERIFY = 3,
  SWDF_PHASE_CHECK = 4, /* comparing the chip with an image before writing */
} swdf_phase;

/*
 * Progress callback: return 0 to continue, non-zero to cancel the running
 * operation, which then fails with SWDF_ERR_CANCELLED at the next safe point.
 */
typedef int (*swdf_progress_fn)(void *user, swdf_phase phase, uint64_t done, uint64_t total);

typedef struct swdf_ctx_opts {
  size_t size;               /* sizeof(swdf_ctx_opts); set by SWDF_CTX_OPTS_INIT */
  swdf_log_fn log;           /* NULL: discard messages */
  swdf_log_level log_level;  /* messages above this level are not built */
  swdf_progress_fn progress; /* NULL: no progress reports */
  void *user;                /* passed to both callbacks */
  const char *chipdb_dir;    /* extra chip database files (*.chip) to load; NULL: the
                                SWDFLASH_CHIPDB environment variable, if set */
} swdf_ctx_opts;

#define SWDF_CTX_OPTS_INIT {sizeof(swdf_ctx_opts), NULL, SWDF_LOG_INFO, NULL, NULL, NULL}

/*
 * Create a context. `opts` may be NULL for the defaults. The caller owns the
 * context and frees it with swdf_ctx_free() after closing every handle made
 * from it.
 */
SWDF_API swdf_err swdf_ctx_new(swdf_ctx **out, const swdf_ctx_opts *opts);

/* Free a context. NULL is ignored. */
SWDF_API void swdf_ctx_free(swdf_ctx *ctx);

/* Change the log level after creation. */
SWDF_API void swdf_ctx_set_log_level(swdf_ctx *ctx, swdf_log_level level);

/*
 * Message describing the last failure on this context, or "" when the last
 * call succeeded. Owned by the context.
 */
SWDF_API const char *swdf_ctx_errmsg(const swdf_ctx *ctx);

/*
 * What the user can do about the last failure ("connect NRST and use
 * --connect under-reset"), or "" when there is no advice. Owned by the
 * context.
 */
SWDF_API const char *swdf_ctx_hint(const swdf_ctx *ctx);

/* Code of the last failure on this context, SWDF_OK after a success. */
SWDF_API swdf_err swdf_ctx_last_error(const swdf_ctx *ctx);

#ifdef __cplusplus
}
#endif

#include <swdflash/probe.h>
#include <swdflash/image.h>
#include <swdflash/flash.h>
#include <swdflash/options.h>
#include <swdflash/boot.h>

#endif /* SWDFLASH_H */
