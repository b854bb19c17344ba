/*
 * ST-Link probes and the target behind them.
 * Included by <swdflash/swdflash.h>; do not include directly.
 *
 * Typical use:
 *
 *   swdf_probe *probe;
 *   swdf_target *target;
 *   swdf_connect_opts copts = SWDF_CONNECT_OPTS_INIT;
 *   if (swdf_probe_open(&probe, ctx, NULL) == SWDF_OK) {
 *     if (swdf_target_connect(&target, probe, &copts) == SWDF_OK) {
 *       swdf_mem_read(buf, target, 0x08000000, sizeof(buf));
 *       swdf_target_disconnect(target);
 *     }
 *     swdf_probe_close(probe);
 *   }
 *
 * Handles belong to the context they were made from: use them from one
 * thread at a time and close them before freeing the context.
 */
#ifndef SWDFLASH_PROBE_H
#define SWDFLASH_PROBE_H

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Probes                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct swdf_probe swdf_probe;

typedef enum swdf_probe_kind {
  SWDF_PROBE_V2 = 0,   /* ST-LINK/V2 and most clone dongles */
  SWDF_PROBE_V2_1 = 1, /* ST-LINK/V2-1 (Nucleo, Discovery) */
  SWDF_PROBE_V3 = 2,   /* STLINK-V3 family */
} swdf_probe_kind;

/* Short name of a probe kind: "V2", "V2-1", "V3". */
SWDF_API const char *swdf_probe_kind_name(swdf_probe_kind kind);

/* What discovery learns about a probe without taking it over. */
typedef struct swdf_probe_info {
  size_t size;                  /* sizeof(swdf_probe_info): SWDF_PROBE_INFO_INIT (entries of
                                   swdf_probe_list have it set by the library) */
  swdf_probe_kind kind;
  uint16_t vid;
  uint16_t pid;
  char serial[64];              /* printable; binary clone serials as 24 hex digits */
  char product[64];             /* "ST-LINK/V2", "STLINK-V3SET", ... */
  char firmware[32];            /* "V2J37S7"; "" when the probe could not be asked */
  uint8_t hw_version;           /* 2 or 3 */
  uint8_t jtag_version;         /* the "J" number */
  uint32_t target_voltage_mv;   /* 0 when unknown or unpowered */
  int usb_bus;
  int usb_address;
  int busy;                     /* 1 when the probe could not be opened: another program
                                   holds it, or no permission (udev rules) */
} swdf_probe_info;

#define SWDF_PROBE_INFO_INIT {.size = sizeof(swdf_probe_info)}

/*
 * List the connected probes. `*out` becomes a newly allocated array of
 * `*count` entries (NULL when there are none, which is not an error), freed
 * with swdf_probe_list_free(). Probes in DFU or mass-storage mode are listed
 * too; their firmware and voltage are filled in when the probe answers. A
 * probe held by another program is listed with `busy` set.
 */
SWDF_API swdf_err swdf_probe_list(swdf_probe_info **out, size_t *count, swdf_ctx *ctx);

/* Free a list from swdf_probe_list(). NULL is ignored. */
SWDF_API void swdf_probe_list_free(swdf_probe_info *list);

/*
 * Entry `index` of a list of `count` from swdf_probe_list(), copied into the
 * caller's struct (set out->size first: SWDF_PROBE_INFO_INIT). The array's
 * stride is this library's sizeof(swdf_probe_info): a program built against
 * other headers must read entries through this call rather than list[index].
 */
SWDF_API swdf_err swdf_probe_list_get(swdf_probe_info *out, const swdf_probe_info *list,
                                      size_t count, size_t index);

/*
 * Open a probe by serial number, or the only probe when `serial` is NULL.
 * The serial number is compared without regard to case; when no probe has
 * exactly that serial, a unique beginning of one is enough (several probes
 * whose serials begin so fail with SWDF_ERR_PROBE_AMBIGUOUS).
 * Several probes and no serial fail with SWDF_ERR_PROBE_AMBIGUOUS and a
 * message listing them; no probe fails with SWDF_ERR_NO_PROBE. A probe in
 * DFU or mass-storage mode is switched to debug mode. Close with
 * swdf_probe_close().
 */
SWDF_API swdf_err swdf_probe_open(swdf_probe **out, swdf_ctx *ctx, const char *serial);

/* Release the probe (and leave its debug mode). NULL is ignored. */
SWDF_API void swdf_probe_close(swdf_probe *probe);

