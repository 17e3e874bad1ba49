package topology

import (
	"strings"
	"testing"
	"time"
)

func TestLayoutPlanners(t *testing.T) {
	for _, l := range layouts {
		if layoutPlanners[l] == nil {
			t.Errorf("layout %s has no planner", l)
		}
	}
	if len(layoutPlanners) != len(layouts) {
		t.Errorf("%d planners for %d layouts", len(layoutPlanners), len(layouts))
	}
}

// Parse validates once; BuildPlan trusts that while the content is what was
// validated, and validates again what has changed since.
func TestValidateOnce(t *testing.T) {
	const src = "name: lab\nlayout: star\nnodes: 3\n"
	top, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if top.valid == (digest{}) || top.pool.prefix.String() != DefaultPool {
		t.Fatalf("Parse left no validation record: valid %x pool %+v", top.valid, top.pool)
	}

	// Trusted: a problem only a full validation would find is not looked
	// for again. (No caller can do this: src is unexported.)
	top.src.linksSet = true
	if _, err := BuildPlan(top, PlanOptions{}); err != nil {
		t.Errorf("trusted topology validated again: %v", err)
	}
	// A new name is checked, and only that.
	if _, err := BuildPlan(top, PlanOptions{Name: "Bad"}); err == nil || strings.Contains(err.Error(), "links:") ||
		!strings.Contains(err.Error(), `name "Bad" is not a valid topology name`) {
		t.Errorf("renamed: got %v", err)
	}
	top.src.linksSet = false

	// Changed content is validated in full: here UDP cannot carry the size.
	top, _ = Parse("test.yaml", []byte(src+"traffic: {size: 60000}\n"))
	if _, err := BuildPlan(top, PlanOptions{}); err != nil {
		t.Fatalf("tcp: %v", err)
	}
	top.Traffic.Protocol = UDP
	want := "test.yaml:4:17: traffic.size: 60000 bytes is too large for protocol udp"
	if _, err := BuildPlan(top, PlanOptions{}); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("changed protocol: got %v, want %s...", err, want)
	}

	// A changed pool is parsed again, not taken from the record.
	top, _ = Parse("test.yaml", []byte(src))
	top.Network = Network{Pool: "192.168.7.0/24", PoolSet: true}
	p, err := BuildPlan(top, PlanOptions{})
	if err != nil || p.Pool.String() != "192.168.7.0/24" {
		t.Errorf("changed pool: plan pool %v, %v", p, err)
	}
	top.Network.Pool = "8.8.8.0/24"
	if _, err := BuildPlan(top, PlanOptions{}); err == nil || !strings.Contains(err.Error(), "not a private block") {
		t.Errorf("changed to a public pool: got %v", err)
	}
}

// The pool is parsed once, by validation, and planning uses that prefix:
// text that validation accepts always plans.
func TestPoolParsedOnce(t *testing.T) {
	p := mustPlan(t, "layout: star\nnodes: 3\nnetwork:\n  pool: ' 10.1.0.0/16 '\n", PlanOptions{})
	if got := p.Pool.String(); got != "10.1.0.0/16" {
		t.Errorf("pool %s, want 10.1.0.0/16", got)
	}
	if got := p.Segments[0].Subnet.String(); got != "10.1.0.0/29" {
		t.Errorf("first subnet %s, want 10.1.0.0/29", got)
	}
}

// Delays and the traffic interval share one parser; each form keeps its
// own advice and range.
func TestParseDurationForms(t *testing.T) {
	for _, tc := range []struct {
		in      string
		form    durationForm
		want    time.Duration
		wantErr string
	}{
		{"0", delayForm, 0, ""},
		{" 5ms ", delayForm, 5 * time.Millisecond, ""},
		{"5", delayForm, 0, `"5" has no unit: write it like 5ms (units: us, ms, s)`},
		{"soon", delayForm, 0, `"soon" is not a duration: write it like 5ms or 1.5s`},
		{"-1ms", delayForm, 0, `"-1ms" is negative`},
		{"2m", delayForm, 0, `"2m" is longer than 60s`},
		{"0", intervalForm, 0, ""},
		{"2m", intervalForm, 2 * time.Minute, ""},
		{"5", intervalForm, 0, `"5" has no unit: write it like 5s (or 0 to turn traffic off)`},
		{"soon", intervalForm, 0, `"soon" is not a duration: write it like 2s or 500ms (or 0 to turn traffic off)`},
		{"-1s", intervalForm, 0, `-1s is negative`},
		{"1ms", intervalForm, 0, `1ms is shorter than 10ms: use at least 10ms, or 0 to turn traffic off`},
	} {
		got, err := parseDuration(tc.in, tc.form)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tc.want || gotErr != tc.wantErr {
			t.Errorf("parseDuration(%q, %s...) = %v, %q; want %v, %q", tc.in, tc.form.unit, got, gotErr, tc.want, tc.wantErr)
		}
	}
}
