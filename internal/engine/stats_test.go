package engine

import (
	"math"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
)

func TestStatsOfComputesWhatDockerStatsShows(t *testing.T) {
	var s container.StatsResponse
	s.Read = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.CPUStats.CPUUsage.TotalUsage = 3_000_000_000
	s.PreCPUStats.CPUUsage.TotalUsage = 2_500_000_000
	s.CPUStats.SystemUsage = 12_000_000_000
	s.PreCPUStats.SystemUsage = 10_000_000_000
	s.CPUStats.OnlineCPUs = 2
	s.MemoryStats.Usage = 100 << 20
	s.MemoryStats.Limit = 1 << 30
	s.MemoryStats.Stats = map[string]uint64{"inactive_file": 30 << 20} // cgroup v2
	got := statsOf(s)
	// 0.5 s of CPU over 2 s of both CPUs' time, times 2 CPUs: half a core.
	if math.Abs(got.CPUPercent-50) > 1e-9 || got.MemBytes != 70<<20 || got.MemLimit != 1<<30 || !got.At.Equal(s.Read) {
		t.Fatalf("%+v", got)
	}
	s.MemoryStats.Stats = map[string]uint64{"total_inactive_file": 10 << 20, "inactive_file": 1} // cgroup v1
	if got := statsOf(s); got.MemBytes != 90<<20 {
		t.Fatalf("cgroup v1 memory: %d", got.MemBytes)
	}
	// The first sample of a stream has no previous one: no CPU figure rather than a wrong one.
	s.PreCPUStats = container.CPUStats{}
	s.PreCPUStats.CPUUsage.TotalUsage = 4_000_000_000
	if got := statsOf(s); got.CPUPercent != 0 {
		t.Fatalf("CPU without a previous sample: %v", got.CPUPercent)
	}
}
