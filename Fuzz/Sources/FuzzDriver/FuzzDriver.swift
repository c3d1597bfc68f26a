#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over one function of the input bytes.
///
/// SwiftPM links an executable's own entry point as `main`, which hides libFuzzer's, so each fuzz
/// target's `main.swift` hands its function to ``FuzzDriver/run(_:)``, which starts libFuzzer with the
/// process's arguments (`LLVMFuzzerRunDriver`, part of libFuzzer since LLVM 11). The function must trap
/// (`preconditionFailure`) on a property violation; libFuzzer reports the input.
public enum FuzzDriver {
    nonisolated(unsafe) private static var body: ((UnsafeRawBufferPointer) -> Void)?

    /// Fuzzes `body` until libFuzzer stops, then exits with its status.
    ///
    /// With the environment variable `FUZZ_WRITE_SEEDS=<directory>`, writes `seeds()` there instead
    /// (one file per seed, named `seed-<n>`) and exits: how the committed corpora of targets whose
    /// seeds are built from the committed vectors are made (scripts/fuzz-seeds.sh).
    public static func run(
        seeds: () -> [[UInt8]] = { [] }, _ body: @escaping (UnsafeRawBufferPointer) -> Void
    ) -> Never {
        if let directory = getenv("FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) {
            for (index, seed) in seeds().enumerated() {
                let path = "\(directory)/seed-\(index)"
                guard let file = fopen(path, "wb") else {
                    print("cannot write \(path)")
                    exit(1)
                }
                _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                fclose(file)
            }
            exit(0)
        }
        Self.body = body
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzTestOneInput))
    }

    fileprivate static func testOneInput(_ bytes: UnsafeRawBufferPointer) {
        body?(bytes)
    }
}

/// libFuzzer's callback (its own `main`, which SwiftPM's entry point hides, also names it).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzDriver.testOneInput(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
