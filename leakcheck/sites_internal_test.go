package leakcheck

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// frames makes a call path: "lib" frames are another package's, "test"
// frames the tested package's (this test binary's: leakcheck's).
func frames(kinds ...string) []Frame {
	out := make([]Frame, len(kinds))
	for i, k := range kinds {
		fn := "example.com/lib.f" + strings.Repeat("x", i)
		if k == "test" {
			fn = "github.com/objtrack/objtrack/leakcheck_test.TestX" + strings.Repeat("x", i)
		}
		out[i] = Frame{Function: fn, File: "/src/" + k + ".go", Line: i + 1}
	}
	return out
}

func framesText(fs []Frame) string {
	var b strings.Builder
	writeFrames(&b, fs)
	return b.String()
}

func TestWriteFramesKeepsTheFirstFrameOfTheTestedPackage(t *testing.T) {
	lib := func(n int) []string { return strings.Split(strings.Repeat("lib ", n), " ")[:n] }

	text := framesText(frames(append(lib(10), "test", "test", "lib")...))
	assert.Equal(t, 6+1+1+1, strings.Count(text, "\n"), text)
	assert.Contains(t, text, "      lib.fxxxxx (src/lib.go:6)\n      ... 4 more frames\n      leakcheck_test.TestXxxxxxxxxxx (src/test.go:11)\n      ... 2 more frames\n")

	text = framesText(frames(append(lib(6), "test")...))
	assert.True(t, strings.HasSuffix(text, "      lib.fxxxxx (src/lib.go:6)\n      leakcheck_test.TestXxxxxxx (src/test.go:7)\n"), "right after the cut: no count between\n%s", text)

	text = framesText(frames(append(lib(8), "test")...))
	assert.True(t, strings.HasSuffix(text, "      ... 2 more frames\n      leakcheck_test.TestXxxxxxxxx (src/test.go:9)\n"), "the last: no count after\n%s", text)

	text = framesText(frames(append([]string{"test"}, lib(9)...)...))
	assert.True(t, strings.HasSuffix(text, "      ... 4 more frames\n"), "within the cut already: cut as before\n%s", text)
	assert.Equal(t, 7, strings.Count(text, "\n"))

	text = framesText(frames(lib(7)...))
	assert.True(t, strings.HasSuffix(text, "      ... 1 more frame\n"), text)

	text = framesText(frames(lib(6)...))
	assert.NotContains(t, text, "more frame")
}

func TestTestedPackageMatchesEscapedFunctionNames(t *testing.T) {
	assert.Equal(t, "gopkg.in/yaml%2ev3", symbolPrefix("gopkg.in/yaml.v3"))
	assert.Equal(t, "example.com/a.b/c", symbolPrefix("example.com/a.b/c"))
	assert.Equal(t, "example.com/x%25y", symbolPrefix("example.com/x%y"))
	assert.True(t, inTestedPackage("github.com/objtrack/objtrack/leakcheck.judge"))
	assert.True(t, inTestedPackage("github.com/objtrack/objtrack/leakcheck_test.TestX.func1"))
	assert.True(t, inTestedPackage("main.TestX"), "the tests of a command")
	assert.False(t, inTestedPackage("github.com/objtrack/objtrack/leakcheckx.F"))
	assert.False(t, inTestedPackage("github.com/objtrack/objtrack/leakcheck/testdata/deeplib.Query"))
}
