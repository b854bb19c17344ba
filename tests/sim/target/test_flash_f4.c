/* STM32F4 chips: IDs, the Cortex-M4F registers, the flash interface (keys,
 * PSIZE rules, timings by sector size and parallelism, dual bank, WRP),
 * option bytes through OPTCR, RDP levels 1 and 2, CCM, boot pins. */
#include "cortex_m.h"
#include "test_support.h"
#include "target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum {
  KEYR = 0x40023C04,
  OPTKEYR = 0x40023C08,
  SR = 0x40023C0C,
  CR = 0x40023C10,
  OPTCR = 0x40023C14,
  OPTCR1 = 0x40023C18,
  SR_EOP = 1,
  SR_OPERR = 2,
  SR_WRPERR = 0x10,
  SR_PGPERR = 0x40,
  SR_PGSERR = 0x80,
  SR_BSY = 1u << 16,
  CR_PG = 1,
  CR_SER = 2,
  CR_MER = 4,
  CR_MER1 = 1u << 15,
  CR_STRT = 1u << 16,
  CR_EOPIE = 1u << 24,
  CR_ERRIE = 1u << 25,
  PSIZE_X8 = 0,
  PSIZE_X16 = 1u << 8,
  PSIZE_X32 = 2u << 8,
};

static void open_chip(tp *p, const char *chip, const char *state, const char *scenario)
{
  tp_options o = {.chip = chip, .state = state, .scenarios = {scenario}};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
  tp_halt(p);
}

static void unlock(tp *p)
{
  tp_write32(p, KEYR, 0x45670123);
  tp_write32(p, KEYR, 0xCDEF89AB);
  assert_int_equal(tp_read32(p, CR) >> 31, 0);
}

static uint32_t wait_idle(tp *p)
{
  uint32_t sr;
  while ((sr = tp_read32(p, SR)) & SR_BSY)
    tp_wait(p, SIM_MS(1));
  return sr;
}

/* The duration of the operation just started (exact, in ns). */
static sim_ns op_time(const tp *p)
{
  return p->t->flash.op.end - p->t->flash.op.start;
}

static void test_ids(void **state)
{
  (void)state;
  static const struct {
    const char *chip;
    uint32_t idcode, kib;
  } cases[] = {
      {"stm32f446re", 0x10000421, 512},
      {"stm32f407vg", 0x10076413, 1024},
      {"stm32f429zi", 0x20016419, 2048},
  };
  for (size_t i = 0; i < 3; i++) {
    tp p;
    tp_options o = {.chip = cases[i].chip};
    tp_open(&p, &o);
    uint32_t id, v;
    assert_int_equal(tp_connect(&p, &id), SIM_ACK_OK);
    assert_int_equal(id, 0x2BA01477);
    assert_int_equal(tp_read32(&p, 0xE0042000), cases[i].idcode);
    assert_int_equal(tp_read32(&p, 0xE000ED00), 0x410FC241);
    assert_int_equal(tp_read32(&p, 0xE000EFE0), 0x0C); /* SCS part 0x00C: Cortex-M4 */
    assert_int_equal(tp_read(&p, 0x1FFF7A22, 2, &v), SIM_ACK_OK);
    assert_int_equal(v, cases[i].kib);
    assert_int_equal(tp_read32(&p, OPTCR), 0x0FFFAAED);
    tp_close(&p);
  }
}

/* vmov s0,r0; vmov s1,r1; vadd.f32 s2,s0,s1; vmov r2,s2; bkpt */
static const uint8_t fpu_prog[] = {0x00, 0xee, 0x10, 0x0a, 0x00, 0xee, 0x90, 0x1a, 0x30, 0xee,
                                   0x20, 0x1a, 0x11, 0xee, 0x10, 0x2a, 0x00, 0xbe, 0x00, 0x00};

static void test_fpu_registers(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32f446re", NULL, NULL);
  for (unsigned i = 0; i < 32; i++)
    tp_set_reg(&p, 0x40 + i, 0x3F800000u + i);
  tp_set_reg(&p, 0x21, 0x03C00000);
  for (unsigned i = 0; i < 32; i++)
    assert_int_equal(tp_reg(&p, 0x40 + i), 0x3F800000u + i);
  assert_int_equal(tp_reg(&p, 0x21), 0x03C00000);
  tp_set_reg(&p, 0x21, 0);
  assert_int_equal(tp_write_block(&p, 0x20000000, fpu_prog, sizeof fpu_prog), SIM_ACK_OK);
  tp_set_reg(&p, 0, 0x3FC00000); /* 1.5 */
  tp_set_reg(&p, 1, 0x40100000); /* 2.25 */
  tp_set_reg(&p, 15, 0x20000000);
  tp_set_reg(&p, 16, 1u << 24);
  tp_run(&p);
  tp_wait(&p, SIM_US(10));
  assert_int_equal(tp_reg(&p, 15), 0x20000010);
  assert_int_equal(tp_reg(&p, 2), 0x40700000);    /* 3.75 */
  assert_int_equal(tp_reg(&p, 0x42), 0x40700000); /* S2 */
  tp_close(&p);
}

