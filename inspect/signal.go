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

// DumpOnSignal writes inv.Dump to w each time the process receives one of
// sigs (SIGUSR1 if none is given), until the returned function is called.
// On platforms without SIGUSR1 (Windows, Plan 9) and no sigs given, it
// installs nothing and returns a function that does nothing.
//
// Dumps are written on a goroutine of their own: a slow writer delays the
// next dump, never the service.
func DumpOnSignal(inv *trackable.Inventory, w io.Writer, sigs ...os.Signal) (stop func()) {
	if inv == nil || w == nil {
		panic("inspect: DumpOnSignal needs an inventory and a writer")
	}
	return onSignal(sigs, func() {
		if err := inv.Dump(w); err != nil {
			fmt.Fprintf(os.Stderr, "inspect: dump on signal: %v\n", err)
		}
	})
}

// LogOnSignal logs the inventory's snapshot at level Info with the message
// "objtrack inventory" each time the process receives one of sigs
// (SIGUSR1 by default), until the returned function is called. Like
// DumpOnSignal, it does nothing where SIGUSR1 does not exist.
func LogOnSignal(inv *trackable.Inventory, logger *slog.Logger, sigs ...os.Signal) (stop func()) {
	if inv == nil || logger == nil {
		panic("inspect: LogOnSignal needs an inventory and a logger")
	}
	return onSignal(sigs, func() {
		logger.LogAttrs(context.Background(), slog.LevelInfo, "objtrack inventory", slog.Any("objects", inv.Snapshot()))
	})
}

func onSignal(sigs []os.Signal, do func()) (stop func()) {
	if len(sigs) == 0 {
		if defaultSignal == nil {
			return func() {}
		}
		sigs = []os.Signal{defaultSignal}
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
