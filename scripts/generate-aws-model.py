#!/usr/bin/env python3
"""Generate the AWS service model table used by the Swift ``AWSClassifier``.

What it does
------------
Reads botocore's bundled data (pinned: botocore 1.43.11, see BOTOCORE_VERSION
below) -- every service model ``data/<service>/<newest version>/service-2.json.gz``
plus ``data/endpoints.json`` and ``data/partitions.json``, and the curated
``scripts/resource-members.tsv`` beside this script -- and writes one
compact, line-oriented table to
``Sources/AWSClassifier/Generated/AWSModelTable.swift`` (a Swift raw string).  The Swift classifier uses
it to turn a signed request (host, credential scope, method, path, query,
headers) into service, region, operation and IAM action, and to find the
input members that name the resources, passed roles and KMS keys of a call.

No network access is used.  The output is deterministic: everything is either
in source-file order (partitions, regions) or sorted, so running the script
twice gives a byte-identical file.  After writing, the script re-reads the
file and checks it (record structure, known counts for botocore 1.43.11, S3
routes, global hostnames, partitions) and exits non-zero on any problem.

Regenerate
----------
From the repository root::

    python3 scripts/generate-aws-model.py

It needs exactly botocore==1.43.11 (``pip install botocore==1.43.11``); any
other version makes the script exit with an error, because the sanity checks
and the IAM-prefix table below are tied to that model snapshot.

File format (``aws-model.tsv``)
-------------------------------
* UTF-8 text, ``\\n`` line endings, one record per line.
* Fields are separated by exactly one TAB character.  There is no quoting or
  escaping: no field ever contains a TAB, CR or LF, and no field is empty (the
  generator fails loudly otherwise).  A field that has no value is written
  as a single ``-``.
* "List" fields are comma-separated with no spaces; list items never contain
  a comma.  An empty list is written as ``-``.
* Lines starting with ``#`` are comments and must be ignored by the loader.
  Blank lines do not occur.
* The first field of every non-comment line is the record type (one letter);
  the number of fields is fixed per record type (given below, including the
  type letter).  Loaders should reject lines with another field count.

Records appear in this order:

1. ``#`` header comments: generator, botocore version, record counts, notes.

2. ``P`` -- partition, one per partition, in ``partitions.json`` file order
   (7 fields)::

     P  <id>  <dnsSuffix>  <dualStackDnsSuffix>  <implicitGlobalRegion>  <regionRegex>  <regions>

   ``regions`` is the comma-separated list of the keys of the partition's
   ``regions`` object in ``partitions.json`` (file order).  NOTE: it includes
   the pseudo-region ``<partition>-global`` (e.g. ``aws-global``) where
   botocore lists one; those names do not match ``regionRegex``.
   ``regionRegex`` is copied verbatim (an ECMAScript/ICU-compatible regex such
   as ``^(us|eu|ap|sa|ca|me|af|il|mx)\\-\\w+\\-\\d+$``).

3. ``S`` -- service, one per botocore data directory, sorted by that name.
   Each ``S`` line is immediately followed by exactly one ``O`` line, then
   zero or more ``X`` lines, then zero or more ``R`` lines, then zero or more
   ``A``, ``I`` and ``K`` lines that belong to it (10 fields)::

     S  <modelName>  <endpointPrefix>  <signingName>  <iamPrefix>  <protocols>  <targetPrefix>  <jsonVersion>  <flags>  <apiVersion>

   * ``modelName``: the botocore data directory name (``dynamodb``,
     ``cloudwatch``, ``s3control``...).  Unique.
   * ``endpointPrefix``: ``metadata.endpointPrefix`` -- the host label(s) and
     the ``endpoints.json`` service key (``monitoring``, ``runtime.sagemaker``,
     ``s3-control``).  NOT unique (e.g. ``email`` is shared by ses, sesv2 and
     pinpoint-email; ``rds`` by rds, neptune and docdb).
   * ``signingName``: ``metadata.signingName``, else ``endpointPrefix``.  This
     is the service in the SigV4 credential scope.  Also not unique.
   * ``iamPrefix``: the IAM action prefix (``<iamPrefix>:<Operation>``).
     Defaults to ``signingName``; exceptions are listed in
     ``IAM_PREFIX_EXCEPTIONS`` in this script.
   * ``protocols``: comma-separated wire protocols, preferred first:
     ``metadata.protocols`` if present, else ``[metadata.protocol]``.  When
     ``metadata.awsQueryCompatible`` is present, ``query`` is appended if
     missing (SQS still accepts its old query protocol).  Values:
     ``rest-json``, ``rest-xml``, ``json``, ``query``, ``ec2``,
     ``smithy-rpc-v2-cbor``.
   * ``targetPrefix``: ``metadata.targetPrefix`` or ``-``.  For ``json`` the
     request carries ``X-Amz-Target: <targetPrefix>.<Operation>``; for
     ``smithy-rpc-v2-cbor`` the request path is
     ``/service/<targetPrefix>/operation/<Operation>`` (botocore uses
     targetPrefix as the Smithy service name there).
   * ``jsonVersion``: ``metadata.jsonVersion`` (e.g. ``1.0``, ``1.1``) or ``-``
     (``Content-Type: application/x-amz-json-<jsonVersion>``).
   * ``flags``: comma-separated subset of ``awsQueryCompatible`` and
     ``globalEndpoint=<host>`` (from ``metadata.globalEndpoint``), or ``-``.
   * ``apiVersion``: ``metadata.apiVersion`` (query/ec2 requests carry it as
     ``Version=``; it tells apart models that share an endpoint, such as elb
     and elbv2).

   ``X`` -- operations served on a prefixed host (``endpoint.hostPrefix`` of
   the operation, e.g. ``sync-`` for Step Functions' StartSyncExecution on
   ``sync-states.<region>.amazonaws.com``, or a template such as
   ``{AccountId}.``) (3 fields)::

     X  <hostPrefix>  <op1>,<op2>,...

   ``O`` -- the operations of the preceding service, for every protocol
   (REST services too, so the Swift side can validate names) (2 fields)::

     O  <op1>,<op2>,...

   Operation names are the keys of the model's ``operations`` object, sorted
   (Python string order = byte order for these ASCII names).  Never ``-``:
   every service has at least one operation.

   ``R`` -- one REST route per operation, only for services whose
   ``protocols`` include ``rest-json`` or ``rest-xml`` (7 fields)::

     R  <method>  <pathTemplate>  <literalQuery>  <requiredQuery>  <requiredHeaders>  <operation>

   * ``method``: ``http.method`` (GET, PUT, POST, DELETE, PATCH, HEAD).
   * ``pathTemplate``: the part of ``http.requestUri`` before ``?``, verbatim,
     with Smithy labels: ``{Name}`` matches one non-empty path segment,
     ``{Name+}`` (greedy) matches the rest of the path including ``/``.
     Examples: ``/{Bucket}/{Key+}``,
     ``/2015-03-31/functions/{FunctionName}/invocations``.
   * ``literalQuery``: the part of ``http.requestUri`` after ``?``, verbatim,
     or ``-``.  It is ``&``-separated; each item is ``name`` (the parameter
     must be present, any value) or ``name=value`` (must be present with that
     value).  S3 examples from botocore 1.43.11: ``uploads``, ``list-type=2``,
     ``tagging``, ``select&select-type=2``.  botocore's S3 model has NO
     ``x-id=<Operation>`` literals (GetObject is ``GET /{Bucket}/{Key+}`` with
     literal ``-``); should a future model add them, note that only some
     SDKs send ``x-id``, so a matcher should treat ``x-id`` items as optional.
     ``uploadId`` / ``partNumber`` are not literal: they appear as required
     query members.
   * ``requiredQuery``: comma-separated, sorted ``locationName``s of input
     members with ``location: querystring`` that are in the input shape's
     ``required`` list (the query parameter must be present), or ``-``.
   * ``requiredHeaders``: comma-separated, sorted, lower-cased
     ``locationName``s of required input members with ``location: header``,
     or ``-``.
   * ``operation``: the operation name (one of the ``O`` names).

   ``R`` lines of a service are sorted by (method, pathTemplate, operation).
   Several operations can share method and pathTemplate (S3 has many); they
   usually differ by literalQuery / requiredQuery / requiredHeaders.  In
   botocore 1.43.11 five S3 groups are identical in all route fields:
   ListBuckets / ListDirectoryBuckets (``GET /``; the latter is served by S3
   Express ``s3express-control`` hosts), and the deprecated aliases
   Get/PutBucketLifecycle vs Get/PutBucketLifecycleConfiguration and
   Get/PutBucketNotification vs Get/PutBucketNotificationConfiguration.  The
   loader must disambiguate those itself (host, or prefer the newer name).

   ``A``, ``I``, ``K`` -- per operation, the top-level input members that
   name a resource of the service (``A``), an IAM role the caller passes to
   the service (``I``: using it needs ``iam:PassRole`` on that role) and a
   KMS key the service will use for the caller (``K``).  They follow the
   service's ``R`` lines (or its ``O``/``X`` lines): all ``A`` lines, then
   all ``I`` lines, then all ``K`` lines, each group sorted by operation; an
   operation has at most one line of each kind, and none when it has no such
   member (4 fields)::

     A  <modelName>  <operation>  <members>
     I  <modelName>  <operation>  <members>
     K  <modelName>  <operation>  <members>

   * ``modelName``: the enclosing service's (repeated so a line stands
     alone); ``operation``: one of its ``O`` names.
   * ``members``: comma-separated ``<location>:<path>`` items in the order
     botocore declares the members (not sorted; the order carries no
     meaning).  A trailing ``[]`` marks a list of strings (each element names
     one resource / role / key); otherwise the member is a string.
     ``location`` and ``path`` (the member's name on the wire):

     - ``body``: JSON / CBOR protocols (``json``, ``rest-json``,
       ``smithy-rpc-v2-cbor``): the top-level key of the body object
       (``locationName``, else the member name); a list is an array there.
       ``rest-xml``: the child element of the body's root element.
       ``query``: the form / query parameter name (``locationName``, else
       the member name); for a list, ``path`` is the parameter prefix of its
       elements, which are ``<path>.1``, ``<path>.2``, ... -- so it ends in
       ``.member`` (or the list member's ``locationName``) unless the list is
       flattened (e.g. ``TargetGroupARNs.member[]`` -> ``TargetGroupARNs.member.1``).
       ``ec2``: the parameter name as the ec2 protocol spells it (``queryName``,
       else ``locationName`` capitalized, else the member name); list
       elements are ``<path>.1``, ``<path>.2``, ... (ec2 lists are flat).
       A service whose protocols list JSON/CBOR first and also ``query``
       (``awsQueryCompatible`` SQS; CloudWatch) gets the names of its first
       protocol; the generator checks that its query form is the same name
       for strings and ``<path>.member.<n>`` for lists.
     - ``uri``: a REST path label: ``path`` is the label name in the ``R``
       line's pathTemplate (``{FunctionName}`` or greedy ``{Key+}``).
     - ``querystring``: a REST query parameter (``locationName``); a list is
       the parameter repeated.
     - ``header``: a REST header, lower case (``locationName``); a list is a
       comma-separated header value.

   Only top-level members of the operation's input shape, and only strings
   and lists of strings, are considered: resources named deeper (DynamoDB's
   ``RequestItems`` keys and ``TransactItems[*].*.TableName``, structures
   such as ``PolicyDescriptorType``) are not in these records.  Members with
   an ``enum`` or a ``jsonvalue`` shape never are.

   The rule, from botocore's shapes, for a member that is not in the curated
   table (``scripts/resource-members.tsv``, see below), first match wins:

   1. ``K`` when the member names a KMS key: its name holds ``kms`` (any
      case) and ends in ``key``, ``keyId``, ``keyArn``, ``keyIdentifier``
      (``KmsKeyId``, ``KMSKeyArn``, ``SSEKMSKeyId``, ``kmsKeyIdentifier``,
      ``volumeEncryptionKMSKey``), or it is named like a key (``KeyId``,
      ``EncryptionKey``, ``customerManagedKeyIdentifier``, ...) and its
      documentation speaks of KMS.  In ``kms`` itself such members are
      resources (rule 5).
   2. ``I`` when the member names a role: its name ends in ``Role``,
      ``RoleArn``, ``RoleARN``, ``Roles``, ``RoleArns`` (``roleArn``,
      ``ExecutionRoleArn``, ``serviceRole``, ``IamRoles``; not ``RoleName``)
      and it is ARN-valued (rule 3 or 4 holds, or its documentation mentions
      an ARN).  Not in ``iam`` and ``sts``, whose roles are resources, and
      not in operations that take a role away (``Disassociate*``,
      ``Remove*``, ``Detach*``), where the member goes to no record.
   3. ``A`` when the member's name ends in ``Arn``, ``ARN``, ``Arns``,
      ``ARNs`` or is ``arn`` / ``arns``;
   4. or its shape's name (for a list: the list's or its element's) ends in
      ``Arn`` / ``ARN`` (``TableArn`` for DynamoDB's ``TableName``,
      ``RoleArn``, ``topicARN``);
   5. or (``kms`` only) it is a key by rule 1;
   6. or its documentation says it takes an ARN: the first sentence mentions
      an ARN / Amazon Resource Name, or a sentence offers a name / ID /
      identifier / alias *or* an ARN ("The name or ARN of the cluster",
      "Specify the key ID or key ARN") or asks to "specify / provide / use
      either" an ARN -- unless the documentation says "not ARN" or the
      member's name ends in Token, Password, Scope, Marker, Context,
      Endpoint, Region(s), Principal(s), Policy, SessionName, SerialNumber,
      Filter, Type, Pattern, Prefix, Content, Credentials, Uri/URI/Url/URL, or
      is ``value(s)``.

   The rule is a heuristic over documentation written for people: an ``A``
   member names a resource of the service the operation touches, which is
   not always one the Service Authorization Reference lists for the action
   (ECS ``CreateService`` gets ``cluster`` and ``taskDefinition``, which IAM
   treats as condition keys), and its value can be an ARN of another
   service (``SourceArn``-style members): a consumer should use only values
   that are ARNs in the service's own namespace, or the curated members.

   ``scripts/resource-members.tsv`` (format: its header) overrides the rule
   member by member for the eight services the classifier treats by name
   (S3, DynamoDB, KMS, SQS, SNS, Lambda, STS, Secrets Manager): for example
   ``sts`` ``AssumeRole`` ``RoleArn`` is the resource (``A``), not a passed
   role; Lambda ``CreateFunction`` ``Role`` is a passed role (``I``);
   ``SecretId``, ``TableName``, ``KeyId``, ``QueueUrl`` and S3's ``Bucket``
   / ``Key`` are resources although they need not be ARNs; SNS ``Subscribe``
   ``Endpoint`` is no resource of ``sns:Subscribe``.  A row that matches no
   member, or names a member that is not a string or a list of strings,
   stops the generator.

4. ``H`` -- explicit hostnames from ``endpoints.json`` that do NOT follow the
   partition's default templates (7 fields)::

     H  <hostname>  <endpointPrefix>  <region>  <partition>  <credentialService>  <tags>

   * ``hostname``: lower-case host name, fully resolved.
   * ``endpointPrefix``: the ``endpoints.json`` service key (matches the
     ``endpointPrefix`` column of ``S``; several ``S`` rows may share it).
   * ``region``: the region the signature is scoped to: the endpoint's
     ``credentialScope.region`` if set, else the endpoint name if it is a real
     region (matches the partition's ``regionRegex``), else -- for the legacy
     FIPS pseudo endpoints named ``fips-<region>`` / ``<region>-fips`` --
     the embedded real region, else ``-`` (e.g.
     ``codecatalyst.global.api.aws``; a loader may fall back to the
     partition's ``implicitGlobalRegion``).
   * ``partition``: the partition id (one of the ``P`` ids).
   * ``credentialService``: ``credentialScope.service`` (the signing name to
     use at that host, e.g. ``lex`` for ``models.lex``, ``IngestionService``
     for importexport) or ``-``.
   * ``tags``: comma-separated sorted variant tags (``dualstack``, ``fips``)
     when the hostname is a variant hostname, else ``-``.  The base hostname
     of a legacy pseudo endpoint whose name contains ``fips`` (``fips-us-east-1``,
     ``us-east-1-fips``, ``aws-global-fips``, ``ProdFips``) is tagged ``fips``.

   How the set is computed: for every partition, service and endpoint entry
   in ``endpoints.json``:
   * the base hostname is ``endpoint.hostname``, else the service
     ``defaults.hostname``, else the partition ``defaults.hostname``, expanded
     with ``{service}`` = service key, ``{region}`` = endpoint name and
     ``{dnsSuffix}`` = endpoint / service-defaults / partition dnsSuffix (first
     one set).  It is emitted when it differs from the partition's
     ``defaults.hostname`` expanded with the partition dnsSuffix.
   * every variant the endpoint declares (its ``variants`` list) is resolved
     the same way (endpoint variant, then service-defaults variant with the
     same tag set, then partition-defaults variant; hostname and dnsSuffix
     each from the first that has it) and emitted when it differs from the
     partition-defaults variant with the same tag set (or when the partition
     has no such default variant).
   * credentialScope is taken key by key from the endpoint, then the
     service ``defaults``.
   Hostnames still containing ``{`` after expansion, and names that are not
   plain DNS names (DynamoDB Local's ``localhost:8000``), are skipped.  Lines are
   sorted by all fields (so by hostname first) and de-duplicated; one hostname
   can appear on several lines (different service key / region / tags) --
   the header comment gives the number of such hostnames.  Hosts that follow
   the default templates (``{service}.{region}.{dnsSuffix}``,
   ``{service}-fips.{region}.{dnsSuffix}``, the dual-stack forms) are not
   listed; the loader derives them from the ``P`` and ``S`` records.

5. ``G`` -- global (non-regionalized) services, for each partition (in ``P``
   order) and each ``endpoints.json`` service with ``isRegionalized: false``
   or a ``partitionEndpoint``, sorted by service key (5 fields)::

     G  <partition>  <endpointPrefix>  <partitionEndpoint>  <region>

   ``partitionEndpoint`` is the endpoint name (e.g. ``aws-global``) or ``-``;
   ``region`` is that endpoint's ``credentialScope.region`` or ``-``.
   (S3 in ``aws`` has a partitionEndpoint but is regionalized.)

6. ``T`` -- host labels a service's endpoint rule set (``endpoint-rule-set-1.json.gz``)
   uses instead of its endpoint prefix: every ``url`` of the form
   ``https://<label>.{...}`` whose label is not the prefix or its ``-fips`` /
   ``.dualstack`` forms (e.g. ``arc-region-switch-control-plane``, ``aos`` for
   OpenSearch, ``streams-dynamodb``), sorted (3 fields)::

     T  <label>  <modelName>
"""