static void test_program_rules(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32f446re", NULL, NULL);
  unlock(&p);
  /* a key while unlocked is a bus error and locks until reset */
  assert_int_equal(tp_write(&p, KEYR, 4, 0x45670123), SIM_ACK_FAULT);
  tp_abort(&p);
  assert_int_equal(tp_read32(&p, CR) >> 31, 1);
  tp_write32(&p, AIRCR, 0x05FA0004);
  tp_halt(&p);
  unlock(&p);
  /* writing without PG: PGSERR, nothing written */
  assert_int_equal(tp_write(&p, 0x08000000, 4, 0x12345678), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR), SR_PGSERR);
  tp_write32(&p, SR, SR_PGSERR);
  tp_write32(&p, CR, CR_PG | PSIZE_X32 | CR_EOPIE);
  sim_report before = p.clock.report;
  assert_int_equal(tp_write(&p, 0x08000000, 4, 0xF0F0FFFF), SIM_ACK_OK);
  assert_int_equal(op_time(&p), SIM_US(16));
  assert_int_equal(wait_idle(&p), SR_EOP);
  /* re-programming ANDs the new bits in */
  assert_int_equal(tp_write(&p, 0x08000000, 4, 0x0F0F0F0F), SIM_ACK_OK);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08000000), 0x00000F0F);
  /* width must match PSIZE */
  tp_write32(&p, SR, SR_EOP);
  assert_int_equal(tp_write(&p, 0x08000010, 2, 0x1234), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR), SR_PGPERR);
  tp_write32(&p, SR, SR_PGPERR);
  /* x8 programs a byte per access: four times the accesses for a word */
  tp_write32(&p, CR, CR_PG | PSIZE_X8);
  for (uint32_t i = 0; i < 4; i++)
    assert_int_equal(tp_write(&p, 0x08000020 + i, 1, 0x11 * (i + 1)), SIM_ACK_OK);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08000020), 0x44332211);
  assert_int_equal(p.clock.report.flash_program_units - before.flash_program_units, 2 + 4);
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, 6 * SIM_US(16));
  /* EOP stays clear without EOPIE */
  assert_int_equal(tp_read32(&p, SR), 0);
  tp_close(&p);
}

/* st-flash 1.7: erase by SER|SNB, lock, unlock, PSIZE, then PG on top of
 * what is left in FLASH_CR. Locking keeps SER (a real F411 reads back
 * 0x80000002, stlink-org issue #1340) and SER does not stop programming. */
static void test_program_after_erase_with_ser_left_set(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32f446re", NULL, NULL);
  unlock(&p);
  tp_write32(&p, CR, CR_SER | 1 << 3);
  tp_write32(&p, CR, CR_SER | 1 << 3 | CR_STRT);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, CR), CR_SER | 1 << 3);
  tp_write32(&p, CR, tp_read32(&p, CR) | (1u << 31));
  assert_int_equal(tp_read32(&p, CR), 1u << 31 | CR_SER | 1 << 3);
  unlock(&p);
  tp_write32(&p, CR, tp_read32(&p, CR) | PSIZE_X32);
  tp_write32(&p, CR, tp_read32(&p, CR) | CR_PG);
  assert_int_equal(tp_read32(&p, CR), CR_SER | 1 << 3 | PSIZE_X32 | CR_PG);
  assert_int_equal(tp_write(&p, 0x08004000, 4, 0x12345678), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), 0);
  assert_int_equal(tp_read32(&p, 0x08004000), 0x12345678);
  /* a pending mass erase with PG is a sequence error: nothing written */
  tp_write32(&p, CR, CR_MER | CR_PG | PSIZE_X32);
  assert_int_equal(tp_write(&p, 0x08004004, 4, 0), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR), SR_PGSERR);
  assert_int_equal(tp_read32(&p, 0x08004004), 0xFFFFFFFF);
  /* so is STRT while PG is set: no erase */
  tp_write32(&p, SR, SR_PGSERR);
  tp_write32(&p, CR, CR_SER | 1 << 3 | CR_PG | PSIZE_X32 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR), SR_PGSERR);
  assert_int_equal(tp_read32(&p, 0x08004000), 0x12345678);
  tp_close(&p);
}

