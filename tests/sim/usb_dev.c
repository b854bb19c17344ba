/* libusb-1.0 drop-in: contexts, the virtual devices and their handles. */
#include "usb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Contexts                                                                */
/* ---------------------------------------------------------------------- */

int LIBUSB_CALL libusb_init(libusb_context **ctx)
{
  sim_process *p = sim_process_get();
  char err[512];
  sim_process_lock(p);
  if (!sim_process_start(p, err, sizeof err)) {
    sim_process_unlock(p);
    fprintf(stderr, "swdsim: %s\n", err);
    return LIBUSB_ERROR_OTHER;
  }
  if (ctx) {
    *ctx = calloc(1, sizeof **ctx);
    if (!*ctx) {
      sim_process_unlock(p);
      return LIBUSB_ERROR_NO_MEM;
    }
  }
  p->contexts++;
  sim_process_unlock(p);
  return LIBUSB_SUCCESS;
}

void LIBUSB_CALL libusb_exit(libusb_context *ctx)
{
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  if (p->contexts > 0)
    p->contexts--;
  sim_process_checkpoint(p);
  sim_process_unlock(p);
  if (ctx && ctx != &p->default_context)
    free(ctx);
}

/* ---------------------------------------------------------------------- */
/* Devices                                                                 */
/* ---------------------------------------------------------------------- */

ssize_t LIBUSB_CALL libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
  (void)ctx;
  if (!list)
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_process *p = sim_process_get();
  char err[512];
  sim_process_lock(p);
  if (!sim_process_start(p, err, sizeof err)) {
    sim_process_unlock(p);
    fprintf(stderr, "swdsim: %s\n", err);
    return LIBUSB_ERROR_OTHER;
  }
  libusb_device **devs = calloc((size_t)p->device_count + 1, sizeof *devs);
  if (!devs) {
    sim_process_unlock(p);
    return LIBUSB_ERROR_NO_MEM;
  }
  ssize_t n = 0;
  for (int i = 0; i < p->device_count; i++) {
    sim_device *d = &p->devices[i];
    if (d->disconnected)
      continue;
    d->usb.sim = d;
    d->usb.refs++;
    devs[n++] = &d->usb;
  }
  sim_process_unlock(p);
  *list = devs;
  return n;
}

void LIBUSB_CALL libusb_free_device_list(libusb_device **list, int unref_devices)
{
  if (!list)
    return;
  if (unref_devices)
    for (libusb_device **d = list; *d; d++)
      libusb_unref_device(*d);
  free(list);
}

libusb_device *LIBUSB_CALL libusb_ref_device(libusb_device *dev)
{
  if (dev) {
    sim_process *p = sim_process_get();
    sim_process_lock(p);
    dev->refs++;
    sim_process_unlock(p);
  }
  return dev;
}

void LIBUSB_CALL libusb_unref_device(libusb_device *dev)
{
  /* Devices live as long as the process; the count is only kept for show. */
  if (dev) {
    sim_process *p = sim_process_get();
    sim_process_lock(p);
    if (dev->refs > 0)
      dev->refs--;
    sim_process_unlock(p);
  }
}

uint8_t LIBUSB_CALL libusb_get_bus_number(libusb_device *dev)
{
  (void)dev;
  return 1;
}

uint8_t LIBUSB_CALL libusb_get_port_number(libusb_device *dev)
{
  return dev ? (uint8_t)(dev->sim->index + 1) : 0;
}

int LIBUSB_CALL libusb_get_port_numbers(libusb_device *dev, uint8_t *port_numbers,
                                        int port_numbers_len)
{
  if (!dev || !port_numbers || port_numbers_len <= 0)
    return port_numbers_len <= 0 ? LIBUSB_ERROR_OVERFLOW : LIBUSB_ERROR_INVALID_PARAM;
  port_numbers[0] = libusb_get_port_number(dev);
  return 1;
}

int LIBUSB_CALL libusb_get_port_path(libusb_context *ctx, libusb_device *dev, uint8_t *path,
                                     uint8_t path_length)
{
  (void)ctx;
  return libusb_get_port_numbers(dev, path, path_length);
}

libusb_device *LIBUSB_CALL libusb_get_parent(libusb_device *dev)
{
  (void)dev;
  return NULL; /* the root hub is not listed */
}

