// Package cgo pins that Go code called back from C, which tracks objects
// while a check is active, neither crashes the test binary nor hides a
// leak. C code compiled with optimisation keeps no frame pointer: the
// frame-pointer register holds whatever the C code put there when it
// calls back into Go, and a walk of the frame-pointer chain from Go
// reaches that value. callGo puts an address that maps nothing there.
// A callback on a thread that C created runs on a goroutine that no
// checked test started and whose stack names no test: what it makes
// belongs to no test, and VerifyTestMain judges it.
package cgo

/*
#include <pthread.h>
#include <stdint.h>

extern void goCallback(uintptr_t n);

#if defined(__x86_64__)
// callGo calls goCallback(n) with the frame-pointer register set to n,
// as optimised C code may leave it, and restores it afterwards.
static void callGo(uintptr_t n) {
	__asm__ volatile(
		"pushq %%rbp\n\t"
		"pushq %%rbp\n\t"      // keeps the stack 16-byte aligned
		"movq %0, %%rbp\n\t"
		"movq %0, %%rdi\n\t"
		"call goCallback\n\t"
		"popq %%rbp\n\t"
		"popq %%rbp\n\t"
		:
		: "r"(n)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}
#elif defined(__aarch64__)
// callGo calls goCallback(n) with the frame-pointer register (x29) set
// to n, and restores it afterwards.
static void callGo(uintptr_t n) {
	__asm__ volatile(
		"stp x29, x30, [sp, #-16]!\n\t"
		"mov x29, %0\n\t"
		"mov x0, %0\n\t"
		"bl goCallback\n\t"
		"ldp x29, x30, [sp], #16\n\t"
		:
		: "r"(n)
		: "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x30", "memory", "cc");
}
#else
static void callGo(uintptr_t n) { goCallback(n); }
#endif

static void *threadMain(void *n) {
	callGo((uintptr_t)n);
	return 0;
}

// callGoOnThread calls callGo(n) on a thread that C creates, which Go
// has never seen, and waits for it.
static int callGoOnThread(uintptr_t n) {
	pthread_t th;
	int err = pthread_create(&th, 0, threadMain, (void *)n);
	if (err != 0) {
		return err;
	}
	return pthread_join(th, 0);
}
*/
import "C"

import "github.com/objtrack/objtrack/trackable"

// Conn is made by Go code that C calls.
type Conn struct {
	trackable.Trackable
	n uintptr
}

var (
	made *Conn
	kept []*Conn
)

//export goCallback
func goCallback(n C.uintptr_t) {
	made = trackable.Track(&Conn{n: uintptr(n)})
}

// Junk is an address that maps nothing (the fault address in the crash
// this pins was the C argument plus 8).
const Junk = 0x10

// Dial makes a Conn from C's callback.
func Dial() *Conn {
	C.callGo(Junk)
	c := made
	made = nil
	return c
}

// DialOnThread makes a Conn from C's callback on a thread that C
// created: its goroutine is the runtime's for the callback, started by no
// goroutine and carrying no labels.
func DialOnThread() *Conn {
	if err := C.callGoOnThread(Junk); err != 0 {
		panic("pthread_create or pthread_join failed")
	}
	c := made
	made = nil
	return c
}

// Keep keeps c for the rest of the process.
func Keep(c *Conn) { kept = append(kept, c) }
