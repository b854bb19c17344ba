/*
 * swdsim target side: internal interfaces between the files of tests/sim/target.
 *
 *   chips.c     chip and family data (IDs, memory map, sector tables)
 *   target.c    sim_target_*: time, events, resets, power, scenarios, faults
 *   dp.c        SW-DP and AHB-AP (the wire-level entry points)
 *   bus.c       the memory bus shared by the debugger and the CPU
 *   periph.c    RCC (clock tree), DBGMCU, GPIO/AFIO
 *   board.c     TIM2/TIM5, IWDG, PWR ready bits: what firmware waits on and keeps time with
 *   nvic.c      exceptions and interrupts (NVIC, SysTick, entry, return, faults)
 *   scs.c       Cortex-M system control and debug: DHCSR, DCRSR, DEMCR, FPB...
 *   core.c      the CPU: Unicorn, cycle accounting, idle skipping, exceptions
 *   flash.c     program/erase operations shared by the flash controllers
 *   flash_f1.c  STM32F1 FPEC and option bytes (PM0075), and the F0/F3 variants (RM0091, RM0316)
 *   flash_f4.c  STM32F4 flash interface and OPTCR (RM0090/RM0390)
 *   flash_g0.c  STM32G0 flash interface, option bytes and boot (RM0444)
 *   flash_h7.c  STM32H7 flash interface per bank and option bytes (RM0433/RM0468)
 *   state.c     the persistent chip state file
 *   state_tool.c  `swdsim state init|dump|show|power-cycle`
 *   board_state.c  the powered board (core, RAM, peripherals) kept between sessions
 *   boot_tool.c `swdsim state boot`: run the board without a debugger, say where it is
 *   thumb.c     the little Thumb decoding the idle detector needs
 */
#ifndef SWDSIM_TARGET_H
#define SWDSIM_TARGET_H

#include "sim.h"

#include <stdio.h>
#include <unicorn/unicorn.h>

#define KIB(x) ((uint32_t)(x) * 1024u)
/* The flash unlock keys of every STM32 FPEC (PM0075, RM0090) */
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define SIM_MS(x) ((sim_ns)(x) * 1000000u)

typedef struct sim_target sim_target;

/* ---------------------------------------------------------------------- */
/* Chips                                                                   */
/* ---------------------------------------------------------------------- */

typedef enum sim_family_id { SIM_FAMILY_F1, SIM_FAMILY_F4, SIM_FAMILY_H7, SIM_FAMILY_G0 } sim_family_id;

typedef struct flash_family flash_family;

/* What is common to every chip of a family: addresses and the controller. */
enum { SIM_PERIPH_WINDOWS = 6, SIM_MAX_RAMS = 8 };

typedef struct sim_family {
  sim_family_id id;
  const char *name;
  uint32_t hsi_hz;
  uint32_t sysmem_base; /* ROM bootloader, OTP and device signature, read-only */
  uint32_t sysmem_size;
  uint32_t rom_size;    /* the bootloader part at the start of sysmem */
  uint32_t flash_size_reg, uid_reg;
  uint32_t option_base, option_size; /* memory image of the option bytes */
  uint32_t flash_regs, rcc, gpioa, afio; /* afio: 0 where there is none */
  uint32_t periph_windows[SIM_PERIPH_WINDOWS][2]; /* [base, end) ranges of peripheral space */
  const flash_family *flash;
  /* H7: no memory is aliased at 0; the core takes its vector table from the
   * boot address of the option bytes (RM0433 §2.6). */
  bool boot_by_address;
  uint32_t dbgmcu;      /* DBGMCU on the system bus; 0: in the PPB at 0xE0042000 */
  uint32_t iwdg;        /* IWDG key register block */
  uint32_t rcc_csr;     /* byte offset of the RCC reset-flag register (0: the F1/F4 one) */
  /* DBGMCU_APB1_FZ/APB2_FZ at +8/+0xC. The family id SIM_FAMILY_F1 stands
   * for the F1-style controller and clock tree, shared by the F0 and F3,
   * whose debug unit has these freeze registers (RM0091 §32.9, RM0316
   * §33.15). */
  bool apb_freeze;
} sim_family;

/* A RAM besides the SRAM at 0x20000000 (H7: ITCM, AXI, D2 and D3 SRAMs).
 * A gated RAM answers a bus error while its RCC enable bit is clear. */
typedef struct sim_ram {
  const char *name;
  uint32_t base, size;
  uint16_t gate_reg; /* byte offset in the RCC; 0 = always clocked */
  uint8_t gate_bit;
} sim_ram;