import collections
import gzip
import json
import os
import re
import sys

BOTOCORE_VERSION = "1.43.11"

try:
    import botocore
except ImportError:
    sys.exit(
        f"error: botocore is not installed; run: pip install botocore=={BOTOCORE_VERSION}"
    )

if botocore.__version__ != BOTOCORE_VERSION:
    sys.exit(
        f"error: this generator is pinned to botocore=={BOTOCORE_VERSION}, "
        f"but botocore {botocore.__version__} is installed "
        f"({os.path.dirname(botocore.__file__)}).\n"
        f"       run: pip install botocore=={BOTOCORE_VERSION}"
    )

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The table is compiled into the binary (a Swift raw string), so the release binary is one file with
# no resource bundle to ship beside it.
OUTPUT = os.path.join(
    REPO_ROOT, "Sources", "AWSClassifier", "Generated", "AWSModelTable.swift"
)
DATA_DIR = os.path.join(os.path.dirname(botocore.__file__), "data")

REST_PROTOCOLS = ("rest-json", "rest-xml")
KNOWN_PROTOCOLS = {"rest-json", "rest-xml", "json", "query", "ec2", "smithy-rpc-v2-cbor"}

# ---------------------------------------------------------------------------
# IAM prefix exceptions.
#
# iamPrefix defaults to the SigV4 signing name (metadata.signingName, else
# endpointPrefix).  These services sign with one name but their IAM actions use
# another.  Each row: modelName -> (signing name botocore 1.43.11 has, IAM
# prefix, evidence).  The expected signing name is asserted so the table
# cannot silently go stale.
#
#   modelName                  signingName          iamPrefix        evidence
#   -------------------------  -------------------  ---------------  ------------------------------------------
#   cloudwatch                 monitoring           cloudwatch       botocore docs cite cloudwatch:<Op> 21x; IAM ref
#   resourcegroupstaggingapi   tagging              tag              botocore docs cite tag:<Op>; IAM ref
#   mturk                      mturk-requester      mechanicalturk   IAM ref (Amazon Mechanical Turk)
#   iot-data                   iotdata              iot              IAM ref (iot:Publish, iot:GetThingShadow)
#   iotevents-data             ioteventsdata        iotevents        IAM ref (iotevents:BatchPutMessage)
#   iot-jobs-data              iot-jobs-data        iotjobsdata      IAM ref (iotjobsdata:DescribeJobExecution)
#   iotsecuretunneling         IoTSecuredTunneling  iot              IAM ref (iot:OpenTunnel)
#   cloudcontrol               cloudcontrolapi      cloudformation   IAM ref (cloudformation:CreateResource)
IAM_PREFIX_EXCEPTIONS = {
    "cloudwatch": ("monitoring", "cloudwatch"),
    "resourcegroupstaggingapi": ("tagging", "tag"),
    "mturk": ("mturk-requester", "mechanicalturk"),
    "iot-data": ("iotdata", "iot"),
    "iotevents-data": ("ioteventsdata", "iotevents"),
    "iot-jobs-data": ("iot-jobs-data", "iotjobsdata"),
    "iotsecuretunneling": ("IoTSecuredTunneling", "iot"),
    "cloudcontrol": ("cloudcontrolapi", "cloudformation"),
}

