/* The image container: building, accessors and the memory-region check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

typedef struct origin_mark {
  uint32_t addr;
  uint64_t origin;
} origin_mark;

struct swdf_image {
  char *name;
  swdf_image_format format;
  swdf__origin_kind origin_kind;
  swdf_image_segment *segments;
  size_t segment_count;
  uint8_t *data; /* every segment's bytes, in address order */
  origin_mark *marks;
  size_t mark_count;
  uint64_t total;
  int has_entry;
  uint32_t entry;
};

void swdf__builder_init(swdf__image_builder *b, swdf_ctx *ctx, const char *name,
                        swdf__origin_kind kind) {
  memset(b, 0, sizeof(*b));
  b->ctx = ctx;
  b->name = name != NULL ? name : "";
  b->origin_kind = kind;
}

void swdf__builder_free(swdf__image_builder *b) {
  free(b->chunks);
  free(b->data);
  b->chunks = NULL;
  b->data = NULL;
  b->chunk_count = b->chunk_cap = b->data_len = b->data_cap = 0;
}

static void format_origin(char *buf, size_t len, swdf__origin_kind kind, uint64_t origin) {
  static const struct {
    const char *word;
    int hex;
  } styles[] = {
      [SWDF__ORIGIN_LINE] = {"line", 0},
      [SWDF__ORIGIN_OFFSET] = {"offset", 1},
      [SWDF__ORIGIN_INDEX] = {"range", 0},
  };
  snprintf(buf, len, styles[kind].hex ? "%s 0x%llX" : "%s %llu", styles[kind].word,
           (unsigned long long)origin);
}

const char *swdf__image_display_name(const char *name) {
  return name != NULL && name[0] != '\0' ? name : "image";
}

void swdf__format_range(char *buf, size_t len, uint32_t addr, uint64_t size) {
  uint64_t last = (uint64_t)addr + (size > 0 ? size - 1 : 0);
  snprintf(buf, len, "0x%08X-0x%08llX", (unsigned)addr, (unsigned long long)last);
}

swdf_err swdf__image_fail(swdf__image_builder *b, uint64_t origin, const char *fmt, ...) {
  char where[48];
  char detail[SWDF_MSG_MAX];
  format_origin(where, sizeof(where), b->origin_kind, origin);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  return swdf__fail(b->ctx, SWDF_ERR_IMAGE,
                    "the file is damaged or not what it claims to be: rebuild or download it "
                    "again",
                    "%s %s: %s", swdf__image_display_name(b->name), where, detail);
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) {
    return 0;
  }
  size_t next = *cap != 0 ? *cap : 16;
  while (next < need) {
    if (next > SIZE_MAX / 2 / elem) {
      return -1;
    }
    next *= 2;
  }
  void *p = realloc(*buf, next * elem);
  if (p == NULL) {
    return -1;
  }
  *buf = p;
  *cap = next;
  return 0;
}

swdf_err swdf__builder_add(swdf__image_builder *b, uint32_t addr, const uint8_t *data, size_t len,
                           uint64_t origin) {
  if (len == 0) {
    return SWDF_OK;
  }
  if ((uint64_t)addr + len > 0x100000000ull) {
    char range[48];
    swdf__format_range(range, sizeof(range), addr, len);
    return swdf__image_fail(b, origin, "range %s passes the end of the 32-bit address space",
                            range);
  }
  if (grow((void **)&b->chunks, &b->chunk_cap, b->chunk_count + 1, sizeof(*b->chunks)) != 0 ||
      grow((void **)&b->data, &b->data_cap, b->data_len + len, 1) != 0) {
    return swdf__fail(b->ctx, SWDF_ERR_NO_MEMORY, NULL, "%s: out of memory",
                      swdf__image_display_name(b->name));
  }
  memcpy(b->data + b->data_len, data, len);
  b->chunks[b->chunk_count++] =
      (swdf__chunk){.addr = addr, .len = (uint32_t)len, .origin = origin, .data_off = b->data_len};
  b->data_len += len;
  return SWDF_OK;
}

static int chunk_cmp(const void *pa, const void *pb) {
  const swdf__chunk *a = pa;
  const swdf__chunk *b = pb;
  if (a->addr != b->addr) {
    return a->addr < b->addr ? -1 : 1;
  }
  return a->origin < b->origin ? -1 : (a->origin > b->origin ? 1 : 0);
}

