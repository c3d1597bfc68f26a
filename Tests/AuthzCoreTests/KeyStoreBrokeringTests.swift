import AuthzCore
import Foundation
import Policy
import SigV4
import Testing

/// Virtual keys in the key store: entries whose signatures are always verified, each with the role
/// its requests are signed again as; secrets read at load with errors at the key's position, and
/// never shown.
@Suite("Key store: virtual keys")
struct KeyStoreBrokeringTests {
    static let secret = "vIrTuAlSeCrEt/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let partnerSecret = "pArTnErSeCrEt/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static let yaml = """
        credentials:
          keys:
            - { access_key_id: AKIAV7S32T2OSBFJQOIY, secret_env: PARTNER }
        brokering:
          virtual_keys:
            - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: ORDERS_KEY, role: "arn:aws:iam::{account}:role/orders" }
            - { access_key_id: ASIAY34FZKBOKMUTVV7A, secret_file: SECRET_FILE, role: "arn:aws:iam::{account}:role/reports", duration: 2h }

        """

    static func config(secretFile: String = "/nonexistent/virtual-key") throws -> PolicyConfig {
        try PolicyConfig.parse(yaml.replacingOccurrences(of: "SECRET_FILE", with: secretFile), path: "c.yaml")
    }

    /// A file holding `secret` and a line break, removed at the end of `body`.
    static func withSecretFile<T>(_ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "virtual-key-\(UInt64.random(in: 0...UInt64.max))")
        try Data("\(secret)\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    @Test("virtual keys are entries: always verified, with their role; a credentials key has none")
    func entries() throws {
        try Self.withSecretFile { path in
            let store = try KeyStore(
                config: Self.config(secretFile: path),
                environment: ["ORDERS_KEY": Self.secret, "PARTNER": Self.partnerSecret])
            #expect(store.count == 3)
            #expect(store.virtualKeyCount == 2)
            let orders = try #require(store.entry(for: "AKIASP2TPHJSQH3FJRUX"))
            #expect(orders.requireVerification)
            #expect(
                orders.brokered
                    == RoleTarget(
                        roleARN: "arn:aws:iam::171436882533:role/orders",
                        sessionName: "sigv4-authz-AKIASP2TPHJSQH3FJRUX"))
            let reports = try #require(store.entry(for: "ASIAY34FZKBOKMUTVV7A"[...]))
            #expect(reports.requireVerification)
            #expect(reports.brokered?.roleARN == "arn:aws:iam::609629065308:role/reports")
            #expect(reports.brokered?.durationSeconds == 7200)
            let partner = try #require(store.entry(for: "AKIAV7S32T2OSBFJQOIY"))
            #expect(partner.brokered == nil)
            #expect(!partner.requireVerification)
            #expect(store.entry(for: "AKIARTX3GSDSQAJDIVTY") == nil)
        }
    }

