/* Shared by the files of the libusb-1.0 drop-in. */
#ifndef SWDSIM_USB_INTERNAL_H
#define SWDSIM_USB_INTERNAL_H

#include "process.h"

void sim_usb_device_descriptor(const sim_device *d, struct libusb_device_descriptor *desc);
int sim_usb_config_descriptor(const sim_device *d, struct libusb_config_descriptor **out);
/* Raw descriptor bytes for GET_DESCRIPTOR; a libusb error if the device stalls. */
int sim_usb_raw_descriptor(const sim_device *d, uint8_t type, uint8_t index, uint8_t *out,
                           size_t cap);

/* Complete a closing handle's transfers in flight as cancelled. */
void sim_usb_end_transfers(sim_process *p, libusb_device_handle *h);

/* Endpoint slot of an address (0 OUT, 1 IN, 2 trace), -1 if the device has none. */
int sim_usb_endpoint_slot(const sim_device *d, unsigned char endpoint);

#endif
