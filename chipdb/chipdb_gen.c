/*
 * Build-time generator: parses chipdb/ *.chip with the library's own parser
 * and writes the built-in table as C.
 *
 *   chipdb_gen OUTPUT.c FILE.chip...
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chipdb.h"

/* The generator has no built-in table of its own. */
const swdf_chip *swdf_chipdb_builtin(size_t *count) {
  *count = 0;
  return NULL;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  size_t cap = 4096;
  size_t len = 0;
  char *buf = malloc(cap);
  for (size_t n; buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
    len += n;
    if (cap - len < 2) {
      char *grown = realloc(buf, cap * 2);
      if (grown == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = grown;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf != NULL) {
    buf[len] = '\0';
  }
  return buf;
}

/* Close an array initialiser; an empty one gets a zero element (C11 has no "{}"). */
static void close_array(FILE *out, size_t n, const char *after) {
  fprintf(out, "%s}%s", n == 0 ? "{0}" : "", after);
}

static void emit_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s != '\0'; s++) {
    if (*s == '"' || *s == '\\') {
      fputc('\\', out);
    }
    fputc(*s, out);
  }
  fputc('"', out);
}

static void emit_geometry(FILE *out, const char *name, const swdf_chip_geometry *g) {
  fprintf(out, "    .%s = {.banks = %u, .split = %d, .bank_size = 0x%" PRIX32
               ", .bank2_first_index = %" PRIu32 ", .group_count = %u, .groups = {",
          name, g->banks, (int)g->split, g->bank_size, g->bank2_first_index, g->group_count);
  for (size_t i = 0; i < g->group_count; i++) {
    fprintf(out, "{%" PRIu32 ", 0x%" PRIX32 "},", g->groups[i].count, g->groups[i].size);
  }
  close_array(out, g->group_count, "},\n");
}

static void emit_map(FILE *out, const char *name, const swdf_chip_map_entry *map, size_t n) {
  fprintf(out, "    .%s = {", name);
  for (size_t i = 0; i < n; i++) {
    fprintf(out, "{0x%" PRIX32 ", 0x%" PRIX32 "},", map[i].from, map[i].to);
  }
  close_array(out, n, ",\n");
}

