# objtrack: make demo runs the main job, make test is what CI runs.
GO          ?= go
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCHCOUNT  ?= 10

.PHONY: demo test lint bench

## demo: pytracker's session in Go, then a leak report
demo:
	$(GO) run ./examples/quickstart

## test: formatting, go vet, staticcheck and the race-enabled test suite
test: lint
	$(GO) test -race ./...

lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## bench: the cost bars, as ratios to the runtime floor in the same run
bench:
	$(GO) test -run '^$$' -bench . -count $(BENCHCOUNT) ./trackable/ | tee bench.txt
	$(BENCHSTAT) -col /impl bench.txt