typedef struct sim_chip {
  const char *name;
  const char *description;
  const sim_family *family;
  uint32_t dpidr, cpuid, idcode;
  uint32_t flash_size;
  uint32_t page_size;          /* F1: erase page */
  uint32_t wrp_pages_per_bit;  /* F1 */
  const uint16_t *sector_kib;  /* F4: sector sizes in KiB, in address order */
  uint8_t sector_count;
  uint8_t bank2_first_sector;  /* F4 dual bank: first sector of bank 2; 0 = single bank */
  uint8_t snb_bits;            /* F4: width of FLASH_CR.SNB */
  uint32_t sram_size;          /* at 0x20000000 */
  uint32_t ccm_size;           /* at 0x10000000, data only */
  uint32_t hse_hz;             /* crystal on the usual boards */
  uint32_t optcr_reserved1;    /* F4: OPTCR bits that read as 1 but hold nothing */
  bool has_fpu, has_sprmod, has_db1m, has_optcr1;
  bool armv6m;                 /* Cortex-M0+: ARMv6-M, Thumb-1 plus BL/MSR/MRS/barriers */
  bool dual_bank;              /* G0B1: OPTR.DUAL_BANK splits the flash in two banks */
  bool boot_sel;               /* F04x/F09x: BOOT_SEL, nBOOT0 and the empty check (RM0091 §2.5) */
  const sim_ram *rams;         /* H7: further RAMs, ram_count of them */
  uint8_t ram_count;
  uint32_t bank_size;          /* H7: bytes per bank; bank 2 follows bank 1 */
  uint32_t sysmem_vectors;     /* H7: offset of the ROM bootloader's vector table */
  bool is_h72x;                /* H7: RM0468 part (single bank, OPTSR2, no MER) */
  bool is_m7;                  /* Cortex-M7 core */
} sim_chip;

const sim_chip *sim_chip_find(const char *name);

/* F4 sector geometry. */
typedef struct sim_sector {
  uint32_t offset, size;
  uint8_t snb;  /* value of FLASH_CR.SNB that selects it */
  uint8_t bank; /* 0 or 1 */
} sim_sector;
bool sim_chip_sector(const sim_chip *chip, unsigned index, sim_sector *out);
int sim_chip_sector_by_snb(const sim_chip *chip, unsigned snb);
int sim_chip_sector_at(const sim_chip *chip, uint32_t offset);
/* Erase units in address order: F1 pages, F4 sectors. */
bool sim_chip_erase_unit(const sim_chip *chip, unsigned index, uint32_t *offset, uint32_t *size);

/* ---------------------------------------------------------------------- */
/* Persistent state (state.c)                                              */
/* ---------------------------------------------------------------------- */

/* Room for the largest option image of a family (G0: 0x1FFF7800, 128 bytes);
 * each family uses the first bytes in its own format. */
enum { SIM_OPTIONS_SIZE = 128 };

typedef struct sim_chip_state {
  uint8_t *flash;                     /* chip->flash_size bytes, page aligned */
  uint8_t options[SIM_OPTIONS_SIZE];  /* option bytes as programmed */
  uint8_t loaded[SIM_OPTIONS_SIZE];   /* option bytes latched at the last reset */
  uint8_t uid[12];
  uint8_t *ecc;          /* H7: one byte per 32-byte flash word, ECC_* below; NULL elsewhere */
  bool powered;          /* the board was left powered by the last session */
  bool rdp2_locked;      /* RDP level 2 became effective: the DP is gone for good */
  bool debugger_latched; /* a debugger was seen since power-on (RDP rules) */
  bool boot0, boot1;     /* pin levels */
  bool flash_empty;      /* G0 FLASH_ACR.EMPTY: set by the option loader, kept by system resets */
  bool boot0_at_debug;   /* BOOT0 pin level when the debugger was first seen since power-on */
} sim_chip_state;

/* What the ECC of a flash word says (H7: a word programmed twice). */
enum { ECC_GOOD = 0, ECC_SINGLE = 1, ECC_DOUBLE = 2, SIM_ECC_WORD = 32 };
static inline uint32_t sim_ecc_bytes(const sim_chip *chip)
{
  return chip->family->id == SIM_FAMILY_H7 ? chip->flash_size / SIM_ECC_WORD : 0;
}

/* Allocate an erased state for `chip` (factory option bytes). */
bool sim_state_init_fresh(sim_chip_state *st, const sim_chip *chip);
void sim_state_release(sim_chip_state *st);
/* Load `path` into a fresh state; the chip name stored in the file is
 * returned in `chip_out`. Returns false with a message. */
bool sim_state_load(const char *path, sim_chip_state *st, const sim_chip **chip_out, char *err,
                    size_t err_len);
