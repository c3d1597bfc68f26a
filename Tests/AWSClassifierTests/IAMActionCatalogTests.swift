import Foundation
import Testing

@testable import AWSClassifier

/// The action names `sigv4-authz validate` checks policies against (``IAMActionCatalog``), against the
/// independent oracle: the AWS Service Authorization Reference's action lists
/// (`Vectors/service-authorization.json`). No real IAM action of a checked prefix may be called unknown.
@Suite("IAM action catalog against the Service Authorization Reference")
struct IAMActionCatalogTests {
    struct Reference: Decodable {
        var actions: [String: [String]]
    }

    static let reference: Reference? = {
        guard
            let url = Bundle.module.url(
                forResource: "service-authorization", withExtension: "json", subdirectory: "Vectors"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return try? JSONDecoder().decode(Reference.self, from: data)
    }()

    static let catalog = Result { try IAMActionCatalog.bundled() }

    @Test("the checked prefixes are exactly the reference's")
    func checkedPrefixes() throws {
        let reference = try #require(Self.reference, "Vectors/service-authorization.json is missing")
        #expect(try Self.catalog.get().checked == Set(reference.actions.keys))
    }

    /// For each prefix: the reference's actions the check would call unknown. Must be empty.
    @Test(
        "no action of the reference is called unknown",
        arguments: [
            "cloudhsm", "dynamodb", "ec2", "execute-api", "iam", "kinesis", "kms", "lambda", "s3", "s3tables",
            "secretsmanager", "sns", "sqs", "states", "sts",
        ])
    func noFalseWarning(prefix: String) throws {
        let reference = try #require(Self.reference?.actions[prefix], "no reference for \(prefix)")
        let known = try Self.catalog.get().actions[prefix] ?? [:]
        let unknown = reference.filter { known[$0.lowercased()] == nil }
        #expect(unknown.isEmpty, "\(prefix): the check would warn about \(unknown)")
    }

    /// The allowlist holds real actions only, and only those classification does not derive (a
    /// derived action in it would hide a change of the mapper).
    @Test("every permission-only action is in the reference and is not derived")
    func permissionOnlyIsMinimal() throws {
        let reference = try #require(Self.reference, "Vectors/service-authorization.json is missing")
        let derived = IAMActionCatalog.derived(model: try AWSModel.bundled()).actions
        for (prefix, names) in IAMActionReference.permissionOnly {
            let listed = Set(reference.actions[prefix] ?? [])
            for name in names {
                #expect(listed.contains(name), "\(prefix):\(name) is not in the reference")
                #expect(!derived.contains("\(prefix):\(name)"), "\(prefix):\(name) is derived; drop it from the list")
            }
        }
    }

    @Test(
        "an operation whose action has another name is known by its operation",
        arguments: [
            ("s3", "PutPublicAccessBlock", "s3", "s3:PutBucketPublicAccessBlock"),
            ("s3", "PutPublicAccessBlock", "s3control", "s3:PutAccountPublicAccessBlock"),
            ("s3", "GetPublicAccessBlock", "s3control", "s3:GetAccountPublicAccessBlock"),
            ("s3", "ListObjectsV2", "s3", "s3:ListBucket"),
            ("sqs", "SendMessageBatch", "sqs", "sqs:SendMessage"),
            ("lambda", "Invoke", "lambda", "lambda:InvokeFunction"),
        ])
    func renamed(prefix: String, operation: String, model: String, action: String) throws {
        let entries = try Self.catalog.get().renamedOperations[prefix]?[operation.lowercased()] ?? []
        #expect(entries.contains { $0.model == model && $0.operation == operation && $0.action == action })
        // The model named like the prefix comes first: its action is the suggestion.
        #expect(entries.first?.model == prefix)
    }

    @Test(
        "S3 Control's account-level public access block has the account's actions",
        arguments: [
            ("GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
            ("PutPublicAccessBlock", "s3:PutAccountPublicAccessBlock"),
            ("DeletePublicAccessBlock", "s3:PutAccountPublicAccessBlock"),
        ])
    func s3ControlPublicAccessBlock(operation: String, action: String) throws {
        let service = try #require(try AWSModel.bundled().services["s3control"])
        #expect(
            IAMActionMapper.action(
                service: service, operation: operation, method: "PUT", iamPrefix: "s3", hasVersionID: false) == action)
    }
}
