internal import AWSClassifier

/// The STS endpoints a token may name, recognized exactly: `sts.amazonaws.com` (the `aws`
/// partition's global endpoint, scoped to `us-east-1`), and for a known region of an accepted
/// partition `sts.REGION.SUFFIX`, `sts-fips.REGION.SUFFIX`, `sts.REGION.DUALSTACK` and
/// `sts-fips.REGION.DUALSTACK`. Nothing else: no other service, no look-alike, no IP address.
struct STSHost: Sendable, Hashable {
    /// The host, lower case.
    let host: String
    /// The region signatures for the host are scoped to.
    let region: String
    /// The partition id.
    let partition: String

    /// The endpoint `host` names (already lower case, without port), or `nil` when it is none of the
    /// accepted STS endpoints.
    static func recognize(
        _ host: String, partitions: [AWSModel.Partition], acceptsRegion: (String) -> Bool
    ) -> STSHost? {
        if host == "sts.amazonaws.com" {
            guard partitions.contains(where: { $0.id == "aws" }), acceptsRegion("us-east-1") else { return nil }
            return STSHost(host: host, region: "us-east-1", partition: "aws")
        }
        let rest: Substring
        if host.hasPrefix("sts-fips.") {
            rest = host.dropFirst("sts-fips.".count)
        } else if host.hasPrefix("sts.") {
            rest = host.dropFirst("sts.".count)
        } else {
            return nil
        }
        // REGION.SUFFIX: the region is the first label, the suffix the rest exactly.
        guard let dot = rest.firstIndex(of: ".") else { return nil }
        let region = String(rest[..<dot])
        let suffix = rest[rest.index(after: dot)...]
        for partition in partitions
        where suffix == partition.dnsSuffix || suffix == partition.dualStackDNSSuffix {
            guard partition.regions.contains(region), !region.hasSuffix("-global") else { continue }
            guard acceptsRegion(region) else { return nil }
            return STSHost(host: host, region: region, partition: partition.id)
        }
        return nil
    }
}
