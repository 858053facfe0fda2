package inspect

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/objtrack/objtrack/trackable"
)

// Path is where Register mounts the handler.
const Path = "/debug/objtrack/"

var registered sync.Once

// Register mounts Handler(inv) at /debug/objtrack/ on
// http.DefaultServeMux, as importing net/http/pprof does for its pages,
// but only when called: importing this package registers nothing. It
// returns an error if called more than once.
func Register(inv *trackable.Inventory) error {
	h := Handler(inv)
	err := fmt.Errorf("inspect: Register: %s is registered already", Path)
	registered.Do(func() {
		http.Handle(Path, h)
		err = nil
	})
	return err
}
