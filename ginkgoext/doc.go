// Package ginkgoext brings objtrack to Ginkgo v2 and gomega: matchers that
// read like English for inventories, and a one-line leak check around
// every spec of a suite.
//
//	var _ = ginkgoext.CheckSpecs() // in the suite file: every spec is judged
//
// (CheckEachSpec judges each spec at its own end instead: for suites whose
// specs undo each other's leaks.) The matchers:
//
//	It("closes its connections", func() {
//		...
//		Expect(inv).To(ginkgoext.HaveNoLive("Conn"))
//		Expect(inv).To(ginkgoext.HaveLive("db.Pool", 1))
//		Eventually(inv).Should(ginkgoext.HaveAtMostLive("Session", 10))
//	})
//
// The matchers take a *trackable.Inventory, a trackable.Snapshot (or a
// pointer to one), or a function that returns one of those, for
// Eventually. Given an inventory they first bring the garbage collector
// to a fixed point, as package leakcheck does, so Expect is right without
// Eventually and without calling runtime.GC. A snapshot is judged as it
// is.
//
// Type names are "Conn", "db.Conn" or "example.com/db.Conn", checked
// against the types of the program, which ginkgoext lists from its
// binary: a name that names none of them makes Match return an error at
// once, in every spec and every order, with the close names that the
// program has, so that HaveNoLive("Connn") cannot pass forever. The name
// of a real type that the inventory has not counted so far counts 0 live
// and 0 retired: whether an earlier spec made such an object must not
// change a verdict, so a suite passes or fails the same in every order. A
// name that names several counted types makes Match return an error that
// asks for the full name. Built with -tags objtrack_nolinkname, ginkgoext
// cannot list the program's types: a name that names no counted type
// counts 0, and when such a count fails the matcher, the message lists
// the types the inventory has counted, so that a typo shows.
//
// With ginkgo -p, specs run in several processes; each process checks its
// own specs against its own inventory, and the verdicts do not mix.
package ginkgoext
