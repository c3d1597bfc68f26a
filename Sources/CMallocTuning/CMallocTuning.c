#include "CMallocTuning.h"

#if defined(__GLIBC__)
#include <malloc.h>

int c_malloc_tuning_limit_arenas(int limit) {
    return mallopt(M_ARENA_MAX, limit);
}
#else
int c_malloc_tuning_limit_arenas(int limit) {
    (void)limit;
    return 0;
}
#endif
