package seal

import "testing"

func TestReplayWindow(t *testing.T) {
	var w Window
	const base = uint64(1_700_000_000_000_000_000)
	steps := []struct {
		seq  uint64
		want bool
	}{
		{base, true},
		{base, false}, // again
		{base + 1, true},
		{base + 3, true},
		{base + 2, true}, // late, within the window
		{base + 2, false},
		{base + 200, true},
		{base + 100, true},
		{base + 100, false},
		{base + 200 + WindowSeqs, true},
		{base + 200, false},         // too old now, though never heard
		{base + 201, true},          // just inside
		{base + 5 + 1<<40, true},    // a jump clears the window
		{base + 4 + 1<<40, true},    // late, but inside it
		{base + 5 + 1<<40, false},   // again
		{base + 100 + 1<<40, true},  //
		{base + 5, false},           // far too old
		{base + 165 + 1<<40, true},  // over a word boundary
		{base + 165 + 1<<40, false}, //
	}
	for i, s := range steps {
		if got := w.Admit(s.seq); got != s.want {
			t.Errorf("step %d: admit(base%+d) = %v, want %v", i, int64(s.seq-base), got, s.want)
		}
	}
}

// TestReplayWindowEvery admits every number once, in a stride that makes
// them arrive up to 1000 out of order: each is new once, and a second
// time it is not.
func TestReplayWindowEvery(t *testing.T) {
	var w Window
	const n, stride = 20000, 1000
	for start := uint64(0); start < n; start += stride {
		for i := stride; i > 0; i-- {
			seq := 1 + start + uint64(i) - 1
			if !w.Admit(seq) {
				t.Fatalf("%d refused the first time", seq)
			}
			if w.Admit(seq) {
				t.Fatalf("%d admitted twice", seq)
			}
		}
	}
}