uint8_t LIBUSB_CALL libusb_get_device_address(libusb_device *dev)
{
  return dev ? (uint8_t)(dev->sim->index + 2) : 0;
}

int LIBUSB_CALL libusb_get_device_speed(libusb_device *dev)
{
  if (!dev)
    return LIBUSB_SPEED_UNKNOWN;
  return dev->sim->kind->high_speed ? LIBUSB_SPEED_HIGH : LIBUSB_SPEED_FULL;
}

int LIBUSB_CALL libusb_get_max_packet_size(libusb_device *dev, unsigned char endpoint)
{
  if (!dev)
    return LIBUSB_ERROR_INVALID_PARAM;
  if (sim_usb_endpoint_slot(dev->sim, endpoint) < 0)
    return LIBUSB_ERROR_NOT_FOUND;
  return dev->sim->kind->max_packet;
}

int LIBUSB_CALL libusb_get_max_iso_packet_size(libusb_device *dev, unsigned char endpoint)
{
  return libusb_get_max_packet_size(dev, endpoint);
}

int LIBUSB_CALL libusb_wrap_sys_device(libusb_context *ctx, intptr_t sys_dev,
                                       libusb_device_handle **dev_handle)
{
  (void)ctx;
  (void)sys_dev;
  (void)dev_handle;
  return LIBUSB_ERROR_NOT_SUPPORTED;
}

/* ---------------------------------------------------------------------- */
/* Handles                                                                 */
/* ---------------------------------------------------------------------- */

