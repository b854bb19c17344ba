/*
 * A USB backend for unit tests that replays recorded probe replies.
 *
 * A script is a list of transfers in the order the library must make them,
 * written like a protocol trace:
 *
 *   > F2 07 00 00 00 20 00 04     command block (zero-padded to 16 bytes)
 *   >> 01 02 03 04                a data block (exact)
 *   < 80 00                       the probe's reply
 *   ! in timeout                  the next IN transfer fails (timeout, pipe, gone)
 *   ! out pipe                    the next OUT transfer fails
 *   *> F2 36 F0 ED 00 E0          a command the library may repeat (polling):
 *   < 80 00 00 00 00 00 00 00     the same reply every time, until another
 *                                 command comes
 *   # comment
 *
 * Bytes may also be given as "x32" to mean 32 zero bytes. A transfer that
 * differs from the script is recorded as a mismatch (checked with
 * fake_usb_assert_done), and answered with a failure so the library stops.
 */
#ifndef TEST_FAKE_USB_H
#define TEST_FAKE_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/usb.h"

typedef struct fake_usb fake_usb;

/* A fake probe with this PID and raw serial descriptor payload (NULL for a
 * 24-digit ASCII serial "FAKESERIAL00000000000001"). */
fake_usb *fake_usb_new(uint16_t pid, const uint8_t *serial_raw, size_t serial_len);
void fake_usb_free(fake_usb *f);

/* Make `ctx` use this fake instead of libusb (before the first probe call). */
void fake_usb_install(fake_usb *f, swdf_ctx *ctx);

/* Append script text (several lines allowed). */
void fake_usb_script(fake_usb *f, const char *text);
void fake_usb_scriptf(fake_usb *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Steps not consumed yet; the first mismatch message or "" */
size_t fake_usb_remaining(const fake_usb *f);
const char *fake_usb_mismatch(const fake_usb *f);

/* cmocka checks: everything consumed, nothing mismatched. */
void fake_usb_assert_done(const fake_usb *f);

/* Statistics the tests look at. */
typedef struct fake_usb_stats {
  unsigned out_transfers;
  unsigned in_transfers;
  unsigned clear_halts;
  unsigned opens;
  unsigned closes;
  size_t smallest_in_request; /* smallest `cap` the library asked for */
} fake_usb_stats;

const fake_usb_stats *fake_usb_stats_get(const fake_usb *f);

/* When set, IN transfers that find no scripted reply time out instead of
 * mismatching (the drain at open and after errors). Default: on. */
void fake_usb_lenient_drain(fake_usb *f, bool on);

/* Record what every IN transfer returns, in the input format of the ST-Link
 * fuzz harness (tests/fuzz/fuzz_stlink.c), to make its seeds. */
void fake_usb_record(fake_usb *f, bool on);
const uint8_t *fake_usb_recording(const fake_usb *f, size_t *len);

#endif
