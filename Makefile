# Loom — the two set-up commands are `make run` and `make test`.
GO       ?= go
BIN      ?= ./bin/loom
DATA     ?= ./loom-data
ADDR     ?= 127.0.0.1:8080
PKGS     ?= ./...
TESTFLAGS ?= -race -count=1 -timeout 25m

.PHONY: run test assets build generate vet check-generated tidy-check bench

## run: build the web assets and the binary, create the demo company (once), serve it.
run: build
	$(BIN) demo --data $(DATA) --if-empty
	$(BIN) serve --data $(DATA) --addr $(ADDR)

## test: every test; set LOOM_TEST_POSTGRES_URL to include the PostgreSQL half.
test: assets
	$(GO) test $(TESTFLAGS) $(PKGS)

assets:
	bash web/build.sh

build: assets
	$(GO) build -o $(BIN) ./cmd/loom

generate:
	$(GO) tool templ generate

vet:
	$(GO) vet ./...

## check-generated: templ output and go.mod must be up to date.
check-generated:
	$(GO) tool templ generate
	$(GO) mod tidy
	git diff --exit-code -- '*_templ.go' go.mod go.sum

bench: build
	$(BIN) bench all
