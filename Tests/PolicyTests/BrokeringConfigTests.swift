import AuthzServer
import Foundation
import Policy
import Testing

/// The `brokering:` section: every problem is refused at its exact position with one sentence, and a
/// valid section reads into the model with every value resolved (`{account}` substituted, session
/// policies packed, defaults filled in). Files are read whole, as `validate` and `serve` read them.
@Suite("Brokering configuration")
struct BrokeringConfigTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var yaml: String
        var line: Int
        var column: Int
        var message: String

        init(_ testDescription: String, _ yaml: String, _ line: Int, _ column: Int, _ message: String) {
            self.testDescription = testDescription
            self.yaml = yaml
            self.line = line
            self.column = column
            self.message = message
        }
    }

    static let cases: [Case] = [
        Case(
            "section not a mapping",
            "brokering: [a]\n",
            1, 12, "brokering must be a mapping of keys to values"),
        Case(
            "unknown key in the section",
            "brokering:\n  refresh: 5m\n",
            2, 3,
            "unknown key 'refresh' in brokering; expected one of: refresh_before, sts_region, virtual_keys, sign_unsigned"
        ),
        Case(
            "refresh_before below 1m",
            "brokering:\n  refresh_before: 30s\n",
            2, 19,
            "brokering.refresh_before must be a duration from 1m to 30m in whole seconds, such as 5m; '30s' is not"),
        Case(
            "refresh_before above 30m",
            "brokering:\n  refresh_before: 31m\n",
            2, 19,
            "brokering.refresh_before must be a duration from 1m to 30m in whole seconds, such as 5m; '31m' is not"),
        Case(
            "refresh_before not a duration",
            "brokering:\n  refresh_before: 1.5m\n",
            2, 19,
            "brokering.refresh_before must be a duration from 1m to 30m in whole seconds, such as 5m; '1.5m' is not"),
        Case(
            "sts_region not a region",
            "brokering:\n  sts_region: EU-WEST-1\n",
            2, 15, "brokering.sts_region must be a region such as eu-west-1; 'EU-WEST-1' is not"),
        Case(
            "virtual_keys not a list",
            "brokering:\n  virtual_keys: {a: b}\n",
            2, 17, "brokering.virtual_keys must be a list of {access_key_id, secret_env or secret_file, role}"),
        Case(
            "virtual key not a mapping",
            "brokering:\n  virtual_keys:\n    - AKIA\n",
            3, 7, "a brokering.virtual_keys entry must be a mapping of keys to values"),
        Case(
            "unknown key in a virtual key",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_envv: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 46,
            "unknown key 'secret_envv' in a brokering.virtual_keys entry; expected one of: access_key_id, secret_env, secret_file, secret, role, session_name, session_policy, session_policy_file, duration, external_id"
        ),
        Case(
            "key id of 19 characters",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRU, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 24,
            "a virtual key's access_key_id has 20 characters, as one made by `sigv4-authz broker new-key`; 'AKIASP2TPHJSQH3FJRU' has 19"
        ),
        Case(
            "key id with a role's prefix",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AROASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 24, "a virtual key's access_key_id starts with AKIA or ASIA; 'AROASP2TPHJSQH3FJRUX' does not"),
        Case(
            "key id with a character outside base32",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJR0X, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 24,
            "a virtual key's access_key_id has only A-Z and 2-7 after its prefix; 'AKIASP2TPHJSQH3FJR0X' does not"),
        Case(
            "old-generation key id",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIAIOSFODNN7EXAMPLE, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 24,
            "the access key AKIAIOSFODNN7EXAMPLE is of the old generation (fifth character A-P), whose account cannot be derived; make a virtual key with `sigv4-authz broker new-key --account ACCOUNT`"
        ),
        Case(
            "key id beyond 12 digits",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIA7777777777777777, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 24,
            "the access key AKIA7777777777777777 does not derive to a 12-digit account; make a virtual key with `sigv4-authz broker new-key --account ACCOUNT`"
        ),
        Case(
            "key id listed twice",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            4, 24,
            "the access key AKIASP2TPHJSQH3FJRUX is listed twice in brokering.virtual_keys (first on line 3); keep one entry"
        ),
        Case(
            "virtual key also in credentials.keys, credentials first",
            "credentials:\n  keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: S }\nbrokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            6, 24,
            "the access key AKIASP2TPHJSQH3FJRUX is also in credentials.keys (line 3); a key is either verified and forwarded (credentials.keys) or brokered (brokering.virtual_keys): keep one entry"
        ),
        Case(
            "virtual key also in credentials.keys, brokering first",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\ncredentials:\n  keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: S }\n",
            6, 24,
            "the access key AKIASP2TPHJSQH3FJRUX is also in brokering.virtual_keys (line 3); a key is either verified and forwarded (credentials.keys) or brokered (brokering.virtual_keys): keep one entry"
        ),
        Case(
            "secret in the file",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret: abc, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 46, "secrets are never written in the configuration; use secret_env or secret_file"),
        Case(
            "virtual key without a secret source",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 7, "each virtual key needs exactly one of secret_env or secret_file"),
        Case(
            "virtual key with two secret sources",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, secret_file: /run/k, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 7, "each virtual key needs exactly one of secret_env or secret_file"),
        Case(
            "secret_env not a variable name",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: A-B, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 58, "secret_env must name an environment variable (letters, digits, _)"),
        Case(
            "virtual key without an id",
            "brokering:\n  virtual_keys:\n    - { secret_env: K, role: \"arn:aws:iam::{account}:role/r\" }\n",
            3, 7, "each virtual key needs an access_key_id, as made by `sigv4-authz broker new-key`"),
        Case(
            "virtual key without a role",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K }\n",
            3, 7, "each virtual key needs a role: the ARN of the role its requests are signed as"),
        Case(
            "role that is a user",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:user/r\" }\n",
            3, 67,
            "role must be an IAM role ARN such as arn:aws:iam::111122223333:role/NAME; 'arn:aws:iam::{account}:user/r' is not"
        ),
        Case(
            "role in an unknown partition",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws-iso:iam::{account}:role/r\" }\n",
            3, 67, "the role's partition must be aws, aws-cn or aws-us-gov; 'aws-iso' is not"),
        Case(
            "role account of 5 digits",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::12345:role/r\" }\n",
            3, 67, "the role's account must be 12 digits or {account}; '12345' is not"),
        Case(
            "role in another account than the key's",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::111122223333:role/r\" }\n",
            3, 67,
            "the role's account 111122223333 is not the account the key id derives to (171436882533); a virtual key's requests are decided as from its account, so its role must be in it: write {account}, or make a key with `sigv4-authz broker new-key --account 111122223333`"
        ),
        Case(
            "{account} in the role path",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/{account}/r\" }\n",
            3, 67, "{account} may stand only for the role ARN's account, between '::' and ':role/'"),
        Case(
            "role name of 65 characters",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/"
                + String(repeating: "r", count: 65) + "\" }\n",
            3, 67,
            "the role name '" + String(repeating: "r", count: 65) + "' must be 1 to 64 letters, digits and +=,.@_-"),
        Case(
            "role name with a pattern character",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/egress*\" }\n",
            3, 67, "the role name 'egress*' must be 1 to 64 letters, digits and +=,.@_-"),
        Case(
            "role path without a name",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/egress/\" }\n",
            3, 67, "the role name '' must be 1 to 64 letters, digits and +=,.@_-"),
        Case(
            "role path with a space",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/my path/r\" }\n",
            3, 67, "the role path '/my path/' must be at most 512 characters from '!' to '~' (no spaces)"),
        Case(
            "session_name of one character",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_name: a }\n",
            3, 114, "session_name must be 2 to 64 letters, digits and +=,.@_-; 'a' is not"),
        Case(
            "session_name with a slash",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_name: a/b }\n",
            3, 114, "session_name must be 2 to 64 letters, digits and +=,.@_-; 'a/b' is not"),
        Case(
            "duration below 15m",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", duration: 10m }\n",
            3, 110, "duration must be from 15m to 12h in whole seconds, such as 1h; '10m' is not"),
        Case(
            "duration above 12h",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", duration: 13h }\n",
            3, 110, "duration must be from 15m to 12h in whole seconds, such as 1h; '13h' is not"),
        Case(
            "duration not beyond refresh_before",
            "brokering:\n  refresh_before: 20m\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", duration: 15m }\n",
            4, 110,
            "duration 15m must be longer than brokering.refresh_before (20m), or the credentials are refreshed as soon as they are issued"
        ),
        Case(
            "session_policy not JSON",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_policy: '{\"Version\": ' }\n",
            3, 116,
            "session_policy is not valid JSON; write a policy document such as {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
        ),
        Case(
            "session_policy a JSON array",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_policy: '[]' }\n",
            3, 116,
            "session_policy must be a JSON object: a policy document such as {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
        ),
        Case(
            "session_policy of 2049 bytes",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_policy: '{\"a\": \""
                + String(repeating: "x", count: 2041) + "\"}' }\n",
            3, 116, "session_policy is 2049 bytes without whitespace; STS takes at most 2048"),
        Case(
            "session_policy beyond U+00FF",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_policy: '{\"a\": \"€\"}' }\n",
            3, 116,
            "session_policy may hold only tabs, line breaks and characters from space to U+00FF, as STS requires"),
        Case(
            "session_policy and session_policy_file",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_policy: '{}', session_policy_file: /p.json }\n",
            3, 122, "use session_policy or session_policy_file, not both"),
        Case(
            "session_policy_file unreadable",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", session_policy_file: /nonexistent/p.json }\n",
            3, 121, "session_policy_file /nonexistent/p.json cannot be read: No such file or directory"),
        Case(
            "external_id of one character",
            "brokering:\n  virtual_keys:\n    - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: \"arn:aws:iam::{account}:role/r\", external_id: a }\n",
            3, 113, "external_id must be 2 to 1224 letters, digits and +=,.@:/_-; 'a' is not"),
        Case(
            "sign_unsigned not a list",
            "brokering:\n  sign_unsigned: x\n",
            2, 18, "brokering.sign_unsigned must be a list of {hosts, role}"),
        Case(
            "unknown key in a sign_unsigned entry",
            "brokering:\n  sign_unsigned:\n    - { hosts: [a.amazonaws.com], access_key_id: AKIASP2TPHJSQH3FJRUX, role: \"arn:aws:iam::111122223333:role/w\" }\n",
            3, 35,
            "unknown key 'access_key_id' in a brokering.sign_unsigned entry; expected one of: hosts, role, session_name, session_policy, session_policy_file, duration, external_id"
        ),
        Case(
            "sign_unsigned entry without hosts",
            "brokering:\n  sign_unsigned:\n    - { role: \"arn:aws:iam::111122223333:role/w\" }\n",
            3, 7, "each sign_unsigned entry needs hosts: the host patterns whose unsigned requests it signs"),
        Case(
            "sign_unsigned hosts empty",
            "brokering:\n  sign_unsigned:\n    - { hosts: [], role: \"arn:aws:iam::111122223333:role/w\" }\n",
            3, 16, "sign_unsigned hosts must list at least one host pattern"),
        Case(
            "sign_unsigned host not a host",
            "brokering:\n  sign_unsigned:\n    - { hosts: [a_b.amazonaws.com], role: \"arn:aws:iam::111122223333:role/w\" }\n",
            3, 17, "a host is a DNS name or pattern such as *.amazonaws.com; 'a_b.amazonaws.com' is not"),
        Case(
            "sign_unsigned host in two entries",
            "brokering:\n  sign_unsigned:\n    - { hosts: [x.amazonaws.com], role: \"arn:aws:iam::111122223333:role/w\" }\n    - { hosts: [X.amazonaws.com], role: \"arn:aws:iam::111122223333:role/w\" }\n",
            4, 17,
            "the host pattern 'X.amazonaws.com' is already in the sign_unsigned entry on line 3; a host's unsigned requests are signed with one role"
        ),
        Case(
            "{account} in a sign_unsigned role",
            "brokering:\n  sign_unsigned:\n    - { hosts: [a.amazonaws.com], role: \"arn:aws:iam::{account}:role/w\" }\n",
            3, 41, "{account} stands for a virtual key's account; a sign_unsigned role names its account (12 digits)"),
        Case(
            "sign_unsigned entry without a role",
            "brokering:\n  sign_unsigned:\n    - { hosts: [a.amazonaws.com] }\n",
            3, 7, "each sign_unsigned entry needs a role: the ARN of the role its requests are signed as"),
        Case(
            "role in another partition than sts_region",
            "brokering:\n  sts_region: cn-north-1\n  sign_unsigned:\n    - { hosts: [a.amazonaws.com], role: \"arn:aws:iam::111122223333:role/w\" }\n",
            4, 41,
            "the role is in the partition aws, but brokering.sts_region cn-north-1 (line 2) is in aws-cn: STS there cannot issue its credentials"
        ),
    ]

    @Test("the first problem is reported at its position with its sentence", arguments: cases)
    func invalid(_ testCase: Case) {
        do {
            _ = try ConfigurationFile.parse(testCase.yaml, path: "config.yaml")
            Issue.record("accepted: \(testCase.testDescription)")
        } catch {
            #expect(
                error.issues.first?.description
                    == "config.yaml:\(testCase.line):\(testCase.column): \(testCase.message)", "\(error)")
        }
    }

    @Test("every problem of a section is reported, and no entry with a problem is kept")
    func allProblems() {
        let yaml = """
            brokering:
              refresh_before: 2h
              virtual_keys:
                - { access_key_id: AKIAIOSFODNN7EXAMPLE, secret_env: K, role: "arn:aws:iam::{account}:role/r" }
                - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: "arn:aws:iam::{account}:role/r", duration: 1m }
              sign_unsigned:
                - { hosts: ["a b"], role: "arn:aws:iam::{account}:role/w" }

            """
        do {
            _ = try ConfigurationFile.parse(yaml, path: "c.yaml")
            Issue.record("accepted")
        } catch {
            #expect(
                error.issues.map { "\($0.position.line):\($0.position.column)" } == [
                    "2:19", "4:24", "5:110", "7:17", "7:31",
                ], "\(error)")
        }
    }

    static let fullExample = """
        credentials:
          keys:
            - { access_key_id: AKIAV7S32T2OSBFJQOIY, secret_env: PARTNER }
        brokering:
          refresh_before: 10m
          sts_region: eu-west-1
          virtual_keys:
            - access_key_id: AKIASP2TPHJSQH3FJRUX
              secret_env: ORDERS_KEY
              role: "arn:aws:iam::{account}:role/egress-orders"
            - access_key_id: ASIAY34FZKBOKMUTVV7A
              secret_file: /run/secrets/reports
              role: arn:aws:iam::609629065308:role/service/reports.writer
              session_name: reports@example.com
              session_policy: |
                {
                  "Version": "2012-10-17",
                  "Statement": [{"Sid": "a \\" b", "Effect": "Allow", "Action": "s3:GetObject",
                                 "Resource": "arn:aws:s3:::reports bucket/*"}]
                }
              duration: 12h
              external_id: "abc:123/x"
          sign_unsigned:
            - hosts: ["search-logs-*.eu-west-1.es.amazonaws.com", "logs.example.com"]
              role: arn:aws:iam::111122223333:role/opensearch-writer
            - hosts: search-metrics.eu-west-1.es.amazonaws.com
              role: arn:aws:iam::111122223333:role/opensearch-writer
              session_name: metrics
              session_policy_file: POLICY_FILE
              duration: 15m

        """

    @Test("a full section reads into the model: accounts substituted, policies packed, defaults filled in")
    func fullExample() throws {
        let policyFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "brokering-policy-\(UInt64.random(in: 0...UInt64.max)).json")
        try Data("{ \"Version\" : \"2012-10-17\",\n\t\"Statement\": [ ] }\n".utf8).write(to: policyFile)
        defer { try? FileManager.default.removeItem(at: policyFile) }
        let yaml = Self.fullExample.replacingOccurrences(of: "POLICY_FILE", with: policyFile.path)
        let brokering = try ConfigurationFile.parse(yaml, path: "c.yaml").policy.brokering

        #expect(brokering.isEnabled)
        #expect(brokering.refreshBeforeSeconds == 600)
        #expect(brokering.stsRegion == "eu-west-1")
        #expect(brokering.position == SourcePosition(file: "c.yaml", line: 5, column: 3))
        #expect(
            brokering.virtualKeys == [
                PolicyConfig.Brokering.VirtualKey(
                    accessKeyID: "AKIASP2TPHJSQH3FJRUX", secret: .environment("ORDERS_KEY"),
                    roleTemplate: "arn:aws:iam::{account}:role/egress-orders",
                    target: RoleTarget(
                        roleARN: "arn:aws:iam::171436882533:role/egress-orders",
                        sessionName: "sigv4-authz-AKIASP2TPHJSQH3FJRUX", sessionPolicy: nil, durationSeconds: 3600,
                        externalID: nil),
                    position: SourcePosition(file: "c.yaml", line: 8, column: 7)),
                PolicyConfig.Brokering.VirtualKey(
                    accessKeyID: "ASIAY34FZKBOKMUTVV7A", secret: .file("/run/secrets/reports"),
                    roleTemplate: "arn:aws:iam::609629065308:role/service/reports.writer",
                    target: RoleTarget(
                        roleARN: "arn:aws:iam::609629065308:role/service/reports.writer",
                        sessionName: "reports@example.com",
                        sessionPolicy:
                            #"{"Version":"2012-10-17","Statement":[{"Sid":"a \" b","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports bucket/*"}]}"#,
                        durationSeconds: 43200, externalID: "abc:123/x"),
                    position: SourcePosition(file: "c.yaml", line: 11, column: 7)),
            ])
        #expect(
            brokering.signUnsigned == [
                PolicyConfig.Brokering.UnsignedTarget(
                    hosts: ["search-logs-*.eu-west-1.es.amazonaws.com", "logs.example.com"],
                    target: RoleTarget(
                        roleARN: "arn:aws:iam::111122223333:role/opensearch-writer",
                        sessionName: "sigv4-authz-unsigned"),
                    position: SourcePosition(file: "c.yaml", line: 24, column: 7)),
                PolicyConfig.Brokering.UnsignedTarget(
                    hosts: ["search-metrics.eu-west-1.es.amazonaws.com"],
                    target: RoleTarget(
                        roleARN: "arn:aws:iam::111122223333:role/opensearch-writer", sessionName: "metrics",
                        sessionPolicy: #"{"Version":"2012-10-17","Statement":[]}"#, durationSeconds: 900),
                    position: SourcePosition(file: "c.yaml", line: 26, column: 7)),
            ])
    }

    @Test("without the section nothing is brokered; the defaults are 5m and 1h")
    func absent() throws {
        let brokering = try ConfigurationFile.parse("default: deny\n", path: "c.yaml").policy.brokering
        #expect(!brokering.isEnabled)
        #expect(brokering.refreshBeforeSeconds == 300)
        #expect(brokering.stsRegion == nil)
        #expect(brokering.position == nil)
        #expect(RoleTarget(roleARN: "arn:aws:iam::111122223333:role/r", sessionName: "s1").durationSeconds == 3600)
        let empty = try PolicyConfig.parse("brokering: { virtual_keys: [], sign_unsigned: [] }\n").brokering
        #expect(!empty.isEnabled)
        #expect(empty.position != nil)
    }

    @Test("a policy-only document reads the section too")
    func policyOnly() throws {
        let config = try PolicyConfig.parse(
            """
            brokering:
              virtual_keys:
                - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: K, role: "arn:aws-cn:iam::{account}:role/r" }
            """, path: "p.yaml")
        #expect(config.brokering.virtualKeys.map(\.target.roleARN) == ["arn:aws-cn:iam::171436882533:role/r"])
    }

    @Test("the limits' edges are accepted: 1m and 30m, 15m and 12h, a 2048-byte policy, 64-character names")
    func edges() throws {
        let name = String(repeating: "n", count: 64)
        let policy = #"{"a":""# + String(repeating: "x", count: 2040) + #""}"#
        let yaml = """
            brokering:
              refresh_before: 1m
              virtual_keys:
                - access_key_id: AKIASP2TPHJSQH3FJRUX
                  secret_env: K
                  role: "arn:aws-us-gov:iam::{account}:role/\(name)"
                  session_name: \(name)
                  session_policy: '\(policy)'
                  duration: 15m
                  external_id: \(String(repeating: "e", count: 1224))
              sign_unsigned:
                - { hosts: "*", role: "arn:aws:iam::000000000000:role/a", duration: 43200s, session_name: ab }

            """
        let brokering = try ConfigurationFile.parse(yaml, path: "c.yaml").policy.brokering
        let target = try #require(brokering.virtualKeys.first?.target)
        #expect(brokering.refreshBeforeSeconds == 60)
        #expect(target.roleARN == "arn:aws-us-gov:iam::171436882533:role/\(name)")
        #expect(target.sessionName == name)
        #expect(target.sessionPolicy?.utf8.count == 2048)
        #expect(target.durationSeconds == 900)
        #expect(brokering.signUnsigned.first?.target.durationSeconds == 43200)
        #expect(
            try ConfigurationFile.parse("brokering: { refresh_before: 30m }\n").policy.brokering.refreshBeforeSeconds
                == 1800)
    }

    @Test(
        "session_policy_file: a symbolic link to a file is read; a device, a directory, a file over 64 KiB or not UTF-8 is refused"
    )
    func sessionPolicyFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "brokering-policies-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.json")
        try Data(#"{"Version": "2012-10-17"}"#.utf8).write(to: policy)
        let link = directory.appendingPathComponent("link.json")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: policy)
        let large = directory.appendingPathComponent("large.json")
        try Data(("{\"a\": 1}" + String(repeating: " ", count: 65529)).utf8).write(to: large)
        let latin1 = directory.appendingPathComponent("latin1.json")
        try Data([0x7B, 0x22, 0xE9, 0x22, 0x3A, 0x31, 0x7D]).write(to: latin1)  // {"é":1} in ISO 8859-1

        func read(_ path: String) -> String {
            let yaml = """
                brokering:
                  sign_unsigned:
                    - { hosts: [a.amazonaws.com], role: "arn:aws:iam::111122223333:role/w", session_policy_file: "\(path)" }

                """
            do {
                let target = try ConfigurationFile.parse(yaml, path: "c.yaml").policy.brokering.signUnsigned.first?
                    .target
                return target?.sessionPolicy ?? "no policy"
            } catch {
                return error.description
            }
        }
        let column = "c.yaml:3:98: session_policy_file"
        #expect(read(link.path) == #"{"Version":"2012-10-17"}"#)
        #expect(read("/dev/zero") == "\(column) /dev/zero is not a regular file")
        #expect(read(directory.path) == "\(column) \(directory.path) is not a regular file")
        #expect(
            read(large.path)
                == "\(column) \(large.path) has 65537 bytes; a session policy file may have at most 65536")
        #expect(read(latin1.path) == "\(column) \(latin1.path) cannot be read, or is not UTF-8 text")
    }

    @Test("packing removes whitespace outside strings only")
    func packing() throws {
        let packed = try ConfigReader.packedSessionPolicy(
            "{\r\n\t\"a b\" : [ 1 , \"c\\\" d\" ],\"e\":\"\\\\\" }", name: "p"
        ).get()
        #expect(packed == #"{"a b":[1,"c\" d"],"e":"\\"}"#)
        // A policy and the same policy laid out differently are one role target.
        let compact = try ConfigReader.packedSessionPolicy(#"{"Version":"2012-10-17"}"#, name: "p").get()
        let spread = try ConfigReader.packedSessionPolicy("{\n  \"Version\": \"2012-10-17\"\n}\n", name: "p").get()
        #expect(compact == spread)
    }

    @Test("the commented brokering example in config.example.yaml is valid once uncommented")
    func shippedExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(
            contentsOf: root.appendingPathComponent("Sources/sigv4-authz/config.example.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "# brokering:"))
        let block = lines[start...].prefix { $0.hasPrefix("#") }.map { String($0.dropFirst(2)) }
        #expect(block.count > 5)
        let brokering = try PolicyConfig.parse(block.joined(separator: "\n"), path: "example").brokering
        #expect(brokering.virtualKeys.count == 1)
        #expect(brokering.signUnsigned.count == 1)
        #expect(brokering.virtualKeys.first?.target.roleARN == "arn:aws:iam::171436882533:role/egress-orders")
    }
}
