#!/usr/bin/env bash
# demo.sh PLUGIN_BINARY — the offline demo behind `make demo`: in the test
# world, packer init + build example/demo with the stand-in guest and
# verify it, then print the artifact, the phase timings, the verdict and
# where the HTML report is. The world is torn down after.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [[ ${1:-} != --inside ]]; then
	plugin=$(realpath "${1:?usage: demo.sh PLUGIN_BINARY}")
	exec "$here/world.sh" run -- "$0" --inside "$plugin"
fi
plugin=$2

# The guest's qemu runs as libvirt's own user: everything it opens must be
# under directories it can traverse, so the demo works under /var/tmp.
demo=${PACKER_CENTOS_DEMO_DIR:-/var/tmp/packer-centos-demo}
mkdir -p "$demo/plugins" "$demo/tmp"
chmod 755 "$demo" "$demo/tmp"
cp "$repo"/example/demo/*.hcl "$demo/"
export CHECKPOINT_DISABLE=1 PACKER_PLUGIN_PATH=$demo/plugins PACKER_CACHE_DIR=$demo/packer_cache TMPDIR=$demo/tmp

cd "$demo"
"$WORLD_PACKER" plugins install --path "$plugin" github.com/packer-centos/centos >/dev/null
"$WORLD_PACKER" init .
start=$(date +%s.%N)
"$WORLD_PACKER" build -force -color=false \
	-var "standin_image=$WORLD_STANDIN_IMAGE" \
	-var "standin_sha256=$WORLD_STANDIN_SHA256" \
	-var "network=$WORLD_NETWORK" . | tee "$demo/build.log"
end=$(date +%s.%N)

echo
echo "demo: artifact $(cat "$demo"/output-demo/SHA256SUMS)"
echo "demo: in $demo/output-demo/"
grep -o 'Phase timings: .*' "$demo/build.log" | sed 's/^/demo: /'
grep -o 'Verified .*' "$demo/build.log" | sed 's/^/demo: /'
echo "demo: reports in $demo/reports/"
echo "demo: HTML report $demo/reports/verify.html"
awk -v s="$start" -v e="$end" 'BEGIN { printf "demo: packer build wall time %.1fs\n", e - s }'
