/*
 * The memory bus shared by the debugger (through the AHB-AP) and the CPU.
 *
 * RAM-like memories (SRAM, CCM, the flash array, system memory) are host
 * buffers mapped into Unicorn, so the CPU reads and executes them at full
 * speed; the CPU's writes to the flash array are caught by hooks in core.c and
 * sent to the flash controller. Everything else is MMIO: Unicorn calls back
 * into the same handlers the debugger uses.
 */
#include "target.h"

#include <stdlib.h>
#include <string.h>

enum { UC_PAGE = 1024 };

static uint32_t round_page(uint32_t size)
{
  return (size + UC_PAGE - 1) & ~(uint32_t)(UC_PAGE - 1);
}

static uint8_t *alloc_ram(uint32_t size, uint8_t fill)
{
  size_t bytes = (round_page(size) + 4095u) & ~(size_t)4095u;
  uint8_t *p = aligned_alloc(4096, bytes);
  if (p)
    memset(p, fill, bytes);
  return p;
}

static sim_region *add_region(sim_target *t, region_kind kind, uint32_t base, uint32_t size,
                              uint8_t *ram)
{
  sim_region *r = &t->regions[t->region_count++];
  r->kind = kind;
  r->base = base;
  r->size = size;
  r->ram = ram;
  r->target = t;
  return r;
}

/* A ROM that looks like a bootloader waiting for a host: a vector table whose
 * reset handler polls forever, then opaque constant data. */
void bus_fill_sysmem(const sim_chip *chip, const sim_chip_state *st, uint8_t *buf)
{
  const sim_family *fam = chip->family;
  uint32_t seed = chip->idcode;
  for (uint32_t i = 0; i < fam->sysmem_size; i++) {
    seed = seed * 1103515245u + 12345u;
    buf[i] = (uint8_t)(seed >> 16);
  }
  uint32_t handler = fam->sysmem_base + 0x100;
  uint32_t stack = 0x20000200 + (fam->id == SIM_FAMILY_F4 ? 0x2E00 : 0);
  memcpy(buf, &stack, 4);
  for (int v = 1; v < 16; v++) {
    uint32_t vec = handler | 1u;
    memcpy(buf + 4 * v, &vec, 4);
  }
  buf[0x100] = 0xFE; /* b . */
  buf[0x101] = 0xE7;
  /* F4: OTP area (erased) up to the device signature */
  if (fam->rom_size < fam->flash_size_reg - fam->sysmem_base)
    memset(buf + fam->rom_size, 0xFF, fam->sysmem_size - fam->rom_size);
  memcpy(buf + (fam->uid_reg - fam->sysmem_base), st->uid, sizeof st->uid);
  uint16_t kib = (uint16_t)(chip->flash_size / 1024);
  memcpy(buf + (fam->flash_size_reg - fam->sysmem_base), &kib, 2);
}

