/* Parse the option-byte descriptions compiled into the library. */
#include <stdio.h>

#include "options/optdesc.h"
#include "options/optdesc_builtin.h"

bool swdf__optd_load_builtin(swdf_optd_set *set, char *err, size_t err_len) {
  for (size_t i = 0; i < swdf__optd_builtin_count; i++) {
    if (!swdf__optd_parse(set, swdf__optd_builtin_texts[i], swdf__optd_builtin_names[i], err,
                          err_len)) {
      swdf__optd_set_free(set);
      return false;
    }
  }
  return true;
}
