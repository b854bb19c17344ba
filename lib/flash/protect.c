/* Write protection, read before anything is erased (see protect.h). */
#include <stdio.h>
#include <string.h>

#include "protect.h"

/* The controller's view (loaded from the option bytes at the last reset):
 * used when the option description places no protection. */
static swdf_err read_registers(swdf__protection *out, swdf_target *t, const swdf__flash_ctl *ctl) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(ctl->wrp); i++) {
    uint32_t value = 0;
    if (ctl->wrp[i].addr == 0) {
      continue;
    }
    swdf_err err = swdf__read32(&value, t, ctl->wrp[i].addr);
    if (err != SWDF_OK) {
      swdf__prefix_error(swdf__target_ctx(t), "reading the write protection at 0x%08X",
                         (unsigned)ctl->wrp[i].addr);
      return err;
    }
    if ((value & ctl->wrp[i].mask) != ctl->wrp[i].want && !out->unplaced) {
      out->unplaced = true;
      out->unplaced_reg = ctl->wrp[i].addr;
      out->unplaced_value = value;
    }
  }
  return SWDF_OK;
}

/* Whether the description has write-protection fields to place ranges with. */
static bool describes_protection(const swdf_options *o) {
  for (size_t i = 0; i < swdf_options_field_count(o); i++) {
    swdf_opt_field f = {.size = sizeof(f)};
    if (swdf_options_field(&f, o, i) == SWDF_OK && f.group == SWDF_OPT_GROUP_WRP) {
      return true;
    }
  }
  return false;
}

swdf_err swdf__protection_read(swdf__protection *out, swdf_target *t, const swdf__flash_ctl *ctl) {
  memset(out, 0, sizeof(*out));
  swdf_ctx *ctx = swdf__target_ctx(t);
  swdf_options *o = NULL;
  swdf_err err = swdf_options_read(&o, t);
  bool described = false;
  if (err == SWDF_OK) {
    described = describes_protection(o);
    size_t n = swdf_options_ranges(out->ranges, SWDF__PROT_MAX_RANGES, o, 0);
    out->count = n < SWDF__PROT_MAX_RANGES ? n : SWDF__PROT_MAX_RANGES;
    swdf_options_free(o);
  } else if (err == SWDF_ERR_UNSUPPORTED) {
    swdf__clear_error(ctx); /* no description: the registers alone tell */
  } else {
    swdf__prefix_error(ctx, "reading the write protection before erasing");
    return err;
  }
  /* The registers cannot tell WRP from PCROP mode (SPRMOD) or which unit a
   * bit covers; they only stand in where no description places anything. */
  return described ? SWDF_OK : read_registers(out, t, ctl);
}

bool swdf__protection_any(const swdf__protection *p) { return p->unplaced || p->count > 0; }

/* The range protecting any byte of [addr, addr + len), or NULL. */
static const swdf_opt_range *range_hit(const swdf__protection *p, uint32_t addr, uint32_t len) {
  uint64_t end = (uint64_t)addr + len;
  for (size_t i = 0; i < p->count; i++) {
    uint64_t r_end = (uint64_t)p->ranges[i].addr + p->ranges[i].size;
    if (p->ranges[i].addr < end && r_end > addr) {
      return &p->ranges[i];
    }
  }
  return NULL;
}

bool swdf__protection_hits(const swdf__protection *p, uint32_t addr, uint32_t len) {
  return len > 0 && (p->unplaced || range_hit(p, addr, len) != NULL);
}

/* "pages 0-3 at 0x08000000-0x08000FFF (option wrp0)" */
static size_t describe_run(char *out, size_t len, const char *unit, const swdf_flash_sector *first,
                           const swdf_flash_sector *last, const swdf_opt_range *r) {
  char why[64];
  snprintf(why, sizeof(why), "option %s%s", r->field,
           r->code_protection ? ": execute-only PCROP" : "");
  int n;
  if (first->index == last->index) {
    n = snprintf(out, len, "%s %u at 0x%08X-0x%08X (%s)", unit, (unsigned)first->index,
                 (unsigned)first->addr, (unsigned)(last->addr + last->size - 1), why);
  } else {
    n = snprintf(out, len, "%ss %u-%u at 0x%08X-0x%08X (%s)", unit, (unsigned)first->index,
                 (unsigned)last->index, (unsigned)first->addr,
                 (unsigned)(last->addr + last->size - 1), why);
  }
  return n > 0 ? (size_t)n : 0;
}

