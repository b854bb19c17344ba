/* Chip database: loading directories, lookup by IDs, flash geometry. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chipdb.h"

enum { MAX_FILE_SIZE = 1 << 20, MAX_DIR_FILES = 256 };

bool swdf_chipdb_add_builtin(swdf_chipdb *db) {
  size_t count = 0;
  const swdf_chip *chips = swdf_chipdb_builtin(&count);
  db->chips = malloc((count + 16) * sizeof(*db->chips));
  if (db->chips == NULL) {
    return false;
  }
  memcpy(db->chips, chips, count * sizeof(*chips));
  db->count = count;
  db->capacity = count + 16;
  return true;
}

static char *read_text(const char *path, char *err, size_t err_len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, err_len, "cannot open %s", path);
    return NULL;
  }
  char *buf = malloc(MAX_FILE_SIZE + 1);
  size_t n = buf != NULL ? fread(buf, 1, MAX_FILE_SIZE + 1, f) : 0;
  bool bad = buf == NULL || ferror(f) || n > MAX_FILE_SIZE;
  fclose(f);
  if (bad) {
    snprintf(err, err_len, "cannot read %s (or larger than 1 MiB)", path);
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_chip_file(const char *name) {
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".chip") == 0 && name[0] != '.';
}

bool swdf_chipdb_load_dir(swdf_chipdb *db, const char *dir, char *err, size_t err_len) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    snprintf(err, err_len, "cannot open the directory");
    return false;
  }
  char *names[MAX_DIR_FILES];
  size_t count = 0;
  bool ok = true;
  for (struct dirent *e = readdir(d); e != NULL && ok; e = readdir(d)) {
    if (!is_chip_file(e->d_name)) {
      continue;
    }
    if (count == MAX_DIR_FILES || (names[count] = strdup(e->d_name)) == NULL) {
      snprintf(err, err_len, "too many .chip files");
      ok = false;
    } else {
      count++;
    }
  }
  closedir(d);
  qsort(names, count, sizeof(names[0]), compare_names);
  for (size_t i = 0; i < count && ok; i++) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    char *text = read_text(path, err, err_len);
    ok = text != NULL && swdf_chipdb_parse(db, text, path, err, err_len);
    free(text);
  }
  for (size_t i = 0; i < count; i++) {
    free(names[i]);
  }
  return ok;
}

/* ---- lookup ---------------------------------------------------------- */

static uint16_t cpuid_part(uint32_t cpuid) { return (uint16_t)((cpuid >> 4) & 0xFFF); }

/* -1: does not match; else the number of criteria that matched. */
static int match_score(const swdf_chip *c, const swdf_chip_ids *ids) {
  uint16_t dev_id = (uint16_t)(ids->dbgmcu_idcode & 0xFFF);
  uint16_t rev_id = (uint16_t)(ids->dbgmcu_idcode >> 16);
  if (c->dev_id != dev_id || c->idcode_addr != ids->idcode_addr) {
    return -1;
  }
  int score = 1;
  const struct {
    bool set;
    bool equal;
  } criteria[] = {
      {c->cpuid_part != 0, c->cpuid_part == cpuid_part(ids->cpuid)},
      {c->dp_idcode != 0, c->dp_idcode == ids->dp_idcode},
      {c->match_rev_id, c->rev_id == rev_id},
      {c->designer != 0, c->designer == ids->designer},
  };
  for (size_t i = 0; i < sizeof(criteria) / sizeof(criteria[0]); i++) {
    if (criteria[i].set) {
      if (!criteria[i].equal) {
        return -1;
      }
      score++;
    }
  }
  return score;
}

const swdf_chip *swdf_chipdb_find(const swdf_chip *chips, size_t count, const swdf_chip_ids *ids) {
  const swdf_chip *best = NULL;
  int best_score = -1;
  for (size_t i = 0; i < count; i++) {
    int score = match_score(&chips[i], ids);
    if (score > best_score) {
      best = &chips[i];
      best_score = score;
    }
  }
  return best;
}