bool bus_setup(sim_target *t, char *err, size_t err_len)
{
  const sim_chip *chip = t->chip;
  const sim_family *fam = chip->family;
  t->sram = alloc_ram(chip->sram_size, 0);
  t->sysmem = alloc_ram(fam->sysmem_size, 0);
  t->ccm = chip->ccm_size ? alloc_ram(chip->ccm_size, 0) : NULL;
  if (!t->sram || !t->sysmem || (chip->ccm_size && !t->ccm)) {
    snprintf(err, err_len, "out of memory for the simulated chip");
    return false;
  }
  bus_fill_sysmem(chip, &t->st, t->sysmem);

  t->region_count = 0;
  if (!fam->boot_by_address)
    add_region(t, REGION_ALIAS, 0, chip->flash_size, NULL);
  add_region(t, REGION_FLASH, 0x08000000, chip->flash_size, t->st.flash);
  add_region(t, REGION_SYSMEM, fam->sysmem_base, fam->sysmem_size, t->sysmem);
  sim_region *opt =
      fam->option_base ? add_region(t, REGION_OPTIONS, fam->option_base, UC_PAGE, NULL) : NULL;
  sim_region *opt2 =
      chip->has_optcr1 ? add_region(t, REGION_OPTIONS, 0x1FFEC000, UC_PAGE, NULL) : NULL;
  add_region(t, REGION_SRAM, 0x20000000, chip->sram_size, t->sram);
  if (t->ccm)
    add_region(t, REGION_CCM, 0x10000000, chip->ccm_size, t->ccm);
  sim_region *rams[SIM_MAX_RAMS] = {0};
  for (int i = 0; i < chip->ram_count; i++) {
    t->rams[i] = alloc_ram(chip->rams[i].size, 0);
    if (!t->rams[i]) {
      snprintf(err, err_len, "out of memory for the simulated chip");
      return false;
    }
    rams[i] = add_region(t, REGION_RAM, chip->rams[i].base, chip->rams[i].size, t->rams[i]);
    rams[i]->info = &chip->rams[i];
  }
  sim_region *periph[SIM_PERIPH_WINDOWS] = {0};
  for (int i = 0; i < SIM_PERIPH_WINDOWS && fam->periph_windows[i][1]; i++)
    periph[i] = add_region(t, REGION_PERIPH, fam->periph_windows[i][0],
                           fam->periph_windows[i][1] - fam->periph_windows[i][0], NULL);
  sim_region *ppb = add_region(t, REGION_PPB, 0xE0000000, 0x100000, NULL);

  bool ok = core_map_ram(t, 0x08000000, chip->flash_size, t->st.flash, UC_PROT_ALL) &&
            core_map_ram(t, fam->sysmem_base, fam->sysmem_size, t->sysmem,
                         UC_PROT_READ | UC_PROT_EXEC) &&
            core_map_ram(t, 0x20000000, chip->sram_size, t->sram, UC_PROT_ALL) &&
            (!t->ccm || core_map_ram(t, 0x10000000, chip->ccm_size, t->ccm,
                                     UC_PROT_READ | UC_PROT_WRITE)) &&
            (!opt || core_map_mmio(t, opt)) && (!opt2 || core_map_mmio(t, opt2)) &&
            core_map_mmio(t, ppb);
  for (int i = 0; ok && i < SIM_PERIPH_WINDOWS && periph[i]; i++)
    ok = core_map_mmio(t, periph[i]);
  /* a RAM behind a clock gate goes through the bus, which checks the gate */
  for (int i = 0; ok && i < chip->ram_count; i++)
    ok = chip->rams[i].gate_reg ? core_map_mmio(t, rams[i])
                                : core_map_ram(t, chip->rams[i].base, chip->rams[i].size,
                                               t->rams[i], UC_PROT_ALL);
  if (!ok) {
    snprintf(err, err_len, "cannot map the memory of %s into the CPU emulator", chip->name);
    return false;
  }
  t->boot_target = REGION_FLASH;
  ok = fam->boot_by_address || core_map_ram(t, 0, chip->flash_size, t->st.flash, UC_PROT_ALL);
  if (!ok) {
    snprintf(err, err_len, "cannot map the boot alias of %s", chip->name);
    return false;
  }
  t->periph.stub_size = 0;
  for (int i = 0; i < SIM_PERIPH_WINDOWS && fam->periph_windows[i][1]; i++)
    t->periph.stub_size += fam->periph_windows[i][1] - fam->periph_windows[i][0];
  t->periph.stub = calloc(1, t->periph.stub_size);
  if (!t->periph.stub) {
    snprintf(err, err_len, "out of memory for the simulated peripherals");
    return false;
  }
  return true;
}

void bus_teardown(sim_target *t)
{
  free(t->sram);
  free(t->ccm);
  free(t->sysmem);
  free(t->periph.stub);
  t->sram = t->ccm = t->sysmem = t->periph.stub = NULL;
  for (int i = 0; i < SIM_MAX_RAMS; i++) {
    free(t->rams[i]);
    t->rams[i] = NULL;
  }
}

const sim_region *bus_region(const sim_target *t, uint32_t addr)
{
  for (int i = 0; i < t->region_count; i++) {
    const sim_region *r = &t->regions[i];
    if (addr >= r->base && addr - r->base < r->size)
      return r;
  }
  return NULL;
}

uint32_t bus_boot_address(const sim_target *t)
{
  if (!t->chip->family->boot_by_address)
    return 0;
  sim_boot b;
  t->chip->family->flash->boot(t->chip, &t->st, false, &b);
  return b.address;
}