static swdf_err overlap_error(swdf__image_builder *b, const swdf__chunk *x, const swdf__chunk *y) {
  /* Name the record read later as the one that overlaps. */
  const swdf__chunk *first = x->origin <= y->origin ? x : y;
  const swdf__chunk *second = first == x ? y : x;
  char first_where[48], second_where[48], first_range[48], second_range[48];
  format_origin(first_where, sizeof(first_where), b->origin_kind, first->origin);
  format_origin(second_where, sizeof(second_where), b->origin_kind, second->origin);
  swdf__format_range(first_range, sizeof(first_range), first->addr, first->len);
  swdf__format_range(second_range, sizeof(second_range), second->addr, second->len);
  return swdf__fail(b->ctx, SWDF_ERR_IMAGE,
                    "two parts of the file give data for the same addresses; fix the build "
                    "(linker script, or how the files were merged)",
                    "%s %s: %s overlaps %s from %s", swdf__image_display_name(b->name),
                    second_where, second_range, first_range, first_where);
}

static swdf_err no_memory(swdf_ctx *ctx, const char *name) {
  return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "%s: out of memory",
                    swdf__image_display_name(name));
}

static void free_image(swdf_image *img) {
  if (img == NULL) {
    return;
  }
  free(img->name);
  free(img->segments);
  free(img->data);
  free(img->marks);
  free(img);
}

swdf_err swdf__builder_finish(swdf__image_builder *b, swdf_image_format format, swdf_image **out) {
  if (b->chunk_count > 1) {
    qsort(b->chunks, b->chunk_count, sizeof(*b->chunks), chunk_cmp);
  }
  for (size_t i = 1; i < b->chunk_count; i++) {
    const swdf__chunk *prev = &b->chunks[i - 1];
    if (b->chunks[i].addr < (uint64_t)prev->addr + prev->len) {
      return overlap_error(b, prev, &b->chunks[i]);
    }
  }
  swdf_image *img = calloc(1, sizeof(*img));
  if (img == NULL) {
    return no_memory(b->ctx, b->name);
  }
  img->name = strdup(b->name);
  img->format = format;
  img->origin_kind = b->origin_kind;
  img->has_entry = b->has_entry;
  img->entry = b->entry;
  size_t n = b->chunk_count;
  img->segments = calloc(n > 0 ? n : 1, sizeof(*img->segments));
  img->marks = calloc(n > 0 ? n : 1, sizeof(*img->marks));
  img->data = malloc(b->data_len > 0 ? b->data_len : 1);
  if (img->name == NULL || img->segments == NULL || img->marks == NULL || img->data == NULL) {
    free_image(img);
    return no_memory(b->ctx, b->name);
  }
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    const swdf__chunk *c = &b->chunks[i];
    memcpy(img->data + used, b->data + c->data_off, c->len);
    img->marks[i] = (origin_mark){c->addr, c->origin};
    swdf_image_segment *last =
        img->segment_count > 0 ? &img->segments[img->segment_count - 1] : NULL;
    if (last != NULL && (uint64_t)last->addr + last->size == c->addr) {
      last->size += c->len;
    } else {
      img->segments[img->segment_count++] =
          (swdf_image_segment){.addr = c->addr, .size = c->len, .data = img->data + used};
    }
    used += c->len;
  }
  img->mark_count = n;
  img->total = used;
  swdf__builder_free(b);
  *out = img;
  return SWDF_OK;
}

void swdf_image_free(swdf_image *image) { free_image(image); }

size_t swdf_image_segment_count(const swdf_image *image) {
  return image != NULL ? image->segment_count : 0;
}

const swdf_image_segment *swdf_image_segment_at(const swdf_image *image, size_t index) {
  if (image == NULL || index >= image->segment_count) {
    return NULL;
  }
  return &image->segments[index];
}

uint64_t swdf_image_size(const swdf_image *image) { return image != NULL ? image->total : 0; }

swdf_image_format swdf_image_get_format(const swdf_image *image) {
  return image != NULL ? image->format : SWDF_IMAGE_AUTO;
}

const char *swdf_image_name(const swdf_image *image) {
  return image != NULL && image->name != NULL ? image->name : "";
}

int swdf_image_entry(const swdf_image *image, uint32_t *entry) {
  if (image == NULL || !image->has_entry) {
    return 0;
  }
  if (entry != NULL) {
    *entry = image->entry;
  }
  return 1;
}

