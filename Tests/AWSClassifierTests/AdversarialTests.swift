import AWSClassifier
import SigV4
import Testing

/// Requests built to make the classifier see something other than what AWS will do.
@Suite("Adversarial requests")
struct AdversarialTests {
    static let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]

    @Test("a decoy X-Amz-Target on a query-protocol service is a conflict")
    func decoyTarget() {
        let body = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)
        let request = Fixtures.signed(
            method: "POST", host: "sts.us-east-1.amazonaws.com", service: "sts", region: "us-east-1",
            headers: Self.form + [("X-Amz-Target", "DynamoDB_20120810.PutItem")], body: body)
        let result = Fixtures.classify(request, body: body)
        #expect(result.problem?.reasonCode == "ambiguous_request")
        #expect(result.action.name == nil)
    }

    @Test("Action in the URL and another Action in the body is a conflict")
    func urlVersusBodyAction() {
        let body = Array("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/x&RoleSessionName=s".utf8)
        let request = Fixtures.signed(
            method: "POST", host: "sts.us-east-1.amazonaws.com", target: "/?Action=GetCallerIdentity",
            service: "sts", region: "us-east-1", headers: Self.form, body: body)
        let result = Fixtures.classify(request, body: body)
        #expect(
            result.problem == .conflict("the URL says Action=GetCallerIdentity but the body says Action=AssumeRole"))
    }

    @Test("without the body, an Action in the URL is not trusted for a POST with a form body")
    func urlActionWithoutBody() {
        let body = Array("Action=AssumeRole&Version=2011-06-15".utf8)
        let request = Fixtures.signed(
            method: "POST", host: "sts.us-east-1.amazonaws.com", target: "/?Action=GetCallerIdentity",
            service: "sts", region: "us-east-1", headers: Self.form + [("Content-Length", "\(body.count)")], body: body)
        let result = Fixtures.classify(request, body: nil)
        #expect(result.action.name == nil)
        #expect(result.problem == nil)
    }

    @Test("X-Amz-Target naming another service's operation, twice, or an unknown one")
    func badTargets() {
        for headers in [
            [("X-Amz-Target", "AmazonSQS.SendMessage")],
            [("X-Amz-Target", "DynamoDB_20120810.PutItem"), ("X-Amz-Target", "DynamoDB_20120810.GetItem")],
            [("X-Amz-Target", "DynamoDB_20120810.StealEverything")],
            [("X-Amz-Target", "DynamoDB_20120810")],
        ] {
            let request = Fixtures.signed(
                method: "POST", host: "dynamodb.us-east-1.amazonaws.com", service: "dynamodb", region: "us-east-1",
                headers: [("Content-Type", "application/x-amz-json-1.0")] + headers)
            #expect(Fixtures.classify(request, body: nil).problem?.reasonCode == "ambiguous_request", "\(headers)")
        }
    }

    @Test("a credential for another service or region than the host is a scope mismatch")
    func scopeMismatch() {
        let otherService = Fixtures.signed(
            host: "dynamodb.us-east-1.amazonaws.com", service: "sts", region: "us-east-1")
        #expect(Fixtures.classify(otherService, body: nil).problem?.reasonCode == "scope_mismatch")
        let otherRegion = Fixtures.signed(
            host: "dynamodb.us-east-1.amazonaws.com", service: "dynamodb", region: "eu-west-1")
        #expect(Fixtures.classify(otherRegion, body: nil).problem?.reasonCode == "scope_mismatch")
        let globalSTS = Fixtures.signed(
            host: "sts.amazonaws.com", target: "/?Action=GetCallerIdentity&Version=2011-06-15", service: "sts",
            region: "eu-west-1")
        #expect(Fixtures.classify(globalSTS, body: nil).problem?.reasonCode == "scope_mismatch")
        let cnKeyAtAWS = Fixtures.signed(host: "s3.amazonaws.com", target: "/b/k", service: "s3", region: "cn-north-1")
        #expect(Fixtures.classify(cnKeyAtAWS, body: nil).problem?.reasonCode == "scope_mismatch")
    }

    @Test("the legacy global S3 host takes the bucket's region from the signature")
    func s3GlobalRegion() {
        let request = Fixtures.signed(
            host: "my-bucket.s3.amazonaws.com", target: "/key", service: "s3", region: "eu-west-1")
        let result = Fixtures.classify(request, body: nil)
        #expect(result.problem == nil)
        #expect(result.region == "eu-west-1")
        #expect(result.action == .known("s3:GetObject"))
        #expect(result.resource == "arn:aws:s3:::my-bucket/key")
    }

    @Test("bucket names that look like endpoints do not change the endpoint")
    func lookalikeBuckets() {
        for (host, bucket) in [
            ("s3-logs.s3.us-west-2.amazonaws.com", "s3-logs"), ("s3.example.s3.us-west-2.amazonaws.com", "s3.example"),
            ("dynamodb.us-east-1.amazonaws.com.s3.us-west-2.amazonaws.com", "dynamodb.us-east-1.amazonaws.com"),
        ] {
            let result = Fixtures.classify(
                Fixtures.signed(host: host, target: "/k", service: "s3", region: "us-west-2"), body: nil)
            #expect(result.problem == nil, "\(host)")
            #expect(result.endpoint?.bucket == bucket)
            #expect(result.resource == "arn:aws:s3:::\(bucket)/k")
        }
    }

    @Test("an encoded slash in a key is part of the key; in the bucket segment it is ambiguous")
    func encodedSlash() {
        let result = Fixtures.classify(
            Fixtures.signed(
                host: "s3.us-west-2.amazonaws.com", target: "/bucket/a%2Fb?tagging", service: "s3", region: "us-west-2"),
            body: nil)
        #expect(result.operation == "GetObjectTagging")
        #expect(result.resource == "arn:aws:s3:::bucket/a/b")
        let listing = Fixtures.classify(
            Fixtures.signed(
                host: "s3.us-west-2.amazonaws.com", target: "/bucket%2Fother", service: "s3", region: "us-west-2"),
            body: nil)
        // In the bucket segment, an encoded '/' could be read as a bucket named "bucket/other" or as
        // bucket "bucket", key "other": ambiguous.
        #expect(listing.problem == .conflict("the bucket segment of the path holds an encoded '/'"))
    }

    @Test("non-AWS hosts with valid-looking SigV4 are unknown endpoints")
    func nonAWSHosts() {
        for host in [
            "s3.amazonaws.com.attacker.example", "attacker.example", "127.0.0.1:8080", "s3.us-east-1.amazonaws.co",
        ] {
            let result = Fixtures.classify(
                Fixtures.signed(host: host, target: "/b/k", service: "s3", region: "us-east-1"), body: nil)
            #expect(result.problem?.reasonCode == "unknown_endpoint", "\(host)")
            #expect(result.action.name == nil)
        }
        var noHost = Fixtures.signed(host: "s3.amazonaws.com", service: "s3", region: "us-east-1")
        noHost.headers.removeAll { $0.name == "Host" }
        #expect(Fixtures.classify(noHost, body: nil).problem?.reasonCode == "unknown_endpoint")
        var twoHosts = Fixtures.signed(host: "s3.amazonaws.com", service: "s3", region: "us-east-1")
        twoHosts.headers.append(HeaderField("host", "evil.example"))
        #expect(Fixtures.classify(twoHosts, body: nil).problem?.reasonCode == "ambiguous_request")
    }

    @Test("x-id naming another operation than the route is a conflict")
    func xIDMismatch() {
        let request = Fixtures.signed(
            method: "PUT", host: "bkt.s3.us-east-1.amazonaws.com", target: "/k?x-id=GetObject", service: "s3",
            region: "us-east-1")
        #expect(Fixtures.classify(request, body: nil).problem?.reasonCode == "ambiguous_request")
        let agreeing = Fixtures.signed(
            host: "bkt.s3.us-east-1.amazonaws.com", target: "/k?x-id=GetObject", service: "s3", region: "us-east-1")
        #expect(Fixtures.classify(agreeing, body: nil).operation == "GetObject")
    }

    @Test("a prefixed host only serves its own operations")
    func hostPrefix() {
        let body = Array(#"{"stateMachineArn":"arn:aws:states:us-east-1:1:stateMachine:x"}"#.utf8)
        let wrong = Fixtures.signed(
            method: "POST", host: "sync-states.us-east-1.amazonaws.com", service: "states", region: "us-east-1",
            headers: [
                ("X-Amz-Target", "AWSStepFunctions.DeleteStateMachine"), ("Content-Type", "application/x-amz-json-1.0"),
            ], body: body)
        #expect(Fixtures.classify(wrong, body: body).problem?.reasonCode == "ambiguous_request")
    }

    @Test("SigV4a region sets must cover the host's region")
    func regionSet() {
        var request = SigV4Request(
            method: "GET", rawPath: "/k", rawQuery: "",
            headers: [
                HeaderField("Host", "bkt.s3.us-east-1.amazonaws.com"), HeaderField("X-Amz-Date", "20260115T123456Z"),
                HeaderField("X-Amz-Region-Set", "eu-*"), HeaderField("x-amz-content-sha256", emptyPayloadSHA256),
            ])
        request.headers.append(
            HeaderField(
                "Authorization",
                "AWS4-ECDSA-P256-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260115/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-region-set, Signature=\(String(repeating: "ab", count: 35))"
            ))
        #expect(Fixtures.classify(request, body: nil).problem?.reasonCode == "scope_mismatch")
        request.headers[2].value = "us-*"
        #expect(Fixtures.classify(request, body: nil).problem == nil)
    }

    @Test("a duplicate TableName in a JSON body yields no resource rather than a guess")
    func duplicateJSONKey() {
        let body = Array(#"{"TableName":"allowed","Item":{},"TableName":"secret"}"#.utf8)
        let request = Fixtures.signed(
            method: "POST", host: "dynamodb.us-east-1.amazonaws.com", service: "dynamodb", region: "us-east-1",
            headers: [("X-Amz-Target", "DynamoDB_20120810.PutItem"), ("Content-Type", "application/x-amz-json-1.0")],
            body: body)
        let result = Fixtures.classify(request, body: body)
        #expect(result.action == .known("dynamodb:PutItem"))
        #expect(result.resource == nil)
        let single = Array(#"{"TableName":"orders","Item":{"id":{"S":"1"}}}"#.utf8)
        #expect(
            Fixtures.classify(request, body: single).resource == "arn:aws:dynamodb:us-east-1:171436882533:table/orders")
    }
}
