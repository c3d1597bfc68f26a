/// What a request does, as far as the wire shows it.
///
/// A classification is a result, never an error: an unknown host, a credential scoped to another
/// service or region, or conflicting operation signals are reported in ``problem``, and an action that
/// cannot be determined (the body is needed but absent) is ``Action/unknown(reason:)``, so a policy can
/// treat it conservatively.
public struct Classification: Sendable {
    /// The IAM-style action, or why it is not known.
    public enum Action: Sendable, Hashable {
        /// `prefix:Name`, such as `s3:GetObject`.
        case known(String)
        /// The action could not be determined; the reason says why.
        case unknown(reason: String)

        /// The action string, or `nil` when unknown.
        public var name: String? {
            if case .known(let name) = self { name } else { nil }
        }
    }

    /// Why the request is not a plain, unambiguous AWS API call.
    public enum Problem: Sendable, Hashable {
        /// The host is not an AWS API endpoint.
        case unknownEndpoint(String)
        /// The credential's scope (service, region or region set) disagrees with the host.
        case scopeMismatch(String)
        /// Signals in the request disagree (X-Amz-Target on a query service, URL vs body Action, …).
        case conflict(String)

        /// What was wrong, in words.
        public var message: String {
            switch self {
            case .unknownEndpoint(let message), .scopeMismatch(let message), .conflict(let message): message
            }
        }
    }

    /// The endpoint the host names, when it is an AWS host.
    public var endpoint: Endpoint?
    /// The partition id (`aws`, `aws-cn`, …).
    public var partition: String? { endpoint?.partition.id }
    /// botocore's model name of the service (`dynamodb`).
    public var serviceModel: String?
    /// The signing name (from the credential scope when present, else the model's).
    public var signingName: String?
    /// The IAM action prefix (`cloudwatch` for the `monitoring` host).
    public var iamPrefix: String?
    /// The region: the credential scope's when it agrees with the host, else the host's.
    public var region: String?
    /// The operation name (`GetObject`), when found.
    public var operation: String?
    /// The wire protocol the operation was found through.
    public var wireProtocol: AWSModel.WireProtocol?
    /// Every (action, resource) pair AWS authorizes for the request, the operation's own first: the
    /// resources a batch names, dependent actions (an S3 copy's source read, an SSE-KMS key), the item
    /// actions of a DynamoDB transaction. Never empty; a policy allows the request only when it allows
    /// every pair.
    public var authorizations: [Authorization] = Classification.unclassified

    /// The pairs of a classification that found nothing yet, shared (a retain, not an allocation).
    static let unclassified = [Authorization(action: .unknown(reason: "not classified"))]
    /// The IAM-style action of the first pair.
    public var action: Action {
        get { authorizations.first?.action ?? .unknown(reason: "not classified") }
        set {
            if authorizations.isEmpty {
                authorizations = [Authorization(action: newValue)]
            } else {
                authorizations[0].action = newValue
            }
        }
    }
    /// The resource ARN of the first pair, when the request names it.
    public var resource: String? {
        get { authorizations.first?.resource }
        set {
            if authorizations.isEmpty {
                authorizations = [Authorization(action: action, resource: newValue)]
            } else {
                authorizations[0].resource = newValue
            }
        }
    }
    /// The account that owns the resource, where the request states it and AWS enforces it: S3's
    /// `x-amz-expected-bucket-owner`, the account of an S3 access point host.
    public var resourceAccount: String?
    /// Whether the request addresses an S3 bucket (S3 refuses it when `x-amz-expected-bucket-owner`
    /// names another account than the bucket's owner).
    public var addressesS3Bucket = false
    /// Whether the destination's owner cannot be told from the request, and the endpoint may not
    /// check signatures at all (API Gateway invocations, Lambda function URLs): the signer's account
    /// says nothing about whose API is reached.
    public var ownerUnverifiable = false
    /// The first problem found, if any.
    public var problem: Problem?

    /// One action AWS authorizes for the request, on one resource.
    public struct Authorization: Sendable, Hashable {
        /// The IAM-style action, or why it is not known.
        public var action: Action
        /// The resource ARN; `nil` when the request does not name it or it cannot be read.
        public var resource: String?

        /// Creates a pair.
        public init(action: Action, resource: String? = nil) {
            self.action = action
            self.resource = resource
        }
    }

    /// An empty classification: nothing known yet.
    public init() {}
}
