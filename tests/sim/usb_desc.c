/*
 * USB descriptors of the virtual probes: the parsed forms libusb hands out
 * and the raw bytes a GET_DESCRIPTOR control transfer returns.
 */
#include "usb_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
  VID_ST = 0x0483,
  LANGID_EN_US = 0x0409,
  STRING_MANUFACTURER = 1,
  STRING_PRODUCT = 2,
  STRING_SERIAL = 3,
  ENDPOINT_COUNT = 3,
  CONFIG_TOTAL_LENGTH = LIBUSB_DT_CONFIG_SIZE + LIBUSB_DT_INTERFACE_SIZE +
                        ENDPOINT_COUNT * LIBUSB_DT_ENDPOINT_SIZE,
};

static const char manufacturer[] = "STMicroelectronics";

void sim_usb_device_descriptor(const sim_device *d, struct libusb_device_descriptor *desc)
{
  memset(desc, 0, sizeof *desc);
  desc->bLength = LIBUSB_DT_DEVICE_SIZE;
  desc->bDescriptorType = LIBUSB_DT_DEVICE;
  desc->bcdUSB = 0x0200;
  desc->bDeviceClass = 0; /* per interface */
  desc->bMaxPacketSize0 = 64;
  desc->idVendor = VID_ST;
  desc->idProduct = d->kind->pid;
  desc->bcdDevice = 0x0100;
  desc->iManufacturer = STRING_MANUFACTURER;
  desc->iProduct = STRING_PRODUCT;
  desc->iSerialNumber = STRING_SERIAL;
  desc->bNumConfigurations = 1;
}

static void endpoints(const sim_device *d, struct libusb_endpoint_descriptor eps[ENDPOINT_COUNT])
{
  const uint8_t addr[ENDPOINT_COUNT] = {d->kind->ep_in, d->kind->ep_out, d->kind->ep_trace};
  for (int i = 0; i < ENDPOINT_COUNT; i++) {
    memset(&eps[i], 0, sizeof eps[i]);
    eps[i].bLength = LIBUSB_DT_ENDPOINT_SIZE;
    eps[i].bDescriptorType = LIBUSB_DT_ENDPOINT;
    eps[i].bEndpointAddress = addr[i];
    eps[i].bmAttributes = LIBUSB_TRANSFER_TYPE_BULK;
    eps[i].wMaxPacketSize = d->kind->max_packet;
  }
}

/* Interface 0 only: the debug interface every tool uses. */
typedef struct config_block {
  struct libusb_config_descriptor config; /* first: freed through it */
  struct libusb_interface interface;
  struct libusb_interface_descriptor altsetting;
  struct libusb_endpoint_descriptor endpoint[ENDPOINT_COUNT];
} config_block;

int sim_usb_config_descriptor(const sim_device *d, struct libusb_config_descriptor **out)
{
  config_block *b = calloc(1, sizeof *b);
  if (!b)
    return LIBUSB_ERROR_NO_MEM;
  endpoints(d, b->endpoint);
  b->altsetting = (struct libusb_interface_descriptor){
    .bLength = LIBUSB_DT_INTERFACE_SIZE,
    .bDescriptorType = LIBUSB_DT_INTERFACE,
    .bInterfaceNumber = 0,
    .bNumEndpoints = ENDPOINT_COUNT,
    .bInterfaceClass = LIBUSB_CLASS_VENDOR_SPEC,
    .bInterfaceSubClass = 0xFF,
    .bInterfaceProtocol = 0xFF,
    .endpoint = b->endpoint,
  };
  b->interface.altsetting = &b->altsetting;
  b->interface.num_altsetting = 1;
  b->config = (struct libusb_config_descriptor){
    .bLength = LIBUSB_DT_CONFIG_SIZE,
    .bDescriptorType = LIBUSB_DT_CONFIG,
    .wTotalLength = CONFIG_TOTAL_LENGTH,
    .bNumInterfaces = 1,
    .bConfigurationValue = 1,
    .bmAttributes = 0x80, /* bus powered */
    .MaxPower = 50,       /* 100 mA in 2 mA units */
    .interface = &b->interface,
  };
  *out = &b->config;
  return LIBUSB_SUCCESS;
}

static size_t put_le16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  return 2;
}

