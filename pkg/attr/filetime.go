package attr

import (
	"errors"
	"fmt"
	"time"
)

// Filetime is a Windows FILETIME as one number: 100-nanosecond ticks since
// 1601-01-01 00:00:00 UTC. Zero means "not set" (BY_HANDLE_FILE_INFORMATION: "not
// supported"; CBFS: "not applicable" or "keep the existing value") and converts to
// the zero time.Time.
//
// Windows accepts values up to MaxFiletime (30828-09-14 02:48:05.4775807 UTC);
// time.Time covers that whole range, so conversions are exact to 100 ns. Larger
// uint64 values still convert to a time.Time but FiletimeFromTime refuses them.
type Filetime uint64

const (
	// TicksPerSecond is the number of Filetime ticks in one second.
	TicksPerSecond = 10_000_000
	// NanosecondsPerTick is the length of one Filetime tick.
	NanosecondsPerTick = 100
	// UnixEpochFiletime is 1970-01-01 00:00:00 UTC as a Filetime
	// (11644473600 s after 1601-01-01).
	UnixEpochFiletime Filetime = 116444736000000000
	// MaxFiletime is the largest FILETIME Windows accepts (the largest int64),
	// 30828-09-14 02:48:05.4775807 UTC.
	MaxFiletime Filetime = 1<<63 - 1

	epochDeltaSeconds = 11644473600 // seconds from 1601-01-01 to 1970-01-01
)

// ErrFiletimeRange is returned (wrapped) for a time that a FILETIME cannot hold.
var ErrFiletimeRange = errors.New("time outside the FILETIME range 1601-01-01T00:00:00Z .. 30828-09-14T02:48:05.4775807Z")

// maxUnixSeconds is the Unix time of MaxFiletime, in whole seconds.
const maxUnixSeconds = int64(MaxFiletime/TicksPerSecond) - epochDeltaSeconds

// TimeUnset reports whether t is a time that is not set: the zero time.Time or
// 1601-01-01 00:00:00 UTC, FILETIME 0. In a SetFileAttributes event it means
// "keep the current value", as in Windows' SetFileTime.
func TimeUnset(t time.Time) bool { return t.IsZero() || t.Equal(filetimeEpoch) }

// filetimeEpoch is FILETIME 0 as a time.Time.
var filetimeEpoch = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)

// FiletimeFromTime converts t to a Filetime, truncating toward the past to a
// multiple of 100 ns. The zero time.Time gives 0 ("not set"). A time before
// 1601-01-01 UTC or after MaxFiletime is an error wrapping ErrFiletimeRange. Note
// that a time in the first 100 ns of 1601-01-01 also gives 0, which reads back as
// "not set".
func FiletimeFromTime(t time.Time) (Filetime, error) {
	if t.IsZero() {
		return 0, nil
	}
	return FiletimeFromTimespec(t.Unix(), int64(t.Nanosecond()))
}

// FiletimeFromTimespec converts a Unix time (seconds and nanoseconds since
// 1970-01-01 UTC, as in struct timespec) to a Filetime, truncating toward the past
// to 100 ns. nsec may lie outside [0, 1e9); it is normalized. The special
// UTIME_NOW and UTIME_OMIT nsec values of utimensat are not recognized. Unlike
// FiletimeFromTime, (0, 0) is the Unix epoch, not "not set".
func FiletimeFromTimespec(sec, nsec int64) (Filetime, error) {
	sec += nsec / 1e9
	nsec %= 1e9
	if nsec < 0 {
		nsec += 1e9
		sec--
	}
	if sec < -epochDeltaSeconds || sec > maxUnixSeconds {
		return 0, fmt.Errorf("attr: %s: %w", time.Unix(sec, nsec).UTC().Format(time.RFC3339Nano), ErrFiletimeRange)
	}
	f := Filetime(sec+epochDeltaSeconds)*TicksPerSecond + Filetime(nsec/NanosecondsPerTick)
	if f > MaxFiletime {
		return 0, fmt.Errorf("attr: %s: %w", time.Unix(sec, nsec).UTC().Format(time.RFC3339Nano), ErrFiletimeRange)
	}
	return f, nil
}

// Time returns f as a time.Time in UTC, exact to the nanosecond. Zero gives the
// zero time.Time.
func (f Filetime) Time() time.Time {
	if f == 0 {
		return time.Time{}
	}
	sec, nsec := f.unix()
	return time.Unix(sec, nsec).UTC()
}

// unix returns f as Unix seconds and nanoseconds (floor division, so times before
// 1970 have nsec in [0, 1e9) too).
func (f Filetime) unix() (sec, nsec int64) {
	return int64(f/TicksPerSecond) - epochDeltaSeconds, int64(f%TicksPerSecond) * NanosecondsPerTick
}

// Timespec returns f as Unix seconds and nanoseconds (nsec in [0, 1e9)), and ok
// false when f is 0 ("not set"; callers setting times typically pass UTIME_OMIT
// then).
func (f Filetime) Timespec() (sec, nsec int64, ok bool) {
	if f == 0 {
		return 0, 0, false
	}
	sec, nsec = f.unix()
	return sec, nsec, true
}

// IsValid reports whether f is within the range Windows accepts (at most
// MaxFiletime). Zero is valid and means "not set".
func (f Filetime) IsValid() bool { return f <= MaxFiletime }

// HighLow splits f into the dwHighDateTime and dwLowDateTime halves of a FILETIME
// struct.
func (f Filetime) HighLow() (high, low uint32) { return SplitUint64(uint64(f)) }

// FiletimeFromHighLow joins the dwHighDateTime and dwLowDateTime halves of a
// FILETIME struct.
func FiletimeFromHighLow(high, low uint32) Filetime { return Filetime(JoinUint64(high, low)) }

// String returns f as RFC 3339 with nanoseconds in UTC, or "0" when not set.
func (f Filetime) String() string {
	if f == 0 {
		return "0"
	}
	return f.Time().Format(RFC3339Nano9)
}

// RFC3339Nano9 is RFC 3339 with exactly nine fractional digits.
const RFC3339Nano9 = "2006-01-02T15:04:05.000000000Z07:00"

// SplitUint64 returns the high and low 32-bit halves of v, as Windows splits file
// sizes, file indexes and FILETIMEs.
func SplitUint64(v uint64) (high, low uint32) { return uint32(v >> 32), uint32(v) }

// JoinUint64 is the inverse of SplitUint64.
func JoinUint64(high, low uint32) uint64 { return uint64(high)<<32 | uint64(low) }
