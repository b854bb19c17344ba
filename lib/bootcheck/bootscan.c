/*
 * Vector tables and image extents: which programs sit in the flash, where
 * they end, and whether each can really start (ARMv7-M ARM B1.5.3: word 0
 * of the vector table is the initial SP, word 1 the reset handler with the
 * Thumb bit set; words 2-15 the system exception handlers).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcheck/bootscan.h"

/* snprintf for sentences: cutting a long one short is fine. */
static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

/*
 * Where applications start behind a bootloader, from the flash base: the
 * offsets Katapult and Klipper offer (Arksine/katapult src/stm32/Kconfig
 * FLASH_APPLICATION_ADDRESS: 2, 4, 8, 16, 20, 28, 32, 34, 48, 64, 128 KiB
 * and 128 KiB + 512) and the STM32duino/Maple bootloaders use (STM32F1/
 * config.h USER_CODE_FLASH0X8002000 and 0X8005000).
 */
const uint32_t swdf__boot_app_offsets[] = {0x800,  0x1000, 0x2000,  0x4000,  0x5000,  0x7000,
                                           0x8000, 0x8800, 0xC000, 0x10000, 0x20000, 0x20200};
const size_t swdf__boot_app_offset_count =
    sizeof(swdf__boot_app_offsets) / sizeof(swdf__boot_app_offsets[0]);

enum {
  BLOCK = 1024,
  ERASED_GAP = 8 * 1024, /* this much 0xFF after the last data ends an image */
  VECTORS = 16,
};

static const char *const vector_names[VECTORS] = {
    "initial stack pointer", "Reset", "NMI",     "HardFault", "MemManage", "BusFault",
    "UsageFault",            "7",     "8",       "9",         "10",        "SVCall",
    "DebugMonitor",          "13",    "PendSV",  "SysTick"};

/* ---- a cached view of the flash ------------------------------------------------ */

typedef struct flash_view {
  const swdf_bootscan_mem *mem;
  uint8_t **blocks;
  size_t count;
} flash_view;

static bool view_init(flash_view *v, const swdf_bootscan_mem *mem) {
  v->mem = mem;
  v->count = (mem->flash_size + BLOCK - 1) / BLOCK;
  v->blocks = calloc(v->count != 0 ? v->count : 1, sizeof(*v->blocks));
  return v->blocks != NULL;
}

static void view_free(flash_view *v) {
  for (size_t i = 0; i < v->count; i++) {
    free(v->blocks[i]);
  }
  free(v->blocks);
}

static swdf_err view_block(const uint8_t **out, flash_view *v, size_t index) {
  if (v->blocks[index] == NULL) {
    uint8_t *b = malloc(BLOCK);
    if (b == NULL) {
      return SWDF_ERR_NO_MEMORY;
    }
    uint32_t addr = v->mem->flash_base + (uint32_t)(index * BLOCK);
    uint32_t len = v->mem->flash_size - (uint32_t)(index * BLOCK);
    memset(b, 0xFF, BLOCK);
    swdf_err err = v->mem->read(v->mem->user, addr, b, len < BLOCK ? len : BLOCK);
    if (err != SWDF_OK) {
      free(b);
      return err;
    }
    v->blocks[index] = b;
  }
  *out = v->blocks[index];
  return SWDF_OK;
}

/* Copy [addr, addr + len) of the flash into buf. */
static swdf_err view_read(flash_view *v, uint32_t addr, uint8_t *buf, size_t len) {
  while (len > 0) {
    size_t off = addr - v->mem->flash_base;
    const uint8_t *b;
    swdf_err err = view_block(&b, v, off / BLOCK);
    if (err != SWDF_OK) {
      return err;
    }
    size_t n = BLOCK - off % BLOCK;
    n = n < len ? n : len;
    memcpy(buf, b + off % BLOCK, n);
    buf += n;
    addr += (uint32_t)n;
    len -= n;
  }
  return SWDF_OK;
}

/* ---- vector tables ------------------------------------------------------------ */

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t flash_end(const swdf_bootscan_mem *mem) {
  return mem->flash_base + mem->flash_size;
}

