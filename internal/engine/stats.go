package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Stats is one sample of a container's resource use.
type Stats struct {
	At         time.Time
	CPUPercent float64 // of one CPU, as `docker stats` shows it: 200 means two cores busy
	MemBytes   uint64  // resident memory, page cache excluded
	MemLimit   uint64
}

// StreamStats reports a sample of container id's resource use about once a second until the
// container stops or ctx ends. The engine pushes the samples; nothing here polls.
func (c *Client) StreamStats(ctx context.Context, id string, report func(Stats)) error {
	res, err := c.api.ContainerStats(ctx, id, client.ContainerStatsOptions{Stream: true})
	if err != nil {
		return fmt.Errorf("stats of %.12s: %w", id, classify(c.Host(), err))
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var s container.StatsResponse
		if err := dec.Decode(&s); err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("stats of %.12s: %w", id, err)
		}
		if s.Read.IsZero() || s.Read.Year() < 2000 {
			// The engine keeps a stream of a stopped container open, sending empty samples.
			return nil
		}
		report(statsOf(s))
	}
}

// statsOf computes what `docker stats` shows from one sample and the one before it.
func statsOf(s container.StatsResponse) Stats {
	out := Stats{At: s.Read, MemLimit: s.MemoryStats.Limit}
	cpuDelta := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	sysDelta := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	cpus := float64(s.CPUStats.OnlineCPUs)
	if cpus == 0 {
		cpus = float64(len(s.CPUStats.CPUUsage.PercpuUsage))
	}
	if cpuDelta > 0 && sysDelta > 0 {
		out.CPUPercent = cpuDelta / sysDelta * cpus * 100
	}
	// Page cache is reclaimable: cgroup v2 reports it as inactive_file, v1 as total_inactive_file.
	cache := s.MemoryStats.Stats["inactive_file"]
	if v, ok := s.MemoryStats.Stats["total_inactive_file"]; ok {
		cache = v
	}
	if s.MemoryStats.Usage > cache {
		out.MemBytes = s.MemoryStats.Usage - cache
	}
	return out
}

// parseEngineTime reads the engine's RFC 3339 times; its "0001-01-01T00:00:00Z" for "never"
// is the zero time.
func parseEngineTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2 {
		return time.Time{}
	}
	return t
}
