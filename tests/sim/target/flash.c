/*
 * Program and erase operations, common to the flash controllers: an operation
 * keeps BSY set for its datasheet time (timing model §4) and changes the array
 * when it ends. This is where the report's flash counters, the flash-error and
 * power-loss faults and the read-protection rules live.
 */
#include "target.h"

#include <signal.h>
#include <string.h>

static uint8_t noise(sim_target *t)
{
  t->flash.noise = t->flash.noise * 1664525u + 1013904223u;
  return (uint8_t)(t->flash.noise >> 24);
}

static uint8_t op_byte(const flash_op *op, uint32_t i)
{
  return op->len > 4 ? op->bytes[i] : (uint8_t)(op->data >> (8 * i));
}

/* Erasing also clears the ECC of the words erased. */
static void erase_range(sim_target *t, uint32_t offset, uint32_t len)
{
  memset(t->st.flash + offset, 0xFF, len);
  if (t->st.ecc)
    memset(t->st.ecc + offset / SIM_ECC_WORD, ECC_GOOD, len / SIM_ECC_WORD);
  bus_flash_changed(t, offset, len);
}

static void apply(sim_target *t, const flash_op *op)
{
  uint8_t *array = t->st.flash;
  if (op->erase_all_first)
    erase_range(t, 0, t->chip->flash_size);
  switch (op->kind) {
  case FLASH_OP_PROGRAM:
    for (uint32_t i = 0; i < op->len; i++)
      array[op->offset + i] &= op_byte(op, i);
    bus_flash_changed(t, op->offset, op->len);
    break;
  case FLASH_OP_ERASE:
    erase_range(t, op->offset, op->len);
    break;
  default:
    break;
  }
}

/* What the supply failing half-way leaves: a program has cleared only some of
 * its bits, an erase has set only some of them. */
static void apply_partial(sim_target *t, const flash_op *op)
{
  uint8_t *array = t->st.flash;
  if (op->erase_all_first || op->kind == FLASH_OP_ERASE) {
    uint32_t off = op->erase_all_first ? 0 : op->offset;
    uint32_t len = op->erase_all_first ? t->chip->flash_size : op->len;
    for (uint32_t i = 0; i < len; i++)
      array[off + i] = i < len / 4 ? 0xFF : array[off + i] | noise(t);
    bus_flash_changed(t, off, len);
  } else if (op->kind == FLASH_OP_PROGRAM) {
    for (uint32_t i = 0; i < op->len; i++)
      array[op->offset + i] &= op_byte(op, i) | noise(t);
    bus_flash_changed(t, op->offset, op->len);
  }
}

/* Operation slots: one per bank on the H7 (op->bank), the first elsewhere. */
static flash_op *slot(sim_target *t, int bank)
{
  return bank ? &t->flash.op2 : &t->flash.op;
}

static void complete(sim_target *t, int bank)
{
  flash_op op = *slot(t, bank);
  slot(t, bank)->kind = FLASH_OP_NONE;
  apply(t, &op);
  target_mark_dirty(t);
  t->chip->family->flash->op_done(t, &op);
}

static void power_fails(sim_target *t, int bank)
{
  flash_op op = *slot(t, bank);
  sim_ns fail_at = op.start + (op.end - op.start) / 2;
  slot(t, bank)->kind = FLASH_OP_NONE;
  t->clock->report.flash_busy_ns -= op.end - fail_at;
  apply_partial(t, &op);
  target_mark_dirty(t);
  target_power_fail(t);
}

static sim_ns slot_event(const flash_op *op)
{
  if (op->kind == FLASH_OP_NONE)
    return UINT64_MAX;
  return op->power_loss ? op->start + (op->end - op->start) / 2 : op->end;
}

sim_ns flash_next_event(const sim_target *t)
{
  sim_ns a = slot_event(&t->flash.op), b = slot_event(&t->flash.op2);
  return a < b ? a : b;
}

