/*
 * The one simulator of a process. libusb's C API (a default context, sleep
 * and clock functions without any context) forces a process-wide object;
 * everything the simulator owns hangs off it.
 */
#ifndef SWDSIM_PROCESS_H
#define SWDSIM_PROCESS_H

#include "probe.h"

#include <libusb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/types.h>

struct sim_device;

/* libusb's opaque types, as the drop-in defines them. */
struct libusb_context {
  int debug_level;
};

struct libusb_device {
  struct sim_device *sim;
  int refs;
};

struct libusb_device_handle {
  struct libusb_device *dev;
  libusb_context *ctx;
  uint32_t claimed; /* bit per interface */
};

/* A virtual USB device: one probe and the target behind it. */
typedef struct sim_device {
  struct libusb_device usb;
  int index;
  const sim_probe_kind *kind;
  char serial[64];
  uint8_t serial_raw[64]; /* as the string descriptor carries it */
  size_t serial_len;
  sim_stlink *firmware;
  sim_target *target;
  bool disconnected;
  bool halted[3]; /* endpoint stalled until libusb_clear_halt: OUT, IN, trace */
  /*
   * The probe's OUT endpoint buffers: transfers received and not yet taken
   * by the firmware, oldest first. The firmware takes one when it has
   * finished the command before (probe_free) and, for a new command, holds
   * fewer than SIM_PROBE_REPLIES_HELD unread replies. With all buffers full
   * the endpoint NAKs further OUT transfers.
   */
  struct sim_inbox {
    uint8_t *data;
    size_t len, cap;
    bool keeps_replies;  /* an IN transfer was waiting when it arrived */
    sim_ns at, sent;     /* when it arrived, when its transfer began */
  } inbox[SIM_PROBE_OUT_BUFFERS];
  int inbox_count;
  sim_ns probe_free;     /* when the firmware finishes its current command */
} sim_device;

struct sim_xfer;

typedef struct sim_process {
  pthread_mutex_t lock;
  bool started;          /* configuration read, devices created */
  pid_t owner;           /* the process that started it (a forked child does not save) */
  sim_config config;
  sim_clock clock;
  int device_count;
  sim_device devices[SIM_MAX_PROBES];
  uint64_t usb_transfer_count; /* for the usb-* faults */
  uint64_t usb_open_count;     /* for the usb-access fault */
  /*
   * What the client's clocks show (interpose.c). They are read without the
   * lock and never run the simulation: a clock read can come from inside
   * the client's allocator (ASan's holds its own lock while it reads the
   * clock), and the simulation allocates. visible_now is the simulation's
   * clock as published when the lock was last released, plus what a
   * client spinning on its clocks has been charged since; the next lock
   * takes that charge into the simulation's clock.
   */
  _Atomic sim_ns visible_now;
  _Atomic uint32_t idle_clock_reads; /* clock reads since visible_now last moved */
  _Atomic sim_ns idle_clock_at;      /* the virtual time those reads saw */
  _Atomic sim_ns real_base_realtime, real_base_monotonic; /* 0: not read yet */
  struct sim_xfer *in_flight;  /* submitted transfers, in submission order */
  struct sim_xfer *done;       /* completed transfers whose callback is due */
  struct sim_xfer *on_bus;     /* the bulk transfer the bus carries, NULL: idle */
  sim_ns bus_free;             /* when it ends */
  int contexts;                /* libusb_init calls not matched by libusb_exit */
  struct libusb_context default_context;
  FILE *trace;                 /* SWDSIM_TRACE: one line per USB transfer */
  sim_ns trace_last_end;       /* when the previous traced transfer ended */
} sim_process;

sim_process *sim_process_get(void);

/* Take and release the simulator (a recursive lock). Taking it brings the
 * simulation's clock up to what the client's clocks have shown; releasing
 * it publishes the simulation's clock to them. */
void sim_process_lock(sim_process *p);
void sim_process_unlock(sim_process *p);

/* Read the configuration and create the devices (idempotent). */
bool sim_process_start(sim_process *p, char *err, size_t err_len);

/* Save target states and write the report (process exit, libusb_exit). */
void sim_process_checkpoint(sim_process *p);

/*
 * Let `ns` of virtual time pass for everyone: in-flight USB transfers
 * progress, targets run. Caller holds the lock.
 */
void sim_process_advance(sim_process *p, sim_ns ns);

/* Run the targets up to the clock (after it moved). */
void sim_process_sync_targets(sim_process *p);

/*
 * SWDSIM_TRACE (trace.c): one line per bulk transfer with the virtual time at
 * which it started, how long the client left the bus idle before it, its USB
 * cost, the probe time of the command it carried, and the bytes.
 */
bool sim_trace_open(sim_process *p, char *err, size_t err_len);
void sim_trace_transfer(sim_process *p, bool in, const uint8_t *bytes, size_t len, sim_ns start,
                        sim_ns usb_done, sim_ns probe_ns, sim_ns end);
void sim_trace_close(sim_process *p);

/* USB scheduler hook (usb.c): process in-flight transfers up to `limit`. */
void sim_usb_run_until(sim_process *p, sim_ns limit);

/* Let every probe take what its endpoint buffer holds (a client closing or
 * exiting right after a command without reply); returns when the probes
 * will have finished (at least now). */
sim_ns sim_usb_settle(sim_process *p);

#endif
