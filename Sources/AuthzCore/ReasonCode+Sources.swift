internal import AWSClassifier
internal import Policy
internal import SigV4

// The one place where the libraries' typed failures become the contract's reason codes: exhaustive
// switches, so a new kind of failure does not compile until it has a reason.

extension ReasonCode {
    /// The reason a decision reports for a SigV4 failure of this kind.
    init(_ category: SigV4Error.Category) {
        switch category {
        case .malformed: self = .malformedCredentials
        case .unsupportedAlgorithm: self = .unsupportedSignature
        case .legacyAccessKey: self = .legacyAccessKey
        case .clockSkew: self = .clockSkew
        case .requestExpired: self = .requestExpired
        case .requestNotYetValid: self = .requestNotYetValid
        case .signatureMismatch: self = .signatureMismatch
        }
    }

    /// The reason a decision reports for a SigV4 failure.
    init(_ error: SigV4Error) { self.init(error.category) }

    /// The reason a decision reports for a classification problem.
    init(_ problem: Classification.Problem) {
        switch problem {
        case .unknownEndpoint: self = .unknownEndpoint
        case .scopeMismatch: self = .scopeMismatch
        case .conflict: self = .ambiguousRequest
        }
    }
}
