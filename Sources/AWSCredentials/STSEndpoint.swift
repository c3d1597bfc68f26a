public import AWSClassifier

/// Where STS is: the regional endpoint of the region's partition (`https://sts.us-east-1.amazonaws.com`,
/// `https://sts.cn-north-1.amazonaws.com.cn`, `https://sts.us-gov-west-1.amazonaws.com`), from the
/// partitions AWSClassifier reads out of botocore's model; or the endpoint the environment names, as
/// the AWS SDKs read it (`AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`).
public enum STSEndpoint {
    /// The region sigv4-authz's own calls use: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
    public static func region(in environment: [String: String]) -> String {
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        return "us-east-1"
    }

    /// The STS URL for `region`: the environment's override, else the regional endpoint.
    ///
    /// - Throws: ``CredentialError/Reason/misconfigured`` when the override is not an http(s) URL, or
    ///   the region is not a region of any partition.
    public static func url(
        region: String, environment: [String: String], partitions: [AWSModel.Partition]
    ) throws(CredentialError) -> String {
        for name in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            guard EndpointURL(value) != nil else {
                throw CredentialError(.misconfigured, "\(name) is not an http or https URL")
            }
            return value
        }
        return try regional(region: region, partitions: partitions)
    }

    /// `https://sts.{region}.{dnsSuffix}` of the partition that lists the region (else whose pattern
    /// matches it).
    public static func regional(region: String, partitions: [AWSModel.Partition]) throws(CredentialError) -> String {
        guard !region.isEmpty, region.utf8.count <= 64, !region.hasSuffix("-global"),
            region.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
        else {
            throw CredentialError(.misconfigured, "'\(region)' is not an AWS region name")
        }
        guard
            let partition = partitions.first(where: { $0.regions.contains(region) })
                ?? partitions.first(where: { $0.isRegion(region) })
        else {
            throw CredentialError(.misconfigured, "the region \(region) is in no AWS partition sigv4-authz knows")
        }
        return "https://sts.\(region).\(partition.dnsSuffix)"
    }
}
