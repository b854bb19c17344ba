/*
 * The verdict: what the chip does from reset, told along the way the core
 * and the bootloaders go. The core starts the program at the boot address
 * (initial SP in RAM, reset handler a Thumb address in flash); a program
 * runs only where it was linked for and on the MCU it was built for; a
 * bootloader starts the application at the one address it was built with
 * (Katapult: CONFIG_LAUNCH_APP_ADDRESS; the STM32duino bootloader: its
 * upload address), whatever lies elsewhere.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bootcheck/bootscan.h"

/* snprintf for sentences: cutting a long one short is fine. */
static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

/* "stm32" and the four characters of family and line ("f446", "g0b1"),
 * an 'x' in either standing for any character. */
static bool same_line(const char *mcu, const char *chip) {
  for (size_t i = 0; i < 9; i++) {
    char a = (char)tolower((unsigned char)mcu[i]);
    char b = (char)tolower((unsigned char)chip[i]);
    if (a == '\0' || b == '\0') {
      return false;
    }
    if (a != b && a != 'x' && b != 'x') {
      return false;
    }
  }
  return true;
}

int swdf__boot_mcu_match(const char *mcu, const char *chip) {
  if (mcu == NULL || chip == NULL || mcu[0] == '\0' || strncasecmp(chip, "STM32", 5) != 0) {
    return -1; /* nothing named, or a clone part: not judged */
  }
  /* Chip names list alternatives: "STM32F105/F107 connectivity line",
   * "STM32F09x / F030xC". */
  char token[40];
  for (const char *p = chip; *p != '\0';) {
    size_t n = strcspn(p, "/ ");
    if (n >= 4 && n < 20 && isalpha((unsigned char)p[0])) {
      snprintf(token, sizeof(token), "%s%.*s", strncasecmp(p, "STM32", 5) == 0 ? "" : "STM32",
               (int)n, p);
      if (same_line(mcu, token)) {
        return 1;
      }
    }
    p += n;
    p += strspn(p, "/ ");
  }
  return 0;
}

const swdf_boot_image *swdf__boot_image_at(const swdf_boot_report *r, uint32_t addr) {
  for (size_t i = 0; i < r->image_count; i++) {
    if (r->images[i].addr == addr) {
      return &r->images[i];
    }
  }
  return NULL;
}

/* "the Klipper firmware at 0x08008000": for the second program of a story. */
static void name_image(char *buf, size_t len, const swdf_boot_image *img) {
  if (strcmp(img->kind, "unknown") == 0) {
    say(buf, len, "a program we do not recognise at 0x%08X", img->addr);
  } else {
    say(buf, len, "the %s at 0x%08X", img->name, img->addr);
  }
}

static const swdf_boot_detail *detail_of(const swdf_boot_report *r, const swdf_boot_image *img) {
  return &r->details[img - r->images];
}

static void describe_image(char *buf, size_t len, const swdf_boot_image *img) {
  char extra[120] = "";
  if (img->version[0] != '\0' || img->mcu[0] != '\0') {
    say(extra, sizeof(extra), " (%s%s%s%s)", img->version,
        img->version[0] != '\0' && img->mcu[0] != '\0' ? ", " : "",
        img->mcu[0] != '\0' ? "built for " : "", img->mcu);
  }
  if (strcmp(img->kind, "unknown") == 0) {
    say(buf, len, "a program we do not recognise at 0x%08X (%u bytes)", img->addr, img->size);
  } else {
    say(buf, len, "the %s%s at 0x%08X (%u bytes)", img->name, extra, img->addr, img->size);
  }
}

/* Why a program that is started will not run, or "" when it will. */
static void why_not(char *buf, size_t len, const swdf_boot_report *r, const swdf_boot_image *img,
                    const char *chip) {
  const swdf_boot_detail *d = detail_of(r, img);
  buf[0] = '\0';
  if (!img->plausible) {
    say(buf, len, "%s", img->problem);
  } else if (d->mcu_match == 0) {
    say(buf, len, "it was built for %s, not for this chip (%s), so it will not run", img->mcu,
        chip != NULL ? chip : "another MCU");
  }
}

/* The first image after the base that the core could start, or NULL. */
static const swdf_boot_image *next_program(const swdf_boot_report *r) {
  for (size_t i = 1; i < r->image_count; i++) {
    if (strcmp(r->images[i].kind, "st-rom") != 0 && strcmp(r->images[i].kind, "erased") != 0 &&
        strcmp(r->images[i].kind, "invalid") != 0) {
      return &r->images[i];
    }
  }
  return NULL;
}