# Cases where the host prefix differs from the IAM prefix but the default
# (signing name) is already right.  Asserted, not applied:
#
#   modelName                endpointPrefix        signingName -> iamPrefix
#   ses, sesv2, pinpoint-email  email              ses
#   mailmanager              mail-manager          ses
#   apigateway, apigatewayv2 apigateway            apigateway
#   apigatewaymanagementapi  execute-api           execute-api (execute-api:ManageConnections)
#   sagemaker-runtime        runtime.sagemaker     sagemaker
#   s3control                s3-control            s3
#   s3outposts               s3-outposts           s3-outposts
#   marketplace-*, meteringmarketplace  *marketplace*  aws-marketplace
#   dynamodbstreams          streams.dynamodb      dynamodb
#   efs                      elasticfilesystem     elasticfilesystem
#   stepfunctions            states                states
#
# Known services without IAM actions of their own (default kept, the classifier
# should not rely on them): sso (signing name awsssoportal; all operations are
# noAuth / bearer token), connectparticipant (signs as execute-api; uses
# participant/connection tokens).
IAM_PREFIX_DEFAULTS_CHECKED = {
    "ses": "ses",
    "sesv2": "ses",
    "pinpoint-email": "ses",
    "mailmanager": "ses",
    "apigateway": "apigateway",
    "apigatewayv2": "apigateway",
    "apigatewaymanagementapi": "execute-api",
    "sagemaker-runtime": "sagemaker",
    "s3control": "s3",
    "s3outposts": "s3-outposts",
    "marketplace-catalog": "aws-marketplace",
    "marketplace-entitlement": "aws-marketplace",
    "meteringmarketplace": "aws-marketplace",
    "dynamodbstreams": "dynamodb",
    "efs": "elasticfilesystem",
    "stepfunctions": "states",
}

# Expected totals for botocore 1.43.11 (checked after writing).
EXPECTED_SERVICES = 424
EXPECTED_OPERATIONS = 18378
EXPECTED_PRIMARY_PROTOCOLS = {
    "rest-json": 250,
    "json": 143,
    "query": 17,
    "ec2": 1,
    "smithy-rpc-v2-cbor": 9,
    "rest-xml": 4,
}
# A / I / K records and their member items (checked after writing).
EXPECTED_MEMBER_RECORDS = {"A": 5139, "I": 530, "K": 270}
EXPECTED_MEMBER_ITEMS = {"A": 5929, "I": 564, "K": 295}
# Members the records must hold, exactly: (kind, modelName, operation) -> members field ("-": no line).
EXPECTED_MEMBER_FACTS = {
    ("A", "sns", "Publish"): "body:TopicArn,body:TargetArn",
    ("A", "sts", "AssumeRole"): "body:RoleArn",
    ("I", "sts", "AssumeRole"): "-",
    ("I", "lambda", "CreateFunction"): "body:Role",
    ("A", "lambda", "CreateFunction"): "body:FunctionName",
    ("K", "lambda", "CreateFunction"): "body:KMSKeyArn",
    ("A", "lambda", "Invoke"): "uri:FunctionName",
    ("A", "secretsmanager", "GetSecretValue"): "body:SecretId",
    ("A", "secretsmanager", "BatchGetSecretValue"): "body:SecretIdList[]",
    ("K", "secretsmanager", "CreateSecret"): "body:KmsKeyId",
    ("A", "sqs", "SendMessage"): "body:QueueUrl",
    ("A", "dynamodb", "GetItem"): "body:TableName",
    ("A", "dynamodb", "BatchGetItem"): "-",
    ("A", "kms", "ReEncrypt"): "body:SourceKeyId,body:DestinationKeyId",
    ("K", "kms", "Encrypt"): "-",
    ("A", "s3", "GetObject"): "uri:Bucket,uri:Key",
    ("K", "s3", "PutObject"): "header:x-amz-server-side-encryption-aws-kms-key-id",
    ("A", "autoscaling", "AttachLoadBalancerTargetGroups"): "body:TargetGroupARNs.member[]",
    ("A", "ec2", "StartNetworkInsightsAnalysis"): "body:FilterInArn[],body:FilterOutArn[]",
    ("I", "redshift", "CreateCluster"): "body:IamRoles.IamRoleArn[],body:DefaultIamRoleArn",
    ("A", "logs", "GetLogEvents"): "body:logGroupIdentifier",
    ("A", "ecs", "DescribeServices"): "body:cluster",
}
EXPECTED_PARTITIONS = {
    "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e",
    "aws-iso-f", "aws-eusc",
}

