package main

import (
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1}, 2.5},
		{[]float64{0.3, 0.1, 0.4, 0.2}, 0.25},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := median([]time.Duration{4 * time.Second, 2 * time.Second}); got != 3*time.Second {
		t.Errorf("median of 4s and 2s = %v, want 3s", got)
	}
}
