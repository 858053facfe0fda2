package inspect

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSparkline(t *testing.T) {
	assert.Nil(t, newSparkline(nil))
	assert.Nil(t, newSparkline([]int64{5}), "one sample draws no line")

	rising := newSparkline([]int64{0, 5, 10})
	assert.Equal(t, "3.0,21.0 60.0,12.0 117.0,3.0", rising.Points, "lowest at the bottom, highest at the top")
	assert.Equal(t, "117.0", rising.LastX)
	assert.Equal(t, "3.0", rising.LastY)
	assert.Equal(t, "live at the last 3 samples: 0, 5, 10", rising.Title)

	flat := newSparkline([]int64{7, 7, 7, 7})
	assert.Equal(t, "3.0,12.0 41.0,12.0 79.0,12.0 117.0,12.0", flat.Points, "a flat series across the middle")

	falling := newSparkline([]int64{-3, -9})
	assert.Equal(t, "3.0,3.0 117.0,21.0", falling.Points)
}