bool sim_state_store(const char *path, const sim_chip_state *st, const sim_chip *chip, char *err,
                     size_t err_len);

/* ---------------------------------------------------------------------- */
/* Memory bus                                                              */
/* ---------------------------------------------------------------------- */

typedef enum bus_status {
  BUS_OK,
  BUS_ERROR, /* AHB error: FAULT to the debugger, HardFault to the CPU */
  BUS_BUSY,  /* the flash is busy: WAIT to the debugger, a stall to the CPU */
} bus_status;

typedef enum bus_master { MASTER_DEBUG, MASTER_CPU } bus_master;

typedef enum region_kind {
  REGION_SRAM,
  REGION_CCM,
  REGION_FLASH,
  REGION_ALIAS, /* boot memory at 0: flash, system memory or SRAM */
  REGION_SYSMEM,
  REGION_OPTIONS,
  REGION_PERIPH,
  REGION_PPB,
  REGION_RAM, /* one of chip->rams */
} region_kind;

typedef struct sim_region {
  region_kind kind;
  uint32_t base, size;
  uint8_t *ram;        /* host memory for RAM-like regions */
  sim_target *target;  /* for the Unicorn MMIO callbacks */
  const sim_ram *info; /* REGION_RAM: name and clock gate */
} sim_region;

enum { SIM_MAX_REGIONS = 24 };

bool bus_setup(sim_target *t, char *err, size_t err_len);
void bus_teardown(sim_target *t);
/* `size` is 1, 2 or 4; `addr` is aligned to it. */
bus_status bus_read(sim_target *t, bus_master m, uint32_t addr, unsigned size, uint32_t *value);
bus_status bus_write(sim_target *t, bus_master m, uint32_t addr, unsigned size, uint32_t value);
const sim_region *bus_region(const sim_target *t, uint32_t addr);
/* Host pointer for `len` bytes of RAM-backed memory at `addr`, NULL if not. */
uint8_t *bus_ram_ptr(sim_target *t, uint32_t addr, uint32_t len);
/* What address 0 shows, from the boot pins sampled at the last reset. */
region_kind bus_boot_target(const sim_target *t);
/* Where the core fetches its vector table at reset: 0 on the chips with a
 * boot alias, the boot address of the option bytes on the H7. */
uint32_t bus_boot_address(const sim_target *t);
void bus_remap_boot(sim_target *t);
void bus_flash_changed(sim_target *t, uint32_t offset, uint32_t len);
void bus_fill_sysmem(const sim_chip *chip, const sim_chip_state *st, uint8_t *buf);

/* CoreSight identification registers (offsets 0xFD0-0xFFC of a 4 KiB block). */
uint32_t coresight_id(uint32_t block_base, uint32_t offset, const sim_chip *chip);

/* ---------------------------------------------------------------------- */
/* Peripherals (periph.c)                                                  */
/* ---------------------------------------------------------------------- */

typedef enum reset_cause {
  RESET_POWER,
  RESET_PIN,
  RESET_SOFTWARE,
  RESET_OPTION_LOAD, /* G0 FLASH_CR.OBL_LAUNCH: option bytes reloaded, then a system reset */
  RESET_IWDG,        /* the independent watchdog ran out */
} reset_cause;

/* A general-purpose timer (board.c), counted from an anchor. */
enum { SIM_TIMERS = 2 }; /* TIM2, TIM5 */
typedef struct sim_timer {
  uint32_t regs[0x54 / 4]; /* CR1 ... OR, word indexed */
  uint32_t psc_active;     /* the prescaler in use (PSC is preloaded) */
  uint64_t cnt0;           /* the counter at `anchor` */
  sim_ns anchor;
  uint64_t hz;             /* counter ticks per second; 0: stopped or frozen */
  uint64_t seen;           /* ticks since the anchor whose events are flagged */
} sim_timer;

typedef struct sim_periph {
  uint32_t rcc[64];        /* RCC registers, word indexed */
  uint32_t dbgmcu_cr, dbgmcu_apb1, dbgmcu_apb2;
  uint32_t dbgmcu_h7[32];  /* H7 DBGMCU registers past CR (freeze bits), word indexed */
  uint32_t gpio[11][10];   /* GPIOA.. (F1: CRL CRH IDR ODR BSRR BRR LCKR; F4: 10 regs) */
  uint32_t afio[8];
  uint32_t iwdg[4];
  bool iwdg_started, iwdg_unlocked;
  sim_ns iwdg_left, iwdg_seen; /* time to the watchdog reset, counted up to iwdg_seen */
  sim_timer tim[SIM_TIMERS];
  uint32_t pwr[32];        /* PWR registers, word indexed */
  sim_ns vosf_until;       /* G0: PWR_SR2.VOSF reads 1 until then */
  bool supply_configured;  /* H7: PWR_CR3 written since power-on */
  uint32_t supply_cr3;
  bool swd_pins_off;       /* the firmware reassigned PA13/PA14 */
  uint8_t *stub;           /* plain storage for the other peripheral registers */
  uint32_t stub_size;
} sim_periph;

