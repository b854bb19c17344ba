/*
 * A board that stays powered between sessions: the core's registers and
 * state, the system control block and NVIC, the peripherals, the flash
 * controller's registers and every RAM, kept in FILE.board next to the
 * chip state file, so that the next session (with keep_running) goes on
 * from there instead of starting the firmware again from a reset.
 *
 * Format: the header below, then the structs and the RAMs raw, in this
 * program's own layout: a file written by another build (sizes differ) is
 * ignored and the session starts from a reset, as without one. The board's
 * time goes on from the saved one; the session's clock starts behind it
 * (sim_target.time_offset).
 */
#include "target.h"

#include <stdlib.h>
#include <string.h>

static const char board_magic[8] = {'S', 'W', 'D', 'B', 'O', 'A', 'R', 'D'};

typedef struct board_header {
  char magic[8];
  char chip[32];
  uint32_t sizes[4]; /* sim_core, sim_periph, sim_flash, the RAMs together */
  sim_ns now;
  uint32_t reg_count;
  uint32_t released_lo, released_hi, fired;
  sim_ns fired_at;
} board_header;

static const int saved_regs[] = {
    UC_ARM_REG_R0,  UC_ARM_REG_R1,  UC_ARM_REG_R2,  UC_ARM_REG_R3,   UC_ARM_REG_R4,
    UC_ARM_REG_R5,  UC_ARM_REG_R6,  UC_ARM_REG_R7,  UC_ARM_REG_R8,   UC_ARM_REG_R9,
    UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_LR,   UC_ARM_REG_PC,
    UC_ARM_REG_XPSR, UC_ARM_REG_CONTROL, UC_ARM_REG_MSP, UC_ARM_REG_PSP,
    UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK,
};
enum { SAVED_REGS = sizeof saved_regs / sizeof saved_regs[0], FP_REGS = 33 };

static void board_path(const sim_target *t, char *out, size_t len)
{
  snprintf(out, len, "%s.board", t->state_path);
}

static uint32_t rams_size(const sim_target *t)
{
  uint32_t n = t->chip->sram_size + t->chip->ccm_size + t->periph.stub_size;
  for (int i = 0; i < t->chip->ram_count; i++)
    n += t->chip->rams[i].size;
  return n;
}

/* The RAM buffers in file order. */
static int ram_list(sim_target *t, uint8_t **ptrs, uint32_t *sizes)
{
  int n = 0;
  ptrs[n] = t->sram, sizes[n++] = t->chip->sram_size;
  if (t->ccm)
    ptrs[n] = t->ccm, sizes[n++] = t->chip->ccm_size;
  for (int i = 0; i < t->chip->ram_count; i++)
    ptrs[n] = t->rams[i], sizes[n++] = t->chip->rams[i].size;
  ptrs[n] = t->periph.stub, sizes[n++] = t->periph.stub_size;
  return n;
}

void board_forget(const sim_target *t)
{
  if (!t->state_path[0])
    return;
  char path[sizeof t->state_path + 8];
  board_path(t, path, sizeof path);
  remove(path);
}

void board_forget_path(const char *state_path)
{
  size_t len = strlen(state_path) + 8;
  char *path = malloc(len);
  if (!path)
    return;
  snprintf(path, len, "%s.board", state_path);
  remove(path);
  free(path);
}

