package leakcheck

import (
	"errors"
	"fmt"
	"strings"

	"github.com/objtrack/objtrack/internal/owner"
)

// Find returns the verdict on every tracked object made while a leakcheck
// scope (VerifyTestMain or Check) was in effect and still alive, after
// bringing the garbage collector to a fixed point. It checks goroutines
// with go.uber.org/goleak unless WithoutGoroutines is given. Find fails
// nothing: the caller decides what the Report means.
func Find(opts ...Option) (*Report, error) {
	cfg := buildConfig(opts)
	if cfg.cleanup != nil {
		return nil, fmt.Errorf("leakcheck: Find: the Cleanup option is for VerifyTestMain")
	}
	if unknown := unknownNames(cfg); len(unknown) > 0 {
		return nil, errors.New(strings.Join(unknown, "\n"))
	}
	installObserver()
	s := &scope{Owner: owner.Owner{Name: "Find"}, all: true, cfg: cfg}
	rep, err := judge(s)
	if err != nil {
		return rep, err
	}
	if cfg.goroutines {
		rep.Goroutines = goleakFindings(cfg.goleakOptions, cfg.maxShown)
		rep.GoroutineCheck = "checked with go.uber.org/goleak"
	}
	return rep, nil
}