void periph_reset(sim_target *t, reset_cause cause);
void periph_power_on(sim_target *t);
/* Word-aligned register access; `mask` selects the byte lanes written. */
bus_status periph_read(sim_target *t, uint32_t addr, uint32_t *value);
bus_status periph_write(sim_target *t, bus_master m, uint32_t addr, uint32_t value,
                        uint32_t mask);
uint32_t periph_core_hz(const sim_target *t);

/* board.c: TIM2/TIM5, IWDG, PWR */
void board_reset(sim_target *t);
void board_power_on(sim_target *t);
void board_clock_changed(sim_target *t);
/* Whether anything here counts time (else update and next event are no-ops). */
bool board_busy(const sim_target *t);
/* Flags, interrupts and the watchdog up to t->now; the next event. */
void board_update(sim_target *t);
sim_ns board_next_event(const sim_target *t);
bool board_read(sim_target *t, uint32_t addr, uint32_t *value);
bool board_write(sim_target *t, uint32_t addr, uint32_t value, uint32_t mask);
bus_status dbgmcu_read(sim_target *t, uint32_t off, uint32_t *value);
bus_status dbgmcu_write(sim_target *t, uint32_t off, uint32_t value);

/* ---------------------------------------------------------------------- */
/* Flash controllers (flash.c, flash_f1.c, flash_f4.c)                     */
/* ---------------------------------------------------------------------- */

typedef enum flash_op_kind {
  FLASH_OP_NONE,
  FLASH_OP_PROGRAM, /* AND `len` bytes of `data` into the array at `offset` */
  FLASH_OP_ERASE,   /* set [offset, offset + len) to 0xFF */
  FLASH_OP_OPTIONS, /* family-specific option change, optionally after a full erase */
} flash_op_kind;

typedef struct flash_op {
  flash_op_kind kind;
  sim_ns start, end;
  uint32_t offset, len;
  uint32_t data;
  uint8_t bytes[32];    /* program data when len > 4 (H7 flash word) */
  uint8_t bank;         /* H7: the bank whose controller runs it */
  bool erase_all_first; /* RDP regression: the whole array is erased first */
  bool power_loss;      /* the supply fails half-way through */
} flash_op;

/* Where the core starts after a reset, and why. */
typedef enum sim_boot_area {
  BOOT_FLASH,   /* main flash */
  BOOT_SYSMEM,  /* system memory: the ROM bootloader */
  BOOT_SRAM,    /* embedded SRAM */
  BOOT_NOTHING, /* an address where no memory answers: the core locks up */
} sim_boot_area;

typedef struct sim_boot {
  sim_boot_area area;
  uint32_t address;  /* where the vector table is read */
  char reason[512];  /* the pins and option bits that decided, in reference-manual words */
} sim_boot;

const char *sim_boot_area_name(sim_boot_area area); /* "flash", "system-memory", ... */
/* The family's boot() (flash_family below), or the main flash where a
 * family has none yet. */
void sim_chip_boot(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out);

typedef struct option_field {
  const char *name; /* reference-manual field name in lower case */
  uint32_t value;
  const char *text; /* the meaning in words, or NULL */
} option_field;

typedef struct sim_flash {
  flash_op op;
  flash_op op2;             /* H7: bank 2 runs its own operations alongside */
  uint32_t acr, sr, cr, ar; /* family registers */
  uint32_t optcr, optcr1;   /* F4 option control registers */
  uint8_t key_stage, optkey_stage;
  bool key_lockout;         /* wrong KEYR sequence: locked until reset */
  bool optkey_lockout;
  uint8_t pending_options[SIM_OPTIONS_SIZE]; /* what a running option op writes */
  uint64_t op_count;        /* program/erase operations started (fault injection) */
  /* G0: option registers as software wrote them (programmed by OPTSTRT), the
   * first word of a double word waiting for its second, fast programming */
  uint32_t opt_regs[16];
  uint32_t half_word0, half_offset;
  bool half_pending;
  uint32_t fast_offset, fast_count;
  sim_ns fast_last;
  int32_t last_erased_page; /* page offset of the last page erase, -2 after a mass erase */
  bool debug_disabled;      /* G0 FLASH_ACR.DBG_SWEN = 0: the SW-DP does not answer */
  struct sim_h7_bank {      /* H7 per-bank registers and write buffer */
    uint32_t cr, sr, crc[4], ecc_fa;
    uint8_t key_stage;
    bool key_lockout;
    uint8_t wbuf[32];
    uint32_t wmask, wword;  /* bytes written, flash-word index in the array */
  } h7[2];
  uint32_t optsr_prg, boot_prg, prar_prg[2], scar_prg[2], wpsn_prg[2], optsr2_prg;
  bool optchangeerr;
  bool regression_pending;  /* H7: the running option change is an RDP 1 -> 0 regression */
  uint8_t starting_bank;    /* H7: the bank whose operation flash_start_bank() starts */
  uint32_t noise;           /* deterministic garbage for power loss */
} sim_flash;

