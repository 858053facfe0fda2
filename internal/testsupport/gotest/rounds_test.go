package gotest

import "testing"

func TestRounds(t *testing.T) {
	for _, tc := range []struct {
		env            string
		n, short, want int
	}{
		{"1", 20, 2, 20},
		{"1", 1, 2, 1},
		{"", 20, 2, 2},
		{"", 1, 2, 1},
		{"0", 20, 1, 1},   // only 1 turns the long runs on
		{"yes", 20, 1, 1}, // likewise
	} {
		t.Setenv(LongEnv, tc.env)
		if got := Rounds(tc.n, tc.short); got != tc.want {
			t.Errorf("%s=%q: Rounds(%d, %d) = %d, want %d", LongEnv, tc.env, tc.n, tc.short, got, tc.want)
		}
		if got, want := Long(), tc.env == "1"; got != want {
			t.Errorf("%s=%q: Long() = %v, want %v", LongEnv, tc.env, got, want)
		}
	}
}
