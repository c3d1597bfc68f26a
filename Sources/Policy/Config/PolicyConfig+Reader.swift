/// Reading the policy's sections of a configuration file: `credentials`, `accounts`, `rules`,
/// `default`, `s3` and `brokering` (Brokering+Reader.swift). The whole file (with the server's
/// sections) is read by AuthzServer's `ConfigurationFile`, which hands these sections here;
/// ``parse(_:path:)`` reads a document that holds only them.
extension PolicyConfig {
    /// The top-level keys of the policy's sections.
    package static let sectionKeys = [
        "credentials", "accounts", "rules", "default", "s3", "brokering", "identity", "mode",
    ]

    /// Reads a document that holds only the policy's sections (tests, benchmarks, libraries);
    /// `path` is used in positions. Any other top-level key is an error.
    ///
    /// ```swift
    /// let config = try PolicyConfig.parse("default: deny\nrules: []\n", path: "policy.yaml")
    /// let policy = try CompiledPolicy(config)
    /// ```
    public static func parse(_ text: String, path: String = "<string>") throws(ConfigError) -> PolicyConfig {
        let root = try YAMLDocument.parse(text, path: path)
        var reader = ConfigReader(file: path)
        var config = PolicyConfig(path: path)
        for (key, _, value) in reader.sections(root, allowed: sectionKeys) {
            config.read(section: key, value, reader: &reader)
        }
        if !reader.issues.isEmpty { throw ConfigError(reader.issues) }
        return config
    }

    /// Reads one top-level section (one of ``sectionKeys``; any other key is ignored here).
    package mutating func read(section key: String, _ value: YAMLNode, reader: inout ConfigReader) {
        switch key {
        case "credentials":
            reader.readCredentials(value, into: &credentials)
            reader.checkBrokeredKeys(credentials: value, accepted: credentials.keys, virtualKeys: brokering.virtualKeys)
        case "accounts": accounts = reader.readAccounts(value)
        case "rules": rules = reader.readRules(value)
        case "default":
            if let text = reader.string(value, "default") {
                if let effect = Effect(rawValue: text) {
                    defaultEffect = effect
                } else {
                    reader.fail(value, "default must be 'allow' or 'deny', not '\(text)'")
                }
            }
        case "s3": reader.readS3(value, into: &s3)
        case "brokering": reader.readBrokering(value, into: &brokering, knownKeys: credentials.keys)
        case "identity": identity = reader.readIdentity(value)
        case "mode":
            if let text = reader.string(value, "mode") {
                if let parsed = Mode(rawValue: text) {
                    mode = parsed
                } else {
                    reader.fail(value, "mode must be 'enforce' or 'dry_run', not '\(text)'")
                }
            }
        default: break
        }
    }
}

extension ConfigReader {
    // MARK: credentials

