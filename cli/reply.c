/* The objects shared by every command's JSON reply; one emitter each, so
 * that "chip" is the same object in info, write, options and the rest. */
#include <stdio.h>

#include "reply.h"

static void probe_members(cli_json *j, const swdf_probe_info *p) {
  bool opened = p->firmware[0] != '\0'; /* a busy probe cannot be asked */
  cli_json_str(j, "serial", p->serial);
  cli_json_str(j, "kind", swdf_probe_kind_name(p->kind));
  cli_json_str(j, "product", p->product);
  cli_json_str(j, "firmware", opened ? p->firmware : NULL);
  if (opened) {
    cli_json_double(j, "target_voltage", p->target_voltage_mv / 1000.0);
  } else {
    cli_json_null(j, "target_voltage");
  }
  cli_json_hex32(j, "usb_id", (uint32_t)p->vid << 16 | p->pid);
  cli_json_int(j, "usb_bus", p->usb_bus);
  cli_json_int(j, "usb_address", p->usb_address);
  cli_json_bool(j, "busy", p->busy != 0);
}

void cli_json_probe(cli_json *j, const char *key, const swdf_probe_info *p) {
  cli_json_object_begin(j, key);
  probe_members(j, p);
  cli_json_object_end(j);
}

void cli_json_probe_with_chip(cli_json *j, const swdf_probe_info *p, const swdf_chip_info *c) {
  cli_json_object_begin(j, NULL);
  probe_members(j, p);
  cli_json_chip(j, "chip", c);
  cli_json_object_end(j);
}

static bool chip_known(const swdf_chip_info *c) { return c != NULL && c->name[0] != '\0'; }

void cli_json_chip(cli_json *j, const char *key, const swdf_chip_info *c) {
  if (!chip_known(c)) {
    cli_json_null(j, key);
    return;
  }
  char text[32];
  cli_json_object_begin(j, key);
  cli_json_str(j, "id", c->id);
  cli_json_str(j, "name", c->name);
  cli_json_str(j, "family", c->family);
  cli_json_str(j, "core", c->core);
  snprintf(text, sizeof(text), "0x%03X", c->dev_id);
  cli_json_str(j, "dev_id", text);
  snprintf(text, sizeof(text), "0x%04X", c->rev_id);
  cli_json_str(j, "rev_id", text);
  cli_json_str(j, "revision", c->revision[0] != '\0' ? c->revision : NULL);
  cli_json_hex32(j, "cpuid", c->cpuid);
  cli_json_hex32(j, "dp_idcode", c->dp_idcode);
  cli_json_hex32(j, "dbgmcu_idcode", c->dbgmcu_idcode);
  if (c->has_unique_id) {
    snprintf(text, sizeof(text), "%08X%08X%08X", c->unique_id[2], c->unique_id[1],
             c->unique_id[0]);
    cli_json_str(j, "unique_id", text);
  } else {
    cli_json_null(j, "unique_id");
  }
  cli_json_hex32(j, "flash_base", c->flash_base);
  cli_json_uint(j, "flash_size", c->flash_size);
  cli_json_hex32(j, "ram_base", c->ram_base);
  cli_json_uint(j, "ram_size", c->ram_size);
  cli_json_str(j, "note", c->note[0] != '\0' ? c->note : NULL);
  cli_json_object_end(j);
}

void cli_json_connection(cli_json *j, const cli_globals *g, const swdf_chip_info *c) {
  if (!chip_known(c)) {
    cli_json_null(j, "connection");
    return;
  }
  cli_json_object_begin(j, "connection");
  cli_json_str(j, "mode", swdf_connect_mode_name(c->connected_with));
  cli_json_uint(j, "freq_khz", c->freq_khz);
  if (g->freq_khz != 0) {
    cli_json_uint(j, "requested_freq_khz", g->freq_khz);
  } else {
    cli_json_null(j, "requested_freq_khz");
  }
  cli_json_str(j, "note", c->connect_note[0] != '\0' ? c->connect_note : NULL);
  cli_json_object_end(j);
}

void cli_warn_connection(const cli_globals *g, const swdf_chip_info *c) {
  if (!chip_known(c)) {
    return;
  }
  if (c->connect_note[0] != '\0') {
    cli_warn(g, "connection", "%s", c->connect_note);
  }
  if (g->freq_khz != 0 && c->freq_khz != 0 && c->freq_khz < g->freq_khz) {
    cli_warn(g, "slower_clock", "the probe runs SWD at %u kHz, not the %u kHz asked for",
             (unsigned)c->freq_khz, (unsigned)g->freq_khz);
  }
}

void cli_json_chip_connection(cli_json *j, const cli_globals *g, const swdf_chip_info *c) {
  cli_warn_connection(g, c);
  cli_json_chip(j, "chip", c);
  cli_json_connection(j, g, c);
}
