//go:build linux

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// The column names compare.sh uses; the table compares each with its peer.
const (
	colNative     = "native"
	colLoopback   = "loopback"
	colLoopbackPT = "loopback+pt"
)

// column is one run's report, or nil when the configuration could not run.
type column struct {
	name string
	rep  *Report
	why  string // why rep is nil
}

func tableCmd(args []string) error {
	fl := flag.NewFlagSet("table", flag.ExitOnError)
	md := fl.Bool("md", false, "print Markdown tables")
	fl.Parse(args)
	var cols []column
	for _, a := range fl.Args() {
		name, files, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("table: %q is not NAME=FILE[,FILE...]", a)
		}
		c := column{name: name}
		var reps []*Report
		for _, file := range strings.Split(files, ",") {
			data, err := os.ReadFile(file)
			if err != nil {
				continue // that round could not run
			}
			var rep Report
			if err := json.Unmarshal(data, &rep); err != nil {
				c.why = "bad report"
				reps = nil
				break
			}
			reps = append(reps, &rep)
		}
		if c.rep = merge(reps); c.rep == nil && c.why == "" {
			c.why = "n/a"
		}
		cols = append(cols, c)
	}
	t := &table{cols: cols, md: *md, w: os.Stdout}
	t.print()
	return nil
}

// merge combines the reports of several rounds of one column: each figure is the
// median of the rounds' figures, with the extremes of all their runs.
func merge(reps []*Report) *Report {
	if len(reps) == 0 {
		return nil
	}
	out := *reps[0]
	out.Results = nil
	vals := map[string][]float64{}
	byKey := map[string]*Result{}
	var order []string
	for _, rep := range reps {
		for _, r := range rep.Results {
			m, ok := byKey[r.Key]
			if !ok {
				r := r
				m = &r
				byKey[r.Key] = m
				order = append(order, r.Key)
			} else {
				m.Min, m.Max, m.Runs = min(m.Min, r.Min), max(m.Max, r.Max), m.Runs+r.Runs
			}
			vals[r.Key] = append(vals[r.Key], r.Value)
		}
		for _, n := range rep.Notes {
			if !slices.Contains(out.Notes, n) {
				out.Notes = append(out.Notes, n)
			}
		}
	}
	for _, k := range order {
		m := byKey[k]
		m.Value = median(vals[k])
		out.Results = append(out.Results, *m)
	}
	return &out
}

type table struct {
	cols []column
	md   bool
	w    io.Writer
}

// rows returns every result key in order of first appearance, with its result.
func (t *table) rows() []Result {
	var out []Result
	seen := map[string]bool{}
	for _, c := range t.cols {
		if c.rep == nil {
			continue
		}
		for _, r := range c.rep.Results {
			if !seen[r.Key] {
				seen[r.Key] = true
				out = append(out, r)
			}
		}
	}
	return out
}

func (t *table) col(name string) *column {
	for i := range t.cols {
		if t.cols[i].name == name {
			return &t.cols[i]
		}
	}
	return nil
}

func (c *column) value(key string) (float64, bool) {
	if c == nil || c.rep == nil {
		return 0, false
	}
	for _, r := range c.rep.Results {
		if r.Key == key {
			return r.Value, true
		}
	}
	return 0, false
}

// peer is the raw go-fuse loopback a column is compared with: the one with FUSE
// passthrough for the "+pt" columns, over the same host directory (a column
// "NAME@HOST" is NAME over the host directory HOST, such as tmpfs).
func peer(name string) string {
	base, host := splitHost(name)
	if strings.HasSuffix(base, "+pt") {
		return colLoopbackPT + host
	}
	return colLoopback + host
}

// native is the native column of name's host directory.
func native(name string) string {
	_, host := splitHost(name)
	return colNative + host
}

// splitHost splits a column name into the configuration and the "@HOST" suffix
// ("" for the default host directory).
func splitHost(name string) (base, host string) {
	if i := strings.IndexByte(name, '@'); i >= 0 {
		return name[:i], name[i:]
	}
	return name, ""
}

// isBaseline reports whether name is a column the others are compared with.
func isBaseline(name string) bool {
	base, _ := splitHost(name)
	return base == colNative || base == colLoopback || base == colLoopbackPT
}

func (t *table) print() {
	rows := t.rows()
	t.grid("Absolute figures (median of the runs)", rows, func(c *column, r Result) string {
		if c.rep == nil {
			return c.why
		}
		v, ok := c.value(r.Key)
		if !ok {
			return "-"
		}
		return num(v)
	}, nil)

	t.grid("Ratio to the raw go-fuse loopback (b), mode for mode: +pt columns to loopback+pt, the others to loopback", rows,
		func(c *column, r Result) string { return t.ratio(c, r, peer(c.name)) },
		func(name string) bool { return !isBaseline(name) })

	t.grid("Ratio to the native directory (a) of the same host directory", rows,
		func(c *column, r Result) string { return t.ratio(c, r, native(c.name)) },
		func(name string) bool { base, _ := splitHost(name); return base != colNative })
	t.targets()
}