static bool add_unique(uint32_t *out, size_t *n, size_t max, uint32_t addr) {
  for (size_t i = 0; i < *n; i++) {
    if (out[i] == addr) {
      return true;
    }
  }
  if (*n == max) {
    return false;
  }
  out[(*n)++] = addr;
  return true;
}

size_t swdf_chipdb_idcode_addrs(uint32_t *out, size_t max, const swdf_chip *chips, size_t count,
                                uint32_t cpuid, uint32_t dp_idcode) {
  size_t n = 0;
  /* Pass 0: entries naming this DP IDCODE; 1: any entry for this core;
   * 2: anything (an unknown core still gets a chance). */
  for (int pass = 0; pass < 3; pass++) {
    for (size_t i = 0; i < count; i++) {
      const swdf_chip *c = &chips[i];
      bool core_ok = c->cpuid_part == 0 || c->cpuid_part == cpuid_part(cpuid);
      bool dp_ok = c->dp_idcode == 0 || c->dp_idcode == dp_idcode;
      bool take = (pass == 0 && core_ok && c->dp_idcode == dp_idcode) ||
                  (pass == 1 && core_ok && dp_ok) || (pass == 2 && n == 0);
      if (take && !add_unique(out, &n, max, c->idcode_addr)) {
        return n;
      }
    }
  }
  return n;
}

const char *swdf_chip_revision_name(const swdf_chip *chip, uint16_t rev_id) {
  for (size_t i = 0; i < chip->revision_count; i++) {
    if (chip->revisions[i].rev_id == rev_id) {
      return chip->revisions[i].name;
    }
  }
  return "";
}

uint32_t swdf_chip_flash_size(const swdf_chip *chip, uint16_t raw_kib) {
  for (size_t i = 0; i < chip->flash_size_map_count; i++) {
    if (chip->flash_size_map[i].from == raw_kib) {
      return chip->flash_size_map[i].to * 1024u;
    }
  }
  if (chip->flash_size_reg == 0 || raw_kib == 0 || raw_kib == 0xFFFF) {
    return chip->flash_max;
  }
  uint32_t size = (uint32_t)raw_kib * 1024u;
  return size > chip->flash_max ? chip->flash_max : size;
}

int swdf_chip_rdp_level(const swdf_chip *chip, uint32_t reg_value, uint32_t *field) {
  const swdf_chip_rdp *r = &chip->rdp;
  if (r->reg == 0) {
    return -1;
  }
  uint32_t mask = r->width >= 32 ? 0xFFFFFFFFu : (1u << r->width) - 1;
  uint32_t v = (reg_value >> r->shift) & mask;
  if (field != NULL) {
    *field = v;
  }
  for (size_t i = 0; i < r->map_count; i++) {
    if (r->map[i].from == v) {
      return (int)r->map[i].to;
    }
  }
  return r->other_level;
}

bool swdf_chip_dual_bank(const swdf_chip *chip, uint32_t reg_value) {
  return chip->dual_bank_reg != 0 && ((reg_value >> chip->dual_bank_bit) & 1u) == chip->dual_bank_value;
}

/* ---- geometry ----------------------------------------------------------- */

/*
 * Walk the groups of a bank of `bank_size` bytes. With `find_offset` set,
 * stop at the unit containing `offset`; else at unit number `k`. Returns
 * false when the target is past the bank or the groups do not tile it.
 */
typedef struct unit_walk {
  uint32_t index;  /* within the bank */
  uint32_t offset; /* within the bank */
  uint32_t size;
  uint32_t total;  /* units in the bank, when walking to the end */
} unit_walk;