struct flash_family {
  /* System reset: registers to reset values, option bytes latched. */
  void (*reset)(sim_target *t);
  bus_status (*reg_read)(sim_target *t, uint32_t off, uint32_t *value);
  /* `off` is word aligned; `mask` selects the byte lanes written. */
  bus_status (*reg_write)(sim_target *t, bus_master m, uint32_t off, uint32_t value,
                          uint32_t mask);
  /* A write to the flash array (or its alias) from either master, while
   * no operation is running (the bus stalls the writer until then). */
  bus_status (*array_write)(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                            uint32_t value);
  bus_status (*option_write)(sim_target *t, bus_master m, uint32_t addr, unsigned size,
                             uint32_t value);
  /* End of an operation: status flags, and the option bytes of an option op. */
  void (*op_done)(sim_target *t, const flash_op *op);
  /* Called when a flash-error fault hits an operation. */
  void (*op_failed)(sim_target *t);
  /* Protection, from an option image (programmed or latched). */
  int (*rdp_level)(const uint8_t opts[SIM_OPTIONS_SIZE]);
  bool (*offset_protected)(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                           uint32_t offset);
  /* State tool support. */
  void (*factory_options)(uint8_t opts[SIM_OPTIONS_SIZE]);
  /* The memory image of the option bytes at `base` (16 bytes); false if
   * there is none at that address. */
  bool (*option_image)(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE], uint32_t base,
                       uint8_t out[SIM_OPTIONS_SIZE]);
  bool (*set_option)(const sim_chip *chip, uint8_t opts[SIM_OPTIONS_SIZE], const char *name,
                     uint32_t value, char *err, size_t err_len);
  /* The option fields in reference-manual words; returns how many. */
  int (*decode)(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE], option_field *out,
                int max);
  const char *option_names; /* for --help */
  /* G0: the option loader runs at power-on and OBL_LAUNCH only, not at every
   * system reset; option_load() then evaluates what it latches (EMPTY). */
  bool option_load_at_power_on;
  void (*option_load)(sim_target *t);
  /* The boot decision at the next reset: a power-on reset (option bytes and,
   * where the family has one, the empty check loaded again) or a system
   * reset (what is latched in `st` stays). */
  void (*boot)(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out);
  /* Optional: a debugger read of the array (ECC, PCROP); NULL = plain read. */
  bus_status (*array_read)(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                           uint32_t *value);
  /* Timing model figures at the fastest setting the chip allows at 3.3 V
   * (`swdsim limit`): the program unit and time, the whole-array erase. */
  void (*costs)(const sim_chip *chip, sim_flash_costs *out);
  /* Erase time of one erase unit of `size` bytes at that setting. */
  sim_ns (*unit_erase_ns)(uint32_t size);
};

extern const flash_family sim_flash_f1;
/* The F1-style controller of the F0 and F3 (flash_f1.c). */
extern const flash_family sim_flash_f0;
extern const flash_family sim_flash_f3;
extern const flash_family sim_flash_f4;
extern const flash_family sim_flash_g0;
/* Apply the G0 scenarios of t->scen to the state before the session starts. */
void flash_g0_scenarios(sim_target *t);
extern const flash_family sim_flash_h7;
/* H7: set BOOT_ADD0 (address bits 31:16) in an option image. */
void h7_set_boot_add0(uint8_t opts[SIM_OPTIONS_SIZE], uint16_t value);

/* Advance the current operation to the target's present time. */
void flash_update(sim_target *t);
bool flash_busy(sim_target *t);
/* Busy for an access at `offset` of the array: on the H7 only the bank's own
 * operation (or an option change) stalls it. */
bool flash_busy_at(sim_target *t, uint32_t offset);
bool flash_bank_busy(sim_target *t, int bank);
sim_ns flash_next_event(const sim_target *t);
/* Start an operation lasting `duration`. Returns false when a flash-error
 * fault hits it (nothing was started and op_failed() was called). */
