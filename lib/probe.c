/* The public probe API: discovery, opening by serial, information, NRST. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adi/adi.h"

static bool is_stlink(const swdf_usb_device_info *dev) {
  return swdf__stlink_pid_info(dev->pid) != NULL;
}

static void fill_static_info(swdf_probe_info *info, const swdf_usb_device_info *dev) {
  const stlink_pid_info *pid = swdf__stlink_pid_info(dev->pid);
  memset(info, 0, sizeof(*info));
  info->size = sizeof(*info);
  info->kind = pid->kind;
  info->vid = dev->vid;
  info->pid = dev->pid;
  info->usb_bus = dev->bus;
  info->usb_address = dev->address;
  info->busy = dev->busy ? 1 : 0;
  swdf__stlink_serial(info->serial, sizeof(info->serial), dev->serial_raw, dev->serial_raw_len);
  snprintf(info->product, sizeof(info->product), "%s",
           dev->product[0] != '\0' ? dev->product : pid->product);
}

static swdf_err fill_live_info(swdf_probe_info *info, swdf_stlink *st) {
  info->kind = st->kind;
  info->hw_version = st->version.hw;
  info->jtag_version = st->version.jtag;
  swdf__stlink_firmware_name(info->firmware, sizeof(info->firmware), &st->version, st->kind);
  return swdf__stlink_target_voltage(&info->target_voltage_mv, st);
}

/* The ST-Links among the USB devices; `*count` may be 0. */
static swdf_err list_devices(swdf_usb_device_info **out, size_t *count, swdf_ctx *ctx) {
  const swdf_usb_backend *backend;
  void *state;
  swdf_err err = swdf__usb_backend(&backend, &state, ctx);
  if (err != SWDF_OK) {
    return err;
  }
  swdf_usb_device_info *all = NULL;
  size_t n = 0;
  err = backend->list(&all, &n, ctx, state, STLINK_VID);
  if (err != SWDF_OK) {
    return err;
  }
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (is_stlink(&all[i])) {
      all[kept++] = all[i];
    }
  }
  *out = all;
  *count = kept;
  return SWDF_OK;
}

static swdf_err open_stlink(swdf_stlink **out, swdf_ctx *ctx, const swdf_usb_device_info *dev) {
  const swdf_usb_backend *backend;
  void *state;
  swdf_err err = swdf__usb_backend(&backend, &state, ctx);
  swdf_usb *usb = NULL;
  if (err == SWDF_OK) {
    err = backend->open(&usb, ctx, state, dev);
  }
  if (err == SWDF_OK) {
    err = swdf__stlink_open(out, ctx, usb, dev->pid);
  }
  return err;
}

swdf_err swdf_probe_list(swdf_probe_info **out, size_t *count, swdf_ctx *ctx) {
  if (out == NULL || count == NULL || ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(ctx);
  *out = NULL;
  *count = 0;
  swdf_usb_device_info *devs = NULL;
  size_t n = 0;
  swdf_err err = list_devices(&devs, &n, ctx);
  if (err != SWDF_OK || n == 0) {
    free(devs);
    return err;
  }
  swdf_probe_info *list = calloc(n, sizeof(*list));
  if (list == NULL) {
    free(devs);
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory listing probes");
  }
  for (size_t i = 0; i < n; i++) {
    fill_static_info(&list[i], &devs[i]);
    const stlink_pid_info *pid = swdf__stlink_pid_info(devs[i].pid);
    if (devs[i].busy || !pid->usable) {
      continue;
    }
    /* Ask the probe itself for firmware and voltage; a probe that another
     * program holds cannot be asked. */
    swdf_stlink *st = NULL;
    swdf_saved_error saved;
    swdf__save_error(&saved, ctx);
    swdf_err open_err = open_stlink(&st, ctx, &devs[i]);
    swdf__restore_error(ctx, &saved);
    if (open_err != SWDF_OK) {
      list[i].busy = open_err == SWDF_ERR_PROBE_ACCESS ? 1 : 0;
      continue;
    }
    swdf__save_error(&saved, ctx);
    fill_live_info(&list[i], st); /* a listing shows what it can */
    swdf__restore_error(ctx, &saved);
    swdf__stlink_close(st);
  }
  free(devs);
  *out = list;
  *count = n;
  return SWDF_OK;
}

void swdf_probe_list_free(swdf_probe_info *list) { free(list); }

swdf_err swdf_probe_list_get(swdf_probe_info *out, const swdf_probe_info *list, size_t count,
                             size_t index) {
  if (out == NULL || list == NULL || index >= count) {
    return SWDF_ERR_INVALID_ARG;
  }
  return swdf__versioned_out(out, &list[index], sizeof(list[index]), SWDF__MIN_PROBE_INFO, NULL,
                             "swdf_probe_info");
}

static swdf_err no_probe(swdf_ctx *ctx) {
  return swdf__fail(ctx, SWDF_ERR_NO_PROBE,
                    "plug the ST-Link in with a data cable (not a charge-only one); on Linux "
                    "install swdflash's udev rules (60-swdflash.rules) and replug it; "
                    "'swdflash list' shows the probes that can be seen",
                    "no ST-Link probe found");
}

static swdf_err ambiguous(swdf_ctx *ctx, const swdf_usb_device_info *devs, size_t n) {
  char list[SWDF_MSG_MAX / 2] = "";
  size_t pos = 0;
  for (size_t i = 0; i < n && pos < sizeof(list); i++) {
    char serial[64];
    swdf__stlink_serial(serial, sizeof(serial), devs[i].serial_raw, devs[i].serial_raw_len);
    pos += (size_t)snprintf(list + pos, sizeof(list) - pos, "%s%s (%s)", i == 0 ? "" : ", ",
                            serial, swdf__stlink_pid_info(devs[i].pid)->product);
  }
  return swdf__fail(ctx, SWDF_ERR_PROBE_AMBIGUOUS, "choose one with --serial SERIAL",
                    "%zu probes are connected: %s", n, list);
}

static swdf_err choose(const swdf_usb_device_info **out, swdf_ctx *ctx,
                       const swdf_usb_device_info *devs, size_t n, const char *serial) {
  if (n == 0) {
    return no_probe(ctx);
  }
  if (serial == NULL) {
    if (n > 1) {
      return ambiguous(ctx, devs, n);
    }
    *out = &devs[0];
    return SWDF_OK;
  }
  const swdf_usb_device_info *match = NULL;
  size_t matches = 0;
  for (size_t i = 0; i < n; i++) {
    char s[64];
    swdf__stlink_serial(s, sizeof(s), devs[i].serial_raw, devs[i].serial_raw_len);
    if (strcasecmp(s, serial) == 0) {
      match = &devs[i];
      matches++;
    }
  }
  if (matches == 0 && serial[0] != '\0') {
    /* No exact match: a unique beginning of a serial number will do, as
     * serials are long and the first digits usually tell probes apart. */
    char list[SWDF_MSG_MAX / 2] = "";
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
      char s[64];
      swdf__stlink_serial(s, sizeof(s), devs[i].serial_raw, devs[i].serial_raw_len);
      if (strncasecmp(s, serial, strlen(serial)) == 0) {
        match = &devs[i];
        matches++;
        if (pos < sizeof(list)) {
          pos += (size_t)snprintf(list + pos, sizeof(list) - pos, "%s%s", matches == 1 ? "" : ", ",
                                  s);
        }
      }
    }
    if (matches > 1) {
      return swdf__fail(ctx, SWDF_ERR_PROBE_AMBIGUOUS, "give more of the serial number",
                        "%zu probes have serial numbers that begin with %s: %s", matches, serial,
                        list);
    }
  }
  if (matches == 0) {
    return swdf__fail(ctx, SWDF_ERR_NO_PROBE, "'swdflash list' shows the serial numbers",
                      "no probe with serial number %s", serial);
  }
  if (matches > 1) {
    return swdf__fail(ctx, SWDF_ERR_PROBE_AMBIGUOUS,
                      "some clone batches share a serial number: unplug all but one",
                      "%zu probes have the serial number %s", matches, serial);
  }
  *out = match;
  return SWDF_OK;
}

