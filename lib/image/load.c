/* Reading image files: format detection and dispatch to the readers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "image_internal.h"

typedef swdf_err (*image_reader)(swdf__image_builder *b, const uint8_t *bytes, size_t len);

static const struct format_entry {
  swdf_image_format format;
  const char *name;
  const char *title; /* for messages */
  const char *const *extensions;
  swdf__origin_kind origin_kind;
} formats[] = {
    {SWDF_IMAGE_BIN, "bin", "raw binary", (const char *const[]){"bin", "raw", NULL},
     SWDF__ORIGIN_OFFSET},
    {SWDF_IMAGE_IHEX, "ihex", "Intel HEX",
     (const char *const[]){"hex", "ihex", "ihx", "h86", "a43", NULL}, SWDF__ORIGIN_LINE},
    {SWDF_IMAGE_SREC, "srec", "Motorola S-record",
     (const char *const[]){"srec", "s19", "s28", "s37", "mot", "mhx", "sx", NULL},
     SWDF__ORIGIN_LINE},
    {SWDF_IMAGE_ELF, "elf", "ELF", (const char *const[]){"elf", "axf", "out", NULL},
     SWDF__ORIGIN_OFFSET},
};

static const struct format_entry *entry_for(swdf_image_format format) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(formats); i++) {
    if (formats[i].format == format) {
      return &formats[i];
    }
  }
  return NULL;
}

const char *swdf_image_format_name(swdf_image_format format) {
  if (format == SWDF_IMAGE_AUTO) {
    return "auto";
  }
  const struct format_entry *e = entry_for(format);
  return e != NULL ? e->name : "unknown";
}

int swdf_image_format_from_name(const char *name, swdf_image_format *out) {
  if (name == NULL || out == NULL) {
    return -1;
  }
  if (strcasecmp(name, "auto") == 0) {
    *out = SWDF_IMAGE_AUTO;
    return 0;
  }
  for (size_t i = 0; i < SWDF_ARRAY_LEN(formats); i++) {
    if (strcasecmp(name, formats[i].name) == 0) {
      *out = formats[i].format;
      return 0;
    }
    for (const char *const *ext = formats[i].extensions; *ext != NULL; ext++) {
      if (strcasecmp(name, *ext) == 0) {
        *out = formats[i].format;
        return 0;
      }
    }
  }
  return -1;
}

/* The format the file name's extension suggests, or AUTO. */
static swdf_image_format format_from_extension(const char *name) {
  const char *dot = name != NULL ? strrchr(name, '.') : NULL;
  const char *slash = name != NULL ? strrchr(name, '/') : NULL;
  if (dot == NULL || (slash != NULL && dot < slash)) {
    return SWDF_IMAGE_AUTO;
  }
  for (size_t i = 0; i < SWDF_ARRAY_LEN(formats); i++) {
    for (const char *const *ext = formats[i].extensions; *ext != NULL; ext++) {
      if (strcasecmp(dot + 1, *ext) == 0) {
        return formats[i].format;
      }
    }
  }
  return SWDF_IMAGE_AUTO;
}

