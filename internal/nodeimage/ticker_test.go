package nodeimage

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTickWhileReportsUntilStopped(t *testing.T) {
	var mu sync.Mutex
	var got []time.Duration
	stop := tickWhile(time.Millisecond, func(d time.Duration) {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	mu.Lock()
	n := len(got)
	for i := 1; i < n; i++ {
		if got[i] < got[i-1] {
			t.Errorf("elapsed went back: %v after %v", got[i], got[i-1])
		}
	}
	mu.Unlock()
	if n < 3 {
		t.Fatalf("got %d reports in 5s, want at least 3", n)
	}
	time.Sleep(10 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n {
		t.Errorf("%d reports after stop returned", len(got)-n)
	}
}

func TestCompileProgressSaysHowLongAndWhy(t *testing.T) {
	got := compileProgress(6400 * time.Millisecond)
	for _, want := range []string{"compiling agent", "6s so far", "cold Go build cache"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}
