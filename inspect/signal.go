package inspect

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"

	"github.com/objtrack/objtrack/trackable"
)

// DumpOnSignal writes the inventory in the text format of the handler
// to w each time the process receives SIGUSR1, until the returned
// function is called: a line per type with its live and retired counts,
// each with its change since the previous dump of this DumpOnSignal,
// then the growing types. Object records are left out unless the option
// ObjectRecords asks for them; the option Signals chooses other signals.
// On platforms without SIGUSR1 (Windows, Plan 9) and no Signals option,
// it installs nothing and returns a function that does nothing.
//
// Dumps are written on a goroutine of their own: a slow writer delays the
// next dump, never the service. For pytracker's own format ("allocated:",
// every record), call the inventory's Dump instead.
func DumpOnSignal(inv *trackable.Inventory, w io.Writer, opts ...Option) (stop func()) {
	if inv == nil || w == nil {
		panic("inspect: DumpOnSignal needs an inventory and a writer")
	}
	s := settingsOf("DumpOnSignal", true, opts)
	var previous *baseline // only the signal goroutine touches it
	var buf []byte
	return onSignal(s, func() {
		v := newView(inv.Snapshot(), nil, s.objects, previous)
		previous = v.baseline()
		buf = appendText(buf[:0], v)
		if _, err := w.Write(buf); err != nil {
			fmt.Fprintf(os.Stderr, "inspect: dump on signal: %v\n", err)
		}
	})
}

// LogOnSignal logs the inventory at level Info with the message
// "objtrack inventory" each time the process receives SIGUSR1, until the
// returned function is called: an attribute "objects" with a group per
// type (live, retired) and a group of the growing types (see
// [Var] for the JSON of the same). Object records are left out unless
// the option ObjectRecords asks for them; the option Signals chooses
// other signals. Like DumpOnSignal, it does nothing where SIGUSR1 does
// not exist and no Signals option is given.
func LogOnSignal(inv *trackable.Inventory, logger *slog.Logger, opts ...Option) (stop func()) {
	if inv == nil || logger == nil {
		panic("inspect: LogOnSignal needs an inventory and a logger")
	}
	s := settingsOf("LogOnSignal", true, opts)
	return onSignal(s, func() {
		v := newView(inv.Snapshot(), nil, s.objects, nil)
		logger.LogAttrs(context.Background(), slog.LevelInfo, "objtrack inventory", slog.Any("objects", v))
	})
}

func onSignal(s settings, do func()) (stop func()) {
	sigs := s.signals
	if !s.chosen && defaultSignal != nil {
		sigs = []os.Signal{defaultSignal}
	}
	if len(sigs) == 0 {
		return func() {}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-ch:
				do()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			<-finished
		})
	}
}
