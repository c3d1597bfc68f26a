internal import Foundation
internal import SigV4

/// Reading and validating the `brokering:` section (``PolicyConfig/Brokering``). Every problem is
/// reported at its position with one sentence; an entry with a problem is left out.
extension ConfigReader {
    /// The keys of a virtual key or a `sign_unsigned` entry that describe its role.
    static let roleKeys = ["role", "session_name", "session_policy", "session_policy_file", "duration", "external_id"]

    /// What a whole section's entries are checked against once it is read: the durations given
    /// (against `refresh_before`) and the roles' partitions (against `sts_region`).
    struct BrokeringChecks {
        var durations: [(seconds: Int, node: YAMLNode)] = []
        var partitions: [(partition: String, node: YAMLNode)] = []
    }

    /// Which account a role ARN may name.
    enum RoleAccount {
        /// A virtual key's: `{account}` or the account its id derives to (`nil`: the id is invalid,
        /// already reported).
        case virtualKey(derived: String?)
        /// A `sign_unsigned` entry's: 12 digits.
        case fixed
    }

    // MARK: the section

    /// Reads `brokering:`; `knownKeys` are the `credentials.keys` read so far (a key is either
    /// verified and forwarded or brokered, never both).
    mutating func readBrokering(
        _ node: YAMLNode, into brokering: inout PolicyConfig.Brokering, knownKeys: [PolicyConfig.Key]
    ) {
        guard let pairs = mapping(node, "brokering") else { return }
        checkKeys(pairs, allowed: ["refresh_before", "sts_region", "virtual_keys", "sign_unsigned"], in: "brokering")
        brokering.position = node.position
        var checks = BrokeringChecks()
        var refreshBeforeText: String?
        var stsRegionNode: YAMLNode?
        for (key, _, value) in pairs {
            switch key {
            case "refresh_before":
                guard let text = string(value, "brokering.refresh_before") else { continue }
                guard let seconds = Self.wholeSeconds(text), PolicyConfig.Brokering.refreshBeforeRange.contains(seconds)
                else {
                    fail(
                        value,
                        "brokering.refresh_before must be a duration from 1m to 30m in whole seconds, such as 5m; '\(text)' is not"
                    )
                    continue
                }
                brokering.refreshBeforeSeconds = seconds
                refreshBeforeText = text
            case "sts_region":
                guard let text = string(value, "brokering.sts_region") else { continue }
                guard Self.isRegion(text) else {
                    fail(value, "brokering.sts_region must be a region such as eu-west-1; '\(text)' is not")
                    continue
                }
                brokering.stsRegion = text
                stsRegionNode = value
            case "virtual_keys":
                brokering.virtualKeys = readVirtualKeys(value, knownKeys: knownKeys, checks: &checks)
            case "sign_unsigned":
                brokering.signUnsigned = readUnsignedTargets(value, checks: &checks)
            default: break
            }
        }
        for (seconds, durationNode) in checks.durations where seconds <= brokering.refreshBeforeSeconds {
            let refresh = refreshBeforeText ?? "5m, the default"
            fail(
                durationNode,
                "duration \(durationNode.scalar ?? "") must be longer than brokering.refresh_before (\(refresh)), or the credentials are refreshed as soon as they are issued"
            )
        }
        if let region = brokering.stsRegion, let stsRegionNode {
            let regionPartition = Self.partition(ofRegion: region)
            for (partition, roleNode) in checks.partitions where partition != regionPartition {
                fail(
                    roleNode,
                    "the role is in the partition \(partition), but brokering.sts_region \(region) (line \(stsRegionNode.position.line)) is in \(regionPartition): STS there cannot issue its credentials"
                )
            }
        }
    }

    // MARK: virtual keys

