package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"
)

// NewCmdStats returns `anyfs stats`.
func NewCmdStats(f *Factory) *cobra.Command {
	var raw bool
	cmd := &cobra.Command{
		Use:   "stats [--raw] MOUNTPOINT",
		Short: "Print the statistics of a running mount served with --metrics",
		Long: `Print the live statistics of the anyfs serving MOUNTPOINT, which must have
been started with --metrics: bytes read and written, open files and handles,
and for every backend event and every kind of kernel request its calls,
errors and mean time. --raw prints the Prometheus text as served.`,
		Example: `  anyfs mount --daemon --metrics 127.0.0.1:0 mem /mnt/x
  anyfs stats /mnt/x`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return flagErrorf("want one mount point (usage: anyfs stats MOUNTPOINT)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return statsRun(f.Out, args[0], raw)
		},
	}
	cmd.Flags().BoolVar(&raw, "raw", false, "print the metrics as served (Prometheus text format)")
	return cmd
}

func statsRun(out io.Writer, mountPoint string, raw bool) error {
	mnt, err := filepath.Abs(mountPoint)
	if err == nil {
		if real, err := filepath.EvalSymlinks(mnt); err == nil {
			mnt = real
		}
	}
	name := statePath(mnt)
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no statistics for %s: no anyfs serves it with --metrics (%s does not exist)", mnt, name)
	}
	if err != nil {
		return fmt.Errorf("stats %s: %w", mnt, err)
	}
	var st mountState
	if err := json.Unmarshal(data, &st); err != nil || st.Metrics == "" {
		return fmt.Errorf("stats %s: %s is not a state file of anyfs", mnt, name)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(st.Metrics)
	if err != nil {
		return fmt.Errorf("stats %s: the anyfs serving it (pid %d) does not answer at %s: %v", mnt, st.Pid, st.Metrics, unwrapURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stats %s: %s answered %s", mnt, st.Metrics, resp.Status)
	}
	if raw {
		_, err := io.Copy(out, resp.Body)
		return err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return fmt.Errorf("stats %s: the metrics at %s: %w", mnt, st.Metrics, err)
	}
	printStats(out, mnt, st, fams)
	return nil
}

// unwrapURL drops the *url.Error around err, whose URL the message names.
func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// printStats writes the statistics as a short report.
func printStats(out io.Writer, mnt string, st mountState, fams map[string]*dto.MetricFamily) {
	single := func(name string) float64 {
		if f := fams[name]; f != nil && len(f.Metric) > 0 {
			m := f.Metric[0]
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
		return 0
	}
	fmt.Fprintf(out, "%s (pid %d, %s)\n", mnt, st.Pid, st.Metrics)
	fmt.Fprintf(out, "read %s, written %s; %d files open, %d handles\n",
		humanBytes(single("anyfs_read_bytes_total")), humanBytes(single("anyfs_written_bytes_total")),
		int64(single("anyfs_open_files")), int64(single("anyfs_open_handles")))
	printTable(out, fams, "event", "anyfs_events_total", "anyfs_event_errors_total", "anyfs_event_duration_seconds")
	printTable(out, fams, "opcode", "anyfs_kernel_requests_total", "anyfs_kernel_request_errors_total", "anyfs_kernel_request_duration_seconds")
}

// printTable writes, for every value of label with calls, the calls, errors
// and mean time of the metrics named, most called first.
func printTable(out io.Writer, fams map[string]*dto.MetricFamily, label, calls, errs, latency string) {
	type row struct {
		name        string
		calls, errs uint64
		mean        time.Duration
	}
	rows := map[string]*row{}
	get := func(m *dto.Metric) *row {
		name := ""
		for _, l := range m.Label {
			if l.GetName() == label {
				name = l.GetValue()
			}
		}
		if rows[name] == nil {
			rows[name] = &row{name: name}
		}
		return rows[name]
	}
	if f := fams[calls]; f != nil {
		for _, m := range f.Metric {
			get(m).calls = uint64(m.Counter.GetValue())
		}
	}
	if f := fams[errs]; f != nil {
		for _, m := range f.Metric {
			get(m).errs = uint64(m.Counter.GetValue())
		}
	}
	if f := fams[latency]; f != nil {
		for _, m := range f.Metric {
			if h := m.Histogram; h != nil && h.GetSampleCount() > 0 {
				get(m).mean = time.Duration(h.GetSampleSum() / float64(h.GetSampleCount()) * 1e9)
			}
		}
	}
	var list []*row
	for _, r := range rows {
		if r.calls > 0 {
			list = append(list, r)
		}
	}
	if len(list) == 0 {
		return
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].calls > list[j].calls || list[i].calls == list[j].calls && list[i].name < list[j].name
	})
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tcalls\terrors\tmean\t\n", label)
	for _, r := range list {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%v\t\n", r.name, r.calls, r.errs, r.mean.Round(100*time.Nanosecond))
	}
	tw.Flush()
}

// humanBytes writes n bytes with a binary unit: 512 B, 1.5 KiB, 3.0 MiB.
func humanBytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return strings.TrimSpace(fmt.Sprintf("%.1f %s", n, units[i]))
}
