// Command tiny has package-level variables at known places, for the tests
// of package symbols to find in its symbol table.
package main

import "fmt"

var (
	counter  = 5                  // .noptrdata
	names    = []string{"a", "b"} // .data
	registry map[string]int       // .bss
)

func main() {
	registry = map[string]int{"x": counter}
	fmt.Println(len(names), len(registry))
}
