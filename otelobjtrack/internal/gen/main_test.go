package main

import (
	"bytes"
	"os"
	"testing"
)

// The file in the module is what the generator writes: run go generate
// after changing either.
func TestGeneratedFileIsUpToDate(t *testing.T) {
	want, err := generate(1000)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../types_gen_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("types_gen_test.go differs from the generator's output: run go generate in the module's root")
	}
}

func TestGenerateRefusesBadCounts(t *testing.T) {
	for _, n := range []int{0, -1, 10000} {
		if _, err := generate(n); err == nil {
			t.Errorf("generate(%d) returned no error", n)
		}
	}
}
