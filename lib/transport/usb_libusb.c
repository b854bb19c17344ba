/* The libusb-1.0 backend of lib/transport/usb.h. */
#include <libusb.h>
#include <stdlib.h>
#include <string.h>

#include "transport/usb.h"

typedef struct libusb_state {
  libusb_context *usb;
} libusb_state;

typedef struct libusb_open_device {
  swdf_usb base; /* first: swdf_usb * and libusb_open_device * convert */
  libusb_device_handle *handle;
  libusb_context *usb;
} libusb_open_device;

struct swdf_usb_async {
  struct libusb_transfer *transfer;
  int done;
};

static swdf_err map_libusb_error(int rc) {
  switch (rc) {
  case LIBUSB_ERROR_TIMEOUT: return SWDF_ERR_TIMEOUT;
  case LIBUSB_ERROR_ACCESS:
  case LIBUSB_ERROR_BUSY: return SWDF_ERR_PROBE_ACCESS;
  case LIBUSB_ERROR_NO_MEM: return SWDF_ERR_NO_MEMORY;
  default: return SWDF_ERR_USB;
  }
}

static swdf_err usb_fail(swdf_usb *usb, int rc, const char *what, uint8_t ep) {
  if (rc == LIBUSB_ERROR_NO_DEVICE) {
    usb->gone = true;
  }
  if (usb->quiet) {
    return map_libusb_error(rc);
  }
  return swdf__fail(usb->ctx, map_libusb_error(rc), NULL, "%s on endpoint 0x%02X: %s", what, ep,
                    libusb_strerror((int)rc));
}

static swdf_err lu_bulk_out(swdf_usb *usb, uint8_t ep, const uint8_t *data, size_t len,
                            unsigned timeout_ms) {
  libusb_open_device *d = (libusb_open_device *)usb;
  int done = 0;
  int rc = libusb_bulk_transfer(d->handle, ep, (unsigned char *)data, (int)len, &done, timeout_ms);
  if (rc != 0) {
    return usb_fail(usb, rc, "USB write", ep);
  }
  if ((size_t)done != len) {
    return swdf__fail(usb->ctx, SWDF_ERR_USB, NULL, "USB write on endpoint 0x%02X sent %d of %zu bytes",
                      ep, done, len);
  }
  return SWDF_OK;
}

static swdf_err lu_bulk_in(swdf_usb *usb, uint8_t ep, uint8_t *buf, size_t cap, size_t *got,
                           unsigned timeout_ms) {
  libusb_open_device *d = (libusb_open_device *)usb;
  int done = 0;
  int rc = libusb_bulk_transfer(d->handle, ep, buf, (int)cap, &done, timeout_ms);
  *got = done > 0 ? (size_t)done : 0;
  if (rc != 0) {
    return usb_fail(usb, rc, "USB read", ep);
  }
  return SWDF_OK;
}

static swdf_err lu_clear_halt(swdf_usb *usb, uint8_t ep) {
  libusb_open_device *d = (libusb_open_device *)usb;
  int rc = libusb_clear_halt(d->handle, ep);
  if (rc != 0) {
    return usb_fail(usb, rc, "clearing a stall", ep);
  }
  return SWDF_OK;
}

static void lu_close(swdf_usb *usb) {
  libusb_open_device *d = (libusb_open_device *)usb;
  if (!usb->gone) {
    libusb_release_interface(d->handle, 0);
  }
  libusb_close(d->handle);
  free(d);
}

static void LIBUSB_CALL async_done(struct libusb_transfer *t) {
  ((swdf_usb_async *)t->user_data)->done = 1;
}

static void free_async(swdf_usb_async *x) {
  libusb_free_transfer(x->transfer);
  free(x);
}

