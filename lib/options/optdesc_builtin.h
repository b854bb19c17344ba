/* The option-byte descriptions compiled into the library (generated from
 * the .opt files of chipdb/options by optdesc_embed). */
#ifndef SWDF_OPTDESC_BUILTIN_H
#define SWDF_OPTDESC_BUILTIN_H

#include <stddef.h>

extern const char *const swdf__optd_builtin_names[];
extern const char *const swdf__optd_builtin_texts[];
extern const size_t swdf__optd_builtin_count;

#endif