/* The checks that need no knowledge of the image's end: stack pointer in
 * RAM, reset handler after the table and before `code_end` (the end of the
 * flash, or of the ROM) with the Thumb bit. */
static bool table_plausible(char *why, size_t why_len, const uint32_t *vec, uint32_t addr,
                            uint32_t code_end, const swdf_bootscan_mem *mem) {
  uint32_t ram_end = mem->ram_base + mem->ram_size;
  if (vec[0] == 0xFFFFFFFFu && vec[1] == 0xFFFFFFFFu) {
    snprintf(why, why_len, "nothing is programmed here (the flash reads 0xFF)");
    return false;
  }
  if (vec[0] < mem->ram_base || vec[0] > ram_end || vec[0] % 4 != 0) {
    snprintf(why, why_len,
             "the first word 0x%08X is not a stack address in RAM (0x%08X-0x%08X), so this is "
             "not the start of a program",
             vec[0], mem->ram_base, ram_end);
    return false;
  }
  uint32_t handler = vec[1] & ~1u;
  if ((vec[1] & 1u) == 0) {
    snprintf(why, why_len,
             "the reset handler 0x%08X lacks the Thumb bit: a Cortex-M would fault at once",
             vec[1]);
    return false;
  }
  if (handler < addr + 8 || handler >= code_end) {
    snprintf(why, why_len, "the reset handler 0x%08X is not inside the memory after 0x%08X",
             vec[1], addr);
    return false;
  }
  return true;
}

/* The highest handler address a table points to. */
static uint32_t table_reach(const uint32_t *vec) {
  uint32_t reach = 0;
  for (int i = 1; i < VECTORS; i++) {
    if (vec[i] != 0 && vec[i] != 0xFFFFFFFFu && (vec[i] & ~1u) > reach) {
      reach = vec[i] & ~1u;
    }
  }
  return reach;
}

/* The remaining check: every system handler inside the image. */
static bool vectors_inside(char *why, size_t why_len, const uint32_t *vec, uint32_t addr,
                           uint32_t end) {
  for (int i = 2; i < VECTORS; i++) {
    if (vec[i] == 0) {
      continue; /* reserved or unused entries */
    }
    uint32_t h = vec[i] & ~1u;
    if ((vec[i] & 1u) == 0 || h < addr || h >= end) {
      snprintf(why, why_len,
               "the %s vector 0x%08X points outside the program (0x%08X-0x%08X): it was "
               "probably built for another address",
               vector_names[i], vec[i], addr, end);
      return false;
    }
  }
  return true;
}

/* Where the data starting at `addr` ends: the byte after the last one that
 * is not 0xFF, before `limit` or a gap of ERASED_GAP erased bytes. */
static swdf_err image_extent(uint32_t *end, flash_view *v, uint32_t addr, uint32_t limit) {
  uint32_t last = addr; /* one past the last programmed byte */
  for (uint32_t a = addr; a < limit;) {
    size_t off = a - v->mem->flash_base;
    const uint8_t *b;
    swdf_err err = view_block(&b, v, off / BLOCK);
    if (err != SWDF_OK) {
      return err;
    }
    uint32_t block_end = a - (uint32_t)(off % BLOCK) + BLOCK;
    if (block_end > limit) {
      block_end = limit;
    }
    for (uint32_t p = a; p < block_end; p++) {
      if (b[(p - v->mem->flash_base) % BLOCK] != 0xFF) {
        last = p + 1;
      }
    }
    if (block_end - last >= ERASED_GAP) {
      break;
    }
    a = block_end;
  }
  *end = last;
  return SWDF_OK;
}

static void set_text(char *dst, size_t len, const char *text) { snprintf(dst, len, "%s", text); }

