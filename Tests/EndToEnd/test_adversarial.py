"""Decoys through the real proxies: requests built and signed by botocore, with the parts an attacker
adds (a URL parameter naming an allowed resource, a second table) signed too, so that only the
authorizer stands between them and AWS. The policy (authz.yaml, rule scoped-own-resources-only) lets
account 111122223333 reach only its own queues and tables.

Envoy forwards the body (with_request_body), so sigv4-authz reads the queue or table where the
service reads it and allows the honest request. nginx's auth_request and Squid's helper never see a
body: the resource is unknown, the resource-scoped deny matches, and even the honest request is
refused — unknown never widens access."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

import harness as h
from test_proxies import audit_mark, new_upstream_requests, settled_audit

SCOPED = h.Creds("scoped", "AKIARTX3GSDSQAJDIVTY", "e2eSecretScoped33333wJalrXUtnFEMIK7MDENG", None, "111122223333")
OURS = "https://sqs.us-east-1.amazonaws.com/111122223333/e2e-ours"
THEIRS = "https://sqs.us-east-1.amazonaws.com/411435703965/exfil"


def sees_body(proxy: h.Proxy) -> bool:
    return proxy.name.startswith("envoy")


def with_url_parameter(client, operation: str, name: str, value: str):
    """Adds ?name=value to the URL before botocore signs, as an attacker's hand-built request would."""
    from urllib.parse import quote

    def add(request, **_):
        separator = "&" if "?" in request.url else "?"
        request.url += f"{separator}{name}={quote(value, safe='')}"

    client.meta.events.register(f"before-sign.{client.meta.service_model.endpoint_prefix}.{operation}", add)
    return client


def check(world, proxy, call, *, allowed: bool, pairs):
    before_audit = audit_mark(proxy)
    before_upstream = world.aws.count()
    denied = None
    try:
        call()
    except ClientError as error:
        denied = error
    [record] = settled_audit(proxy, before_audit + 1)[before_audit:]
    assert record["decision"] == ("allow" if allowed else "deny"), record
    assert [[p["action"], p["resource"]] for p in record["aws"]["authorizations"]] == pairs, record
    reached = [r for r in new_upstream_requests(world, before_upstream)
               if r["headers"].get("x-sigv4-authz-request-id") == record["request_id"]]
    if allowed:
        # moto has no such queue or table; what matters is that the request reached it.
        assert reached, record
    else:
        assert denied is not None and denied.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"), denied
        assert denied.response["Error"]["Message"].startswith("sigv4-authz: "), denied.response
        assert not reached and world.aws.count() == before_upstream
    return record


def test_sqs_queueurl_decoy_in_the_url(world, proxy):
    """SendMessage to the attacker's queue, with ?QueueUrl=<our queue> in the URL: SQS reads only the
    JSON body, so the decoy never names the resource."""
    sqs = with_url_parameter(h.client(proxy, "sqs", SCOPED), "SendMessage", "QueueUrl", OURS)
    record = check(world, proxy, lambda: sqs.send_message(QueueUrl=THEIRS, MessageBody="secrets"), allowed=False,
                   pairs=[["sqs:SendMessage", "arn:aws:sqs:us-east-1:411435703965:exfil" if sees_body(proxy) else None]])
    assert record["reason"] == "denied_by_rule" and record["rule"] == "scoped-own-resources-only", record


def test_sqs_honest_send_needs_the_body(world, proxy):
    sqs = h.client(proxy, "sqs", SCOPED)
    if sees_body(proxy):
        check(world, proxy, lambda: sqs.send_message(QueueUrl=OURS, MessageBody="hello"), allowed=True,
              pairs=[["sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:e2e-ours"]])
    else:
        check(world, proxy, lambda: sqs.send_message(QueueUrl=OURS, MessageBody="hello"), allowed=False,
              pairs=[["sqs:SendMessage", None]])


def test_dynamodb_batch_names_every_table(world, proxy):
    """BatchWriteItem to our table and the attacker's: every table of RequestItems is a resource."""
    ddb = h.client(proxy, "dynamodb", SCOPED, account_id_endpoint_mode="disabled")
    theirs = "arn:aws:dynamodb:us-east-1:411435703965:table/exfil"
    item = {"PutRequest": {"Item": {"id": {"S": str(uuid.uuid4())}}}}
    call = lambda: ddb.batch_write_item(RequestItems={"e2e-orders": [item], theirs: [item]})  # noqa: E731
    pairs = ([["dynamodb:BatchWriteItem", "arn:aws:dynamodb:us-east-1:111122223333:table/e2e-orders"],
              ["dynamodb:BatchWriteItem", theirs]] if sees_body(proxy) else [["dynamodb:BatchWriteItem", None]])
    check(world, proxy, call, allowed=False, pairs=pairs)


def test_dynamodb_table_decoy_in_the_url(world, proxy):
    """PutItem naming the attacker's table in the body and ours in ?TableName=. (botocore would send a
    request naming a table ARN to the account's own endpoint, {account}.ddb.…, which the test CA's
    certificate does not name; the regional endpoint is what an attacker's hand-built request uses.)"""
    client = h.client(proxy, "dynamodb", SCOPED, account_id_endpoint_mode="disabled")
    ddb = with_url_parameter(client, "PutItem", "TableName", "e2e-orders")
    theirs = "arn:aws:dynamodb:us-east-1:411435703965:table/exfil"
    check(world, proxy, lambda: ddb.put_item(TableName=theirs, Item={"id": {"S": "1"}}), allowed=False,
          pairs=[["dynamodb:PutItem", theirs if sees_body(proxy) else None]])
