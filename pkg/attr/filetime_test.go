package attr

import (
	"errors"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustParseTime(t *testing.T, s string) time.Time {
	t.Helper()
	// time.Parse reads four-digit years only: parse a later year as 2000 and
	// move it (the dates used are not February 29).
	year := 0
	if i := strings.IndexByte(s, '-'); i > 4 {
		year, _ = strconv.Atoi(s[:i])
		s = "2000" + s[i:]
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	if year != 0 {
		tm = tm.AddDate(year-2000, 0, 0)
	}
	return tm
}

func TestFiletimeKnownValues(t *testing.T) {
	tests := []struct {
		time string
		f    Filetime
	}{
		{"1601-01-01T00:00:00.0000001Z", 1},
		{"1601-01-01T00:00:01Z", TicksPerSecond},
		{"1969-12-31T23:59:59.9999999Z", UnixEpochFiletime - 1},
		{"1970-01-01T00:00:00Z", UnixEpochFiletime},
		{"1970-01-01T00:00:00.0000001Z", UnixEpochFiletime + 1},
		{"2000-01-01T00:00:00Z", 125911584000000000},
		{"2262-04-11T23:47:16.8547758Z", UnixEpochFiletime + (1<<63-1)/100}, // int64 ns limit
		{"30828-09-14T02:48:05.4775807Z", MaxFiletime},
	}
	for _, tc := range tests {
		t.Run(tc.time, func(t *testing.T) {
			tm := mustParseTime(t, tc.time)
			f, err := FiletimeFromTime(tm)
			if err != nil || f != tc.f {
				t.Errorf("FiletimeFromTime(%s) = %d, %v; want %d", tc.time, f, err, tc.f)
			}
			if got := tc.f.Time(); !got.Equal(tm) || got.Location() != time.UTC {
				t.Errorf("Filetime(%d).Time() = %v, want %v", tc.f, got, tm)
			}
			if got := tc.f.String(); got != tm.Format(RFC3339Nano9) {
				t.Errorf("String() = %q", got)
			}
		})
	}
	if UnixEpochFiletime != 116444736000000000 || MaxFiletime != 0x7FFFFFFFFFFFFFFF {
		t.Errorf("UnixEpochFiletime = %d, MaxFiletime = %#x", UnixEpochFiletime, uint64(MaxFiletime))
	}
}

func TestFiletimeZeroAndRange(t *testing.T) {
	if f, err := FiletimeFromTime(time.Time{}); f != 0 || err != nil {
		t.Errorf("zero time = %d, %v", f, err)
	}
	if tm := Filetime(0).Time(); !tm.IsZero() {
		t.Errorf("Filetime(0).Time() = %v", tm)
	}
	if Filetime(0).String() != "0" {
		t.Errorf("Filetime(0).String() = %q", Filetime(0).String())
	}
	bad := []string{
		"1600-12-31T23:59:59.9999999Z",
		"0001-01-01T00:00:00.000000001Z",
		"30828-09-14T02:48:05.4775808Z",
		"99999-01-01T00:00:00Z",
		"-5000-01-01T00:00:00Z",
	}
	for _, s := range bad {
		var tm time.Time
		if s[0] == '-' {
			tm = time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC)
		} else {
			tm = mustParseTime(t, s)
		}
		f, err := FiletimeFromTime(tm)
		if !errors.Is(err, ErrFiletimeRange) || f != 0 {
			t.Errorf("FiletimeFromTime(%s) = %d, %v; want ErrFiletimeRange", s, f, err)
		}
	}
	// Values above MaxFiletime still convert to a time.
	for _, f := range []Filetime{MaxFiletime + 1, 1<<64 - 1} {
		if f.IsValid() {
			t.Errorf("%d.IsValid() = true", f)
		}
		tm := f.Time()
		back := Filetime(uint64(tm.Unix()+epochDeltaSeconds))*TicksPerSecond + Filetime(tm.Nanosecond()/100)
		if back != f {
			t.Errorf("Filetime(%d).Time() = %v, which is %d", uint64(f), tm, back)
		}
	}
	if !Filetime(0).IsValid() || !MaxFiletime.IsValid() {
		t.Error("IsValid wrong at the bounds")
	}
}

func TestFiletimeTruncation(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"1970-01-01T00:00:00.000000199Z", "1970-01-01T00:00:00.0000001Z"},
		{"1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.9999999Z"},
		{"1601-01-01T00:00:00.000000199Z", "1601-01-01T00:00:00.0000001Z"},
		{"2024-02-29T12:34:56.123456789+05:30", "2024-02-29T07:04:56.1234567Z"},
	}
	for _, tc := range tests {
		f, err := FiletimeFromTime(mustParseTime(t, tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Time(); !got.Equal(mustParseTime(t, tc.want)) {
			t.Errorf("%s -> %v, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFiletimeHighLowTimespec(t *testing.T) {
	f := Filetime(0x0123456789ABCDEF)
	if h, l := f.HighLow(); h != 0x01234567 || l != 0x89ABCDEF {
		t.Errorf("HighLow = %#x, %#x", h, l)
	}
	if FiletimeFromHighLow(0x01234567, 0x89ABCDEF) != f {
		t.Errorf("FiletimeFromHighLow wrong")
	}
	if _, _, ok := Filetime(0).Timespec(); ok {
		t.Error("Filetime(0).Timespec() ok")
	}
	tests := []struct {
		sec, nsec int64
		f         Filetime
		wantSec   int64
		wantNsec  int64
	}{
		{0, 0, UnixEpochFiletime, 0, 0},
		{0, 150, UnixEpochFiletime + 1, 0, 100},
		{1, -1, UnixEpochFiletime + TicksPerSecond - 1, 0, 999999900},
		{0, 1500000000, UnixEpochFiletime + 15000000, 1, 500000000},
		{-1, 0, UnixEpochFiletime - TicksPerSecond, -1, 0},
		{-epochDeltaSeconds, 100, 1, -epochDeltaSeconds, 100},
		{1700000000, 123456789, 133444736001234567, 1700000000, 123456700},
	}
	for _, tc := range tests {
		f, err := FiletimeFromTimespec(tc.sec, tc.nsec)
		if err != nil || f != tc.f {
			t.Errorf("FiletimeFromTimespec(%d, %d) = %d, %v; want %d", tc.sec, tc.nsec, f, err, tc.f)
		}
		sec, nsec, ok := f.Timespec()
		if !ok || sec != tc.wantSec || nsec != tc.wantNsec {
			t.Errorf("Filetime(%d).Timespec() = %d, %d, %v; want %d, %d", f, sec, nsec, ok, tc.wantSec, tc.wantNsec)
		}
	}
	for _, ts := range [][2]int64{{-epochDeltaSeconds - 1, 999999999}, {maxUnixSeconds + 1, 0}, {1<<63 - 1, 1e9}, {-1 << 63, -1}} {
		if _, err := FiletimeFromTimespec(ts[0], ts[1]); !errors.Is(err, ErrFiletimeRange) {
			t.Errorf("FiletimeFromTimespec(%d, %d) error = %v", ts[0], ts[1], err)
		}
	}
	if JoinUint64(SplitUint64(0xFEDCBA9876543210)) != 0xFEDCBA9876543210 {
		t.Error("SplitUint64/JoinUint64")
	}
}

func checkFiletimeRoundTrip(t *testing.T, f Filetime) {
	t.Helper()
	if f == 0 || f > MaxFiletime {
		return
	}
	tm := f.Time()
	back, err := FiletimeFromTime(tm)
	if err != nil || back != f {
		t.Fatalf("FiletimeFromTime(Filetime(%d).Time() = %v) = %d, %v", f, tm, back, err)
	}
	back, err = FiletimeFromTime(tm.In(time.FixedZone("x", -11*3600)))
	if err != nil || back != f {
		t.Fatalf("zone changed the result for %d", f)
	}
	sec, nsec, _ := f.Timespec()
	if back, err := FiletimeFromTimespec(sec, nsec); err != nil || back != f {
		t.Fatalf("Timespec round trip of %d: %d, %v", f, back, err)
	}
	if h, l := f.HighLow(); FiletimeFromHighLow(h, l) != f {
		t.Fatalf("HighLow round trip of %d", f)
	}
	// Any time in the same 100 ns tick maps to f.
	if back, _ := FiletimeFromTime(tm.Add(99)); back != f {
		t.Fatalf("%v + 99ns -> %d, want %d", tm, back, f)
	}
}

func TestFiletimeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 100000; i++ {
		checkFiletimeRoundTrip(t, Filetime(rng.Uint64()>>1))
		checkFiletimeRoundTrip(t, Filetime(rng.Uint64()>>(1+rng.Intn(63))))
	}
	for _, f := range []Filetime{1, 2, UnixEpochFiletime - 1, UnixEpochFiletime, MaxFiletime, MaxFiletime - 1} {
		checkFiletimeRoundTrip(t, f)
	}
}

func FuzzRoundTripFiletime(f *testing.F) {
	f.Add(uint64(1), int64(0), int64(0))
	f.Add(uint64(MaxFiletime), int64(-epochDeltaSeconds), int64(-1))
	f.Fuzz(func(t *testing.T, ft uint64, sec, nsec int64) {
		checkFiletimeRoundTrip(t, Filetime(ft))
		// Any time converts or fails with ErrFiletimeRange; success reads back
		// within one tick, below.
		tm := time.Unix(sec, nsec)
		got, err := FiletimeFromTime(tm)
		if err != nil {
			if !errors.Is(err, ErrFiletimeRange) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if got == 0 {
			return // the 1601 sentinel tick
		}
		back := got.Time()
		if back.After(tm) || tm.Sub(back) >= 100 {
			t.Fatalf("%v -> %d -> %v", tm, got, back)
		}
	})
}

func TestTimeUnset(t *testing.T) {
	epoch := time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		t    time.Time
		want bool
	}{
		{"zero", time.Time{}, true},
		{"FILETIME 0", epoch, true},
		{"FILETIME 0 in another zone", epoch.In(time.FixedZone("X", 3600)), true},
		{"FILETIME 1", epoch.Add(100 * time.Nanosecond), false},
		{"Unix epoch", time.Unix(0, 0), false},
		{"now", time.Now(), false},
	} {
		if got := TimeUnset(tt.t); got != tt.want {
			t.Errorf("%s: TimeUnset(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
	}
}
