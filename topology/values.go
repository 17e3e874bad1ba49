package topology

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits on link impairments. Larger values are almost certainly typos, and
// netem misbehaves long before them.
const (
	MaxDelay = time.Minute               // for delay and jitter each
	MaxRate  = 1000 * 1000 * 1000 * 1000 // 1000gbit, in bits per second
	// MinRate is the slowest rate a link may have but 0 (unlimited): below
	// it a full-size frame takes more than a second and a half to leave,
	// and "1bit" is a typo, not a link.
	MinRate = 8000 // 8kbit
	// MinInterval is the shortest background traffic interval; 0 turns
	// traffic off instead.
	MinInterval = 10 * time.Millisecond
	// MaxNodes is the most nodes a topology may have. Every node is a
	// container, and routes grow with the square of the count.
	MaxNodes = 250
)

// ParseDuration reads a delay or jitter such as "5ms" or "1.5s". Zero needs
// no unit. It rejects negative durations and ones longer than MaxDelay.
func ParseDuration(s string) (time.Duration, error) {
	return parseDuration(s, delayForm)
}

// durationForm is what sets one kind of duration field apart: the advice
// its errors give, and its range. Delays and the traffic interval share
// one parser, so that they read the same text the same way.
type durationForm struct {
	unit    string // the unit suggested for a bare number: "5" -> "5ms"
	bare    string // said after that suggestion
	example string // said of text that is no duration at all
	check   func(s string, d time.Duration) error
}

var (
	delayForm = durationForm{
		unit:    "ms",
		bare:    " (units: us, ms, s)",
		example: "5ms or 1.5s",
		check:   checkDelay,
	}
	intervalForm = durationForm{
		unit:    "s",
		bare:    " (or 0 to turn traffic off)",
		example: "2s or 500ms (or 0 to turn traffic off)",
		check:   func(_ string, d time.Duration) error { return checkInterval(d) },
	}
)

// parseDuration reads a duration in the given form. Zero needs no unit; any
// other bare number is refused rather than given a unit we would guess.
func parseDuration(s string, f durationForm) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, fmt.Errorf("%q has no unit: write it like %s%s%s", s, s, f.unit, f.bare)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write it like %s", s, f.example)
	}
	if err := f.check(s, d); err != nil {
		return 0, err
	}
	return d, nil
}

// checkDelay holds a delay or jitter, written as s, to 0..MaxDelay.
func checkDelay(s string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%q is negative", s)
	}
	if d > MaxDelay {
		return fmt.Errorf("%q is longer than %s", s, FormatDuration(MaxDelay))
	}
	return nil
}

// checkInterval holds a traffic interval to 0 (off) or at least
// MinInterval. It names the value, not its text: a Topology built in Go has
// no text.
func checkInterval(d time.Duration) error {
	switch {
	case d < 0:
		return fmt.Errorf("%s is negative", FormatDuration(d))
	case d > 0 && d < MinInterval:
		return fmt.Errorf("%s is shorter than %s: use at least %s, or 0 to turn traffic off", FormatDuration(d), FormatDuration(MinInterval), FormatDuration(MinInterval))
	}
	return nil
}

// FormatDuration writes d in the largest unit that holds it exactly: "2s",
// "5ms", "250us", or "0". Both time.ParseDuration and tc read the result
// (tc has no "ns", which only appears for sub-microsecond values).
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"}} {
		if d%u.unit == 0 {
			return sign + strconv.FormatInt(int64(d/u.unit), 10) + u.name
		}
	}
	return sign + strconv.FormatInt(int64(d), 10) + "ns"
}

// ParseLoss reads a packet loss such as "0.5%" and returns it as a fraction
// (0.005). The percent sign is required so that 0.5 cannot be mistaken for
// 50%; only zero may go without it.
func ParseLoss(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	num, ok := strings.CutSuffix(s, "%")
	if !ok {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return 0, fmt.Errorf("%q has no %%: write it as a percentage like %s%%", s, s)
		}
		return 0, fmt.Errorf("%q is not a percentage: write it like 0.5%%", s)
	}
	p, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(p) || math.IsInf(p, 0) {
		return 0, fmt.Errorf("%q is not a percentage: write it like 0.5%%", s)
	}
	if p < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	if p > 100 {
		return 0, fmt.Errorf("%q is more than 100%%", s)
	}
	return p / 100, nil
}