/* The options and the empty check were loaded by the reset that got here. */
region_kind bus_boot_target(const sim_target *t)
{
  sim_boot b;
  sim_chip_boot(t->chip, &t->st, false, &b);
  switch (b.area) {
  case BOOT_SYSMEM:
    return REGION_SYSMEM;
  case BOOT_SRAM:
    return REGION_SRAM;
  case BOOT_NOTHING:
    if (t->chip->family->boot_by_address)
      return REGION_PERIPH; /* the vector fetch finds nothing */
    return REGION_FLASH;
  default:
    return REGION_FLASH;
  }
}

static uint8_t *boot_memory(sim_target *t, region_kind kind, uint32_t *size)
{
  switch (kind) {
  case REGION_SYSMEM:
    *size = t->chip->family->sysmem_size;
    return t->sysmem;
  case REGION_SRAM:
    *size = t->chip->sram_size;
    return t->sram;
  default:
    *size = t->chip->flash_size;
    return t->st.flash;
  }
}

void bus_remap_boot(sim_target *t)
{
  region_kind want = bus_boot_target(t);
  if (want == t->boot_target)
    return;
  if (t->chip->family->boot_by_address) {
    t->boot_target = want; /* nothing is remapped at 0 */
    return;
  }
  uint32_t old_size, new_size;
  boot_memory(t, t->boot_target, &old_size);
  uint8_t *mem = boot_memory(t, want, &new_size);
  core_unmap(t, 0, round_page(old_size));
  uint32_t perms = want == REGION_SYSMEM ? UC_PROT_READ | UC_PROT_EXEC : UC_PROT_ALL;
  core_map_ram(t, 0, round_page(new_size), mem, perms);
  t->boot_target = want;
}

uint8_t *bus_ram_ptr(sim_target *t, uint32_t addr, uint32_t len)
{
  const sim_region *r = bus_region(t, addr);
  if (!r || len > r->size - (addr - r->base))
    return NULL;
  switch (r->kind) {
  case REGION_ALIAS: {
    uint32_t size;
    uint8_t *mem = boot_memory(t, t->boot_target, &size);
    return addr + len <= size ? mem + addr : NULL;
  }
  case REGION_SRAM:
  case REGION_CCM:
  case REGION_FLASH:
  case REGION_SYSMEM:
  case REGION_RAM:
    return r->ram + (addr - r->base);
  default:
    return NULL;
  }
}

void bus_flash_changed(sim_target *t, uint32_t offset, uint32_t len)
{
  if (!t->core.flash_code_cached)
    return; /* nothing was ever translated from the flash */
  core_flush_code(t, 0x08000000 + offset, len);
  if (t->boot_target == REGION_FLASH)
    core_flush_code(t, offset, len);
}

static uint32_t load_le(const uint8_t *p, unsigned size)
{
  uint32_t v = 0;
  for (unsigned i = 0; i < size; i++)
    v |= (uint32_t)p[i] << (8 * i);
  return v;
}

