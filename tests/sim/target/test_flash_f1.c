/* STM32F1 FPEC: keys, program and erase rules and timing, WRP, RDP, option
 * bytes, flash faults, and a loader running on the CPU. */
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
  KEYR = 0x40022004,
  OPTKEYR = 0x40022008,
  SR = 0x4002200C,
  CR = 0x40022010,
  AR = 0x40022014,
  OBR = 0x4002201C,
  WRPR = 0x40022020,
  SR_BSY = 1,
  SR_PGERR = 4,
  SR_WRPRTERR = 0x10,
  SR_EOP = 0x20,
  CR_PG = 1,
  CR_PER = 2,
  CR_MER = 4,
  CR_OPTPG = 0x10,
  CR_OPTER = 0x20,
  CR_STRT = 0x40,
  CR_LOCK = 0x80,
  CR_OPTWRE = 0x200,
};

static void open_chip(tp *p, const char *state)
{
  tp_options o = {.chip = "stm32f103c8", .state = state};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
  tp_halt(p);
}

static void unlock(tp *p)
{
  tp_write32(p, KEYR, FLASH_KEY1);
  tp_write32(p, KEYR, FLASH_KEY2);
  assert_int_equal(tp_read32(p, CR) & CR_LOCK, 0);
}

static uint32_t wait_idle(tp *p)
{
  uint32_t sr;
  while ((sr = tp_read32(p, SR)) & SR_BSY)
    ;
  return sr;
}

static void reset_chip(tp *p)
{
  tp_write32(p, AIRCR, 0x05FA0004);
  tp_halt(p);
}

static void test_keys_and_lock(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, NULL);
  assert_int_equal(tp_read32(&p, CR), CR_LOCK);
  tp_write32(&p, CR, CR_PG); /* ignored while locked */
  assert_int_equal(tp_read32(&p, CR), CR_LOCK);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  assert_int_equal(tp_read32(&p, CR), CR_PG);
  tp_write32(&p, CR, CR_LOCK);
  assert_int_equal(tp_read32(&p, CR), CR_LOCK);
  /* a wrong sequence locks the FPEC until reset; further KEYR writes fault */
  tp_write32(&p, KEYR, FLASH_KEY1);
  tp_write32(&p, KEYR, 0x12345678);
  assert_int_equal(tp_read32(&p, CR), CR_LOCK);
  assert_int_equal(tp_write(&p, KEYR, 4, FLASH_KEY1), SIM_ACK_FAULT);
  tp_abort(&p);
  reset_chip(&p);
  unlock(&p);
  tp_close(&p);
}

static void test_program_timing_and_rules(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, NULL);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  sim_report before = p.clock.report;
  assert_int_equal(tp_write(&p, 0x08000000, 2, 0x1234), SIM_ACK_OK);
  sim_ns start = p.t->flash.op.start;
  assert_int_equal(p.t->flash.op.end - start, 52500);
  p.clock.now = start + 52499;
  sim_target_sync(p.t);
  assert_int_equal(p.t->flash.op.kind, FLASH_OP_PROGRAM);
  p.clock.now = start + 52500;
  sim_target_sync(p.t);
  assert_int_equal(p.t->flash.op.kind, FLASH_OP_NONE);
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, 52500);
  assert_int_equal(p.clock.report.flash_program_units - before.flash_program_units, 1);
  assert_int_equal(tp_read32(&p, SR), SR_EOP);
  tp_write32(&p, SR, SR_EOP); /* write 1 to clear */
  assert_int_equal(tp_read32(&p, SR), 0);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08000000, 2, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x1234);

  /* a flash read while programming stalls (WAIT) until the half-word is done */
  assert_int_equal(tp_write(&p, 0x08000002, 2, 0xBEEF), SIM_ACK_OK);
  start = p.t->flash.op.start;
  assert_int_equal(sim_target_ap_write(p.t, 0x04, 0x08000002), SIM_ACK_OK);
  assert_int_equal(sim_target_ap_read(p.t, 0x0C, &v), SIM_ACK_WAIT);
  p.clock.now = start + 52500;
  assert_int_equal(sim_target_ap_read(p.t, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(sim_target_dp_read(p.t, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v >> 16, 0xBEEF);

  /* not erased: PGERR and no change; 0x0000 may still be written */
  assert_int_equal(tp_write(&p, 0x08000000, 2, 0x0034), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p) & SR_PGERR, SR_PGERR);
  assert_int_equal(tp_read(&p, 0x08000000, 2, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x1234);
  tp_write32(&p, SR, SR_PGERR | SR_EOP);
  assert_int_equal(tp_write(&p, 0x08000000, 2, 0x0000), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), SR_EOP);
  assert_int_equal(tp_read(&p, 0x08000000, 2, &v), SIM_ACK_OK);
  assert_int_equal(v, 0);
  /* half-words only */
  tp_write32(&p, SR, SR_EOP);
  assert_int_equal(tp_write(&p, 0x08000010, 4, 0x11223344), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), SR_PGERR);
  assert_int_equal(tp_read32(&p, 0x08000010), 0xFFFFFFFF);
  /* without PG the array is not writable at all */
  tp_write32(&p, CR, 0);
  assert_int_equal(tp_write(&p, 0x08000020, 2, 0x1111), SIM_ACK_FAULT);
  tp_abort(&p);
  tp_close(&p);
}

