import Foundation
import Testing

@testable import AWSClassifier

/// The dependent-action table against the AWS Service Authorization Reference (its actions and its
/// "Dependent actions" column, as `scripts/generate-service-authorization.py` extracted them into
/// `Vectors/service-authorization.json`).
@Suite("Dependent actions against the Service Authorization Reference")
struct DependentActionsReferenceTests {
    struct Reference: Decodable {
        var actions: [String: [String]]
        var dependent_actions: [String: [String: [String]]]
    }

    static let reference: Reference? = {
        guard
            let url = Bundle.module.url(
                forResource: "service-authorization", withExtension: "json", subdirectory: "Vectors"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return try? JSONDecoder().decode(Reference.self, from: data)
    }()

    static let model = Result { try AWSModel.bundled() }

    /// Actions the deriver emits beyond the table (the item actions of transactions, KMS re-encryption,
    /// Secrets Manager batches, passed roles, session tags, the version forms of S3 rows).
    static let derivedActions = [
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
        "dynamodb:GetItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "kms:ReEncryptFrom",
        "kms:ReEncryptTo", "secretsmanager:GetSecretValue", "secretsmanager:ListSecrets",
        "secretsmanager:BatchGetSecretValue", "iam:PassRole", "s3:DeleteObject", "s3:DeleteObjectVersion",
        "s3:GetObjectVersion", "s3:GetObjectVersionAttributes", "execute-api:Invoke", "lambda:InvokeFunctionUrl",
    ]

    /// Reference entries with no request to derive them from.
    static let notDerivable: [String: String] = [
        "s3:PauseReplication": "a permission for S3 Replication Time Control's pause, with no API operation"
    ]

    @Test("every action the table and the deriver emit is an action of the reference")
    func actionNames() throws {
        let reference = try #require(Self.reference, "Vectors/service-authorization.json is missing")
        let emitted = DependentActions.rows.map(\.action) + Self.derivedActions
        for action in emitted {
            let parts = action.split(separator: ":", maxSplits: 1).map(String.init)
            let known = try #require(reference.actions[parts[0]], "no prefix \(parts[0]) in the reference")
            #expect(known.contains(parts[1]), "\(action) is not an action of the Service Authorization Reference")
        }
    }

    @Test("every dependent action of the reference for the eight services is derived")
    func referenceRows() throws {
        let reference = try #require(Self.reference)
        let model = try Self.model.get()
        #expect(
            reference.dependent_actions.keys.sorted() == [
                "dynamodb", "kms", "lambda", "s3", "secretsmanager", "sns", "sqs", "sts",
            ])
        var checked = 0
        for (prefix, rows) in reference.dependent_actions {
            for (permission, dependents) in rows {
                if Self.notDerivable["\(prefix):\(permission)"] != nil { continue }
                // The API operations whose IAM action is this permission.
                var operations: [(AWSModel.Service, String)] = []
                for service in model.services.values where service.iamPrefix == prefix {
                    for operation in service.operations
                    where IAMActionMapper.action(
                        service: service, operation: operation, method: "POST", iamPrefix: prefix, hasVersionID: false)
                        == "\(prefix):\(permission)"
                    {
                        operations.append((service, operation))
                    }
                }
                #expect(!operations.isEmpty, "\(prefix):\(permission) names no API operation")
                for dependent in dependents {
                    let derived = operations.contains { service, operation in
                        DependentActions.rows.contains {
                            $0.service == service.modelName && $0.operations.contains(operation)
                                && $0.action == dependent
                        }
                            || (dependent == "iam:PassRole" && service.passedRoleMembers[operation] != nil)
                    }
                    #expect(derived, "\(prefix):\(permission) → \(dependent) is not derived")
                    checked += 1
                }
            }
        }
        #expect(checked >= 40)
    }

    @Test("every row names operations of its service")
    func rowOperations() throws {
        let model = try Self.model.get()
        for row in DependentActions.rows {
            let service = try #require(model.services[row.service], "no service \(row.service)")
            for operation in row.operations {
                #expect(service.operations.contains(operation), "\(row.service) has no operation \(operation)")
            }
            #expect(!row.reference.isEmpty)
        }
    }
}
