/* swdflash write | erase | verify */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "interrupt.h"
#include "json.h"
#include "options_view.h"
#include "placement.h"
#include "recovery.h"
#include "reply.h"
#include "session.h"

enum {
  OPT_MASS_ERASE = 1,
  OPT_VERIFY,
  OPT_NO_VERIFY,
  OPT_RESET,
  OPT_DRY_RUN,
  OPT_FORMAT,
  OPT_FORCE,
  OPT_METHOD,
  OPT_MASS,
  OPT_REMOVE_PROTECTION,
  OPT_JOURNAL_DIR,
};

static const cli_opt write_opts[] = {
    {"mass-erase", 0, false, OPT_MASS_ERASE, NULL, "erase the whole flash first"},
    {"verify", 0, true, OPT_VERIFY, "MODE", "crc (default: CRC-32 on the chip), readback, none"},
    {"no-verify", 0, false, OPT_NO_VERIFY, NULL, "do not verify (same as --verify=none)"},
    {"reset", 0, false, OPT_RESET, NULL, "reset the chip afterwards and run the new firmware"},
    {"dry-run", 'n', false, OPT_DRY_RUN, NULL,
     "print the plan and its expected time; change nothing (exit 5: protection would refuse it)"},
    {"format", 0, true, OPT_FORMAT, "FMT", "auto (default), bin, ihex, srec or elf"},
    {"force", 0, false, OPT_FORCE, NULL, "rewrite units that already hold the image"},
    {"method", 0, true, OPT_METHOD, "HOW", "auto (default), loader or registers (slow, no RAM)"},
    {"remove-protection", 0, false, OPT_REMOVE_PROTECTION, NULL,
     "when write protection is in the way, remove it from the whole flash first (option bytes); "
     "without it such a write is refused before anything is erased"},
    {"journal-dir", 0, true, OPT_JOURNAL_DIR, "DIR",
     "keep the journal of the bytes around the image here (default: "
     "$XDG_STATE_HOME/swdflash or ~/.local/state/swdflash)"},
    {0},
};

static const cli_opt verify_opts[] = {
    {"verify", 0, true, OPT_VERIFY, "MODE", "crc (default: CRC-32 on the chip) or readback"},
    {"format", 0, true, OPT_FORMAT, "FMT", "auto (default), bin, ihex, srec or elf"},
    {0},
};

static const cli_opt erase_opts[] = {
    {"mass", 0, false, OPT_MASS, NULL, "erase the whole flash"},
    {"remove-protection", 0, false, OPT_REMOVE_PROTECTION, NULL,
     "when write protection is in the way, remove it from the whole flash first (option bytes); "
     "without it such an erase is refused before anything is erased"},
    {0},
};

/* A connected session and what the flash commands show about it. */
typedef struct flash_cmd {
  cli_session s;
  swdf_chip_info chip;
} flash_cmd;

static int flash_cmd_start(flash_cmd *c, cli_globals *g, const char *command) {
  memset(c, 0, sizeof(*c));
  return cli_session_start(&c->s, g, command);
}

static double elapsed(const flash_cmd *c) { return cli_now_s() - c->s.started; }

/* FILE [ADDR] and the options common to write and verify. */
typedef struct image_args {
  const char *file;
  const char *addr;
  swdf_image_opts opts;
} image_args;

static bool parse_verify_mode(const char *s, swdf_verify_mode *out) {
  static const swdf_verify_mode modes[] = {SWDF_VERIFY_CRC, SWDF_VERIFY_READBACK, SWDF_VERIFY_NONE};
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    if (strcmp(s, swdf_verify_mode_name(modes[i])) == 0) {
      *out = modes[i];
      return true;
    }
  }
  return false;
}

static bool parse_method(const char *s, swdf_flash_method *out) {
  static const struct {
    const char *name;
    swdf_flash_method method;
  } methods[] = {{"auto", SWDF_FLASH_AUTO},
                 {"loader", SWDF_FLASH_LOADER},
                 {"registers", SWDF_FLASH_REGISTERS}};
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    if (strcmp(s, methods[i].name) == 0) {
      *out = methods[i].method;
      return true;
    }
  }
  return false;
}