    mutating func readVirtualKeys(
        _ node: YAMLNode, knownKeys: [PolicyConfig.Key], checks: inout BrokeringChecks
    ) -> [PolicyConfig.Brokering.VirtualKey] {
        guard let sequence = node.sequence else {
            fail(node, "brokering.virtual_keys must be a list of {access_key_id, secret_env or secret_file, role}")
            return []
        }
        var keys: [PolicyConfig.Brokering.VirtualKey] = []
        var seen: [String: SourcePosition] = [:]
        for item in sequence {
            guard let pairs = mapping(item, "a brokering.virtual_keys entry") else { continue }
            checkKeys(
                pairs, allowed: ["access_key_id", "secret_env", "secret_file", "secret"] + Self.roleKeys,
                in: "a brokering.virtual_keys entry")
            var id: String?
            var derived: String?
            var secret: PolicyConfig.SecretSource?
            var sources = 0
            var usable = true
            for (key, keyNode, value) in pairs {
                switch key {
                case "access_key_id":
                    guard let text = string(value, "access_key_id") else {
                        usable = false
                        continue
                    }
                    switch Self.virtualKeyAccount(text) {
                    case .failure(let problem):
                        fail(value, problem.message)
                        usable = false
                    case .success(let account):
                        if let earlier = seen[text] {
                            fail(
                                value,
                                "the access key \(text) is listed twice in brokering.virtual_keys (first on line \(earlier.line)); keep one entry"
                            )
                            usable = false
                        } else if let known = knownKeys.first(where: { $0.accessKeyID == text }) {
                            fail(
                                value,
                                Self.bothListsMessage(text, otherList: "credentials.keys", line: known.position.line))
                            usable = false
                        }
                        seen[text] = seen[text] ?? item.position
                        id = text
                        derived = account
                    }
                case "secret_env", "secret_file":
                    sources += 1
                    if let source = readSecretSource(key, value) { secret = source }
                case "secret":
                    fail(keyNode, "secrets are never written in the configuration; use secret_env or secret_file")
                default: break
                }
            }
            if !pairs.contains(where: { $0.key == "access_key_id" }) {
                fail(item, "each virtual key needs an access_key_id, as made by `sigv4-authz broker new-key`")
                usable = false
            }
            if sources != 1 {
                fail(item, "each virtual key needs exactly one of secret_env or secret_file")
            }
            let role = readRoleTarget(
                pairs, item: item, what: "virtual key", account: .virtualKey(derived: derived),
                defaultSessionName: PolicyConfig.Brokering.defaultSessionName(accessKeyID: id ?? ""), checks: &checks)
            guard usable, let id, let secret, sources == 1, let role else { continue }
            keys.append(
                PolicyConfig.Brokering.VirtualKey(
                    accessKeyID: id, secret: secret, roleTemplate: role.template, target: role.target,
                    position: item.position))
        }
        return keys
    }

    /// Reports each key of `credentials.keys` (the accepted ones, `accepted`) that `virtualKeys`
    /// lists too, at its `access_key_id`: for a file whose `credentials:` comes after `brokering:`.
    mutating func checkBrokeredKeys(
        credentials node: YAMLNode, accepted: [PolicyConfig.Key], virtualKeys: [PolicyConfig.Brokering.VirtualKey]
    ) {
        guard !virtualKeys.isEmpty, !accepted.isEmpty,
            let keysNode = node.mapping?.first(where: { $0.key.scalar == "keys" })?.value, let items = keysNode.sequence
        else { return }
        for item in items {
            guard let idNode = item.mapping?.first(where: { $0.key.scalar == "access_key_id" })?.value,
                let id = idNode.scalar,
                accepted.contains(where: { $0.accessKeyID == id && $0.position == item.position }),
                let virtual = virtualKeys.first(where: { $0.accessKeyID == id })
            else { continue }
            fail(idNode, Self.bothListsMessage(id, otherList: "brokering.virtual_keys", line: virtual.position.line))
        }
    }

    static func bothListsMessage(_ id: String, otherList: String, line: Int) -> String {
        "the access key \(id) is also in \(otherList) (line \(line)); a key is either verified and forwarded (credentials.keys) or brokered (brokering.virtual_keys): keep one entry"
    }

