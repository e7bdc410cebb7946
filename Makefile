# gardenfleet developer entry points. `make run` and `make test` set up
# everything they need on a fresh machine.
export GOTOOLCHAIN := go1.27.3
export GOFLAGS := -buildvcs=false

BIN        := $(CURDIR)/bin
GO         ?= go
PLATFORMS  := linux/amd64 linux/arm64 darwin/arm64

.PHONY: all build cross test unit vet fmt-check run bench-render

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

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^hack/tools/')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test ./...

test: fmt-check vet cross unit

# Until the landscape exists, `make run` renders the example fleet.
run: build
	$(BIN)/gardenfleet render --dry-run examples/fleet

bench-render:
	hack/bench-render.sh