static bool walk_bank(unit_walk *out, const swdf_chip_geometry *g, uint32_t bank_size,
                      bool find_offset, uint32_t target) {
  uint32_t off = 0;
  uint32_t index = 0;
  for (size_t i = 0; i < g->group_count && off < bank_size; i++) {
    uint32_t size = g->groups[i].size;
    uint32_t avail = (bank_size - off) / size;
    uint32_t count = g->groups[i].count;
    bool last = i + 1 == g->group_count;
    if (count == 0 || last || count > avail) {
      count = avail;
    }
    if (find_offset && target < off + count * size) {
      out->index = index + (target - off) / size;
      out->offset = off + (target - off) / size * size;
      out->size = size;
      return true;
    }
    if (!find_offset && target < index + count) {
      out->index = target;
      out->offset = off + (target - index) * size;
      out->size = size;
      return true;
    }
    off += count * size;
    index += count;
  }
  out->total = index;
  return off == bank_size && !find_offset && target == UINT32_MAX;
}

static uint32_t bank_units(const swdf_chip_geometry *g, uint32_t bank_size, bool *ok) {
  unit_walk w = {0};
  *ok = walk_bank(&w, g, bank_size, false, UINT32_MAX);
  return w.total;
}

bool swdf_flash_layout_init(swdf_flash_layout *out, const swdf_chip *chip, uint32_t flash_size,
                            bool dual_bank) {
  memset(out, 0, sizeof(*out));
  const swdf_chip_geometry *g =
      dual_bank && chip->dual_geometry.group_count != 0 ? &chip->dual_geometry : &chip->geometry;
  out->base = chip->flash_base;
  out->size = flash_size;
  out->geometry = g;
  out->program_unit = chip->program_unit;
  out->erased_value = chip->erased_value;
  out->bank_count = 1;
  out->banks[0].base = chip->flash_base;
  out->banks[0].size = flash_size;
  if (g->banks == 2) {
    switch (g->split) {
    case SWDF_BANK_SPLIT_FIXED:
      if (flash_size > g->bank_size) {
        out->bank_count = 2;
        out->banks[0].size = g->bank_size;
        out->banks[1].base = chip->flash_base + g->bank_size;
        out->banks[1].size = flash_size - g->bank_size;
      }
      break;
    case SWDF_BANK_SPLIT_HALF:
    case SWDF_BANK_SPLIT_HALF_MAX:
      out->bank_count = 2;
      out->banks[0].size = flash_size / 2;
      out->banks[1].size = flash_size / 2;
      out->banks[1].base = chip->flash_base + (g->split == SWDF_BANK_SPLIT_HALF
                                                   ? flash_size / 2
                                                   : chip->flash_max / 2);
      break;
    }
  }
  for (uint8_t b = 0; b < out->bank_count; b++) {
    bool ok;
    out->banks[b].unit_count = bank_units(g, out->banks[b].size, &ok);
    if (!ok || out->banks[b].size == 0) {
      return false;
    }
  }
  if (out->bank_count == 2) {
    out->banks[1].first_index =
        g->bank2_first_index != 0 ? g->bank2_first_index : out->banks[0].unit_count;
  }
  return true;
}

uint32_t swdf_flash_layout_count(const swdf_flash_layout *layout) {
  uint32_t n = 0;
  for (uint8_t b = 0; b < layout->bank_count; b++) {
    n += layout->banks[b].unit_count;
  }
  return n;
}

static void fill_sector(swdf_flash_sector *out, const swdf_flash_layout *layout, uint8_t bank,
                        const unit_walk *w) {
  out->bank = bank;
  out->index_in_bank = w->index;
  out->index = layout->banks[bank].first_index + w->index;
  out->addr = layout->banks[bank].base + w->offset;
  out->size = w->size;
}

bool swdf_flash_layout_sector_at(swdf_flash_sector *out, const swdf_flash_layout *layout,
                                 uint32_t addr) {
  for (uint8_t b = 0; b < layout->bank_count; b++) {
    uint32_t base = layout->banks[b].base;
    if (addr >= base && addr - base < layout->banks[b].size) {
      unit_walk w = {0};
      if (!walk_bank(&w, layout->geometry, layout->banks[b].size, true, addr - base)) {
        return false;
      }
      fill_sector(out, layout, b, &w);
      return true;
    }
  }
  return false;
}

