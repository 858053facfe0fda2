package trackable

// notify sends one event to t, recovering a panic so that a faulty tracker
// never breaks the program that it observes.
func notify(t Tracker, m method, e Event) {
	defer recoverTracker(t, m, &e)
	switch m {
	case methodAttached:
		t.NotifyAttached(e)
	case methodDetached:
		t.NotifyDetached(e)
	case methodUpdated:
		t.NotifyUpdated(e)
	case methodDestroyed:
		t.NotifyDestroyed(e)
	}
}

// method names a Tracker method. It is a number, not the method's name,
// because every notification switches on it.
type method uint8

const (
	methodAttached method = iota
	methodDetached
	methodUpdated
	methodDestroyed
)

var methodNames = [...]string{
	methodAttached:  "NotifyAttached",
	methodDetached:  "NotifyDetached",
	methodUpdated:   "NotifyUpdated",
	methodDestroyed: "NotifyDestroyed",
}

func (m method) String() string { return methodNames[m] }
