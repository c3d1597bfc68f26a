/// Answers copied from AWS's documentation, for the test server to play.
enum AWSDocumentationAnswers {
    /// STS API Reference, AssumeRole, "Example" response
    /// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). The page wraps the
    /// session token over five lines for display; here it is on one line, as STS sends it.
    static let assumeRole = """
        <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
        <AssumeRoleResult>
        <SourceIdentity>Alice</SourceIdentity>
          <AssumedRoleUser>
            <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
            <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
          </AssumedRoleUser>
          <Credentials>
            <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
            <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
            <SessionToken>
             \(sessionToken)
            </SessionToken>
            <Expiration>2019-07-15T23:28:33.359Z</Expiration>
          </Credentials>
          <PackedPolicySize>8</PackedPolicySize>
        </AssumeRoleResult>
        <ResponseMetadata>
          <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
        </ResponseMetadata>
        </AssumeRoleResponse>
        """

    static let sessionToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW"
        + "LWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGd"
        + "QrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU"
        + "9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz"
        + "+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

    /// STS API Reference, AssumeRoleWithWebIdentity, "Example" response
    /// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
    static let assumeRoleWithWebIdentity = """
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleWithWebIdentityResult>
            <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
            <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
            <AssumedRoleUser>
              <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
              <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
            </AssumedRoleUser>
            <Credentials>
              <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
              <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
              <Expiration>2014-10-24T23:00:23Z</Expiration>
              <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
            </Credentials>
            <SourceIdentity>SourceIdentityValue</SourceIdentity>
            <Provider>www.amazon.com</Provider>
          </AssumeRoleWithWebIdentityResult>
          <ResponseMetadata>
            <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
          </ResponseMetadata>
        </AssumeRoleWithWebIdentityResponse>
        """

    /// The query protocol's error shape (STS API Reference, "Common Errors"; the message is the one
    /// STS returns for a caller not allowed to assume the role).
    static func stsError(code: String, message: String, type: String = "Sender") -> String {
        """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error>
            <Type>\(type)</Type>
            <Code>\(code)</Code>
            <Message>\(message)</Message>
          </Error>
          <RequestId>4b4f8d8a-EXAMPLE</RequestId>
        </ErrorResponse>
        """
    }

    static let accessDenied = stsError(
        code: "AccessDenied",
        message:
            "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/demo"
    )

    /// Amazon EC2 User Guide, "Retrieve security credentials from instance metadata"
    /// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html), the
    /// answer of `iam/security-credentials/ROLE`, with the expiry moved to the tests' clock.
    static func imdsCredentials(expiration: String = "2026-11-30T21:09:54Z", code: String = "Success") -> String {
        """
        {
          "Code" : "\(code)",
          "LastUpdated" : "2026-11-30T14:39:16Z",
          "Type" : "AWS-HMAC",
          "AccessKeyId" : "ASIAIOSFODNN7EXAMPLE",
          "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
          "Token" : "token",
          "Expiration" : "\(expiration)"
        }
        """
    }

    /// Amazon ECS Developer Guide, "Task IAM role" (the credentials the agent serves at
    /// 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), its placeholders filled in.
    static let containerCredentials = """
        {
            "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
            "Expiration": "2026-11-30T21:09:54Z",
            "RoleArn": "arn:aws:iam::123456789012:role/task-role",
            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "Token": "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
        }
        """
}
