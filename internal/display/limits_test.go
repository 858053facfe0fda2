package display

import "testing"

func TestFrameCut(t *testing.T) {
	for _, c := range []struct {
		name       string
		n          int
		own        []int // the frames of the code under test
		head, kept int
	}{
		{"short: all of it", Frames, []int{Frames - 1}, Frames, -1},
		{"long, no frame of the code under test", 20, nil, Frames, -1},
		{"the first frame of the code under test within the cut", 20, []int{2, 12}, Frames, -1},
		{"right after the cut", 20, []int{Frames}, Frames, Frames},
		{"far beyond the cut: the first of them", 20, []int{12, 15}, Frames, 12},
		{"the last frame", 20, []int{19}, Frames, 19},
	} {
		t.Run(c.name, func(t *testing.T) {
			own := func(i int) bool {
				for _, o := range c.own {
					if o == i {
						return true
					}
				}
				return false
			}
			head, kept := FrameCut(c.n, own)
			if head != c.head || kept != c.kept {
				t.Errorf("FrameCut(%d) = %d, %d; want %d, %d", c.n, head, kept, c.head, c.kept)
			}
		})
	}
}