/* Handle a positional argument or --format; returns an exit code or -1 when handled. */
static int image_arg(const cli_globals *g, const char *cmd, image_args *a, int r,
                     const char *value) {
  if (r == OPT_FORMAT) {
    if (swdf_image_format_from_name(value, &a->opts.format) != 0) {
      return cli_usage_error(g, cmd, "unknown image format '%s'", value);
    }
    return -1;
  }
  if (a->file == NULL) {
    a->file = value;
  } else if (a->addr == NULL) {
    a->addr = value;
  } else {
    return cli_usage_error(g, cmd, "unexpected argument '%s'", value);
  }
  return -1;
}

/* FILE '-': the image comes from standard input, its format told by its
 * content (ELF magic, HEX and S-record records; anything else is a raw
 * binary, which needs ADDR). */
static swdf_err load_stdin(swdf_image **out, cli_session *s, const swdf_image_opts *opts) {
  size_t len = 0, cap = 64 * 1024;
  uint8_t *buf = malloc(cap);
  for (size_t n; buf != NULL && (n = fread(buf + len, 1, cap - len, stdin)) > 0;) {
    len += n;
    if (len == cap) {
      uint8_t *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
      if (bigger == NULL) {
        free(buf);
        buf = NULL;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  swdf_err err;
  if (buf == NULL) {
    err = SWDF_ERR_NO_MEMORY;
  } else if (ferror(stdin)) {
    err = SWDF_ERR_IO;
  } else {
    err = swdf_image_parse(out, s->ctx, buf, len, "standard input", opts);
  }
  free(buf);
  return err;
}

static int load_image(flash_cmd *c, const char *cmd, image_args *a, swdf_image **out) {
  cli_session *s = &c->s;
  if (a->file == NULL) {
    return cli_usage_error(s->g, cmd, "no image file given");
  }
  if (a->addr != NULL) {
    char err[128];
    if (!cli_parse_u32(a->addr, &a->opts.base, err, sizeof(err))) {
      return cli_usage_error(s->g, cmd, "address: %s", err);
    }
    a->opts.has_base = 1;
  }
  bool from_stdin = strcmp(a->file, "-") == 0;
  if (from_stdin && isatty(STDIN_FILENO)) {
    return cli_usage_error(s->g, cmd, "'-' reads the image from standard input, which is a "
                                      "terminal: pipe the image in (e.g. cat app.hex | "
                                      "swdflash %s -)",
                           cmd);
  }
  swdf_err e = from_stdin ? load_stdin(out, s, &a->opts)
                          : swdf_image_load(out, s->ctx, a->file, &a->opts);
  if (e == SWDF_ERR_IO && from_stdin && swdf_ctx_errmsg(s->ctx)[0] == '\0') {
    return cli_report_error(s->g, swdf_err_name(e), "cannot read the image from standard input",
                            NULL, CLI_EXIT_BAD_INPUT);
  }
  if (e != SWDF_OK) {
    /* Bad input, found before the probe is touched. */
    int rc = cli_lib_error(s->g, s->ctx, e, NULL);
    return e == SWDF_ERR_IO || e == SWDF_ERR_IMAGE ? CLI_EXIT_BAD_INPUT : rc;
  }
  return CLI_EXIT_OK;
}

/* "page" or "sector", as the chip's reference manual says. */
static const char *unit_word(const flash_cmd *c) {
  swdf_flash_info info = {.size = sizeof(info)};
  if (swdf_target_flash_info(&info, c->s.target) == SWDF_OK && strstr(info.summary, "page")) {
    return "page";
  }
  return "sector";
}

/* --remove-protection: the job was refused because of write protection;
 * clear every write- and code-protection field (read protection stays), which
 * the library writes, reloads (the chip is reset) and reads back. */
static int remove_protection(flash_cmd *c) {
  cli_session *s = &c->s;
  swdf_options *o = NULL;
  swdf_err err = swdf_options_read(&o, s->target);
  if (err == SWDF_OK) {
    err = swdf_options_set_unprotected(o);
  }
  if (err == SWDF_OK && !s->g->json && !s->g->quiet) {
    fprintf(stderr, "swdflash: removing the write protection first (--remove-protection):\n");
    cli_print_ranges(stderr, o, 0, "  was ");
  }
  if (err == SWDF_OK) {
    err = swdf_options_write(o, s->target, NULL);
  }
  swdf_options_free(o);
  if (err != SWDF_OK) {
    return cli_session_fail(s, err, "removing the write protection; nothing was erased");
  }
  return CLI_EXIT_OK;
}

/* ---- write ------------------------------------------------------------------ */

static void print_plan_text(const flash_cmd *c, const swdf_image *img, const swdf_flash_plan *plan,
                            const swdf_write_stats *st) {
  const char *unit = unit_word(c);
  char size[32];
  cli_format_size(size, sizeof(size), swdf_image_size(img));
  printf("plan for %s (%s, %s) on %s:\n", swdf_image_name(img),
         swdf_image_format_name(swdf_image_get_format(img)), size, c->chip.name);
  printf("  ranges:\n");
  for (size_t i = 0; i < swdf_image_segment_count(img); i++) {
    const swdf_image_segment *seg = swdf_image_segment_at(img, i);
    cli_format_size(size, sizeof(size), seg->size);
    printf("    0x%08X-0x%08X  %s\n", (unsigned)seg->addr, (unsigned)(seg->addr + seg->size - 1),
           size);
  }
  printf("  %ss:\n", unit);
  for (size_t i = 0; i < swdf_flash_plan_unit_count(plan); i++) {
    const swdf_plan_unit *u = swdf_flash_plan_unit_at(plan, i);
    char usize[32], image[32], keep[32] = "";
    cli_format_size(usize, sizeof(usize), u->size);
    cli_format_size(image, sizeof(image), u->image_bytes);
    if (u->kept_bytes > 0) {
      char k[24];
      cli_format_size(k, sizeof(k), u->kept_bytes);
      snprintf(keep, sizeof(keep), ", keep %s", k);
    }
    printf("    %s %-4u 0x%08X %-8s %-9s image %s%s%s\n", unit, (unsigned)u->index,
           (unsigned)u->addr, usize, swdf_unit_action_name(u->action), image, keep,
           u->write_protected ? "  PROTECTED" : "");
  }
  char erase[32], program[32];
  cli_format_size(erase, sizeof(erase), st->erase_bytes);
  cli_format_size(program, sizeof(program), st->program_bytes);
  if (st->mass_erase) {
    printf("  total: erase the whole flash (%s) first, program %s in %u %s%s\n", erase, program,
           (unsigned)st->units_programmed, unit, cli_plural(st->units_programmed));
  } else {
    printf("  total: erase %u %s%s (%s), program %s; %u %s%s blank (no erase), %u unchanged\n",
           (unsigned)st->units_erased, unit, cli_plural(st->units_erased), erase, program,
           (unsigned)st->units_blank, unit, cli_plural(st->units_blank),
           (unsigned)st->units_unchanged);
  }
  printf("  expected time %.2f s (%s, %u-bit programming, verify %s)\n",
         (double)st->estimated_us / 1e6, st->method, (unsigned)st->program_width * 8,
         swdf_verify_mode_name(st->verify));
  if (st->units_protected > 0) {
    printf("  the write would be REFUSED: %u protected %s%s in the way\n",
           (unsigned)st->units_protected, unit, cli_plural(st->units_protected));
  }
}

static void json_stats(cli_json *j, const swdf_write_stats *st) {
  cli_json_uint(j, "image_bytes", st->image_bytes);
  cli_json_uint(j, "units", st->units);
  cli_json_uint(j, "units_erased", st->units_erased);
  cli_json_uint(j, "units_blank", st->units_blank);
  cli_json_uint(j, "units_unchanged", st->units_unchanged);
  cli_json_uint(j, "units_programmed", st->units_programmed);
  cli_json_uint(j, "units_protected", st->units_protected);
  cli_json_uint(j, "erase_bytes", st->erase_bytes);
  cli_json_uint(j, "program_bytes", st->program_bytes);
  cli_json_uint(j, "kept_bytes", st->kept_bytes);
  cli_json_bool(j, "mass_erase", st->mass_erase != 0);
  cli_json_str(j, "verify", swdf_verify_mode_name(st->verify));
  cli_json_bool(j, "verified", st->verified != 0);
  cli_json_str(j, "method", st->method);
  cli_json_uint(j, "program_width", st->program_width);
  cli_json_double(j, "estimated_s", (double)st->estimated_us / 1e6);
  cli_json_uint(j, "units_restored", st->units_restored);
}

static void json_plan_units(cli_json *j, const swdf_flash_plan *plan) {
  cli_json_array_begin(j, "plan");
  for (size_t i = 0; i < swdf_flash_plan_unit_count(plan); i++) {
    const swdf_plan_unit *u = swdf_flash_plan_unit_at(plan, i);
    cli_json_object_begin(j, NULL);
    cli_json_uint(j, "index", u->index);
    cli_json_hex32(j, "addr", u->addr);
    cli_json_uint(j, "size", u->size);
    cli_json_uint(j, "bank", u->bank);
    cli_json_str(j, "action", swdf_unit_action_name(u->action));
    cli_json_uint(j, "image_bytes", u->image_bytes);
    cli_json_uint(j, "program_bytes", u->program_bytes);
    cli_json_uint(j, "kept_bytes", u->kept_bytes);
    cli_json_bool(j, "protected", u->write_protected != 0);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
}

/* What a dry run says about a plan the library refuses. */
typedef struct refusal {
  swdf_err err;
  char message[512];
  char hint[512];
} refusal;

static void print_write_json(const flash_cmd *c, const swdf_image *img, const swdf_flash_plan *plan,
                             const swdf_write_stats *st, bool dry_run, double seconds,
                             const refusal *refused, bool protection_removed,
                             const cli_placement *placement) {
  const cli_globals *g = c->s.g;
  cli_json j;
  cli_json_reply_begin(&j, g, refused->err == SWDF_OK);
  cli_json_bool(&j, "dry_run", dry_run);
  cli_json_bool(&j, "refused", refused->err != SWDF_OK);
  cli_json_bool(&j, "protection_removed", protection_removed);
  cli_json_str(&j, "file", swdf_image_name(img));
  cli_json_str(&j, "format", swdf_image_format_name(swdf_image_get_format(img)));
  cli_json_chip_connection(&j, g, &c->chip);
  cli_json_placement(&j, g, placement);
  json_stats(&j, st);
  if (!dry_run) {
    cli_json_double(&j, "seconds", seconds);
    cli_json_double(&j, "kib_per_s", seconds > 0 ? (double)st->image_bytes / 1024.0 / seconds : 0);
  }
  json_plan_units(&j, plan);
  if (refused->err != SWDF_OK) {
    cli_json_object_begin(&j, "error");
    cli_json_str(&j, "code", swdf_err_name(refused->err));
    cli_json_str(&j, "message", refused->message);
    cli_json_str(&j, "hint", refused->hint[0] != '\0' ? refused->hint : NULL);
    cli_json_object_end(&j);
  }
  cli_json_reply_end(&j, g);
}

static void print_write_summary(const flash_cmd *c, const swdf_image *img,
                                const swdf_write_stats *st, double seconds) {
  char size[32];
  cli_format_size(size, sizeof(size), st->image_bytes);
  const char *unit = unit_word(c);
  printf("wrote %s to %s: %s in %.2f s (%.1f KiB/s)\n", swdf_image_name(img), c->chip.name, size,
         seconds, seconds > 0 ? (double)st->image_bytes / 1024.0 / seconds : 0.0);
  if (st->mass_erase) {
    char erase[32];
    cli_format_size(erase, sizeof(erase), st->erase_bytes);
    printf("  the whole flash erased first (%s), then %u of the image's %u %s%s programmed\n",
           erase, (unsigned)st->units_programmed, (unsigned)st->units, unit,
           cli_plural(st->units));
  } else {
    printf("  %u %s%s: %u erased, %u programmed without erase, %u unchanged\n",
           (unsigned)st->units, unit, cli_plural(st->units), (unsigned)st->units_erased,
           (unsigned)st->units_blank, (unsigned)st->units_unchanged);
  }
  if (st->units_restored > 0) {
    printf("  restored the bytes an interrupted write had erased around its image in %u %s%s "
           "(from the journal)\n",
           (unsigned)st->units_restored, unit, cli_plural(st->units_restored));
  }
  if (st->verified) {
    printf("  verified (%s)\n", swdf_verify_mode_name(st->verify));
  } else {
    printf("  not verified\n");
  }
}

typedef struct write_args {
  image_args image;
  swdf_write_opts opts;
  bool dry_run;
  bool remove_protection;
  const char *journal_dir;
} write_args;

static int parse_write(int argc, char **argv, cli_globals *g, write_args *a) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, write_opts, g);
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    int rc = -1;
    switch (r) {
    case CLI_NEXT_ERROR:
      return cli_usage_error(g, "write", "%s", p.error);
    case CLI_NEXT_HELP:
      cli_command_help(g, "write", write_opts);
      return CLI_EXIT_OK;
    case OPT_MASS_ERASE:
      a->opts.mass_erase = 1;
      break;
    case OPT_VERIFY:
      if (!parse_verify_mode(p.value, &a->opts.verify)) {
        rc = cli_usage_error(g, "write", "unknown verify mode '%s'", p.value);
      }
      break;
    case OPT_NO_VERIFY:
      a->opts.verify = SWDF_VERIFY_NONE;
      break;
    case OPT_RESET:
      a->opts.run_after = 1;
      break;
    case OPT_DRY_RUN:
      a->dry_run = true;
      break;
    case OPT_REMOVE_PROTECTION:
      a->remove_protection = true;
      break;
    case OPT_FORCE:
      a->opts.skip_unchanged = 0;
      break;
    case OPT_JOURNAL_DIR:
      a->journal_dir = p.value;
      break;
    case OPT_METHOD:
      if (!parse_method(p.value, &a->opts.method)) {
        rc = cli_usage_error(g, "write", "unknown method '%s'", p.value);
      }
      break;
    default:
      rc = image_arg(g, "write", &a->image, r, p.value);
      break;
    }
    if (rc >= 0) {
      return rc;
    }
  }
  return -1;
}

int cli_cmd_write(int argc, char **argv, cli_globals *g) {
  write_args a = {.image.opts = SWDF_IMAGE_OPTS_INIT, .opts = SWDF_WRITE_OPTS_INIT};
  int rc = parse_write(argc, argv, g, &a);
  if (rc >= 0) {
    return rc;
  }
  flash_cmd c;
  swdf_image *img = NULL;
  swdf_flash_plan *plan = NULL;
  swdf_write_stats st = {.size = sizeof(st)};
  rc = flash_cmd_start(&c, g, "write");
  /* A bad file is refused before the probe is touched. */
  if (rc == CLI_EXIT_OK) {
    rc = load_image(&c, "write", &a.image, &img);
  }
  if (rc == CLI_EXIT_OK) {
    rc = cli_connect_chip(&c.s, &c.chip);
  }
  cli_placement placement = {0};
  if (rc == CLI_EXIT_OK) {
    /* Where a raw binary goes and whether it runs there, said first. */
    cli_check_placement(&placement, &c.s, &c.chip, img, a.image.addr != NULL);
    if (!g->json) {
      cli_print_placement(&placement, g);
    }
  }
  swdf_err err = SWDF_OK;
  refusal refused = {SWDF_OK, "", ""};
  bool protection_removed = false;
  char journal[4096];
  if (cli_journal_dir(journal, sizeof(journal), a.journal_dir)) {
    a.opts.journal_dir = journal;
  }
  bool executed = false;
  if (rc == CLI_EXIT_OK) {
    /* The plan makes every check that needs no erase; a refused plan is
     * never executed (the library refuses it too). */
    err = swdf_flash_plan_new(&plan, c.s.target, img, &a.opts);
    if (err == SWDF_OK && a.remove_protection && !a.dry_run &&
        swdf_flash_plan_refusal(plan) == SWDF_ERR_WRITE_PROTECTED) {
      swdf_flash_plan_free(plan);
      plan = NULL;
      rc = remove_protection(&c);
      protection_removed = rc == CLI_EXIT_OK;
      err = rc == CLI_EXIT_OK ? swdf_flash_plan_new(&plan, c.s.target, img, &a.opts) : SWDF_OK;
    }
    if (rc == CLI_EXIT_OK && err == SWDF_OK) {
      swdf_flash_plan_stats(&st, plan);
      refused.err = swdf_flash_plan_refusal(plan);
      snprintf(refused.message, sizeof(refused.message), "%s", swdf_ctx_errmsg(c.s.ctx));
      snprintf(refused.hint, sizeof(refused.hint), "%s", swdf_ctx_hint(c.s.ctx));
    }
    if (rc == CLI_EXIT_OK && err == SWDF_OK && !a.dry_run) {
      executed = true;
      err = swdf_flash_plan_execute(&st, plan);
    }
    if (rc == CLI_EXIT_OK && err != SWDF_OK) {
      rc = cli_session_fail(&c.s, err, a.dry_run ? "planning the write" : "writing the flash");
    }
    if (err != SWDF_OK && executed) {
      /* An incomplete image must not run: the core stays halted. */
      bool halted = swdf_core_halt(c.s.target) == SWDF_OK;
      if (!g->json) {
        fprintf(stderr, "  the core is %s\n",
                halted ? "left halted (run the write again, or 'swdflash reset')"
                       : "in an unknown state (the chip does not answer)");
      }
    }
  }
  cli_progress_finish(&c.s.progress);
  if (rc == CLI_EXIT_OK) {
    double seconds = elapsed(&c);
    if (g->json) {
      print_write_json(&c, img, plan, &st, a.dry_run, seconds, &refused, protection_removed,
                       &placement);
    } else if (a.dry_run) {
      print_plan_text(&c, img, plan, &st);
    } else if (!g->quiet) {
      print_write_summary(&c, img, &st, seconds);
    }
  }
  if (rc == CLI_EXIT_OK && a.dry_run && refused.err != SWDF_OK) {
    /* The plan was shown; the write itself would be refused. */
    if (a.remove_protection && refused.err == SWDF_ERR_WRITE_PROTECTED) {
      if (!g->json && !g->quiet) {
        printf("  with --remove-protection the write protection is removed first (option "
               "bytes), then the flash is written\n");
      }
    } else if (g->json) {
      rc = cli_exit_code_for(refused.err);
    } else {
      char message[600];
      snprintf(message, sizeof(message), "dry run: %s", refused.message);
      rc = cli_report_error(g, swdf_err_name(refused.err), message, refused.hint,
                            cli_exit_code_for(refused.err));
    }
  }
  swdf_flash_plan_free(plan);
  swdf_image_free(img);
  cli_session_end(&c.s);
  return rc;
}

/* ---- verify ------------------------------------------------------------------ */

enum { VERIFY_SHOWN_RANGES = 8 };

/* Where the flash differs from the image: every differing range counted,
 * the first few kept. */
typedef struct differences {
  uint64_t bytes;   /* differing bytes */
  size_t count;     /* differing ranges */
  size_t shown;
  swdf_image_segment ranges[VERIFY_SHOWN_RANGES]; /* addr and size only */
  bool complete;    /* the whole image was read back */
} differences;

static void add_difference(differences *d, uint32_t addr, uint32_t size) {
  d->bytes += size;
  d->count++;
  if (d->shown < VERIFY_SHOWN_RANGES) {
    d->ranges[d->shown++] = (swdf_image_segment){.addr = addr, .size = size};
  }
}

/* Read the image's ranges back and compare byte by byte. */
static void find_differences(differences *d, swdf_target *t, const swdf_image *img) {
  memset(d, 0, sizeof(*d));
  d->complete = true;
  for (size_t i = 0; i < swdf_image_segment_count(img); i++) {
    const swdf_image_segment *seg = swdf_image_segment_at(img, i);
    uint8_t *flash = malloc(seg->size);
    if (flash == NULL || swdf_mem_read(flash, t, seg->addr, seg->size) != SWDF_OK) {
      free(flash);
      d->complete = false;
      return;
    }
    for (uint32_t off = 0; off < seg->size;) {
      if (flash[off] == seg->data[off]) {
        off++;
        continue;
      }
      uint32_t start = off;
      while (off < seg->size && flash[off] != seg->data[off]) {
        off++;
      }
      add_difference(d, seg->addr + start, off - start);
    }
    free(flash);
  }
}

static void print_differences_text(const differences *d) {
  if (!d->complete) {
    return;
  }
  char bytes[32];
  cli_format_size(bytes, sizeof(bytes), d->bytes);
  fprintf(stderr, "  %zu range%s differ%s (%s in all)%s\n", d->count, d->count == 1 ? "" : "s",
          d->count == 1 ? "s" : "", bytes, d->count > d->shown ? "; the first ones:" : ":");
  for (size_t i = 0; i < d->shown; i++) {
    char size[32];
    cli_format_size(size, sizeof(size), d->ranges[i].size);
    fprintf(stderr, "    0x%08X-0x%08X  %s\n", (unsigned)d->ranges[i].addr,
            (unsigned)(d->ranges[i].addr + d->ranges[i].size - 1), size);
  }
}

static void print_verify(const flash_cmd *c, const swdf_image *img, swdf_verify_mode mode,
                         const differences *diff, double seconds) {
  uint64_t bytes = swdf_image_size(img);
  double rate = seconds > 0 ? (double)bytes / 1024.0 / seconds : 0.0;
  if (c->s.g->json) {
    cli_json j;
    cli_json_reply_begin(&j, c->s.g, diff == NULL);
    if (diff != NULL) {
      char message[160];
      snprintf(message, sizeof(message), "the flash differs from %s in %zu range%s",
               swdf_image_name(img), diff->count, diff->count == 1 ? "" : "s");
      cli_json_object_begin(&j, "error");
      cli_json_str(&j, "code", swdf_err_name(SWDF_ERR_VERIFY));
      cli_json_str(&j, "message", message);
      cli_json_str(&j, "hint", "write the image again ('swdflash write')");
      cli_json_object_end(&j);
    }
    cli_json_chip_connection(&j, c->s.g, &c->chip);
    cli_json_str(&j, "file", swdf_image_name(img));
    cli_json_uint(&j, "size", bytes);
    cli_json_str(&j, "verify", swdf_verify_mode_name(mode));
    cli_json_bool(&j, "match", diff == NULL);
    cli_json_double(&j, "seconds", seconds);
    cli_json_double(&j, "kib_per_s", rate);
    if (diff != NULL) {
      cli_json_uint(&j, "differing_bytes", diff->bytes);
      cli_json_uint(&j, "difference_count", diff->count);
      cli_json_array_begin(&j, "differences");
      for (size_t i = 0; i < diff->shown; i++) {
        cli_json_object_begin(&j, NULL);
        cli_json_hex32(&j, "addr", diff->ranges[i].addr);
        cli_json_uint(&j, "size", diff->ranges[i].size);
        cli_json_object_end(&j);
      }
      cli_json_array_end(&j);
    }
    cli_json_reply_end(&j, c->s.g);
  } else if (!c->s.g->quiet && diff == NULL) {
    char size[32];
    cli_format_size(size, sizeof(size), bytes);
    printf("%s matches the flash of %s (%s compared by %s in %.2f s, %.1f KiB/s)\n",
           swdf_image_name(img), c->chip.name, size, swdf_verify_mode_name(mode), seconds, rate);
  }
}

int cli_cmd_verify(int argc, char **argv, cli_globals *g) {
  image_args a = {.opts = SWDF_IMAGE_OPTS_INIT};
  swdf_verify_mode mode = SWDF_VERIFY_CRC;
  cli_parser p;
  cli_parser_init(&p, argc, argv, verify_opts, g);
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    int rc = -1;
    if (r == CLI_NEXT_ERROR) {
      return cli_usage_error(g, "verify", "%s", p.error);
    } else if (r == CLI_NEXT_HELP) {
      cli_command_help(g, "verify", verify_opts);
      return CLI_EXIT_OK;
    } else if (r == OPT_VERIFY) {
      if (!parse_verify_mode(p.value, &mode) || mode == SWDF_VERIFY_NONE) {
        return cli_usage_error(g, "verify", "verify mode must be crc or readback");
      }
    } else {
      rc = image_arg(g, "verify", &a, r, p.value);
    }
    if (rc >= 0) {
      return rc;
    }
  }
  flash_cmd c;
  swdf_image *img = NULL;
  int rc = flash_cmd_start(&c, g, "verify");
  if (rc == CLI_EXIT_OK) {
    rc = load_image(&c, "verify", &a, &img);
  }
  if (rc == CLI_EXIT_OK) {
    rc = cli_connect_chip(&c.s, &c.chip);
  }
  double start = cli_now_s();
  differences diff;
  bool differs = false;
  if (rc == CLI_EXIT_OK) {
    swdf_err err = swdf_flash_verify(c.s.target, img, mode);
    double seconds = cli_now_s() - start;
    if (err == SWDF_ERR_VERIFY) {
      /* Say where, all of it: the library names only the first place. */
      cli_progress_finish(&c.s.progress);
      find_differences(&diff, c.s.target, img);
      differs = diff.complete && diff.count > 0;
    }
    if (differs && g->json) {
      print_verify(&c, img, mode, &diff, seconds);
      rc = CLI_EXIT_MISMATCH;
    } else if (err != SWDF_OK) {
      rc = cli_session_fail(&c.s, err, NULL);
      if (differs) {
        print_differences_text(&diff);
      }
    } else {
      cli_progress_finish(&c.s.progress);
      print_verify(&c, img, mode, NULL, seconds);
    }
  }
  cli_progress_finish(&c.s.progress);
  swdf_image_free(img);
  cli_session_end(&c.s);
  return rc;
}

