import CMallocTuning

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's allocator tuning for a long-running server.
///
/// glibc gives threads that allocate concurrently their own arenas, up to eight per core. A NIO server
/// allocates on every event loop and in the concurrency pool, so its resident size grows with arenas
/// that keep freed pages. Capping them at two keeps `serve` flat and about a fifth smaller at peak load
/// (see "The server alone" in docs/performance.md). An operator's own `MALLOC_ARENA_MAX` wins; elsewhere than
/// glibc this does nothing.
enum MallocArenas {
    static let defaultLimit: Int32 = 2

    static func limit() {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = c_malloc_tuning_limit_arenas(defaultLimit)
    }
}
