package inspect

import (
	"fmt"
	"os"
)

// An Option changes what DumpOnSignal, LogOnSignal or Var shows: see
// ObjectRecords and Signals. The handler takes the same choices from its
// query instead (see [Handler]).
type Option interface {
	apply(*settings)
}

// settings is what the options chose.
type settings struct {
	objects int         // object records shown per type; 0 shows none
	signals []os.Signal // for DumpOnSignal and LogOnSignal
	chosen  bool        // signals were chosen, maybe none
}

// settingsOf applies opts in order. An option that the caller cannot use
// is refused rather than ignored: a signal option passed to Var would
// otherwise do nothing, silently.
func settingsOf(caller string, signalsApply bool, opts []Option) settings {
	var s settings
	for _, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("inspect: %s: a nil Option", caller))
		}
		o.apply(&s)
	}
	if s.chosen && !signalsApply {
		panic(fmt.Sprintf("inspect: %s: Signals applies to DumpOnSignal and LogOnSignal only", caller))
	}
	return s
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

// ObjectRecords shows the record (serial and bundle) of each live object
// of the types under object tracking, at most max of them per type, the
// rest counted on a "... n more" line. Without it, no view shows a
// bundle: a bundle is the program's data, and may be secret.
//
// ObjectRecords panics if max is not positive.
func ObjectRecords(max int) Option {
	if max < 1 {
		panic(fmt.Sprintf("inspect: ObjectRecords(%d): give the most records to show per type, e.g. %d", max, defaultObjects))
	}
	return optionFunc(func(s *settings) { s.objects = max })
}

// Signals chooses the signals that DumpOnSignal and LogOnSignal answer,
// in place of SIGUSR1. Signals with no argument, like no Signals option
// where SIGUSR1 does not exist (Windows, Plan 9), installs nothing.
func Signals(sigs ...os.Signal) Option {
	sigs = append([]os.Signal(nil), sigs...)
	return optionFunc(func(s *settings) { s.signals, s.chosen = sigs, true })
}

// Record limits of the views: the handler shows defaultObjects records
// per type with debug=1, and at most maxObjects whatever the query asks,
// so that a response stays bounded.
const (
	defaultObjects = 20
	maxObjects     = 1000
)
