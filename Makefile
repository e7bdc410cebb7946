# gardenfleet developer entry points. `make run` and `make test` set up
# everything they need on a fresh machine.
export GOTOOLCHAIN := go1.27.3
export GOFLAGS := -buildvcs=false
# Gardener's code links a C zstd library that cannot link beside kustomize's plugin
# support: gardenfleet is built without cgo (admission/cgo.go).
export CGO_ENABLED := 0

BIN        := $(CURDIR)/bin
GO         ?= go
PLATFORMS  := linux/amd64 linux/arm64 darwin/arm64

.PHONY: all build cross test unit vet lint fmt-check mod-check generate generate-check run bench-render landscape-bin landscape landscape-down golangci-lint

all: build

build:
	$(GO) build -o $(BIN)/gardenfleet ./cmd/gardenfleet

# Cross-build for the platforms people run gardenfleet on.
cross:
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		echo "building $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -o $(BIN)/gardenfleet-$$os-$$arch ./cmd/gardenfleet; \
	done

vet:
	$(GO) vet ./...

# go.mod and go.sum say exactly what the code imports.
mod-check:
	$(GO) mod tidy -diff

# golangci-lint (pinned in hack/tools-lint, built from source into bin/ by
# hack/tool-bin.sh, cached by a stamp) with the checked-in .golangci.yml.
golangci-lint:
	hack/tool-bin.sh hack/tools-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint

lint: golangci-lint
	$(BIN)/golangci-lint run ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^hack/tools/')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# schema/gardener.cue, the schema of the fleet's raw Shoot fields, is generated from
# Gardener's Go types at the version in go.mod by `cue get go` (cuelang.org/go at the
# version in go.mod); generate-check fails when the committed file is not what it writes.
generate:
	$(GO) run ./hack/genschema

generate-check:
	$(GO) run ./hack/genschema -check

# Tests start the real kube-apiserver and etcd through envtest; the dashboard's tests also
# drive Debian's Chromium, installed here under CI (elsewhere they skip without it).
unit: landscape-bin chromium
	KUBEBUILDER_ASSETS=$(BIN)/k8s $(GO) test ./...

test: fmt-check mod-check generate-check vet lint cross unit

.PHONY: chromium
chromium:
	@if ! command -v chromium >/dev/null 2>&1 && [ -n "$$CI" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# kube-apiserver, etcd and kubectl (hack/tools) and gardener-apiserver (hack/tools-gardener)
# built from source; each cached by its own stamp.
landscape-bin:
	hack/landscape-bin.sh
	hack/gardener-apiserver-bin.sh

# The local garden cluster: etcd + kube-apiserver (data in .landscape/), the Gardener CRDs
# and policies, the gardenlet simulator and a Git server. Both targets are idempotent.
landscape: landscape-bin
	$(GO) build -o $(BIN)/landscape ./hack/landscape/cmd/landscape
	$(BIN)/landscape up

landscape-down:
	$(GO) build -o $(BIN)/landscape ./hack/landscape/cmd/landscape
	$(BIN)/landscape down

# Brings the landscape up, pushes examples/fleet into its Git server, renders and applies
# the fleet, then waits; Ctrl-C stops everything it started.
run: build landscape-bin
	$(GO) build -o $(BIN)/landscape ./hack/landscape/cmd/landscape
	$(BIN)/landscape run --gardenfleet $(BIN)/gardenfleet --fleet examples/fleet

# The dashboard's graph library, pinned in dashboard/web/package-lock.json: npm ci installs
# exactly that build and it is copied, with its licence, into the embedded assets. The copy
# is committed, so `go build` needs no npm; run this after changing the pin.
.PHONY: dashboard-assets
dashboard-assets:
	cd dashboard/web && npm ci --ignore-scripts --no-audit --no-fund
	cp dashboard/web/node_modules/cytoscape/dist/cytoscape.min.js dashboard/web/node_modules/cytoscape/LICENSE dashboard/assets/vendor/

# Times render beside `cue export` on generated fleets (see README).
bench-render:
	$(GO) build -o $(BIN)/gardenfleet ./cmd/gardenfleet
	$(GO) build -o $(BIN)/cue cuelang.org/go/cmd/cue
	$(GO) run ./hack/benchrender -gardenfleet $(BIN)/gardenfleet -cue $(BIN)/cue 100 1000 5000

# Times gardenfleet's apply beside `kubectl apply --server-side` of the same 1,000 rendered
# shoots, each into a fresh API server, and counts the requests of a no-op pass (see README).
.PHONY: bench-apply
bench-apply: landscape-bin
	$(GO) build -o $(BIN)/gardenfleet ./cmd/gardenfleet
	$(GO) run ./hack/benchapply -assets $(BIN)/k8s -kubectl $(BIN)/k8s/kubectl -gardenfleet $(BIN)/gardenfleet -shoots 1000

# Runs `gardenfleet serve` against 5,000 generated shoots (API server, simulator, Git server)
# until the Fleet is Ready and through two more passes, sampling its RSS (see README).
.PHONY: bench-daemon
bench-daemon: build landscape-bin
	$(GO) run ./hack/benchdaemon -assets $(BIN)/k8s -gardenfleet $(BIN)/gardenfleet -shoots 5000

# Runs the README's `CGO_ENABLED=0 go install ...@VERSION` line offline against the working
# tree packed as a module version (a full build: about 2.5 minutes on 2 cores, cache warm).
.PHONY: install-check
install-check:
	$(GO) run ./hack/installcheck
