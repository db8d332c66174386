package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// volumeCollector exposes a volume's statistics (fs.Volume.Stats) to
// Prometheus. It reads the volume's counters at every scrape, so that serving
// costs nothing between scrapes.
type volumeCollector struct {
	v                          *fs.Volume
	calls, errs, latency       *prometheus.Desc
	read, written, files, hdls *prometheus.Desc
	// The kernel's requests, where the adapter counts them.
	reqs                          mountopt.RequestCounter
	reqCalls, reqErrs, reqLatency *prometheus.Desc
}

func newVolumeCollector(v *fs.Volume, srv mountopt.Server) *volumeCollector {
	ev, op := []string{"event"}, []string{"opcode"}
	reqs, _ := srv.(mountopt.RequestCounter)
	return &volumeCollector{
		reqs:     reqs,
		reqCalls: prometheus.NewDesc("anyfs_kernel_requests_total", "Kernel (FUSE) requests received, by opcode.", op, nil),
		reqErrs:  prometheus.NewDesc("anyfs_kernel_request_errors_total", "Kernel requests answered with an error, by opcode.", op, nil),
		reqLatency: prometheus.NewDesc("anyfs_kernel_request_duration_seconds",
			fmt.Sprintf("Time spent answering kernel requests, by opcode; one request in %d of each opcode is timed.", mountopt.LatencySample), op, nil),
		v:       v,
		calls:   prometheus.NewDesc("anyfs_events_total", "Backend events fired, by event.", ev, nil),
		errs:    prometheus.NewDesc("anyfs_event_errors_total", "Backend events that failed, by event.", ev, nil),
		latency: prometheus.NewDesc("anyfs_event_duration_seconds", "Time spent in backend events, by event.", ev, nil),
		read:    prometheus.NewDesc("anyfs_read_bytes_total", "Bytes read from the backend (OnReadFile).", nil, nil),
		written: prometheus.NewDesc("anyfs_written_bytes_total", "Bytes written to the backend (OnWriteFile).", nil, nil),
		files:   prometheus.NewDesc("anyfs_open_files", "Files open on the volume.", nil, nil),
		hdls:    prometheus.NewDesc("anyfs_open_handles", "Handles open on the volume.", nil, nil),
	}
}

// Describe sends the descriptions of every metric.
func (c *volumeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.calls, c.errs, c.latency, c.read, c.written, c.files, c.hdls, c.reqCalls, c.reqErrs, c.reqLatency} {
		ch <- d
	}
}

// Collect sends the current values.
func (c *volumeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.v.Stats() {
		ch <- prometheus.MustNewConstMetric(c.calls, prometheus.CounterValue, float64(s.Calls), s.Event)
		ch <- prometheus.MustNewConstMetric(c.errs, prometheus.CounterValue, float64(s.Errors), s.Event)
		ch <- latencyHistogram(c.latency, s.Buckets, s.Total, s.Event)
		switch s.Event {
		case "OnReadFile":
			ch <- prometheus.MustNewConstMetric(c.read, prometheus.CounterValue, float64(s.Bytes))
		case "OnWriteFile":
			ch <- prometheus.MustNewConstMetric(c.written, prometheus.CounterValue, float64(s.Bytes))
		}
	}
	ch <- prometheus.MustNewConstMetric(c.files, prometheus.GaugeValue, float64(c.v.OpenFileCount()))
	ch <- prometheus.MustNewConstMetric(c.hdls, prometheus.GaugeValue, float64(c.v.OpenHandleCount()))
	if c.reqs == nil {
		return
	}
	for _, s := range c.reqs.RequestStats() {
		ch <- prometheus.MustNewConstMetric(c.reqCalls, prometheus.CounterValue, float64(s.Calls), s.Op)
		ch <- prometheus.MustNewConstMetric(c.reqErrs, prometheus.CounterValue, float64(s.Errors), s.Op)
		ch <- latencyHistogram(c.reqLatency, s.Buckets, s.Total, s.Op)
	}
}

// latencyHistogram turns latency buckets (fs.LatencyBound) into a histogram.
func latencyHistogram(d *prometheus.Desc, b [fs.LatencyBuckets]uint64, total time.Duration, label string) prometheus.Metric {
	buckets := make(map[float64]uint64, fs.LatencyBuckets-1)
	var count uint64
	for i, n := range b {
		count += n
		if i < fs.LatencyBuckets-1 {
			buckets[fs.LatencyBound(i).Seconds()] = count
		}
	}
	return prometheus.MustNewConstHistogram(d, count, total.Seconds(), buckets, label)
}

// metricsServer serves a volume's metrics over HTTP at /metrics.
type metricsServer struct {
	ln  net.Listener
	srv *http.Server
	url string
}

// listenMetrics opens addr (HOST:PORT; port 0 picks a free one) for --metrics.
func listenMetrics(addr string) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, flagErrorf("--metrics %s: %v", addr, unwrapOp(err))
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return &metricsServer{ln: ln, url: "http://" + net.JoinHostPort(host, port) + "/metrics"}, nil
}

// unwrapOp drops the *net.OpError around err, whose address the message names.
func unwrapOp(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Err
	}
	return err
}

// serve serves v's metrics until close.
func (m *metricsServer) serve(v *fs.Volume, srv mountopt.Server) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newVolumeCollector(v, srv))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = m.srv.Serve(m.ln) }()
}

func (m *metricsServer) close() {
	if m.srv == nil {
		m.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = m.srv.Shutdown(ctx)
}

// mountState is what a running mount with --metrics records about itself,
// for `anyfs stats`.
type mountState struct {
	MountPoint string `json:"mountpoint"`
	Pid        int    `json:"pid"`
	Metrics    string `json:"metrics"`
}

// stateDir is where mounts record their state: $XDG_RUNTIME_DIR/anyfs, else
// /run/anyfs for root, else a directory of the user's under the temporary
// directory.
func stateDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "anyfs")
	}
	if os.Geteuid() == 0 {
		return "/run/anyfs"
	}
	return filepath.Join(os.TempDir(), "anyfs-"+strconv.Itoa(os.Geteuid()))
}

// statePath is the state file of the mount at mnt (an absolute path).
func statePath(mnt string) string {
	return filepath.Join(stateDir(), url.PathEscape(mnt)+".json")
}

// writeState records st; remove deletes the file again.
func writeState(st mountState) (remove func(), err error) {
	name := statePath(st.MountPoint)
	data, _ := json.Marshal(st)
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return nil, fmt.Errorf("record the metrics address: %w", err)
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return nil, fmt.Errorf("record the metrics address: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return nil, fmt.Errorf("record the metrics address: %w", err)
	}
	return func() { os.Remove(name) }, nil
}
