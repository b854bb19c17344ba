#include "target.h"
const flash_family sim_flash_f4 = {0};
