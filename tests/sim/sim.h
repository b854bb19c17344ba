/*
 * swdsim internal interfaces.
 *
 * swdsim has two halves that meet at the SWD wire:
 *
 *   probe side (probe.h; usb_*.c, process.c, interpose.c: the libusb-1.0
 *     drop-in; stlink*.c, probe_swd.c, personality.c: the ST-Link firmware
 *     personalities; config.c, report.c, swdsim.c, limit.c): the USB/probe
 *     costs of the timing model (docs/timing-model.md), virtual time, USB faults, the report, the
 *     launcher and its physical-limit calculator.
 *   target side (target/...): the SW-DP and MEM-AP, the memory bus, the
 *     Cortex-M core (Unicorn), the STM32 peripherals and flash controllers,
 *     option bytes, protection, the persistent state file, SWD and flash
 *     faults, scenarios.
 *
 * The probe side turns every ST-Link command into SWD transactions on the
 * target through the sim_target_* calls below, exactly as the probe firmware
 * would (e.g. a READMEM_32BIT of N words is: CSW write if the size changed,
 * TAR write, N DRW reads, one RDBUFF read), and charges their cost. The target
 * side never charges SWD costs itself; it only advances when the clock moves.
 *
 * Nothing here is global: a `sim` owns everything and one exists per process
 * (created lazily by the libusb drop-in, owned by the libusb context).
 */
#ifndef SWDSIM_SIM_H
#define SWDSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------- */
/* Virtual clock and report counters (timing model, sections 1-7)          */
/* ---------------------------------------------------------------------- */

/* Time is kept in nanoseconds so that 0.85 us/byte and 52.5 us add exactly. */
typedef uint64_t sim_ns;
#define SIM_US(x) ((sim_ns)(x) * 1000u)

typedef struct sim_report {
  uint64_t usb_transfers;
  uint64_t usb_bytes_out;
  uint64_t usb_bytes_in;
  uint64_t probe_commands;
  uint64_t swd_transactions;
  uint64_t swd_wait_acks;
  uint64_t cpu_cycles;
  sim_ns flash_busy_ns;
  uint64_t flash_program_units;
  uint64_t flash_erase_units;
  uint64_t mass_erases;
  uint32_t swd_khz; /* SWD clock of the latest transaction (0: none yet) */
  /* Cortex-M7 caches: runs of code in RAM (a loader) while SCB_CCR.DC/IC
   * was set or the D-cache still held the firmware's dirty lines, and the
   * DC/IC bits of SCB_CCR as last set (the firmware's at the end of a job
   * that restored them). */
  uint64_t cache_unsafe_runs;
  uint32_t cache_ccr;
} sim_report;

typedef struct sim_clock {
  sim_ns now;
  sim_report report;
} sim_clock;

/* ---------------------------------------------------------------------- */
/* Configuration (launcher options and SWDSIM_* environment variables)     */
/* ---------------------------------------------------------------------- */

enum { SIM_MAX_PROBES = 8, SIM_MAX_FAULTS = 16, SIM_MAX_SCENARIOS = 8 };

typedef enum sim_fault_kind {
  SIM_FAULT_USB_STALL,      /* Nth USB transfer: LIBUSB_ERROR_PIPE */
  SIM_FAULT_USB_TIMEOUT,    /* Nth USB transfer: LIBUSB_ERROR_TIMEOUT */
  SIM_FAULT_USB_DISCONNECT, /* Nth USB transfer and every later one: NO_DEVICE */
  SIM_FAULT_SWD_FAULT,      /* Nth SWD transaction answers FAULT (sticky error) */
  SIM_FAULT_SWD_WAIT,       /* a storm of WAIT answers from the Nth transaction */
  SIM_FAULT_FLASH_ERROR,    /* Nth flash program/erase sets an error flag */
  SIM_FAULT_POWER_LOSS,     /* power fails during the Nth program/erase */
  SIM_FAULT_USB_ACCESS,     /* Nth and every later libusb_open: ERROR_ACCESS */
  SIM_FAULT_SWD_STUCK,      /* from the Nth transaction every AP access answers WAIT, for
                               good (a bus that never frees; DAPABORT does not help) */
  SIM_FAULT_INTERRUPT,      /* the process gets SIGINT as the Nth program/erase starts
                               (Ctrl-C at a known point) */
} sim_fault_kind;