static void test_sector_erase_times(void **state)
{
  (void)state;
  static const struct {
    uint32_t snb, psize;
    sim_ns time;
    uint32_t addr;
  } cases[] = {
      {0, PSIZE_X32, SIM_MS(250), 0x08000000},  {1, PSIZE_X16, SIM_MS(300), 0x08004000},
      {2, PSIZE_X8, SIM_MS(400), 0x08008000},   {4, PSIZE_X32, SIM_MS(550), 0x08010000},
      {4, PSIZE_X16, SIM_MS(700), 0x08010000},  {4, PSIZE_X8, SIM_MS(1200), 0x08010000},
      {5, PSIZE_X32, SIM_MS(1000), 0x08020000}, {6, PSIZE_X16, SIM_MS(1300), 0x08040000},
      {7, PSIZE_X8, SIM_MS(2000), 0x08060000},
  };
  tp p;
  open_chip(&p, "stm32f446re", NULL, NULL);
  unlock(&p);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tp_write32(&p, CR, CR_PG | PSIZE_X32);
    assert_int_equal(tp_write(&p, cases[i].addr + 0x100, 4, 0), SIM_ACK_OK);
    wait_idle(&p);
    sim_report before = p.clock.report;
    tp_write32(&p, CR, CR_SER | cases[i].snb << 3 | cases[i].psize);
    tp_write32(&p, CR, CR_SER | cases[i].snb << 3 | cases[i].psize | CR_STRT);
    assert_int_equal(op_time(&p), cases[i].time);
    assert_int_equal(wait_idle(&p), 0);
    assert_int_equal(tp_read32(&p, cases[i].addr + 0x100), 0xFFFFFFFF);
    assert_int_equal(p.clock.report.flash_erase_units - before.flash_erase_units, 1);
    assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, cases[i].time);
  }
  /* sector 8 does not exist on a 512 KiB part */
  tp_write32(&p, CR, CR_SER | 8 << 3 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR), SR_PGSERR);
  tp_close(&p);
}

static void test_dual_bank(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32f429zi", NULL, NULL);
  unlock(&p);
  tp_write32(&p, CR, CR_PG | PSIZE_X32);
  static const uint32_t addrs[] = {0x08000000, 0x08100000, 0x08108000, 0x081E0000};
  for (int i = 0; i < 4; i++)
    assert_int_equal(tp_write(&p, addrs[i], 4, 0), SIM_ACK_OK);
  wait_idle(&p);
  /* sector 14 is SNB 0x12 */
  tp_write32(&p, CR, CR_SER | 0x12 << 3 | PSIZE_X32 | CR_STRT);
  assert_int_equal(op_time(&p), SIM_MS(250));
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08108000), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x08100000), 0);
  /* MER1 erases bank 2 only */
  tp_write32(&p, CR, CR_MER1 | PSIZE_X32 | CR_STRT);
  assert_int_equal(op_time(&p), SIM_MS(8000));
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08100000), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x081E0000), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x08000000), 0);
  /* both banks, x16: 2 x 11 s */
  sim_report before = p.clock.report;
  tp_write32(&p, CR, CR_MER | CR_MER1 | PSIZE_X16 | CR_STRT);
  assert_int_equal(op_time(&p), SIM_MS(22000));
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFFFFFF);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 1);
  /* SER with MER: nothing */
  tp_write32(&p, CR, CR_SER | CR_MER | CR_STRT);
  assert_int_equal(tp_read32(&p, SR), SR_PGSERR);
  tp_close(&p);
}

