/*
 * The libusb-1.0 drop-in over the fake target: enumeration, descriptors,
 * synchronous and asynchronous transfers, their costs on the virtual bus,
 * USB faults and virtual time. The process-wide simulator reads its
 * configuration once, so each group runs in its own process:
 * `test_sim_usb basic` or `test_sim_usb faults` (meson sets the environment).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_target.h"
#include "process.h"

static const uint8_t get_version[16] = {0xF1};
static const uint8_t get_mode[16] = {0xF5};

/* Timing model 1 and 2 for a full-speed V2. */
#define FS_COST(bytes) (125000u + (bytes) * 850u)
#define V2_FIRMWARE 20000u

static sim_ns now(void)
{
  return sim_process_get()->clock.now;
}

static libusb_device_handle *open_nth(int n)
{
  libusb_device **list;
  ssize_t count = libusb_get_device_list(NULL, &list);
  assert_true(count > n);
  libusb_device_handle *h = NULL;
  assert_int_equal(libusb_open(list[n], &h), 0);
  libusb_free_device_list(list, 1);
  return h;
}

static int setup(void **state)
{
  (void)state;
  return libusb_init(NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  libusb_exit(NULL);
  return 0;
}

/* ---------------------------------------------------------------------- */
/* basic                                                                   */
/* ---------------------------------------------------------------------- */

static void enumeration_and_descriptors(void **state)
{
  (void)state;
  libusb_device **list;
  assert_int_equal(libusb_get_device_list(NULL, &list), 2);
  struct libusb_device_descriptor d;
  assert_int_equal(libusb_get_device_descriptor(list[0], &d), 0);
  assert_int_equal(d.idVendor, 0x0483);
  assert_int_equal(d.idProduct, 0x3748);
  assert_int_equal(libusb_get_device_descriptor(list[1], &d), 0);
  assert_int_equal(d.idProduct, 0x374F);
  assert_int_equal(libusb_get_device_speed(list[1]), LIBUSB_SPEED_HIGH);
  assert_int_equal(libusb_get_max_packet_size(list[1], 0x81), 512);

  struct libusb_config_descriptor *cfg;
  assert_int_equal(libusb_get_config_descriptor(list[0], 0, &cfg), 0);
  assert_int_equal(cfg->bNumInterfaces, 1);
  const struct libusb_interface_descriptor *alt = &cfg->interface[0].altsetting[0];
  assert_int_equal(alt->bNumEndpoints, 3);
  int found = 0;
  for (int i = 0; i < alt->bNumEndpoints; i++) {
    uint8_t a = alt->endpoint[i].bEndpointAddress;
    found |= (a == 0x02) << 0 | (a == 0x81) << 1 | (a == 0x83) << 2;
    assert_int_equal(alt->endpoint[i].wMaxPacketSize, 64);
    assert_int_equal(alt->endpoint[i].bmAttributes & 3, LIBUSB_TRANSFER_TYPE_BULK);
  }
  assert_int_equal(found, 7);
  libusb_free_config_descriptor(cfg);

  uint8_t ports[7];
  assert_int_equal(libusb_get_port_numbers(list[1], ports, 7), 1);
  assert_int_equal(ports[0], 2);
  libusb_free_device_list(list, 1);
}

static void string_descriptors(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(0);
  unsigned char s[256];
  assert_true(libusb_get_string_descriptor_ascii(h, 1, s, sizeof s) > 0);
  assert_string_equal((char *)s, "STMicroelectronics");
  assert_true(libusb_get_string_descriptor_ascii(h, 2, s, sizeof s) > 0);
  assert_string_equal((char *)s, "STM32 STLink");
  /* The V2's serial is 12 raw bytes: a 26-byte descriptor. */
  int n = libusb_get_string_descriptor(h, 3, 0x0409, s, sizeof s);
  assert_int_equal(n, 26);
  assert_int_equal(s[0], 26);
  assert_int_equal(s[2], 0x55);
  assert_int_equal(s[3], 0x00);
  /* The ASCII conversion turns bytes above 0x7F into '?'. */
  assert_int_equal(libusb_get_string_descriptor_ascii(h, 3, s, sizeof s), 12);
  assert_int_equal(s[1], '?');
  /* Truncated to what the host asks for, as stlink-org's 48-byte buffer does. */
  libusb_close(h);
  h = open_nth(1);
  assert_int_equal(libusb_get_string_descriptor_ascii(h, 3, s, sizeof s), 7);
  assert_string_equal((char *)s, "SERIAL2");
  assert_int_equal(libusb_get_string_descriptor(h, 3, 0x0409, s, 10), 10);
  assert_int_equal(libusb_control_transfer(h, 0xC0, 0x01, 0, 0, s, 4, 100), LIBUSB_ERROR_PIPE);
  libusb_close(h);
}

static void synchronous_command_costs(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(0);
  uint8_t reply[64];
  int n = 0;
  sim_ns t0 = now();
  assert_int_equal(libusb_bulk_transfer(h, 0x02, (uint8_t *)get_version, 16, &n, 1000), 0);
  assert_int_equal(n, 16);
  assert_int_equal(libusb_bulk_transfer(h, 0x81, reply, sizeof reply, &n, 1000), 0);
  assert_int_equal(n, 6);
  assert_int_equal(reply[0], 0x29);
  assert_int_equal(now() - t0, FS_COST(16) + V2_FIRMWARE + FS_COST(6));
  libusb_close(h);
}

typedef struct completion {
  int order[4];
  int count;
} completion;

static completion done_order;

static void LIBUSB_CALL record(struct libusb_transfer *t)
{
  done_order.order[done_order.count++] = (int)(intptr_t)t->user_data;
}

static void asynchronous_transfers_serialize(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(0);
  uint8_t reply[2];
  struct libusb_transfer *out = libusb_alloc_transfer(0), *in = libusb_alloc_transfer(0);
  /* The IN is posted first: it must wait for the command it answers. */
  libusb_fill_bulk_transfer(in, h, 0x81, reply, sizeof reply, record, (void *)2, 1000);
  libusb_fill_bulk_transfer(out, h, 0x02, (uint8_t *)get_mode, 16, record, (void *)1, 1000);
  memset(&done_order, 0, sizeof done_order);
  sim_ns t0 = now();
  assert_int_equal(libusb_submit_transfer(in), 0);
  assert_int_equal(libusb_submit_transfer(out), 0);
  assert_int_equal(libusb_submit_transfer(out), LIBUSB_ERROR_BUSY);
  while (done_order.count < 2)
    assert_int_equal(libusb_handle_events_completed(NULL, NULL), 0);
  assert_int_equal(done_order.order[0], 1);
  assert_int_equal(done_order.order[1], 2);
  assert_int_equal(in->status, LIBUSB_TRANSFER_COMPLETED);
  assert_int_equal(in->actual_length, 2);
  assert_int_equal(reply[0], 0x01); /* mass storage */
  assert_int_equal(now() - t0, FS_COST(16) + V2_FIRMWARE + FS_COST(2));
  libusb_free_transfer(out);
  libusb_free_transfer(in);
  libusb_close(h);
}


/* Timing model 1 and 2 for a high-speed V3 at its default 1 MHz SWD clock. */
#define HS_COST(bytes) (40000u + (bytes) * 25u)
#define V3_FIRMWARE 8000u
#define V3_SWD_TRANSACTION 48000u

enum { READ_LEN = 256 };

static void readmem32_block(uint8_t cmd[16], uint32_t addr)
{
  memset(cmd, 0, 16);
  cmd[0] = 0xF2;
  cmd[1] = 0x07; /* READMEM_32BIT */
  memcpy(cmd + 2, &addr, 4);
  cmd[6] = READ_LEN & 0xFF;
  cmd[7] = READ_LEN >> 8;
}

/*
 * Two READMEM_32BIT commands in flight at once: the probe runs the second
 * while the bus carries the first reply, so the pair costs one command OUT,
 * two probe times and one reply IN (timing model 1 and 2), where one after
 * the other costs all of them twice.
 */
static void pipelined_commands_overlap(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(1);
  sim_process *p = sim_process_get();
  unsigned char ep_out = p->devices[1].kind->ep_out;
  uint8_t cmd[2][16], reply[2][READ_LEN];
  readmem32_block(cmd[0], FAKE_SRAM_BASE);
  readmem32_block(cmd[1], FAKE_SRAM_BASE + READ_LEN);
  uint8_t *sram = fake_target_memory(p->devices[1].target, FAKE_SRAM_BASE);
  for (int i = 0; i < 2 * READ_LEN; i++)
    sram[i] = (uint8_t)(i / 3);
  int n;
  /* The first read sets the probe's CSW; the second is what every later one costs:
   * a TAR write, a DRW read per word and the RDBUFF read. */
  for (int i = 0; i < 2; i++) {
    uint64_t tx = p->clock.report.swd_transactions;
    sim_ns t0 = now();
    assert_int_equal(libusb_bulk_transfer(h, ep_out, cmd[0], 16, &n, 1000), 0);
    assert_int_equal(libusb_bulk_transfer(h, 0x81, reply[0], READ_LEN, &n, 1000), 0);
    assert_int_equal(n, READ_LEN);
    if (i == 1) {
      assert_int_equal(p->clock.report.swd_transactions - tx, READ_LEN / 4 + 2);
      assert_int_equal(now() - t0, HS_COST(16) + V3_FIRMWARE +
                                       (READ_LEN / 4 + 2) * V3_SWD_TRANSACTION + HS_COST(READ_LEN));
    }
  }
  const sim_ns probe = V3_FIRMWARE + (READ_LEN / 4 + 2) * V3_SWD_TRANSACTION;

  struct libusb_transfer *t[4];
  for (int i = 0; i < 4; i++)
    t[i] = libusb_alloc_transfer(0);
  libusb_fill_bulk_transfer(t[0], h, ep_out, cmd[0], 16, record, (void *)1, 1000);
  libusb_fill_bulk_transfer(t[1], h, 0x81, reply[0], READ_LEN, record, (void *)2, 1000);
  libusb_fill_bulk_transfer(t[2], h, ep_out, cmd[1], 16, record, (void *)3, 1000);
  libusb_fill_bulk_transfer(t[3], h, 0x81, reply[1], READ_LEN, record, (void *)4, 1000);
  memset(&done_order, 0, sizeof done_order);
  memset(reply, 0, sizeof reply);
  sim_ns t0 = now();
  for (int i = 0; i < 4; i++)
    assert_int_equal(libusb_submit_transfer(t[i]), 0);
  sim_ns second_out_done = 0, first_in_done = 0;
  while (done_order.count < 4) {
    int before = done_order.count;
    assert_int_equal(libusb_handle_events_completed(NULL, NULL), 0);
    for (int i = before; i < done_order.count; i++) {
      if (done_order.order[i] == 3)
        second_out_done = now() - t0;
      if (done_order.order[i] == 2)
        first_in_done = now() - t0;
    }
  }
  /* The second command reaches the probe while it runs the first. */
  assert_int_equal(done_order.order[0], 1);
  assert_int_equal(done_order.order[1], 3);
  assert_int_equal(done_order.order[2], 2);
  assert_int_equal(done_order.order[3], 4);
  assert_int_equal(second_out_done, 2 * HS_COST(16));
  assert_int_equal(first_in_done, HS_COST(16) + probe + HS_COST(READ_LEN));
  assert_int_equal(now() - t0, HS_COST(16) + 2 * probe + HS_COST(READ_LEN));
  for (int i = 0; i < 4; i++) {
    assert_int_equal(t[i]->status, LIBUSB_TRANSFER_COMPLETED);
    libusb_free_transfer(t[i]);
  }
  /* Each reply went to its own IN transfer. */
  assert_memory_equal(reply[0], sram, READ_LEN);
  assert_memory_equal(reply[1], sram + READ_LEN, READ_LEN);
  libusb_close(h);
}

static void LIBUSB_CALL stamp(struct libusb_transfer *t)
{
  *(sim_ns *)t->user_data = now();
}

/*
 * Two reads each checked by its own GETLASTRWSTATUS2, all in flight: READ,
 * STATUS, READ, STATUS. The second read's command waits in the probe's
 * second OUT buffer and starts as soon as the first status is made, with
 * the first read's reply and that status still unread (three replies held).
 */
static void checked_reads_overlap(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(1);
  sim_process *p = sim_process_get();
  unsigned char ep_out = p->devices[1].kind->ep_out;
  uint8_t cmd[4][16] = {{0}}, reply[4][READ_LEN];
  readmem32_block(cmd[0], FAKE_SRAM_BASE);
  readmem32_block(cmd[2], FAKE_SRAM_BASE + READ_LEN);
  cmd[1][0] = cmd[3][0] = 0xF2;
  cmd[1][1] = cmd[3][1] = 0x3E; /* GETLASTRWSTATUS2 */
  const sim_ns read_probe = V3_FIRMWARE + (READ_LEN / 4 + 2) * V3_SWD_TRANSACTION;
  struct libusb_transfer *t[8];
  sim_ns ended[8] = {0};
  for (int i = 0; i < 8; i++) {
    t[i] = libusb_alloc_transfer(0);
    if (i % 2 == 0)
      libusb_fill_bulk_transfer(t[i], h, ep_out, cmd[i / 2], 16, stamp, &ended[i], 1000);
    else
      libusb_fill_bulk_transfer(t[i], h, 0x81, reply[i / 2], i % 4 == 1 ? READ_LEN : 12, stamp,
                                &ended[i], 1000);
  }
  sim_ns t0 = now();
  for (int i = 0; i < 8; i++)
    assert_int_equal(libusb_submit_transfer(t[i]), 0);
  while (!ended[7])
    assert_int_equal(libusb_handle_events_completed(NULL, NULL), 0);
  const sim_ns second_read = HS_COST(16) + read_probe + V3_FIRMWARE;
  assert_int_equal(ended[4] - t0, 3 * HS_COST(16)); /* in the second OUT buffer */
  assert_int_equal(ended[1] - t0, HS_COST(16) + read_probe + HS_COST(READ_LEN));
  assert_int_equal(ended[5] - t0, second_read + read_probe + HS_COST(READ_LEN));
  /* The second status is made while the second reply is on the bus. */
  assert_int_equal(ended[7] - t0, second_read + read_probe + HS_COST(READ_LEN) + HS_COST(12));
  for (int i = 0; i < 8; i++) {
    assert_int_equal(t[i]->status, LIBUSB_TRANSFER_COMPLETED);
    libusb_free_transfer(t[i]);
  }
  assert_int_equal(reply[1][0], 0x80);
  assert_int_equal(reply[3][0], 0x80);
  libusb_close(h);
}

static int completed_flag;

static void LIBUSB_CALL mark(struct libusb_transfer *t)
{
  (void)t;
  completed_flag = 1;
}

static void in_without_data_times_out(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(0);
  uint8_t buf[64];
  struct libusb_transfer *in = libusb_alloc_transfer(0);
  libusb_fill_bulk_transfer(in, h, 0x81, buf, sizeof buf, mark, NULL, 5);
  completed_flag = 0;
  sim_ns t0 = now();
  assert_int_equal(libusb_submit_transfer(in), 0);
  struct timeval tv = {1, 0};
  while (!completed_flag)
    libusb_handle_events_timeout_completed(NULL, &tv, &completed_flag);
  assert_int_equal(in->status, LIBUSB_TRANSFER_TIMED_OUT);
  assert_int_equal(now() - t0, SIM_US(5000));

  /* Synchronous: the same, as an error code. */
  int n = -1;
  assert_int_equal(libusb_bulk_transfer(h, 0x81, buf, 64, &n, 1), LIBUSB_ERROR_TIMEOUT);
  assert_int_equal(n, 0);

  /* Cancelled while waiting. */
  completed_flag = 0;
  libusb_fill_bulk_transfer(in, h, 0x81, buf, sizeof buf, mark, NULL, 0);
  assert_int_equal(libusb_submit_transfer(in), 0);
  assert_int_equal(libusb_cancel_transfer(in), 0);
  libusb_handle_events_completed(NULL, &completed_flag);
  assert_true(completed_flag);
  assert_int_equal(in->status, LIBUSB_TRANSFER_CANCELLED);
  assert_int_equal(libusb_cancel_transfer(in), LIBUSB_ERROR_NOT_FOUND);
  libusb_free_transfer(in);
  libusb_close(h);
}

static void short_host_buffer_overflows(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(0);
  int n;
  uint8_t one;
  assert_int_equal(libusb_bulk_transfer(h, 0x02, (uint8_t *)get_mode, 16, &n, 100), 0);
  assert_int_equal(libusb_bulk_transfer(h, 0x81, &one, 1, &n, 100), LIBUSB_ERROR_OVERFLOW);
  assert_int_equal(libusb_bulk_transfer(h, 0x05, &one, 1, &n, 100), LIBUSB_ERROR_NOT_FOUND);
  libusb_close(h);
}

static void sleeps_and_clocks_are_virtual(void **state)
{
  (void)state;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  sim_ns t0 = now();
  usleep(250000);
  struct timespec req = {2, 500};
  nanosleep(&req, NULL);
  sleep(3);
  clock_gettime(CLOCK_MONOTONIC, &b);
  sim_ns want = SIM_US(250000) + (sim_ns)2000000000 + 500 + (sim_ns)3000000000;
  assert_int_equal(now() - t0, want);
  sim_ns seen = (sim_ns)(b.tv_sec - a.tv_sec) * 1000000000u + (sim_ns)(b.tv_nsec - a.tv_nsec);
  assert_int_equal(seen, want);
  /* An absolute deadline on the virtual monotonic clock. */
  struct timespec deadline = b;
  deadline.tv_sec += 1;
  assert_int_equal(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL), 0);
  clock_gettime(CLOCK_MONOTONIC, &a);
  assert_int_equal(a.tv_sec, deadline.tv_sec);
  assert_int_equal(a.tv_nsec, deadline.tv_nsec);
  /* A client spinning on the clock gets out eventually. */
  clock_gettime(CLOCK_MONOTONIC, &a);
  do
    clock_gettime(CLOCK_MONOTONIC, &b);
  while (b.tv_sec == a.tv_sec || b.tv_nsec < a.tv_nsec);
}