/* Fill one image's table fields; true when the table is plausible so far. */
static swdf_err read_table(swdf_boot_image *img, uint32_t *vec, flash_view *v, uint32_t addr) {
  uint8_t raw[VECTORS * 4];
  memset(img, 0, sizeof(*img));
  img->addr = addr;
  size_t len = sizeof(raw);
  if (addr + len > flash_end(v->mem)) {
    len = flash_end(v->mem) - addr;
  }
  memset(raw, 0xFF, sizeof(raw));
  swdf_err err = view_read(v, addr, raw, len);
  if (err != SWDF_OK) {
    return err;
  }
  for (int i = 0; i < VECTORS; i++) {
    vec[i] = rd32(raw + 4 * i);
  }
  img->initial_sp = vec[0];
  img->reset_vector = vec[1];
  img->plausible =
      table_plausible(img->problem, sizeof(img->problem), vec, addr, flash_end(v->mem), v->mem);
  return SWDF_OK;
}

static swdf_err identify(swdf_boot_image *img, flash_view *v) {
  if (img->size == 0) {
    return SWDF_OK;
  }
  uint8_t *data = malloc(img->size);
  if (data == NULL) {
    return SWDF_ERR_NO_MEMORY;
  }
  swdf_err err = view_read(v, img->addr, data, img->size);
  if (err == SWDF_OK) {
    swdf__bootscan_identify(img, data, img->size, img->addr);
  }
  free(data);
  return err;
}

static swdf_err scan(swdf_boot_report *out, flash_view *v, uint32_t base) {
  const swdf_bootscan_mem *mem = v->mem;
  uint32_t vecs[SWDF_BOOT_MAX_IMAGES][VECTORS];
  uint32_t reach = 0;
  swdf_err err;

  /* The base is always reported; further tables only when plausible and not
   * inside the code of the program before them. */
  if ((err = read_table(&out->images[0], vecs[0], v, base)) != SWDF_OK) {
    return err;
  }
  out->image_count = 1;
  if (out->images[0].plausible) {
    reach = table_reach(vecs[0]);
  }
  for (size_t i = 0; i < swdf__boot_app_offset_count; i++) {
    uint64_t addr = (uint64_t)base + swdf__boot_app_offsets[i];
    if (addr + 8 > flash_end(mem) || out->image_count == SWDF_BOOT_MAX_IMAGES) {
      break;
    }
    if (addr <= reach) {
      continue;
    }
    swdf_boot_image *img = &out->images[out->image_count];
    if ((err = read_table(img, vecs[out->image_count], v, (uint32_t)addr)) != SWDF_OK) {
      return err;
    }
    if (img->plausible) {
      reach = table_reach(vecs[out->image_count]);
      out->image_count++;
    }
  }

  for (size_t i = 0; i < out->image_count; i++) {
    swdf_boot_image *img = &out->images[i];
    uint32_t limit = i + 1 < out->image_count ? out->images[i + 1].addr : flash_end(mem);
    uint32_t end;
    if ((err = image_extent(&end, v, img->addr, limit)) != SWDF_OK) {
      return err;
    }
    img->size = end - img->addr;
    if (img->plausible) {
      img->plausible = vectors_inside(img->problem, sizeof(img->problem), vecs[i], img->addr, end);
      if ((err = identify(img, v)) != SWDF_OK) {
        return err;
      }
    } else if (img->size == 0) {
      set_text(img->kind, sizeof(img->kind), "erased");
      set_text(img->name, sizeof(img->name), "erased flash (all 0xFF)");
    } else {
      set_text(img->kind, sizeof(img->kind), "invalid");
      set_text(img->name, sizeof(img->name), "data that is not a valid program");
    }
  }
  out->base_ok = out->images[0].plausible;
  return SWDF_OK;
}

swdf_err swdf__bootscan(swdf_boot_report *out, const swdf_bootscan_mem *mem, uint32_t base) {
  out->base = base;
  out->flash_end = flash_end(mem);
  out->image_count = 0;
  out->base_ok = 0;
  flash_view v;
  if (!view_init(&v, mem)) {
    return SWDF_ERR_NO_MEMORY;
  }
  swdf_err err = scan(out, &v, base);
  view_free(&v);
  return err;
}

