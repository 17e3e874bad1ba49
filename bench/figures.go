package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Figures are what one -all run measured, as -json writes them and
// -compare reads them back. Times are medians, in seconds.
type Figures struct {
	Date        string `json:"date"`   // when the run ended, RFC 3339, UTC
	Engine      string `json:"engine"` // the engine's version
	Rounds      int    `json:"rounds"` // of the ring and of the hop
	BusRounds   int    `json:"bus_rounds"`
	Workers     int    `json:"workers"`      // engine calls in flight, for the floor and topo alike
	HopMessages int    `json:"hop_messages"` // timed a round, each way
	Rows        []Row  `json:"rows"`
}

// Row is one row of the table of goals: topo's figure against a floor
// (or docker-compose), and the ratio it must not exceed.
type Row struct {
	Name    string  `json:"name"`
	Topo    float64 `json:"topo_s"`
	Floor   float64 `json:"floor_s"`             // the engine floor, or for a hop the kernel's
	Compose float64 `json:"compose_s,omitempty"` // docker-compose, where it applies
	Echo    float64 `json:"echo_s,omitempty"`    // a bare echo's hop, beside the kernel's
	Against string  `json:"against"`             // what Ratio divides by: floor, docker-compose or kernel
	Ratio   float64 `json:"ratio"`
	Goal    float64 `json:"goal"` // the ratio to stay at or below
	Met     bool    `json:"met"`
}

// Against values: which of a row's figures its ratio divides topo's by.
const (
	againstFloor   = "floor"
	againstCompose = "docker-compose"
	againstKernel  = "kernel"
)

// newRow fills in a row's ratio and whether it meets its goal. A base of
// zero (not measured) gives ratio 0 and never meets the goal.
func newRow(r Row) Row {
	base := r.Floor
	if r.Against == againstCompose {
		base = r.Compose
	}
	r.Ratio, r.Met = 0, false
	if base > 0 {
		r.Ratio = r.Topo / base
		r.Met = r.Ratio <= r.Goal
	}
	return r
}

// measured are the medians -all takes its rows from.
type measured struct {
	ringNodes, busNodes  int
	floor, compose, topo timing // the ring's
	busFloor, busTopo    timing
	hop                  hopFigures
}

// rowsOf are the rows of the table of goals (issue #30), in its order.
func rowsOf(m measured) []Row {
	ring := fmt.Sprintf("ring-%d", m.ringNodes)
	fl, dc, tp := m.floor, m.compose, m.topo
	return []Row{
		newRow(Row{Name: ring + " up / docker-compose", Topo: tp.up.Seconds(), Floor: fl.up.Seconds(), Compose: dc.up.Seconds(), Against: againstCompose, Goal: 0.8}),
		newRow(Row{Name: ring + " up / floor, routing: ip", Topo: tp.up.Seconds(), Floor: fl.up.Seconds(), Compose: dc.up.Seconds(), Against: againstFloor, Goal: 1.05}),
		newRow(Row{Name: ring + " down / floor", Topo: tp.down.Seconds(), Floor: fl.down.Seconds(), Compose: dc.down.Seconds(), Against: againstFloor, Goal: 1.0}),
		newRow(Row{Name: fmt.Sprintf("bus-%d up, ready / floor", m.busNodes), Topo: m.busTopo.up.Seconds(), Floor: m.busFloor.up.Seconds(), Against: againstFloor, Goal: 1.1}),
		newRow(Row{Name: "one hop one way / kernel", Topo: m.hop.topo, Floor: m.hop.kernel, Echo: m.hop.echo, Against: againstKernel, Goal: 1.5}),
	}
}

// writeFigures writes f to path as indented JSON.
func writeFigures(path string, f Figures) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return nil
}

// readFigures reads what writeFigures wrote.
func readFigures(path string) (Figures, error) {
	var f Figures
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("figures: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("figures %s: %w", path, err)
	}
	return f, nil
}

// secs says a time the way the table does: milliseconds below a second.
func secs(s float64) string {
	if s == 0 {
		return "–"
	}
	if s < 1 {
		return fmt.Sprintf("%.3f ms", s*1e3)
	}
	return fmt.Sprintf("%.1f s", s)
}

// change says how a row moved since an earlier run's row of the same
// name: the ratio, and topo's own figure in per cent.
func change(was *Row, now Row) string {
	if was == nil {
		return "not in that run"
	}
	s := fmt.Sprintf("%.2f× → %.2f× (%+.2f)", was.Ratio, now.Ratio, now.Ratio-was.Ratio)
	if was.Topo > 0 {
		s += fmt.Sprintf(", topo %s → %s (%+.0f%%)", secs(was.Topo), secs(now.Topo), 100*(now.Topo-was.Topo)/was.Topo)
	}
	return s
}

// table is f's rows as a Markdown table, with each row's change since
// before when it is not nil.
func table(f Figures, before *Figures) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, engine %s, %d rounds (bus %d), %d workers\n\n", f.Date, f.Engine, f.Rounds, f.BusRounds, f.Workers)
	head := "| row | topo | floor | beside | ratio | goal | |"
	if before != nil {
		head += " since " + before.Date + " |"
	}
	b.WriteString(head + "\n" + strings.Repeat("|---", strings.Count(head, "|")-1) + "|\n")
	for _, r := range f.Rows {
		floor, beside := secs(r.Floor), ""
		switch {
		case r.Against == againstKernel:
			floor, beside = "kernel "+secs(r.Floor), "bare echo "+secs(r.Echo)
		case r.Compose > 0:
			beside = "docker-compose " + secs(r.Compose)
		}
		met := "not met"
		if r.Met {
			met = "met"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f× %s | ≤ %.2f× | %s |", r.Name, secs(r.Topo), floor, beside, r.Ratio, r.Against, r.Goal, met)
		if before != nil {
			fmt.Fprintf(&b, " %s |", change(before.row(r.Name), r))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// row is f's row of that name, or nil.
func (f *Figures) row(name string) *Row {
	for i := range f.Rows {
		if f.Rows[i].Name == name {
			return &f.Rows[i]
		}
	}
	return nil
}
