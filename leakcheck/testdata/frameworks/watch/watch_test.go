// Package watch pins which uses of trackable.Watch let Check catch the
// leak they stand for.
//
// A context derived from a long-lived one (context.WithCancel or
// context.WithTimeout on a package-level context) is kept by its parent
// until its cancel function is called: watching the context that the
// constructor returns (a *context.cancelCtx or *context.timerCtx inside
// the interface) makes a forgotten cancel a leak of that type, and a
// called one passes. A timerCtx is held by its timer's function, and the
// runtime drops a stopped timer lazily: while its processor has many
// other timers pending (the forgotten twins' ones), a canceled timerCtx
// can outlive its test. The driver runs the two apart.
//
// An *http.Response whose body is never closed is not kept by anything:
// the transport holds the connection, not the response nor its body, so
// a watched response is freed either way. What outlives the test is the
// connection's two goroutines, which Check's goroutine check reports.
package watch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/objtrack/objtrack/leakcheck"
	"github.com/objtrack/objtrack/trackable"
)

// root is a context that lives as long as the program, as a server's
// base context does.
var root, _ = context.WithCancel(context.Background())

func watch(t *testing.T, p any) {
	t.Helper()
	if _, err := trackable.Watch(p); err != nil {
		t.Fatal(err)
	}
}

func TestCleanContextWithCancelCanceled(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancel(root)
	defer cancel()
	watch(t, ctx)
}

func TestLeakContextWithCancelCancelForgotten(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancel(root)
	watch(t, ctx)
	_ = cancel // never called
}

func TestCleanContextWithTimeoutCanceled(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithTimeout(root, time.Hour)
	defer cancel()
	watch(t, ctx)
}

func TestLeakContextWithTimeoutCancelForgotten(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithTimeout(root, time.Hour)
	watch(t, ctx)
	_ = cancel // never called
}

func hello(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }

func get(t *testing.T) *http.Response {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(hello))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	watch(t, resp)
	return resp
}

func TestCleanResponseBodyClosed(t *testing.T) {
	leakcheck.Check(t)
	resp := get(t)
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestLeakResponseBodyNeverClosed(t *testing.T) {
	leakcheck.Check(t)
	get(t)
}
