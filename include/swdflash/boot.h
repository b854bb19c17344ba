/*
 * What the chip will boot: the vector tables at the flash base and at the
 * usual application offsets, checked for plausibility, and the firmware
 * they belong to recognised by documented signatures (Katapult/CanBoot,
 * Klipper, the stm32duino/Maple bootloader, an erased flash), together with
 * the boot source the chip uses now (main flash, the ST ROM bootloader in
 * system memory, SRAM).
 * Included by <swdflash/swdflash.h>; do not include directly.
 */
#ifndef SWDFLASH_BOOT_H
#define SWDFLASH_BOOT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum swdf_boot_source {
  SWDF_BOOT_UNKNOWN = 0,
  SWDF_BOOT_FLASH = 1,  /* main flash: the program at the flash base runs */
  SWDF_BOOT_SYSTEM = 2, /* system memory: the ST ROM bootloader runs */
  SWDF_BOOT_SRAM = 3,   /* embedded SRAM */
} swdf_boot_source;

/* "main flash", "system memory (ST ROM bootloader)", "SRAM", "unknown". */
SWDF_API const char *swdf_boot_source_name(swdf_boot_source source);

/* One program (or erased area) found in the flash. */
typedef struct swdf_boot_image {
  uint32_t addr;          /* where its vector table is */
  uint32_t size;          /* bytes up to its last programmed byte */
  uint32_t initial_sp;    /* vector 0 */
  uint32_t reset_vector;  /* vector 1 */
  int plausible;          /* 1 when the core starts it and it runs from where it is: initial SP
                             inside the RAM, reset handler a Thumb address in the flash, and
                             its handlers say it was linked for this address */
  char problem[160];      /* why it is not plausible, in words ("" when it is) */
  char kind[16];          /* "katapult", "canboot", "klipper", "stm32duino", "maple",
                             "erased", "unknown" (a program we do not recognise), "invalid",
                             "st-rom" (the ROM bootloader, listed when the chip boots it) */
  char name[48];          /* "Katapult bootloader", "Klipper firmware", ... */
  int is_bootloader;      /* 1 for bootloaders that start an application further on */
  char version[48];       /* version found in the image, or "" */
  char mcu[24];           /* the chip it was built for ("stm32f446xx"), or "" */
  char evidence[320];     /* the signatures found and where */
} swdf_boot_image;

enum { SWDF_BOOT_MAX_IMAGES = 8 };

/* What the checks found about one image beyond its first two vectors. */
typedef struct swdf_boot_detail {
  uint32_t linked_for;    /* the address its vector table was linked for (its handlers point
                             into the image only from there); 0 when not known */
  uint32_t app_addr;      /* a bootloader: the address of the application it starts; 0 when
                             it cannot be read from the bootloader */
  char app_addr_how[160]; /* how app_addr was read, or why it cannot be known */
  int mcu_match;          /* 1 built for this chip, 0 built for another MCU, -1 not known */
  int vectors;            /* entries in its vector table (2 to 16 checked) */
  char warning[200];      /* doubtful but not fatal, e.g. a short vector table; or "" */
} swdf_boot_detail;

typedef struct swdf_boot_report {
  size_t size;            /* sizeof(swdf_boot_report): SWDF_BOOT_REPORT_INIT */
  uint32_t base;          /* where the scan started (the flash base unless asked) */
  uint32_t flash_end;
  swdf_boot_source source; /* what the chip boots from now */
  char source_text[240];  /* how that was found out, in words */
  int base_ok;            /* 1 when a plausible program or bootloader is at `base` */
  size_t image_count;
  swdf_boot_image images[SWDF_BOOT_MAX_IMAGES]; /* images[0] is at `base`; the ST ROM
                                                    comes last when the chip boots it */
  char verdict[400];      /* whether and what the chip will boot, in plain words */
  /* Fields below were added after the first release: read them only when
   * `size` covers them. */
  int runs;               /* 1 when the chip will start firmware that runs: each program on the
                             way from reset was linked for where it is, is where the bootloader
                             before it jumps, and was built for this chip (when that is known) */
  swdf_boot_detail details[SWDF_BOOT_MAX_IMAGES]; /* details[i] goes with images[i] */
} swdf_boot_report;

#define SWDF_BOOT_REPORT_INIT {.size = sizeof(swdf_boot_report)}

typedef struct swdf_boot_check_opts {
  size_t size;            /* sizeof(swdf_boot_check_opts); set by SWDF_BOOT_CHECK_OPTS_INIT */
  int has_base;           /* 1: scan from `base` instead of the flash base */
  uint32_t base;
} swdf_boot_check_opts;

#define SWDF_BOOT_CHECK_OPTS_INIT {sizeof(swdf_boot_check_opts), 0, 0}

/*
 * Check what the connected chip will boot. Reads the boot source and the
 * vector tables at the base and at the usual application offsets (2, 4, 8,
 * 16, 20, 28, 32, 34, 48, 64 and 128 KiB) and judges them as the core
 * does: a program starts when its initial stack pointer lies in the RAM
 * and its reset handler is a Thumb address in the flash (a table of only
 * those two words is enough; a short table is a warning). Each program is
 * then judged against the address its handlers say it was linked for
 * (details[].linked_for), a bootloader against the application address
 * built into it (details[].app_addr, read from Katapult/CanBoot and the
 * STM32duino bootloader, or said to be unknown in app_addr_how), and each
 * image against the MCU it names (details[].mcu_match). `runs` and the
 * verdict follow the way from reset. Firmware is recognised by its
 * signatures. Reads only what it needs. `opts` may be NULL. A base outside
 * the flash fails with SWDF_ERR_INVALID_ARG; under read protection the call
 * fails with SWDF_ERR_READ_PROTECTED (the flash cannot be read).
 */