bool board_save(sim_target *t)
{
  if (!t->state_path[0])
    return true;
  char path[sizeof t->state_path + 8], tmp[sizeof path + 8];
  board_path(t, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  board_header h = {.now = t->now, .reg_count = SAVED_REGS};
  memcpy(h.magic, board_magic, 8);
  strncpy(h.chip, t->chip->name, sizeof h.chip - 1);
  h.sizes[0] = sizeof(sim_core);
  h.sizes[1] = sizeof(sim_periph);
  h.sizes[2] = sizeof(sim_flash);
  h.sizes[3] = rams_size(t);
  h.released_lo = (uint32_t)t->released_at;
  h.released_hi = (uint32_t)(t->released_at >> 32);
  h.fired = t->scen_fired | (t->stop_mode ? 2u : 0u);
  h.fired_at = t->scen_fired_at;
  uint32_t regs[SAVED_REGS + FP_REGS] = {0};
  for (int i = 0; i < SAVED_REGS; i++)
    uc_reg_read(t->core.uc, saved_regs[i], &regs[i]);
  if (t->chip->has_fpu) {
    for (int i = 0; i < 32; i++)
      uc_reg_read(t->core.uc, UC_ARM_REG_S0 + i, &regs[SAVED_REGS + i]);
    uc_reg_read(t->core.uc, UC_ARM_REG_FPSCR, &regs[SAVED_REGS + 32]);
  }
  FILE *f = fopen(tmp, "wb");
  bool ok = f && fwrite(&h, sizeof h, 1, f) == 1 && fwrite(regs, sizeof regs, 1, f) == 1 &&
            fwrite(&t->core, sizeof t->core, 1, f) == 1 &&
            fwrite(&t->periph, sizeof t->periph, 1, f) == 1 &&
            fwrite(&t->flash, sizeof t->flash, 1, f) == 1;
  uint8_t *ptrs[SIM_MAX_RAMS + 3];
  uint32_t sizes[SIM_MAX_RAMS + 3];
  int n = ram_list(t, ptrs, sizes);
  for (int i = 0; ok && i < n; i++)
    ok = fwrite(ptrs[i], 1, sizes[i], f) == sizes[i];
  if (f && fclose(f) != 0)
    ok = false;
  if (ok && rename(tmp, path) != 0)
    ok = false;
  if (!ok)
    remove(tmp);
  return ok;
}

static void shift(sim_ns *v, sim_ns from, sim_ns to)
{
  if (*v && *v != UINT64_MAX)
    *v = *v - from + to;
}

bool board_load(sim_target *t)
{
  if (!t->state_path[0])
    return false;
  char path[sizeof t->state_path + 8];
  board_path(t, path, sizeof path);
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  board_header h;
  uint32_t regs[SAVED_REGS + FP_REGS];
  sim_core *core = malloc(sizeof *core);
  sim_periph *periph = malloc(sizeof *periph);
  sim_flash *flash = malloc(sizeof *flash);
  bool ok = core && periph && flash && fread(&h, sizeof h, 1, f) == 1 &&
            memcmp(h.magic, board_magic, 8) == 0 && strncmp(h.chip, t->chip->name, 32) == 0 &&
            h.sizes[0] == sizeof(sim_core) && h.sizes[1] == sizeof(sim_periph) &&
            h.sizes[2] == sizeof(sim_flash) && h.sizes[3] == rams_size(t) &&
            h.reg_count == SAVED_REGS && fread(regs, sizeof regs, 1, f) == 1 &&
            fread(core, sizeof *core, 1, f) == 1 && fread(periph, sizeof *periph, 1, f) == 1 &&
            fread(flash, sizeof *flash, 1, f) == 1;
  uint8_t *ptrs[SIM_MAX_RAMS + 3];
  uint32_t sizes[SIM_MAX_RAMS + 3];
  int n = ram_list(t, ptrs, sizes);
  uint8_t *stub_copy = ok ? malloc(t->periph.stub_size) : NULL;
  /* read the RAMs into place only once everything before them fitted */
  for (int i = 0; ok && i < n; i++)
    ok = fread(i == n - 1 ? stub_copy : ptrs[i], 1, sizes[i], f) == sizes[i];
  fclose(f);
  if (!ok || !stub_copy) {
    free(core), free(periph), free(flash), free(stub_copy);
    return false;
  }
  /* the board's time goes on from where it was (never back: times are
   * unsigned); the session's clock is then behind it by time_offset */
  sim_ns from = h.now, to = t->now > from ? t->now : from;
  t->now = to;
  t->last_save = to;
  /* the core: what the running session owns stays */
  sim_core *c = &t->core;
  uc_engine *uc = c->uc;
  uc_hook hooks[8];
  memcpy(hooks, c->hooks, sizeof hooks);
  *c = *core;
  c->uc = uc;
  memcpy(c->hooks, hooks, sizeof hooks);
  c->code_lo = c->code_hi = 0;
  c->code_ptr = NULL;
  c->restore_ptr = NULL;
  c->restore_len = 0;
  c->spin = (spin_detect){0};
  c->in_run = c->stepping = false;
  c->epoch_valid = false;
  shift(&c->nvic.systick.anchor, from, to);
  /* the peripherals, with this session's stub buffer */
  uint8_t *stub = t->periph.stub;
  uint32_t stub_size = t->periph.stub_size;
  t->periph = *periph;
  t->periph.stub = stub;
  t->periph.stub_size = stub_size;
  memcpy(stub, stub_copy, stub_size);
  for (int i = 0; i < SIM_TIMERS; i++)
    shift(&t->periph.tim[i].anchor, from, to);
  shift(&t->periph.iwdg_seen, from, to);
  shift(&t->periph.vosf_until, from, to);
  t->flash = *flash;
  t->flash.op.kind = FLASH_OP_NONE;
  t->flash.op2.kind = FLASH_OP_NONE;
  t->released_at = ((sim_ns)h.released_hi << 32 | h.released_lo) - from + to;
  t->scen_fired = h.fired & 1;
  t->stop_mode = h.fired & 2;
  t->scen_fired_at = h.fired_at - from + to;
  /* registers: the PC, then xPSR (its T bit is the Thumb state, which a
   * PC write would take from bit 0) and the mode, then CONTROL, then the
   * stack pointers */
  static const int order[] = {14, 15, 16, 17, 18, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                              19, 20, 21};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    uc_reg_write(uc, saved_regs[order[i]], &regs[order[i]]);
  if (t->chip->has_fpu) {
    for (int i = 0; i < 32; i++)
      uc_reg_write(uc, UC_ARM_REG_S0 + i, &regs[SAVED_REGS + i]);
    uc_reg_write(uc, UC_ARM_REG_FPSCR, &regs[SAVED_REGS + 32]);
  }
  uc_ctl_remove_cache(uc, 0, 0xFFFFFFFFull); /* the RAMs changed under it */
  free(core), free(periph), free(flash), free(stub_copy);
  bus_remap_boot(t);
  return true;
}
