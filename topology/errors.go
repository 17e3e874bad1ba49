package topology

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a topology file, at a place in it. Line and Col are
// 1-based; they are zero when the problem has no place in the file (a
// Topology built in Go, or an option given to BuildPlan).
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error formats the problem as FILE:LINE:COL: message, the form editors and
// terminals link to. Missing parts are left out.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(":")
		if e.Col > 0 {
			b.WriteString(strconv.Itoa(e.Col))
			b.WriteString(":")
		}
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in a topology, sorted by position.
// Load, Parse and BuildPlan return one when the file is invalid, so that a
// caller can tell an invalid file (exit code 2) from a failure to read it:
//
//	var list topology.ErrorList
//	if errors.As(err, &list) { ... }
type ErrorList []*Error

// Error prints one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// errs collects problems while decoding, validating and planning.
type errs struct {
	file    string
	list    ErrorList
	dropped int // problems past maxErrors
}

// maxErrors bounds the report: past it, more lines only bury the first
// ones (and a file of YAML aliases could multiply them without end).
const maxErrors = 100

func (e *errs) add(p Pos, format string, args ...any) {
	if len(e.list) >= maxErrors {
		e.dropped++
		return
	}
	e.list = append(e.list, &Error{File: e.file, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)})
}

// err returns the sorted list, or nil when there is nothing wrong.
func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	l := append(ErrorList(nil), e.list...)
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Col < l[j].Col
	})
	// The same problem reached twice (say, through a YAML alias) is said once.
	out := l[:0]
	for i, x := range l {
		if i > 0 && *x == *l[i-1] {
			continue
		}
		out = append(out, x)
	}
	if e.dropped > 0 {
		out = append(out, &Error{File: e.file, Msg: plural(e.dropped, "more problem") + " not shown: fix these first"})
	}
	return out
}