/* Details of an open probe (kind, serial, firmware, voltage measured now). */
SWDF_API swdf_err swdf_probe_get_info(swdf_probe_info *out, swdf_probe *probe);

/* Drive the NRST line: non-zero asserts reset (low), 0 releases it. */
SWDF_API swdf_err swdf_probe_set_nrst(swdf_probe *probe, int asserted);

/* ------------------------------------------------------------------------ */
/* Connecting to the target                                                 */
/* ------------------------------------------------------------------------ */

typedef struct swdf_target swdf_target;

typedef enum swdf_connect_mode {
  SWDF_CONNECT_AUTO = 0,        /* normal, then under-reset; says which worked */
  SWDF_CONNECT_NORMAL = 1,      /* attach and halt the core */
  SWDF_CONNECT_HOT_PLUG = 2,    /* attach without halting or resetting */
  SWDF_CONNECT_UNDER_RESET = 3, /* NRST held while attaching, halt at reset vector */
} swdf_connect_mode;

/* Name of a connect mode as the CLI spells it: "auto", "normal", "hot-plug", "under-reset". */
SWDF_API const char *swdf_connect_mode_name(swdf_connect_mode mode);

typedef struct swdf_connect_opts {
  size_t size;       /* sizeof(swdf_connect_opts); set by SWDF_CONNECT_OPTS_INIT */
  swdf_connect_mode mode;
  uint32_t freq_khz; /* 0: the library's default for the probe (4 MHz on V2, the fastest
                        the probe lists on V3, e.g. 24 MHz);
                        else the fastest supported clock not above this */
} swdf_connect_opts;

#define SWDF_CONNECT_OPTS_INIT {sizeof(swdf_connect_opts), SWDF_CONNECT_AUTO, 0}

/*
 * Attach to the target over SWD and identify the chip. The target borrows
 * the probe: disconnect the target before closing the probe. `opts` may be
 * NULL for the defaults.
 *
 * Failures: SWDF_ERR_TARGET_POWER (target voltage near 0 V),
 * SWDF_ERR_NO_TARGET (no answer on SWD; with under-reset also when NRST
 * seems unconnected), SWDF_ERR_UNKNOWN_CHIP (the message gives the IDs read
 * and how to add the chip), SWDF_ERR_HALT, SWDF_ERR_USB.
 */
SWDF_API swdf_err swdf_target_connect(swdf_target **out, swdf_probe *probe,
                                      const swdf_connect_opts *opts);

/*
 * Detach. A core that the library halted while connecting is let run again;
 * one halted through swdf_core_halt() or a SWDF_RESET_HALT stays halted.
 * NULL is ignored.
 */
SWDF_API void swdf_target_disconnect(swdf_target *target);

/* ------------------------------------------------------------------------ */
/* Chip identity                                                            */
/* ------------------------------------------------------------------------ */

typedef struct swdf_chip_info {
  size_t size;               /* sizeof(swdf_chip_info): SWDF_CHIP_INFO_INIT */
  char id[32];               /* chip database key, "stm32f4-446" */
  char name[64];             /* "STM32F446xC/E" */
  char family[16];           /* "f4" (fact-sheet family) */
  char driver[16];           /* flash controller family, "stm32f4" */
  char core[24];             /* "Cortex-M4F" */
  swdf_connect_mode connected_with; /* the mode that worked (never AUTO) */
  char connect_note[160];    /* how the connection was made, when worth saying */
  uint32_t freq_khz;         /* SWD clock in use */
  uint32_t dp_idcode;        /* SW-DP IDR */
  uint32_t cpuid;            /* Cortex-M CPUID */
  uint32_t dbgmcu_idcode;    /* raw DBGMCU_IDCODE */
  uint16_t dev_id;           /* DBGMCU_IDCODE[11:0] */
  uint16_t rev_id;           /* DBGMCU_IDCODE[31:16] */
  char revision[8];          /* "A", "Z", "Y", ... or "" */
  uint32_t flash_base;
  uint32_t flash_size;       /* from the flash size register, else the maximum */
  uint32_t ram_base;
  uint32_t ram_size;
  uint32_t unique_id[3];     /* 96-bit unique ID; zero when the part has none */
  int has_unique_id;
  char note[192];            /* caveats from the chip database (clone parts), or "" */
} swdf_chip_info;

#define SWDF_CHIP_INFO_INIT {.size = sizeof(swdf_chip_info)}

/*
 * What the connected chip is: IDs, names, memory, how the connection was
 * made. Reads the unique ID from the chip the first time (so it can fail
 * like any target access); the rest was learnt while connecting.
 */