bool flash_start(sim_target *t, const flash_op *op, sim_ns duration, uint64_t program_units,
                 uint64_t erase_units, bool mass);
/* The same in the slot of op->bank (H7). */
bool flash_start_bank(sim_target *t, const flash_op *op, sim_ns duration, uint64_t program_units,
                      uint64_t erase_units, bool mass);
/* Complete an operation at once (reset, end of session). */
void flash_finish_now(sim_target *t);
/* Debug-visible read protection of the main array. */
bool flash_read_blocked(const sim_target *t, bus_master m);
/* Program/erase forbidden by RDP for the current master (debugger attached). */
bool flash_rdp_blocks_writes(const sim_target *t);
int flash_loaded_rdp(const sim_target *t);
/* One write to a two-key unlock register (key1, then key2). */
typedef enum key_result { KEY_MORE, KEY_UNLOCKED, KEY_WRONG } key_result;
key_result flash_key_write(uint8_t *stage, uint32_t value, uint32_t key1, uint32_t key2);

/* ---------------------------------------------------------------------- */
/* Cortex-M core (core.c, scs.c)                                           */
/* ---------------------------------------------------------------------- */

typedef enum core_state {
  CORE_RUNNING,
  CORE_HALTED,
  CORE_SLEEPING, /* WFI/WFE: nothing wakes it but a debug halt or a reset */
  CORE_LOCKUP,
  CORE_IN_RESET, /* NRST held */
} core_state;

enum {
  DFSR_HALTED = 1u << 0,
  DFSR_BKPT = 1u << 1,
  DFSR_DWTTRAP = 1u << 2,
  DFSR_VCATCH = 1u << 3,
  DFSR_EXTERNAL = 1u << 4,
};

typedef struct spin_detect {
  uint32_t head;        /* target of the taken branch being watched */
  uint32_t visits, next_check, backoff;
  bool have_snap, clean;
  uint64_t snap_cycles;
  uint32_t regs[17];
} spin_detect;

/* SysTick, counted from an anchor (nvic.c). */
typedef struct sim_systick {
  uint32_t ctrl, load; /* CSR (ENABLE, TICKINT, CLKSOURCE, COUNTFLAG), RVR */
  uint32_t val0;       /* the counter at `anchor` */
  sim_ns anchor;
  uint32_t hz;         /* ticks per second since the anchor */
  uint64_t seen;       /* arrivals at 0 since the anchor already counted */
} sim_systick;

enum { SIM_EXC_MAX = 16 + 160 };

/* Exception state (nvic.c), reset by a system reset. */
typedef struct sim_nvic {
  uint8_t prio[SIM_EXC_MAX]; /* priority registers (implemented bits only) */
  bool enabled[SIM_EXC_MAX], pending[SIM_EXC_MAX], active[SIM_EXC_MAX];
  bool event;                /* the WFE event register */
  sim_systick systick;
} sim_nvic;

typedef struct sim_core {
  uc_engine *uc;
  core_state state;
  /* debug registers (reset by power-on only) */
  uint32_t dhcsr_ctrl; /* C_DEBUGEN, C_HALT, C_STEP, C_MASKINTS, C_SNAPSTALL */
  bool s_retire, s_reset_st;
  uint32_t dfsr, demcr, dcrdr;
  uint32_t fp_ctrl, fp_remap, fp_comp[8];
  uint32_t dwt[32];
  uint64_t dwt_cyccnt_base;
  /* system control block (reset by system reset) */
  uint32_t vtor, scr, ccr, shcsr, cfsr, hfsr, mmfar, bfar, cpacr, aircr_prigroup;
  /* Cortex-M7 level-1 caches (Arm DDI 0489 section 5): CSSELR, whether the
   * D-cache holds dirty lines (from the moment DC is set), and how many
   * set/way clean operations (DCCISW) have been made since. */
  uint32_t csselr, dccisw_count;
  bool dcache_dirty;
  sim_nvic nvic;
  uint32_t scs_store[0x400 / 4]; /* plain storage for the SCS registers not modelled */
  uint32_t fpccr;
  uint32_t components[3][1024]; /* ITM, TPIU, ETM register storage */
  uint32_t breakpoints[16];     /* addresses the FPB halts at (derived) */
  int breakpoint_count;
  int reset_request;            /* from the CPU: 1 system reset, 2 core reset, 3 option load */
  bool vc_pending; /* VC_CORERESET caught: halt before the first instruction */
  /* running */
  uint32_t hz;
  bool epoch_valid;
  sim_ns epoch;          /* time at which total_cycles was epoch_cycles */
  uint64_t epoch_cycles;
  uint64_t total_cycles; /* since power-on, including idle-skipped ones */
  uint64_t run_budget;   /* total_cycles at which the current run stops */
  sim_ns run_until;
  bool in_run, expect_valid, stop_pending, sleep_request, svc_request, stepping;
  bool sleep_wfe;        /* the core sleeps in WFE (else WFI) */
  uint64_t dwt_cyccnt_frozen; /* CYCCNT while DWT_CTRL.CYCCNTENA is clear */
  uint32_t halt_request; /* DFSR reason */
  uint32_t expect_pc, sleep_pc;
  int fault_pending;     /* exception number to take after the run, 0 = none */
  uint32_t fault_cfsr, fault_hfsr, fault_addr;
  uint32_t exc_return;   /* EXC_RETURN value of a pending exception return */
  bool flash_code_cached; /* code from the flash may sit in Unicorn's cache */
  /* where instructions were last fetched from */
  uint32_t code_lo, code_hi;
  const uint8_t *code_ptr;
  /* deferred undo of a CPU store into the flash array */
  uint8_t *restore_ptr;
  uint8_t restore_bytes[8];
  unsigned restore_len;
  spin_detect spin;
  uint64_t idle_skipped_cycles;
  bool firmware_interrupted; /* a debug halt took control since the reset */
  uc_hook hooks[8];
} sim_core;

