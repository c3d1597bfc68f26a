import AWSClassifier
import Testing

@Suite("Hosts")
struct HostClassifierTests {
    struct Host: Sendable, CustomTestStringConvertible {
        var host: String
        var partition: String
        var kind: Endpoint.Kind
        var prefix: String
        var region: String?
        var bucket: String? = nil
        var fips = false
        var dualStack = false
        var testDescription: String { host }
    }

    static let hosts: [Host] = [
        Host(
            host: "dynamodb.us-east-1.amazonaws.com", partition: "aws", kind: .regional, prefix: "dynamodb",
            region: "us-east-1"),
        Host(
            host: "DynamoDB.EU-West-1.AmazonAWS.com:443", partition: "aws", kind: .regional, prefix: "dynamodb",
            region: "eu-west-1"),
        Host(
            host: "dynamodb.us-east-1.amazonaws.com.", partition: "aws", kind: .regional, prefix: "dynamodb",
            region: "us-east-1"),
        Host(
            host: "dynamodb-fips.us-east-2.amazonaws.com", partition: "aws", kind: .regional, prefix: "dynamodb",
            region: "us-east-2", fips: true),
        Host(
            host: "ec2.us-east-1.api.aws", partition: "aws", kind: .regional, prefix: "ec2", region: "us-east-1",
            dualStack: true),
        Host(
            host: "monitoring.ap-southeast-2.amazonaws.com", partition: "aws", kind: .regional, prefix: "monitoring",
            region: "ap-southeast-2"),
        Host(
            host: "runtime.sagemaker.us-west-2.amazonaws.com", partition: "aws", kind: .regional,
            prefix: "runtime.sagemaker", region: "us-west-2"),
        Host(
            host: "email.eu-west-1.amazonaws.com", partition: "aws", kind: .regional, prefix: "email",
            region: "eu-west-1"),
        Host(host: "iam.amazonaws.com", partition: "aws", kind: .global, prefix: "iam", region: "us-east-1"),
        Host(host: "sts.amazonaws.com", partition: "aws", kind: .global, prefix: "sts", region: "us-east-1"),
        Host(host: "route53.amazonaws.com", partition: "aws", kind: .global, prefix: "route53", region: "us-east-1"),
        Host(
            host: "cloudfront.amazonaws.com", partition: "aws", kind: .global, prefix: "cloudfront", region: "us-east-1"
        ),
        Host(
            host: "ec2.cn-north-1.amazonaws.com.cn", partition: "aws-cn", kind: .regional, prefix: "ec2",
            region: "cn-north-1"),
        // GovCloud's standard STS endpoint is its FIPS endpoint (endpoints.json lists it as the fips variant).
        Host(
            host: "sts.us-gov-west-1.amazonaws.com", partition: "aws-us-gov", kind: .regional, prefix: "sts",
            region: "us-gov-west-1", fips: true),
        Host(
            host: "dynamodb.us-iso-east-1.c2s.ic.gov", partition: "aws-iso", kind: .regional, prefix: "dynamodb",
            region: "us-iso-east-1"),
        Host(
            host: "dynamodb.us-isob-east-1.sc2s.sgov.gov", partition: "aws-iso-b", kind: .regional, prefix: "dynamodb",
            region: "us-isob-east-1"),
        Host(
            host: "ec2.eu-isoe-west-1.cloud.adc-e.uk", partition: "aws-iso-e", kind: .regional, prefix: "ec2",
            region: "eu-isoe-west-1"),
        Host(
            host: "ec2.us-isof-south-1.csp.hci.ic.gov", partition: "aws-iso-f", kind: .regional, prefix: "ec2",
            region: "us-isof-south-1"),
        Host(
            host: "ec2.eusc-de-east-1.amazonaws.eu", partition: "aws-eusc", kind: .regional, prefix: "ec2",
            region: "eusc-de-east-1"),
        Host(host: "s3.amazonaws.com", partition: "aws", kind: .s3PathStyle, prefix: "s3", region: "us-east-1"),
        Host(
            host: "s3.eu-west-1.amazonaws.com", partition: "aws", kind: .s3PathStyle, prefix: "s3", region: "eu-west-1"),
        Host(
            host: "my-bucket.s3.amazonaws.com", partition: "aws", kind: .s3VirtualHosted, prefix: "s3",
            region: "us-east-1", bucket: "my-bucket"),
        Host(
            host: "s3-logs.s3.us-west-2.amazonaws.com", partition: "aws", kind: .s3VirtualHosted, prefix: "s3",
            region: "us-west-2", bucket: "s3-logs"),
        Host(
            host: "s3.example.s3.us-west-2.amazonaws.com", partition: "aws", kind: .s3VirtualHosted, prefix: "s3",
            region: "us-west-2", bucket: "s3.example"),
        Host(
            host: "us-east-1.s3.amazonaws.com", partition: "aws", kind: .s3VirtualHosted, prefix: "s3",
            region: "us-east-1", bucket: "us-east-1"),
        Host(
            host: "s3-eu-west-1.s3.eu-west-1.amazonaws.com", partition: "aws", kind: .s3VirtualHosted, prefix: "s3",
            region: "eu-west-1", bucket: "s3-eu-west-1"),
        Host(
            host: "s3-us-west-2.amazonaws.com", partition: "aws", kind: .s3PathStyle, prefix: "s3", region: "us-west-2"),
        Host(
            host: "logs.s3-us-west-2.amazonaws.com", partition: "aws", kind: .s3VirtualHosted, prefix: "s3",
            region: "us-west-2", bucket: "logs"),
        Host(
            host: "s3-external-1.amazonaws.com", partition: "aws", kind: .s3PathStyle, prefix: "s3", region: "us-east-1"
        ),
        Host(
            host: "bkt.s3-fips.dualstack.us-east-1.amazonaws.com", partition: "aws", kind: .s3VirtualHosted,
            prefix: "s3", region: "us-east-1", bucket: "bkt", fips: true, dualStack: true),
        Host(
            host: "bucket.s3-accelerate.amazonaws.com", partition: "aws", kind: .s3VirtualHosted, prefix: "s3",
            region: nil, bucket: "bucket"),
        Host(
            host: "s3.cn-north-1.amazonaws.com.cn", partition: "aws-cn", kind: .s3PathStyle, prefix: "s3",
            region: "cn-north-1"),
        Host(
            host: "ap-123456789012.s3-accesspoint.eu-west-1.amazonaws.com", partition: "aws", kind: .s3AccessPoint,
            prefix: "s3", region: "eu-west-1"),
        Host(
            host: "olap-123456789012.s3-object-lambda.us-east-1.amazonaws.com", partition: "aws", kind: .s3ObjectLambda,
            prefix: "s3-object-lambda", region: "us-east-1"),
        Host(
            host: "ap-123456789012.op-01234567890123456.s3-outposts.us-west-2.amazonaws.com", partition: "aws",
            kind: .s3Outposts, prefix: "s3-outposts", region: "us-west-2"),
        Host(
            host: "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", partition: "aws",
            kind: .s3MultiRegionAccessPoint, prefix: "s3", region: nil, bucket: "mfzwi23gnjvgw.mrap"),
        Host(
            host: "b--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com", partition: "aws", kind: .s3Express,
            prefix: "s3express", region: "us-west-2", bucket: "b--usw2-az1--x-s3"),
        Host(
            host: "s3express-control.us-west-2.amazonaws.com", partition: "aws", kind: .s3Express, prefix: "s3express",
            region: "us-west-2"),
        Host(
            host: "123456789012.s3-control.us-east-1.amazonaws.com", partition: "aws", kind: .s3Control,
            prefix: "s3-control", region: "us-east-1"),
        Host(
            host: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", partition: "aws", kind: .apiGateway,
            prefix: "execute-api", region: "eu-west-1"),
        Host(
            host: "abcdefghijklmnop.lambda-url.us-east-1.on.aws", partition: "aws", kind: .lambdaFunctionURL,
            prefix: "lambda", region: "us-east-1"),
        Host(
            host: "search-logs-2026-a1b2c3d4e5f6g7h8i9j0k1l2m3.eu-west-1.es.amazonaws.com", partition: "aws",
            kind: .openSearchDomain, prefix: "es", region: "eu-west-1"),
        Host(
            host: "vpc-orders-x7y8z9.us-east-1.es.amazonaws.com", partition: "aws", kind: .openSearchDomain,
            prefix: "es", region: "us-east-1"),
        Host(
            host: "1a2b3c4d5e6f7g8h9i0j.eu-west-1.aoss.amazonaws.com", partition: "aws", kind: .openSearchServerless,
            prefix: "aoss", region: "eu-west-1"),
        Host(
            host: "sync-states.us-east-1.amazonaws.com", partition: "aws", kind: .regional, prefix: "states",
            region: "us-east-1"),
        Host(
            host: "123456789012.data-kinesis.us-east-1.amazonaws.com", partition: "aws", kind: .regional,
            prefix: "kinesis", region: "us-east-1"),
        Host(
            host: "arc-region-switch-control-plane.us-east-1.api.aws", partition: "aws", kind: .regional,
            prefix: "arc-region-switch", region: "us-east-1", dualStack: true),
    ]

