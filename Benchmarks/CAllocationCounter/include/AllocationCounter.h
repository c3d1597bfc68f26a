#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H
#include <stdint.h>

/// The number of heap allocations (malloc, calloc, realloc, aligned allocations) made by this
/// process since it started. Only the benchmark executable links this module.
uint64_t allocation_counter_total(void);

#endif
