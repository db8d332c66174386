package fs

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
)

// MatchKind says which processes an AccessRule applies to.
type MatchKind uint8

// What an AccessRule matches.
const (
	MatchAll         MatchKind = iota // every process
	MatchPid                          // the process with id Pid
	MatchProcessName                  // processes running ProcessName: a base name ("cat") or an absolute path
	MatchUid                          // processes running as Uid
	MatchGid                          // processes running with group Gid
)

// AccessRule grants or denies read or write access to processes, as CBFS's
// add_granted_process / add_denied_process do. Rules are checked by the volume before
// the backend is called; a refused request fails with ErrPermission (EACCES).
//
// A request that needs access A is refused when a deny rule for A matches its
// caller, or when grant rules for A exist and none matches. Reading covers opening
// for read, listing directories, reading links and extended attributes; writing
// covers opening for write and every change (create, delete, rename, attributes).
// Looking names up and reading attributes (stat) is never refused. Handles opened
// before a rule was added keep their access.
type AccessRule struct {
	// Deny makes the rule a denial; otherwise it grants.
	Deny bool
	// Access is what the rule grants or denies: AccessRead, AccessWrite or both.
	Access Access
	// Match chooses the processes, with the field it names.
	Match       MatchKind
	Pid         uint32
	ProcessName string
	Uid, Gid    uint32
	// IncludeChildren extends a MatchPid or MatchProcessName rule to the descendants
	// of the matching processes.
	IncludeChildren bool
}

func (r AccessRule) String() string {
	verb := "grant"
	if r.Deny {
		verb = "deny"
	}
	who := "all"
	switch r.Match {
	case MatchPid:
		who = fmt.Sprintf("pid %d", r.Pid)
	case MatchProcessName:
		who = fmt.Sprintf("process %q", r.ProcessName)
	case MatchUid:
		who = fmt.Sprintf("uid %d", r.Uid)
	case MatchGid:
		who = fmt.Sprintf("gid %d", r.Gid)
	}
	if r.IncludeChildren {
		who += " and children"
	}
	return fmt.Sprintf("%s %s to %s", verb, accessString(r.Access), who)
}

func accessString(a Access) string {
	switch a {
	case AccessRead:
		return "read"
	case AccessWrite:
		return "write"
	}
	return "read-write"
}

// matches reports whether the rule applies to caller c.
func (r *AccessRule) matches(c Caller) bool {
	switch r.Match {
	case MatchAll:
		return true
	case MatchUid:
		return c.Uid == r.Uid
	case MatchGid:
		return c.Gid == r.Gid
	}
	pid := c.Pid
	for depth := 0; pid != 0 && depth < 64; depth++ {
		if r.Match == MatchPid && pid == r.Pid {
			return true
		}
		p, err := LookupProcess(pid)
		if err != nil {
			return false
		}
		if r.Match == MatchPid && p.Pid == r.Pid { // pid was a thread of the process
			return true
		}
		if r.Match == MatchProcessName && p.Is(r.ProcessName) {
			return true
		}
		if !r.IncludeChildren || p.Ppid == pid {
			return false
		}
		pid = p.Ppid
	}
	return false
}

// accessRules is the volume's rule list, replaced whole on every change.
type accessRules struct{ p atomic.Pointer[[]AccessRule] }

// AddAccessRule adds a rule at run time; it applies to requests that start later.
func (v *Volume) AddAccessRule(r AccessRule) {
	for {
		old := v.rules.p.Load()
		var next []AccessRule
		if old != nil {
			next = slices.Clone(*old)
		}
		next = append(next, r)
		if v.rules.p.CompareAndSwap(old, &next) {
			return
		}
	}
}

// RemoveAccessRule removes every rule equal to r and reports whether one was found.
func (v *Volume) RemoveAccessRule(r AccessRule) bool {
	for {
		old := v.rules.p.Load()
		if old == nil {
			return false
		}
		next := slices.DeleteFunc(slices.Clone(*old), func(x AccessRule) bool { return x == r })
		if len(next) == len(*old) {
			return false
		}
		if v.rules.p.CompareAndSwap(old, &next) {
			return true
		}
	}
}

// AccessRules returns the rules in force.
func (v *Volume) AccessRules() []AccessRule {
	if p := v.rules.p.Load(); p != nil {
		return slices.Clone(*p)
	}
	return nil
}

// checkAccess refuses a request for access a by the caller in ctx when the rules say
// so. Requests without a caller (the volume's own) are always allowed.
func (v *Volume) checkAccess(ctx context.Context, op, name string, a Access) error {
	p := v.rules.p.Load()
	if p == nil || len(*p) == 0 {
		return nil
	}
	c, ok := CallerFromContext(ctx)
	if !ok {
		return nil
	}
	for _, need := range []Access{AccessRead, AccessWrite} {
		if a&need == 0 {
			continue
		}
		granted, grants := false, false
		for i := range *p {
			r := &(*p)[i]
			if r.Access&need == 0 {
				continue
			}
			if r.Deny {
				if r.matches(c) {
					return fmt.Errorf("%s %s: %w (%s)", op, name, ErrPermission, r)
				}
				continue
			}
			grants = true
			if !granted && r.matches(c) {
				granted = true
			}
		}
		if grants && !granted {
			return fmt.Errorf("%s %s: %w (pid %d is not granted %s access)", op, name, ErrPermission, c.Pid, accessString(need))
		}
	}
	return nil
}
