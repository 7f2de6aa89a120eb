#!/usr/bin/env bash
# A CI job step proving an image built elsewhere (another pipeline, a
# vendor) with the same spec and reports as our Packer builds, without a
# template. centos-verify exits 0 when every check passed, 1 when one
# failed, 2 when the image could not be verified at all.
#
#   verify-image.sh IMAGE [REPORT_DIR]
set -euo pipefail
image=${1:?usage: verify-image.sh IMAGE [REPORT_DIR]}
reports=${2:-reports}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$reports"

status=0
centos-verify \
	--spec "$here/verify.hcl" \
	--centos-version stream9 \
	--memory 2048 \
	--junit "$reports/verify.xml" \
	--json "$reports/verify.json" \
	--html "$reports/verify.html" \
	"$image" || status=$?

case $status in
0) echo "verified: $image" ;;
1) echo "checks failed: see $reports/verify.html" >&2 ;;
*) echo "could not verify $image (exit $status)" >&2 ;;
esac
exit "$status"
