/*
 * ST-Link probes and the target behind them.
 * Included by <swdflash/swdflash.h>; do not include directly.
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

/* What discovery learns about a probe without taking it over. */
typedef struct swdf_probe_info {
  size_t size;                  /* sizeof(swdf_probe_info); set by the library */
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
  int busy;                     /* 1 when another program holds the probe */
} swdf_probe_info;

/*
 * List the connected probes. `*out` becomes a newly allocated array of
 * `*count` entries (NULL when there are none), freed with
 * swdf_probe_list_free(). Probes in DFU or mass-storage mode are listed too;
 * their firmware and voltage are filled in when the probe answers.
 */
SWDF_API swdf_err swdf_probe_list(swdf_probe_info **out, size_t *count, swdf_ctx *ctx);
SWDF_API void swdf_probe_list_free(swdf_probe_info *list);

/*
 * Open a probe by serial number, or the only probe when `serial` is NULL.
 * Several probes and no serial fail with SWDF_ERR_PROBE_AMBIGUOUS and a
 * message listing them. A probe in DFU or mass-storage mode is switched to
 * debug mode. Close with swdf_probe_close().
 */
SWDF_API swdf_err swdf_probe_open(swdf_probe **out, swdf_ctx *ctx, const char *serial);
SWDF_API void swdf_probe_close(swdf_probe *probe);

/* Details of an open probe (kind, serial, firmware, voltage measured now). */
SWDF_API swdf_err swdf_probe_get_info(swdf_probe_info *out, swdf_probe *probe);

/* Drive the NRST line: 1 asserts reset (low), 0 releases it. */
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

typedef struct swdf_connect_opts {
  size_t size;
  swdf_connect_mode mode;
  uint32_t freq_khz; /* 0: the probe's default; else the fastest supported <= this */
} swdf_connect_opts;

#define SWDF_CONNECT_OPTS_INIT {sizeof(swdf_connect_opts), SWDF_CONNECT_AUTO, 0}

/*
 * Attach to the target over SWD and identify the chip. The target borrows
 * the probe: close the target before the probe.
 */
SWDF_API swdf_err swdf_target_connect(swdf_target **out, swdf_probe *probe,
                                      const swdf_connect_opts *opts);

/* Detach (leaving the core running unless it was halted by the caller). */
SWDF_API void swdf_target_disconnect(swdf_target *target);

/* ------------------------------------------------------------------------ */
/* Chip identity                                                            */
/* ------------------------------------------------------------------------ */

typedef struct swdf_chip_info {
  size_t size;
  char name[48];             /* "STM32F446xC/E" */
  char family[16];           /* "f4" (flash controller family) */
  char core[24];             /* "Cortex-M4F" */
  swdf_connect_mode connected_with; /* the mode that worked (never AUTO) */
  uint32_t freq_khz;         /* SWD clock in use */
  uint32_t dp_idcode;        /* SW-DP IDR */
  uint32_t cpuid;            /* Cortex-M CPUID */
  uint16_t dev_id;           /* DBGMCU_IDCODE[11:0] */
  uint16_t rev_id;           /* DBGMCU_IDCODE[31:16] */
  char revision[8];          /* "A", "Z", "Y", ... or "" */
  uint32_t flash_base;
  uint32_t flash_size;       /* from the flash size register, else the maximum */
  uint32_t ram_base;
  uint32_t ram_size;
  uint32_t unique_id[3];     /* 96-bit unique ID; zero when the part has none */
  int has_unique_id;
} swdf_chip_info;

SWDF_API swdf_err swdf_target_chip_info(swdf_chip_info *out, swdf_target *target);

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Read or write any memory with any length and alignment. The library picks
 * 8/16/32-bit accesses and splits at the probe's limits and the 1 KiB TAR
 * boundary. Flash is written by the flash API, not by swdf_mem_write.
 */
SWDF_API swdf_err swdf_mem_read(swdf_target *target, uint32_t addr, void *buf, size_t len);
SWDF_API swdf_err swdf_mem_write(swdf_target *target, uint32_t addr, const void *buf,
                                 size_t len);
SWDF_API swdf_err swdf_mem_read32(swdf_target *target, uint32_t addr, uint32_t *value);
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

SWDF_API swdf_err swdf_core_halt(swdf_target *target);
SWDF_API swdf_err swdf_core_run(swdf_target *target);
SWDF_API swdf_err swdf_core_step(swdf_target *target);
SWDF_API swdf_err swdf_core_is_halted(swdf_target *target, int *halted);
SWDF_API swdf_err swdf_core_reg_read(swdf_target *target, unsigned reg, uint32_t *value);
SWDF_API swdf_err swdf_core_reg_write(swdf_target *target, unsigned reg, uint32_t value);
SWDF_API swdf_err swdf_target_reset(swdf_target *target, swdf_reset_kind kind);

#ifdef __cplusplus
}
#endif

#endif
