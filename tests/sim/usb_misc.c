/*
 * libusb-1.0 drop-in: library information, error names, options, and the
 * event-loop plumbing that has nothing to do with a virtual bus (there are no
 * file descriptors to poll and no other thread to wait for).
 */
#include "usb_internal.h"

#include <stdlib.h>
#include <string.h>

static const struct libusb_version version = {
  .major = 1,
  .minor = 0,
  .micro = 26,
  .nano = 11724,
  .rc = "",
  .describe = "swdsim virtual USB",
};

const struct libusb_version *LIBUSB_CALL libusb_get_version(void)
{
  return &version;
}

int LIBUSB_CALL libusb_has_capability(uint32_t capability)
{
  switch (capability) {
  case LIBUSB_CAP_HAS_CAPABILITY:
  case LIBUSB_CAP_SUPPORTS_DETACH_KERNEL_DRIVER:
    return 1;
  default:
    return 0; /* no hotplug, no HID access */
  }
}

static const struct {
  int code;
  const char *name;
  const char *message;
} errors[] = {
  {LIBUSB_SUCCESS, "LIBUSB_SUCCESS", "Success"},
  {LIBUSB_ERROR_IO, "LIBUSB_ERROR_IO", "Input/Output Error"},
  {LIBUSB_ERROR_INVALID_PARAM, "LIBUSB_ERROR_INVALID_PARAM", "Invalid parameter"},
  {LIBUSB_ERROR_ACCESS, "LIBUSB_ERROR_ACCESS", "Access denied (insufficient permissions)"},
  {LIBUSB_ERROR_NO_DEVICE, "LIBUSB_ERROR_NO_DEVICE",
   "No such device (it may have been disconnected)"},
  {LIBUSB_ERROR_NOT_FOUND, "LIBUSB_ERROR_NOT_FOUND", "Entity not found"},
  {LIBUSB_ERROR_BUSY, "LIBUSB_ERROR_BUSY", "Resource busy"},
  {LIBUSB_ERROR_TIMEOUT, "LIBUSB_ERROR_TIMEOUT", "Operation timed out"},
  {LIBUSB_ERROR_OVERFLOW, "LIBUSB_ERROR_OVERFLOW", "Overflow"},
  {LIBUSB_ERROR_PIPE, "LIBUSB_ERROR_PIPE", "Pipe error"},
  {LIBUSB_ERROR_INTERRUPTED, "LIBUSB_ERROR_INTERRUPTED", "System call interrupted (perhaps due to signal)"},
  {LIBUSB_ERROR_NO_MEM, "LIBUSB_ERROR_NO_MEM", "Insufficient memory"},
  {LIBUSB_ERROR_NOT_SUPPORTED, "LIBUSB_ERROR_NOT_SUPPORTED",
   "Operation not supported or unimplemented on this platform"},
  {LIBUSB_ERROR_OTHER, "LIBUSB_ERROR_OTHER", "Other error"},
};

static const char *transfer_status_names[] = {
  [LIBUSB_TRANSFER_COMPLETED] = "LIBUSB_TRANSFER_COMPLETED",
  [LIBUSB_TRANSFER_ERROR] = "LIBUSB_TRANSFER_ERROR",
  [LIBUSB_TRANSFER_TIMED_OUT] = "LIBUSB_TRANSFER_TIMED_OUT",
  [LIBUSB_TRANSFER_CANCELLED] = "LIBUSB_TRANSFER_CANCELLED",
  [LIBUSB_TRANSFER_STALL] = "LIBUSB_TRANSFER_STALL",
  [LIBUSB_TRANSFER_NO_DEVICE] = "LIBUSB_TRANSFER_NO_DEVICE",
  [LIBUSB_TRANSFER_OVERFLOW] = "LIBUSB_TRANSFER_OVERFLOW",
};

const char *LIBUSB_CALL libusb_error_name(int errcode)
{
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].code == errcode)
      return errors[i].name;
  /* libusb also names transfer status codes passed here. */
  if (errcode >= 0 && (size_t)errcode < sizeof transfer_status_names / sizeof transfer_status_names[0])
    return transfer_status_names[errcode];
  return "**UNKNOWN**";
}

const char *LIBUSB_CALL libusb_strerror(int errcode)
{
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].code == errcode)
      return errors[i].message;
  return "Unknown error";
}

