package fs

import (
	"testing"
	"time"
)

// TestLatencyBucket checks that every duration falls in the bucket whose
// bounds hold it.
func TestLatencyBucket(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 1023, 1024, 1025, 4095, 4096, 4097, time.Millisecond, time.Second,
		16 * time.Second, 17 * time.Second, 20 * time.Second, time.Hour} {
		i := LatencyBucket(d)
		if d >= LatencyBound(i) || i > 0 && d < LatencyBound(i-1) {
			t.Errorf("%v in bucket %d: [%v, %v)", d, i, LatencyBound(i-1), LatencyBound(i))
		}
	}
	if LatencyBound(0) != 1024 || LatencyBound(LatencyBuckets-2) < 16*time.Second {
		t.Errorf("bounds from %v to %v", LatencyBound(0), LatencyBound(LatencyBuckets-2))
	}
}
