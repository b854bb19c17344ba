/*
 * swdflash rescue [--write IMAGE [ADDR]] [--yes]: a guided recovery for a
 * board that will not enter DFU. Connects (trying the connection modes in
 * turn), identifies the chip, reads protection and boot configuration,
 * explains in plain words what it found and why the ST ROM bootloader may be
 * out of reach, proposes fixes and asks before each change; with --write
 * erases the whole chip, writes and verifies the image, then checks what
 * the chip will boot.
 *
 * Every check that needs no change runs before the first one: the address
 * is parsed and the image read before the probe is opened, and the image
 * is judged for this chip (will it boot from where it goes?) before the
 * protection is removed or anything erased.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot_view.h"
#include "cli.h"
#include "json.h"
#include "options_view.h"
#include "recovery.h"
#include "reply.h"
#include "session.h"

enum { OPT_WRITE = 1, OPT_YES, OPT_ALLOW_UNBOOTABLE };

static const cli_opt rescue_opts[] = {
    {"write", 'w', true, OPT_WRITE, "IMAGE",
     "erase the whole chip, write IMAGE and verify it (ADDR may follow for a raw binary)"},
    {"yes", 'y', false, OPT_YES, NULL, "do not ask before each change (for scripts)"},
    {"allow-unbootable", 0, false, OPT_ALLOW_UNBOOTABLE, NULL,
     "write IMAGE even though the chip could not boot it from where it goes (data, or an "
     "application without the bootloader it needs); without it such an image is refused "
     "before anything changes"},
    {0},
};

enum { MAX_NOTES = 24, NOTE_LEN = 480 };

typedef struct rescue {
  cli_session s;
  swdf_chip_info chip;
  bool yes;
  bool allow_unbootable;
  bool can_ask;          /* a terminal to confirm on (and not --json) */
  const char *image_path;
  const char *image_addr;
  swdf_image_opts image_opts;
  swdf_image *image;
  bool image_judged, image_runs;
  swdf_boot_report image_boot; /* what the chip would boot holding only the image */
  bool needs_yes;        /* repairs proposed, none carried out: no way to confirm */
  cli_error_capture error; /* --json: the failure, printed inside the one reply */
  swdf_connect_mode connected_with;
  int rdp_before, rdp_after;
  bool unlocked, written, verified;
  bool boot_checked, bootable;
  swdf_boot_report boot;
  bool have_boot_cfg;
  swdf_boot_config boot_cfg; /* boot rules: explanation and option repairs */
  bool boot_repaired;
  size_t note_count;
  char notes[MAX_NOTES][NOTE_LEN]; /* findings and actions, for --json */
  size_t repair_count;
  char repairs[4][NOTE_LEN];       /* the repairs proposed, for --json */
} rescue;

/* Tell the user something: a paragraph on standard output, or a note in
 * the JSON summary. */
