import Testing

@testable import AWSClassifier

/// The keys of an S3 `DeleteObjects` body, read only when no XML reader could see others.
@Suite("DeleteObjects body")
struct DeleteObjectsBodyTests {
    typealias Object = DeleteObjectsBody.Object

    static let cases: [(String, [Object]?)] = [
        (
            #"<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a.txt</Key></Object><Object><Key>b/c.txt</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>"#,
            [Object(key: "a.txt", hasVersion: false), Object(key: "b/c.txt", hasVersion: true)]
        ),
        (
            "<Delete>\n  <Object>\n    <Key>a &amp; b &lt;&#x41;&#66;&gt;</Key>\n  </Object>\n</Delete>\n",
            [Object(key: "a & b <AB>", hasVersion: false)]
        ),
        ("<Delete></Delete>", []),
        ("<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>", nil),  // two keys
        ("<Delete><Object><VersionId>v</VersionId></Object></Delete>", nil),  // no key
        ("<Delete><Object><Key></Key></Object></Delete>", nil),  // empty key
        ("<Delete><Object><Key><![CDATA[protected/x]]></Key></Object></Delete>", nil),  // CDATA
        ("<Delete><!-- c --><Object><Key>a</Key></Object></Delete>", nil),  // comment
        ("<!DOCTYPE d [<!ENTITY e \"x\">]><Delete><Object><Key>&e;</Key></Object></Delete>", nil),  // DOCTYPE
        ("<Delete><Object><Key>&e;</Key></Object></Delete>", nil),  // undefined entity
        ("<Delete><s3:Object><Key>a</Key></s3:Object></Delete>", nil),  // prefix
        ("<Delete><Object><key>a</key></Object></Delete>", nil),  // letter case
        ("<Delete><Object><Key>a</Key></Object></Delete><Delete/>", nil),  // trailing element
        ("<Delete><Object><Key>a</Key></Object>", nil),  // cut
        ("<Delete><Object><Key>a<b/></Key></Object></Delete>", nil),  // element inside a key
        ("<Delete><Other>x</Other></Delete>", nil),
        // Line ends as an XML reader (S3's) delivers them: CR LF and a lone CR are LF; &#13; stays CR.
        ("<Delete><Object><Key>a\r\nb</Key></Object></Delete>", [Object(key: "a\nb", hasVersion: false)]),
        ("<Delete><Object><Key>a\rb</Key></Object></Delete>", [Object(key: "a\nb", hasVersion: false)]),
        ("<Delete><Object><Key>a&#13;&#10;b</Key></Object></Delete>", [Object(key: "a\r\nb", hasVersion: false)]),
        ("<Delete><Object><Key>&#+65;</Key></Object></Delete>", nil),  // a sign is not a digit
        ("<Delete><Object><Key>&#x+41;</Key></Object></Delete>", nil),
        ("<Delete><Object><Key>a&#0;</Key></Object></Delete>", nil),  // not an XML character
        ("<Delete><Object><Key>a&#xFFFE;</Key></Object></Delete>", nil),
        ("<Delete><Object><Key>a\u{1}b</Key></Object></Delete>", nil),  // a raw control character
        ("<Delete><Object><Key>a\tb</Key></Object></Delete>", [Object(key: "a\tb", hasVersion: false)]),
        ("{\"Objects\":[]}", nil),
        ("", nil),
    ]

    @Test("keys, strictly", arguments: cases)
    func read(_ text: String, _ expected: [Object]?) {
        #expect(DeleteObjectsBody.objects(in: Array(text.utf8)) == expected, "\(text)")
    }
}