static int is_hex_digit(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The format the first bytes look like; BIN when nothing else fits. */
static swdf_image_format format_from_content(const uint8_t *bytes, size_t len) {
  if (len >= 4 && memcmp(bytes,
                         "\x7f"
                         "ELF",
                         4) == 0) {
    return SWDF_IMAGE_ELF;
  }
  size_t i = 0;
  while (i < len && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
    i++;
  }
  if (i + 3 <= len && bytes[i] == ':' && is_hex_digit(bytes[i + 1]) && is_hex_digit(bytes[i + 2])) {
    return SWDF_IMAGE_IHEX;
  }
  if (i + 4 <= len && bytes[i] == 'S' && bytes[i + 1] >= '0' && bytes[i + 1] <= '9' &&
      is_hex_digit(bytes[i + 2]) && is_hex_digit(bytes[i + 3])) {
    return SWDF_IMAGE_SREC;
  }
  return SWDF_IMAGE_BIN;
}

/*
 * Content decides, the extension confirms: a name that promises one format
 * for content of another is an error rather than a guess, except ".bin",
 * which means "these bytes as they are".
 */
static swdf_err choose_format(swdf_ctx *ctx, const char *name, const uint8_t *bytes, size_t len,
                              swdf_image_format *out) {
  swdf_image_format by_name = format_from_extension(name);
  swdf_image_format by_content = format_from_content(bytes, len);
  if (by_name == SWDF_IMAGE_BIN) {
    if (by_content != SWDF_IMAGE_BIN) {
      swdf__log(ctx, SWDF_LOG_WARN,
                "%s looks like %s but is written as raw binary, as its name says "
                "(give the format explicitly to read it as %s)",
                swdf__image_display_name(name), entry_for(by_content)->title,
                entry_for(by_content)->title);
    }
    *out = SWDF_IMAGE_BIN;
    return SWDF_OK;
  }
  if (by_name != SWDF_IMAGE_AUTO && by_name != by_content) {
    return swdf__fail(ctx, SWDF_ERR_IMAGE,
                      "give the format explicitly if the name is misleading, or check that "
                      "the right file was chosen",
                      "%s: the name says %s but the content looks like %s",
                      swdf__image_display_name(name), entry_for(by_name)->title,
                      entry_for(by_content)->title);
  }
  *out = by_content;
  return SWDF_OK;
}

swdf_err swdf__read_bin(swdf__image_builder *b, const uint8_t *bytes, size_t len, uint32_t base) {
  if (len == 0) {
    return swdf__image_fail(b, 0, "the file is empty");
  }
  return swdf__builder_add(b, base, bytes, len, 0);
}

static swdf_err read_as(swdf__image_builder *b, swdf_image_format format, const uint8_t *bytes,
                        size_t len, uint32_t base) {
  static const image_reader readers[] = {
      [SWDF_IMAGE_IHEX] = swdf__read_ihex,
      [SWDF_IMAGE_SREC] = swdf__read_srec,
      [SWDF_IMAGE_ELF] = swdf__read_elf,
  };
  if (format == SWDF_IMAGE_BIN) {
    return swdf__read_bin(b, bytes, len, base);
  }
  return readers[format](b, bytes, len);
}

swdf_err swdf_image_parse(swdf_image **out, swdf_ctx *ctx, const void *bytes, size_t len,
                          const char *name, const swdf_image_opts *opts_in) {
  if (out == NULL || ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  swdf__clear_error(ctx);
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  swdf_err err =
      swdf__versioned_in(&opts, sizeof(opts), opts_in, SWDF__MIN_IMAGE_OPTS, ctx, "swdf_image_opts");
  if (err != SWDF_OK) {
    return err;
  }
  if (bytes == NULL && len > 0) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "no bytes given");
  }
  if (len == 0) {
    return swdf__fail(ctx, SWDF_ERR_IMAGE, "check that the build or download completed",
                      "%s: the file is empty", swdf__image_display_name(name));
  }
  swdf_image_format format = opts.format;
  if (format == SWDF_IMAGE_AUTO) {
    err = choose_format(ctx, name, bytes, len, &format);
    if (err != SWDF_OK) {
      return err;
    }
  }
  const struct format_entry *fe = entry_for(format);
  if (fe == NULL) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "unknown image format %d", (int)format);
  }
  if (opts.has_base && format != SWDF_IMAGE_BIN) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG,
                      "leave the address out: only a raw binary needs one",
                      "%s is %s, which carries its own addresses; an address applies only to "
                      "a raw binary",
                      swdf__image_display_name(name), fe->title);
  }
  swdf__image_builder b;
  swdf__builder_init(&b, ctx, name, fe->origin_kind);
  err = read_as(&b, format, bytes, len, opts.has_base ? opts.base : SWDF_IMAGE_DEFAULT_BASE);
  if (err == SWDF_OK) {
    err = swdf__builder_finish(&b, format, out);
  }
  swdf__builder_free(&b);
  if (err == SWDF_OK) {
    swdf__log(ctx, SWDF_LOG_DEBUG, "%s: %s, %zu range(s), %llu bytes",
              swdf__image_display_name(name), fe->title, swdf_image_segment_count(*out),
              (unsigned long long)swdf_image_size(*out));
  }
  return err;
}

static swdf_err read_file(swdf_ctx *ctx, const char *path, uint8_t **out, size_t *out_len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    int e = errno;
    return swdf__fail(ctx, SWDF_ERR_IO, e == ENOENT ? "check the file name and directory" : NULL,
                      "cannot open %s: %s", path, strerror(e));
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      size_t next = cap != 0 ? cap * 2 : 65536;
      uint8_t *p = realloc(buf, next);
      if (p == NULL) {
        free(buf);
        fclose(f);
        return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "%s: out of memory", path);
      }
      buf = p;
      cap = next;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0) {
      break;
    }
  }
  int failed = ferror(f);
  int e = errno;
  fclose(f);
  if (failed) {
    free(buf);
    return swdf__fail(ctx, SWDF_ERR_IO, NULL, "cannot read %s: %s", path, strerror(e));
  }
  *out = buf;
  *out_len = len;
  return SWDF_OK;
}

swdf_err swdf_image_load(swdf_image **out, swdf_ctx *ctx, const char *path,
                         const swdf_image_opts *opts) {
  if (out == NULL || ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  swdf__clear_error(ctx);
  if (path == NULL) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "no file name given");
  }
  uint8_t *bytes = NULL;
  size_t len = 0;
  swdf_err err = read_file(ctx, path, &bytes, &len);
  if (err != SWDF_OK) {
    return err;
  }
  err = swdf_image_parse(out, ctx, bytes, len, path, opts);
  free(bytes);
  return err;
}