int LIBUSB_CALL libusb_setlocale(const char *locale)
{
  if (!locale || strlen(locale) < 2)
    return LIBUSB_ERROR_INVALID_PARAM;
  return strncmp(locale, "en", 2) == 0 ? LIBUSB_SUCCESS : LIBUSB_ERROR_NOT_FOUND;
}

void LIBUSB_CALL libusb_set_debug(libusb_context *ctx, int level)
{
  if (ctx)
    ctx->debug_level = level;
}

void LIBUSB_CALL libusb_set_log_cb(libusb_context *ctx, libusb_log_cb cb, int mode)
{
  (void)ctx;
  (void)cb;
  (void)mode; /* the drop-in has nothing to log */
}

int LIBUSB_CALL libusb_set_option(libusb_context *ctx, enum libusb_option option, ...)
{
  (void)ctx;
  switch (option) {
  case LIBUSB_OPTION_LOG_LEVEL:
  case LIBUSB_OPTION_NO_DEVICE_DISCOVERY:
    return LIBUSB_SUCCESS;
  case LIBUSB_OPTION_USE_USBDK:
    return LIBUSB_ERROR_NOT_SUPPORTED;
  default:
    return LIBUSB_ERROR_INVALID_PARAM;
  }
}

/* One thread handles events at a time; there is never anyone to wait for. */
int LIBUSB_CALL libusb_try_lock_events(libusb_context *ctx)
{
  (void)ctx;
  return 0;
}

void LIBUSB_CALL libusb_lock_events(libusb_context *ctx)
{
  (void)ctx;
}

void LIBUSB_CALL libusb_unlock_events(libusb_context *ctx)
{
  (void)ctx;
}

int LIBUSB_CALL libusb_event_handling_ok(libusb_context *ctx)
{
  (void)ctx;
  return 1;
}

int LIBUSB_CALL libusb_event_handler_active(libusb_context *ctx)
{
  (void)ctx;
  return 0;
}

void LIBUSB_CALL libusb_interrupt_event_handler(libusb_context *ctx)
{
  (void)ctx;
}

void LIBUSB_CALL libusb_lock_event_waiters(libusb_context *ctx)
{
  (void)ctx;
}

void LIBUSB_CALL libusb_unlock_event_waiters(libusb_context *ctx)
{
  (void)ctx;
}

int LIBUSB_CALL libusb_pollfds_handle_timeouts(libusb_context *ctx)
{
  (void)ctx;
  return 1;
}

int LIBUSB_CALL libusb_get_next_timeout(libusb_context *ctx, struct timeval *tv)
{
  (void)ctx;
  (void)tv;
  return 0; /* timeouts are handled inside event handling */
}

const struct libusb_pollfd **LIBUSB_CALL libusb_get_pollfds(libusb_context *ctx)
{
  (void)ctx;
  return calloc(1, sizeof(struct libusb_pollfd *)); /* an empty list */
}

void LIBUSB_CALL libusb_free_pollfds(const struct libusb_pollfd **pollfds)
{
  free((void *)pollfds);
}

void LIBUSB_CALL libusb_set_pollfd_notifiers(libusb_context *ctx, libusb_pollfd_added_cb added_cb,
                                             libusb_pollfd_removed_cb removed_cb, void *user_data)
{
  (void)ctx;
  (void)added_cb;
  (void)removed_cb;
  (void)user_data;
}

int LIBUSB_CALL libusb_hotplug_register_callback(libusb_context *ctx, int events, int flags,
                                                 int vendor_id, int product_id, int dev_class,
                                                 libusb_hotplug_callback_fn cb_fn, void *user_data,
                                                 libusb_hotplug_callback_handle *callback_handle)
{
  (void)ctx;
  (void)events;
  (void)flags;
  (void)vendor_id;
  (void)product_id;
  (void)dev_class;
  (void)cb_fn;
  (void)user_data;
  (void)callback_handle;
  return LIBUSB_ERROR_NOT_SUPPORTED;
}

void LIBUSB_CALL libusb_hotplug_deregister_callback(libusb_context *ctx,
                                                    libusb_hotplug_callback_handle callback_handle)
{
  (void)ctx;
  (void)callback_handle;
}

void *LIBUSB_CALL libusb_hotplug_get_user_data(libusb_context *ctx,
                                               libusb_hotplug_callback_handle callback_handle)
{
  (void)ctx;
  (void)callback_handle;
  return NULL;
}
