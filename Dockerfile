# A static gardenfleet binary on a distroless base, running as non-root.
# Pinned: the Makefile's toolchain (GOTOOLCHAIN) and a Debian-versioned base.
FROM golang:1.27.3 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux TARGETARCH=amd64
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/gardenfleet ./cmd/gardenfleet

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gardenfleet /gardenfleet
USER 65532:65532
ENTRYPOINT ["/gardenfleet"]