    // MARK: sign_unsigned

    mutating func readUnsignedTargets(
        _ node: YAMLNode, checks: inout BrokeringChecks
    ) -> [PolicyConfig.Brokering.UnsignedTarget] {
        guard let sequence = node.sequence else {
            fail(node, "brokering.sign_unsigned must be a list of {hosts, role}")
            return []
        }
        var targets: [PolicyConfig.Brokering.UnsignedTarget] = []
        var seenHosts: [String: Int] = [:]
        for item in sequence {
            guard let pairs = mapping(item, "a brokering.sign_unsigned entry") else { continue }
            checkKeys(pairs, allowed: ["hosts"] + Self.roleKeys, in: "a brokering.sign_unsigned entry")
            var hosts: [String]?
            var usable = true
            for (key, _, value) in pairs where key == "hosts" {
                if let empty = value.sequence, empty.isEmpty {
                    fail(value, "sign_unsigned hosts must list at least one host pattern")
                    usable = false
                    continue
                }
                guard let values = strings(value, "sign_unsigned hosts") else {
                    usable = false
                    continue
                }
                var patterns: [String] = []
                for (pattern, patternNode) in values {
                    if let problem = Self.problem(with: pattern, field: .hosts) {
                        fail(patternNode, problem)
                        usable = false
                    } else if let line = seenHosts[pattern.lowercased()] {
                        fail(
                            patternNode,
                            "the host pattern '\(pattern)' is already in the sign_unsigned entry on line \(line); a host's unsigned requests are signed with one role"
                        )
                        usable = false
                    } else {
                        seenHosts[pattern.lowercased()] = item.position.line
                        patterns.append(pattern)
                    }
                }
                hosts = patterns
            }
            if !pairs.contains(where: { $0.key == "hosts" }) {
                fail(item, "each sign_unsigned entry needs hosts: the host patterns whose unsigned requests it signs")
            }
            let role = readRoleTarget(
                pairs, item: item, what: "sign_unsigned entry", account: .fixed,
                defaultSessionName: PolicyConfig.Brokering.defaultUnsignedSessionName, checks: &checks)
            guard usable, let hosts, let role else { continue }
            targets.append(
                PolicyConfig.Brokering.UnsignedTarget(hosts: hosts, target: role.target, position: item.position))
        }
        return targets
    }

    // MARK: the role of an entry