void swdf__bootscan_rom(swdf_boot_image *img, const uint8_t *table, uint32_t base, uint32_t size,
                        const swdf_bootscan_mem *mem) {
  uint32_t vec[VECTORS];
  for (int i = 0; i < VECTORS; i++) {
    vec[i] = rd32(table + 4 * i);
  }
  memset(img, 0, sizeof(*img));
  img->addr = base;
  img->size = size;
  img->initial_sp = vec[0];
  img->reset_vector = vec[1];
  img->is_bootloader = 1;
  img->plausible = table_plausible(img->problem, sizeof(img->problem), vec, base, base + size, mem);
  set_text(img->kind, sizeof(img->kind), "st-rom");
  set_text(img->name, sizeof(img->name), "ST ROM bootloader (system memory)");
  snprintf(img->evidence, sizeof(img->evidence),
           "the boot pins select the system memory at 0x%08X (it shows at address 0)%s", base,
           img->plausible ? " and its vector table points into it" : "");
}

/* ---- what will run --------------------------------------------------------------- */

static void describe_image(char *buf, size_t len, const swdf_boot_image *img) {
  char extra[120] = "";
  if (img->version[0] != '\0' || img->mcu[0] != '\0') {
    say(extra, sizeof(extra), " (%s%s%s%s)", img->version,
             img->version[0] != '\0' && img->mcu[0] != '\0' ? ", " : "",
             img->mcu[0] != '\0' ? "built for " : "", img->mcu);
  }
  if (strcmp(img->kind, "unknown") == 0) {
    say(buf, len, "a program we do not recognise at 0x%08X (%u bytes)", img->addr, img->size);
  } else {
    say(buf, len, "the %s%s at 0x%08X (%u bytes)", img->name, extra, img->addr, img->size);
  }
}

/* The application a bootloader at images[0] will start, or NULL. */
static const swdf_boot_image *application(const swdf_boot_report *r) {
  for (size_t i = 1; i < r->image_count; i++) {
    if (r->images[i].plausible && strcmp(r->images[i].kind, "st-rom") != 0) {
      return &r->images[i];
    }
  }
  return NULL;
}

static void flash_story(char *buf, size_t len, const swdf_boot_report *r) {
  const swdf_boot_image *base = &r->images[0];
  char what[200];
  if (!r->base_ok) {
    if (strcmp(base->kind, "erased") == 0) {
      say(buf, len, "the flash at 0x%08X is empty, so there is nothing to run", base->addr);
    } else {
      say(buf, len, "there is no valid program at 0x%08X (%s), so the chip will crash or "
                         "hang right after reset",
               base->addr, base->problem);
    }
    return;
  }
  describe_image(what, sizeof(what), base);
  const swdf_boot_image *app = application(r);
  if (base->is_bootloader && app != NULL) {
    char app_text[200];
    describe_image(app_text, sizeof(app_text), app);
    say(buf, len, "it starts %s, which then starts %s", what, app_text);
  } else if (base->is_bootloader) {
    say(buf, len, "it starts %s; no application was found after it, so the bootloader "
                       "will wait for one to be sent",
             what);
  } else {
    say(buf, len, "it starts %s", what);
  }
}

void swdf__bootscan_verdict(swdf_boot_report *r) {
  char story[360];
  if (r->image_count == 0) {
    say(r->verdict, sizeof(r->verdict), "The flash could not be examined.");
    return;
  }
  flash_story(story, sizeof(story), r);
  switch (r->source) {
  case SWDF_BOOT_FLASH:
    say(r->verdict, sizeof(r->verdict), "The chip boots from main flash: %s.", story);
    break;
  case SWDF_BOOT_SYSTEM:
    say(r->verdict, sizeof(r->verdict),
             "The chip starts the ST ROM bootloader in system memory (BOOT0 was high at reset), "
             "not the program in flash. With BOOT0 low, %s.",
             story);
    break;
  case SWDF_BOOT_SRAM:
    say(r->verdict, sizeof(r->verdict),
             "The chip boots from SRAM (BOOT0 and BOOT1 high at reset). With BOOT0 low, %s.",
             story);
    break;
  case SWDF_BOOT_UNKNOWN:
    say(r->verdict, sizeof(r->verdict), "When the chip boots from main flash, %s.", story);
    break;
  }
}
