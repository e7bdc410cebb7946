#!/usr/bin/env bash
# Builds the real kube-apiserver, etcd and kubectl from source (module hack/tools)
# into bin/k8s, so tests (envtest, KUBEBUILDER_ASSETS=bin/k8s) and the local
# landscape run the same server a garden cluster runs. Nothing is downloaded
# prebuilt. Cached: when the binaries exist and the stamp matches the pinned
# versions and toolchain, it does nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/hack/tools"
out="${LANDSCAPE_BIN_DIR:-$root/bin/k8s}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOFLAGS="-buildvcs=false"
export CGO_ENABLED=0

# Versions come from hack/tools/go.mod, the single place they are pinned.
modversion() { awk -v m="$1" '$1 == m { print $2; exit }' "$tools/go.mod"; }
k8s_version="$(modversion k8s.io/kubernetes)"
etcd_version="$(modversion go.etcd.io/etcd/server/v3)"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { echo "landscape-bin: cannot read versions from $tools/go.mod" >&2; exit 1; }

go_version="$(cd "$tools" && go env GOVERSION)"
mod_sum="$(cat "$tools/go.mod" "$tools/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
stamp="kubernetes $k8s_version
etcd $etcd_version
go $go_version
inputs $mod_sum"

bins=(kube-apiserver etcd kubectl)
fresh=1
for b in "${bins[@]}"; do [[ -x "$out/$b" ]] || fresh=0; done
if [[ $fresh == 1 && -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
	echo "landscape-bin: $out is up to date (kubernetes $k8s_version, etcd $etcd_version)"
	exit 0
fi

# The build date is the release's own date, so the same inputs give the same binaries.
release_date() {
	local info
	info="$(cd "$tools" && go mod download -json "$1@$2")"
	sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' <<<"$info" | head -n1
}
build_date="$(release_date k8s.io/kubernetes "$k8s_version")"
[[ -n "$build_date" ]] || build_date="1970-01-01T00:00:00Z"

# Same -X flags as kubernetes' hack/lib/version.sh, so /version tells the truth.
major="${k8s_version#v}"; major="${major%%.*}"
minor="${k8s_version#v*.}"; minor="${minor%%.*}"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
	k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done
etcd_ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=release-$etcd_version"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/landscape-bin.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "landscape-bin: building kube-apiserver and kubectl $k8s_version, etcd $etcd_version with $go_version (several minutes when cold)"
start=$SECONDS
(
	cd "$tools"
	go build -trimpath -ldflags "$k8s_ldflags" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
	go build -trimpath -ldflags "$etcd_ldflags" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
)
"$tmp/kube-apiserver" --version | grep -qx "Kubernetes $k8s_version" || { echo "landscape-bin: kube-apiserver reports $("$tmp/kube-apiserver" --version)" >&2; exit 1; }

mkdir -p "$out"
for b in "${bins[@]}"; do mv -f "$tmp/$b" "$out/$b"; done
printf '%s\n' "$stamp" >"$out/.stamp"
echo "landscape-bin: built ${bins[*]} into $out in $((SECONDS - start))s"
