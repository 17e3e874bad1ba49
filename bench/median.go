package main

import "slices"

// median is the middle of xs, or the mean of the two middle ones when
// there is an even number of them (two rounds give their mean, not the
// slower); 0 for none. It sorts xs.
func median[T ~int64 | ~float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return (xs[m-1] + xs[m]) / 2
}
