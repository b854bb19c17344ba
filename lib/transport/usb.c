/* Transfer helpers shared by every USB backend. */
#include <string.h>

#include "transport/usb.h"

enum { DRAIN_MAX_READS = 8, BOUNCE_MAX = 8192 };

static swdf_err gone(swdf_usb *usb, const char *what) {
  return swdf__fail(usb->ctx, SWDF_ERR_USB,
                    "check the USB cable and connection, then run 'swdflash list'",
                    "%s: the probe was disconnected", what);
}

static swdf_err transfer_failed(swdf_usb *usb, swdf_err err, const char *what) {
  swdf__prefix_error(usb->ctx, "%s", what);
  if (usb->gone) {
    swdf__set_hint(usb->ctx, "the probe disappeared from USB: check the cable, replug the "
                             "probe and run 'swdflash list'");
  }
  return err;
}

swdf_err swdf__usb_out(swdf_usb *usb, uint8_t ep, const uint8_t *data, size_t len,
                       unsigned timeout_ms, const char *what) {
  if (usb->gone) {
    return gone(usb, what);
  }
  swdf_err err = usb->ops->bulk_out(usb, ep, data, len, timeout_ms);
  return err != SWDF_OK ? transfer_failed(usb, err, what) : SWDF_OK;
}

swdf_err swdf__usb_in(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t want, size_t *got,
                      bool allow_short, unsigned timeout_ms, const char *what) {
  if (usb->gone) {
    return gone(usb, what);
  }
  size_t packet = usb->max_packet_in != 0 ? usb->max_packet_in : 64;
  /* The read is rounded up to whole packets: a probe may send more than
   * asked (READMEM_8BIT of 1 byte answers 2), and a read shorter than a
   * packet would overflow. */
  size_t posted = (want + packet - 1) / packet * packet;
  if (posted == 0) {
    posted = packet;
  }
  uint8_t bounce[BOUNCE_MAX];
  uint8_t *dst = posted <= want ? buf : bounce;
  if (dst == bounce && posted > sizeof(bounce)) {
    return swdf__fail(usb->ctx, SWDF_ERR_INTERNAL, NULL, "%s: read of %zu bytes too large", what,
                      want);
  }
  size_t n = 0;
  swdf_err err = usb->ops->bulk_in(usb, ep, dst, posted, &n, timeout_ms);
  if (err != SWDF_OK) {
    return transfer_failed(usb, err, what);
  }
  if (n > want) {
    n = want;
  }
  if (dst == bounce) {
    memcpy(buf, bounce, n);
  }
  if (got != NULL) {
    *got = n;
  }
  if (n < want && !allow_short) {
    return swdf__fail(usb->ctx, SWDF_ERR_USB, NULL, "%s: the probe answered %zu of %zu bytes",
                      what, n, want);
  }
  return SWDF_OK;
}

void swdf__usb_drain(swdf_usb *usb, uint8_t ep, unsigned timeout_ms) {
  if (usb->gone) {
    return;
  }
  size_t packet = usb->max_packet_in != 0 ? usb->max_packet_in : 64;
  uint8_t buf[512];
  if (packet > sizeof(buf)) {
    packet = sizeof(buf);
  }
  /* Keep the caller's error: draining is best effort. */
  swdf_saved_error saved;
  swdf__save_error(&saved, usb->ctx);
  usb->quiet = true;
  for (int i = 0; i < DRAIN_MAX_READS; i++) {
    size_t n = 0;
    if (usb->ops->bulk_in(usb, ep, buf, packet, &n, timeout_ms) != SWDF_OK || n == 0) {
      break;
    }
  }
  usb->quiet = false;
  swdf__restore_error(usb->ctx, &saved);
}

bool swdf__usb_can_submit(const swdf_usb *usb) {
  return usb->ops->submit != NULL && !usb->gone;
}

swdf_err swdf__usb_submit(swdf_usb *usb, swdf_usb_async **out, uint8_t ep, uint8_t *buf,
                          size_t len, unsigned timeout_ms, const char *what) {
  *out = NULL;
  if (usb->gone) {
    return gone(usb, what);
  }
  swdf_err err = usb->ops->submit(usb, out, ep, buf, len, timeout_ms);
  return err != SWDF_OK ? transfer_failed(usb, err, what) : SWDF_OK;
}

swdf_err swdf__usb_reap(swdf_usb *usb, swdf_usb_async *x, size_t *got, const char *what) {
  swdf_err err = usb->ops->reap(usb, x, got);
  return err != SWDF_OK ? transfer_failed(usb, err, what) : SWDF_OK;
}