static void finish_slot(sim_target *t, int bank)
{
  if (slot(t, bank)->power_loss)
    power_fails(t, bank);
  else
    complete(t, bank);
}

void flash_update(sim_target *t)
{
  /* the earlier of the two ends first */
  for (;;) {
    sim_ns a = slot_event(&t->flash.op), b = slot_event(&t->flash.op2);
    int bank = b < a ? 1 : 0;
    sim_ns ev = bank ? b : a;
    if (ev == UINT64_MAX || target_time(t) < ev || !t->powered)
      return;
    finish_slot(t, bank);
  }
}

bool flash_busy(sim_target *t)
{
  flash_update(t);
  return t->flash.op.kind != FLASH_OP_NONE || t->flash.op2.kind != FLASH_OP_NONE;
}

bool flash_bank_busy(sim_target *t, int bank)
{
  flash_update(t);
  return slot(t, bank)->kind != FLASH_OP_NONE;
}

bool flash_busy_at(sim_target *t, uint32_t offset)
{
  if (!t->chip->bank_size)
    return flash_busy(t);
  flash_update(t);
  if (t->flash.op.kind == FLASH_OP_OPTIONS)
    return true;
  return slot(t, offset >= t->chip->bank_size ? 1 : 0)->kind != FLASH_OP_NONE;
}

void flash_finish_now(sim_target *t)
{
  while (t->powered && flash_next_event(t) != UINT64_MAX) {
    int bank = slot_event(&t->flash.op2) < slot_event(&t->flash.op) ? 1 : 0;
    finish_slot(t, bank);
  }
}

bool flash_start(sim_target *t, const flash_op *op, sim_ns duration, uint64_t program_units,
                 uint64_t erase_units, bool mass)
{
  flash_op first = *op;
  first.bank = 0;
  return flash_start_bank(t, &first, duration, program_units, erase_units, mass);
}

bool flash_start_bank(sim_target *t, const flash_op *op, sim_ns duration, uint64_t program_units,
                      uint64_t erase_units, bool mass)
{
  uint64_t n = ++t->flash.op_count;
  if (target_fault_at(t, SIM_FAULT_INTERRUPT, n))
    raise(SIGINT); /* the simulator runs inside the tool's process */
  if (target_fault_at(t, SIM_FAULT_FLASH_ERROR, n)) {
    t->chip->family->flash->op_failed(t);
    return false;
  }
  flash_op *s = slot(t, op->bank);
  *s = *op;
  s->start = target_time(t);
  s->end = s->start + duration;
  s->power_loss = target_fault_at(t, SIM_FAULT_POWER_LOSS, n);
  core_limit_run(t, flash_next_event(t));
  sim_report *r = &t->clock->report;
  r->flash_busy_ns += duration;
  r->flash_program_units += program_units;
  r->flash_erase_units += erase_units;
  r->mass_erases += mass ? 1 : 0;
  return true;
}

int flash_loaded_rdp(const sim_target *t)
{
  return t->chip->family->flash->rdp_level(t->st.loaded);
}

/* RM0008 §2.3 / RM0090 §3.7.3: with read protection active, the main flash
 * is out of reach as soon as a debugger has been connected since power-on, or
 * when the chip did not boot from flash. */
static bool debug_mode(const sim_target *t)
{
  return t->st.debugger_latched || t->boot_target != REGION_FLASH;
}

bool flash_read_blocked(const sim_target *t, bus_master m)
{
  if (flash_loaded_rdp(t) == 0)
    return false;
  return m == MASTER_DEBUG || debug_mode(t);
}

bool flash_rdp_blocks_writes(const sim_target *t)
{
  return flash_loaded_rdp(t) != 0 && debug_mode(t);
}

key_result flash_key_write(uint8_t *stage, uint32_t value, uint32_t key1, uint32_t key2)
{
  if (value != (*stage == 0 ? key1 : key2)) {
    *stage = 0;
    return KEY_WRONG;
  }
  if (++*stage < 2)
    return KEY_MORE;
  *stage = 0;
  return KEY_UNLOCKED;
}