static void *read_clocks(void *arg)
{
  struct timespec ts;
  struct timeval tv;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  gettimeofday(&tv, NULL);
  time(NULL);
  *(int *)arg = 1;
  return NULL;
}

/* The clocks are read from places where the simulation must not run (an
 * allocator holding its lock): they never wait for the simulator's lock and
 * never run the simulation; a spinning client's time reaches the
 * simulation when it next runs. */
static void clocks_never_run_the_simulation(void **state)
{
  (void)state;
  sim_process *p = sim_process_get();
  sim_process_lock(p); /* as while the simulation runs on another thread */
  int done = 0;
  pthread_t reader;
  assert_int_equal(pthread_create(&reader, NULL, read_clocks, &done), 0);
  assert_int_equal(pthread_join(reader, NULL), 0); /* hangs if the clocks take the lock */
  sim_process_unlock(p);
  assert_int_equal(done, 1);

  sim_ns before = now();
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < 3000; i++)
    clock_gettime(CLOCK_MONOTONIC, &b);
  assert_int_equal(now(), before);
  sim_ns shown = (sim_ns)(b.tv_sec - a.tv_sec) * 1000000000u + (sim_ns)(b.tv_nsec - a.tv_nsec);
  assert_true(shown >= SIM_US(1000));
  sim_process_lock(p);
  sim_process_unlock(p);
  assert_true(now() >= before + shown);
}