bool swdf_flash_layout_sector(swdf_flash_sector *out, const swdf_flash_layout *layout,
                              uint32_t n) {
  for (uint8_t b = 0; b < layout->bank_count; b++) {
    if (n < layout->banks[b].unit_count) {
      unit_walk w = {0};
      if (!walk_bank(&w, layout->geometry, layout->banks[b].size, false, n)) {
        return false;
      }
      fill_sector(out, layout, b, &w);
      return true;
    }
    n -= layout->banks[b].unit_count;
  }
  return false;
}

bool swdf_flash_layout_contains(const swdf_flash_layout *layout, uint32_t addr, uint32_t len) {
  if (len == 0) {
    return false;
  }
  uint64_t end = (uint64_t)addr + len;
  for (uint8_t b = 0; b < layout->bank_count; b++) {
    uint64_t base = layout->banks[b].base;
    uint64_t bank_end = base + layout->banks[b].size;
    if (addr >= base && addr < bank_end) {
      if (end <= bank_end) {
        return true;
      }
      /* Continues into the next bank only if that one starts right here. */
      return b + 1 < layout->bank_count && layout->banks[b + 1].base == bank_end &&
             swdf_flash_layout_contains(layout, (uint32_t)bank_end, (uint32_t)(end - bank_end));
    }
  }
  return false;
}

static void format_size(char *out, size_t len, uint32_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
    snprintf(out, len, "%u MiB", bytes / (1024 * 1024));
  } else if (bytes >= 1024 && bytes % 1024 == 0) {
    snprintf(out, len, "%u KiB", bytes / 1024);
  } else {
    snprintf(out, len, "%u bytes", bytes);
  }
}

static size_t describe_bank(char *out, size_t out_len, const swdf_flash_layout *layout,
                            uint8_t bank) {
  const swdf_chip_geometry *g = layout->geometry;
  uint32_t bank_size = layout->banks[bank].size;
  char size[24];
  if (g->group_count == 1) {
    format_size(size, sizeof(size), g->groups[0].size);
    return (size_t)snprintf(out, out_len, "%u pages of %s", layout->banks[bank].unit_count, size);
  }
  size_t pos = 0;
  uint32_t off = 0;
  for (size_t i = 0; i < g->group_count && off < bank_size && pos < out_len; i++) {
    uint32_t unit = g->groups[i].size;
    uint32_t avail = (bank_size - off) / unit;
    uint32_t count = g->groups[i].count;
    if (count == 0 || i + 1 == g->group_count || count > avail) {
      count = avail;
    }
    format_size(size, sizeof(size), unit);
    pos += (size_t)snprintf(out + pos, out_len - pos, "%s%u x %s", off == 0 ? "" : ", ", count,
                            size);
    off += count * unit;
  }
  return pos;
}

void swdf_flash_layout_describe(char *out, size_t out_len, const swdf_flash_layout *layout) {
  out[0] = '\0';
  if (layout->bank_count == 1) {
    describe_bank(out, out_len, layout, 0);
    return;
  }
  if (layout->banks[0].size == layout->banks[1].size) {
    size_t pos = describe_bank(out, out_len, layout, 0);
    if (pos < out_len) {
      snprintf(out + pos, out_len - pos, " per bank, 2 banks");
    }
    return;
  }
  size_t pos = (size_t)snprintf(out, out_len, "bank 1: ");
  pos += pos < out_len ? describe_bank(out + pos, out_len - pos, layout, 0) : 0;
  pos += pos < out_len ? (size_t)snprintf(out + pos, out_len - pos, "; bank 2: ") : 0;
  if (pos < out_len) {
    describe_bank(out + pos, out_len - pos, layout, 1);
  }
}
