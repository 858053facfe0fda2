//go:build unix

package inspect

import (
	"os"
	"syscall"
)

var defaultSignal os.Signal = syscall.SIGUSR1