FIELD_COUNTS = {"P": 7, "S": 10, "O": 2, "X": 3, "R": 7, "A": 4, "I": 4, "K": 4, "H": 7, "G": 5, "T": 3}

VERSION_DIR_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def fail(msg):
    sys.exit(f"error: {msg}")


def check_field(value, what):
    if not isinstance(value, str):
        fail(f"{what}: not a string: {value!r}")
    if value == "":
        fail(f"{what}: empty field")
    if any(c in value for c in "\t\r\n"):
        fail(f"{what}: field contains TAB/CR/LF: {value!r}")
    return value


def join_list(items, what):
    items = list(items)
    if not items:
        return "-"
    for it in items:
        check_field(it, what)
        if "," in it or it == "-":
            fail(f"{what}: list item {it!r} contains ',' or is '-'")
    return ",".join(items)


def record(*fields, what):
    kind = fields[0]
    if len(fields) != FIELD_COUNTS[kind]:
        fail(f"{what}: {kind} record has {len(fields)} fields, expected {FIELD_COUNTS[kind]}")
    for i, f in enumerate(fields):
        check_field(f, f"{what} field {i}")
    return "\t".join(fields)


def load_json(path):
    if path.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# ---------------------------------------------------------------------------
# Partitions


def build_partitions(partitions_json):
    lines = []
    info = {}
    for p in partitions_json["partitions"]:
        out = p["outputs"]
        pid = p["id"]
        if out.get("name") != pid:
            fail(f"partitions.json: outputs.name {out.get('name')!r} != id {pid!r}")
        lines.append(
            record(
                "P",
                pid,
                out["dnsSuffix"],
                out["dualStackDnsSuffix"],
                out["implicitGlobalRegion"],
                p["regionRegex"],
                join_list(p["regions"].keys(), f"partition {pid} regions"),
                what=f"partition {pid}",
            )
        )
        info[pid] = {
            "dnsSuffix": out["dnsSuffix"],
            "regex": re.compile(p["regionRegex"]),
        }
    return lines, info


# ---------------------------------------------------------------------------
# Services


def newest_model_path(service):
    sdir = os.path.join(DATA_DIR, service)
    versions = sorted(
        v for v in os.listdir(sdir) if os.path.isdir(os.path.join(sdir, v))
    )
    if not versions:
        fail(f"service {service}: no API version folders")
    for v in versions:
        if not VERSION_DIR_RE.match(v):
            fail(f"service {service}: unexpected version folder {v!r}")
    path = os.path.join(sdir, versions[-1], "service-2.json.gz")
    if not os.path.isfile(path):
        fail(f"service {service}: newest version {versions[-1]} has no service-2.json.gz")
    return path, versions[-1]


def iam_prefix_for(model_name, signing_name):
    if model_name in IAM_PREFIX_EXCEPTIONS:
        expected_signing, prefix = IAM_PREFIX_EXCEPTIONS[model_name]
        if signing_name != expected_signing:
            fail(
                f"IAM_PREFIX_EXCEPTIONS[{model_name!r}] expects signing name "
                f"{expected_signing!r}, model has {signing_name!r}; review the table"
            )
        return prefix
    return signing_name


def rest_routes(model_name, model):
    shapes = model["shapes"]
    routes = []
    irregular = []
    for op_name, op in model["operations"].items():
        http = op.get("http")
        if not http or "method" not in http or "requestUri" not in http:
            fail(f"{model_name}.{op_name}: REST operation without http.method/requestUri")
        method = http["method"]
        uri = http["requestUri"]
        if not uri.startswith("/") or uri.count("?") > 1 or "#" in uri or " " in uri:
            fail(f"{model_name}.{op_name}: unexpected requestUri {uri!r}")
        if "?" in uri:
            path, query = uri.split("?", 1)
            if query == "":
                irregular.append(f"{model_name}.{op_name}: requestUri ends with '?': {uri!r}")
                query = "-"
        else:
            path, query = uri, "-"
        if "//" in path:
            irregular.append(f"{model_name}.{op_name}: '//' in path {uri!r}")
        for label in re.findall(r"\{([^}]*)\}", path):
            if not re.fullmatch(r"[A-Za-z0-9_.-]+\+?", label):
                fail(f"{model_name}.{op_name}: odd label {{{label}}} in {uri!r}")
        if path.count("{") != path.count("}"):
            fail(f"{model_name}.{op_name}: unbalanced braces in {uri!r}")

        req_query, req_headers = [], []
        if "input" in op:
            shape = shapes[op["input"]["shape"]]
            required = set(shape.get("required", []))
            for member_name, member in shape.get("members", {}).items():
                loc = member.get("location")
                if loc not in ("querystring", "header") or member_name not in required:
                    continue
                loc_name = member.get("locationName")
                if not loc_name:
                    fail(
                        f"{model_name}.{op_name}: required {loc} member {member_name} "
                        "has no locationName"
                    )
                if loc == "querystring":
                    req_query.append(loc_name)
                else:
                    req_headers.append(loc_name.lower())
        routes.append(
            (
                method,
                path,
                query,
                join_list(sorted(set(req_query)), f"{model_name}.{op_name} query"),
                join_list(sorted(set(req_headers)), f"{model_name}.{op_name} headers"),
                op_name,
            )
        )
    routes.sort(key=lambda r: (r[0], r[1], r[5]))
    return routes, irregular


# ---------------------------------------------------------------------------
# Resource members (A), passed roles (I) and KMS keys (K)
#
# Per service and operation, the top-level input members that name a resource of the service, a role
# passed to it, or a KMS key it will use.  The rule (see the docstring, "A / I / K") reads botocore's
# shapes; scripts/resource-members.tsv overrides it member by member for the services the classifier
# treats by name.

CURATED_MEMBERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resource-members.tsv")
MEMBER_KINDS = ("A", "I", "K")

# A member whose name ends so is ARN-valued (ResourceArn, TopicARN, TargetGroupARNs, arn).
ARN_MEMBER_NAME_RE = re.compile(r"(?:Arn|ARN|Arns|ARNs)$|^(?:arn|arns)$")
# ... or whose shape (for a list: the list's or its member's shape) is named so (RoleArn, TableArn).
ARN_SHAPE_NAME_RE = re.compile(r"(?:Arn|ARN)$")
# A role passed to the service: Role, RoleArn, ExecutionRoleArn, serviceRole, IamRoles.
ROLE_MEMBER_NAME_RE = re.compile(r"(?:^r|R)ole(?:Arn|ARN|Arns|ARNs|s)?$")
# A KMS key: the name holds "kms" and ends in key, key id, key ARN (KmsKeyId, KMSKeyArn, SSEKMSKeyId,
# kmsKeyIdentifier, volumeEncryptionKMSKey; not KmsKeyProviderUri) ...
KMS_IN_NAME_RE = re.compile(r"kms", re.I)
KEY_IN_NAME_RE = re.compile(r"key(?:s|id|ids|arn|arns|identifier)?$", re.I)
# ... or it is named like a key and its documentation speaks of KMS (EncryptionKey, customerManagedKey).
KEY_MEMBER_NAME_RE = re.compile(
    r"(?:^|[a-z])(?:[Ee]ncryption|[Cc]ustomerManaged|CMK|Cmk)?Key(?:Id|ID|Arn|ARN|Identifier)?$"
    r"|^key(?:Id|ID|Arn|ARN|Identifier)?$")
KMS_DOC_RE = re.compile(r"\bKMS\b|Key Management Service")
# The documentation "says the member takes an ARN": its first sentence mentions an ARN, or a sentence
# offers a name/ID or an ARN ("The name or ARN of the cluster", "Specify the key ID or key ARN").
ARN_WORD_RE = re.compile(r"\bARNs?\b|\bAmazon Resource Names?\b", re.I)
TAKES_ARN_RES = (
    re.compile(r"\b(?:names?|IDs?|identifiers?|alias(?:es)?|UUID)\b[^.;:]{0,40}\bor\b[^.;:]{0,30}"
               r"(?:\bARNs?\b|\bAmazon Resource Names?\b)", re.I),
    re.compile(r"(?:\bARNs?\b|\bAmazon Resource Names?(?: \(ARNs?\))?)[^.;:]{0,10}\bor\b[^.;:]{0,30}"
               r"\b(?:names?|IDs?|identifiers?|alias(?:es)?|UUID)\b", re.I),
    re.compile(r"\b(?:specify|must be|can be|accepts?|use either|provide)\b[^.;:]{0,60}"
               r"(?:\bARNs?\b|\bAmazon Resource Names?\b)", re.I),
)
# Members picked by their documentation alone whose names say they are something else.
DOC_ONLY_EXCLUDED_NAME_RE = re.compile(
    r"(?:Token|Password|Scope|Marker|marker|Context|Endpoint|Region|Regions|Principal|Principals|Policy"
    r"|SessionName|SerialNumber|Filter|Type|Pattern|Prefix|Content|Credentials|Uri|URI|Url|URL)$"
    r"|^(?:[Vv]alues?)$")