SWDF_API swdf_err swdf_boot_check(swdf_boot_report *out, swdf_target *target,
                                  const swdf_boot_check_opts *opts);

/*
 * Only the boot source: which memory the chip booted from at its last
 * reset, told by comparing what address 0 shows (where the boot memory is
 * aliased) with the flash, the system memory and the SRAM. `why` (may be
 * NULL) gets how that was found out, in words.
 */
SWDF_API swdf_err swdf_boot_source_detect(swdf_boot_source *out, char *why, size_t why_len,
                                          swdf_target *target);

/* Describes a chip's memory for swdf_boot_check_buffer. */
typedef struct swdf_boot_memory {
  size_t size;            /* sizeof(swdf_boot_memory); set by SWDF_BOOT_MEMORY_INIT */
  uint32_t flash_base;
  uint32_t flash_size;
  uint32_t ram_base;
  uint32_t ram_size;
  const char *chip_name;  /* "STM32F446xC/E", to check the MCU each image was built for; NULL:
                             not checked (added later: read only when `size` covers it) */
} swdf_boot_memory;

/* An STM32 with flash at 0x08000000 and SRAM at 0x20000000; set the sizes. */
#define SWDF_BOOT_MEMORY_INIT {sizeof(swdf_boot_memory), 0x08000000u, 0, 0x20000000u, 0, NULL}

/*
 * The same checks on flash contents held in memory (e.g. an image file
 * before writing it): `data` holds `len` bytes of flash from
 * `mem->flash_base`; the rest of the flash counts as erased. The boot
 * source is reported as unknown.
 */
SWDF_API swdf_err swdf_boot_check_buffer(swdf_boot_report *out, swdf_ctx *ctx, const void *data,
                                         size_t len, const swdf_boot_memory *mem);

/*
 * Judge an image before writing it: what the chip in `mem` would boot if
 * its flash held only `image` (the rest erased), as swdf_boot_check_buffer
 * does. With `opts->has_base` the scan starts there (e.g. at the image's
 * own start, to learn whether it is a program and which address it was
 * linked for); else at the flash base. Fails with SWDF_ERR_RANGE when the
 * image does not lie inside the flash. Checks only: a judgement, not a
 * refusal; callers decide what to refuse.
 */
SWDF_API swdf_err swdf_boot_check_image(swdf_boot_report *out, swdf_ctx *ctx,
                                        const swdf_image *image, const swdf_boot_memory *mem,
                                        const swdf_boot_check_opts *opts);


/*
 * How the chip decides where to start, from its option bytes, and what
 * makes its ROM bootloader (ST system memory) reachable: the same answer
 * for every family, so a tool can say in plain words why DFU does not come
 * up and propose the option changes that fix it (AN2606 for the ROM
 * bootloader of each part, the reference manuals' boot chapter for the rest).
 */
typedef struct swdf_boot_config {
  size_t size;                          /* SWDF_BOOT_CONFIG_INIT */
  int pin_honoured;                     /* 1: the BOOT0 pin chooses at reset, 0: ignored */
  uint32_t boot_pin_low, boot_pin_high; /* address started with BOOT0 low / high (after options) */
  int rom_reachable;                    /* 1: some pin level (or an empty flash) starts system memory */
  int rom_has_dfu;                      /* 1: the ROM bootloader of this part offers USB DFU */
  int empty_check;                      /* 1: the boot decision uses the flash-empty check; 0 no; -1 n/a */
  char explain[480];                    /* plain words: what decides the boot, and why */
  size_t repair_count;                  /* option changes that make BOOT0 reach the ROM bootloader, or
                                           the flash program start again (starts_flash) */
  struct {
    char field[16];  /* option field name as swdf_options_set() takes it ("nBOOT_SEL") */
    char value[24];  /* its new value ("0") */
    char why[160];   /* plain words */
    int starts_flash; /* 1: with it BOOT0 low (as boards hold it) starts the program in flash,
                         so it is needed also when a new image is written; 0: it only makes
                         the ROM bootloader reachable */
  } repairs[4];
  char dfu_needs[240]; /* what the ROM DFU needs besides the boot choice (clock, cable, pins), or "" */
} swdf_boot_config;

#define SWDF_BOOT_CONFIG_INIT {.size = sizeof(swdf_boot_config)}

/*
 * Read the option bytes and describe the boot configuration of the chip.
 * Only the caller's `out->size` bytes are written. Fails with
 * SWDF_ERR_UNSUPPORTED when the library knows no boot rules for the chip's
 * family, SWDF_ERR_READ_PROTECTED or a link error when the options cannot be
 * read. Repairs are proposals: apply them with swdf_options_set() and
 * swdf_options_write().
 */
SWDF_API swdf_err swdf_boot_config_read(swdf_boot_config *out, swdf_target *target);

#ifdef __cplusplus
}
#endif

#endif