    /// Reads an entry's role fields (``roleKeys``); `nil` when one is missing or invalid (reported).
    mutating func readRoleTarget(
        _ pairs: [(key: String, keyNode: YAMLNode, value: YAMLNode)], item: YAMLNode, what: String,
        account: RoleAccount, defaultSessionName: String, checks: inout BrokeringChecks
    ) -> (template: String, target: RoleTarget)? {
        var template: String?
        var roleARN: String?
        var sessionName = defaultSessionName
        var sessionPolicy: String?
        var policySources = 0
        var durationSeconds = RoleTarget.defaultDurationSeconds
        var externalID: String?
        var usable = true
        for (key, keyNode, value) in pairs {
            switch key {
            case "role":
                guard let text = string(value, "role") else {
                    usable = false
                    continue
                }
                template = text
                switch Self.resolveRole(text, account: account) {
                case .success(let resolved?):
                    roleARN = resolved.arn
                    checks.partitions.append((resolved.partition, value))
                case .success(.none):
                    usable = false
                case .failure(let problem):
                    fail(value, problem.message)
                    usable = false
                }
            case "session_name":
                guard let text = string(value, "session_name") else {
                    usable = false
                    continue
                }
                if Self.isIAMName(text, lengths: 2...64, extra: "+=,.@_-") {
                    sessionName = text
                } else {
                    fail(value, "session_name must be 2 to 64 letters, digits and +=,.@_-; '\(text)' is not")
                    usable = false
                }
            case "session_policy", "session_policy_file":
                policySources += 1
                if policySources > 1 {
                    fail(keyNode, "use session_policy or session_policy_file, not both")
                    usable = false
                    continue
                }
                guard let text = string(value, key) else {
                    usable = false
                    continue
                }
                let document: String
                let name: String
                if key == "session_policy" {
                    document = text
                    name = "session_policy"
                } else {
                    switch Self.readSessionPolicyFile(text) {
                    case .success(let contents): document = contents
                    case .failure(let problem):
                        fail(value, problem.message)
                        usable = false
                        continue
                    }
                    name = "the session policy in \(text)"
                }
                switch Self.packedSessionPolicy(document, name: name) {
                case .success(let packed): sessionPolicy = packed
                case .failure(let problem):
                    fail(value, problem.message)
                    usable = false
                }
            case "duration":
                guard let text = string(value, "duration") else {
                    usable = false
                    continue
                }
                guard let seconds = Self.wholeSeconds(text), RoleTarget.durationRange.contains(seconds) else {
                    fail(value, "duration must be from 15m to 12h in whole seconds, such as 1h; '\(text)' is not")
                    usable = false
                    continue
                }
                durationSeconds = seconds
                checks.durations.append((seconds, value))
            case "external_id":
                guard let text = string(value, "external_id") else {
                    usable = false
                    continue
                }
                if Self.isIAMName(text, lengths: 2...1224, extra: "+=,.@:/_-") {
                    externalID = text
                } else {
                    fail(value, "external_id must be 2 to 1224 letters, digits and +=,.@:/_-; '\(text)' is not")
                    usable = false
                }
            default: break
            }
        }
        if !pairs.contains(where: { $0.key == "role" }) {
            fail(item, "each \(what) needs a role: the ARN of the role its requests are signed as")
        }
        guard usable, let template, let roleARN else { return nil }
        return (
            template,
            RoleTarget(
                roleARN: roleARN, sessionName: sessionName, sessionPolicy: sessionPolicy,
                durationSeconds: durationSeconds, externalID: externalID)
        )
    }

    // MARK: values

    /// Why a value cannot be used: the sentence reported at its position.
    package struct BrokeringProblem: Error {
        /// The sentence.
        package var message: String
        init(_ message: String) { self.message = message }
    }

    /// The account (12 digits) a virtual key's access key id derives to, or why the id cannot be a
    /// virtual key's: it must be 20 characters, `AKIA` or `ASIA`, base32 after the prefix, and new
    /// generation. The derivation is SigV4's `AWSAccountID(accessKeyID:)`.
    package static func virtualKeyAccount(_ id: String) -> Result<String, BrokeringProblem> {
        guard id.utf8.count == 20 else {
            return .failure(
                BrokeringProblem(
                    "a virtual key's access_key_id has 20 characters, as one made by `sigv4-authz broker new-key`; '\(id)' has \(id.count)"
                ))
        }
        guard id.hasPrefix("AKIA") || id.hasPrefix("ASIA") else {
            return .failure(
                BrokeringProblem("a virtual key's access_key_id starts with AKIA or ASIA; '\(id)' does not"))
        }
        do {
            return .success(try AWSAccountID(accessKeyID: id).description)
        } catch  where error.code == .legacyAccessKeyID {
            return .failure(
                BrokeringProblem(
                    "the access key \(id) is of the old generation (fifth character A-P), whose account cannot be derived; make a virtual key with `sigv4-authz broker new-key --account ACCOUNT`"
                ))
        } catch  where error.code == .accountOutOfRange {
            return .failure(
                BrokeringProblem(
                    "the access key \(id) does not derive to a 12-digit account; make a virtual key with `sigv4-authz broker new-key --account ACCOUNT`"
                ))
        } catch {
            return .failure(
                BrokeringProblem(
                    "a virtual key's access_key_id has only A-Z and 2-7 after its prefix; '\(id)' does not"))
        }
    }

    /// A role ARN with its account resolved, and its partition.
    struct ResolvedRole {
        var arn: String
        var partition: String
    }

