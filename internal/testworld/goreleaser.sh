#!/usr/bin/env bash
# goreleaser.sh — prints the path of goreleaser v2.13.0, building it once
# from the Go module proxy into the project's cache (like world.sh does
# for packer). Used by `make release-check`.
set -euo pipefail
readonly VERSION=2.13.0
cache=${PACKER_CENTOS_CACHE:-/var/cache/packer-plugin-centos}
bin=$cache/goreleaser-$VERSION
if [[ ! -x $bin ]]; then
	src=$(mktemp -d)
	trap 'rm -rf "$src"' EXIT
	echo "goreleaser.sh: building goreleaser v$VERSION (a few minutes, once)" >&2
	(
		cd "$src"
		printf 'module goreleaserbuild\n\ngo 1.25\n' >go.mod
		GOFLAGS=-mod=mod go get "github.com/goreleaser/goreleaser/v2@v$VERSION" >&2
		GOFLAGS=-mod=mod go build -o "$bin.tmp" github.com/goreleaser/goreleaser/v2
	)
	mkdir -p "$cache"
	mv "$bin.tmp" "$bin"
fi
echo "$bin"