static size_t raw_device(const sim_device *d, uint8_t *p)
{
  struct libusb_device_descriptor dd;
  sim_usb_device_descriptor(d, &dd);
  p[0] = dd.bLength;
  p[1] = dd.bDescriptorType;
  put_le16(p + 2, dd.bcdUSB);
  p[4] = dd.bDeviceClass;
  p[5] = dd.bDeviceSubClass;
  p[6] = dd.bDeviceProtocol;
  p[7] = dd.bMaxPacketSize0;
  put_le16(p + 8, dd.idVendor);
  put_le16(p + 10, dd.idProduct);
  put_le16(p + 12, dd.bcdDevice);
  p[14] = dd.iManufacturer;
  p[15] = dd.iProduct;
  p[16] = dd.iSerialNumber;
  p[17] = dd.bNumConfigurations;
  return LIBUSB_DT_DEVICE_SIZE;
}

static size_t raw_config(const sim_device *d, uint8_t *p)
{
  struct libusb_endpoint_descriptor eps[ENDPOINT_COUNT];
  endpoints(d, eps);
  const uint8_t head[] = {
    LIBUSB_DT_CONFIG_SIZE, LIBUSB_DT_CONFIG, CONFIG_TOTAL_LENGTH & 0xFF, CONFIG_TOTAL_LENGTH >> 8,
    1, 1, 0, 0x80, 50,
    LIBUSB_DT_INTERFACE_SIZE, LIBUSB_DT_INTERFACE, 0, 0, ENDPOINT_COUNT,
    LIBUSB_CLASS_VENDOR_SPEC, 0xFF, 0xFF, 0,
  };
  memcpy(p, head, sizeof head);
  size_t n = sizeof head;
  for (int i = 0; i < ENDPOINT_COUNT; i++) {
    p[n++] = LIBUSB_DT_ENDPOINT_SIZE;
    p[n++] = LIBUSB_DT_ENDPOINT;
    p[n++] = eps[i].bEndpointAddress;
    p[n++] = eps[i].bmAttributes;
    n += put_le16(p + n, eps[i].wMaxPacketSize);
    p[n++] = 0; /* bInterval */
  }
  return n;
}

/* A string descriptor: each byte becomes one UTF-16 code unit. */
static size_t raw_string(const uint8_t *chars, size_t len, uint8_t *p)
{
  p[0] = (uint8_t)(2 + 2 * len);
  p[1] = LIBUSB_DT_STRING;
  for (size_t i = 0; i < len; i++) {
    p[2 + 2 * i] = chars[i];
    p[3 + 2 * i] = 0;
  }
  return 2 + 2 * len;
}

int sim_usb_raw_descriptor(const sim_device *d, uint8_t type, uint8_t index, uint8_t *out,
                           size_t cap)
{
  uint8_t buf[256];
  size_t n = 0;
  switch (type) {
  case LIBUSB_DT_DEVICE:
    n = raw_device(d, buf);
    break;
  case LIBUSB_DT_CONFIG:
    if (index != 0)
      return LIBUSB_ERROR_PIPE;
    n = raw_config(d, buf);
    break;
  case LIBUSB_DT_STRING:
    switch (index) {
    case 0:
      buf[0] = 4;
      buf[1] = LIBUSB_DT_STRING;
      n = 2 + put_le16(buf + 2, LANGID_EN_US);
      break;
    case STRING_MANUFACTURER:
      n = raw_string((const uint8_t *)manufacturer, strlen(manufacturer), buf);
      break;
    case STRING_PRODUCT:
      n = raw_string((const uint8_t *)d->kind->product, strlen(d->kind->product), buf);
      break;
    case STRING_SERIAL:
      n = raw_string(d->serial_raw, d->serial_len, buf);
      break;
    default:
      return LIBUSB_ERROR_PIPE; /* the device stalls the request */
    }
    break;
  default:
    return LIBUSB_ERROR_PIPE;
  }
  if (n > cap)
    n = cap;
  memcpy(out, buf, n);
  return (int)n;
}

/* ---------------------------------------------------------------------- */
/* libusb descriptor API                                                   */
/* ---------------------------------------------------------------------- */