typedef struct sim_fault {
  sim_fault_kind kind;
  uint64_t at; /* 1-based count of the events of that class */
} sim_fault;

typedef struct sim_probe_config {
  char kind[24];   /* "v2", "v2-1", "v3", "clone-j29s7", "clone-j37s7", "clone-slow" */
  char serial[64]; /* empty: the personality's default serial */
  int start_mode;  /* GET_CURRENT_MODE answer at power-up; -1: mass storage */
} sim_probe_config;

/* Virtual ms a board runs its firmware between two runs unless told: a
 * board plugged in a moment before the tool starts. */
#define SIM_DEFAULT_IDLE_MS 300u

typedef struct sim_config {
  char chip[32];                 /* empty: the state file's chip, else stm32f103c8 */
  char state_path[4096];         /* empty: fresh chip, discarded at exit */
  char report_path[4096];        /* empty: no report file */
  char trace_path[4096];         /* empty: no trace of the USB transfers */
  int probe_count;               /* at least 1 */
  sim_probe_config probes[SIM_MAX_PROBES];
  int fault_count;
  sim_fault faults[SIM_MAX_FAULTS];
  int scenario_count;
  char scenarios[SIM_MAX_SCENARIOS][32]; /* "no-target", "nrst-not-wired", ... or "boot0=1" */
  bool keep_running;             /* the board goes on between runs (unless SWDSIM_RESET_EACH_RUN=1) */
  uint32_t idle_ms;              /* SWDSIM_IDLE_MS, default SIM_DEFAULT_IDLE_MS */
} sim_config;

/*
 * Parse the SWDSIM_* environment into `cfg`. Returns false and writes a
 * message to `err` on a bad value (unknown chip, probe, fault or scenario).
 */
bool sim_config_from_env(sim_config *cfg, char *err, size_t err_len);

/* Parse one "KIND@N" fault spec. */
bool sim_parse_fault(const char *spec, sim_fault *out, char *err, size_t err_len);

/* ---------------------------------------------------------------------- */
/* Target side: one simulated STM32 behind each probe                      */
/* ---------------------------------------------------------------------- */

typedef struct sim_target sim_target;

/* SWD acknowledgements, with the wire encoding. */
typedef enum sim_ack {
  SIM_ACK_OK = 1,
  SIM_ACK_WAIT = 2,
  SIM_ACK_FAULT = 4,
  SIM_ACK_NONE = 7, /* nothing drives the line: no target, no power, SWD disabled */
} sim_ack;

typedef struct sim_target_options {
  const char *chip;       /* name from sim_chip_names(); NULL or "": the chip of the
                           * state file, or stm32f103c8 without one */
  const char *state_path; /* NULL or "": fresh erased chip, not persisted */
  const sim_fault *faults; /* target-side faults (SWD and flash kinds) */
  int fault_count;
  const char (*scenarios)[32];
  int scenario_count;
  bool power_cycle; /* start with a power-on reset even if the board was left powered */
  bool reset;       /* start a board left powered with a system reset (NRST pulse) */
  /* A board left powered goes on from where the last session left it (its
   * core, RAM and peripherals, kept next to the state file), after running
   * its firmware for idle_ms more without a debugger; without keep_running
   * every session starts the firmware again from a reset. */
  bool keep_running;
  uint32_t idle_ms;
  bool save_board; /* keep the board for a later keep_running session */
  bool no_save;    /* a trial: the kept board (FILE.board) is left alone */
} sim_target_options;

/*
 * Create a target bound to `clock` (shared with the probe that owns it).
 * Loads the state file if it exists. Returns NULL with a message in `err`.
 */
sim_target *sim_target_new(sim_clock *clock, const sim_target_options *opts, char *err,
                           size_t err_len);

/* Save the state file if anything changed (atomic write) and free. */
void sim_target_free(sim_target *t);

/* Save now if anything changed since the last save. */
bool sim_target_save(sim_target *t, char *err, size_t err_len);

/* Run the target (CPU, flash operations, watchdog...) up to clock->now. */
void sim_target_sync(sim_target *t);