# "The name (friendly name, not ARN) of the IAM user": the documentation says the member is no ARN.
NOT_ARN_RE = re.compile(r"\bnot (?:an? |the )?(?:ARN|Amazon Resource Name)", re.I)
# Operations that take a role away (Disassociate*, Remove*, Detach*) pass none: their role members go to
# no record.
ROLE_REMOVING_OPERATION_RE = re.compile(r"^(?:Disassociate|Remove|Detach)")
# Services whose own resources are roles or keys: there such members are resources (A), never I / K.
ROLE_SERVICES = {"iam", "sts"}
KEY_SERVICES = {"kms"}


def load_curated_members():
    """The rows of resource-members.tsv: {(modelName, operation or '*', member): (kind, line)}."""
    rows = {}
    with open(CURATED_MEMBERS, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 5 or any(f == "" for f in fields):
                fail(f"{CURATED_MEMBERS}:{lineno}: expected 5 TAB-separated fields, got {fields!r}")
            model, op, member, kind, _why = fields
            if kind not in MEMBER_KINDS + ("-",):
                fail(f"{CURATED_MEMBERS}:{lineno}: kind {kind!r} is not A, I, K or -")
            key = (model, op, member)
            if key in rows:
                fail(f"{CURATED_MEMBERS}:{lineno}: duplicate row for {key}")
            rows[key] = (kind, lineno)
    return rows


def doc_text(ref):
    text = re.sub(r"<[^>]+>", " ", ref.get("documentation", ""))
    return re.sub(r"\s+", " ", text).strip()


def doc_takes_arn(text):
    if not text or NOT_ARN_RE.search(text):
        return False
    sentences = re.split(r"(?<=[.!?])\s+", text)
    if ARN_WORD_RE.search(sentences[0]):
        return True
    return any(r.search(s) for s in sentences for r in TAKES_ARN_RES)


def string_member(shapes, ref):
    """(isList, shape names) when the member is a string or a list of strings, else None."""
    target = shapes[ref["shape"]]
    if target["type"] == "string":
        if "enum" in target or target.get("jsonvalue") or ref.get("jsonvalue"):
            return None
        return False, (ref["shape"],)
    if target["type"] == "list":
        element_ref = target["member"]
        element = shapes[element_ref["shape"]]
        if element["type"] == "string" and "enum" not in element:
            return True, (ref["shape"], element_ref["shape"])
    return None


def generic_member_kind(model_name, op_name, member_name, ref, shape_names):
    """The generic rule: (kind, reason) or None.  reason is name, shape or doc."""
    text = doc_text(ref)
    is_kms = (KMS_IN_NAME_RE.search(member_name) and KEY_IN_NAME_RE.search(member_name)) or (
        KEY_MEMBER_NAME_RE.search(member_name) and KMS_DOC_RE.search(text))
    if is_kms and model_name not in KEY_SERVICES:
        return "K", "kms"
    if ROLE_MEMBER_NAME_RE.search(member_name) and model_name not in ROLE_SERVICES:
        # A bare Role/Roles member must look like an ARN (shape, documentation) to be an IAM role.
        if (ARN_MEMBER_NAME_RE.search(member_name) or any(ARN_SHAPE_NAME_RE.search(s) for s in shape_names)
                or ARN_WORD_RE.search(text)):
            if ROLE_REMOVING_OPERATION_RE.match(op_name):
                return None
            return "I", "role"
    if ARN_MEMBER_NAME_RE.search(member_name):
        return "A", "name"
    if any(ARN_SHAPE_NAME_RE.search(s) for s in shape_names):
        return "A", "shape"
    if is_kms:
        return "A", "kms"
    if doc_takes_arn(text) and not DOC_ONLY_EXCLUDED_NAME_RE.search(member_name):
        return "A", "doc"
    return None


def wire_item(model_name, op_name, protocols, shapes, member_name, ref, is_list, route_path):
    """The record item for one member: location:path or location:path[] (None: not on the wire)."""
    what = f"{model_name}.{op_name}.{member_name}"
    location = ref.get("location")
    primary = protocols[0]
    if location in ("uri", "querystring", "header"):
        if primary not in REST_PROTOCOLS:
            fail(f"{what}: location {location} in a {primary} service")
        path = ref.get("locationName") or member_name
        if location == "header":
            path = path.lower()
        if location == "uri":
            if is_list:
                fail(f"{what}: a list in the URI")
            if "{" + path + "}" not in route_path and "{" + path + "+}" not in route_path:
                fail(f"{what}: label {path} not in {route_path!r}")
    elif location is not None:
        return None  # headers (a prefix map), statusCode: never a resource
    else:
        location = "body"
        target = shapes[ref["shape"]]
        if primary == "ec2":
            if "queryName" in ref:
                path = ref["queryName"]
            elif "locationName" in ref:
                path = ref["locationName"][0].upper() + ref["locationName"][1:]
            else:
                path = member_name
        else:
            path = ref.get("locationName") or member_name
        if is_list and primary == "query":
            element_ref = target["member"]
            if ref.get("flattened") or target.get("flattened"):
                path = element_ref.get("locationName") or path
            else:
                path = path + "." + (element_ref.get("locationName") or "member")
        if is_list and primary not in ("query", "ec2") and "query" in protocols:
            # A JSON-first service that also speaks query (awsQueryCompatible): the query form of the
            # list must be the default Name.member.N the loader documents.
            if ref.get("flattened") or target.get("flattened") or target["member"].get("locationName"):
                fail(f"{what}: list with a non-default query serialization in a {protocols} service")
        if "locationName" in ref and primary != "ec2" and "query" in protocols and primary != "query":
            fail(f"{what}: locationName {ref['locationName']!r} in a JSON-first service that also speaks query")
    if not path or any(c in path for c in ",:\t[] "):
        fail(f"{what}: unusable wire name {path!r}")
    return f"{location}:{path}" + ("[]" if is_list else "")


def resource_member_records(model_name, model, protocols, curated, curated_used, stats):
    """The A, I and K records of one service (in that order, each sorted by operation)."""
    shapes = model["shapes"]
    per_kind = {k: [] for k in MEMBER_KINDS}
    for op_name in sorted(model["operations"]):
        op = model["operations"][op_name]
        if "input" not in op:
            continue
        route_path = op.get("http", {}).get("requestUri", "/").split("?", 1)[0]
        shape = shapes[op["input"]["shape"]]
        items = {k: [] for k in MEMBER_KINDS}
        seen_paths = set()
        for member_name, ref in shape.get("members", {}).items():
            curated_key = None
            for key in ((model_name, op_name, member_name), (model_name, "*", member_name)):
                if key in curated:
                    curated_key = key
                    break
            strings = string_member(shapes, ref)
            if curated_key:
                curated_used.add(curated_key)
                kind = curated[curated_key][0]
                if strings is None:
                    fail(f"{CURATED_MEMBERS}:{curated[curated_key][1]}: {model_name}.{op_name}.{member_name}"
                         " is not a string or a list of strings")
                reason = "curated"
                if kind == "-":
                    stats["curated_excluded"] += 1
                    continue
            else:
                if strings is None:
                    continue
                found = generic_member_kind(model_name, op_name, member_name, ref, strings[1])
                if found is None:
                    continue
                kind, reason = found
            item = wire_item(model_name, op_name, protocols, shapes, member_name, ref, strings[0], route_path)
            if item is None:
                continue
            if item in seen_paths:
                fail(f"{model_name}.{op_name}: two members on the wire as {item}")
            seen_paths.add(item)
            items[kind].append(item)
            stats["member_reasons"][(kind, reason)] += 1
            if strings[0]:
                stats["member_lists"][kind] += 1
        for kind in MEMBER_KINDS:
            if items[kind]:
                per_kind[kind].append(
                    record(kind, model_name, op_name, join_list(items[kind], f"{model_name}.{op_name} {kind}"),
                           what=f"{model_name}.{op_name} {kind}"))
                stats["member_items"][kind] += len(items[kind])
    return per_kind["A"] + per_kind["I"] + per_kind["K"]


def build_services():
    services = sorted(
        d for d in os.listdir(DATA_DIR) if os.path.isdir(os.path.join(DATA_DIR, d))
    )
    lines = []
    stats = {
        "services": 0,
        "operations": 0,
        "routes": 0,
        "primary": collections.Counter(),
        "all": collections.Counter(),
        "irregular": [],
        "no_signing_name": [],
        "iam_exceptions_applied": [],
        "service_rows": {},
        "member_reasons": collections.Counter(),
        "member_lists": collections.Counter(),
        "member_items": collections.Counter(),
        "curated_excluded": 0,
    }
    curated = load_curated_members()
    curated_used = set()
    for name in services:
        path, version = newest_model_path(name)
        model = load_json(path)
        md = model["metadata"]
        endpoint_prefix = md["endpointPrefix"]
        if "signingName" in md:
            signing_name = md["signingName"]
        else:
            signing_name = endpoint_prefix
            stats["no_signing_name"].append(name)
        iam_prefix = iam_prefix_for(name, signing_name)
        if iam_prefix != signing_name:
            stats["iam_exceptions_applied"].append(f"{name}:{signing_name}->{iam_prefix}")
        if name in IAM_PREFIX_DEFAULTS_CHECKED and IAM_PREFIX_DEFAULTS_CHECKED[name] != iam_prefix:
            fail(
                f"{name}: expected iamPrefix {IAM_PREFIX_DEFAULTS_CHECKED[name]!r}, "
                f"computed {iam_prefix!r}"
            )

        protocols = list(md.get("protocols") or [md["protocol"]])
        if protocols[0] != md["protocol"]:
            stats["irregular"].append(
                f"{name}: metadata.protocol {md['protocol']!r} is not protocols[0] {protocols!r}"
            )
        flags = []
        if "awsQueryCompatible" in md:
            flags.append("awsQueryCompatible")
            if "query" not in protocols:
                protocols.append("query")
        if md.get("globalEndpoint"):
            flags.append(f"globalEndpoint={md['globalEndpoint']}")
        for p in protocols:
            if p not in KNOWN_PROTOCOLS:
                fail(f"{name}: unknown protocol {p!r}")
        stats["primary"][protocols[0]] += 1
        for p in protocols:
            stats["all"][p] += 1

        ops = sorted(model["operations"])
        if not ops:
            fail(f"{name}: no operations")
        stats["services"] += 1
        stats["operations"] += len(ops)
        stats["service_rows"][name] = (endpoint_prefix, signing_name, iam_prefix, protocols)

        lines.append(
            record(
                "S",
                name,
                endpoint_prefix,
                signing_name,
                iam_prefix,
                join_list(protocols, f"{name} protocols"),
                md.get("targetPrefix") or "-",
                md.get("jsonVersion") or "-",
                join_list(flags, f"{name} flags"),
                md["apiVersion"],
                what=f"service {name}",
            )
        )
        lines.append(record("O", join_list(ops, f"{name} operations"), what=f"{name} O"))

        # Operations served on a host with a prefix (endpoint.hostPrefix, e.g. Step Functions'
        # "sync-" for StartSyncExecution, S3 Control's "{AccountId}."): X <hostPrefix> <operations>.
        host_prefixes = collections.defaultdict(list)
        for op_name, op in model["operations"].items():
            prefix = op.get("endpoint", {}).get("hostPrefix")
            if prefix:
                host_prefixes[prefix].append(op_name)
        for prefix in sorted(host_prefixes):
            lines.append(
                record("X", prefix, join_list(sorted(host_prefixes[prefix]), f"{name} X"), what=f"{name} X")
            )

        if any(p in REST_PROTOCOLS for p in protocols):
            routes, irregular = rest_routes(name, model)
            stats["irregular"].extend(irregular)
            for r in routes:
                lines.append(record("R", *r, what=f"{name} route {r[5]}"))
            stats["routes"] += len(routes)
        else:
            for op_name, op in model["operations"].items():
                uri = op.get("http", {}).get("requestUri", "/")
                if uri != "/":
                    stats["irregular"].append(
                        f"{name}.{op_name}: non-REST ({protocols[0]}) operation has requestUri {uri!r}"
                    )
        lines.extend(resource_member_records(name, model, protocols, curated, curated_used, stats))
    for key in sorted(set(curated) - curated_used):
        fail(f"{CURATED_MEMBERS}:{curated[key][1]}: {key} matches no input member of botocore's model")
    return lines, stats


# ---------------------------------------------------------------------------
# Endpoints


def expand(template, service, region, dns_suffix):
    return (
        template.replace("{service}", service)
        .replace("{region}", region)
        .replace("{dnsSuffix}", dns_suffix)
    )


def find_variant(container, tags):
    for v in (container or {}).get("variants", []):
        if set(v.get("tags", [])) == set(tags):
            return v
    return None


FIPS_PSEUDO_REGION_RE = re.compile(r"^(?:fips-(?P<a>.+)|(?P<b>.+)-fips)$")
DNS_NAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")


def region_of_endpoint_name(name, regex):
    """The endpoint name if it is a real region; for the legacy FIPS pseudo
    endpoints ``fips-<region>`` / ``<region>-fips`` without a credentialScope
    region, the embedded real region; else ``-``."""
    if regex.match(name):
        return name
    m = FIPS_PSEUDO_REGION_RE.match(name)
    if m:
        inner = m.group("a") or m.group("b")
        if regex.match(inner):
            return inner
    return "-"


def build_hosts(endpoints_json, pinfo):
    host_rows = set()
    global_rows = []
    skipped_placeholder = []
    order = {pid: i for i, pid in enumerate(pinfo)}
    for part in endpoints_json["partitions"]:
        pid = part["partition"]
        if pid not in pinfo:
            fail(f"endpoints.json partition {pid!r} is not in partitions.json")
        if part["dnsSuffix"] != pinfo[pid]["dnsSuffix"]:
            fail(f"{pid}: dnsSuffix differs between endpoints.json and partitions.json")
        pdefaults = part["defaults"]
        p_dns = part["dnsSuffix"]
        p_host_tmpl = pdefaults["hostname"]
        regex = pinfo[pid]["regex"]
        for svc in sorted(part["services"]):
            sdata = part["services"][svc]
            sdefaults = sdata.get("defaults", {})
            for ep_name in sorted(sdata.get("endpoints", {})):
                ep = sdata["endpoints"][ep_name]
                scope = dict(sdefaults.get("credentialScope", {}))
                scope.update(ep.get("credentialScope", {}))
                region = scope.get("region") or region_of_endpoint_name(ep_name, regex)
                cred_service = scope.get("service") or "-"

                def emit(hostname, tags, default_host):
                    hostname = hostname.lower()
                    if default_host is not None and hostname == default_host.lower():
                        return
                    if "{" in hostname or "}" in hostname:
                        skipped_placeholder.append(f"{pid}/{svc}/{ep_name}: {hostname} (placeholder)")
                        return
                    if not DNS_NAME_RE.match(hostname):
                        skipped_placeholder.append(f"{pid}/{svc}/{ep_name}: {hostname} (not a DNS name)")
                        return
                    host_rows.add(
                        (hostname, svc, region, pid, cred_service,
                         join_list(sorted(tags), "variant tags"))
                    )

                # Base hostname.
                tmpl = ep.get("hostname") or sdefaults.get("hostname") or p_host_tmpl
                dns = ep.get("dnsSuffix") or sdefaults.get("dnsSuffix") or p_dns
                # Legacy pseudo endpoints (fips-us-east-1, us-east-1-fips,
                # aws-global-fips, ProdFips, ...) are FIPS hosts themselves.
                base_tags = ["fips"] if "fips" in ep_name.lower() else []
                emit(
                    expand(tmpl, svc, ep_name, dns),
                    base_tags,
                    expand(p_host_tmpl, svc, ep_name, p_dns),
                )

                # Declared variants.
                for v in ep.get("variants", []):
                    tags = v.get("tags", [])
                    if not tags:
                        continue
                    chain = [v, find_variant(sdefaults, tags), find_variant(pdefaults, tags)]
                    v_tmpl = next((c["hostname"] for c in chain if c and c.get("hostname")), None)
                    v_dns = next((c["dnsSuffix"] for c in chain if c and c.get("dnsSuffix")), None)
                    if v_dns is None:
                        v_dns = ep.get("dnsSuffix") or sdefaults.get("dnsSuffix") or p_dns
                    if v_tmpl is None:
                        fail(f"{pid}/{svc}/{ep_name}: variant {tags} has no hostname anywhere")
                    pdv = find_variant(pdefaults, tags)
                    default_host = (
                        expand(pdv["hostname"], svc, ep_name, pdv.get("dnsSuffix") or p_dns)
                        if pdv
                        else None
                    )
                    emit(expand(v_tmpl, svc, ep_name, v_dns), tags, default_host)

            if "partitionEndpoint" in sdata or sdata.get("isRegionalized") is False:
                pe = sdata.get("partitionEndpoint")
                pe_region = "-"
                if pe:
                    pe_data = sdata.get("endpoints", {}).get(pe, {})
                    pe_scope = dict(sdefaults.get("credentialScope", {}))
                    pe_scope.update(pe_data.get("credentialScope", {}))
                    pe_region = pe_scope.get("region") or "-"
                global_rows.append((order[pid], pid, svc, pe or "-", pe_region))
    global_rows.sort()
    h_lines = [record("H", *r, what=f"host {r[0]}") for r in sorted(host_rows)]
    g_lines = [record("G", *r[1:], what=f"global {r[1]}/{r[2]}") for r in global_rows]
    per_host = collections.defaultdict(set)
    per_host_target = collections.defaultdict(set)
    for r in host_rows:
        per_host[r[0]].add(r[1:])
        per_host_target[r[0]].add((r[1], r[2]))
    multi = sorted(h for h, s in per_host.items() if len(s) > 1)
    conflicting = sorted(h for h, s in per_host_target.items() if len(s) > 1)
    return h_lines, g_lines, multi, conflicting, skipped_placeholder


# ---------------------------------------------------------------------------
# Verification of the written file


def verify(data, expected_counts):
    problems = []
    counts = collections.Counter()
    services = {}
    current = None
    saw_o = False
    partitions = set()
    hosts = collections.defaultdict(list)
    order_seen = []
    member_order = []
    if "\r" in data:
        problems.append("file contains CR")
    if not data.endswith("\n"):
        problems.append("file does not end with a newline")
    for lineno, line in enumerate(data.split("\n")[:-1], 1):
        if line.startswith("#"):
            continue
        if line == "":
            problems.append(f"line {lineno}: blank line")
            continue
        fields = line.split("\t")
        kind = fields[0]
        if kind not in FIELD_COUNTS:
            problems.append(f"line {lineno}: unknown record type {kind!r}")
            continue
        if len(fields) != FIELD_COUNTS[kind] or any(f == "" for f in fields):
            problems.append(f"line {lineno}: bad field count or empty field")
            continue
        counts[kind] += 1
        if not order_seen or order_seen[-1] != kind:
            order_seen.append(kind)
        if kind == "P":
            partitions.add(fields[1])
        elif kind == "S":
            if current is not None and not saw_o:
                problems.append(f"service {current} has no O line")
            current = fields[1]
            saw_o = False
            services[current] = {"S": fields, "O": None, "R": [], "A": [], "I": [], "K": []}
            member_order = []
        elif kind == "O":
            if current is None or saw_o:
                problems.append(f"line {lineno}: O line not directly after its S line")
                continue
            saw_o = True
            services[current]["O"] = fields[1].split(",")
        elif kind == "X":
            if current is None or not saw_o:
                problems.append(f"line {lineno}: X line outside a service block")
        elif kind == "R":
            if current is None or not saw_o:
                problems.append(f"line {lineno}: R line outside a service block")
                continue
            if any(services[current][k] for k in MEMBER_KINDS):
                problems.append(f"line {lineno}: R line after an A/I/K line")
            services[current]["R"].append(fields)
        elif kind in MEMBER_KINDS:
            if current is None or not saw_o:
                problems.append(f"line {lineno}: {kind} line outside a service block")
                continue
            if fields[1] != current:
                problems.append(f"line {lineno}: {kind} line names {fields[1]!r} inside the block of {current!r}")
            if fields[2] not in services[current]["O"]:
                problems.append(f"line {lineno}: {kind} line names unknown operation {fields[2]!r}")
            key = (MEMBER_KINDS.index(kind), fields[2])
            if member_order and member_order[-1] >= key:
                problems.append(f"line {lineno}: {kind} lines not in A, I, K then operation order")
            member_order.append(key)
            protos = services[current]["S"][5].split(",")
            items = fields[3].split(",")
            if len(set(items)) != len(items):
                problems.append(f"line {lineno}: repeated member")
            for item in items:
                m = re.fullmatch(r"(body|uri|querystring|header):([^,:\[\] ]+)(\[\])?", item)
                if not m:
                    problems.append(f"line {lineno}: bad member item {item!r}")
                elif m.group(1) != "body" and not any(p in REST_PROTOCOLS for p in protos):
                    problems.append(f"line {lineno}: {m.group(1)} member in a non-REST service")
                elif m.group(1) == "uri" and m.group(3):
                    problems.append(f"line {lineno}: list in the URI")
            services[current][kind].append(fields)
        elif kind == "H":
            hosts[fields[1]].append(fields)
            if fields[4] not in partitions:
                problems.append(f"line {lineno}: H partition {fields[4]!r} has no P line")
        elif kind == "G":
            if fields[1] not in partitions:
                problems.append(f"line {lineno}: G partition {fields[1]!r} has no P line")
    if current is not None and not saw_o:
        problems.append(f"service {current} has no O line")

    # Record order: P, then S/O/R blocks, then H, then G.
    collapsed = []
    for k in order_seen:
        k2 = "S" if k in "SOXRAIK" else k
        if not collapsed or collapsed[-1] != k2:
            collapsed.append(k2)
    if collapsed != ["P", "S", "H", "G", "T"]:
        problems.append(f"record order is {collapsed}, expected ['P', 'S', 'H', 'G', 'T']")

    if counts != expected_counts:
        problems.append(f"re-read counts {dict(counts)} != written {dict(expected_counts)}")

    # Services / operations / protocols.
    if len(services) != EXPECTED_SERVICES:
        problems.append(f"{len(services)} services, expected {EXPECTED_SERVICES}")
    n_ops = sum(len(s["O"] or []) for s in services.values())
    if n_ops != EXPECTED_OPERATIONS:
        problems.append(f"{n_ops} operations, expected {EXPECTED_OPERATIONS}")
    primary = collections.Counter(s["S"][5].split(",")[0] for s in services.values())
    if dict(primary) != EXPECTED_PRIMARY_PROTOCOLS:
        problems.append(f"primary protocols {dict(primary)} != {EXPECTED_PRIMARY_PROTOCOLS}")
    for name, s in services.items():
        ops = set(s["O"] or [])
        protos = s["S"][5].split(",")
        is_rest = any(p in REST_PROTOCOLS for p in protos)
        if is_rest:
            route_ops = [r[6] for r in s["R"]]
            if sorted(route_ops) != sorted(ops):
                problems.append(f"{name}: R operations do not match O operations")
        elif s["R"]:
            problems.append(f"{name}: non-REST service has R lines")
        if ("json" in protos or "smithy-rpc-v2-cbor" in protos) and s["S"][6] == "-":
            problems.append(f"{name}: json/cbor protocol without targetPrefix")

    def expect(cond, msg):
        if not cond:
            problems.append(msg)

    # Specific services.
    cw = services.get("cloudwatch")
    expect(cw and cw["S"][5] == "smithy-rpc-v2-cbor,json,query" and cw["S"][4] == "cloudwatch"
           and cw["S"][2] == "monitoring", f"cloudwatch S line unexpected: {cw and cw['S']}")
    sqs = services.get("sqs")
    expect(sqs and sqs["S"][5] == "json,query" and "awsQueryCompatible" in sqs["S"][8],
           f"sqs S line unexpected: {sqs and sqs['S']}")
    s3 = services.get("s3")
    expect(s3 is not None, "no s3 service")
    if s3:
        expect(90 <= len(s3["R"]) <= 130, f"s3 has {len(s3['R'])} R lines, expected ~100")
        get_obj = [r for r in s3["R"] if r[6] == "GetObject"]
        expect(
            # botocore 1.43.11 spells it without a literal query (no x-id=GetObject).
            get_obj and get_obj[0][1:3] == ["GET", "/{Bucket}/{Key+}"]
            and get_obj[0][3] in ("-", "x-id=GetObject"),
            f"s3 GetObject route unexpected: {get_obj}",
        )
        parts = [r for r in s3["R"] if r[6] == "ListParts"]
        expect(parts and parts[0][1:3] == ["GET", "/{Bucket}/{Key+}"] and "uploadId" in parts[0][4],
               f"s3 ListParts route unexpected: {parts}")
        v2 = [r for r in s3["R"] if r[6] == "ListObjectsV2"]
        expect(v2 and v2[0][3] == "list-type=2", f"s3 ListObjectsV2 route unexpected: {v2}")
        put_obj = [r for r in s3["R"] if r[6] == "UploadPart"]
        expect(put_obj and "partNumber" in put_obj[0][4] and "uploadId" in put_obj[0][4],
               f"s3 UploadPart route unexpected: {put_obj}")
        copy = [r for r in s3["R"] if r[6] == "CopyObject"]
        expect(copy and "x-amz-copy-source" in copy[0][5], f"s3 CopyObject route unexpected: {copy}")
    expect(services.get("s3control", {}).get("S", [None] * 5)[4] == "s3", "s3control iamPrefix != s3")
    lam = services.get("lambda")
    expect(lam and any(r[1:3] == ["POST", "/2015-03-31/functions/{FunctionName}/invocations"]
                       and r[6] == "Invoke" for r in lam["R"]), "lambda Invoke route missing")

    # Resource members.
    member_records = {k: sum(len(s[k]) for s in services.values()) for k in MEMBER_KINDS}
    member_items = {k: sum(len(f[3].split(",")) for s in services.values() for f in s[k]) for k in MEMBER_KINDS}
    expect(member_records == EXPECTED_MEMBER_RECORDS,
           f"A/I/K records {member_records} != expected {EXPECTED_MEMBER_RECORDS}")
    expect(member_items == EXPECTED_MEMBER_ITEMS, f"A/I/K members {member_items} != expected {EXPECTED_MEMBER_ITEMS}")
    for (kind, service, op), members in EXPECTED_MEMBER_FACTS.items():
        found = [f[3] for f in services.get(service, {}).get(kind, []) if f[2] == op]
        expect(found == ([] if members == "-" else [members]), f"{kind} {service} {op}: {found} != {members!r}")

    # Hosts.
    for h, region in (("iam.amazonaws.com", "us-east-1"), ("sts.amazonaws.com", "us-east-1"),
                      ("s3.amazonaws.com", "us-east-1")):
        rows = hosts.get(h)
        expect(rows and any(r[3] == region for r in rows), f"H {h} ({region}) missing: {rows}")
    expect(any(r[2] == "route53" for r in hosts.get("route53.amazonaws.com", [])),
           "H route53.amazonaws.com missing")
    expect(any(r[2] == "iam" and r[3] == "us-gov-west-1" for r in hosts.get("iam.us-gov.amazonaws.com", [])),
           "H iam.us-gov.amazonaws.com missing")

    # Partitions.
    missing = EXPECTED_PARTITIONS - partitions
    expect(not missing, f"partitions missing: {sorted(missing)}")

    if problems:
        for p in problems:
            print(f"verify: {p}", file=sys.stderr)
        fail(f"verification of {OUTPUT} failed ({len(problems)} problems)")


# ---------------------------------------------------------------------------


def rule_set_host_labels():
    """T records: host labels that a service's endpoint rule set uses instead of its endpointPrefix
    (``https://<label>.{Region}...``), such as ``arc-region-switch-control-plane`` or ``aos``."""
    def urls(node, acc):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str):
                acc.append(node["url"])
            for value in node.values():
                urls(value, acc)
        elif isinstance(node, list):
            for value in node:
                urls(value, acc)

    lines = set()
    for name in sorted(d for d in os.listdir(DATA_DIR) if os.path.isdir(os.path.join(DATA_DIR, d))):
        path, _ = newest_model_path(name)
        rules_path = os.path.join(os.path.dirname(path), "endpoint-rule-set-1.json.gz")
        if not os.path.exists(rules_path):
            continue
        prefix = load_json(path)["metadata"]["endpointPrefix"]
        found = []
        urls(load_json(rules_path), found)
        for url in found:
            match = re.match(r"https://([a-z0-9.-]+?)\.\{", url)
            if not match:
                continue
            label = match.group(1)
            if label in (prefix, prefix + "-fips", prefix + ".dualstack", prefix + "-fips.dualstack"):
                continue
            lines.add(record("T", label, name, what=f"{name} rule-set host {label}"))
    return sorted(lines)