func (t *table) ratio(c *column, r Result, base string) string {
	if c.rep == nil {
		return c.why
	}
	v, ok := c.value(r.Key)
	b, bok := t.col(base).value(r.Key)
	if !ok || !bok || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", v/b)
}

func (t *table) grid(title string, rows []Result, cell func(*column, Result) string, keep func(string) bool) {
	var cols []*column
	for i := range t.cols {
		if keep == nil || keep(t.cols[i].name) {
			cols = append(cols, &t.cols[i])
		}
	}
	header := []string{"workload", "unit"}
	for _, c := range cols {
		header = append(header, c.name)
	}
	var lines [][]string
	for _, r := range rows {
		unit := r.Unit
		if !r.Higher {
			unit += " (lower is better)"
		}
		line := []string{r.Label, unit}
		for _, c := range cols {
			line = append(line, cell(c, r))
		}
		lines = append(lines, line)
	}
	fmt.Fprintf(t.w, "\n%s\n\n", title)
	t.render(header, lines)
}

func (t *table) render(header []string, lines [][]string) {
	width := make([]int, len(header))
	for _, l := range append([][]string{header}, lines...) {
		for i, s := range l {
			width[i] = max(width[i], len(s))
		}
	}
	row := func(l []string) {
		var b strings.Builder
		for i, s := range l {
			if t.md {
				b.WriteString("| ")
			} else if i > 0 {
				b.WriteString("  ")
			}
			if i < 2 {
				b.WriteString(s + strings.Repeat(" ", width[i]-len(s)))
			} else {
				b.WriteString(strings.Repeat(" ", width[i]-len(s)) + s)
			}
			if t.md {
				b.WriteString(" ")
			}
		}
		if t.md {
			b.WriteString("|")
		}
		fmt.Fprintln(t.w, strings.TrimRight(b.String(), " "))
	}
	row(header)
	if t.md {
		sep := make([]string, len(header))
		for i := range sep {
			if i < 2 {
				sep[i] = strings.Repeat("-", width[i])
			} else {
				sep[i] = strings.Repeat("-", width[i]-1) + ":"
			}
		}
		row(sep)
	}
	for _, l := range lines {
		row(l)
	}
}

// targets checks the performance targets of the benchmark issue.
func (t *table) targets() {
	fmt.Fprintf(t.w, "\nTargets\n\n")
	main := []string{"list", "seqwrite", "seqread", "randread", "directread", "parallel", "create", "stat"}
	t.target("anyfs passthrough/gofuse >= 0.95 x loopback on every workload (no FUSE passthrough)", "anyfs-pt", colLoopback, main, 0.95)
	t.target("anyfs passthrough/gofuse >= 0.95 x loopback on every workload (FUSE passthrough)", "anyfs-pt+pt", colLoopbackPT, main, 0.95)
	t.target("anyfs passthrough/gofuse >= 1.0 x loopback on create, lstat and unlink over tmpfs", "anyfs-pt@tmpfs", colLoopback+"@tmpfs", []string{"create.create", "create.stat", "create.unlink"}, 1.0)
	t.target("anyfs passthrough/gofuse >= 0.9 x loopback on random O_DIRECT reads over tmpfs (FUSE passthrough)", "anyfs-pt+pt@tmpfs", colLoopbackPT+"@tmpfs", []string{"directread"}, 0.9)
	t.target("memfs/gofuse lstat right after the creates >= 2 x loopback over tmpfs", "memfs", colLoopback+"@tmpfs", []string{"create.stat"}, 2.0)
	t.target("memfs/gofuse sequential read and write >= 1.0 x loopback", "memfs", colLoopback, []string{"seqread", "seqwrite"}, 1.0)
	t.target("anyfs passthrough/gofuse with FUSE passthrough, sequential read and write >= 0.8 x native", "anyfs-pt+pt", colNative, []string{"seqread", "seqwrite"}, 0.8)
}

func (t *table) target(what, name, base string, keys []string, want float64) {
	c, b := t.col(name), t.col(base)
	if c == nil || c.rep == nil || b == nil || b.rep == nil {
		fmt.Fprintf(t.w, "  n/a     %s: %s or %s did not run\n", what, name, base)
		return
	}
	worst, worstKey := math.Inf(1), ""
	var misses []string
	for _, k := range keys {
		v, ok := c.value(k)
		bv, bok := b.value(k)
		if !ok || !bok || bv == 0 {
			continue
		}
		r := v / bv
		if r < worst {
			worst, worstKey = r, k
		}
		if r < want {
			misses = append(misses, fmt.Sprintf("%s %.2f", k, r))
		}
	}
	switch {
	case worstKey == "":
		fmt.Fprintf(t.w, "  n/a     %s: no common workloads\n", what)
	case len(misses) == 0:
		fmt.Fprintf(t.w, "  met     %s (lowest: %s %.2f)\n", what, worstKey, worst)
	default:
		fmt.Fprintf(t.w, "  MISSED  %s: %s\n", what, strings.Join(misses, ", "))
	}
}

// num formats a figure with three significant digits, large ones with k or M.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 10e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case a >= 100e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	case a >= 10e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
