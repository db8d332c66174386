package cli

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// Log formats of --log-format.
const (
	logText = "text"
	logJSON = "json"
)

// logFile is the file of --log-file, opened for appending. Reopen opens the
// path again, so that a rotated log (logrotate moved the old file away) is
// written anew.
type logFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func openLogFile(path string) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("--log-file: %w", err)
	}
	return &logFile{path: path, f: f}, nil
}

// Write appends p to the file.
func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// Reopen opens the path again and writes there from now on; it returns the
// new file. On failure the old file stays in use.
func (l *logFile) Reopen() (*os.File, error) {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("reopen log file: %w", err)
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	old.Close()
	return f, nil
}

// Close closes the file.
func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// newLogger returns the mount's logger writing to w in format.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	o := &slog.HandlerOptions{Level: level}
	if format == logJSON {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// lineLogger turns the lines written to it (anyfs's messages, "anyfs: ...")
// into log records, so that a JSON log holds only JSON.
type lineLogger struct {
	mu  sync.Mutex
	log *slog.Logger
	buf []byte
}

// Write logs every complete line of p at level info.
func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := strings.TrimPrefix(string(l.buf[:i]), "anyfs: ")
		l.buf = l.buf[i+1:]
		if line != "" {
			l.log.Info(line)
		}
	}
}
