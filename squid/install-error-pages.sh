#!/usr/bin/env bash
# install-error-pages.sh [DEST] — the error_directory squid.conf names (default
# /etc/squid/sigv4-authz-errors): Squid's own templates plus the two AWS-format deny pages
# (errors/ERR_SIGV4_AUTHZ_XML, errors/ERR_SIGV4_AUTHZ_JSON) that carry sigv4-authz's sentence (%o),
# so SDKs raise AccessDenied / AccessDeniedException with it. Squid 5 finds custom deny_info pages
# only in error_directory, and error_directory replaces the language directories, hence the copy.
set -euo pipefail
dest=${1:-/etc/squid/sigv4-authz-errors}
here=$(cd "$(dirname "$0")" && pwd)
templates=/usr/share/squid/errors/templates
[ -d "$templates" ] || { echo "no Squid templates at $templates (apt-get install squid)" >&2; exit 1; }
mkdir -p "$dest"
cp "$templates"/ERR_* "$dest"/
cp "$here"/errors/ERR_SIGV4_AUTHZ_* "$dest"/
chmod 755 "$dest"; chmod 644 "$dest"/ERR_*
echo "installed Squid error pages into $dest"