def main():
    partitions_json = load_json(os.path.join(DATA_DIR, "partitions.json"))
    endpoints_json = load_json(os.path.join(DATA_DIR, "endpoints.json"))

    p_lines, pinfo = build_partitions(partitions_json)
    s_lines, stats = build_services()
    h_lines, g_lines, multi_hosts, conflicting_hosts, skipped = build_hosts(endpoints_json, pinfo)

    t_lines = rule_set_host_labels()
    counts = collections.Counter(
        line.split("\t", 1)[0] for line in p_lines + s_lines + h_lines + g_lines + t_lines)

    header = [
        "# aws-model.tsv -- AWS service model table for the AWSClassifier module.",
        "# Generated by scripts/generate-aws-model.py; DO NOT EDIT. Format: see that script's docstring.",
        f"# botocore {BOTOCORE_VERSION} (data: service-2.json.gz of the newest API version per service,"
        " endpoints.json, partitions.json)",
        "# Fields are TAB-separated; '-' means none; lists are comma-separated.",
        f"# records: P={counts['P']} S={counts['S']} O={counts['O']} X={counts['X']} R={counts['R']}"
        f" A={counts['A']} I={counts['I']} K={counts['K']}"
        f" H={counts['H']} G={counts['G']} T={counts['T']}",
        f"# members: A={stats['member_items']['A']} I={stats['member_items']['I']} K={stats['member_items']['K']}"
        " (rule: the script's docstring; overrides: scripts/resource-members.tsv)",
        f"# operations: {stats['operations']}; primary protocols: "
        + " ".join(f"{k}={v}" for k, v in sorted(stats["primary"].items())),
        f"# hostnames on more than one H line: {len(multi_hosts)}; of these, mapping to more than one"
        f" (endpointPrefix, region): {len(conflicting_hosts)} -- all lines are kept",
        "# record layouts:",
        "#   P id dnsSuffix dualStackDnsSuffix implicitGlobalRegion regionRegex regions",
        "#   S modelName endpointPrefix signingName iamPrefix protocols targetPrefix jsonVersion flags apiVersion",
        "#   O operations",
        "#   X hostPrefix operations",
        "#   R method pathTemplate literalQuery requiredQuery requiredHeaders operation",
        "#   A modelName operation members     (input members naming a resource of the service)",
        "#   I modelName operation members     (input members naming a role passed to the service: iam:PassRole)",
        "#   K modelName operation members     (input members naming a KMS key the service uses)",
        "#     members: location:path[,...]; location body|uri|querystring|header; path[] = list of strings",
        "#   H hostname endpointPrefix region partition credentialService tags",
        "#   G partition endpointPrefix partitionEndpoint region",
        "#   T ruleSetHostLabel modelName",
    ]
    for h in header:
        if any(c in h for c in "\t\r\n"):
            fail(f"header comment contains TAB/CR/LF: {h!r}")

    text = "\n".join(header + p_lines + s_lines + h_lines + g_lines + t_lines) + "\n"
    verify(text, counts)
    # A Swift raw string (#"""…"""#) takes the table verbatim as long as it holds neither delimiter
    # nor a raw interpolation.
    if '"""#' in text or "\\#" in text:
        fail('the table contains """# or \\#, which would end or interpolate the Swift raw string')
    swift = (
        "// Generated by scripts/generate-aws-model.py from botocore " + BOTOCORE_VERSION + ". Do not edit.\n"
        "// The AWS model table (format: the comment lines at its top), compiled into the binary.\n\n"
        "extension AWSModel {\n"
        "    /// The model table `scripts/generate-aws-model.py` wrote (parsed by ``AWSModel/init(tsv:)``).\n"
        "    public static let bundledTable = #\"\"\"\n" + text + '"""#\n'
        "}\n"
    )
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(swift)

    raw = text.encode("utf-8")
    gz = gzip.compress(raw, compresslevel=9, mtime=0)
    rel = os.path.relpath(OUTPUT, REPO_ROOT)
    print(f"wrote {rel}")
    print(f"  size: {len(raw)} bytes ({len(raw) / 1024:.0f} KiB), gzip -9: {len(gz)} bytes "
          f"({len(gz) / 1024:.0f} KiB)")
    print(f"  lines: total={text.count(chr(10))} comments={len(header)} "
          + " ".join(f"{k}={counts[k]}" for k in "PSOXRAIKHGT"))
    print("  resource members: " + " ".join(f"{k}={stats['member_items'][k]}" for k in MEMBER_KINDS)
          + f" (lists: " + " ".join(f"{k}={stats['member_lists'][k]}" for k in MEMBER_KINDS) + ")"
          + f"; curated exclusions applied: {stats['curated_excluded']}")
    print("  by reason: " + " ".join(f"{k}/{r}={n}" for (k, r), n in sorted(stats["member_reasons"].items())))
    print(f"  services={stats['services']} operations={stats['operations']} rest routes={stats['routes']}")
    print("  primary protocols: " + " ".join(f"{k}={v}" for k, v in sorted(stats["primary"].items())))
    print("  any protocol:      " + " ".join(f"{k}={v}" for k, v in sorted(stats["all"].items())))
    print(f"  services without metadata.signingName (endpointPrefix used): {len(stats['no_signing_name'])}")
    print("  iamPrefix exceptions applied: " + ", ".join(stats["iam_exceptions_applied"]))
    print(f"  hostnames on several H lines: {len(multi_hosts)}"
          + (f" ({', '.join(multi_hosts[:8])}{', ...' if len(multi_hosts) > 8 else ''})" if multi_hosts else ""))
    print(f"  hostnames mapping to several (endpointPrefix, region): {len(conflicting_hosts)}"
          + (f" ({', '.join(conflicting_hosts[:8])}{', ...' if len(conflicting_hosts) > 8 else ''})"
             if conflicting_hosts else ""))
    if skipped:
        print(f"  hostnames skipped: {len(skipped)}")
        for s in skipped:
            print(f"    {s}")
    if stats["irregular"]:
        print(f"  irregularities ({len(stats['irregular'])}):")
        for s in stats["irregular"]:
            print(f"    {s}")
    if len(raw) > 2 * 1024 * 1024:
        fail(f"output is {len(raw)} bytes, over the ~2 MB budget")


if __name__ == "__main__":
    main()
