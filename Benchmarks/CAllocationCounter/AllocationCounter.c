// Counts heap allocations by interposing the allocator entry points of glibc in the benchmark
// executable only, forwarding to glibc's own implementations (__libc_*). Used to show that parsing
// a credential allocates almost nothing; never linked into the product.
#include "AllocationCounter.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#if defined(__linux__) && defined(__GLIBC__)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static uint64_t counter = 0;

static inline void count(void) { __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED); }

void *malloc(size_t size) {
    count();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
    count();
    return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
    count();
    return __libc_realloc(pointer, size);
}

void free(void *pointer) { __libc_free(pointer); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

uint64_t allocation_counter_total(void) { return __atomic_load_n(&counter, __ATOMIC_RELAXED); }
#else
uint64_t allocation_counter_total(void) { return 0; }
#endif