int LIBUSB_CALL libusb_open(libusb_device *dev, libusb_device_handle **dev_handle)
{
  if (!dev || !dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  bool gone = dev->sim->disconnected;
  bool denied = false;
  p->usb_open_count++;
  for (int i = 0; i < p->config.fault_count; i++)
    if (p->config.faults[i].kind == SIM_FAULT_USB_ACCESS &&
        p->config.faults[i].at <= p->usb_open_count)
      denied = true;
  sim_process_unlock(p);
  if (gone)
    return LIBUSB_ERROR_NO_DEVICE;
  if (denied)
    return LIBUSB_ERROR_ACCESS; /* what a device node without udev rules gives */
  libusb_device_handle *h = calloc(1, sizeof *h);
  if (!h)
    return LIBUSB_ERROR_NO_MEM;
  h->dev = libusb_ref_device(dev);
  *dev_handle = h;
  return LIBUSB_SUCCESS;
}

void LIBUSB_CALL libusb_close(libusb_device_handle *dev_handle)
{
  if (!dev_handle)
    return;
  sim_usb_end_transfers(sim_process_get(), dev_handle);
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  sim_process_checkpoint(p);
  sim_process_unlock(p);
  libusb_unref_device(dev_handle->dev);
  free(dev_handle);
}

libusb_device *LIBUSB_CALL libusb_get_device(libusb_device_handle *dev_handle)
{
  return dev_handle ? dev_handle->dev : NULL;
}

libusb_device_handle *LIBUSB_CALL libusb_open_device_with_vid_pid(libusb_context *ctx,
                                                                  uint16_t vendor_id,
                                                                  uint16_t product_id)
{
  libusb_device **list;
  ssize_t n = libusb_get_device_list(ctx, &list);
  libusb_device_handle *h = NULL;
  for (ssize_t i = 0; i < n && !h; i++) {
    struct libusb_device_descriptor desc;
    libusb_get_device_descriptor(list[i], &desc);
    if (desc.idVendor == vendor_id && desc.idProduct == product_id && libusb_open(list[i], &h) != 0)
      h = NULL;
  }
  if (n >= 0)
    libusb_free_device_list(list, 1);
  return h;
}

int LIBUSB_CALL libusb_get_configuration(libusb_device_handle *dev_handle, int *config)
{
  if (!dev_handle || !config)
    return LIBUSB_ERROR_INVALID_PARAM;
  *config = 1;
  return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_set_configuration(libusb_device_handle *dev_handle, int configuration)
{
  if (!dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  if (dev_handle->dev->sim->disconnected)
    return LIBUSB_ERROR_NO_DEVICE;
  return configuration == 1 || configuration == -1 ? LIBUSB_SUCCESS : LIBUSB_ERROR_NOT_FOUND;
}

int LIBUSB_CALL libusb_claim_interface(libusb_device_handle *dev_handle, int interface_number)
{
  if (!dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  if (dev_handle->dev->sim->disconnected)
    return LIBUSB_ERROR_NO_DEVICE;
  if (interface_number != 0)
    return LIBUSB_ERROR_NOT_FOUND;
  dev_handle->claimed |= 1u;
  return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_release_interface(libusb_device_handle *dev_handle, int interface_number)
{
  if (!dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  if (interface_number != 0 || !(dev_handle->claimed & 1u))
    return LIBUSB_ERROR_NOT_FOUND;
  dev_handle->claimed &= ~1u;
  return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_set_interface_alt_setting(libusb_device_handle *dev_handle,
                                                 int interface_number, int alternate_setting)
{
  if (!dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  if (dev_handle->dev->sim->disconnected)
    return LIBUSB_ERROR_NO_DEVICE;
  return interface_number == 0 && alternate_setting == 0 ? LIBUSB_SUCCESS : LIBUSB_ERROR_NOT_FOUND;
}

int LIBUSB_CALL libusb_clear_halt(libusb_device_handle *dev_handle, unsigned char endpoint)
{
  if (!dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  sim_device *d = dev_handle->dev->sim;
  int slot = sim_usb_endpoint_slot(d, endpoint);
  int r = LIBUSB_SUCCESS;
  if (d->disconnected)
    r = LIBUSB_ERROR_NO_DEVICE;
  else if (slot < 0)
    r = LIBUSB_ERROR_NOT_FOUND;
  else
    d->halted[slot] = false;
  sim_process_unlock(p);
  return r;
}

int LIBUSB_CALL libusb_reset_device(libusb_device_handle *dev_handle)
{
  if (!dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  sim_device *d = dev_handle->dev->sim;
  int r = LIBUSB_SUCCESS;
  if (d->disconnected) {
    r = LIBUSB_ERROR_NOT_FOUND; /* what libusb says when the device is gone after a reset */
  } else {
    memset(d->halted, 0, sizeof d->halted);
    d->inbox_count = 0;
    sim_stlink_usb_reset(d->firmware);
  }
  sim_process_unlock(p);
  return r;
}

int LIBUSB_CALL libusb_kernel_driver_active(libusb_device_handle *dev_handle, int interface_number)
{
  if (!dev_handle)
    return LIBUSB_ERROR_INVALID_PARAM;
  return interface_number == 0 ? 0 : LIBUSB_ERROR_NOT_FOUND;
}

int LIBUSB_CALL libusb_detach_kernel_driver(libusb_device_handle *dev_handle, int interface_number)
{
  (void)dev_handle;
  (void)interface_number;
  return LIBUSB_ERROR_NOT_FOUND; /* no kernel driver is bound */
}

int LIBUSB_CALL libusb_attach_kernel_driver(libusb_device_handle *dev_handle, int interface_number)
{
  (void)dev_handle;
  (void)interface_number;
  return LIBUSB_ERROR_NOT_FOUND;
}

int LIBUSB_CALL libusb_set_auto_detach_kernel_driver(libusb_device_handle *dev_handle, int enable)
{
  (void)enable;
  return dev_handle ? LIBUSB_SUCCESS : LIBUSB_ERROR_INVALID_PARAM;
}

int LIBUSB_CALL libusb_alloc_streams(libusb_device_handle *dev_handle, uint32_t num_streams,
                                     unsigned char *endpoints, int num_endpoints)
{
  (void)dev_handle;
  (void)num_streams;
  (void)endpoints;
  (void)num_endpoints;
  return LIBUSB_ERROR_NOT_SUPPORTED;
}

int LIBUSB_CALL libusb_free_streams(libusb_device_handle *dev_handle, unsigned char *endpoints,
                                    int num_endpoints)
{
  (void)dev_handle;
  (void)endpoints;
  (void)num_endpoints;
  return LIBUSB_ERROR_NOT_SUPPORTED;
}

unsigned char *LIBUSB_CALL libusb_dev_mem_alloc(libusb_device_handle *dev_handle, size_t length)
{
  (void)dev_handle;
  (void)length;
  return NULL;
}

int LIBUSB_CALL libusb_dev_mem_free(libusb_device_handle *dev_handle, unsigned char *buffer,
                                    size_t length)
{
  (void)dev_handle;
  (void)buffer;
  (void)length;
  return LIBUSB_ERROR_NOT_SUPPORTED;
}
