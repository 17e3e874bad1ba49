package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A row meets its goal at or below it, and never when its base was not
// measured; its ratio divides by the figure it says it is against.
func TestNewRow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        Row
		wantRatio float64
		wantMet   bool
	}{
		{"under the goal", Row{Topo: 9, Floor: 10, Against: againstFloor, Goal: 1.05}, 0.9, true},
		{"at the goal", Row{Topo: 10.5, Floor: 10, Against: againstFloor, Goal: 1.05}, 1.05, true},
		{"over the goal", Row{Topo: 12.7, Floor: 10, Against: againstFloor, Goal: 1.05}, 1.27, false},
		{"against compose, not the floor", Row{Topo: 8, Floor: 4, Compose: 10, Against: againstCompose, Goal: 0.8}, 0.8, true},
		{"against the kernel", Row{Topo: 0.0003, Floor: 0.0001, Echo: 0.0002, Against: againstKernel, Goal: 1.5}, 3, false},
		{"no floor measured", Row{Topo: 5, Against: againstFloor, Goal: 1.1}, 0, false},
		{"no compose measured", Row{Topo: 5, Floor: 5, Against: againstCompose, Goal: 0.8}, 0, false},
		{"met is recomputed, not kept", Row{Topo: 2, Floor: 1, Against: againstFloor, Goal: 1, Met: true, Ratio: 0.5}, 2, false},
	} {
		got := newRow(tc.in)
		if diff := got.Ratio - tc.wantRatio; diff > 1e-9 || diff < -1e-9 || got.Met != tc.wantMet {
			t.Errorf("%s: ratio %v, met %v; want %v, %v", tc.name, got.Ratio, got.Met, tc.wantRatio, tc.wantMet)
		}
	}
}

// The rows come in the table's order, each against the right figure:
// up against docker-compose and the floor, down against the floor's down,
// the bus's up against its own floor, the hop against the kernel.
func TestRowsOf(t *testing.T) {
	m := measured{
		ringNodes: 30, busNodes: 250,
		floor: timing{20 * time.Second, 10 * time.Second}, compose: timing{30 * time.Second, 12 * time.Second},
		topo: timing{24 * time.Second, 9 * time.Second}, busFloor: timing{100 * time.Second, time.Minute},
		busTopo: timing{105 * time.Second, time.Hour},
		hop:     hopFigures{kernel: 0.0001, topo: 0.00025, quiet: 0.0002, echo: 0.0002},
	}
	want := []struct {
		name  string
		ratio float64
		met   bool
	}{
		{"ring-30 up / docker-compose", 0.8, true},
		{"ring-30 up / floor, routing: ip", 1.2, false},
		{"ring-30 down / floor", 0.9, true},
		{"bus-250 up, ready / floor", 1.05, true},
		{"one hop one way / kernel", 2.5, false},
	}
	rows := rowsOf(m)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		if r.Name != w.name || r.Ratio < w.ratio-1e-9 || r.Ratio > w.ratio+1e-9 || r.Met != w.met {
			t.Errorf("row %d: %q %v× met %v; want %q %v× met %v", i, r.Name, r.Ratio, r.Met, w.name, w.ratio, w.met)
		}
	}
	if rows[4].Echo != 0.0002 {
		t.Errorf("the hop's row has echo %v, want the bare echo's 0.0002 beside the kernel's", rows[4].Echo)
	}
}

// What -json writes, -compare reads back the same.
func TestFiguresRoundTrip(t *testing.T) {
	f := Figures{Date: "2026-12-06T17:00:00Z", Engine: "20.10.24+dfsg1", Rounds: 2, BusRounds: 1, Workers: 8, HopMessages: 30,
		Rows: rowsOf(measured{ringNodes: 30, busNodes: 250, floor: timing{time.Second, time.Second},
			compose: timing{2 * time.Second, time.Second}, topo: timing{1500 * time.Millisecond, time.Second},
			hop: hopFigures{kernel: 7e-5, topo: 2.5e-4, echo: 2e-4}})}
	path := filepath.Join(t.TempDir(), "figures.json")
	if err := writeFigures(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := readFigures(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, f)
	}
	if _, err := readFigures(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("a missing file read without an error")
	}
}

// Each row's change since an earlier run is found by the row's name.
func TestChangeAndTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		was  *Row
		now  Row
		want string
	}{
		{"better", &Row{Ratio: 1.27, Topo: 40}, Row{Ratio: 1.07, Topo: 30}, "1.27× → 1.07× (-0.20), topo 40.0 s → 30.0 s (-25%)"},
		{"worse, a hop", &Row{Ratio: 2.9, Topo: 0.0002}, Row{Ratio: 3.1, Topo: 0.0003}, "2.90× → 3.10× (+0.20), topo 0.200 ms → 0.300 ms (+50%)"},
		{"new row", nil, Row{Ratio: 1}, "not in that run"},
		{"no figure before", &Row{Ratio: 0}, Row{Ratio: 1, Topo: 3}, "0.00× → 1.00× (+1.00)"},
	} {
		if got := change(tc.was, tc.now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}

	now := Figures{Date: "now", Rows: []Row{
		newRow(Row{Name: "a", Topo: 2, Floor: 1, Against: againstFloor, Goal: 1}),
		newRow(Row{Name: "hop", Topo: 3e-4, Floor: 1e-4, Echo: 2e-4, Against: againstKernel, Goal: 1.5}),
	}}
	before := Figures{Date: "then", Rows: []Row{{Name: "a", Ratio: 3, Topo: 3}}}
	got := table(now, &before)
	for _, want := range []string{
		"| row | topo | floor | beside | ratio | goal | | since then |",
		"| a | 2.0 s | 1.0 s |  | 2.00× floor | ≤ 1.00× | not met | 3.00× → 2.00× (-1.00), topo 3.0 s → 2.0 s (-33%) |",
		"| hop | 0.300 ms | kernel 0.100 ms | bare echo 0.200 ms | 3.00× kernel | ≤ 1.50× | not met | not in that run |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(table(now, nil), "since") {
		t.Errorf("a table without an earlier run has a column for it:\n%s", table(now, nil))
	}
}
