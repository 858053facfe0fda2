package inspect

import (
	"strconv"
	"strings"
)

// The size of a sparkline, in CSS pixels, and its margin, which keeps
// the stroke and the last point's dot inside the box.
const (
	sparkWidth  = 120
	sparkHeight = 24
	sparkMargin = 3
)

// sparkline is a type's live count at each sample, drawn as an inline
// SVG polyline: Points goes into the polyline's points attribute, the
// last point gets a dot, Title says the values for people who cannot
// see the line.
type sparkline struct {
	Points       string
	LastX, LastY string
	Title        string
}

// newSparkline scales samples (oldest first) to the box: the lowest
// sample at the bottom, the highest at the top, a flat series across the
// middle. It returns nil for fewer than two samples, which draw no line.
func newSparkline(samples []int64) *sparkline {
	if len(samples) < 2 {
		return nil
	}
	lo, hi := samples[0], samples[0]
	for _, s := range samples {
		lo, hi = min(lo, s), max(hi, s)
	}
	const inner = sparkHeight - 2*sparkMargin
	var points, title strings.Builder
	title.WriteString("live at the last ")
	title.WriteString(strconv.Itoa(len(samples)))
	title.WriteString(" samples: ")
	var x, y string
	for i, s := range samples {
		xf := sparkMargin + float64(i)*float64(sparkWidth-2*sparkMargin)/float64(len(samples)-1)
		yf := float64(sparkHeight) / 2
		if hi > lo {
			yf = float64(sparkHeight-sparkMargin) - float64(s-lo)*inner/float64(hi-lo)
		}
		x, y = strconv.FormatFloat(xf, 'f', 1, 64), strconv.FormatFloat(yf, 'f', 1, 64)
		if i > 0 {
			points.WriteByte(' ')
			title.WriteString(", ")
		}
		points.WriteString(x)
		points.WriteByte(',')
		points.WriteString(y)
		title.WriteString(strconv.FormatInt(s, 10))
	}
	return &sparkline{Points: points.String(), LastX: x, LastY: y, Title: title.String()}
}