SWDF_API swdf_err swdf_target_chip_info(swdf_chip_info *out, swdf_target *target);

/*
 * The chip database, without a chip: the built-in entries and those loaded
 * from swdf_ctx_opts.chipdb_dir (or SWDFLASH_CHIPDB). `*out` gets the number
 * of entries; a database file that does not parse fails with SWDF_ERR_IO.
 */
SWDF_API swdf_err swdf_chipdb_count(size_t *out, swdf_ctx *ctx);

/*
 * Entry `index` (0 .. count-1) as the database describes it: id (the key),
 * name, family, driver, core, dev_id, rev_id (when the entry matches one),
 * dp_idcode (0: any), flash_base, flash_size (the largest of the line),
 * ram_base, ram_size, has_unique_id and note. The fields learnt from a
 * connected chip are zero. SWDF_ERR_RANGE past the end.
 */
SWDF_API swdf_err swdf_chipdb_get(swdf_chip_info *out, swdf_ctx *ctx, size_t index);

/* A run of equal erase units (pages or sectors) in the flash. */
typedef struct swdf_sector_group {
  uint32_t addr;             /* first unit */
  uint32_t count;
  uint32_t size;             /* bytes per unit */
  uint32_t first_index;      /* reference manual's number of the first unit */
  uint8_t bank;              /* 0 or 1 */
} swdf_sector_group;

typedef struct swdf_flash_info {
  size_t size;               /* sizeof(swdf_flash_info): SWDF_FLASH_INFO_INIT */
  uint32_t base;
  uint32_t total;            /* bytes */
  uint32_t program_unit;     /* bytes programmed at once */
  uint32_t bank_count;
  uint32_t group_count;
  swdf_sector_group groups[16];
  char summary[96];          /* "64 pages of 1 KiB" */
} swdf_flash_info;

#define SWDF_FLASH_INFO_INIT {.size = sizeof(swdf_flash_info)}

/* Flash layout of the connected chip: banks and erase units. */
SWDF_API swdf_err swdf_target_flash_info(swdf_flash_info *out, swdf_target *target);

/* One raw option word, as read from the option-byte area or a register. */
typedef struct swdf_option_word {
  char name[16];             /* "OBR", "OPTCR", "0x1FFFF800" */
  uint32_t addr;
  uint32_t value;
} swdf_option_word;

typedef struct swdf_protection_info {
  size_t size;               /* sizeof(swdf_protection_info): SWDF_PROTECTION_INFO_INIT */
  int rdp_level;             /* 0, 1 or 2; -1 when it could not be read */
  uint32_t rdp_raw;          /* the raw RDP field */
  char rdp_text[160];        /* the level in words */
  uint32_t word_count;
  swdf_option_word words[40];
} swdf_protection_info;

#define SWDF_PROTECTION_INFO_INIT {.size = sizeof(swdf_protection_info)}

/*
 * Read the raw option bytes and the read-protection level. Reading works
 * under read protection (option bytes stay readable).
 */
SWDF_API swdf_err swdf_target_protection(swdf_protection_info *out, swdf_target *target);

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Read any memory with any length and alignment into `out`. The library
 * picks 8/16/32-bit accesses and splits at the probe's limits and the 1 KiB
 * TAR boundary. Reports SWDF_PHASE_READ progress. A bus fault fails with
 * SWDF_ERR_MEM_FAULT naming the address, or SWDF_ERR_READ_PROTECTED inside
 * flash under read protection.
 */
SWDF_API swdf_err swdf_mem_read(void *out, swdf_target *target, uint32_t addr, size_t len);

/*
 * Write any RAM or peripheral memory with any length and alignment. Flash
 * is written by the flash API, not by swdf_mem_write.
 */
SWDF_API swdf_err swdf_mem_write(swdf_target *target, uint32_t addr, const void *buf,
                                 size_t len);

/* One aligned 32-bit access. */
SWDF_API swdf_err swdf_mem_read32(uint32_t *out, swdf_target *target, uint32_t addr);
SWDF_API swdf_err swdf_mem_write32(swdf_target *target, uint32_t addr, uint32_t value);

/* ------------------------------------------------------------------------ */
/* Core                                                                     */
/* ------------------------------------------------------------------------ */

typedef enum swdf_reset_kind {
  SWDF_RESET_HARD = 0,  /* pulse NRST (falls back to software reset if NRST is not wired) */
  SWDF_RESET_SOFT = 1,  /* AIRCR.SYSRESETREQ */
  SWDF_RESET_HALT = 2,  /* reset and halt at the reset vector (vector catch) */
} swdf_reset_kind;

