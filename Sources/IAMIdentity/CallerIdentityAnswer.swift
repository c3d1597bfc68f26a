/// STS's answer to a presigned `GetCallerIdentity`, read into an ``IdentityOutcome``.
///
/// STS answers JSON when asked with `Accept: application/json` and XML otherwise (and on some
/// errors). Pure; fuzzed (FuzzIdentityToken). The caller reads at most 64 KiB of the body.
public enum CallerIdentityAnswer {
    /// The outcome of an answer with HTTP status `status` and body `body`.
    public static func outcome(status: Int, body: [UInt8]) -> IdentityOutcome {
        .unavailable("STS's answer is not read yet")
    }
}
