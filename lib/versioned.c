/* Versioned structs: reading and writing only the caller's `size` bytes
 * (see internal.h). */
#include <string.h>

#include "internal.h"

static size_t size_field(const void *s) {
  size_t size;
  memcpy(&size, s, sizeof(size));
  return size;
}

static void set_size_field(void *s, size_t size) {
  memcpy(s, &size, sizeof(size));
}

static swdf_err too_small(swdf_ctx *ctx, const char *type, size_t size, size_t min_size) {
  if (ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  return swdf__fail(ctx, SWDF_ERR_INVALID_ARG,
                    "initialise the struct with its _INIT macro, or set size = sizeof(the struct)",
                    "%s: size is %zu, below the %zu bytes of its first version (size not set?)",
                    type, size, min_size);
}

swdf_err swdf__versioned_in(void *dst, size_t dst_size, const void *in, size_t min_size,
                            swdf_ctx *ctx, const char *type) {
  if (in == NULL) {
    return SWDF_OK;
  }
  size_t size = size_field(in);
  if (size < min_size) {
    return too_small(ctx, type, size, min_size);
  }
  const unsigned char *bytes = in;
  for (size_t i = dst_size; i < size; i++) {
    if (bytes[i] != 0) {
      if (ctx == NULL) {
        return SWDF_ERR_UNSUPPORTED;
      }
      return swdf__fail(ctx, SWDF_ERR_UNSUPPORTED,
                        "use the libswdflash the program was built for, or a newer one",
                        "%s: the caller sets fields this libswdflash (%s) does not know "
                        "(byte %zu of %zu; it knows %zu)",
                        type, swdf_version(), i, size, dst_size);
    }
  }
  memcpy(dst, in, size < dst_size ? size : dst_size);
  set_size_field(dst, dst_size);
  return SWDF_OK;
}

swdf_err swdf__versioned_out_check(const void *out, size_t min_size, swdf_ctx *ctx,
                                   const char *type) {
  size_t size = size_field(out);
  return size < min_size ? too_small(ctx, type, size, min_size) : SWDF_OK;
}

swdf_err swdf__versioned_out(void *out, const void *value, size_t value_size, size_t min_size,
                             swdf_ctx *ctx, const char *type) {
  swdf_err err = swdf__versioned_out_check(out, min_size, ctx, type);
  if (err != SWDF_OK) {
    return err;
  }
  size_t size = size_field(out);
  size_t n = size < value_size ? size : value_size;
  memcpy(out, value, n);
  set_size_field(out, n);
  return SWDF_OK;
}