static void test_page_and_mass_erase(void **state)
{
  (void)state;
  static uint8_t image[4096];
  for (size_t i = 0; i < sizeof image; i++)
    image[i] = (uint8_t)i;
  char path[256];
  tp_temp_path(path, sizeof path, "erase");
  tp_make_state(path, "stm32f103c8", 0, image, sizeof image, NULL);
  tp p;
  open_chip(&p, path);
  unlock(&p);
  sim_report before = p.clock.report;
  tp_write32(&p, CR, CR_PER);
  tp_write32(&p, AR, 0x08000456);
  tp_write32(&p, CR, CR_PER | CR_STRT);
  assert_int_equal(p.t->flash.op.end - p.t->flash.op.start, SIM_MS(40));
  assert_int_equal(tp_read32(&p, CR), CR_PER | CR_STRT);
  assert_int_equal(wait_idle(&p), SR_EOP);
  assert_int_equal(tp_read32(&p, CR), CR_PER); /* STRT clears at the end */
  assert_int_equal(tp_read32(&p, 0x080003FC), 0xFFFEFDFC);
  assert_int_equal(tp_read32(&p, 0x08000400), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x080007FC), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x08000800), 0x03020100);
  assert_int_equal(p.clock.report.flash_erase_units - before.flash_erase_units, 1);
  tp_write32(&p, CR, CR_MER);
  tp_write32(&p, CR, CR_MER | CR_STRT);
  assert_int_equal(p.t->flash.op.end - p.t->flash.op.start, SIM_MS(40));
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x08000800), 0xFFFFFFFF);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 1);
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, SIM_MS(80));
  tp_close(&p);
  remove(path);
}

static void test_write_protection(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "wrp");
  /* pages 0-3 protected */
  tp_make_state(path, "stm32f103c8", 0, NULL, 0, (const char *[]){"wrp0=0xFE", NULL});
  tp p;
  open_chip(&p, path);
  assert_int_equal(tp_read32(&p, WRPR), 0xFFFFFFFE);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  assert_int_equal(tp_write(&p, 0x08000FFE, 2, 0x1111), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), SR_WRPRTERR);
  assert_int_equal(tp_write(&p, 0x08001000, 2, 0x2222), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), SR_WRPRTERR | SR_EOP);
  tp_write32(&p, SR, SR_WRPRTERR | SR_EOP);
  tp_write32(&p, CR, CR_PER);
  tp_write32(&p, AR, 0x08000C00);
  tp_write32(&p, CR, CR_PER | CR_STRT);
  assert_int_equal(wait_idle(&p), SR_WRPRTERR);
  tp_write32(&p, CR, CR_MER | CR_STRT);
  assert_int_equal(wait_idle(&p), SR_WRPRTERR);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08001000, 2, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x2222);
  tp_close(&p);
  remove(path);
}

