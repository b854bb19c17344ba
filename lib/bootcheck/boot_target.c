/*
 * swdf_boot_check on a connected chip: where it boots from, and the
 * recogniser over its flash.
 *
 * The boot source is visible without knowing the BOOT pins: the memory the
 * chip booted from is aliased at address 0 (RM0008 §3.4, RM0090 §2.4), so
 * comparing the first words at 0 with those of the flash, the system memory
 * and the SRAM tells which one it is. Families without that alias (H7) say
 * it themselves (swdf__boot_rules.source).
 */
#include <stdio.h>
#include <string.h>

#include "adi/target_internal.h"
#include "bootcheck/bootscan.h"
#include "families/family.h"

static swdf_err read_target(void *user, uint32_t addr, void *buf, size_t len) {
  return swdf__mem_read(buf, user, addr, len);
}

/* Read 8 bytes; false when the read failed (the error is dropped). */
static bool peek(uint8_t *out, swdf_target *t, uint32_t addr) {
  swdf_saved_error saved;
  swdf__save_error(&saved, swdf__target_ctx(t));
  bool ok = addr != 0xFFFFFFFFu && swdf__mem_read(out, t, addr, 8) == SWDF_OK;
  swdf__restore_error(swdf__target_ctx(t), &saved);
  return ok;
}

static void detect_source(swdf_boot_report *r, swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  const swdf__family *family = swdf__family_by_driver(chip->driver);
  if (family != NULL && family->boot != NULL && family->boot->source != NULL) {
    swdf_saved_error saved;
    swdf__save_error(&saved, swdf__target_ctx(t));
    family->boot->source(&r->source, r->source_text, sizeof(r->source_text), t);
    swdf__restore_error(swdf__target_ctx(t), &saved);
    return;
  }
  uint8_t at0[8], flash[8], sys[8], ram[8];
  bool have0 = peek(at0, t, 0);
  bool have_flash = peek(flash, t, swdf__target_flash_layout(t)->base);
  bool have_sys = chip->sysmem_base != 0 && peek(sys, t, chip->sysmem_base);
  bool have_ram = peek(ram, t, chip->ram_base);
  bool is_flash = have0 && have_flash && memcmp(at0, flash, 8) == 0;
  bool is_sys = have0 && have_sys && memcmp(at0, sys, 8) == 0;
  bool is_ram = have0 && have_ram && memcmp(at0, ram, 8) == 0;
  if (!have0 && !have_flash) {
    r->source = SWDF_BOOT_FLASH;
    snprintf(r->source_text, sizeof(r->source_text),
             "address 0 reads like the protected flash does, so the chip boots from main flash");
  } else if (is_sys && !is_flash) {
    r->source = SWDF_BOOT_SYSTEM;
    snprintf(r->source_text, sizeof(r->source_text),
             "address 0 shows the system memory at 0x%08X: BOOT0 was high at the last reset",
             chip->sysmem_base);
  } else if (is_flash && !is_sys && !is_ram) {
    r->source = SWDF_BOOT_FLASH;
    snprintf(r->source_text, sizeof(r->source_text),
             "address 0 shows the main flash: BOOT0 was low at the last reset");
  } else if (is_ram && !is_flash && !is_sys) {
    r->source = SWDF_BOOT_SRAM;
    snprintf(r->source_text, sizeof(r->source_text),
             "address 0 shows the SRAM: BOOT0 was high and BOOT1 (a pin on the F1, the "
             "nBOOT1 option on the F0/F3) chose the SRAM at the last reset");
  } else {
    r->source = SWDF_BOOT_UNKNOWN;
    snprintf(r->source_text, sizeof(r->source_text),
             "address 0 does not tell which memory the chip booted from");
  }
}

swdf_err swdf_boot_source_detect(swdf_boot_source *out, char *why, size_t why_len,
                                 swdf_target *target) {
  if (out == NULL || target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(swdf__target_ctx(target));
  swdf_boot_report r;
  detect_source(&r, target);
  *out = r.source;
  if (why != NULL && why_len > 0) {
    snprintf(why, why_len, "%s", r.source_text);
  }
  return SWDF_OK;
}

static swdf_err check_full(swdf_boot_report *out, swdf_target *target,
                           const swdf_boot_check_opts *opts_in) {
  if (out == NULL || target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf_ctx *ctx = swdf__target_ctx(target);
  swdf__clear_error(ctx);
  swdf_boot_check_opts o = SWDF_BOOT_CHECK_OPTS_INIT;
  swdf_err verr = swdf__versioned_in(&o, sizeof(o), opts_in, SWDF__MIN_BOOT_CHECK_OPTS, ctx,
                                     "swdf_boot_check_opts");
  if (verr != SWDF_OK) {
    return verr;
  }
  const swdf_boot_check_opts *opts = &o;
  const swdf_chip *chip = swdf__target_chip(target);
  const swdf_flash_layout *layout = swdf__target_flash_layout(target);
  uint32_t base = opts != NULL && opts->has_base ? opts->base : layout->base;
  if (base < layout->base || base >= layout->base + layout->size || base % 4 != 0) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, "give a word-aligned address inside the flash",
                      "--base 0x%08X is not inside the flash (0x%08X-0x%08X)", base,
                      layout->base, layout->base + layout->size - 1);
  }
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  detect_source(out, target);
  swdf_bootscan_mem mem = {layout->base, layout->size, chip->ram_base, chip->ram_size,
                           read_target, target, chip->name};
  swdf_err err = swdf__bootscan(out, &mem, base);
  if (err == SWDF_ERR_READ_PROTECTED) {
    return swdf__fail(ctx, err,
                      "'swdflash unlock' removes the protection, which erases the whole flash",
                      "the flash is read protected (RDP level 1): nobody can look at the "
                      "programs in it over SWD");
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "reading the flash");
    return err;
  }
  uint8_t rom[64];
  if (out->source == SWDF_BOOT_SYSTEM && out->image_count < SWDF_BOOT_MAX_IMAGES &&
      swdf__mem_read(rom, target, chip->sysmem_base, sizeof(rom)) == SWDF_OK) {
    swdf__bootscan_rom(&out->images[out->image_count], &out->details[out->image_count], rom,
                       chip->sysmem_base, chip->sysmem_size, &mem);
    out->image_count++;
  }
  swdf__bootscan_verdict(out, chip->name);
  return SWDF_OK;
}

swdf_err swdf_boot_check(swdf_boot_report *out, swdf_target *target,
                         const swdf_boot_check_opts *opts) {
  swdf_boot_report full;
  swdf_err err = check_full(out != NULL ? &full : NULL, target, opts);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_BOOT_REPORT, swdf__target_ctx(target),
                                              "swdf_boot_report");
}