    @Test("AWS hosts in every partition and shape", arguments: hosts)
    func awsHosts(_ expected: Host) throws {
        let hosts = try #require(Fixtures.hosts)
        let found = hosts.classify(host: expected.host)
        let endpoint = try #require(found, "\(expected.host) is not classified")
        #expect(endpoint.partition.id == expected.partition)
        #expect(endpoint.kind == expected.kind)
        #expect(endpoint.endpointPrefixes.first == expected.prefix)
        #expect(endpoint.region == expected.region)
        #expect(endpoint.bucket == expected.bucket)
        #expect(endpoint.fips == expected.fips)
        #expect(endpoint.dualStack == expected.dualStack)
    }

    static let notAWS = [
        "", ".", "amazonaws.com", "evil-amazonaws.com", "amazonaws.com.evil.net", "s3.amazonaws.com.attacker.example",
        "dynamodb.us-east-1.amazonaws.com.evil.net", "dynamodb.us-east-1.amazonaws.co",
        "notaservice.us-east-1.amazonaws.com",
        "dynamodb.moon-east-1.amazonaws.com", "127.0.0.1", "127.0.0.1:9000", "[::1]:443", "localhost",
        "dynamodb.us-east-1.amazonaws.com:99999", "dynamodb.us-east-1.amazonaws.com:",
        "dyn_amo.us-east-1.amazonaws.com",
        "bucket..s3.amazonaws.com", "-bucket.s3.amazonaws.com", "s3.us-east-1.amazonaws.com@evil.com",
        "user:pass@s3.amazonaws.com", "s3.amazonaws.com/evil", "s3.amazonaws.com evil.com", "ab.s3.amazonaws.com",
        "a.b.execute-api.us-east-1.amazonaws.com", "lambda-url.us-east-1.on.aws", "x.lambda-url.us-east-1.on.aws.evil",
        "search-.eu-west-1.es.amazonaws.com", "search-logs.eu-west-1.es.amazonaws.com",
        "search-logs-.eu-west-1.es.amazonaws.com", "other-logs-abc.eu-west-1.es.amazonaws.com",
        "search-logs-abc.moon-1.es.amazonaws.com", "x.y.eu-west-1.aoss.amazonaws.com",
        "Ab_c.eu-west-1.aoss.amazonaws.com",
        "s3-website-us-east-1.amazonaws.com", "dynamodb.us-east-1.api.aws.evil.com", "xn--s3-amazonaws.com",
        "dynamodb.us-east-1.amazonaws.com\u{0}.evil", "dynamodb.us-east-1.amazonaws.com\r\nX: y",
        String(repeating: "a.", count: 130) + "s3.amazonaws.com",
    ]

    @Test("anything else is not AWS", arguments: notAWS)
    func notAWSHosts(_ host: String) throws {
        let hosts = try #require(Fixtures.hosts)
        let endpoint = hosts.classify(host: host)
        #expect(endpoint == nil, "\(host) → \(String(describing: endpoint?.kind))")
    }
}