static void store_le(uint8_t *p, unsigned size, uint32_t v)
{
  for (unsigned i = 0; i < size; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* Registers are words: sub-word reads pick their lanes out of the word. */
static bus_status word_read(sim_target *t, const sim_region *r, uint32_t addr, unsigned size,
                            uint32_t *value)
{
  uint32_t word = 0;
  bus_status s = r->kind == REGION_PPB ? ppb_read(t, addr & ~3u, &word)
                                       : periph_read(t, addr & ~3u, &word);
  unsigned shift = 8 * (addr & 3);
  *value = size == 4 ? word : (word >> shift) & ((1u << (8 * size)) - 1);
  return s;
}

static bus_status word_write(sim_target *t, bus_master m, const sim_region *r, uint32_t addr,
                             unsigned size, uint32_t value)
{
  unsigned shift = 8 * (addr & 3);
  uint32_t mask = size == 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1) << shift;
  uint32_t lanes = size == 4 ? value : (value << shift) & mask;
  return r->kind == REGION_PPB ? ppb_write(t, m, addr & ~3u, lanes, mask)
                               : periph_write(t, m, addr & ~3u, lanes, mask);
}

/* The option bytes as the chip shows them in memory; they stall while an
 * option operation runs. */
static bus_status option_read(sim_target *t, uint32_t addr, unsigned size, uint32_t *value)
{
  uint8_t image[SIM_OPTIONS_SIZE];
  uint32_t base = addr & ~0x3FFu, off = addr - base;
  if (off + size > t->chip->family->option_size ||
      !t->chip->family->flash->option_image(t->chip, t->st.options, base, image))
    return BUS_ERROR;
  if (t->flash.op.kind == FLASH_OP_OPTIONS && flash_busy(t))
    return BUS_BUSY;
  *value = load_le(image + off, size);
  return BUS_OK;
}

static bus_status flash_array_write(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                                    uint32_t value)
{
  if (flash_busy_at(t, offset))
    return BUS_BUSY; /* a write to the array waits for the running operation */
  return t->chip->family->flash->array_write(t, m, offset, size, value);
}

static bus_status flash_array_read(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                                   uint32_t *value)
{
  if (flash_read_blocked(t, m))
    return BUS_ERROR;
  if (flash_busy_at(t, offset))
    return BUS_BUSY;
  if (t->chip->family->flash->array_read)
    return t->chip->family->flash->array_read(t, m, offset, size, value);
  *value = load_le(t->st.flash + offset, size);
  return BUS_OK;
}

/* RM0433 §8.5.? (RCC_AHB2ENR): a D2 SRAM whose clock is off is not reachable. */
static bool ram_clocked(const sim_target *t, const sim_region *r)
{
  const sim_ram *info = r->info;
  if (!info || !info->gate_reg)
    return true;
  return (t->periph.rcc[info->gate_reg / 4 % 64] >> info->gate_bit) & 1u;
}

bus_status bus_read(sim_target *t, bus_master m, uint32_t addr, unsigned size, uint32_t *value)
{
  const sim_region *r = bus_region(t, addr);
  *value = 0;
  if (!r)
    return BUS_ERROR;
  uint32_t off = addr - r->base;
  switch (r->kind) {
  case REGION_ALIAS: {
    if (t->boot_target == REGION_FLASH)
      return flash_array_read(t, m, off, size, value);
    uint32_t bsize;
    uint8_t *mem = boot_memory(t, t->boot_target, &bsize);
    if (off + size > bsize)
      return BUS_ERROR;
    *value = load_le(mem + off, size);
    return BUS_OK;
  }
  case REGION_FLASH:
    return flash_array_read(t, m, off, size, value);
  case REGION_SRAM:
  case REGION_CCM:
  case REGION_SYSMEM:
    *value = load_le(r->ram + off, size);
    return BUS_OK;
  case REGION_RAM:
    if (!ram_clocked(t, r))
      return BUS_ERROR;
    *value = load_le(r->ram + off, size);
    return BUS_OK;
  case REGION_OPTIONS:
    return option_read(t, addr, size, value);
  case REGION_PERIPH:
  case REGION_PPB:
    return word_read(t, r, addr, size, value);
  }
  return BUS_ERROR;
}

bus_status bus_write(sim_target *t, bus_master m, uint32_t addr, unsigned size, uint32_t value)
{
  const sim_region *r = bus_region(t, addr);
  if (!r)
    return BUS_ERROR;
  uint32_t off = addr - r->base;
  switch (r->kind) {
  case REGION_ALIAS:
    if (t->boot_target == REGION_FLASH)
      return flash_array_write(t, m, off, size, value);
    if (t->boot_target == REGION_SRAM && off + size <= t->chip->sram_size) {
      store_le(t->sram + off, size, value);
      core_flush_code(t, 0x20000000 + off, size);
      core_flush_code(t, off, size);
      return BUS_OK;
    }
    return BUS_ERROR;
  case REGION_FLASH:
    return flash_array_write(t, m, off, size, value);
  case REGION_SRAM:
  case REGION_CCM:
    store_le(r->ram + off, size, value);
    core_flush_code(t, addr, size);
    if (r->kind == REGION_SRAM && t->boot_target == REGION_SRAM)
      core_flush_code(t, off, size);
    return BUS_OK;
  case REGION_RAM:
    if (!ram_clocked(t, r))
      return BUS_ERROR;
    store_le(r->ram + off, size, value);
    core_flush_code(t, addr, size);
    return BUS_OK;
  case REGION_SYSMEM:
    return BUS_ERROR;
  case REGION_OPTIONS:
    if (flash_busy(t))
      return BUS_BUSY;
    return t->chip->family->flash->option_write(t, m, addr, size, value);
  case REGION_PERIPH:
  case REGION_PPB:
    return word_write(t, m, r, addr, size, value);
  }
  return BUS_ERROR;
}