static void test_write_protection_and_voltage(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "f4wrp");
  /* sector 1 protected */
  tp_make_state(path, "stm32f407vg", 0, NULL, 0, (const char *[]){"nwrp=0xFFD", NULL});
  tp p;
  open_chip(&p, "stm32f407vg", path, "vdd=2500");
  unlock(&p);
  tp_write32(&p, CR, CR_PG | PSIZE_X16 | CR_ERRIE);
  assert_int_equal(tp_write(&p, 0x08004000, 2, 0), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR), SR_WRPERR | SR_OPERR);
  tp_write32(&p, SR, 0xF3);
  tp_write32(&p, CR, CR_SER | 1 << 3 | PSIZE_X16 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR), SR_WRPERR);
  tp_write32(&p, SR, 0xF3);
  tp_write32(&p, CR, CR_MER | PSIZE_X16 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR), SR_WRPERR);
  tp_write32(&p, SR, 0xF3);
  /* 2.5 V: x32 is not allowed, x16 is */
  tp_write32(&p, CR, CR_PG | PSIZE_X32);
  assert_int_equal(tp_write(&p, 0x08008000, 4, 0), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR), SR_PGPERR);
  tp_write32(&p, SR, 0xF3);
  tp_write32(&p, CR, CR_PG | PSIZE_X16);
  assert_int_equal(tp_write(&p, 0x08008000, 2, 0), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), 0);
  assert_int_equal(sim_target_voltage_mv(p.t), 2500);
  tp_close(&p);
  remove(path);
}

static void test_option_bytes(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "f4opt");
  tp p;
  open_chip(&p, "stm32f429zi", path, NULL);
  assert_int_equal(tp_read32(&p, OPTCR1), 0x0FFF0000);
  tp_write32(&p, OPTCR, 0x0FFFAAEC); /* ignored: locked */
  assert_int_equal(tp_read32(&p, OPTCR), 0x0FFFAAED);
  tp_write32(&p, OPTKEYR, 0x08192A3B);
  tp_write32(&p, OPTKEYR, 0x4C5D6E7F);
  assert_int_equal(tp_read32(&p, OPTCR), 0x0FFFAAEC);
  /* sector 0 and sector 13 write protected, BOR level 1, hardware watchdog */
  tp_write32(&p, OPTCR1, 0x0FFD0000);
  tp_write32(&p, OPTCR, 0x0FFEAAC8);
  tp_write32(&p, OPTCR, 0x0FFEAACA);
  assert_int_equal(op_time(&p), SIM_MS(400)); /* PSIZE x8 after reset */
  assert_true(tp_read32(&p, SR) & SR_BSY);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, OPTCR) & 3, 0);
  /* the memory image */
  assert_int_equal(tp_read32(&p, 0x1FFFC000) & 0xFFFF, 0xAAC8);
  assert_int_equal(tp_read32(&p, 0x1FFFC008) & 0xFFFF, 0x0FFE);
  assert_int_equal(tp_read32(&p, 0x1FFEC008) & 0xFFFF, 0x0FFD);
  /* not yet in force */
  unlock(&p);
  tp_write32(&p, CR, CR_PG | PSIZE_X32);
  assert_int_equal(tp_write(&p, 0x08000000, 4, 0), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), 0);
  tp_write32(&p, AIRCR, 0x05FA0004);
  tp_halt(&p);
  assert_int_equal(tp_read32(&p, OPTCR), 0x0FFEAAC9);
  unlock(&p);
  tp_write32(&p, CR, CR_PG | PSIZE_X32);
  assert_int_equal(tp_write(&p, 0x08000004, 4, 0), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR), SR_WRPERR);
  tp_write32(&p, SR, SR_WRPERR);
  assert_int_equal(tp_write(&p, 0x08104000, 4, 0), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR), SR_WRPERR);
  tp_close(&p);
  /* the state keeps them */
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  uint32_t w0, w1;
  memcpy(&w0, st.options, 4);
  memcpy(&w1, st.options + 4, 4);
  assert_int_equal(w0, 0x0FFEAAC8);
  assert_int_equal(w1, 0x0FFD0000);
  sim_state_release(&st);
  remove(path);
}

/* Unlock OPTCR and program RDP level 0 with the factory user options. */
static void start_level0(tp *p)
{
  tp_write32(p, OPTKEYR, 0x08192A3B);
  tp_write32(p, OPTKEYR, 0x4C5D6E7F);
  tp_write32(p, OPTCR, 0x0FFFAAEC);
  tp_write32(p, OPTCR, 0x0FFFAAEE);
}