void swdf_image_origin(const swdf_image *image, uint32_t addr, char *buf, size_t len) {
  if (len == 0) {
    return;
  }
  if (image == NULL || image->mark_count == 0) {
    snprintf(buf, len, "%s", "");
    return;
  }
  /* The last mark at or below addr (the first one when addr precedes all). */
  size_t lo = 0, hi = image->mark_count;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (image->marks[mid].addr <= addr) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  format_origin(buf, len, image->origin_kind, image->marks[lo].origin);
}

/* ---- the memory-region check --------------------------------------------- */

static const swdf_mem_region *region_holding(const swdf_mem_region *regions, size_t count,
                                             uint64_t addr) {
  for (size_t i = 0; i < count; i++) {
    if (addr >= regions[i].base && addr < (uint64_t)regions[i].base + regions[i].size) {
      return &regions[i];
    }
  }
  return NULL;
}

/* The first address at or after `addr` that some region holds (or `limit`). */
static uint64_t next_region_start(const swdf_mem_region *regions, size_t count, uint64_t addr,
                                  uint64_t limit) {
  uint64_t best = limit;
  for (size_t i = 0; i < count; i++) {
    if (regions[i].size > 0 && regions[i].base > addr && regions[i].base < best) {
      best = regions[i].base;
    }
  }
  return best;
}

static void describe_regions(char *buf, size_t len, const swdf_mem_region *regions, size_t count) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < count && used + 1 < len; i++) {
    char range[48];
    swdf__format_range(range, sizeof(range), regions[i].base, regions[i].size);
    int n = snprintf(buf + used, len - used, "%s%s %s", i > 0 ? ", " : "",
                     regions[i].name != NULL ? regions[i].name : "region", range);
    if (n < 0) {
      break;
    }
    used += (size_t)n;
  }
}

swdf_err swdf_image_check_regions(const swdf_image *image, swdf_ctx *ctx,
                                  const swdf_mem_region *regions, size_t count) {
  if (ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(ctx);
  if (image == NULL || (count > 0 && regions == NULL)) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "no image or no regions given");
  }
  for (size_t s = 0; s < image->segment_count; s++) {
    const swdf_image_segment *seg = &image->segments[s];
    uint64_t cur = seg->addr;
    uint64_t end = (uint64_t)seg->addr + seg->size;
    while (cur < end) {
      const swdf_mem_region *r = region_holding(regions, count, cur);
      if (r != NULL) {
        uint64_t r_end = (uint64_t)r->base + r->size;
        cur = r_end < end ? r_end : end;
        continue;
      }
      uint64_t bad_end = next_region_start(regions, count, cur, end);
      char where[48], range[48], known[256];
      swdf_image_origin(image, (uint32_t)cur, where, sizeof(where));
      swdf__format_range(range, sizeof(range), (uint32_t)cur, bad_end - cur);
      describe_regions(known, sizeof(known), regions, count);
      return swdf__fail(ctx, SWDF_ERR_RANGE,
                        "check the link address (linker script) or the address given for a "
                        "raw binary, and that the image was built for this chip",
                        "%s %s: %s (%llu bytes) lies outside this chip's %s",
                        swdf__image_display_name(image->name), where, range,
                        (unsigned long long)(bad_end - cur), known);
    }
  }
  return SWDF_OK;
}

/* ---- building images from memory ----------------------------------------- */

swdf_err swdf_image_from_segments(swdf_image **out, swdf_ctx *ctx, const char *name,
                                  const swdf_image_segment *segments, size_t count) {
  if (out == NULL || ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  swdf__clear_error(ctx);
  if (count > 0 && segments == NULL) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "segments missing");
  }
  swdf__image_builder b;
  swdf__builder_init(&b, ctx, name, SWDF__ORIGIN_INDEX);
  swdf_err err = SWDF_OK;
  for (size_t i = 0; i < count && err == SWDF_OK; i++) {
    if (segments[i].size > 0 && segments[i].data == NULL) {
      err = swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "segment %zu has no data", i);
    } else {
      err = swdf__builder_add(&b, segments[i].addr, segments[i].data, segments[i].size, i);
    }
  }
  if (err == SWDF_OK) {
    err = swdf__builder_finish(&b, SWDF_IMAGE_BIN, out);
  }
  swdf__builder_free(&b);
  return err;
}