/* ---- erase ------------------------------------------------------------------- */

static void print_erase(const flash_cmd *c, bool mass, uint32_t addr, uint32_t len,
                        bool protection_removed) {
  if (c->s.g->json) {
    cli_json j;
    cli_json_reply_begin(&j, c->s.g, true);
    cli_json_chip_connection(&j, c->s.g, &c->chip);
    cli_json_bool(&j, "mass", mass);
    cli_json_bool(&j, "protection_removed", protection_removed);
    if (!mass) {
      cli_json_hex32(&j, "addr", addr);
      cli_json_uint(&j, "size", len);
    }
    cli_json_double(&j, "seconds", elapsed(c));
    cli_json_reply_end(&j, c->s.g);
  } else if (!c->s.g->quiet && mass) {
    printf("erased the whole flash of %s (%.2f s)\n", c->chip.name, elapsed(c));
  } else if (!c->s.g->quiet) {
    printf("erased 0x%08X-0x%08X of %s (%.2f s)\n", (unsigned)addr, (unsigned)(addr + len - 1),
           c->chip.name, elapsed(c));
  }
}

static swdf_err erase_flash(flash_cmd *c, bool mass, uint32_t addr, uint32_t len) {
  return mass ? swdf_flash_mass_erase(c->s.target) : swdf_flash_erase(c->s.target, addr, len);
}