swdf_err swdf_probe_open(swdf_probe **out, swdf_ctx *ctx, const char *serial) {
  if (out == NULL || ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(ctx);
  *out = NULL;
  swdf_usb_device_info *devs = NULL;
  size_t n = 0;
  swdf_err err = list_devices(&devs, &n, ctx);
  const swdf_usb_device_info *dev = NULL;
  if (err == SWDF_OK) {
    err = choose(&dev, ctx, devs, n, serial);
  }
  swdf_probe *p = NULL;
  if (err == SWDF_OK) {
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
      err = swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
    }
  }
  if (err == SWDF_OK) {
    p->ctx = ctx;
    p->dev = *dev;
    swdf__stlink_serial(p->serial, sizeof(p->serial), dev->serial_raw, dev->serial_raw_len);
    err = open_stlink(&p->st, ctx, dev);
  }
  free(devs);
  if (err != SWDF_OK) {
    free(p);
    return err;
  }
  swdf__log(ctx, SWDF_LOG_DEBUG, "opened probe %s", p->serial);
  *out = p;
  return SWDF_OK;
}

void swdf_probe_close(swdf_probe *probe) {
  if (probe == NULL) {
    return;
  }
  if (probe->target != NULL) {
    swdf_target_disconnect(probe->target);
  }
  swdf__stlink_close(probe->st);
  free(probe);
}

static swdf_err get_info_full(swdf_probe_info *out, swdf_probe *probe) {
  if (out == NULL || probe == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(probe->ctx);
  fill_static_info(out, &probe->dev);
  return fill_live_info(out, probe->st);
}

swdf_err swdf_probe_get_info(swdf_probe_info *out, swdf_probe *probe) {
  swdf_probe_info full;
  swdf_err err = get_info_full(out != NULL ? &full : NULL, probe);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_PROBE_INFO, probe->ctx,
                                              "swdf_probe_info");
}

swdf_err swdf_probe_set_nrst(swdf_probe *probe, int asserted) {
  if (probe == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(probe->ctx);
  if (!probe->st->in_debug) {
    /* The pin is only driven once a debug mode is chosen (openocd stlink_usb_init_mode). */
    swdf_err err = swdf__stlink_enter_swd(probe->st);
    if (err != SWDF_OK) {
      return err;
    }
  }
  return swdf__stlink_drive_nrst(probe->st, asserted ? STLINK_NRST_LOW : STLINK_NRST_HIGH, true);
}

const char *swdf_probe_kind_name(swdf_probe_kind kind) {
  static const char *const names[] = {"V2", "V2-1", "V3"};
  return (unsigned)kind < SWDF_ARRAY_LEN(names) ? names[kind] : "unknown";
}
