# The two commands a newcomer needs: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libxml2-dev libsqlite3-dev libopenblas-dev libpoppler-glib-dev zlib1g-dev pkg-config
# What the tests need besides: a real browser for the web page (WebPageTests; Selenium comes from PyPI into a venv the
# test makes under ~/.cache/rag-tests).
TEST_APT_PACKAGES := chromium chromium-driver python3-venv
RELEASE := -c release
# Tests run optimised: the encoder and generator are numeric code that is far too slow in debug builds.
TEST_FLAGS := -c release -Xswiftc -enable-testing
BIN := .build/release/rag
INDEX ?= Indexes/default.sqlite

.PHONY: all deps test-deps apt-install models build test demo bench-ingest eval-keyword clean

all: build

deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_APT_PACKAGES)"

# Installs the Debian packages of PACKAGES that are missing.
apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

models:
	@scripts/fetch-models

build: deps
	$(SWIFT) build $(RELEASE) --product rag

test: deps test-deps models
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build

demo: deps models build
	$(BIN) ingest Corpus --index $(INDEX)
	$(BIN) search "which Debian packages are installed" --mode keyword -k 3 --index $(INDEX)
	$(BIN) ask "How do I fetch the models, and where are they stored?" --index $(INDEX)

# Benchmarks (not part of `make test`); see README.
bench-ingest: build
	scripts/bench-ingest

eval-keyword: build
	scripts/eval-scifact keyword

clean:
	rm -rf .build $(INDEX)
