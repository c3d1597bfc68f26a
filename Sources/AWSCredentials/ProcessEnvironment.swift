internal import Foundation

/// The process's environment variables, which the credential chain reads as the AWS SDKs do. Every
/// reader takes the variables as a dictionary, so tests pass their own.
public enum ProcessEnvironment {
    /// The variables of this process.
    public static var current: [String: String] { ProcessInfo.processInfo.environment }
}
