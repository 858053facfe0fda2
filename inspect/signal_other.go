//go:build !unix

package inspect

import "os"

// defaultSignal is nil where SIGUSR1 does not exist.
var defaultSignal os.Signal