    /// `template` checked as an IAM role ARN (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`) and its
    /// `{account}` substituted, or why it is not one `account` allows; `nil` when it names
    /// `{account}` and the key id is invalid (reported at the id).
    static func resolveRole(_ template: String, account: RoleAccount) -> Result<ResolvedRole?, BrokeringProblem> {
        let example = "arn:aws:iam::111122223333:role/NAME"
        let parts = template.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard template.utf8.count <= 2048, parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[3].isEmpty,
            parts[5].hasPrefix("role/")
        else {
            return .failure(BrokeringProblem("role must be an IAM role ARN such as \(example); '\(template)' is not"))
        }
        let partition = String(parts[1])
        guard ["aws", "aws-cn", "aws-us-gov"].contains(partition) else {
            return .failure(
                BrokeringProblem("the role's partition must be aws, aws-cn or aws-us-gov; '\(partition)' is not"))
        }
        let written = String(parts[4])
        let resource = parts[5].dropFirst("role/".count)
        if resource.contains("{account}") {
            return .failure(
                BrokeringProblem("{account} may stand only for the role ARN's account, between '::' and ':role/'"))
        }
        let accountID: String
        switch account {
        case .fixed:
            if written == "{account}" {
                return .failure(
                    BrokeringProblem(
                        "{account} stands for a virtual key's account; a sign_unsigned role names its account (12 digits)"
                    ))
            }
            guard isAccountID(written) else {
                return .failure(BrokeringProblem("the role's account must be 12 digits; '\(written)' is not"))
            }
            accountID = written
        case .virtualKey(let derived):
            guard written == "{account}" || isAccountID(written) else {
                return .failure(
                    BrokeringProblem("the role's account must be 12 digits or {account}; '\(written)' is not"))
            }
            if written == "{account}" {
                // An invalid key id is reported at the id; the role is left unresolved.
                guard let derived else { return .success(nil) }
                accountID = derived
            } else {
                if let derived, derived != written {
                    return .failure(
                        BrokeringProblem(
                            "the role's account \(written) is not the account the key id derives to (\(derived)); a virtual key's requests are decided as from its account, so its role must be in it: write {account}, or make a key with `sigv4-authz broker new-key --account \(written)`"
                        ))
                }
                accountID = written
            }
        }
        let name: Substring
        let path: Substring
        if let slash = resource.lastIndex(of: "/") {
            name = resource[resource.index(after: slash)...]
            path = resource[...slash]
        } else {
            name = resource
            path = ""
        }
        guard isIAMName(String(name), lengths: 1...64, extra: "+=,.@_-") else {
            return .failure(
                BrokeringProblem("the role name '\(name)' must be 1 to 64 letters, digits and +=,.@_-"))
        }
        guard path.utf8.count <= 511, path.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return .failure(
                BrokeringProblem(
                    "the role path '/\(path)' must be at most 512 characters from '!' to '~' (no spaces)"))
        }
        return .success(
            ResolvedRole(arn: "arn:\(partition):iam::\(accountID):role/\(resource)", partition: partition))
    }

    /// `document` (a session policy) with whitespace outside strings removed, or why STS would
    /// refuse it: it must be a JSON object of tabs, line breaks and characters from space to U+00FF,
    /// at most ``RoleTarget/maxSessionPolicyBytes`` bytes once packed. `name` names it in sentences.
    package static func packedSessionPolicy(_ document: String, name: String) -> Result<String, BrokeringProblem> {
        guard
            document.unicodeScalars.allSatisfy({
                [0x09, 0x0A, 0x0D].contains($0.value) || (0x20...0xFF).contains($0.value)
            })
        else {
            return .failure(
                BrokeringProblem(
                    "\(name) may hold only tabs, line breaks and characters from space to U+00FF, as STS requires"))
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(document.utf8))
        } catch {
            return .failure(
                BrokeringProblem(
                    "\(name) is not valid JSON; write a policy document such as {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
                ))
        }
        guard parsed is [String: Any] else {
            return .failure(
                BrokeringProblem(
                    "\(name) must be a JSON object: a policy document such as {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
                ))
        }
        var packed: [UInt8] = []
        packed.reserveCapacity(document.utf8.count)
        var inString = false
        var escaped = false
        for byte in document.utf8 {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if [0x20, 0x09, 0x0A, 0x0D].contains(byte) {
                continue
            }
            packed.append(byte)
        }
        guard packed.count <= RoleTarget.maxSessionPolicyBytes else {
            return .failure(
                BrokeringProblem(
                    "\(name) is \(packed.count) bytes without whitespace; STS takes at most \(RoleTarget.maxSessionPolicyBytes)"
                ))
        }
        return .success(String(decoding: packed, as: UTF8.self))
    }

    /// The largest `session_policy_file` read: far more than a 2048-byte policy needs with its
    /// layout, and a bound on what a load reads.
    static let maxSessionPolicyFileBytes = 65536

    /// The text of a session policy file, or why it cannot be used. Only a regular file (a symbolic
    /// link to one, as Kubernetes mounts, too) of at most ``maxSessionPolicyFileBytes`` is read, so a
    /// device or a FIFO named by mistake (`/dev/zero`, `/dev/stdin`) fails the load instead of
    /// stalling it.
    static func readSessionPolicyFile(_ path: String) -> Result<String, BrokeringProblem> {
        switch RegularFile.contents(atPath: path, maxBytes: maxSessionPolicyFileBytes) {
        case .failure(.unreadable(let reason)):
            return .failure(BrokeringProblem("session_policy_file \(path) cannot be read: \(reason)"))
        case .failure(.notRegular):
            return .failure(BrokeringProblem("session_policy_file \(path) is not a regular file"))
        case .failure(.tooLarge(let size, let limit)):
            return .failure(
                BrokeringProblem(
                    "session_policy_file \(path) has \(size) bytes; a session policy file may have at most \(limit)"))
        case .success(let data):
            guard let text = String(data: data, encoding: .utf8) else {
                return .failure(BrokeringProblem("session_policy_file \(path) cannot be read, or is not UTF-8 text"))
            }
            return .success(text)
        }
    }

    /// A duration in whole seconds (`15m`, `1h`, `900s`), or `nil`.
    static func wholeSeconds(_ text: String) -> Int? {
        guard let milliseconds = DurationParser.milliseconds(text), milliseconds % 1000 == 0,
            milliseconds / 1000 <= Int64(Int32.max)
        else { return nil }
        return Int(milliseconds / 1000)
    }

    /// 12 ASCII digits.
    static func isAccountID(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `lengths` ASCII letters, digits and `extra` characters (IAM's `[\w…]` names).
    static func isIAMName(_ text: String, lengths: ClosedRange<Int>, extra: String) -> Bool {
        lengths.contains(text.utf8.count)
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || extra.contains($0)) }
    }

    /// A region name: lower-case words and a number, joined by `-` (`eu-west-1`, `us-gov-west-1`).
    static func isRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count <= 32, parts.count >= 3, let number = parts.last,
            !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        return parts.dropLast().allSatisfy { word in
            !word.isEmpty && word.allSatisfy { $0.isASCII && $0.isLetter && $0.isLowercase }
        }
    }

    /// The partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, an isolated
    /// partition's for `*-iso*-*` (`us-isob-east-1`: `aws-iso-b`), else `aws`.
    static func partition(ofRegion region: String) -> String {
        if region.hasPrefix("cn-") { return "aws-cn" }
        if region.hasPrefix("us-gov-") { return "aws-us-gov" }
        if let isolated = region.split(separator: "-").dropFirst().first(where: { $0.hasPrefix("iso") }) {
            let letter = isolated.dropFirst(3)
            return letter.isEmpty ? "aws-iso" : "aws-iso-\(letter)"
        }
        return "aws"
    }
}
