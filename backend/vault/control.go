package vault

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The control socket. A vault served for writing is locked (locking_mode=
// EXCLUSIVE): no other process may read it, not even to back it up. The server
// therefore listens on a Unix socket (mode 0600, in the temporary directory, named
// in the lock file FILE-lock) and answers requests for the tools that need the
// data of a vault in use: Backup sends {"op":"backup","out":PATH} and the server
// writes the copy with VACUUM INTO on its own connection, after committing every
// buffered write, and answers {"error":""} or the error.

// request is one control request; reply its answer.
type request struct {
	Op  string `json:"op"`
	Out string `json:"out,omitempty"`
}

type reply struct {
	Error string `json:"error"`
}

// listenControl starts the control socket and returns it with its path, or nil
// and "" when the system cannot listen on one (the vault then cannot be backed
// up while it is in use, and Backup says so).
func (f *FS) listenControl() (net.Listener, string) {
	path := filepath.Join(os.TempDir(), "anyfs-vault-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano()%1e9, 36)+".sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		f.log.Debug("vault: no control socket", "path", path, "err", err)
		return nil, ""
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, ""
	}
	f.done.Add(1)
	go func() {
		defer f.done.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed
			}
			f.serveControl(c)
		}
	}()
	return l, path
}

// serveControl answers one request.
func (f *FS) serveControl(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Minute))
	var req request
	if err := json.NewDecoder(bufio.NewReader(c)).Decode(&req); err != nil {
		return
	}
	var err error
	switch req.Op {
	case "backup":
		err = f.Backup(req.Out)
	default:
		err = fmt.Errorf("unknown request %q", req.Op)
	}
	var r reply
	if err != nil {
		r.Error = err.Error()
	}
	json.NewEncoder(c).Encode(r)
}

// Backup writes a consistent copy of the vault to out, which must not exist,
// while it is served: every buffered write is committed first, then VACUUM INTO
// copies the database as of that moment (compacted) on the vault's own
// connection.
func (f *FS) Backup(out string) error {
	out, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("vault %s: backup: %w", f.path, err)
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("vault %s: backup to %s: %w", f.path, out, os.ErrExist)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return fmt.Errorf("vault %s: backup: closed", f.path)
	}
	if !f.readOnly {
		for _, fl := range f.open {
			if err := f.commit(fl, false); err != nil {
				return fmt.Errorf("vault %s: backup: %w", f.path, err)
			}
		}
	}
	// The copy gets the vault's mode 0600: VACUUM INTO writes into an empty file.
	o, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("vault %s: backup: %w", f.path, err)
	}
	o.Close()
	if f.readOnly {
		// VACUUM runs outside a transaction: end the read transaction that holds
		// the shared lock for as long as the copy takes, and take it again after.
		if _, err := f.conn.ExecContext(bg, "COMMIT"); err != nil {
			return fmt.Errorf("vault %s: backup: %w", f.path, err)
		}
		defer func() {
			f.conn.ExecContext(bg, "BEGIN")
			f.conn.ExecContext(bg, "SELECT COUNT(*) FROM sqlite_master")
		}()
	}
	if _, err := f.conn.ExecContext(bg, `VACUUM INTO ?`, out); err != nil {
		os.Remove(out)
		return fmt.Errorf("vault %s: backup to %s: %w", f.path, out, mapErr(err))
	}
	return nil
}

// Backup writes a consistent, compacted copy of the vault at path to out, which
// must not exist. When another process serves the vault, the copy is made by
// that server through its control socket; otherwise Backup reads the vault
// itself, without changing it.
func Backup(path, out string) error {
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	out, err = filepath.Abs(out)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("vault %s: backup to %s: %w", path, out, os.ErrExist)
	}
	f, err := Open(path, &Options{ReadOnly: true, NoControl: true})
	if err == nil {
		defer f.Close()
		return f.Backup(out)
	}
	if !errors.Is(err, ErrInUse) {
		return err
	}
	li, ok := readLock(path)
	if !ok || li.socket == "" {
		return fmt.Errorf("%w; its server offers no control socket for a backup", err)
	}
	c, cerr := net.DialTimeout("unix", li.socket, 5*time.Second)
	if cerr != nil {
		return fmt.Errorf("%w; its control socket %s: %v", err, li.socket, cerr)
	}
	defer c.Close()
	if err := json.NewEncoder(c).Encode(request{Op: "backup", Out: out}); err != nil {
		return fmt.Errorf("vault %s: backup through pid %d: %w", path, li.pid, err)
	}
	var r reply
	if err := json.NewDecoder(c).Decode(&r); err != nil {
		return fmt.Errorf("vault %s: backup through pid %d: no answer: %w", path, li.pid, err)
	}
	if r.Error != "" {
		return fmt.Errorf("vault %s: backup through pid %d: %s", path, li.pid, r.Error)
	}
	return nil
}
