import AWSClassifier
import Testing

@Suite("Model file")
struct ModelTests {
    @Test("the bundled model loads with every partition and service")
    func bundled() throws {
        let model = try AWSModel.bundled()
        #expect(model.botocoreVersion == "1.43.11")
        #expect(
            Set(model.partitions.map(\.id)) == [
                "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc",
            ])
        #expect(model.services.count == 424)
        #expect(model.services.values.reduce(0) { $0 + $1.operations.count } == 18_378)
        #expect(model.services["cloudwatch"]?.protocols == [.rpcV2CBOR, .json, .query])
        #expect(model.services["sqs"]?.awsQueryCompatible == true)
        #expect(model.services["s3"]?.routes.count ?? 0 > 100)
    }

    static let malformed: [(String, Int, String)] = [
        ("P\taws", 1, "fields"),
        ("Q\tx", 1, "unknown record type"),
        ("O\tA,B", 1, "outside a service"),
        (
            "P\taws\tamazonaws.com\tapi.aws\tus-east-1\t-\tus-east-1\nS\tx\tx\tx\tx\tsoap\t-\t-\t-\t1\nO\tA", 3,
            "unknown protocol"
        ),
        (
            "P\taws\tamazonaws.com\tapi.aws\tus-east-1\t-\tus-east-1\nS\tx\tx\tx\tx\trest-json\t-\t-\t-\t1\nO\tA\nR\tGET\tnoslash\t-\t-\t-\tA",
            4, "start with /"
        ),
        ("# only a comment", 1, "no partitions"),
    ]

    @Test("malformed model files are refused with the line", arguments: malformed)
    func malformedModel(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try AWSModel(tsv: text)
            Issue.record("accepted a malformed model")
        } catch {
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
