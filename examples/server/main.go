// Command server is a small HTTP service with a slow, deliberate leak: one
// session in ten is kept forever. It shows how to read a live inventory:
//
//	go run ./examples/server &
//	open http://localhost:8080/debug/objtrack/           # the page: main.Session grows, on top, in red
//	curl 'localhost:8080/debug/objtrack/'                # the text, ending with its since= token
//	curl 'localhost:8080/debug/objtrack/?since=TOKEN'    # each count with its change since that view
//	curl 'localhost:8080/debug/objtrack/?format=json'    # the same as JSON, growing types included
//	curl 'localhost:8080/debug/objtrack/?type=Session&debug=1'   # with the sessions' records
//	curl 'localhost:8080/debug/objtrack/?gc=1'           # counted after a garbage collection
//	curl 'localhost:8080/debug/vars'                     # expvar, under "objtrack"
//	kill -USR1 %1                                        # the text on standard error, with records
package main

import (
	"context"
	"expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/objtrack/objtrack/inspect"
	"github.com/objtrack/objtrack/trackable"
)

// Session is made for every request.
type Session struct {
	trackable.Trackable
	User string
}

// Buffer is made and dropped for every request: it never grows.
type Buffer struct {
	trackable.Trackable
	Data []byte
}

// app is the service: its handler leaks one session in ten.
type app struct {
	requests atomic.Int64
	mu       sync.Mutex
	kept     []*Session // the leak
}

func (a *app) hello(w http.ResponseWriter, r *http.Request) {
	n := a.requests.Add(1)
	s := trackable.Track(&Session{User: r.URL.Query().Get("user")})
	s.SetDataBundle(fmt.Sprintf("request %d", n))
	buf := trackable.Track(&Buffer{Data: make([]byte, 512)})
	if n%10 == 0 {
		a.mu.Lock()
		a.kept = append(a.kept, s) // "cached for later", never released
		a.mu.Unlock()
	}
	fmt.Fprintf(w, "hello %s (%d bytes)\n", s.User, len(buf.Data))
}

// newServer returns the service's routes, the inventory views included.
func newServer(inv *trackable.Inventory, a *app) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", a.hello)
	mux.Handle(inspect.Path, inspect.Handler(inv))
	mux.Handle("/debug/vars", expvar.Handler())
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	sample := flag.Duration("sample", time.Second, "how often the inventory samples its counts")
	traffic := flag.Duration("traffic", 50*time.Millisecond, "how often the built-in client calls /hello (0: never)")
	collect := flag.Bool("gc", true, "collect garbage ten times per sample period: the demo's tiny heap would rarely be collected, and a sample counts the garbage made since the last collection (a real service collects often enough on its own)")
	flag.Parse()

	inv := trackable.NewInventory()
	trackable.SetGlobalTracker(inv)
	inv.SetObjectTracking(reflect.TypeFor[Session](), true)
	stopSampling, err := inv.StartSampling(*sample, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer stopSampling()
	expvar.Publish("objtrack", inspect.Var(inv))
	defer inspect.DumpOnSignal(inv, os.Stderr, inspect.ObjectRecords(10))()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: newServer(inv, &app{}), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *traffic > 0 {
		url := "http://" + ln.Addr().String() + "/hello?user=demo"
		go every(ctx, *traffic, func() { // the demo's own client
			if resp, err := http.Get(url); err == nil {
				resp.Body.Close()
			}
		})
	}
	if *collect {
		go every(ctx, max(*sample/10, time.Millisecond), runtime.GC)
	}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	log.Printf("serving on http://%s; inventory at %s", ln.Addr(), inspect.Path)
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// every calls f every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
