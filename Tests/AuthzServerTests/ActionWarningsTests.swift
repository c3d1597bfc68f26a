import AWSClassifier
import Policy
import Testing

@testable import AuthzServer

/// The action-name warnings with the bundled model's catalog: what `validate` prints and `serve` logs.
@Suite("Action name warnings")
struct ActionWarningsTests {
    static let known = Result { ActionWarnings.known(model: try AWSModel.bundled()) }

    static func warnings(_ actions: String, field: String = "actions") throws -> [String] {
        let text = "default: deny\nrules:\n  - name: r1\n    effect: deny\n    \(field): \(actions)\n"
        return ActionNameCheck.warnings(text: text, path: "c.yaml", known: try known.get()).map(\.description)
    }

    @Test(
        "a dead action is warned about with its position and a suggestion",
        arguments: [
            (
                "[s3:PutPublicAccessBlock]",
                "c.yaml:5:15: warning: rule r1: s3:PutPublicAccessBlock is not an IAM action of s3 that sigv4-authz derives; S3 authorizes the PutPublicAccessBlock operation as s3:PutBucketPublicAccessBlock (s3control's PutPublicAccessBlock as s3:PutAccountPublicAccessBlock)"
            ),
            (
                "[s3:GetObjet]",
                "c.yaml:5:15: warning: rule r1: s3:GetObjet is not an IAM action of s3 that sigv4-authz derives; did you mean s3:GetObject or s3:PutObject?"
            ),
            (
                "[s3:GetObject, \"s3:Frobnicate*\"]",
                "c.yaml:5:29: warning: rule r1: s3:Frobnicate* matches no IAM action of s3 that sigv4-authz derives"
            ),
            (
                "s3:ListObjectsV2",
                "c.yaml:5:14: warning: rule r1: s3:ListObjectsV2 is not an IAM action of s3 that sigv4-authz derives; S3 authorizes the ListObjectsV2 operation as s3:ListBucket"
            ),
            (
                "[sqs:SendMessageBatch]",
                "c.yaml:5:15: warning: rule r1: sqs:SendMessageBatch is not an IAM action of sqs that sigv4-authz derives; SQS authorizes the SendMessageBatch operation as sqs:SendMessage"
            ),
            (
                "[s3:Zzzzzzzzzzzzzzz]",
                "c.yaml:5:15: warning: rule r1: s3:Zzzzzzzzzzzzzzz is not an IAM action of s3 that sigv4-authz derives"
            ),
        ])
    func warned(actions: String, expected: String) throws {
        #expect(try Self.warnings(actions) == [expected])
        // not_actions is checked the same way (the column moves by the four letters of "not_").
        let negated = try Self.warnings(actions, field: "not_actions")
        #expect(negated.count == 1)
        #expect(negated.first?.hasSuffix(String(expected.drop { $0 != " " })) == true)
    }

    @Test(
        "real actions, wildcards that match, other cases and unknown prefixes are not warned about",
        arguments: [
            "[s3:GetObject, s3:getobject, s3:PutBucketPublicAccessBlock, s3:GetObjectVersion]",
            "[\"s3:Get*\", \"s3:*\", \"*\", \"s3:?etObject\", \"*:GetObject\", \"s3*:Frobnicate\"]",
            "[s3:BypassGovernanceRetention, dynamodb:PartiQLSelect, sts:SetContext, iam:PassRole]",
            "[s3:PutAccountPublicAccessBlock, kms:ReEncryptFrom, execute-api:Invoke, lambda:InvokeFunctionUrl]",
            "[foo:Bar, \"foo:Frob*\", apigateway:GET, logs:PutLogEvents, es:ESHttpGet]",
        ])
    func notWarned(actions: String) throws {
        #expect(try Self.warnings(actions) == [])
    }

    @Test("suggestions: at most three, edit distance three at most, closest first")
    func suggestions() throws {
        let known = try Self.known.get()
        #expect(
            ActionNameCheck.problem("kms:Decryptt", known: known)
                == "kms:Decryptt is not an IAM action of kms that sigv4-authz derives; did you mean kms:Decrypt or kms:Encrypt?"
        )
        #expect(
            ActionNameCheck.problem("ec2:DescribeInstance", known: known)
                == "ec2:DescribeInstance is not an IAM action of ec2 that sigv4-authz derives; did you mean ec2:DescribeInstances?"
        )
        // Several within three edits: the closest first, then by name, three at most.
        let many = try #require(ActionNameCheck.problem("s3:GetObjectAc", known: known))
        let suggested = try #require(many.split(separator: "did you mean ").last)
        #expect(suggested.hasPrefix("s3:GetObjectAcl, "), "\(many)")
        #expect(suggested.split(separator: "s3:").count == 3, "\(many)")
        #expect(ActionNameCheck.editDistance("getobjet", "getobject", limit: 3) == 1)
        #expect(ActionNameCheck.editDistance("abc", "abcdefgh", limit: 3) == 4)
    }

    @Test(
        "glob matching",
        arguments: [
            ("get*", "getobject", true), ("*object", "getobject", true), ("g?tobject", "getobject", true),
            ("*", "", true), ("get*x", "getobject", false), ("frobnicate*", "getobject", false),
            ("*a*a*a*a*a*a*b", String(repeating: "a", count: 60), false),
        ])
    func glob(pattern: String, value: String, matches: Bool) {
        #expect(ActionNameCheck.matches(Array(pattern.utf8)[...], Array(value.utf8)[...]) == matches)
    }
}