    /// A key entry's `secret_env` (an environment variable's name: letters, digits, `_`) or
    /// `secret_file` (a path): where its secret is read from; `nil` (and the problem recorded) when the
    /// value is not one.
    mutating func readSecretSource(_ key: String, _ value: YAMLNode) -> PolicyConfig.SecretSource? {
        if key == "secret_file" { return string(value, "secret_file").map { .file($0) } }
        guard let name = string(value, "secret_env") else { return nil }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            fail(value, "secret_env must name an environment variable (letters, digits, _)")
            return nil
        }
        return .environment(name)
    }

    mutating func readCredentials(_ node: YAMLNode, into credentials: inout PolicyConfig.Credentials) {
        guard let pairs = mapping(node, "credentials") else { return }
        checkKeys(
            pairs, allowed: ["require_signature", "max_clock_skew", "legacy_access_keys", "keys"], in: "credentials")
        for (key, _, value) in pairs {
            switch key {
            case "require_signature":
                if let flag = bool(value, "credentials.require_signature") { credentials.requireSignature = flag }
            case "max_clock_skew":
                guard let text = string(value, "credentials.max_clock_skew") else { continue }
                guard let milliseconds = DurationParser.milliseconds(text), milliseconds >= 1000,
                    milliseconds <= 86_400_000,
                    milliseconds % 1000 == 0
                else {
                    fail(
                        value,
                        "credentials.max_clock_skew must be a duration from 1s to 24h in whole seconds, such as 15m or 300s; '\(text)' is not"
                    )
                    continue
                }
                credentials.maxClockSkewSeconds = milliseconds / 1000
            case "legacy_access_keys":
                guard let text = string(value, "credentials.legacy_access_keys") else { continue }
                guard let mode = PolicyConfig.LegacyKeys(rawValue: text) else {
                    fail(value, "credentials.legacy_access_keys must be 'deny' or 'allow', not '\(text)'")
                    continue
                }
                credentials.legacyAccessKeys = mode
            case "keys":
                credentials.keys = readKeys(value)
            default: break
            }
        }
    }

    mutating func readKeys(_ node: YAMLNode) -> [PolicyConfig.Key] {
        guard let sequence = node.sequence else {
            fail(node, "credentials.keys must be a list of {access_key_id, secret_env or secret_file}")
            return []
        }
        var keys: [PolicyConfig.Key] = []
        var seen: Set<String> = []
        for item in sequence {
            guard let pairs = mapping(item, "a credentials.keys entry") else { continue }
            checkKeys(
                pairs, allowed: ["access_key_id", "secret_env", "secret_file", "require_verification", "secret"],
                in: "a credentials.keys entry")
            var id: String?
            var secret: PolicyConfig.SecretSource?
            var sources = 0
            var requireVerification = false
            for (key, keyNode, value) in pairs {
                switch key {
                case "access_key_id":
                    if let text = string(value, "access_key_id") {
                        if text.count >= 16, text.count <= 128,
                            text.allSatisfy({ ($0.isUppercase || $0.isNumber) && $0.isASCII })
                        {
                            id = text
                        } else {
                            fail(value, "access_key_id must be 16 to 128 upper-case letters and digits, such as AKIA…")
                        }
                    }
                case "secret_env", "secret_file":
                    sources += 1
                    if let source = readSecretSource(key, value) { secret = source }
                case "require_verification":
                    if let flag = bool(value, "require_verification") { requireVerification = flag }
                case "secret":
                    fail(keyNode, "secrets are never written in the configuration; use secret_env or secret_file")
                default: break
                }
            }
            guard sources == 1 else {
                fail(item, "each key needs exactly one of secret_env or secret_file")
                continue
            }
            guard let id, let secret else {
                if id == nil, !pairs.contains(where: { $0.key == "access_key_id" }) {
                    fail(item, "each key needs an access_key_id")
                }
                continue
            }
            guard seen.insert(id).inserted else {
                fail(item, "the access key \(id) is listed twice; keep one entry")
                continue
            }
            keys.append(
                PolicyConfig.Key(
                    accessKeyID: id, secret: secret, requireVerification: requireVerification, position: item.position)
            )
        }
        return keys
    }

    // MARK: s3

    mutating func readS3(_ node: YAMLNode, into s3: inout PolicyConfig.S3) {
        guard let pairs = mapping(node, "s3") else { return }
        checkKeys(pairs, allowed: ["expected_bucket_owner", "bucket_owners"], in: "s3")
        s3.position = node.position
        for (key, _, value) in pairs {
            switch key {
            case "expected_bucket_owner":
                guard let text = string(value, "s3.expected_bucket_owner") else { continue }
                if let requirement = PolicyConfig.BucketOwnerRequirement(rawValue: text) {
                    s3.expectedBucketOwner = requirement
                } else {
                    fail(value, "s3.expected_bucket_owner must be 'optional' or 'required', not '\(text)'")
                }
            case "bucket_owners":
                guard let items = strings(value, "s3.bucket_owners") else { continue }
                var owners: [String] = []
                for (text, itemNode) in items {
                    let isID = text.count == 12 && text.allSatisfy { $0.isASCII && $0.isNumber }
                    if isID || (Self.isName(text) && !text.contains("*") && !text.contains("?")) {
                        owners.append(text)
                    } else {
                        fail(
                            itemNode,
                            "s3.bucket_owners lists 12-digit account ids or account names; '\(text)' is neither")
                    }
                }
                s3.bucketOwners = owners
            default: break
            }
        }
    }

    // MARK: names and patterns

    /// Lower-case letters, digits, `*`, `?` and the extra characters.
    static func isPattern(_ text: String, extra: String) -> Bool {
        !text.isEmpty
            && text.allSatisfy {
                $0.isASCII
                    && (($0.isLetter && $0.isLowercase) || $0.isNumber || "*?".contains($0) || extra.contains($0))
            }
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 128
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
