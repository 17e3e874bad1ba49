package topology

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestPlanJSON: a plan's JSON writes durations as the file does, reads
// them back, and still reads the old form in nanoseconds.
func TestPlanJSON(t *testing.T) {
	p := mustPlan(t, "name: j\nlayout: custom\nnodes: [a, b, c]\ntraffic: {interval: 1500ms}\nlinks:\n  - [a, b]\n  - {endpoints: [b, c], delay: 20ms, jitter: 250us, loss: 1%, rate: 10mbit}\n", PlanOptions{})
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{`"interval": "1500ms"`, `"delay": "20ms"`, `"jitter": "250us"`, `"loss": 0.01`, `"rate": 10000000`, `"impairment": {}`} {
		if !strings.Contains(doc, want) {
			t.Errorf("plan JSON lacks %s:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "1500000000") || strings.Contains(doc, "20000000,") {
		t.Errorf("plan JSON has durations in nanoseconds:\n%s", doc)
	}
	var back Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, p) {
		t.Errorf("read back:\n%s\nwritten:\n%s", back.String(), p.String())
	}

	// The old form: what a plan printed before, durations in nanoseconds.
	old := strings.NewReplacer(`"1500ms"`, "1500000000", `"20ms"`, "20000000", `"250us"`, "250000").Replace(doc)
	var fromOld Plan
	if err := json.Unmarshal([]byte(old), &fromOld); err != nil {
		t.Fatal(err)
	}
	if fromOld.Traffic.Interval != 1500*time.Millisecond || fromOld.Segments[1].Impairment.Delay != 20*time.Millisecond ||
		fromOld.Segments[1].Impairment.Jitter != 250*time.Microsecond || !reflect.DeepEqual(&fromOld, p) {
		t.Errorf("old form read as %+v", fromOld)
	}
	if err := json.Unmarshal([]byte(`{"traffic":{"interval":"soon"}}`), &fromOld); err == nil || !strings.Contains(err.Error(), `"soon"`) {
		t.Errorf("a bad duration: %v", err)
	}
}

// TestPlanJSONHasEveryField: planJSON mirrors Plan, field for field and in
// order, and segmentJSON puts the impairment last, where PlanSegment has it:
// a field added to Plan and not to planJSON would vanish from the JSON.
func TestPlanJSONHasEveryField(t *testing.T) {
	tags := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			out = append(out, rt.Field(i).Name+" "+rt.Field(i).Tag.Get("json"))
		}
		return out
	}
	if got, want := tags(planJSON{}), tags(Plan{}); !reflect.DeepEqual(got, want) {
		t.Errorf("planJSON fields %q\nPlan fields     %q", got, want)
	}
	seg := tags(PlanSegment{})
	if seg[len(seg)-1] != "Impairment impairment" {
		t.Errorf("PlanSegment's last field is %q; segmentJSON expects the impairment", seg[len(seg)-1])
	}
	if got, want := tags(impairmentJSON{}), tags(Impairment{}); !reflect.DeepEqual(got, want) {
		t.Errorf("impairmentJSON fields %q\nImpairment fields %q", got, want)
	}
	if got, want := tags(trafficJSON{}), tags(Traffic{}); !reflect.DeepEqual(got, want) {
		t.Errorf("trafficJSON fields %q\nTraffic fields %q", got, want)
	}
}