const char *sim_boot_area_name(sim_boot_area area)
{
  static const char *const names[] = {"flash", "system-memory", "sram", "nothing"};
  return area <= BOOT_NOTHING ? names[area] : "nothing";
}

void sim_chip_boot(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out)
{
  if (chip->family->flash->boot) {
    chip->family->flash->boot(chip, st, power_on, out);
    return;
  }
  *out = (sim_boot){.area = BOOT_FLASH, .address = 0x08000000};
  snprintf(out->reason, sizeof out->reason, "no boot model for the %s: main flash assumed",
           chip->family->name);
}

bool sim_chip_flash_costs(const char *name, sim_flash_costs *out)
{
  const sim_chip *chip = sim_chip_find(name);
  if (!chip)
    return false;
  chip->family->flash->costs(chip, out);
  return true;
}

sim_ns sim_chip_erase_cover_ns(const char *name, uint32_t offset, uint32_t len)
{
  const sim_chip *chip = sim_chip_find(name);
  if (!chip || len == 0)
    return 0;
  uint64_t end = (uint64_t)offset + len;
  sim_ns total = 0;
  uint32_t unit_offset, unit_size;
  for (unsigned i = 0; sim_chip_erase_unit(chip, i, &unit_offset, &unit_size); i++)
    if (unit_offset < end && (uint64_t)unit_offset + unit_size > offset)
      total += chip->family->flash->unit_erase_ns(unit_size);
  return total;
}

static bool all_erased(const uint8_t *p, uint32_t len)
{
  for (uint32_t i = 0; i < len; i++)
    if (p[i] != 0xFF)
      return false;
  return true;
}

sim_ns sim_chip_erase_needed_ns(const char *name, const uint8_t *flash, uint32_t offset,
                                uint32_t len, uint32_t *units)
{
  const sim_chip *chip = sim_chip_find(name);
  if (units)
    *units = 0;
  if (!chip || len == 0 || !flash)
    return 0;
  sim_flash_costs costs;
  chip->family->flash->costs(chip, &costs);
  uint64_t end = (uint64_t)offset + len;
  /* per bank: the erase of the units that must be erased, and whether that
   * is every unit of the bank */
  enum { MAX_BANKS = 2 };
  sim_ns bank_units_ns[MAX_BANKS] = {0};
  bool bank_whole[MAX_BANKS] = {true, true};
  uint32_t unit_offset, unit_size, needed = 0;
  for (unsigned i = 0; sim_chip_erase_unit(chip, i, &unit_offset, &unit_size); i++) {
    unsigned bank = unit_offset / costs.bank_size < MAX_BANKS ? unit_offset / costs.bank_size : 0;
    uint64_t from = unit_offset > offset ? unit_offset : offset;
    uint64_t to = (uint64_t)unit_offset + unit_size < end ? (uint64_t)unit_offset + unit_size : end;
    if (from < to && !all_erased(flash + from, (uint32_t)(to - from))) {
      bank_units_ns[bank] += chip->family->flash->unit_erase_ns(unit_size);
      needed++;
    } else {
      bank_whole[bank] = false;
    }
  }
  sim_ns total = 0;
  bool chip_whole = true;
  for (unsigned b = 0; b < MAX_BANKS; b++) {
    bool whole = bank_whole[b] && bank_units_ns[b] > 0;
    total += whole && costs.bank_erase_ns < bank_units_ns[b] ? costs.bank_erase_ns : bank_units_ns[b];
    chip_whole = chip_whole && (bank_whole[b] || (uint64_t)b * costs.bank_size >= costs.flash_size);
  }
  if (chip_whole && needed && costs.mass_erase_ns < total)
    total = costs.mass_erase_ns;
  if (units)
    *units = needed;
  return total;
}
