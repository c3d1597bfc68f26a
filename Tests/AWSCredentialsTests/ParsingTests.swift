import SigV4
import Testing

@testable import AWSCredentials

@Suite("Timestamps, URLs, XML")
struct ParsingTests {
    @Test(
        "ISO 8601 times of credential answers",
        arguments: [
            ("2019-11-06T21:29:39Z", Int64?.some(1_573_075_779)), ("2011-07-15T23:28:33.359Z", 1_310_772_513),
            ("2026-11-30T21:09:54+01:00", 1_796_069_394), ("2026-11-30T21:09:54-00:30", 1_796_074_794),
            ("2024-02-29T00:00:00Z", 1_709_164_800), ("2023-02-29T00:00:00Z", nil), ("2026-11-30T21:09:54", nil),
            ("2026-11-30 21:09:54Z", nil), ("2026-13-01T00:00:00Z", nil), ("2026-11-30T24:00:00Z", nil),
            ("2026-11-30T21:09:54.Z", nil), ("2026-11-30T21:09:54ZZ", nil), ("tomorrow", nil), ("", nil),
        ])
    func iso8601(text: String, seconds: Int64?) {
        #expect(Timestamp.seconds(iso8601: text) == seconds)
    }

    @Test("Seconds back to ISO 8601")
    func format() {
        #expect(Timestamp.iso8601(seconds: 1_796_072_994) == "2026-11-30T21:09:54Z")
        #expect(Timestamp.iso8601(seconds: 0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.iso8601(seconds: 1_709_164_800) == "2024-02-29T00:00:00Z")
    }

    @Test(
        "Endpoint URLs",
        arguments: [
            ("http://169.254.169.254", "169.254.169.254", "169.254.169.254", "/"),
            ("https://sts.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com", "/"),
            ("http://127.0.0.1:80/x?a=b", "127.0.0.1", "127.0.0.1", "/x"),
            ("http://127.0.0.1:5000/", "127.0.0.1", "127.0.0.1:5000", "/"),
            ("HTTP://[FD00:EC2::23]:8080/v1", "fd00:ec2::23", "[fd00:ec2::23]:8080", "/v1"),
        ])
    func urls(text: String, host: String, hostHeader: String, path: String) throws {
        let url = try #require(EndpointURL(text))
        #expect(url.host == host)
        #expect(url.hostHeader == hostHeader)
        #expect(url.path == path)
    }

    @Test(
        "Not endpoint URLs",
        arguments: [
            "", "169.254.169.254", "ftp://x/", "http://", "http://a b/", "http://user@host/", "http://host:0/",
            "http://host:65536/", "http://host:8x/", "http://[::1/", "http://::1/", "http://host/#frag",
            "http://host/\n",
        ])
    func notURLs(text: String) {
        #expect(EndpointURL(text) == nil)
    }

    @Test("STS XML: leaves by path; anything but plain elements and text is unreadable")
    func xml() {
        let leaves = STSAnswer.leaves(of: Array(AWSDocumentationAnswers.assumeRole.utf8))
        #expect(leaves?["AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId"] == "ASIAIOSFODNN7EXAMPLE")
        #expect(leaves?["AssumeRoleResponse/ResponseMetadata/RequestId"] == "c6104cbe-af31-11e0-8154-cbc7ccf896c7")
        #expect(
            STSAnswer.leaves(of: Array(#"<?xml version="1.0" encoding="UTF-8"?><A><B>x &amp; y</B><C></C></A>"#.utf8))
                == ["A/B": "x & y", "A/C": ""])
        for bad in [
            "<A><B>x</B>", "<A><B>x</C></A>", "<A/>", "<A><!-- c --></A>", "<A><![CDATA[x]]></A>", "<A>x</A><B>y</B>",
            "<A><B>1</B><B>2</B></A>", "text", "",
        ] {
            #expect(STSAnswer.leaves(of: Array(bad.utf8)) == nil, "\(bad)")
        }
        let error = STSAnswer.error(from: Array(AWSDocumentationAnswers.accessDenied.utf8))
        #expect(error?.code == "AccessDenied")
        #expect(error?.message.hasPrefix("User: arn:aws:iam::123456789012:user/ops") == true)
    }

    /// XML 1.0 section 2.11: a reader reads CR LF and a lone CR as LF, and a `&#13;` reference as CR.
    /// The oracle is Python's expat, which botocore reads STS's answers with:
    /// `[c.text for c in xml.etree.ElementTree.fromstring(b'<A><B>x\r\r\ny\rz</B><C>a&#13;b</C></A>')]`
    /// is `['x\n\ny\nz', 'a\rb']`. FuzzCredentialAnswers' own oracle once looked for an accepted secret
    /// in the answer's bytes as sent and stopped on a secret holding CRs (its corpus keeps the input).
    @Test("STS XML: line ends read as XML (and expat) reads them")
    func xmlLineEnds() throws {
        #expect(
            STSAnswer.leaves(of: Array("<A><B>x\r\r\ny\rz</B><C>a&#13;b</C></A>".utf8))
                == ["A/B": "x\n\ny\nz", "A/C": "a\rb"])
        let answer = AWSDocumentationAnswers.assumeRole.replacing(
            "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>",
            with: "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG\r\r\nbPxRfiCYzEXAMPLEKEY</SecretAccessKey>")
        let role = try STSAnswer.assumedRole(
            from: Array(answer.utf8), action: "AssumeRole", subject: "arn:aws:iam::123456789012:role/demo")
        #expect(role.credentials.secretAccessKey == "wJalrXUtnFEMI/K7MDENG\n\nbPxRfiCYzEXAMPLEKEY")
    }
}
