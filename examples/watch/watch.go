// Package watch shows trackable.Watch finding a leak in a type that
// cannot embed trackable.Trackable: the context of a job, derived from a
// worker's context that lives as long as the worker. Such a context is
// kept by its parent until its cancel function is called, so a job whose
// cancel is forgotten outlives the test that started it, and leakcheck
// reports it as a context.cancelCtx made in Worker.Job.
//
// The test that forgets it runs only with the build tag "leaky":
//
//	go test -tags leaky ./examples/watch
package watch

import (
	"context"

	"github.com/objtrack/objtrack/trackable"
)

// Worker runs jobs under a context of its own.
type Worker struct {
	ctx  context.Context
	stop context.CancelFunc
}

// NewWorker returns a worker whose context lives until Close.
func NewWorker() *Worker {
	ctx, stop := context.WithCancel(context.Background())
	return &Worker{ctx: ctx, stop: stop}
}

// Job returns the context of a new job, derived from the worker's, and
// the function that ends it, which the caller must call. The context is
// watched: the value inside the interface is a pointer (a
// *context.cancelCtx), which is what Watch needs.
func (w *Worker) Job() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(w.ctx)
	if _, err := trackable.Watch(ctx); err != nil {
		panic(err)
	}
	return ctx, cancel
}

// Close cancels the worker's context, and with it every job's.
func (w *Worker) Close() { w.stop() }