static void tell(rescue *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tell(rescue *r, const char *fmt, ...) {
  char text[NOTE_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (r->s.g->json) {
    if (r->note_count < MAX_NOTES) {
      memcpy(r->notes[r->note_count++], text, sizeof(text));
    }
  } else {
    printf("%s\n", text);
    fflush(stdout);
  }
}

/* ---- 1. connect --------------------------------------------------------------------- */

static int connect(rescue *r) {
  cli_session *s = &r->s;
  char how[900];
  int rc = cli_connect_recovery(s, &r->chip, how, sizeof(how));
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  r->connected_with = r->chip.connected_with;
  tell(r, "%s", how[0] != '\0' ? how : "Connected normally.");
  tell(r, "Chip: %s, %u KiB of flash at 0x%08X.", r->chip.name, r->chip.flash_size / 1024,
       r->chip.flash_base);
  return CLI_EXIT_OK;
}

/* ---- 2. what is wrong ----------------------------------------------------------------- */

static void explain_protection(rescue *r, const swdf_options *o) {
  r->rdp_before = swdf_options_rdp_level(o);
  switch (r->rdp_before) {
  case 0:
    tell(r, "Read protection: off (level 0).");
    break;
  case 1:
    tell(r, "Read protection: ON (level 1). Nothing can read the flash over SWD, and the ST "
            "ROM bootloader (DFU or serial) refuses to read or write it too, so DFU tools "
            "fail. Removing it makes the chip erase its whole flash.");
    break;
  case 2:
    tell(r, "Read protection: level 2. This is permanent: SWD and the option bytes are locked "
            "for good and the chip cannot be recovered by any tool.");
    break;
  default:
    tell(r, "Read protection: could not be told from the option bytes.");
  }
  swdf_opt_range ranges[32];
  size_t n = swdf_options_ranges(ranges, 32, o, 0);
  for (size_t i = 0; i < n && i < 32; i++) {
    char range[64];
    cli_format_range(range, sizeof(range), ranges[i].addr, ranges[i].size);
    tell(r, "%s: %s (option %s): nothing can erase or rewrite it until that is removed.",
         ranges[i].code_protection ? "Execute-only (PCROP) flash" : "Write-protected flash",
         range, ranges[i].field);
  }
}

/* Boot option bits that are not at their factory value, with their warnings. */
static void explain_boot_options(rescue *r, const swdf_options *o) {
  for (size_t i = 0; i < swdf_options_field_count(o); i++) {
    swdf_opt_field f = SWDF_OPT_FIELD_INIT;
    if (swdf_options_field(&f, o, i) != SWDF_OK || f.group != SWDF_OPT_GROUP_BOOT) {
      continue;
    }
    bool changed = f.has_default && f.raw != f.default_raw;
    if (changed || f.warning[0] != '\0') {
      tell(r, "Boot option %s = %s: %s%s%s", f.name, f.value,
           f.value_text[0] != '\0' ? f.value_text : f.text, f.warning[0] != '\0' ? ". " : "",
           f.warning);
    }
  }
}

static void explain_boot(rescue *r) {
  const swdf_chip_info *chip = &r->chip;
  swdf_boot_check_opts opts = SWDF_BOOT_CHECK_OPTS_INIT;
  r->boot.size = sizeof(r->boot);
  if (swdf_boot_check(&r->boot, r->s.target, &opts) != SWDF_OK) {
    swdf_boot_source source;
    char why[240];
    if (swdf_boot_source_detect(&source, why, sizeof(why), r->s.target) == SWDF_OK) {
      tell(r, "Boots from: %s (%s).", swdf_boot_source_name(source), why);
    }
    return;
  }
  r->boot_checked = true;
  r->bootable = r->boot.runs != 0;
  if (!r->s.g->json) {
    cli_print_boot_report(stdout, &r->boot, chip->name);
  }
  const swdf_boot_image *base = &r->boot.images[0];
  if (r->boot.source == SWDF_BOOT_SYSTEM) {
    tell(r, "The chip is in the ST ROM bootloader right now (%s).", r->boot.source_text);
  } else if (r->boot.base_ok && base->is_bootloader) {
    tell(r, "A bootloader in flash (%s) starts first at every reset. It is not ST's DFU "
            "bootloader: flash through it with its own tool, or hold BOOT0 high during reset "
            "to reach the ST ROM bootloader.",
         base->name);
  } else if (r->boot.base_ok) {
    tell(r, "The chip starts the program in flash directly (%s); only BOOT0 held high during "
            "reset brings up the ST ROM bootloader.",
         base->name);
  }
}

/* How the chip chooses where to start and what its ROM bootloader needs:
 * the library's boot rules for the family, in its words. */
static void explain_boot_config(rescue *r) {
  r->boot_cfg = (swdf_boot_config)SWDF_BOOT_CONFIG_INIT;
  r->have_boot_cfg = swdf_boot_config_read(&r->boot_cfg, r->s.target) == SWDF_OK;
  if (!r->have_boot_cfg) {
    return;
  }
  tell(r, "%s", r->boot_cfg.explain);
  if (!r->boot_cfg.rom_has_dfu) {
    tell(r, "This chip (%s) has no USB DFU bootloader in ROM at all: its ROM bootloader only "
            "talks over serial interfaces. 'DFU mode' on such a board needs a bootloader in "
            "flash (Katapult, the STM32duino bootloader...) or an SWD tool like this one.",
         r->chip.name);
  } else if (r->boot_cfg.dfu_needs[0] != '\0') {
    tell(r, "%s", r->boot_cfg.dfu_needs);
  }
}

/* ---- 3. fixes -------------------------------------------------------------------------- */

/* Add a repair to the list shown before any is carried out. */
static void propose(rescue *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void propose(rescue *r, const char *fmt, ...) {
  char text[NOTE_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (r->repair_count < 4) {
    memcpy(r->repairs[r->repair_count++], text, sizeof(text));
  }
  tell(r, "Proposed repair: %s", text);
}

static int confirm(rescue *r, const char *question) {
  return cli_confirm(r->s.g, r->yes, "rescue", question);
}

static int fix_protection(rescue *r, swdf_options *o) {
  if (swdf_options_set_unlocked(o) != SWDF_OK || swdf_options_change_count(o) == 0) {
    return CLI_EXIT_OK;
  }
  bool erases = swdf_options_change_erases(o) != 0;
  if (r->needs_yes) {
    return CLI_EXIT_OK; /* proposed already; nothing is done */
  }
  int rc = confirm(r, erases ? "Erase the whole flash and remove the protection?"
                             : "Remove the write protection?");
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  swdf_err err = swdf_options_write(o, r->s.target, NULL);
  if (err != SWDF_OK) {
    return cli_session_fail(&r->s, err, "removing the protection");
  }
  r->unlocked = true;
  r->rdp_after = swdf_options_rdp_level(o);
  tell(r, "Done: read protection level %d, nothing write protected%s.", r->rdp_after,
       erases ? ", flash erased" : "");
  return CLI_EXIT_OK;
}

/* Whether boot repair `i` is carried out by this run. With --write the new
 * image is to start at the next reset: a change that hands the choice to a
 * BOOT0 pin held high would start the ROM bootloader instead, so only the
 * changes that make the flash program start are made; the others are named. */
static bool applies_now(const rescue *r, size_t i) {
  return r->image == NULL || r->boot_cfg.repairs[i].starts_flash;
}

/* Apply the boot rules' option repairs (make BOOT0 reach the ROM bootloader,
 * or the flash program start again). */
static int fix_boot(rescue *r) {
  const swdf_boot_config *c = &r->boot_cfg;
  size_t to_make = 0;
  for (size_t i = 0; r->have_boot_cfg && i < c->repair_count && i < 4; i++) {
    to_make += applies_now(r, i);
  }
  if (to_make == 0 || r->needs_yes) {
    return CLI_EXIT_OK;
  }
  int rc = confirm(r, "Change the boot option bytes as proposed?");
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  swdf_options *o = NULL;
  swdf_err err = swdf_options_read(&o, r->s.target);
  for (size_t i = 0; err == SWDF_OK && i < c->repair_count && i < 4; i++) {
    if (applies_now(r, i)) {
      err = swdf_options_set(o, c->repairs[i].field, c->repairs[i].value, 0);
    }
  }
  if (err == SWDF_OK && swdf_options_change_count(o) > 0) {
    err = swdf_options_write(o, r->s.target, NULL);
  }
  swdf_options_free(o);
  if (err != SWDF_OK) {
    return cli_session_fail(&r->s, err, "changing the boot options");
  }
  r->boot_repaired = true;
  for (size_t i = 0; i < c->repair_count && i < 4; i++) {
    if (applies_now(r, i)) {
      tell(r, "Done: %s = %s.", c->repairs[i].field, c->repairs[i].value);
    }
  }
  swdf_boot_config now = SWDF_BOOT_CONFIG_INIT;
  if (swdf_boot_config_read(&now, r->s.target) == SWDF_OK) {
    tell(r, "Now: %s", now.explain);
  }
  return CLI_EXIT_OK;
}

/* Read IMAGE (and ADDR): before the probe is opened, so that a missing
 * file or a typo changes nothing. */
static int load_image(rescue *r) {
  cli_session *s = &r->s;
  swdf_image_opts iopts = SWDF_IMAGE_OPTS_INIT;
  if (r->image_addr != NULL) {
    char err[128];
    if (!cli_parse_u32(r->image_addr, &iopts.base, err, sizeof(err))) {
      return cli_usage_error(s->g, "rescue", "address: %s", err);
    }
    iopts.has_base = 1;
  }
  swdf_err err = swdf_image_load(&r->image, s->ctx, r->image_path, &iopts);
  if (err != SWDF_OK) {
    int rc = cli_session_fail(s, err, "reading the image (nothing was changed)");
    return err == SWDF_ERR_IO || err == SWDF_ERR_IMAGE ? CLI_EXIT_BAD_INPUT : rc;
  }
  r->image_opts = iopts;
  return CLI_EXIT_OK;
}

/* Judge the image for this chip: the rescue erases the whole flash, so the
 * chip will hold only the image. Refuse one it could not boot unless
 * --allow-unbootable. */
static int judge_image(rescue *r) {
  cli_session *s = &r->s;
  const swdf_image_segment *first = swdf_image_segment_at(r->image, 0);
  if (swdf_image_get_format(r->image) == SWDF_IMAGE_BIN && !r->image_opts.has_base) {
    tell(r, "No address was given for the raw binary %s: it goes to the flash base 0x%08X, "
            "where the chip starts.",
         r->image_path, first->addr);
  }
  swdf_boot_memory mem = SWDF_BOOT_MEMORY_INIT;
  mem.flash_base = r->chip.flash_base;
  mem.flash_size = r->chip.flash_size;
  mem.ram_base = r->chip.ram_base;
  mem.ram_size = r->chip.ram_size;
  mem.chip_name = r->chip.name;
  r->image_boot.size = sizeof(r->image_boot);
  swdf_err err = swdf_boot_check_image(&r->image_boot, s->ctx, r->image, &mem, NULL);
  if (err != SWDF_OK) {
    return cli_session_fail(s, err, "checking the image (nothing was changed)");
  }
  r->image_judged = true;
  r->image_runs = r->image_boot.runs != 0;
  if (r->image_runs) {
    tell(r, "The image %s suits this chip. %s", r->image_path, r->image_boot.verdict);
    return CLI_EXIT_OK;
  }
  char why[700];
  if (first->addr != r->chip.flash_base && strcmp(r->image_boot.images[0].kind, "erased") == 0) {
    snprintf(why, sizeof(why),
             "it starts at 0x%08X, and nothing would be left at the flash base 0x%08X where the "
             "chip starts: an application there needs its bootloader in front of it.",
             first->addr, r->chip.flash_base);
  } else {
    snprintf(why, sizeof(why), "%s", r->image_boot.verdict);
  }
  if (r->allow_unbootable) {
    tell(r, "WARNING: after this rescue the chip will not start firmware that runs: %s "
            "(--allow-unbootable: writing it anyway).",
         why);
    return CLI_EXIT_OK;
  }
  char message[900];
  snprintf(message, sizeof(message),
           "%s at 0x%08X cannot boot on this chip, and the rescue erases everything else: %s "
           "Nothing was changed.",
           r->image_path, first->addr, why);
  return cli_report_error(s->g, "image_unbootable", message,
                          "write the bootloader the image needs (or an image built for this "
                          "chip and the flash base); to update only the application behind a "
                          "bootloader already on the chip use 'swdflash write IMAGE ADDR'; "
                          "--allow-unbootable writes it anyway",
                          CLI_EXIT_BAD_INPUT); /* an image invalid for this chip */
}

static int write_image(rescue *r) {
  cli_session *s = &r->s;
  int rc = confirm(r, "Erase the whole chip and write the image?");
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  swdf_write_opts wopts = SWDF_WRITE_OPTS_INIT;
  wopts.mass_erase = 1;
  wopts.verify = SWDF_VERIFY_CRC;
  swdf_write_stats stats = SWDF_WRITE_STATS_INIT;
  swdf_err err = swdf_flash_write_image(&stats, s->target, r->image, &wopts);
  cli_progress_finish(&s->progress);
  if (err != SWDF_OK) {
    return cli_session_fail(s, err, "writing the image");
  }
  r->written = true;
  r->verified = stats.verified != 0;
  tell(r, "Done: the chip was erased, the image written and verified (%s).",
       swdf_verify_mode_name(stats.verify));
  return CLI_EXIT_OK;
}

/* ---- the whole run ------------------------------------------------------------------------ */

/* The repairs, said before any is done; true when there is one to do. */
static bool propose_repairs(rescue *r, swdf_options *o, bool protected_now) {
  if (protected_now && swdf_options_set_unlocked(o) == SWDF_OK &&
      swdf_options_change_count(o) > 0) {
    bool erases = swdf_options_change_erases(o) != 0;
    propose(r, "remove the protection%s.",
            erases ? " (the chip erases its whole flash while doing so)" : "");
  }
  for (size_t i = 0; r->have_boot_cfg && i < r->boot_cfg.repair_count && i < 4; i++) {
    /* With --write the new image is to start at the next reset: a boot
     * change that hands the choice to a BOOT0 pin held high would start
     * the ROM bootloader instead, so it is only named. */
    if (!applies_now(r, i)) {
      tell(r, "Not changed now (the new image is to start at the next reset): 'swdflash "
              "options set %s=%s' %s",
           r->boot_cfg.repairs[i].field, r->boot_cfg.repairs[i].value,
           r->boot_cfg.repairs[i].why);
      continue;
    }
    propose(r, "set the option %s = %s: %s", r->boot_cfg.repairs[i].field,
            r->boot_cfg.repairs[i].value, r->boot_cfg.repairs[i].why);
  }
  if (r->image != NULL) {
    char size[32];
    cli_format_size(size, sizeof(size), swdf_image_size(r->image));
    propose(r, "erase the whole chip, write %s (%s at 0x%08X) and verify it.", r->image_path,
            size, swdf_image_segment_at(r->image, 0)->addr);
  }
  return r->repair_count > 0;
}

static int diagnose_and_fix(rescue *r) {
  cli_session *s = &r->s;
  swdf_options *o = NULL;
  swdf_err err = swdf_options_read(&o, s->target);
  r->rdp_before = r->rdp_after = -1;
  if (err == SWDF_OK) {
    explain_protection(r, o);
    r->rdp_after = r->rdp_before;
    explain_boot_options(r, o);
  } else {
    tell(r, "The option bytes could not be read: %s", swdf_ctx_errmsg(s->ctx));
  }
  if (r->rdp_before == 2) {
    swdf_options_free(o);
    return cli_session_fail(s, SWDF_ERR_PERMANENT, "rescue");
  }
  if (r->rdp_before != 1) {
    explain_boot(r);
  }
  explain_boot_config(r);
  int rc = CLI_EXIT_OK;
  if (r->image != NULL) {
    rc = judge_image(r); /* before anything is changed */
  }
  bool protected_now = o != NULL && (r->rdp_before == 1 || swdf_options_ranges(NULL, 0, o, 0) > 0);
  if (rc == CLI_EXIT_OK && propose_repairs(r, o, protected_now) && !r->yes && !r->can_ask) {
    r->needs_yes = true;
    tell(r, "Nothing was changed: there is no terminal to confirm on. Run the same command "
            "again with --yes to carry out the repair%s above.",
         r->repair_count > 1 ? "s" : "");
    swdf_options_free(o);
    return CLI_EXIT_NEEDS_YES;
  }
  if (rc == CLI_EXIT_OK && protected_now) {
    rc = fix_protection(r, o);
  }
  swdf_options_free(o);
  if (rc == CLI_EXIT_OK) {
    rc = fix_boot(r);
  }
  if (rc == CLI_EXIT_OK && r->image != NULL) {
    rc = write_image(r);
  } else if (rc == CLI_EXIT_OK) {
    tell(r, "To put a bootloader or firmware on the chip: swdflash rescue --write FILE "
            "(e.g. a Katapult or Klipper .bin built for this chip).");
  }
  if (rc == CLI_EXIT_OK && (r->unlocked || r->written || r->boot_repaired)) {
    if (!s->g->json) {
      printf("\nWhat the chip will boot now:\n");
    }
    explain_boot(r);
    if (r->written && !r->bootable) {
      tell(r, "The image was written, but the chip will not start firmware that runs: %s",
           r->boot.verdict);
      rc = CLI_EXIT_FAILED;
    }
  }
  return rc;
}

static void print_json(rescue *r, int rc) {
  const cli_globals *g = r->s.g;
  cli_json j;
  cli_json_reply_begin(&j, g, rc == CLI_EXIT_OK);
  if (r->error.captured) {
    cli_json_object_begin(&j, "error");
    cli_json_str(&j, "code", r->error.code);
    cli_json_str(&j, "message", r->error.message);
    cli_json_str(&j, "hint", r->error.hint[0] != '\0' ? r->error.hint : NULL);
    cli_json_object_end(&j);
  } else if (rc == CLI_EXIT_NEEDS_YES) {
    cli_json_object_begin(&j, "error");
    cli_json_str(&j, "code", "needs_confirmation");
    cli_json_str(&j, "message", "a repair is needed and was not confirmed: nothing was changed");
    cli_json_str(&j, "hint", "run the same command again with --yes");
    cli_json_object_end(&j);
  } else if (rc != CLI_EXIT_OK) {
    cli_json_object_begin(&j, "error");
    cli_json_str(&j, "code", "failed");
    cli_json_str(&j, "message", r->note_count > 0 ? r->notes[r->note_count - 1] : "failed");
    cli_json_null(&j, "hint");
    cli_json_object_end(&j);
  }
  cli_json_int(&j, "exit_status", rc);
  cli_json_chip_connection(&j, g, &r->chip);
  cli_json_int(&j, "rdp_level_before", r->rdp_before);
  cli_json_int(&j, "rdp_level_after", r->rdp_after);
  cli_json_bool(&j, "unlocked", r->unlocked);
  cli_json_bool(&j, "written", r->written);
  cli_json_bool(&j, "verified", r->verified);
  cli_json_bool(&j, "boot_repaired", r->boot_repaired);
  cli_json_bool(&j, "changed", r->unlocked || r->written || r->boot_repaired);
  cli_json_array_begin(&j, "proposed");
  for (size_t i = 0; i < r->repair_count; i++) {
    cli_json_str(&j, NULL, r->repairs[i]);
  }
  cli_json_array_end(&j);
  cli_json_array_begin(&j, "notes");
  for (size_t i = 0; i < r->note_count; i++) {
    cli_json_str(&j, NULL, r->notes[i]);
  }
  cli_json_array_end(&j);
  if (r->image_judged) {
    cli_json_object_begin(&j, "image");
    cli_json_str(&j, "file", r->image_path);
    cli_json_hex32(&j, "addr", swdf_image_segment_at(r->image, 0)->addr);
    cli_json_boot_report(&j, &r->image_boot); /* its "runs": would the chip run it */
    cli_json_object_end(&j);
  }
  if (r->have_boot_cfg) {
    cli_json_boot_config(&j, "boot_config", &r->boot_cfg);
  }
  if (r->boot_checked) {
    cli_json_object_begin(&j, "boot");
    cli_json_boot_report(&j, &r->boot);
    cli_json_object_end(&j);
  }
  cli_json_reply_end(&j, g);
}

static int run(rescue *r, int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, rescue_opts, g);
  for (int opt; (opt = cli_next(&p)) != CLI_NEXT_END;) {
    switch (opt) {
    case CLI_NEXT_ERROR:
      return cli_usage_error(g, "rescue", "%s", p.error);
    case CLI_NEXT_HELP:
      cli_print_command_help(stdout, cli_find_command("rescue"), rescue_opts);
      return CLI_EXIT_OK;
    case OPT_WRITE:
      r->image_path = p.value;
      break;
    case OPT_YES:
      r->yes = true;
      break;
    case OPT_ALLOW_UNBOOTABLE:
      r->allow_unbootable = true;
      break;
    case CLI_NEXT_ARG:
      if (r->image_path == NULL || r->image_addr != NULL) {
        return cli_usage_error(g, "rescue", "unexpected argument '%s'", p.value);
      }
      r->image_addr = p.value;
      break;
    }
  }
  if (r->allow_unbootable && r->image_path == NULL) {
    return cli_usage_error(g, "rescue", "--allow-unbootable goes with --write IMAGE");
  }
  r->can_ask = isatty(STDIN_FILENO) && !g->json;
  r->rdp_before = r->rdp_after = -1;
  if (g->json) {
    g->capture = &r->error; /* one reply on every outcome, printed below */
  }
  int rc = cli_session_start(&r->s, g, "rescue");
  if (rc == CLI_EXIT_OK && r->image_path != NULL) {
    rc = load_image(r);
  }
  if (rc == CLI_EXIT_OK) {
    rc = connect(r);
  }
  if (rc == CLI_EXIT_OK) {
    rc = diagnose_and_fix(r);
  }
  if (r->s.target != NULL && (r->unlocked || r->written || r->boot_repaired)) {
    /* Start the chip with its new contents, as after power-up. */
    swdf_target_reset(r->s.target, SWDF_RESET_HARD);
  }
  if (g->json) {
    g->capture = NULL;
    print_json(r, rc);
  }
  swdf_image_free(r->image);
  cli_session_end(&r->s);
  return rc;
}

int cli_cmd_rescue(int argc, char **argv, cli_globals *g) {
  rescue *r = calloc(1, sizeof(*r)); /* large: the notes and the boot reports */
  if (r == NULL) {
    return cli_lib_error(g, NULL, SWDF_ERR_NO_MEMORY, "rescue");
  }
  int rc = run(r, argc, argv, g);
  free(r);
  return rc;
}