static void test_read_protection_levels(void **state)
{
  (void)state;
  static uint8_t image[64];
  memset(image, 0x42, sizeof image);
  char path[256];
  tp_temp_path(path, sizeof path, "f4rdp");
  tp_make_state(path, "stm32f446re", 0x20000, image, sizeof image, (const char *[]){"rdp=1", NULL});
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];

  tp p;
  open_chip(&p, "stm32f446re", path, NULL);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08020000, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  assert_int_equal(tp_read32(&p, 0x20000000), 0);
  /* back to level 0: mass erase first, BSY for its whole time (x8: 16 s) */
  sim_report before = p.clock.report;
  start_level0(&p);
  assert_int_equal(op_time(&p), SIM_MS(16000) + SIM_MS(400));
  tp_wait(&p, SIM_MS(16000));
  assert_true(tp_read32(&p, SR) & SR_BSY);
  wait_idle(&p);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 1);
  tp_close(&p);
  char *cycle[] = {"state", "power-cycle", path};
  assert_int_equal(sim_state_main(3, cycle), 0);
  open_chip(&p, "stm32f446re", path, NULL);
  assert_int_equal(tp_read32(&p, 0x08020000), 0xFFFFFFFF);
  assert_int_equal((tp_read32(&p, OPTCR) >> 8) & 0xFF, 0xAA);
  tp_close(&p);

  /* level 2: the DP never answers again */
  tp_make_state(path, "stm32f446re", 0, NULL, 0, (const char *[]){"rdp=2", NULL});
  tp_options o = {.chip = "stm32f446re", .state = path};
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_NONE);
  tp_close(&p);
  assert_int_equal(sim_state_main(3, cycle), 0);
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_NONE);
  tp_close(&p);
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  assert_true(st.rdp2_locked);
  sim_state_release(&st);
  remove(path);
}

/* Options loaded by a system reset after a long operation reach the state
 * file: the next session, on a board still powered, finds the chip at
 * level 0 (the periodic save during the mass erase had already cleared the
 * change flag). */
static void test_options_loaded_by_a_reset_are_saved(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "f4load");
  tp_make_state(path, "stm32f446re", 0, NULL, 0, (const char *[]){"rdp=1", NULL});
  tp p;
  open_chip(&p, "stm32f446re", path, NULL);
  start_level0(&p);
  wait_idle(&p);
  tp_wait(&p, SIM_MS(2000)); /* long enough for a periodic save */
  tp_read32(&p, SR);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  tp_wait(&p, SIM_MS(1));
  tp_close(&p);
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  assert_true(st.powered);
  assert_memory_equal(st.options, st.loaded, SIM_OPTIONS_SIZE);
  sim_state_release(&st);
  open_chip(&p, "stm32f446re", path, NULL);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFFFFFF);
  tp_close(&p);
  remove(path);
}

/* movs r0,#7; bkpt */
static const uint8_t tiny[] = {0x07, 0x20, 0x00, 0xbe};

static void test_ccm_is_data_only(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32f407vg", NULL, NULL);
  tp_write32(&p, 0x10000000, 0xCAFEF00D);
  assert_int_equal(tp_read32(&p, 0x10000000), 0xCAFEF00D);
  assert_int_equal(tp_read32(&p, 0x1000FFFC), 0);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x10010000, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  /* code in CCM does not run: the fetch faults (no valid vector: lockup) */
  assert_int_equal(tp_write_block(&p, 0x10000100, tiny, sizeof tiny), SIM_ACK_OK);
  tp_set_reg(&p, 15, 0x10000100);
  tp_set_reg(&p, 16, 1u << 24);
  tp_run(&p);
  tp_wait(&p, SIM_US(50));
  assert_true(tp_dhcsr(&p) & (1u << 19));
  tp_close(&p);
}

static void test_boot_pins(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "boot");
  tp p;
  open_chip(&p, "stm32f446re", path, "boot0=1");
  tp_write32(&p, 0xE000EDFC, 1);
  tp_write32(&p, AIRCR, 0x05FA0004);
  /* the ROM bootloader's reset handler */
  assert_int_equal(tp_reg(&p, 15), 0x1FFF0100);
  assert_int_equal(tp_reg(&p, 13), 0x20003000);
  assert_int_equal(tp_read32(&p, 0x00000004), 0x1FFF0101);
  tp_close(&p);
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  assert_true(st.boot0);
  sim_state_release(&st);
  remove(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids),
      cmocka_unit_test(test_fpu_registers),
      cmocka_unit_test(test_program_rules),
      cmocka_unit_test(test_program_after_erase_with_ser_left_set),
      cmocka_unit_test(test_sector_erase_times),
      cmocka_unit_test(test_dual_bank),
      cmocka_unit_test(test_write_protection_and_voltage),
      cmocka_unit_test(test_option_bytes),
      cmocka_unit_test(test_read_protection_levels),
      cmocka_unit_test(test_options_loaded_by_a_reset_are_saved),
      cmocka_unit_test(test_ccm_is_data_only),
      cmocka_unit_test(test_boot_pins),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