int LIBUSB_CALL libusb_get_device_descriptor(libusb_device *dev,
                                             struct libusb_device_descriptor *desc)
{
  if (!dev || !desc)
    return LIBUSB_ERROR_INVALID_PARAM;
  sim_usb_device_descriptor(dev->sim, desc);
  return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_get_config_descriptor(libusb_device *dev, uint8_t config_index,
                                             struct libusb_config_descriptor **config)
{
  if (!dev || !config)
    return LIBUSB_ERROR_INVALID_PARAM;
  if (config_index != 0)
    return LIBUSB_ERROR_NOT_FOUND;
  return sim_usb_config_descriptor(dev->sim, config);
}

int LIBUSB_CALL libusb_get_active_config_descriptor(libusb_device *dev,
                                                    struct libusb_config_descriptor **config)
{
  return libusb_get_config_descriptor(dev, 0, config);
}

int LIBUSB_CALL libusb_get_config_descriptor_by_value(libusb_device *dev, uint8_t value,
                                                      struct libusb_config_descriptor **config)
{
  if (value != 1)
    return LIBUSB_ERROR_NOT_FOUND;
  return libusb_get_config_descriptor(dev, 0, config);
}

void LIBUSB_CALL libusb_free_config_descriptor(struct libusb_config_descriptor *config)
{
  free(config); /* the config_block starts with it */
}

int LIBUSB_CALL libusb_get_ss_endpoint_companion_descriptor(
  libusb_context *ctx, const struct libusb_endpoint_descriptor *endpoint,
  struct libusb_ss_endpoint_companion_descriptor **ep_comp)
{
  (void)ctx;
  (void)endpoint;
  if (ep_comp)
    *ep_comp = NULL;
  return LIBUSB_ERROR_NOT_FOUND; /* not a SuperSpeed device */
}

void LIBUSB_CALL
libusb_free_ss_endpoint_companion_descriptor(struct libusb_ss_endpoint_companion_descriptor *ep_comp)
{
  free(ep_comp);
}

int LIBUSB_CALL libusb_get_bos_descriptor(libusb_device_handle *dev_handle,
                                          struct libusb_bos_descriptor **bos)
{
  (void)dev_handle;
  if (bos)
    *bos = NULL;
  return LIBUSB_ERROR_PIPE; /* USB 2.0 devices have no BOS: the request stalls */
}

void LIBUSB_CALL libusb_free_bos_descriptor(struct libusb_bos_descriptor *bos)
{
  free(bos);
}

int LIBUSB_CALL libusb_get_usb_2_0_extension_descriptor(
  libusb_context *ctx, struct libusb_bos_dev_capability_descriptor *dev_cap,
  struct libusb_usb_2_0_extension_descriptor **usb_2_0_extension)
{
  (void)ctx;
  (void)dev_cap;
  if (usb_2_0_extension)
    *usb_2_0_extension = NULL;
  return LIBUSB_ERROR_INVALID_PARAM;
}

void LIBUSB_CALL
libusb_free_usb_2_0_extension_descriptor(struct libusb_usb_2_0_extension_descriptor *d)
{
  free(d);
}

int LIBUSB_CALL libusb_get_ss_usb_device_capability_descriptor(
  libusb_context *ctx, struct libusb_bos_dev_capability_descriptor *dev_cap,
  struct libusb_ss_usb_device_capability_descriptor **ss_usb_device_cap)
{
  (void)ctx;
  (void)dev_cap;
  if (ss_usb_device_cap)
    *ss_usb_device_cap = NULL;
  return LIBUSB_ERROR_INVALID_PARAM;
}

void LIBUSB_CALL
libusb_free_ss_usb_device_capability_descriptor(struct libusb_ss_usb_device_capability_descriptor *d)
{
  free(d);
}

int LIBUSB_CALL libusb_get_container_id_descriptor(
  libusb_context *ctx, struct libusb_bos_dev_capability_descriptor *dev_cap,
  struct libusb_container_id_descriptor **container_id)
{
  (void)ctx;
  (void)dev_cap;
  if (container_id)
    *container_id = NULL;
  return LIBUSB_ERROR_INVALID_PARAM;
}

void LIBUSB_CALL libusb_free_container_id_descriptor(struct libusb_container_id_descriptor *d)
{
  free(d);
}

int LIBUSB_CALL libusb_get_string_descriptor_ascii(libusb_device_handle *dev_handle,
                                                   uint8_t desc_index, unsigned char *data,
                                                   int length)
{
  if (!dev_handle || !data || length <= 0 || desc_index == 0)
    return LIBUSB_ERROR_INVALID_PARAM;
  unsigned char langs[4];
  int r = libusb_get_string_descriptor(dev_handle, 0, 0, langs, sizeof langs);
  if (r < 0)
    return r;
  if (r < 4)
    return LIBUSB_ERROR_IO;
  uint16_t langid = (uint16_t)(langs[2] | langs[3] << 8);
  unsigned char buf[255];
  r = libusb_get_string_descriptor(dev_handle, desc_index, langid, buf, sizeof buf);
  if (r < 0)
    return r;
  if (buf[1] != LIBUSB_DT_STRING || buf[0] > r)
    return LIBUSB_ERROR_IO;
  int n = 0;
  for (int i = 2; i + 1 < buf[0] && n < length - 1; i += 2)
    /* libusb 1.0.26 replaces anything outside 7-bit ASCII with '?' */
    data[n++] = (buf[i] & 0x80 || buf[i + 1]) ? '?' : buf[i];
  data[n] = 0;
  return n;
}
