# devenv's entry points. The two a newcomer needs are `make up` and `make test`; both install and
# start whatever is missing (Docker Engine, local registry, offline images) first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO       ?= go
BIN      := bin/devenv
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   := $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
E2E_TIMEOUT ?= 30m

.PHONY: build up down engine registry images tools compose test test-unit test-e2e bench ci fmt vet clean

# Where `make up` pulls images from: the local registry `make images` fills. On a machine that
# reaches Docker Hub, `make up DEVENV_IMAGES_MIRROR=` pulls from there instead.
DEVENV_IMAGES_MIRROR ?= 127.0.0.1:5000
export DEVENV_IMAGES_MIRROR

build: ## Build bin/devenv, static (CGO_ENABLED=0): devenv test's reaper runs it in a FROM scratch image
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/devenv

EXAMPLE_SERVICES := web:frontend api:backend jobs:worker

up: images build ## Bring up the bundled example stack (example/) and follow its logs; Ctrl-C leaves it running
	cd example && for s in $(EXAMPLE_SERVICES); do \
	  [ -f "$${s%%:*}/Dockerfile" ] || ../$(BIN) add service "$${s%%:*}" --template "$${s#*:}"; \
	done
	cd example && ../$(BIN) up

down: build ## Stop the example stack (its volumes are kept)
	cd example && ../$(BIN) down

engine: ## Start a Docker Engine if none answers (installs Debian's docker.io if needed)
	bash scripts/engine.sh

registry: ## Start the local registry on 127.0.0.1:5000 if none answers
	bash scripts/registry.sh

images: engine registry ## Build the offline images (skipped when unchanged) and push them to the local registry
	bash scripts/images.sh

tools: ## Install what the end-to-end tests drive besides devenv (tmux, git)
	bash scripts/tools.sh

test: test-unit test-e2e ## Everything: unit tests, then end-to-end tests against the real engine

test-unit: ## Fast tests: no engine needed
	$(GO) test -race -count=1 ./...

test-e2e: images tools ## End-to-end tests: the built binary and images against the real engine
	$(GO) test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) -v ./test/e2e/

compose: ## Install the docker compose plugin (built from source) if none answers: make bench compares with it
	bash scripts/compose.sh

bench: images compose ## Whole-stack benchmarks (up, down, ps, seeding, hot reload) against their floors and docker compose; medians of 5
	$(GO) test -tags e2e -run '^$$' -bench . -benchtime 5x -timeout 45m ./test/e2e/

ci: ## What .ci/run runs on a clean clone: engine, images, then the whole test suite, each phase timed
	@start=$$SECONDS; \
	phase() { local name=$$1; shift; local t=$$SECONDS; echo "ci: == $$name"; "$$@"; echo "ci: == $$name took $$((SECONDS - t))s"; }; \
	phase engine $(MAKE) --no-print-directory engine; \
	phase registry $(MAKE) --no-print-directory registry; \
	phase images bash scripts/images.sh; \
	phase test $(MAKE) --no-print-directory test; \
	echo "ci: all phases took $$((SECONDS - start))s"

fmt:
	gofmt -l -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./... && $(GO) vet -tags e2e ./...

clean:
	rm -rf bin