/* The protected units of [addr, addr + len), grouped into runs of the same
 * field; returns how many units. */
static size_t describe_units(char *out, size_t len, const swdf__protection *p,
                             const swdf_flash_layout *layout, uint32_t addr, uint32_t len_bytes) {
  const char *unit = layout->geometry != NULL && layout->geometry->group_count == 1 ? "page"
                                                                                    : "sector";
  uint64_t end = (uint64_t)addr + len_bytes;
  size_t pos = 0, runs = 0, units = 0;
  swdf_flash_sector first = {0}, last = {0}, s;
  const swdf_opt_range *run = NULL;
  out[0] = '\0';
  for (uint32_t n = 0;; n++) {
    bool more = swdf_flash_layout_sector(&s, layout, n);
    const swdf_opt_range *r = NULL;
    if (more && s.addr < end && (uint64_t)s.addr + s.size > addr) {
      r = range_hit(p, s.addr, s.size);
    }
    bool extends = r != NULL && run != NULL && strcmp(r->field, run->field) == 0 &&
                   r->code_protection == run->code_protection && s.index == last.index + 1;
    if (run != NULL && !extends) {
      if (pos + 4 < len) {
        pos += (size_t)snprintf(out + pos, len - pos, "%s", runs > 0 ? ", " : "");
      }
      if (pos < len) {
        pos += describe_run(out + pos, len - pos, unit, &first, &last, run);
      }
      runs++;
      run = NULL;
    }
    if (r != NULL && !extends) {
      run = r;
      first = s;
    }
    units += r != NULL;
    last = s;
    if (!more) {
      break;
    }
  }
  return units;
}

size_t swdf__protection_units(const swdf__protection *p, const swdf_flash_layout *layout,
                              uint32_t addr, uint32_t len) {
  if (p->unplaced) {
    size_t n = 0;
    swdf_flash_sector s;
    for (uint32_t i = 0; swdf_flash_layout_sector(&s, layout, i); i++) {
      n += s.addr < (uint64_t)addr + len && (uint64_t)s.addr + s.size > addr;
    }
    return n;
  }
  char scratch[8];
  return describe_units(scratch, sizeof(scratch), p, layout, addr, len);
}

swdf_err swdf__protection_refuse(swdf_ctx *ctx, const swdf__protection *p,
                                 const swdf_flash_layout *layout, uint32_t addr, uint32_t len,
                                 const char *job) {
  if (p->unplaced) {
    return swdf__fail(ctx, SWDF_ERR_WRITE_PROTECTED,
                      "remove the write protection ('swdflash unlock', or erase and write with "
                      "--remove-protection), then run again",
                      "refusing %s: write protection is active (0x%08X reads 0x%08X) and the "
                      "option-byte description of this chip cannot tell which units it covers; "
                      "nothing was erased",
                      job, (unsigned)p->unplaced_reg, (unsigned)p->unplaced_value);
  }
  char units[360];
  size_t units_hit = describe_units(units, sizeof(units), p, layout, addr, len);
  bool pcrop = false;
  for (size_t i = 0; i < p->count; i++) {
    const swdf_opt_range *r = &p->ranges[i];
    pcrop = pcrop || (r->code_protection && r->addr < (uint64_t)addr + len &&
                      (uint64_t)r->addr + r->size > addr);
  }
  const char *hint = pcrop ? "execute-only (PCROP) sectors can be neither erased nor written; "
                             "'swdflash options' shows the protection and 'swdflash unlock' "
                             "removes it (leaving PCROP mode erases the whole flash)"
                           : "remove the write protection first: pass --remove-protection to "
                             "erase or write, or run 'swdflash unlock' (or 'swdflash options "
                             "set' on the fields named), then run again";
  return swdf__fail(ctx, SWDF_ERR_WRITE_PROTECTED, hint,
                    "refusing %s: %s %s write protected; nothing was erased", job, units,
                    units_hit == 1 ? "is" : "are");
}

swdf_err swdf__protection_check(swdf_target *t, const swdf__flash_ctl *ctl, uint32_t addr,
                                uint32_t len, const char *job) {
  swdf__protection p;
  swdf_err err = swdf__protection_read(&p, t, ctl);
  if (err == SWDF_OK && swdf__protection_hits(&p, addr, len)) {
    err = swdf__protection_refuse(swdf__target_ctx(t), &p, swdf__target_flash_layout(t), addr,
                                  len, job);
  }
  return err;
}
