package trackable_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// go vet's copylocks check must report a copied Trackable.
func TestVetReportsCopies(t *testing.T) {
	out, err := exec.Command("go", "vet", "./testdata/copyvet").CombinedOutput()
	require.Error(t, err, "go vet must fail on a copied Trackable:\n%s", out)
	assert.Contains(t, string(out), "copyvet.go:12:7: assignment copies lock value to d")
}