#define FIELD_STR(f)                \
  do {                              \
    fprintf(out, "    ." #f " = "); \
    emit_string(out, c->f);         \
    fprintf(out, ",\n");            \
  } while (0)
#define FIELD_HEX(f) fprintf(out, "    ." #f " = 0x%" PRIX32 ",\n", (uint32_t)c->f)

static void emit_chip(FILE *out, const swdf_chip *c) {
  fprintf(out, "  {\n");
  FIELD_STR(id);
  FIELD_STR(name);
  FIELD_STR(family);
  FIELD_STR(driver);
  FIELD_STR(core);
  FIELD_HEX(dev_id);
  FIELD_HEX(cpuid_part);
  FIELD_HEX(dp_idcode);
  FIELD_HEX(rev_id);
  fprintf(out, "    .match_rev_id = %s,\n", c->match_rev_id ? "true" : "false");
  FIELD_HEX(designer);
  FIELD_HEX(idcode_addr);
  FIELD_HEX(revision_count);
  fprintf(out, "    .revisions = {");
  for (size_t i = 0; i < c->revision_count; i++) {
    fprintf(out, "{0x%04X, ", c->revisions[i].rev_id);
    emit_string(out, c->revisions[i].name);
    fprintf(out, "},");
  }
  close_array(out, c->revision_count, ",\n");
  FIELD_HEX(flash_base);
  FIELD_HEX(flash_max);
  FIELD_HEX(flash_size_reg);
  FIELD_HEX(flash_size_map_count);
  emit_map(out, "flash_size_map", c->flash_size_map, c->flash_size_map_count);
  emit_geometry(out, "geometry", &c->geometry);
  FIELD_HEX(dual_bank_reg);
  FIELD_HEX(dual_bank_bit);
  FIELD_HEX(dual_bank_value);
  emit_geometry(out, "dual_geometry", &c->dual_geometry);
  FIELD_HEX(program_unit);
  FIELD_HEX(erased_value);
  FIELD_HEX(flash_regs);
  FIELD_HEX(ram_base);
  FIELD_HEX(ram_size);
  FIELD_HEX(sysmem_base);
  FIELD_HEX(sysmem_size);
  FIELD_HEX(uid_words);
  fprintf(out, "    .uid_addr = {0x%" PRIX32 ", 0x%" PRIX32 ", 0x%" PRIX32 "},\n", c->uid_addr[0],
          c->uid_addr[1], c->uid_addr[2]);
  FIELD_HEX(option_addr);
  FIELD_HEX(option_size);
  FIELD_HEX(option_reg_count);
  fprintf(out, "    .option_regs = {");
  for (size_t i = 0; i < c->option_reg_count; i++) {
    fprintf(out, "{");
    emit_string(out, c->option_regs[i].name);
    fprintf(out, ", 0x%" PRIX32 "},", c->option_regs[i].addr);
  }
  close_array(out, c->option_reg_count, ",\n");
  fprintf(out, "    .rdp = {.reg = 0x%" PRIX32 ", .shift = %u, .width = %u, .map_count = %u, "
               ".other_level = %u, .map = {",
          c->rdp.reg, c->rdp.shift, c->rdp.width, c->rdp.map_count, c->rdp.other_level);
  for (size_t i = 0; i < c->rdp.map_count; i++) {
    fprintf(out, "{0x%" PRIX32 ", %" PRIu32 "},", c->rdp.map[i].from, c->rdp.map[i].to);
  }
  close_array(out, c->rdp.map_count, "},\n");
  FIELD_HEX(debug_set_count);
  emit_map(out, "debug_set", c->debug_set, c->debug_set_count);
  FIELD_HEX(program_time_us);
  FIELD_HEX(erase_time_ms);
  FIELD_HEX(mass_erase_time_ms);
  FIELD_HEX(quirks);
  FIELD_STR(note);
  fprintf(out, "  },\n");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: chipdb_gen OUTPUT.c FILE.chip...\n");
    return 2;
  }
  swdf_chipdb db = {0};
  char err[512];
  for (int i = 2; i < argc; i++) {
    char *text = slurp(argv[i]);
    if (text == NULL) {
      fprintf(stderr, "chipdb_gen: cannot read %s\n", argv[i]);
      return 1;
    }
    /* Name files by their base name in messages and nothing else. */
    const char *base = strrchr(argv[i], '/');
    bool ok = swdf_chipdb_parse(&db, text, base != NULL ? base + 1 : argv[i], err, sizeof(err));
    free(text);
    if (!ok) {
      fprintf(stderr, "chipdb_gen: %s\n", err);
      return 1;
    }
  }
  FILE *out = fopen(argv[1], "w");
  if (out == NULL) {
    fprintf(stderr, "chipdb_gen: cannot write %s\n", argv[1]);
    return 1;
  }
  fprintf(out, "/* Generated by chipdb_gen from chipdb/ *.chip. Do not edit. */\n");
  fprintf(out, "#include \"chipdb.h\"\n\nstatic const swdf_chip builtin[] = {\n");
  for (size_t i = 0; i < db.count; i++) {
    emit_chip(out, &db.chips[i]);
  }
  fprintf(out, "};\n\nconst swdf_chip *swdf_chipdb_builtin(size_t *count) {\n"
               "  *count = sizeof(builtin) / sizeof(builtin[0]);\n  return builtin;\n}\n");
  bool write_ok = !ferror(out);
  write_ok = fclose(out) == 0 && write_ok;
  swdf_chipdb_free(&db);
  if (!write_ok) {
    fprintf(stderr, "chipdb_gen: error writing %s\n", argv[1]);
    return 1;
  }
  return 0;
}