static swdf_err lu_submit(swdf_usb *usb, swdf_usb_async **out, uint8_t ep, uint8_t *buf,
                          size_t len, unsigned timeout_ms) {
  libusb_open_device *d = (libusb_open_device *)usb;
  swdf_usb_async *x = calloc(1, sizeof(*x));
  struct libusb_transfer *t = libusb_alloc_transfer(0);
  if (x == NULL || t == NULL) {
    free(x);
    libusb_free_transfer(t);
    return swdf__fail(usb->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory for a USB transfer");
  }
  libusb_fill_bulk_transfer(t, d->handle, ep, buf, (int)len, async_done, x, timeout_ms);
  x->transfer = t;
  int rc = libusb_submit_transfer(t);
  if (rc != 0) {
    free_async(x);
    return usb_fail(usb, rc, (ep & LIBUSB_ENDPOINT_IN) ? "USB read" : "USB write", ep);
  }
  *out = x;
  return SWDF_OK;
}

/* Handle events until the transfer has ended (its own timeout bounds the wait). */
static void wait_done(libusb_open_device *d, swdf_usb_async *x) {
  while (!x->done) {
    struct timeval tv = {1, 0};
    int rc = libusb_handle_events_timeout_completed(d->usb, &tv, &x->done);
    if (rc != 0 && rc != LIBUSB_ERROR_INTERRUPTED && !x->done) {
      libusb_cancel_transfer(x->transfer);
    }
  }
}

static int status_error(enum libusb_transfer_status status) {
  switch (status) {
  case LIBUSB_TRANSFER_COMPLETED: return 0;
  case LIBUSB_TRANSFER_TIMED_OUT: return LIBUSB_ERROR_TIMEOUT;
  case LIBUSB_TRANSFER_STALL: return LIBUSB_ERROR_PIPE;
  case LIBUSB_TRANSFER_NO_DEVICE: return LIBUSB_ERROR_NO_DEVICE;
  case LIBUSB_TRANSFER_OVERFLOW: return LIBUSB_ERROR_OVERFLOW;
  case LIBUSB_TRANSFER_CANCELLED: return LIBUSB_ERROR_INTERRUPTED;
  default: return LIBUSB_ERROR_IO;
  }
}

static swdf_err lu_reap(swdf_usb *usb, swdf_usb_async *x, size_t *got) {
  libusb_open_device *d = (libusb_open_device *)usb;
  wait_done(d, x);
  struct libusb_transfer *t = x->transfer;
  int rc = status_error(t->status);
  uint8_t ep = t->endpoint;
  bool in = (ep & LIBUSB_ENDPOINT_IN) != 0;
  size_t moved = t->actual_length > 0 ? (size_t)t->actual_length : 0;
  size_t wanted = (size_t)t->length;
  free_async(x);
  *got = moved;
  if (rc != 0) {
    return usb_fail(usb, rc, in ? "USB read" : "USB write", ep);
  }
  if (!in && moved != wanted) {
    return swdf__fail(usb->ctx, SWDF_ERR_USB, NULL,
                      "USB write on endpoint 0x%02X sent %zu of %zu bytes", ep, moved, wanted);
  }
  return SWDF_OK;
}

static void lu_abandon(swdf_usb *usb, swdf_usb_async *x) {
  libusb_open_device *d = (libusb_open_device *)usb;
  if (!x->done) {
    libusb_cancel_transfer(x->transfer);
  }
  wait_done(d, x);
  if (x->transfer->status == LIBUSB_TRANSFER_NO_DEVICE) {
    usb->gone = true;
  }
  free_async(x);
}

static const swdf_usb_ops libusb_ops = {lu_bulk_out, lu_bulk_in, lu_clear_halt, lu_close,
                                        lu_submit,   lu_reap,    lu_abandon};

static void free_state(void *state) {
  libusb_state *s = state;
  if (s != NULL) {
    libusb_exit(s->usb);
    free(s);
  }
}

/* The devices on the bus (free with libusb_free_device_list(*out, 1)). */
static swdf_err device_list(libusb_device ***out, ssize_t *count, swdf_ctx *ctx, void *state) {
  libusb_state *s = state;
  if (s == NULL || s->usb == NULL) {
    return swdf__fail(ctx, SWDF_ERR_INTERNAL, NULL, "USB backend used before initialisation");
  }
  *count = libusb_get_device_list(s->usb, out);
  if (*count < 0) {
    return swdf__fail(ctx, SWDF_ERR_USB, NULL, "cannot list USB devices: %s",
                      libusb_strerror((int)*count));
  }
  return SWDF_OK;
}

/* Serial number string descriptor, raw: binary serials must survive. */
static void read_serial(swdf_usb_device_info *info, libusb_device_handle *h, uint8_t index) {
  unsigned char desc[2 + SWDF_USB_STRING_MAX];
  if (index == 0) {
    return;
  }
  int n = libusb_get_string_descriptor(h, index, 0x0409, desc, (int)sizeof(desc));
  if (n >= 2 && desc[1] == LIBUSB_DT_STRING) {
    size_t len = desc[0] <= (unsigned)n ? desc[0] : (size_t)n;
    info->serial_raw_len = len - 2;
    memcpy(info->serial_raw, desc + 2, info->serial_raw_len);
    return;
  }
  /* Some stacks only offer the ASCII helper: widen it back to UTF-16LE. */
  unsigned char ascii[SWDF_USB_STRING_MAX / 2 + 1];
  n = libusb_get_string_descriptor_ascii(h, index, ascii, (int)sizeof(ascii));
  for (int i = 0; i < n && (size_t)(2 * i + 1) < sizeof(info->serial_raw); i++) {
    info->serial_raw[2 * i] = ascii[i];
    info->serial_raw[2 * i + 1] = 0;
    info->serial_raw_len = (size_t)(2 * i + 2);
  }
}

static swdf_err lu_list(swdf_usb_device_info **out, size_t *count, swdf_ctx *ctx, void *state,
                        uint16_t vid) {
  *out = NULL;
  *count = 0;
  libusb_device **devs = NULL;
  ssize_t n = 0;
  swdf_err err = device_list(&devs, &n, ctx, state);
  if (err != SWDF_OK) {
    return err;
  }
  swdf_usb_device_info *list = calloc((size_t)n + 1, sizeof(*list));
  if (list == NULL) {
    libusb_free_device_list(devs, 1);
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory listing USB devices");
  }
  size_t found = 0;
  for (ssize_t i = 0; i < n; i++) {
    struct libusb_device_descriptor dd;
    if (libusb_get_device_descriptor(devs[i], &dd) != 0 || dd.idVendor != vid) {
      continue;
    }
    swdf_usb_device_info *info = &list[found++];
    info->vid = dd.idVendor;
    info->pid = dd.idProduct;
    info->bus = libusb_get_bus_number(devs[i]);
    info->address = libusb_get_device_address(devs[i]);
    libusb_device_handle *h = NULL;
    int rc = libusb_open(devs[i], &h);
    if (rc != 0) {
      info->busy = true;
      info->open_error = map_libusb_error(rc);
      continue;
    }
    read_serial(info, h, dd.iSerialNumber);
    if (dd.iProduct != 0) {
      int len = libusb_get_string_descriptor_ascii(h, dd.iProduct, (unsigned char *)info->product,
                                                   (int)sizeof(info->product));
      if (len < 0) {
        info->product[0] = '\0';
      }
    }
    libusb_close(h);
  }
  libusb_free_device_list(devs, 1);
  if (found == 0) {
    free(list);
    list = NULL;
  }
  *out = list;
  *count = found;
  return SWDF_OK;
}

static uint16_t in_packet_size(libusb_device *dev) {
  int size = libusb_get_max_packet_size(dev, 0x81);
  return size > 0 ? (uint16_t)size : 0;
}

static swdf_err claim(libusb_device_handle *h, swdf_ctx *ctx) {
  /* A kernel driver on interface 0 (usb-storage on V2-1 does not bind to the
   * debug interface, but be safe) must let go; where unsupported, ignore. */
  if (libusb_kernel_driver_active(h, 0) == 1) {
    libusb_detach_kernel_driver(h, 0);
  }
  int config = 0;
  if (libusb_get_configuration(h, &config) == 0 && config != 1) {
    libusb_set_configuration(h, 1);
  }
  int rc = libusb_claim_interface(h, 0);
  if (rc != 0) {
    return swdf__fail(ctx, map_libusb_error(rc),
                      "another program (openocd, st-util, a second swdflash) may be using the "
                      "probe; close it and try again",
                      "cannot claim the probe's debug interface: %s",
                      libusb_strerror((int)rc));
  }
  return SWDF_OK;
}

static swdf_err lu_open(swdf_usb **out, swdf_ctx *ctx, void *state, const swdf_usb_device_info *dev) {
  libusb_device **devs = NULL;
  ssize_t n = 0;
  swdf_err err = device_list(&devs, &n, ctx, state);
  if (err != SWDF_OK) {
    return err;
  }
  libusb_device *match = NULL;
  for (ssize_t i = 0; i < n && match == NULL; i++) {
    if (libusb_get_bus_number(devs[i]) == dev->bus &&
        libusb_get_device_address(devs[i]) == dev->address) {
      match = devs[i];
    }
  }
  if (match == NULL) {
    libusb_free_device_list(devs, 1);
    return swdf__fail(ctx, SWDF_ERR_NO_PROBE, "check the USB cable and run 'swdflash list'",
                      "the probe on USB bus %u address %u went away", dev->bus, dev->address);
  }
  libusb_device_handle *h = NULL;
  int rc = libusb_open(match, &h);
  uint16_t packet = in_packet_size(match);
  libusb_free_device_list(devs, 1);
  if (rc != 0) {
    return swdf__fail(ctx, map_libusb_error(rc),
                      rc == LIBUSB_ERROR_ACCESS
                          ? "no permission to use the probe: install swdflash's udev rules "
                            "(60-swdflash.rules, from the swdflash package or 'meson install'), "
                            "reload them with 'sudo udevadm control --reload-rules && sudo "
                            "udevadm trigger' (or replug the probe), or run as root"
                          : NULL,
                      "cannot open the probe: %s", libusb_strerror((int)rc));
  }
  err = claim(h, ctx);
  if (err != SWDF_OK) {
    libusb_close(h);
    return err;
  }
  libusb_open_device *d = calloc(1, sizeof(*d));
  if (d == NULL) {
    libusb_release_interface(h, 0);
    libusb_close(h);
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory opening the probe");
  }
  d->base.ops = &libusb_ops;
  d->base.ctx = ctx;
  d->base.max_packet_in = packet;
  d->handle = h;
  d->usb = ((libusb_state *)state)->usb;
  *out = &d->base;
  return SWDF_OK;
}

const swdf_usb_backend swdf__usb_libusb = {lu_list, lu_open, free_state};

swdf_err swdf__usb_backend(const swdf_usb_backend **backend, void **state, swdf_ctx *ctx) {
  if (ctx->usb_backend == NULL) {
    libusb_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
      return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory starting USB");
    }
    int rc = libusb_init(&s->usb);
    if (rc != 0) {
      free(s);
      return swdf__fail(ctx, SWDF_ERR_USB, "check that USB is available on this machine",
                        "cannot start libusb: %s", libusb_strerror((int)rc));
    }
    ctx->usb_backend = &swdf__usb_libusb;
    ctx->usb_state = s;
  }
  *backend = ctx->usb_backend;
  *state = ctx->usb_state;
  return SWDF_OK;
}