// FormatLoss writes a loss fraction as a percentage: 0.005 is "0.5%".
func FormatLoss(f float64) string {
	p := math.Round(f*100*1e6) / 1e6
	return strconv.FormatFloat(p, 'f', -1, 64) + "%"
}

var rateUnits = []struct {
	name string
	mult uint64
}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}}

// ParseRate reads a bandwidth limit in bits per second: "10mbit", "512kbit",
// "1.5gbit", "64000bit". Units are decimal (1kbit = 1000 bits). Byte units
// such as "mbps" are refused rather than guessed, since tc reads "mbps" as
// megabytes. Zero means unlimited; other rates are MinRate to MaxRate.
func ParseRate(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	lower := strings.ToLower(s)
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(lower, u.name)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			break
		}
		if v < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		bits := math.Round(v * float64(u.mult))
		if bits > MaxRate {
			return 0, fmt.Errorf("%q is more than %s", s, FormatRate(MaxRate))
		}
		if bits < MinRate && v != 0 {
			return 0, fmt.Errorf("%q is less than %s, the slowest rate topo shapes (0 is unlimited)", s, FormatRate(MinRate))
		}
		return uint64(bits), nil
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, fmt.Errorf("%q has no unit: write it like %smbit (units: bit, kbit, mbit, gbit, all bits per second)", s, s)
	}
	return 0, fmt.Errorf("%q is not a rate: write it like 10mbit (units: bit, kbit, mbit, gbit, all bits per second)", s)
}

// FormatRate writes bits per second in the largest unit that holds it
// exactly, in a form ParseRate and tc both read: 10000000 is "10mbit".
func FormatRate(bits uint64) string {
	if bits == 0 {
		return "0"
	}
	for _, u := range rateUnits {
		if bits%u.mult == 0 {
			return strconv.FormatUint(bits/u.mult, 10) + u.name
		}
	}
	return strconv.FormatUint(bits, 10) + "bit"
}

// String describes the impairment the way a topology file writes it, or
// "none" for a perfect link.
func (i Impairment) String() string {
	if i.IsZero() {
		return "none"
	}
	var parts []string
	if i.Delay != 0 {
		parts = append(parts, "delay "+FormatDuration(i.Delay))
	}
	if i.Jitter != 0 {
		parts = append(parts, "jitter "+FormatDuration(i.Jitter))
	}
	if i.Loss != 0 {
		parts = append(parts, "loss "+FormatLoss(i.Loss))
	}
	if i.Rate != 0 {
		parts = append(parts, "rate "+FormatRate(i.Rate))
	}
	return strings.Join(parts, ", ")
}

// check reports what is out of range in an impairment built in Go rather
// than parsed (parsing already refuses these).
func (i Impairment) check() error {
	var list []error
	if i.Delay < 0 || i.Delay > MaxDelay {
		list = append(list, fmt.Errorf("delay %s is out of range 0..%s", i.Delay, FormatDuration(MaxDelay)))
	}
	if i.Jitter < 0 || i.Jitter > MaxDelay {
		list = append(list, fmt.Errorf("jitter %s is out of range 0..%s", i.Jitter, FormatDuration(MaxDelay)))
	}
	if math.IsNaN(i.Loss) || i.Loss < 0 || i.Loss > 1 {
		list = append(list, fmt.Errorf("loss %v is out of range 0..1 (a fraction)", i.Loss))
	}
	if i.Rate != 0 && i.Rate < MinRate {
		list = append(list, fmt.Errorf("rate %d bits per second is less than %s", i.Rate, FormatRate(MinRate)))
	}
	if i.Rate > MaxRate {
		list = append(list, fmt.Errorf("rate %d bits per second is more than %s", i.Rate, FormatRate(MaxRate)))
	}
	return errors.Join(list...)
}
