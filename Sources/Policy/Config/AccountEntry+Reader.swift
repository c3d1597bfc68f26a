extension ConfigReader {
    // MARK: accounts (Clotho-compatible)

    mutating func readAccounts(_ node: YAMLNode) -> [PolicyConfig.AccountEntry] {
        guard let pairs = mapping(node, "accounts") else { return [] }
        var entries: [PolicyConfig.AccountEntry] = []
        for (key, keyNode, value) in pairs {
            guard key == "*" || (key.count == 12 && key.allSatisfy { $0.isASCII && $0.isNumber }) else {
                fail(
                    keyNode,
                    "account keys are 12-digit account ids (quote them: \"012345678901\") or \"*\"; '\(key)' is neither"
                )
                continue
            }
            guard let fields = mapping(value, "accounts[\"\(key)\"]") else { continue }
            checkKeys(fields, allowed: ["name", "regions"], in: "accounts[\"\(key)\"]")
            var name: String?
            var regions: [(String, [String])] = []
            var sawRegions = false
            for (field, _, fieldValue) in fields {
                switch field {
                case "name":
                    guard let text = string(fieldValue, "an account name") else { continue }
                    if text.count == 12, text.allSatisfy(\.isNumber) {
                        fail(
                            fieldValue,
                            "the account name '\(text)' looks like an account id; choose a name with a letter in it")
                    } else if !Self.isName(text) || text.contains("*") || text.contains("?") {
                        fail(
                            fieldValue,
                            "an account name is letters, digits, '-', '_' and '.', such as 'prod'; '\(text)' is not")
                    } else {
                        name = text
                    }
                case "regions":
                    sawRegions = true
                    regions = readRegions(fieldValue, account: key)
                default: break
                }
            }
            if !sawRegions {
                fail(value, "accounts[\"\(key)\"] needs regions: with at least one region and its services")
            }
            entries.append(
                PolicyConfig.AccountEntry(pattern: key, name: name, regions: regions, position: keyNode.position))
        }
        return entries
    }

    mutating func readRegions(_ node: YAMLNode, account: String) -> [(String, [String])] {
        guard let pairs = mapping(node, "accounts[\"\(account)\"].regions") else { return [] }
        var regions: [(String, [String])] = []
        for (region, regionNode, value) in pairs {
            guard Self.isPattern(region, extra: "-") else {
                fail(
                    regionNode,
                    "a region is lower-case letters, digits and '-', or a pattern with * and ?; '\(region)' is not")
                continue
            }
            guard let fields = mapping(value, "regions[\"\(region)\"]") else { continue }
            checkKeys(fields, allowed: ["services"], in: "regions[\"\(region)\"]")
            guard let servicesNode = fields.first(where: { $0.key == "services" })?.value else {
                fail(value, "regions[\"\(region)\"] needs services: [ … ]")
                continue
            }
            var services: [String] = []
            for (service, serviceNode) in strings(servicesNode, "services") ?? [] {
                guard Self.isPattern(service, extra: "-.") else {
                    fail(
                        serviceNode,
                        "a service is a signing name such as s3 or dynamodb, or a pattern with * and ?; '\(service)' is not"
                    )
                    continue
                }
                services.append(service)
            }
            regions.append((region, services))
        }
        return regions
    }
}
