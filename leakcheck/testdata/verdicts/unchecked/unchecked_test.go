// Package unchecked pins that a checked parallel test is judged on its own
// objects only, while unchecked parallel tests make objects and keep them
// in a global at the same time: the objects of a test that did not call
// Check are no evidence against one that did, even when that one is the
// only checked test running. The checked test that drops its objects
// passes every time; its twin, a checked parallel subtest among unchecked
// ones, keeps one object and fails for that one alone.
//
// The tests of each scenario meet twice (after they start, after they
// made their objects) so that every object is made while all of them run.
// That needs -test.parallel of 4 or more; with less, the top-level tests
// give up meeting after a while and overlap less, and the subtests wait
// for each other forever.
//
// Built with the tag objtrack_fixture_testmain, the same tests run under
// VerifyTestMain (main_test.go): the checked test that drops its objects
// passes, and VerifyTestMain fails the run for the keepers' objects,
// which are no test's, at the end.
package unchecked

import (
	"fmt"
	"sync"
	"testing"

	"github.com/objtrack/objtrack/internal/testsupport/fixture"
	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

type Conn struct {
	trackable.Trackable
	ID int
}

func dial(id int) *Conn { return trackable.Track(&Conn{ID: id}) }

var kept fixture.Kept[*Conn]

// The checked test and the three keepers.
const meetingSize = 4

var started, made = fixture.NewMeeting(meetingSize), fixture.NewMeeting(meetingSize)

func TestCleanCheckedAmongKeepers(t *testing.T) {
	leakcheck.Check(t)
	t.Parallel()
	started.Wait()
	for i := range 1000 {
		dial(i)
	}
	made.Wait()
}

// keepSome is what an unchecked test does: it keeps 300 connections.
func keepSome() {
	for i := range 300 {
		c := dial(i)
		c.SetDataBundle("kept by an unchecked test")
		kept.Keep(c)
	}
}

func keeper(t *testing.T) {
	t.Parallel()
	started.Wait()
	keepSome()
	made.Wait()
}

func TestKeeperA(t *testing.T) { keeper(t) }
func TestKeeperB(t *testing.T) { keeper(t) }
func TestKeeperC(t *testing.T) { keeper(t) }

// TestLeakCheckedAmongKeepers is the twin, in subtests so that it meets
// its own keepers: it runs, subtests and all, before the top-level
// parallel tests above start.
func TestLeakCheckedAmongKeepers(t *testing.T) {
	var started, made sync.WaitGroup
	started.Add(meetingSize)
	made.Add(meetingSize)
	t.Run("leak_checked", func(t *testing.T) {
		leakcheck.Check(t)
		t.Parallel()
		started.Done()
		started.Wait()
		for i := range 1000 {
			dial(i)
		}
		c := dial(-1)
		c.SetDataBundle("kept by the checked test")
		kept.Keep(c)
		made.Done()
		made.Wait()
	})
	for k := range meetingSize - 1 {
		t.Run(fmt.Sprint("keeper_", k), func(t *testing.T) {
			t.Parallel()
			started.Done()
			started.Wait()
			keepSome()
			made.Done()
			made.Wait()
		})
	}
}