bool core_setup(sim_target *t, char *err, size_t err_len);
void core_teardown(sim_target *t);
bool core_map_ram(sim_target *t, uint32_t base, uint32_t size, uint8_t *ptr, uint32_t perms);
bool core_map_mmio(sim_target *t, sim_region *r);
void core_unmap(sim_target *t, uint32_t base, uint32_t size);
void core_flush_code(sim_target *t, uint32_t addr, uint32_t len);
/* Run the CPU (state RUNNING) until `until` or until it stops. */
void core_run(sim_target *t, sim_ns until);
/* Current time as seen by the running CPU, or t->now outside a run. */
sim_ns target_time(const sim_target *t);
/* The CPU must wait until `when` (flash stall); called from bus accesses. */
void core_stall_until(sim_target *t, sim_ns when);
void core_note_side_effect(sim_target *t);
/* Something happens at `when`: a run in progress must stop there. */
void core_limit_run(sim_target *t, sim_ns when);
void core_clock_changed(sim_target *t);
void core_reset(sim_target *t, bool system);
/* SCB_CCR as the core or a debugger writes it (the Cortex-M7 cache bits). */
void scs_ccr_write(sim_target *t, uint32_t value);
/* The Cortex-M7 caches are on, or the D-cache still holds dirty lines. */
bool scs_cache_unsafe(const sim_target *t);
void core_power_on(sim_target *t);
void core_halt(sim_target *t, uint32_t dfsr_reason);
void core_resume(sim_target *t);
void core_step(sim_target *t);
uint32_t core_reg_read(sim_target *t, unsigned sel);
void core_reg_write(sim_target *t, unsigned sel, uint32_t value);
void core_take_exception(sim_target *t, int number, uint32_t return_pc);

/* nvic.c: exceptions and interrupts, SysTick */
int nvic_exception_count(const sim_chip *chip);
void nvic_reset(sim_target *t);
/* Pend exception `number` (16 + n for interrupt line n). */
void nvic_set_pending(sim_target *t, int number);
/* NVIC, ICSR, SHPR, SHCSR, STIR and SysTick at SCS offset `off`; false if
 * `off` is none of them. */
bool nvic_reg_read(sim_target *t, uint32_t off, uint32_t *value);
bool nvic_reg_write(sim_target *t, bus_master m, uint32_t off, uint32_t value, uint32_t mask);
bool systick_read(sim_target *t, uint32_t off, uint32_t *value);
bool systick_write(sim_target *t, uint32_t off, uint32_t value);
void systick_reset(sim_target *t);
void exc_fault(sim_target *t, uint32_t cfsr, uint32_t hfsr, uint32_t addr, uint32_t pc);
void exc_svc(sim_target *t, uint32_t return_pc);
void exc_return(sim_target *t, uint32_t exc_return);
/* Wake a sleeping core and take the exception that is due (between runs). */
void exc_dispatch(sim_target *t);
/* Count SysTick up to t->now; the time of its next arrival at 0. */
void exc_update(sim_target *t);
sim_ns exc_next_event(const sim_target *t);
void exc_clock_changed(sim_target *t);

/* The private peripheral bus 0xE0000000-0xE00FFFFF, word aligned. */
bus_status ppb_read(sim_target *t, uint32_t addr, uint32_t *value);
bus_status ppb_write(sim_target *t, bus_master m, uint32_t addr, uint32_t value, uint32_t mask);
uint32_t scs_dhcsr(sim_target *t, bool consume);