static void report_written_at_exit(void **state)
{
  (void)state;
  const char *path = getenv("SWDSIM_REPORT");
  assert_non_null(path);
  libusb_exit(NULL);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char text[2048] = "";
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  const char *keys[] = {"virtual_us", "usb_transfers", "usb_bytes_out", "usb_bytes_in",
                        "probe_commands", "swd_transactions", "swd_wait_acks", "cpu_cycles",
                        "flash_busy_us", "flash_program_units", "flash_erase_units",
                        "mass_erases", "\"swd_khz\": ", "\"chip\": \"fake\"", "\"probe\": \"v2,v3\""};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    assert_non_null(strstr(text, keys[i]));
  assert_int_equal(libusb_init(NULL), 0);
}

/* ---------------------------------------------------------------------- */
/* faults: usb-stall@2, usb-timeout@4, usb-disconnect@7                    */
/* ---------------------------------------------------------------------- */

static void usb_faults(void **state)
{
  (void)state;
  libusb_device_handle *h = open_nth(0);
  uint8_t buf[64];
  int n;
  /* 1: fine */
  assert_int_equal(libusb_bulk_transfer(h, 0x02, (uint8_t *)get_version, 16, &n, 100), 0);
  /* 2: the IN endpoint stalls, and stays halted (3) until cleared */
  assert_int_equal(libusb_bulk_transfer(h, 0x81, buf, 64, &n, 100), LIBUSB_ERROR_PIPE);
  assert_int_equal(libusb_bulk_transfer(h, 0x81, buf, 64, &n, 100), LIBUSB_ERROR_PIPE);
  assert_int_equal(libusb_clear_halt(h, 0x81), 0);
  /* 4: times out after the host's timeout */
  sim_ns t0 = now();
  assert_int_equal(libusb_bulk_transfer(h, 0x02, (uint8_t *)get_version, 16, &n, 100),
                   LIBUSB_ERROR_TIMEOUT);
  assert_true(now() - t0 >= SIM_US(100000));
  /* 5, 6: fine again (the stalled reply was lost) */
  assert_int_equal(libusb_bulk_transfer(h, 0x02, (uint8_t *)get_version, 16, &n, 100), 0);
  assert_int_equal(libusb_bulk_transfer(h, 0x81, buf, 64, &n, 100), 0);
  assert_int_equal(n, 6);
  /* 7: the probe leaves the bus for good */
  assert_int_equal(libusb_bulk_transfer(h, 0x02, (uint8_t *)get_version, 16, &n, 100),
                   LIBUSB_ERROR_NO_DEVICE);
  assert_int_equal(libusb_bulk_transfer(h, 0x02, (uint8_t *)get_version, 16, &n, 100),
                   LIBUSB_ERROR_NO_DEVICE);
  libusb_close(h);
  /* Only that probe: the other one is still there. */
  libusb_device **list;
  assert_int_equal(libusb_get_device_list(NULL, &list), 1);
  struct libusb_device_descriptor d;
  libusb_get_device_descriptor(list[0], &d);
  assert_int_equal(d.idProduct, 0x374F);
  libusb_free_device_list(list, 1);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest basic[] = {
    cmocka_unit_test(enumeration_and_descriptors),
    cmocka_unit_test(string_descriptors),
    cmocka_unit_test(synchronous_command_costs),
    cmocka_unit_test(asynchronous_transfers_serialize),
    cmocka_unit_test(pipelined_commands_overlap),
    cmocka_unit_test(checked_reads_overlap),
    cmocka_unit_test(in_without_data_times_out),
    cmocka_unit_test(short_host_buffer_overflows),
    cmocka_unit_test(sleeps_and_clocks_are_virtual),
    cmocka_unit_test(clocks_never_run_the_simulation),
    cmocka_unit_test(report_written_at_exit),
  };
  const struct CMUnitTest faults[] = {
    cmocka_unit_test(usb_faults),
  };
  if (argc == 2 && strcmp(argv[1], "faults") == 0)
    return cmocka_run_group_tests(faults, setup, teardown);
  return cmocka_run_group_tests(basic, setup, teardown);
}