static void write_option(tp *p, uint32_t addr, uint16_t v)
{
  assert_int_equal(tp_write(p, addr, 2, v), SIM_ACK_OK);
  assert_int_equal(wait_idle(p) & (SR_PGERR | SR_WRPRTERR), 0);
}

static void test_option_bytes(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "opt");
  tp p;
  open_chip(&p, path);
  assert_int_equal(tp_read32(&p, OBR), 0x03FFFFFC);
  assert_int_equal(tp_read32(&p, 0x1FFFF800), 0x00FF5AA5);
  unlock(&p);
  tp_write32(&p, OPTKEYR, FLASH_KEY1);
  tp_write32(&p, OPTKEYR, FLASH_KEY2);
  assert_int_equal(tp_read32(&p, CR) & CR_OPTWRE, CR_OPTWRE);
  tp_write32(&p, CR, CR_OPTER | CR_OPTWRE);
  tp_write32(&p, CR, CR_OPTER | CR_STRT | CR_OPTWRE);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x1FFFF800), 0xFFFFFFFF);
  tp_write32(&p, CR, CR_OPTPG | CR_OPTWRE);
  write_option(&p, 0x1FFFF800, 0xA5);
  write_option(&p, 0x1FFFF802, 0xFE); /* WDG_SW = 0: hardware watchdog */
  write_option(&p, 0x1FFFF804, 0x42); /* Data0 */
  write_option(&p, 0x1FFFF80A, 0x7F); /* WRP1 bit 7: 60-63 KiB */
  /* programming an option half-word twice is refused */
  assert_int_equal(tp_write(&p, 0x1FFFF804, 2, 0x43), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p) & SR_PGERR, SR_PGERR);
  assert_int_equal(tp_read32(&p, 0x1FFFF800), 0x01FE5AA5); /* complements by hardware */
  assert_int_equal(tp_read32(&p, 0x1FFFF804), 0xFFFFBD42);
  /* OBR and WRPR change only at reset; the unwritten pairs then mismatch */
  assert_int_equal(tp_read32(&p, OBR), 0x03FFFFFC);
  reset_chip(&p);
  uint32_t obr = tp_read32(&p, OBR);
  assert_int_equal(obr & 1, 1);              /* OPTERR: Data1/WRP0/2/3 not programmed */
  assert_int_equal(obr & 2, 0);              /* RDP off */
  assert_int_equal((obr >> 2) & 0xFF, 0xFE); /* USER */
  assert_int_equal((obr >> 10) & 0xFF, 0x42);
  assert_int_equal(tp_read32(&p, WRPR), 0xFFFF7FFF);
  tp_close(&p);
  /* the state file keeps them */
  char *argv[] = {"state", "dump", path, "0x1FFFF800", "16", "-"};
  assert_int_equal(sim_state_main(6, argv), 0);
  remove(path);
}

