"""SigV4 canonicalization rules written from the AWS specification, shared by the vector generators.

These are the generators' own reading of the spec (an independent check on botocore and the AWS CRT),
not a port of the Swift library.
"""

from urllib.parse import quote, unquote_to_bytes


def uri_encode(b):
    """RFC 3986 percent-encoding of everything but the unreserved characters."""
    return quote(b, safe="-_.~")


def spec_canonical_uri(path, s3_family):
    """The canonical URI: S3-family paths are encoded once without normalization; other services
    drop empty and `.` segments, resolve `..`, keep a trailing slash, and encode twice."""
    segs = path.split("/")
    if s3_family:
        return "/".join(uri_encode(unquote_to_bytes(s)) for s in segs)
    out = []
    for s in segs:
        if s in ("", "."):
            continue
        if s == "..":
            if out:
                out.pop()
            continue
        out.append(s)
    trailing = "/" if path.endswith("/") and out else ""
    return "/" + "/".join(uri_encode(uri_encode(unquote_to_bytes(s)).encode()) for s in out) + trailing
