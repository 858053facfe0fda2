# objtrack: make demo runs the main job, make test is what CI runs.
GO          ?= go
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCHCOUNT  ?= 20
BENCHTIME   ?= 500ms
VERDICTCOUNT ?= 5

.PHONY: demo test test-long test-race browser-note test-32bit test-otel lint bench bench-otel bench-paths bench-verdict bench-specs

## demo: pytracker's session in Go, then leakcheck's reports on a leaky
## test suite (its tests fail on purpose)
demo:
	$(GO) run ./examples/quickstart
	@echo
	@echo '>>> go test -tags leaky ./examples/leaky   (these tests leak on purpose)'
	-$(GO) test -tags leaky -count=1 ./examples/leaky

## test: formatting, go vet, staticcheck and the race-enabled test suite,
## of the main module and of the nested otelobjtrack module (a module of
## its own, so that only its users download OpenTelemetry). The library
## builds for 32-bit platforms, and so must every test binary: each is
## built and linked for 386 and arm, and handed to true instead of being
## run (-exec true); the internal packages' tests also run as 386 (an
## amd64 machine runs 386 binaries), but for internal/tools/readme, whose
## commands run as the machine's own, and internal/tools/speccost, whose suite
## does. The four parts run at once, each
## target's output kept together: the race suite spends much of its time
## in verdicts that wait out their grace, which the compilers of the
## others fill.
test:
	$(MAKE) --no-print-directory -j4 --output-sync=target lint test-race test-32bit test-otel

## test-long: the subprocess fixtures of leakcheck and ginkgoext run as
## many times as each says (twenty rounds or processes), where make test
## runs each once (internal/testsupport/gotest.LongEnv); then the tests (-short) of
## the build without go:linkname (-tags objtrack_nolinkname), which finds
## the runtime's and Ginkgo's state by other means. CI runs it after
## make test.
test-long:
	OBJTRACK_TEST_LONG=1 $(GO) test -race ./leakcheck/... ./ginkgoext/...
	$(GO) test -short -tags objtrack_nolinkname ./trackable/... ./leakcheck/... ./ginkgoext/... ./internal/...

test-race:
	$(GO) test -race ./...
	@$(MAKE) --no-print-directory browser-note

# browser-note says, without -v, that inspect's browser test was skipped:
# go test shows a passing package's skips only with -v. It looks where
# the test looks (findChrome in inspect/browser_test.go).
browser-note:
	@[ -n "$$OBJTRACK_CHROME" ] && exit 0; \
	for b in chromium-headless-shell headless_shell chromium chromium-browser google-chrome google-chrome-stable \
		/usr/lib/chromium/chromium-headless-shell /usr/lib/chromium/headless_shell /usr/lib/chromium/chromium; do \
		command -v $$b >/dev/null 2>&1 && exit 0; \
	done; \
	echo "inspect: the browser test was skipped: no headless Chromium; apt-get install chromium-headless-shell, or set OBJTRACK_CHROME=/path/to/chrome"

test-32bit:
	GOARCH=386 $(GO) test $$($(GO) list ./internal/... | grep -v -e '/internal/tools/readme$$' -e '/internal/tools/speccost$$')
	for arch in 386 arm; do \
		GOARCH=$$arch $(GO) test -count=1 -exec true ./... >/dev/null || exit 1; \
		(cd otelobjtrack && GOARCH=$$arch $(GO) test -count=1 -exec true ./... >/dev/null) || exit 1; \
	done

test-otel:
	cd otelobjtrack && $(GO) test -race ./...

lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags leaky ./examples/leaky ./examples/ginkgo ./examples/watch
	$(STATICCHECK) ./...
	GOOS=windows $(GO) vet ./trackable/... ./inspect/... ./leakcheck/... ./ginkgoext/...
	GOARCH=386 $(GO) vet ./...
	GOARCH=arm $(GO) vet ./...
	$(GO) vet -tags objtrack_nolinkname ./...
	cd otelobjtrack && $(GO) vet ./... && GOARCH=386 $(GO) vet ./... && GOARCH=arm $(GO) vet ./... && $(STATICCHECK) ./... && $(GO) mod tidy -diff

## bench: the cost bars, as ratios to the runtime floor in the same run.
## The runs alternate (-count 1, BENCHCOUNT times, each benchmark for
## BENCHTIME), so that a machine that slows down for a while slows every
## implementation alike: short runs keep a figure and its floor close in
## time. -p 1 keeps the two packages from being measured at once. Then
## bench-verdict.
bench:
	@rm -f bench.txt
	for i in $$(seq $(BENCHCOUNT)); do \
		$(GO) test -p 1 -run '^$$' -bench . -benchtime $(BENCHTIME) -count 1 ./trackable/ ./leakcheck/ | tee -a bench.txt || exit 1; \
	done
	$(BENCHSTAT) -col /impl bench.txt
	$(GO) run ./internal/tools/benchratio bench.txt
	$(MAKE) bench-otel
	$(MAKE) bench-paths
	$(MAKE) bench-verdict
	$(MAKE) bench-specs

## bench-paths: what retention paths add to a failing verdict with 200 MB
## of live heap (internal/tools/pathcost): time and peak extra heap, with and
## without paths in the same run
bench-paths:
	$(GO) test -run '^$$' -bench FailingVerdict -benchtime 1x -count 5 ./internal/tools/pathcost/ | tee bench-paths.txt
	@! grep -q '^FAIL' bench-paths.txt
	$(BENCHSTAT) -col /impl bench-paths.txt

## bench-otel: one metrics collection over 1,000 types, as a ratio to
## Inventory.Snapshot alone in the same run (otelobjtrack's module)
bench-otel:
	@rm -f otelobjtrack/bench.txt
	for i in $$(seq $(BENCHCOUNT)); do \
		(cd otelobjtrack && $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -count 1 ./...) | tee -a otelobjtrack/bench.txt || exit 1; \
	done
	$(BENCHSTAT) -col /impl otelobjtrack/bench.txt
	$(GO) run ./internal/tools/benchratio otelobjtrack/bench.txt

## bench-specs: what ginkgoext.CheckSpecs costs a 200-spec Ginkgo suite
## whose container variables are closed and not cleared, as a ratio to
## the same suite with c = nil added, within each iteration
## (internal/tools/speccost)
bench-specs:
	$(GO) test -run '^$$' -bench ContainerVariables -benchtime 10x -count 3 ./internal/tools/speccost/ | tee bench-specs.txt
	@! grep -q '^FAIL' bench-specs.txt

## bench-verdict: what a verdict per test costs a whole go test process
## (internal/tools/verdictcost): a suite of 200 tests runs once per verdict in
## each iteration, with no live heap, with 200 MB of it, and in parallel,
## and the ratios are taken within each iteration. One iteration takes
## about a minute on 2 cores, so VERDICTCOUNT (5) of them.
bench-verdict:
	$(GO) test -run '^$$' -bench BenchmarkVerdictCost -benchtime 1x -count $(VERDICTCOUNT) ./internal/tools/verdictcost/ | tee bench-verdict.txt
	@! grep -q '^FAIL' bench-verdict.txt
	$(BENCHSTAT) bench-verdict.txt