int cli_cmd_erase(int argc, char **argv, cli_globals *g) {
  bool mass = false, remove = false, removed = false;
  const char *args[2] = {NULL, NULL};
  int nargs = 0;
  cli_parser p;
  cli_parser_init(&p, argc, argv, erase_opts, g);
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    if (r == CLI_NEXT_ERROR) {
      return cli_usage_error(g, "erase", "%s", p.error);
    } else if (r == CLI_NEXT_HELP) {
      cli_command_help(g, "erase", erase_opts);
      return CLI_EXIT_OK;
    } else if (r == OPT_MASS) {
      mass = true;
    } else if (r == OPT_REMOVE_PROTECTION) {
      remove = true;
    } else if (nargs < 2) {
      args[nargs++] = p.value;
    } else {
      return cli_usage_error(g, "erase", "unexpected argument '%s'", p.value);
    }
  }
  uint32_t addr = 0, len = 0;
  if (mass == (nargs != 0) || (!mass && nargs != 2)) {
    return cli_usage_error(g, "erase", "give either --mass or ADDR LEN");
  }
  char perr[128];
  if (!mass && !cli_parse_range(args[0], args[1], &addr, &len, perr, sizeof(perr))) {
    return cli_usage_error(g, "erase", "%s", perr);
  }
  flash_cmd c;
  int rc = flash_cmd_start(&c, g, "erase");
  if (rc == CLI_EXIT_OK) {
    rc = cli_connect_chip(&c.s, &c.chip);
  }
  if (rc == CLI_EXIT_OK) {
    /* The library reads the protection before the first erase and refuses
     * the job while nothing is lost; --remove-protection then clears it. */
    swdf_err err = erase_flash(&c, mass, addr, len);
    if (err == SWDF_ERR_WRITE_PROTECTED && remove) {
      rc = remove_protection(&c);
      removed = rc == CLI_EXIT_OK;
      err = rc == CLI_EXIT_OK ? erase_flash(&c, mass, addr, len) : SWDF_OK;
    }
    if (rc == CLI_EXIT_OK && err != SWDF_OK) {
      rc = cli_session_fail(&c.s, err, "erasing");
    }
  }
  cli_progress_finish(&c.s.progress);
  if (rc == CLI_EXIT_OK) {
    print_erase(&c, mass, addr, len, removed);
  }
  cli_session_end(&c.s);
  return rc;
}
