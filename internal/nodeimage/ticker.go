package nodeimage

import (
	"fmt"
	"time"
)

// compileTick is how often a compile that is still running says so: with a
// cold Go build cache the agent takes 10–20 s on two cores, long enough
// for a silent terminal to look hung.
const compileTick = 3 * time.Second

// tickWhile calls report with the time elapsed every `every` until the
// returned stop func is called; stop waits for a report under way, so that
// nothing is reported after it returns.
func tickWhile(every time.Duration, report func(elapsed time.Duration)) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				report(time.Since(start))
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// compileProgress is the line a still-running compile reports.
func compileProgress(elapsed time.Duration) string {
	return fmt.Sprintf("compiling agent: %s so far (10–20 s with a cold Go build cache, under a second with a warm one)", elapsed.Round(time.Second))
}
