#!/usr/bin/env bash
# Builds the real gardener-apiserver from source (module hack/tools-gardener, pinned to
# Gardener's own requirements) into bin/k8s, beside the kube-apiserver and etcd of
# hack/landscape-bin.sh, so the landscape and the tests answer Shoots, Projects and
# CloudProfiles with Gardener's own validation and admission. Nothing is downloaded
# prebuilt. Cached by its own stamp (a separate script, so changing it does not rebuild
# kube-apiserver): when the binary exists and the stamp matches, it does nothing.
# About 12 minutes and 2 GB of build cache when cold.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/hack/tools-gardener"
out="${LANDSCAPE_BIN_DIR:-$root/bin/k8s}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOFLAGS="-buildvcs=false -mod=readonly"
export CGO_ENABLED=0

version="$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/gardener/gardener") { print $(i + 1); exit } }' "$tools/go.mod")"
[[ -n "$version" ]] || { echo "gardener-apiserver-bin: cannot read the Gardener version from $tools/go.mod" >&2; exit 1; }

go_version="$(cd "$tools" && go env GOVERSION)"
inputs="$(cat "$tools/go.mod" "$tools/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
stamp="gardener $version
go $go_version
inputs $inputs"
stampfile="$out/.stamp-gardener"

if [[ -x "$out/gardener-apiserver" && -f "$stampfile" && "$(cat "$stampfile")" == "$stamp" ]]; then
	echo "gardener-apiserver-bin: $out/gardener-apiserver is up to date (gardener $version)"
	exit 0
fi

# The release's own date, so the same inputs give the same binary.
build_date="$(cd "$tools" && go mod download -json "github.com/gardener/gardener@$version" | sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' | head -n1)"
[[ -n "$build_date" ]] || build_date="1970-01-01T00:00:00Z"

# Gardener's Makefile stamps its version into component-base (hack/get-build-ld-flags.sh).
major="${version#v}"; major="${major%%.*}"
minor="${version#v*.}"; minor="${minor%%.*}"
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/gardener-apiserver-bin.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "gardener-apiserver-bin: building gardener-apiserver $version with $go_version (about 12 minutes when cold)"
start=$SECONDS
(cd "$tools" && go build -trimpath -ldflags "$ldflags" -o "$tmp/gardener-apiserver" github.com/gardener/gardener/cmd/gardener-apiserver)
"$tmp/gardener-apiserver" --version 2>&1 | grep -q "$version" || { echo "gardener-apiserver-bin: gardener-apiserver reports $("$tmp/gardener-apiserver" --version 2>&1)" >&2; exit 1; }

mkdir -p "$out"
mv -f "$tmp/gardener-apiserver" "$out/gardener-apiserver"
printf '%s\n' "$stamp" >"$stampfile"
echo "gardener-apiserver-bin: built gardener-apiserver into $out in $((SECONDS - start))s"
