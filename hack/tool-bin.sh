#!/usr/bin/env bash
# Builds one developer tool from source, from the tools module that pins it, into bin/:
#   hack/tool-bin.sh MODULE_DIR PACKAGE [NAME]
# e.g. hack/tool-bin.sh hack/tools-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint
# Nothing is downloaded prebuilt: the module proxy serves the source at the version in
# MODULE_DIR/go.mod. Cached like hack/landscape-bin.sh: when bin/NAME exists and its stamp
# (version, toolchain, the module's go.mod and go.sum, this script) matches, it does nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $# -ge 2 ]] || { echo "usage: $0 MODULE_DIR PACKAGE [NAME]" >&2; exit 2; }
tools="$root/$1"
pkg="$2"
name="${3:-${pkg##*/}}"
out="${TOOL_BIN_DIR:-$root/bin}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOFLAGS="-buildvcs=false -mod=readonly"
export CGO_ENABLED=0

# The version is the one of the required module that holds the package.
version="$(cd "$tools" && go list -f '{{.Module.Version}}' "$pkg")"
[[ -n "$version" ]] || { echo "tool-bin: cannot read the version of $pkg from $tools/go.mod" >&2; exit 1; }

go_version="$(cd "$tools" && go env GOVERSION)"
inputs="$(cat "$tools/go.mod" "$tools/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
stamp="$pkg $version
go $go_version
inputs $inputs"
stampfile="$out/.stamp-$name"

if [[ -x "$out/$name" && -f "$stampfile" && "$(cat "$stampfile")" == "$stamp" ]]; then
	exit 0
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tool-bin.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "tool-bin: building $name $version with $go_version"
start=$SECONDS
(cd "$tools" && go build -trimpath -o "$tmp/$name" "$pkg")
mkdir -p "$out"
mv -f "$tmp/$name" "$out/$name"
printf '%s\n' "$stamp" >"$stampfile"
echo "tool-bin: built $name into $out in $((SECONDS - start))s"
