/// What an AWS hostname says about the request: partition, service endpoint, region and shape.
public struct Endpoint: Sendable, Hashable {
    /// The shape of the host.
    public enum Kind: String, Sendable, Hashable {
        /// `{service}.{region}.{dnsSuffix}` and its FIPS / dual-stack forms.
        case regional
        /// A global endpoint (`iam.amazonaws.com`), scoped to the partition's global region.
        case global
        /// S3 with the bucket in the path (`s3.{region}.amazonaws.com/{bucket}/{key}`).
        case s3PathStyle = "s3-path-style"
        /// S3 with the bucket in the host (`{bucket}.s3.{region}.amazonaws.com`).
        case s3VirtualHosted = "s3-virtual-hosted"
        /// An S3 access point (`{name}-{account}.s3-accesspoint.{region}.amazonaws.com`).
        case s3AccessPoint = "s3-access-point"
        /// An S3 Object Lambda access point.
        case s3ObjectLambda = "s3-object-lambda"
        /// An S3 on Outposts access point.
        case s3Outposts = "s3-outposts"
        /// An S3 Multi-Region Access Point (`{alias}.accesspoint.s3-global.amazonaws.com`, SigV4a).
        case s3MultiRegionAccessPoint = "s3-multi-region-access-point"
        /// An S3 Express One Zone directory bucket or its control endpoint.
        case s3Express = "s3-express"
        /// S3 Control (`{account}.s3-control.{region}.amazonaws.com`).
        case s3Control = "s3-control"
        /// An API Gateway API (`{api-id}.execute-api.{region}.amazonaws.com`).
        case apiGateway = "api-gateway"
        /// A Lambda function URL (`{url-id}.lambda-url.{region}.on.aws`).
        case lambdaFunctionURL = "lambda-function-url"
        /// An OpenSearch Service domain's endpoint (`search-{domain}-{id}.{region}.es.amazonaws.com`,
        /// `vpc-…` in a VPC).
        case openSearchDomain = "opensearch-domain"
        /// An OpenSearch Serverless collection's endpoint (`{collection-id}.{region}.aoss.amazonaws.com`).
        case openSearchServerless = "opensearch-serverless"
    }

    /// The host, lower case, without port or trailing dot.
    public var host: String
    /// The partition.
    public var partition: AWSModel.Partition
    /// The shape of the host.
    public var kind: Kind
    /// The endpoint prefixes the host can belong to, most likely first (usually one).
    public var endpointPrefixes: [String]
    /// The region the host names or is scoped to; `nil` when the host does not fix one.
    public var region: String?
    /// Whether a signature for any region of the partition is acceptable (legacy global S3 hosts,
    /// S3 Transfer Acceleration, Multi-Region Access Points): the region then comes from the scope.
    public var anyRegion: Bool
    /// Whether the host is a FIPS endpoint.
    public var fips: Bool
    /// Whether the host is a dual-stack endpoint.
    public var dualStack: Bool
    /// The signing name an explicit endpoint requires, when it differs from the service's.
    public var signingName: String?
    /// S3: the bucket, Express directory bucket or Multi-Region Access Point alias named by the host.
    public var bucket: String?
    /// S3 access points: the access point name.
    public var accessPointName: String?
    /// S3 access points and S3 Control: the account in the host.
    public var accountID: String?
    /// S3 on Outposts: the outpost id.
    public var outpostID: String?
    /// API Gateway and Lambda function URLs: the API or URL id; OpenSearch: the domain endpoint's first
    /// label or the collection id; hosts with a templated operation prefix: the value of that label.
    public var resourceID: String?
    /// The operation host prefix the host carries (`sync-`, `data.`, `{AccountId}.`), if any: only
    /// the operations served there are possible.
    public var hostPrefix: String?

    init(host: String, partition: AWSModel.Partition, kind: Kind, endpointPrefix: String, region: String?) {
        self.init(host: host, partition: partition, kind: kind, endpointPrefixes: [endpointPrefix], region: region)
    }

    /// An endpoint with `endpointPrefixes` (an array the classifier's index keeps, shared: no allocation).
    init(host: String, partition: AWSModel.Partition, kind: Kind, endpointPrefixes: [String], region: String?) {
        self.host = host
        self.partition = partition
        self.kind = kind
        self.endpointPrefixes = endpointPrefixes
        self.region = region
        self.anyRegion = false
        self.fips = false
        self.dualStack = false
    }

    /// An endpoint with every field given (the classifier builds each endpoint in one expression, so
    /// that the value is made in place rather than copied).
    @inline(never)
    init(
        host: String, partition: AWSModel.Partition, kind: Kind, endpointPrefixes: [String], region: String?,
        anyRegion: Bool, fips: Bool, dualStack: Bool, bucket: String?, accessPointName: String?, accountID: String?,
        outpostID: String?, resourceID: String?, hostPrefix: String?
    ) {
        self.host = host
        self.partition = partition
        self.kind = kind
        self.endpointPrefixes = endpointPrefixes
        self.region = region
        self.anyRegion = anyRegion
        self.fips = fips
        self.dualStack = dualStack
        self.bucket = bucket
        self.accessPointName = accessPointName
        self.accountID = accountID
        self.outpostID = outpostID
        self.resourceID = resourceID
        self.hostPrefix = hostPrefix
    }

    /// Whether this is one of the S3 shapes.
    public var isS3: Bool {
        switch kind {
        case .s3PathStyle, .s3VirtualHosted, .s3AccessPoint, .s3ObjectLambda, .s3Outposts, .s3MultiRegionAccessPoint,
            .s3Express:
            true
        default: false
        }
    }
}
