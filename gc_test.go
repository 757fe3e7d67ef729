package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestSoftLimitFollowsLiveHeap: once tuneGC has run, the soft memory limit
// stays gcHeadroom above what the process holds, however much that is (a
// fixed limit lets the rows alone pass it, and the collector then runs
// without pause).
func TestSoftLimitFollowsLiveHeap(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT set: tuneGC leaves the collector to them")
	}
	tuneGC()
	defer debug.SetGCPercent(100)
	const live = 200 << 20 // far above any fixed limit of the past (70 MiB)
	rows := make([]uint64, live/8)
	for i := range rows {
		rows[i] = uint64(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs after the cycle
		limit := debug.SetMemoryLimit(-1)
		if limit >= live+gcHeadroom && limit < math.MaxInt64 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("soft limit %d MiB with %d MiB live, want at least %d MiB", limit>>20, live>>20, (live+gcHeadroom)>>20)
		}
	}
	runtime.KeepAlive(rows)
}
