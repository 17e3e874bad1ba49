package experiment

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is what a run saw: the timeline as it ran and a verdict on each
// expectation.
type Report struct {
	Topology string        `json:"topology"`
	File     string        `json:"file,omitempty"`
	Started  time.Time     `json:"started"`
	Length   time.Duration `json:"length"`  // of the timeline
	Elapsed  time.Duration `json:"elapsed"` // of the whole run
	Steps    []Step        `json:"steps,omitempty"`
	Results  []Result      `json:"results"`
}

// Passed reports whether every expectation held.
func (r *Report) Passed() bool { return r.Failed() == 0 }

// Failed counts the expectations that did not hold.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Passed {
			n++
		}
	}
	return n
}

// WriteText writes the report for a person: one line an expectation, its
// verdict and what was seen, then the sum.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	width := 0
	for _, res := range r.Results {
		width = max(width, len([]rune(res.Name)))
	}
	for _, res := range r.Results {
		mark := "ok  "
		if !res.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "%s %-*s  %s\n", mark, width, res.Name, res.Summary)
	}
	fmt.Fprintf(&b, "%s: %d of %d expectations held (timeline %s, run %s)\n",
		r.Topology, len(r.Results)-r.Failed(), len(r.Results), seconds(r.Length), seconds(r.Elapsed))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report for scripts.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// The JUnit XML that CI systems read: a suite for the topology, a test
// case an expectation, a failure with its evidence.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	secs := fmt.Sprintf("%.3f", r.Elapsed.Seconds())
	suite := junitSuite{Name: r.Topology, Tests: len(r.Results), Failures: r.Failed(), Time: secs,
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05")}
	if r.File != "" {
		suite.Properties = append(suite.Properties, junitProperty{"file", r.File})
	}
	suite.Properties = append(suite.Properties, junitProperty{"timeline", r.Length.String()})
	for _, res := range r.Results {
		c := junitCase{Name: res.Name, Classname: r.Topology + "." + res.Kind, Time: "0", SystemOut: res.Summary}
		if !res.Passed {
			c.Failure = &junitFailure{Message: res.Summary, Type: res.Kind, Text: r.evidence(res)}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "topo test", Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// evidence is a failure's text: what was seen, and the timeline as it ran.
func (r *Report) evidence(res Result) string {
	var b strings.Builder
	b.WriteString(res.Summary + "\n")
	if res.Tries > 0 {
		fmt.Fprintf(&b, "tries: %d, reached: %d, left out during fault transitions: %d\n", res.Tries, res.Reached, res.Skipped)
	}
	if res.First != nil {
		fmt.Fprintf(&b, "first failure: %s\n", res.First)
	}
	for _, st := range r.Steps {
		fmt.Fprintf(&b, "timeline: %s to %s  %s", seconds(st.Began), seconds(st.Done), st.What)
		if st.Err != "" {
			b.WriteString(": failed: " + st.Err)
		}
		b.WriteString("\n")
	}
	return b.String()
}
