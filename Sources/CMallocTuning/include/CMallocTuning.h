#ifndef C_MALLOC_TUNING_H
#define C_MALLOC_TUNING_H

/// Caps glibc's malloc arenas at `limit`; returns 1 on success, 0 where it failed or does not apply.
/// `M_ARENA_MAX` and `mallopt` live in <malloc.h>, which Swift's Glibc module does not export.
int c_malloc_tuning_limit_arenas(int limit);

#endif