static void test_read_protection(void **state)
{
  (void)state;
  static uint8_t image[1024];
  memset(image, 0x5A, sizeof image);
  char path[256];
  tp_temp_path(path, sizeof path, "rdp");
  tp_make_state(path, "stm32f103c8", 0x1000, image, sizeof image, (const char *[]){"rdp=1", NULL});

  tp p;
  open_chip(&p, path);
  uint32_t v;
  assert_int_equal(tp_read32(&p, OBR) & 2, 2);
  assert_int_equal(tp_read(&p, 0x08001000, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  assert_int_equal(tp_read32(&p, 0x20000000), 0); /* SRAM stays readable */
  assert_int_equal(tp_read32(&p, 0x1FFFF800) & 0xFFFF, 0xFF00);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  assert_int_equal(tp_write(&p, 0x08002000, 2, 0), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), SR_WRPRTERR);
  tp_write32(&p, SR, SR_WRPRTERR);
  /* unprotect: erase the options, program RDP = 0xA5 -> mass erase first */
  tp_write32(&p, OPTKEYR, FLASH_KEY1);
  tp_write32(&p, OPTKEYR, FLASH_KEY2);
  tp_write32(&p, CR, CR_OPTER | CR_OPTWRE);
  tp_write32(&p, CR, CR_OPTER | CR_STRT | CR_OPTWRE);
  wait_idle(&p);
  tp_write32(&p, CR, CR_OPTPG | CR_OPTWRE);
  sim_report before = p.clock.report;
  assert_int_equal(tp_write(&p, 0x1FFFF800, 2, 0xA5), SIM_ACK_OK);
  assert_int_equal(p.t->flash.op.end - p.t->flash.op.start, SIM_MS(40) + 52500);
  wait_idle(&p);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 1);
  /* still protected until the option bytes are reloaded */
  assert_int_equal(tp_read(&p, 0x08001000, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  reset_chip(&p);
  assert_int_equal(tp_read32(&p, 0x08001000), 0xFFFFFFFF);
  tp_close(&p);
  remove(path);
}

/* stlink-style loader: r0 source, r1 flash, r2 bytes; polls BSY (ldr_f1.s):
 *   ldr r3,=FLASH_SR
 * 1: ldrh r4,[r0]; strh r4,[r1]
 * 2: ldr r5,[r3]; tst r5,#1; bne 2b; tst r5,#0x14; bne 3f
 *    adds r0,#2; adds r1,#2; subs r2,#2; bgt 1b
 * 3: bkpt #0 */
static const uint8_t loader[] = {
    0x07, 0x4b, 0x04, 0x88, 0x0c, 0x80, 0x1d, 0x68, 0x15, 0xf0, 0x01, 0x0f,
    0xfb, 0xd1, 0x15, 0xf0, 0x14, 0x0f, 0x03, 0xd1, 0x02, 0x30, 0x02, 0x31,
    0x02, 0x3a, 0xf2, 0xdc, 0x00, 0xbe, 0x00, 0x00, 0x0c, 0x20, 0x02, 0x40,
};

static void test_loader_on_the_cpu(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, NULL);
  uint8_t data[2048];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)(i * 7 + 3);
  assert_int_equal(tp_write_block(&p, 0x20000000, loader, sizeof loader), SIM_ACK_OK);
  assert_int_equal(tp_write_block(&p, 0x20000100, data, sizeof data), SIM_ACK_OK);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  tp_set_reg(&p, 0, 0x20000100);
  tp_set_reg(&p, 1, 0x08000400);
  tp_set_reg(&p, 2, sizeof data);
  tp_set_reg(&p, 15, 0x20000000);
  tp_set_reg(&p, 16, 1u << 24);
  sim_report before = p.clock.report;
  tp_run(&p);
  sim_ns started = p.clock.now;
  while (!(tp_dhcsr(&p) & (1u << 17)))
    tp_wait(&p, SIM_US(100));
  /* the loader keeps up with the flash: 52.5 us per half-word plus its own
   * dozen instructions between two half-words (1.6 us at 8 MHz) */
  assert_true(p.clock.now - started < 1024 * (52500 + 2000));
  assert_int_equal(tp_reg(&p, 2), 0);
  assert_int_equal(tp_reg(&p, 15), 0x2000001C);
  uint8_t back[sizeof data];
  assert_int_equal(tp_read_block(&p, 0x08000400, back, sizeof back), SIM_ACK_OK);
  assert_memory_equal(back, data, sizeof data);
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, 1024 * 52500);
  assert_int_equal(p.clock.report.flash_program_units - before.flash_program_units, 1024);
  /* about 52.5 us x 8 MHz per half-word, mostly spent polling BSY */
  uint64_t cycles = p.clock.report.cpu_cycles - before.cpu_cycles;
  assert_true(cycles >= 1024 * 420 && cycles <= 1024 * 460);
  assert_true(p.t->core.idle_skipped_cycles > 0);
  tp_close(&p);
}

/* strh r1,[r0]; ldrh r2,[r0]; bkpt */
static const uint8_t store_then_load[] = {0x01, 0x80, 0x02, 0x88, 0x00, 0xbe, 0x00, 0x00};

