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
    public static func run(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
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