/* Core registers: 0-15 = R0-R15, 16 = xPSR, 17 = MSP, 18 = PSP. */
enum { SWDF_REG_SP = 13, SWDF_REG_LR = 14, SWDF_REG_PC = 15, SWDF_REG_XPSR = 16,
       SWDF_REG_MSP = 17, SWDF_REG_PSP = 18 };

/* Halt the core; it stays halted after disconnecting. */
SWDF_API swdf_err swdf_core_halt(swdf_target *target);

/* Let the halted core run from where it stopped. */
SWDF_API swdf_err swdf_core_run(swdf_target *target);

/* Execute one instruction (with interrupts masked) and halt again. */
SWDF_API swdf_err swdf_core_step(swdf_target *target);

/* *out = 1 when the core is halted, 0 when running. */
SWDF_API swdf_err swdf_core_is_halted(int *out, swdf_target *target);

/* Read or write a core register of the halted core (numbers above). */
SWDF_API swdf_err swdf_core_reg_read(uint32_t *out, swdf_target *target, unsigned reg);
SWDF_API swdf_err swdf_core_reg_write(swdf_target *target, unsigned reg, uint32_t value);

/*
 * Reset the chip. SWDF_RESET_HARD without a wired NRST falls back to a
 * software reset and logs a warning saying so. After SWDF_RESET_HALT the
 * core stays halted at the reset vector, also after disconnecting.
 * swdf_target_reset_ext() also says which reset was done and what the core
 * did afterwards.
 */
SWDF_API swdf_err swdf_target_reset(swdf_target *target, swdf_reset_kind kind);

/* What the core does, as the debug registers show it without stopping it. */
typedef enum swdf_core_state {
  SWDF_CORE_UNKNOWN = 0,   /* the debug registers could not be read */
  SWDF_CORE_RUNNING = 1,   /* executing instructions (DHCSR.S_RETIRE_ST) */
  SWDF_CORE_SLEEPING = 2,  /* waiting for an interrupt or event (WFI/WFE, S_SLEEP) */
  SWDF_CORE_HALTED = 3,    /* stopped in debug state (S_HALT) */
  SWDF_CORE_LOCKED_UP = 4, /* locked up (S_LOCKUP): no valid vector table (erased
                              flash) or a fault inside a fault handler */
  SWDF_CORE_FAULT = 5,     /* executing, but inside a fault handler (ICSR.VECTACTIVE:
                              HardFault, MemManage, BusFault, UsageFault or NMI) */
  SWDF_CORE_IN_RESET = 6,  /* still held in reset */
  SWDF_CORE_STALLED = 7,   /* neither executing nor sleeping, halted or locked up */
} swdf_core_state;

/* "unknown", "running", "sleeping", "halted", "locked up", "in a fault handler",
 * "in reset", "stalled". */
SWDF_API const char *swdf_core_state_name(swdf_core_state state);

typedef struct swdf_reset_result {
  size_t size;               /* sizeof(swdf_reset_result): SWDF_RESET_RESULT_INIT */
  swdf_reset_kind requested;
  swdf_reset_kind done;      /* the reset done: SOFT when HARD fell back */
  int fell_back;             /* 1: a hard reset was asked, a software reset done */
  char why[200];             /* why it fell back, in words, or "" */
  swdf_core_state core;      /* what the core did after the reset */
  uint32_t dhcsr;            /* DHCSR as last sampled (status bits) */
  uint32_t exception;        /* active exception (ICSR.VECTACTIVE) while running; 0 = none */
  char core_text[200];       /* the core state in words, with what it means */
} swdf_reset_result;

#define SWDF_RESET_RESULT_INIT {.size = sizeof(swdf_reset_result)}

/*
 * Reset like swdf_target_reset() and report, in `out` (may be NULL), the
 * reset that was done (and why a hard reset fell back to a software one)
 * and the state the core reached afterwards. The core is observed without
 * stopping it: DHCSR is sampled twice a few milliseconds apart (did it
 * retire instructions in between, is it sleeping, locked up, halted) and
 * ICSR shows whether it runs inside a fault handler. The result is filled
 * also when the reset itself failed after being started.
 */
SWDF_API swdf_err swdf_target_reset_ext(swdf_reset_result *out, swdf_target *target,
                                        swdf_reset_kind kind);

#ifdef __cplusplus
}
#endif

#endif
