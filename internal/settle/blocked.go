package settle

import (
	"runtime"
	"strings"
)

// blockedStack returns, for a message, the stack of a goroutine that the
// runtime runs finalizers or cleanups on (in runner) and that is not
// running: the function that blocks is at its top. It returns "" when
// there is none.
func blockedStack(runner string) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if !strings.Contains(g, runner+"(") || strings.Contains(header, "[running]") || strings.Contains(header, "[runnable]") {
			continue
		}
		lines := strings.Split(g, "\n")
		if len(lines) > 13 {
			lines = append(lines[:13], "\t...")
		}
		return ":\n" + strings.Join(lines, "\n")
	}
	return ""
}

// FinalizersBlocked reports whether a collection found the finalizer
// goroutine blocked, and it has run no finalizer since: no finalizer
// queued behind the blocked one runs, so what a queued finalizer holds
// is never freed.
func FinalizersBlocked() bool {
	stuck.Lock()
	defer stuck.Unlock()
	return stuck.finalizers
}