static void run_store(tp *p, uint32_t addr, uint32_t value)
{
  tp_set_reg(p, 0, addr);
  tp_set_reg(p, 1, value);
  tp_set_reg(p, 2, 0);
  tp_set_reg(p, 15, 0x20000000);
  tp_set_reg(p, 16, 1u << 24);
  tp_run(p);
  tp_wait(p, SIM_US(100));
  assert_true(tp_dhcsr(p) & (1u << 17));
}

/* The CPU writes the array only through the controller: a refused store
 * leaves the old data for the very next load, and a load right after an
 * accepted one waits for the programming to end. */
static void test_cpu_stores_go_through_the_controller(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, NULL);
  assert_int_equal(tp_write_block(&p, 0x20000000, store_then_load, sizeof store_then_load),
                   SIM_ACK_OK);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  run_store(&p, 0x08000000, 0x1234);
  assert_int_equal(tp_reg(&p, 2), 0x1234);
  assert_int_equal(tp_read32(&p, SR), SR_EOP);
  run_store(&p, 0x08000000, 0x5678); /* not erased: PGERR */
  assert_int_equal(tp_reg(&p, 2), 0x1234);
  assert_int_equal(tp_read32(&p, SR) & SR_PGERR, SR_PGERR);
  assert_int_equal(tp_read32(&p, 0x08000000) & 0xFFFF, 0x1234);
  tp_close(&p);
}

static void test_flash_error_fault(void **state)
{
  (void)state;
  tp p;
  tp_options o = {.chip = "stm32f103c8", .faults = {{SIM_FAULT_FLASH_ERROR, 2}}};
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_halt(&p);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  assert_int_equal(tp_write(&p, 0x08000000, 2, 0x1111), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), SR_EOP);
  tp_write32(&p, SR, SR_EOP);
  assert_int_equal(tp_write(&p, 0x08000002, 2, 0x2222), SIM_ACK_OK);
  assert_int_equal(wait_idle(&p), SR_PGERR);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFF1111);
  tp_close(&p);
}

static void test_power_loss_fault(void **state)
{
  (void)state;
  static uint8_t image[1024];
  memset(image, 0, sizeof image);
  char path[256];
  tp_temp_path(path, sizeof path, "power");
  tp_make_state(path, "stm32f103c8", 0, image, sizeof image, NULL);
  tp p;
  tp_options o = {.chip = "stm32f103c8", .state = path, .faults = {{SIM_FAULT_POWER_LOSS, 1}}};
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_halt(&p);
  unlock(&p);
  tp_write32(&p, CR, CR_PER);
  tp_write32(&p, AR, 0x08000000);
  tp_write32(&p, CR, CR_PER | CR_STRT);
  tp_wait(&p, SIM_MS(30));
  assert_int_equal(sim_target_voltage_mv(p.t), 0);
  uint32_t v;
  assert_int_equal(sim_target_dp_read(p.t, 0, &v), SIM_ACK_NONE);
  /* the report keeps the time the erase really ran */
  assert_int_equal(p.clock.report.flash_busy_ns, SIM_MS(20));
  tp_close(&p);
  /* the state was saved: the page is partly erased, the board unpowered */
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  assert_false(st.powered);
  int erased = 0, untouched = 0;
  for (int i = 0; i < 1024; i++) {
    erased += st.flash[i] == 0xFF;
    untouched += st.flash[i] == 0x00;
  }
  assert_true(erased >= 256 && erased < 1024);
  assert_true(untouched < 768);
  sim_state_release(&st);
  /* the next session powers it up again */
  tp_options o2 = {.chip = "stm32f103c8", .state = path};
  tp_open(&p, &o2);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  assert_int_equal(sim_target_voltage_mv(p.t), 3300);
  tp_close(&p);
  remove(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keys_and_lock),
      cmocka_unit_test(test_program_timing_and_rules),
      cmocka_unit_test(test_page_and_mass_erase),
      cmocka_unit_test(test_write_protection),
      cmocka_unit_test(test_option_bytes),
      cmocka_unit_test(test_read_protection),
      cmocka_unit_test(test_loader_on_the_cpu),
      cmocka_unit_test(test_cpu_stores_go_through_the_controller),
      cmocka_unit_test(test_flash_error_fault),
      cmocka_unit_test(test_power_loss_fault),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
