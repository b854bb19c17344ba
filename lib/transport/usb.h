/*
 * USB access for the ST-Link layer: enumerate, open, bulk OUT, bulk IN,
 * close. The real implementation uses libusb-1.0 (usb_libusb.c); unit tests
 * install a fake backend on the context (ctx->usb_backend) that replays
 * recorded probe replies.
 */
#ifndef SWDF_USB_H
#define SWDF_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

enum { SWDF_USB_STRING_MAX = 64 };

/* A device seen during enumeration. */
typedef struct swdf_usb_device_info {
  uint16_t vid;
  uint16_t pid;
  uint8_t bus;
  uint8_t address;
  /* Serial number string descriptor as sent by the device: the UTF-16LE
   * code units after the 2-byte header (binary on many V2 clones). */
  uint8_t serial_raw[SWDF_USB_STRING_MAX];
  size_t serial_raw_len;
  char product[SWDF_USB_STRING_MAX]; /* "" when unreadable */
  bool busy;                         /* could not be opened (in use, no permission) */
  swdf_err open_error;               /* why it could not be opened */
} swdf_usb_device_info;

typedef struct swdf_usb swdf_usb;

/* A transfer submitted without waiting (backend-specific). */
typedef struct swdf_usb_async swdf_usb_async;

typedef struct swdf_usb_ops {
  /* Send `len` bytes in one bulk transfer. */
  swdf_err (*bulk_out)(swdf_usb *usb, uint8_t ep, const uint8_t *data, size_t len,
                       unsigned timeout_ms);
  /* Receive up to `cap` bytes (cap is at least the max packet size). */
  swdf_err (*bulk_in)(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t cap, size_t *got,
                      unsigned timeout_ms);
  /* Clear a stall on an endpoint. */
  swdf_err (*clear_halt)(swdf_usb *usb, uint8_t ep);
  /* Release the interface and close. */
  void (*close)(swdf_usb *usb);
  /*
   * Optional (NULL: the backend only has the calls above): start a bulk
   * transfer and return at once. Transfers in flight together complete in
   * submission order per endpoint. Every submitted transfer must be ended
   * by exactly one reap or abandon.
   */
  swdf_err (*submit)(swdf_usb *usb, swdf_usb_async **out, uint8_t ep, uint8_t *buf, size_t len,
                     unsigned timeout_ms);
  /* Wait for a submitted transfer to end and free it; *got: bytes moved. */
  swdf_err (*reap)(swdf_usb *usb, swdf_usb_async *x, size_t *got);
  /* Cancel a submitted transfer, wait until it has ended, free it. */
  void (*abandon)(swdf_usb *usb, swdf_usb_async *x);
} swdf_usb_ops;

/* An open device. Backends embed this as their first member. */
struct swdf_usb {
  const swdf_usb_ops *ops;
  swdf_ctx *ctx;
  uint16_t max_packet_in;   /* wMaxPacketSize of the IN endpoint; 0 = unknown */
  bool gone;                /* the device disappeared: no further transfers */
  bool quiet;               /* failures expected (draining): do not record them */
};

typedef struct swdf_usb_backend {
  /*
   * List devices with this vendor ID. `*out` is a malloc'ed array (NULL when
   * none) that the caller frees with free().
   */
  swdf_err (*list)(swdf_usb_device_info **out, size_t *count, swdf_ctx *ctx, void *state,
                   uint16_t vid);
  /* Open a listed device (matched by bus and address) and claim interface 0. */
  swdf_err (*open)(swdf_usb **out, swdf_ctx *ctx, void *state, const swdf_usb_device_info *dev);
  /* Free `state` when the context goes away (may be NULL). */
  void (*free_state)(void *state);
} swdf_usb_backend;

/* The libusb-1.0 backend; its state (a libusb context) is made on first use. */
extern const swdf_usb_backend swdf__usb_libusb;

/* The backend and state to use for this context (libusb unless replaced). */
swdf_err swdf__usb_backend(const swdf_usb_backend **backend, void **state, swdf_ctx *ctx);

/* Transfer helpers that record a clear error on the context. */
swdf_err swdf__usb_out(swdf_usb *usb, uint8_t ep, const uint8_t *data, size_t len,
                       unsigned timeout_ms, const char *what);
/* Never posts a read smaller than the endpoint's max packet size; a longer
 * reply than `want` is truncated, a shorter one is an error unless
 * `allow_short`. */
swdf_err swdf__usb_in(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t want, size_t *got,
                      bool allow_short, unsigned timeout_ms, const char *what);

/* Drop stale IN data: after an error `timeout_ms` long enough for a reply
 * still on its way, at open one USB frame (1 ms). */
void swdf__usb_drain(swdf_usb *usb, uint8_t ep, unsigned timeout_ms);
enum { SWDF_USB_DRAIN_OPEN_MS = 1, SWDF_USB_DRAIN_RESYNC_MS = 5 };

/* Whether the backend can keep transfers in flight (ops->submit). */
bool swdf__usb_can_submit(const swdf_usb *usb);
/* ops->submit and ops->reap, recording a clear error on the context. */
swdf_err swdf__usb_submit(swdf_usb *usb, swdf_usb_async **out, uint8_t ep, uint8_t *buf,
                          size_t len, unsigned timeout_ms, const char *what);
swdf_err swdf__usb_reap(swdf_usb *usb, swdf_usb_async *x, size_t *got, const char *what);

#endif
