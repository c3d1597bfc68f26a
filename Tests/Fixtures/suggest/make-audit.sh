#!/usr/bin/env bash
# Writes audit.jsonl, the records `sigv4-authz suggest` is tried on by
# Tests/IntegrationTests/SuggestCommandTests.swift: real audit records of `sigv4-authz check --json`
# (Tests/EndToEnd/authz.yaml, signatures not checked), a few turned into would_deny as a dry run
# writes them, and one unreadable line. Usage: Tests/Fixtures/suggest/make-audit.sh BINARY
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
config="$here/../../EndToEnd/authz.yaml"
at=20260115T123456Z
zeros=0000000000000000000000000000000000000000000000000000000000000000
check() { # KEY REGION SERVICE METHOD URL [DATA]
    local args=(check --config "$config" --at "$at" --json --method "$4" --url "$5"
        --header "Authorization: AWS4-HMAC-SHA256 Credential=$1/20260115/$2/$3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=$zeros"
        --header "x-amz-date: $at" --header "x-amz-content-sha256: UNSIGNED-PAYLOAD")
    if [ $# -ge 6 ]; then args+=(--header "x-amz-target: $6" --data '{}'); fi
    "$bin" "${args[@]}" || true
}
key=AKIASP2TPHJSQH3FJRUX   # account 171436882533 (e2e-allowed)
{
    for month in 01 02 03 04; do
        check $key us-east-1 s3 GET "https://app-data.s3.us-east-1.amazonaws.com/reports/2026-$month.csv"
    done
    check $key us-east-1 s3 GET "https://app-data.s3.us-east-1.amazonaws.com/reports/2026-01.csv"
    check $key us-east-1 s3 PUT "https://app-data.s3.us-east-1.amazonaws.com/uploads/a.bin"
    check $key us-east-1 s3 GET "https://app-data.s3.us-east-1.amazonaws.com/?list-type=2"
    check $key us-east-1 s3 GET "https://s3.us-east-1.amazonaws.com/"
    check $key us-east-1 s3 DELETE "https://app-data.s3.us-east-1.amazonaws.com/reports/2026-01.csv"
    check $key us-east-1 dynamodb POST "https://dynamodb.us-east-1.amazonaws.com/" DynamoDB_20120810.GetItem
    check $key us-east-1 dynamodb POST "https://dynamodb.us-east-1.amazonaws.com/" DynamoDB_20120810.Query
    check $key us-east-1 execute-api POST "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/orders"
    check $key us-east-1 sqs POST "https://sqs.us-east-1.amazonaws.com/"
    check $key eu-west-1 s3 GET "https://app-data.s3.eu-west-1.amazonaws.com/reports/2026-05.csv"
} | sed -e '/execute-api/s/"decision":"deny"/"decision":"would_deny"/' \
        -e '/eu-west-1/s/"decision":"deny"/"decision":"would_deny"/' > "$here/audit.jsonl"
echo '{"decision":"allow","aws":{"account":17}}' >> "$here/audit.jsonl"
