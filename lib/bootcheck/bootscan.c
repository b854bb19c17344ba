/*
 * Vector tables and image extents: which programs sit in the flash, where
 * they end, and whether each can really start (ARMv7-M ARM B1.5.3: word 0
 * of the vector table is the initial SP, word 1 the reset handler with the
 * Thumb bit set; words 2-15 the system exception handlers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcheck/bootscan.h"

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

static void set_text(char *dst, size_t len, const char *text) { snprintf(dst, len, "%s", text); }

/*
 * What the core does at reset (ARMv7-M ARM B1.5.5 TakeReset): SP_main from
 * word 0 (its low two bits ignored), then a jump to word 1, which must have
 * the Thumb bit set or the core faults at once (ARMv7-M B1.4.1: EPSR.T).
 * It starts only when the stack is in RAM and the handler is in memory
 * that holds code: `code_base`-`code_end` (the flash, or the ROM).
 */
static bool core_starts(char *why, size_t why_len, const uint32_t *vec, uint32_t code_base,
                        uint32_t code_end, const swdf_bootscan_mem *mem) {
  uint32_t ram_end = mem->ram_base + mem->ram_size;
  uint32_t sp = vec[0] & ~3u;
  if (vec[0] == 0xFFFFFFFFu && vec[1] == 0xFFFFFFFFu) {
    snprintf(why, why_len, "nothing is programmed here (the flash reads 0xFF)");
    return false;
  }
  if (sp <= mem->ram_base || sp > ram_end) {
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
  if (handler < code_base || handler >= code_end) {
    snprintf(why, why_len,
             "the reset handler 0x%08X is outside the memory that holds code (0x%08X-0x%08X): "
             "the core faults right after reset",
             vec[1], code_base, code_end - 1);
    return false;
  }
  return true;
}

/*
 * Would the table at `addr`, `size` bytes long, be consistent had it been
 * linked for `link`: the reset handler after the first two words and inside
 * the image, each system handler (until the code starts) a Thumb address
 * inside it. Fills `*vectors` (the table's length in entries: it ends where
 * the first handler's code begins, so a minimal program with only the stack
 * and reset words has 2) and, on failure, `why`.
 */
static bool fits(char *why, size_t why_len, int *vectors, const uint32_t *vec, uint32_t addr,
                 uint32_t size, uint32_t link) {
  uint32_t reset = vec[1] & ~1u;
  if (reset < link + 8 || reset - link >= size) {
    if (why != NULL) {
      snprintf(why, why_len,
               "the reset handler 0x%08X is not inside the program (0x%08X-0x%08X): it was "
               "built for another address",
               vec[1], addr, addr + size - 1);
    }
    return false;
  }
  uint32_t limit = reset - link; /* the table ends where code begins */
  int i;
  for (i = 2; i < VECTORS && 4u * (uint32_t)i < limit; i++) {
    if (vec[i] == 0) {
      continue; /* reserved or unused entries */
    }
    uint32_t h = vec[i] & ~1u;
    if ((vec[i] & 1u) == 0 || h < link + 8 || h - link >= size) {
      if (why != NULL) {
        snprintf(why, why_len,
                 "the %s vector 0x%08X points outside the program (0x%08X-0x%08X): it was "
                 "probably built for another address",
                 vector_names[i], vec[i], addr, addr + size - 1);
      }
      return false;
    }
    if (h - link < limit) {
      limit = h - link;
    }
  }
  *vectors = i;
  return true;
}

/* True when the aligned word `value` occurs in `data`: a program that sets
 * VTOR to its own vector table (Klipper does in armcm_main) carries the
 * address it was linked for as a constant. */
static bool has_word(const uint8_t *data, size_t len, uint32_t value) {
  for (size_t i = 0; i + 4 <= len; i += 4) {
    if (rd32(data + i) == value) {
      return true;
    }
  }
  return false;
}

/*
 * The address the table at `addr` was linked for: among the addresses a
 * program can be linked for (this one, the flash base, the usual
 * application offsets) those where every handler falls inside the image;
 * of those, the one the image names as a constant (its own table address,
 * for VTOR), else `addr` itself, else the highest. 0 when none fits.
 */
static uint32_t linked_for(int *vectors, const uint32_t *vec, uint32_t addr, uint32_t size,
                           const uint8_t *data, size_t data_len, const swdf_bootscan_mem *mem) {
  uint32_t fitting[1 + 1 + 16];
  int fitting_vectors[1 + 1 + 16];
  size_t n = 0;
  uint32_t links[2 + 16];
  size_t link_count = 0;
  links[link_count++] = addr;
  links[link_count++] = mem->flash_base;
  for (size_t i = 0; i < swdf__boot_app_offset_count && link_count < 18; i++) {
    links[link_count++] = mem->flash_base + swdf__boot_app_offsets[i];
  }
  for (size_t i = 0; i < link_count; i++) {
    int v;
    bool seen = false;
    for (size_t k = 0; k < n; k++) {
      seen = seen || fitting[k] == links[i];
    }
    if (!seen && links[i] < flash_end(mem) &&
        fits(NULL, 0, &v, vec, addr, size, links[i])) {
      fitting_vectors[n] = v;
      fitting[n++] = links[i];
    }
  }
  if (n == 0) {
    return 0;
  }
  size_t pick = n;
  for (size_t k = 0; k < n && data != NULL; k++) {
    if (has_word(data, data_len, fitting[k]) && (pick == n || fitting[k] == addr)) {
      pick = k;
    }
  }
  if (pick == n && fitting[0] == addr) {
    pick = 0;
  }
  if (pick == n) {
    pick = 0;
    for (size_t k = 1; k < n; k++) {
      if (fitting[k] > fitting[pick]) {
        pick = k;
      }
    }
  }
  *vectors = fitting_vectors[pick];
  return fitting[pick];
}

/* The highest handler address the first `vectors` entries point to. */
static uint32_t table_reach(const uint32_t *vec, int vectors) {
  uint32_t reach = 0;
  for (int i = 1; i < vectors; i++) {
    if (vec[i] != 0 && vec[i] != 0xFFFFFFFFu && (vec[i] & ~1u) > reach) {
      reach = vec[i] & ~1u;
    }
  }
  return reach;
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

/* Read the table at `addr` and say whether the core would start it. */
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
  img->plausible = core_starts(img->problem, sizeof(img->problem), vec, v->mem->flash_base,
                               flash_end(v->mem), v->mem);
  return SWDF_OK;
}

/* The bytes of an image, read through the view; NULL when out of memory. */
static swdf_err image_bytes(uint8_t **out, flash_view *v, uint32_t addr, uint32_t size) {
  *out = malloc(size != 0 ? size : 1);
  if (*out == NULL) {
    return SWDF_ERR_NO_MEMORY;
  }
  swdf_err err = view_read(v, addr, *out, size);
  if (err != SWDF_OK) {
    free(*out);
    *out = NULL;
  }
  return err;
}

/* ---- the application a bootloader starts ------------------------------------------ */

/* Whether the Thumb code in `data` (loaded at `addr`) loads the constant
 * `value` from a literal pool (LDR Rt, [PC, #imm]: ARMv7-M A7.7.43 T1/T2)
 * and, within the next few instructions, reads memory through it (LDR,
 * LDRD or LDM with Rt as the base: A7.7.42, A7.7.50, A7.7.40): the way a
 * bootloader reads an application's vector table. Sector boundaries and
 * other addresses it only compares do not count. */
static bool dereferenced(const uint8_t *data, size_t len, uint32_t addr, uint32_t value) {
  for (size_t i = 0; i + 4 <= len; i += 2) {
    uint16_t hw = (uint16_t)(data[i] | data[i + 1] << 8);
    uint16_t hw2 = (uint16_t)(data[i + 2] | data[i + 3] << 8);
    uint32_t pc = (addr + (uint32_t)i + 4) & ~3u, lit;
    unsigned rt;
    size_t next;
    if ((hw & 0xF800) == 0x4800) { /* LDR Rt, [PC, #imm8 * 4] */
      rt = (hw >> 8) & 7u;
      lit = pc + (hw & 0xFFu) * 4u;
      next = i + 2;
    } else if (hw == 0xF8DF || hw == 0xF85F) { /* LDR.W Rt, [PC, #+/-imm12] */
      rt = hw2 >> 12;
      lit = hw == 0xF8DF ? pc + (hw2 & 0xFFFu) : pc - (hw2 & 0xFFFu);
      next = i + 4;
    } else {
      continue;
    }
    if (lit < addr || lit - addr + 4 > len || rd32(data + (lit - addr)) != value) {
      continue;
    }
    for (size_t k = next, n = 0; k + 4 <= len && n < 8; n++) {
      uint16_t a = (uint16_t)(data[k] | data[k + 1] << 8);
      bool wide = (a & 0xE000) == 0xE000 && (a & 0x1800) != 0;
      if ((a & 0xF800) == 0x6800 && ((a >> 3) & 7u) == rt) {
        return true; /* LDR Rt2, [Rt, #imm5] */
      }
      if ((a & 0xF800) == 0xC800 && ((a >> 8) & 7u) == rt) {
        return true; /* LDM Rt, {...} */
      }
      if (wide && (a & 0x000Fu) == rt &&
          ((a & 0xFFF0) == 0xF8D0 || (a & 0xFFF0) == 0xF850 || (a & 0xFE50) == 0xE850 ||
           (a & 0xFFD0) == 0xE890)) {
        return true; /* LDR.W, LDRD, LDM.W with Rt as the base */
      }
      k += wide ? 4 : 2;
    }
  }
  return false;
}

/* Katapult/CanBoot keep the application address as a constant of their
 * code (CONFIG_LAUNCH_APP_ADDRESS: Arksine/katapult src/flashcmd.c
 * command_connect and src/generic/armcm_canboot.c start_application): the
 * aligned words that are one of the usual application addresses past the
 * bootloader. One such word tells the address. The F2/F4 build also names
 * the 64 and 128 KiB sector boundaries (src/stm32/flash.c): of several,
 * the one the code reads a vector table through is the application's. */
static void katapult_app(swdf_boot_detail *d, const swdf_boot_image *img, const uint8_t *data,
                         const swdf_bootscan_mem *mem) {
  uint32_t found[16];
  size_t n = 0;
  for (size_t i = 0; i < swdf__boot_app_offset_count; i++) {
    uint32_t a = mem->flash_base + swdf__boot_app_offsets[i];
    if (a >= img->addr + img->size && a < flash_end(mem) && n < 16 &&
        has_word(data, img->size, a)) {
      found[n++] = a;
    }
  }
  size_t read_through = 0, pick = 0;
  for (size_t i = 0; i < n && n > 1; i++) {
    if (dereferenced(data, img->size, img->addr, found[i])) {
      read_through++;
      pick = i;
    }
  }
  if (n == 1) {
    d->app_addr = found[0];
    snprintf(d->app_addr_how, sizeof(d->app_addr_how),
             "the application address 0x%08X is the only one its code names", found[0]);
  } else if (read_through == 1) {
    d->app_addr = found[pick];
    snprintf(d->app_addr_how, sizeof(d->app_addr_how),
             "its code reads the application's vector table at 0x%08X (of %u application "
             "addresses it names)",
             found[pick], (unsigned)n);
  } else if (n == 0) {
    snprintf(d->app_addr_how, sizeof(d->app_addr_how),
             "its code names none of the usual application addresses");
  } else {
    int used = snprintf(d->app_addr_how, sizeof(d->app_addr_how),
                        "its code names several application addresses:");
    for (size_t i = 0; i < n && used > 0 && (size_t)used < sizeof(d->app_addr_how); i++) {
      used += snprintf(d->app_addr_how + used, sizeof(d->app_addr_how) - (size_t)used,
                       "%s 0x%08X", i > 0 ? "," : "", found[i]);
    }
  }
}

/* The STM32duino bootloader names its upload address in its DFU interface
 * strings ("Upload to Flash 0x8002000", STM32duino-bootloader STM32F1/
 * config.h ALT1/ALT2_STR); it starts the application there when only one
 * is named. */
static void maple_app(swdf_boot_detail *d, const swdf_boot_image *img, const uint8_t *data) {
  static const char key[] = "Flash 0x";
  uint32_t found[4];
  size_t n = 0;
  for (size_t i = 0; i + 2 * sizeof(key) + 16 <= img->size; i++) {
    size_t k = 0;
    while (key[k] != '\0' && data[i + 2 * k] == (uint8_t)key[k] && data[i + 2 * k + 1] == 0) {
      k++;
    }
    if (key[k] != '\0') {
      continue;
    }
    uint32_t a = 0;
    size_t digits = 0;
    for (size_t j = i + 2 * k; j + 1 < img->size && data[j + 1] == 0 && digits < 8; j += 2) {
      char c = (char)data[j];
      int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (x < 0) {
        break;
      }
      a = a << 4 | (uint32_t)x;
      digits++;
    }
    bool seen = false;
    for (size_t m = 0; m < n; m++) {
      seen = seen || found[m] == a;
    }
    if (digits > 0 && !seen && n < 4) {
      found[n++] = a;
    }
  }
  if (n == 1) {
    d->app_addr = found[0];
    snprintf(d->app_addr_how, sizeof(d->app_addr_how),
             "its DFU interface name says it uploads to and starts 0x%08X", found[0]);
  } else {
    snprintf(d->app_addr_how, sizeof(d->app_addr_how),
             n == 0 ? "it does not name the address it starts"
                    : "it names more than one upload address (0x%08X and 0x%08X)",
             n > 0 ? found[0] : 0, n > 1 ? found[1] : 0);
  }
}

static void bootloader_app(swdf_boot_detail *d, const swdf_boot_image *img, const uint8_t *data,
                           const swdf_bootscan_mem *mem) {
  if (strcmp(img->kind, "katapult") == 0 || strcmp(img->kind, "canboot") == 0) {
    katapult_app(d, img, data, mem);
  } else if (strcmp(img->kind, "stm32duino") == 0 || strcmp(img->kind, "maple") == 0) {
    maple_app(d, img, data);
  } else {
    snprintf(d->app_addr_how, sizeof(d->app_addr_how),
             "the address it starts cannot be read from this bootloader");
  }
}

/* ---- one image ------------------------------------------------------------------- */

/* Judge one image whose extent is known: linked address, firmware, MCU,
 * the application a bootloader starts. */
static swdf_err judge(swdf_boot_image *img, swdf_boot_detail *d, const uint32_t *vec,
                      flash_view *v) {
  const swdf_bootscan_mem *mem = v->mem;
  memset(d, 0, sizeof(*d));
  d->mcu_match = -1;
  if (!img->plausible) {
    if (img->size == 0) {
      set_text(img->kind, sizeof(img->kind), "erased");
      set_text(img->name, sizeof(img->name), "erased flash (all 0xFF)");
    } else {
      set_text(img->kind, sizeof(img->kind), "invalid");
      set_text(img->name, sizeof(img->name), "data that is not a valid program");
    }
    return SWDF_OK;
  }
  uint8_t *data;
  swdf_err err = image_bytes(&data, v, img->addr, img->size);
  if (err != SWDF_OK) {
    return err;
  }
  int vectors = 0;
  d->linked_for = linked_for(&vectors, vec, img->addr, img->size, data, img->size, mem);
  d->vectors = vectors;
  if (d->linked_for == 0) {
    fits(img->problem, sizeof(img->problem), &vectors, vec, img->addr, img->size, img->addr);
    img->plausible = 0;
  } else if (d->linked_for != img->addr) {
    snprintf(img->problem, sizeof(img->problem),
             "it was linked for 0x%08X, not for 0x%08X where it is: its reset handler 0x%08X "
             "does not hold its code here, so it crashes as soon as it is started",
             d->linked_for, img->addr, img->reset_vector);
    img->plausible = 0;
  } else if (vectors < VECTORS) {
    snprintf(d->warning, sizeof(d->warning),
             "its vector table has only %d entries before its code: the core starts it, but "
             "a fault or interrupt would jump to whatever the code words say",
             vectors);
  }
  swdf__bootscan_identify(img, data, img->size, img->addr);
  if (mem->chip_name != NULL) {
    d->mcu_match = swdf__boot_mcu_match(img->mcu, mem->chip_name);
  }
  if (img->is_bootloader) {
    bootloader_app(d, img, data, mem);
  }
  free(data);
  return SWDF_OK;
}

/* ---- the scan -------------------------------------------------------------------- */

/* Accept a table found at an application offset: the core would start it
 * and some link address makes all its handlers point into it. Sets the
 * reach of its handlers as placed here. */
static swdf_err candidate(bool *accept, uint32_t *reach, swdf_boot_image *img, uint32_t *vec,
                          flash_view *v, uint32_t addr) {
  swdf_err err = read_table(img, vec, v, addr);
  *accept = false;
  if (err != SWDF_OK || !img->plausible) {
    return err;
  }
  uint32_t end;
  if ((err = image_extent(&end, v, addr, flash_end(v->mem))) != SWDF_OK) {
    return err;
  }
  int vectors;
  uint32_t link = linked_for(&vectors, vec, addr, end - addr, NULL, 0, v->mem);
  if (link != 0) {
    *accept = true;
    *reach = table_reach(vec, vectors) - link + addr;
  }
  return SWDF_OK;
}

static swdf_err scan(swdf_boot_report *out, flash_view *v, uint32_t base) {
  const swdf_bootscan_mem *mem = v->mem;
  uint32_t vecs[SWDF_BOOT_MAX_IMAGES][VECTORS];
  uint32_t reach = 0;
  swdf_err err;
  bool accept;

  /* The base is always reported; further tables only when they can be
   * started and are not inside the code of the program before them. */
  if ((err = candidate(&accept, &reach, &out->images[0], vecs[0], v, base)) != SWDF_OK) {
    return err;
  }
  out->image_count = 1;
  for (size_t i = 0; i < swdf__boot_app_offset_count; i++) {
    uint64_t addr = (uint64_t)mem->flash_base + swdf__boot_app_offsets[i];
    if (addr <= base) {
      continue;
    }
    if (addr + 8 > flash_end(mem) || out->image_count == SWDF_BOOT_MAX_IMAGES) {
      break;
    }
    if (addr <= reach) {
      continue;
    }
    swdf_boot_image *img = &out->images[out->image_count];
    uint32_t r = 0;
    if ((err = candidate(&accept, &r, img, vecs[out->image_count], v, (uint32_t)addr)) !=
        SWDF_OK) {
      return err;
    }
    if (accept) {
      reach = r;
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
    if ((err = judge(img, &out->details[i], vecs[i], v)) != SWDF_OK) {
      return err;
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
  out->runs = 0;
  memset(out->details, 0, sizeof(out->details));
  flash_view v;
  if (!view_init(&v, mem)) {
    return SWDF_ERR_NO_MEMORY;
  }
  swdf_err err = scan(out, &v, base);
  view_free(&v);
  return err;
}

void swdf__bootscan_rom(swdf_boot_image *img, swdf_boot_detail *d, const uint8_t *table,
                        uint32_t base, uint32_t size, const swdf_bootscan_mem *mem) {
  uint32_t vec[VECTORS];
  for (int i = 0; i < VECTORS; i++) {
    vec[i] = rd32(table + 4 * i);
  }
  memset(img, 0, sizeof(*img));
  memset(d, 0, sizeof(*d));
  d->mcu_match = -1;
  d->linked_for = base;
  d->vectors = VECTORS;
  img->addr = base;
  img->size = size;
  img->initial_sp = vec[0];
  img->reset_vector = vec[1];
  img->is_bootloader = 1;
  img->plausible = core_starts(img->problem, sizeof(img->problem), vec, base, base + size, mem);
  set_text(img->kind, sizeof(img->kind), "st-rom");
  set_text(img->name, sizeof(img->name), "ST ROM bootloader (system memory)");
  snprintf(img->evidence, sizeof(img->evidence),
           "the chip started in the system memory at 0x%08X%s", base,
           img->plausible ? " and its vector table points into it" : "");
  set_text(d->app_addr_how, sizeof(d->app_addr_how),
           "it starts nothing by itself: it waits for a host over USB DFU or a serial port");
}