/* A bootloader at the base: what it starts. Returns whether that runs. */
static bool bootloader_story(char *buf, size_t len, const swdf_boot_report *r, const char *what,
                             const char *chip) {
  const swdf_boot_detail *d = &r->details[0];
  char app_text[200], bad[240];
  const swdf_boot_image *app = d->app_addr != 0 ? swdf__boot_image_at(r, d->app_addr) : NULL;
  if (d->app_addr != 0 && (app == NULL || !strcmp(app->kind, "erased"))) {
    const swdf_boot_image *other = next_program(r);
    char elsewhere[160] = "";
    if (other != NULL && other->addr != d->app_addr) {
      say(elsewhere, sizeof(elsewhere), "; the program at 0x%08X is never started",
          other->addr);
    }
    say(buf, len, "it starts %s, which starts an application only at 0x%08X (%s); no application "
        "is there, so the bootloader waits for one to be sent%s",
        what, d->app_addr, d->app_addr_how, elsewhere);
    return true;
  }
  if (d->app_addr != 0) {
    name_image(app_text, sizeof(app_text), app);
    why_not(bad, sizeof(bad), r, app, chip);
    if (bad[0] != '\0') {
      say(buf, len, "it starts %s, which jumps to %s; that will not run: %s", what, app_text,
          bad);
      return false;
    }
    say(buf, len, "it starts %s, which then starts %s", what, app_text);
    return true;
  }
  app = next_program(r);
  if (app == NULL) {
    say(buf, len, "it starts %s; no application was found after it, so the bootloader will "
        "wait for one to be sent", what);
    return true;
  }
  name_image(app_text, sizeof(app_text), app);
  why_not(bad, sizeof(bad), r, app, chip);
  say(buf, len, "it starts %s; where it starts an application cannot be known (%s); if that is "
      "0x%08X, it then starts %s%s%s",
      what, d->app_addr_how, app->addr, app_text, bad[0] != '\0' ? ", which will not run: " : "",
      bad);
  return bad[0] == '\0';
}

static bool flash_story(char *buf, size_t len, const swdf_boot_report *r, const char *chip) {
  const swdf_boot_image *base = &r->images[0];
  char what[200], bad[240];
  if (strcmp(base->kind, "erased") == 0) {
    say(buf, len, "the flash at 0x%08X is empty, so there is nothing to run", base->addr);
    return false;
  }
  if (strcmp(base->kind, "invalid") == 0) {
    say(buf, len, "there is no valid program at 0x%08X (%s), so the chip will crash or hang "
        "right after reset", base->addr, base->problem);
    return false;
  }
  describe_image(what, sizeof(what), base);
  why_not(bad, sizeof(bad), r, base, chip);
  if (bad[0] != '\0') {
    say(buf, len, "it starts %s, which will not run: %s", what, bad);
    return false;
  }
  if (base->is_bootloader) {
    return bootloader_story(buf, len, r, what, chip);
  }
  say(buf, len, "it starts %s", what);
  return true;
}

void swdf__bootscan_verdict(swdf_boot_report *r, const char *chip) {
  char story[400];
  r->runs = 0;
  if (r->image_count == 0) {
    say(r->verdict, sizeof(r->verdict), "The flash could not be examined.");
    return;
  }
  bool runs = flash_story(story, sizeof(story), r, chip);
  switch (r->source) {
  case SWDF_BOOT_FLASH:
    say(r->verdict, sizeof(r->verdict), "The chip boots from main flash: %s.", story);
    r->runs = runs;
    break;
  case SWDF_BOOT_SYSTEM:
    say(r->verdict, sizeof(r->verdict),
        "The chip starts the ST ROM bootloader in system memory (%s), not the program in "
        "flash. When it boots from main flash, %s.",
        r->source_text, story);
    r->runs = 1; /* the ROM bootloader runs */
    break;
  case SWDF_BOOT_SRAM:
    say(r->verdict, sizeof(r->verdict),
        "The chip boots from SRAM (%s). When it boots from main flash, %s.", r->source_text,
        story);
    r->runs = 0;
    break;
  case SWDF_BOOT_UNKNOWN:
    say(r->verdict, sizeof(r->verdict), "When the chip boots from main flash, %s.", story);
    r->runs = runs;
    break;
  }
}