/* Wire level. Every call is one SWD transaction (the caller charges it). */
void sim_target_line_reset(sim_target *t); /* line reset + JTAG-to-SWD */
sim_ack sim_target_dp_read(sim_target *t, uint8_t addr, uint32_t *value);
sim_ack sim_target_dp_write(sim_target *t, uint8_t addr, uint32_t value);
/* AP accesses go to the AP and bank chosen by DP SELECT; AP reads are posted
 * as on real hardware: the value returned is that of the previous AP read,
 * the last one is collected from DP RDBUFF. */
sim_ack sim_target_ap_read(sim_target *t, uint8_t addr, uint32_t *value);
sim_ack sim_target_ap_write(sim_target *t, uint8_t addr, uint32_t value);

/* Pins and supply as the probe sees them. */
void sim_target_set_nrst(sim_target *t, bool asserted);
uint32_t sim_target_voltage_mv(const sim_target *t);

/* The chip being simulated (e.g. for the report). */
const char *sim_target_chip(const sim_target *t);

/* Whether `name` is a scenario the target side knows ("no-target",
 * "nrst-not-wired", "swd-disabled", "sleep", "boot0=0|1", "boot1=0|1",
 * "vdd=MV"); false with a message in `err` otherwise. sim_target_new rejects
 * unknown names the same way. */
bool sim_target_scenario_valid(const char *name, char *err, size_t err_len);

/* Names of the chips that can be simulated, NULL-terminated. */
const char *const *sim_chip_names(void);
/* One-line description of a chip, NULL if unknown. */
const char *sim_chip_describe(const char *name);

/* The flash figures of the timing model (section 4) for a chip, at the
 * fastest setting it allows at 3.3 V: what the physical limit of section 6
 * (`swdsim limit`) is built from. */
typedef struct sim_flash_costs {
  uint32_t flash_size;   /* main flash at 0x08000000, bytes */
  uint32_t program_unit; /* bytes written by one program operation */
  sim_ns program_ns;     /* time of one program operation */
  sim_ns mass_erase_ns;  /* erasing the whole main flash with one command */
  uint32_t bank_size;    /* bytes erased by one bank erase (flash_size: one bank) */
  sim_ns bank_erase_ns;  /* time of one bank erase */
} sim_flash_costs;

/* False if `chip` is unknown. */
bool sim_chip_flash_costs(const char *chip, sim_flash_costs *out);

/* Erase time of the smallest set of erase units (pages, sectors) that covers
 * [offset, offset + len) of the main flash; 0 for an empty range. */
sim_ns sim_chip_erase_cover_ns(const char *chip, uint32_t offset, uint32_t len);

/* The erase a write of [offset, offset + len) cannot avoid (timing model
 * section 6): the erase units the range touches whose bytes inside the range
 * are not all erased (0xFF) in `flash` (the chip's main flash, flash_size
 * bytes; NULL for an erased chip), each at its unit erase time; a bank all
 * of whose units must be erased at its bank erase time and a chip all of
 * whose units must be erased at its mass erase time where those are cheaper.
 * `units` (may be NULL) receives the number of units that must be erased. */
sim_ns sim_chip_erase_needed_ns(const char *chip, const uint8_t *flash, uint32_t offset,
                                uint32_t len, uint32_t *units);

/* ---------------------------------------------------------------------- */
/* State files without a client (swdsim state ...)                         */
/* ---------------------------------------------------------------------- */

/* The main flash held by the state file `path`: a malloc'ed copy (*size
 * bytes, the caller frees it) and the name of its chip. False with a message. */
bool sim_state_read_flash(const char *path, uint8_t **flash, uint32_t *size, const char **chip,
                          char *err, size_t err_len);

/* argv[0] is the command's own name (e.g. "state"), argv[1] the subcommand:
 * "init", "dump", "show", "power-cycle", "boot" or "--help". Returns the exit status. */
int sim_state_main(int argc, char **argv);

/* ---------------------------------------------------------------------- */
/* Report                                                                  */
/* ---------------------------------------------------------------------- */

/* Write the JSON report of section 7 (plus chip and probe names). */
bool sim_report_write(const char *path, const sim_clock *clock, const char *chip,
                      const char *probe_kind, char *err, size_t err_len);

#endif