/* board_state.c: the powered board kept between sessions (FILE.board) */
bool board_save(sim_target *t);
bool board_load(sim_target *t);
void board_forget(const sim_target *t);
void board_forget_path(const char *state_path);

/* boot_tool.c */
int sim_state_boot_main(int argc, char **argv);

/* thumb.c */
bool thumb_is_32bit(uint16_t hw1);
/* Conservative: true for anything that may write memory or special state. */
bool thumb_has_side_effects(uint16_t hw1, uint16_t hw2);
bool thumb_is_sleep(uint16_t hw1, uint16_t hw2);
bool thumb_is_sev(uint16_t hw1, uint16_t hw2);
bool thumb_changes_mask(uint16_t hw1, uint16_t hw2);
bool thumb_v6m_defined(uint16_t hw1, uint16_t hw2);

/* ---------------------------------------------------------------------- */
/* Debug port (dp.c)                                                       */
/* ---------------------------------------------------------------------- */

typedef struct sim_dp {
  bool line_reset_seen;  /* SWD selected and a line reset done */
  bool idcode_pending;   /* after a line reset only DPIDR may be read */
  uint32_t ctrl_stat, select, wcr;
  uint32_t rdbuff;
  bool readok;
  uint32_t csw, tar;
  uint32_t ap_posted;
  uint32_t apbd_csw, apbd_tar; /* H7: the APB-AP on AP2 (debug APB, DBGMCU at 0xE00E1000) */
} sim_dp;

void dp_power_on(sim_target *t);

/* ---------------------------------------------------------------------- */
/* The target                                                              */
/* ---------------------------------------------------------------------- */

typedef struct sim_scenarios {
  bool no_target, nrst_not_wired, swd_disabled, sleep;
  bool g0_boot0_ignored, g0_empty_check; /* G0 boot option scenarios (flash_g0.c) */
  bool g0_empty_stuck; /* G0: software writes to FLASH_ACR.EMPTY are ignored */
  int boot0, boot1; /* -1: as in the state */
  uint32_t vdd_mv;
  int32_t h7_boot_add0; /* h7-boot-add: BOOT_ADD0 for this chip; -1: as in the state */
  bool h7_caches_on; /* h7-caches-on: the firmware enabled the M7 caches before the session */
} sim_scenarios;

enum {
  SCENARIO_DELAY_NS = 1000000,       /* firmware acts 1 ms after reset release */
  SLEEP_PERIOD_NS = 1000000,         /* the sleeping firmware wakes every 1 ms ... */
  SLEEP_AWAKE_NS = 20000,            /* ... for 20 us */
  SWD_WAIT_STORM = 200,
};

struct sim_target {
  sim_clock *clock;
  const sim_chip *chip;
  char state_path[4096];
  sim_chip_state st;
  bool dirty;
  sim_ns last_save;
  sim_ns now;
  bool powered;    /* supply present in this session (power-loss fault clears it) */
  bool nrst;       /* NRST asserted */
  sim_scenarios scen;
  sim_fault faults[SIM_MAX_FAULTS];
  int fault_count;
  uint64_t swd_count;
  uint64_t wait_storm_left;
  bool wait_stuck; /* swd-stuck fault: WAIT for good */
  sim_region regions[SIM_MAX_REGIONS];
  int region_count;
  uint8_t *sram, *ccm, *sysmem;
  uint8_t *rams[SIM_MAX_RAMS]; /* chip->rams */
  region_kind boot_target;
  sim_dp dp;
  sim_core core;
  sim_flash flash;
  sim_periph periph;
  bool in_sync;
  bool save_warned;
  /* the scenario firmware */
  sim_ns released_at;   /* last reset release */
  bool scen_fired;      /* it has disabled SWD / gone to sleep */
  sim_ns scen_fired_at;
  bool stop_mode;       /* the `sleep` firmware is in Stop mode */
  sim_ns time_offset;   /* the board's time ahead of the session's clock (idle run) */
  bool keep_board, no_save;
};

/* target.c */
void target_advance(sim_target *t, sim_ns until);
void target_system_reset(sim_target *t, reset_cause cause);
/* Run the option-byte loader, then reset the system (G0 OBL_LAUNCH). */
void target_option_load_reset(sim_target *t);
void target_power_fail(sim_target *t);
void target_mark_dirty(sim_target *t);
bool target_fault_at(sim_target *t, sim_fault_kind kind, uint64_t count);
/* Scenario state of the debug port right now. */
bool target_swd_off(const sim_target *t);
bool target_deep_sleep_blocks_ap(const sim_target *t);
bool target_in_deep_sleep(const sim_target *t);

#endif