    @Test("a virtual key's secret that cannot be read is an error at the key's position, as for credentials.keys")
    func unreadableSecrets() throws {
        let config = try Self.config()
        do {
            _ = try KeyStore(config: config, environment: ["PARTNER": Self.partnerSecret, "ORDERS_KEY": ""])
            Issue.record("accepted")
        } catch {
            #expect(
                error.issues.map(\.description) == [
                    "c.yaml:6:7: the environment variable ORDERS_KEY holding the secret of AKIASP2TPHJSQH3FJRUX is not set",
                    "c.yaml:7:7: the secret file /nonexistent/virtual-key of ASIAY34FZKBOKMUTVV7A cannot be read or is empty",
                ])
        }
    }

    @Test("a secret file is read through a link; a device, a directory or a file over 64 KiB is refused, not read")
    func secretFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "virtual-keys-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secret")
        try Data("\(Self.secret)\n".utf8).write(to: file)
        let link = directory.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        let large = directory.appendingPathComponent("large")
        try Data(repeating: UInt8(ascii: "k"), count: 65537).write(to: large)

        func load(_ path: String) -> String {
            do {
                let store = try KeyStore(
                    config: Self.config(secretFile: path),
                    environment: ["ORDERS_KEY": Self.secret, "PARTNER": Self.partnerSecret])
                return store.entry(for: "ASIAY34FZKBOKMUTVV7A")?.brokered?.roleARN ?? "no entry"
            } catch let error as ConfigError {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        let at = "c.yaml:7:7: the secret file"
        #expect(load(link.path) == "arn:aws:iam::609629065308:role/reports")
        #expect(load("/dev/zero") == "\(at) /dev/zero of ASIAY34FZKBOKMUTVV7A is not a regular file")
        #expect(load(directory.path) == "\(at) \(directory.path) of ASIAY34FZKBOKMUTVV7A is not a regular file")
        #expect(
            load(large.path)
                == "\(at) \(large.path) of ASIAY34FZKBOKMUTVV7A has 65537 bytes; a secret file may have at most 65536")
    }

    @Test("a key in both lists, in a configuration built in code, is refused")
    func bothLists() throws {
        var config = try Self.config()
        config.credentials.keys += try PolicyConfig.parse(
            "credentials: { keys: [{ access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: PARTNER }] }\n",
            path: "other.yaml"
        ).credentials.keys
        config.brokering.virtualKeys.removeLast()
        do {
            _ = try KeyStore(config: config, environment: ["PARTNER": Self.partnerSecret, "ORDERS_KEY": Self.secret])
            Issue.record("accepted")
        } catch {
            #expect(
                error.issues.map(\.description) == [
                    "c.yaml:6:7: the access key AKIASP2TPHJSQH3FJRUX is both in credentials.keys and brokering.virtual_keys; keep one entry"
                ])
        }
    }

    @Test("no description, debug description, dump or mirror of the store or an entry shows a secret")
    func secretsNeverShown() throws {
        try Self.withSecretFile { path in
            let store = try KeyStore(
                config: Self.config(secretFile: path),
                environment: ["ORDERS_KEY": Self.secret, "PARTNER": Self.partnerSecret])
            let entries = ["AKIASP2TPHJSQH3FJRUX", "ASIAY34FZKBOKMUTVV7A", "AKIAV7S32T2OSBFJQOIY"].compactMap {
                store.entry(for: $0)
            }
            #expect(entries.count == 3)
            var texts = [String(describing: store), String(reflecting: store), "\(store)"]
            var dumped = ""
            dump(store, to: &dumped)
            texts.append(dumped)
            for entry in entries {
                texts += [String(describing: entry), String(reflecting: entry), "\(entry)"]
                var entryDump = ""
                dump(entry, to: &entryDump)
                texts.append(entryDump)
                texts += Mirror(reflecting: entry).children.map { String(describing: $0.value) }
            }
            texts += Mirror(reflecting: store).children.map { String(describing: $0.value) }
            for text in texts {
                #expect(!text.contains(Self.secret.prefix(12)), "\(text)")
                #expect(!text.contains(Self.partnerSecret.prefix(12)), "\(text)")
            }
            #expect(String(describing: store) == "KeyStore(3 keys, 2 virtual)")
            #expect(
                String(describing: entries[0])
                    == "KeyStore.Entry(virtual key, role arn:aws:iam::171436882533:role/orders)")
        }
    }

    @Test("a store without keys finds none and says so as before")
    func empty() throws {
        let store = try KeyStore(config: PolicyConfig.parse("default: deny\n"), environment: [:])
        #expect(store.entry(for: "AKIASP2TPHJSQH3FJRUX") == nil)
        #expect(store.count == 0)
        #expect(store.virtualKeyCount == 0)
        #expect(String(describing: store) == "KeyStore(0 keys)")
    }

    /// A small deterministic generator.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(
        "the reader derives a virtual key's account as SigV4's AWSAccountID does: 10,000 generated ids and 10,000 arbitrary ones"
    )
    func derivationAgreesWithSigV4() throws {
        var generator = SplitMix64(state: 0x16)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        for _ in 0..<10_000 {
            let account = try #require(AWSAccountID(UInt64.random(in: 0...AWSAccountID.maximum, using: &generator)))
            let prefix: AccessKeyIDGenerator.Prefix = Bool.random(using: &generator) ? .akia : .asia
            let id = AccessKeyIDGenerator.make(account: account, prefix: prefix, using: &generator)
            guard case .success(let derived) = ConfigReader.virtualKeyAccount(id), derived == account.description else {
                Issue.record("\(id): the reader does not derive \(account)")
                return
            }
        }
        // Any base32 tail: old generation, beyond 12 digits, or an account; both must agree.
        var outcomes: [String: Int] = [:]
        for _ in 0..<10_000 {
            let id = "AKIA" + String((0..<16).map { _ in alphabet[Int.random(in: 0..<32, using: &generator)] })
            let reader = try? ConfigReader.virtualKeyAccount(id).get()
            let sigV4 = try? AWSAccountID(accessKeyID: id).description
            if reader != sigV4 {
                Issue.record("\(id): the reader says \(reader ?? "no account"), SigV4 \(sigV4 ?? "no account")")
                return
            }
            outcomes[reader == nil ? "refused" : "derived", default: 0] += 1
        }
        #expect(outcomes["refused", default: 0] > 1000)
        #expect(outcomes["derived", default: 0] > 1000)
    }
}
