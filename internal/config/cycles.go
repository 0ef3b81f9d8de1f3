package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// cycles reports each cycle of depends_on among services once, as "web → api → web", at the
// depends_on entry of its alphabetically first service.
func (c *checker) cycles() {
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	reported := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		state[name] = onPath
		path = append(path, name)
		for _, dep := range c.cfg.Services[name].DependsOn {
			if c.cfg.Services[dep] == nil {
				continue
			}
			switch state[dep] {
			case unvisited:
				visit(dep)
			case onPath:
				cycle := slices.Clone(path[slices.Index(path, dep):])
				c.reportCycle(cycle, reported)
			}
		}
		path = path[:len(path)-1]
		state[name] = done
	}
	for _, name := range slices.Sorted(maps.Keys(c.cfg.Services)) {
		if c.cfg.Services[name] != nil && state[name] == unvisited {
			visit(name)
		}
	}
}

func (c *checker) reportCycle(cycle []string, reported map[string]bool) {
	start := slices.Index(cycle, slices.Min(cycle))
	cycle = append(cycle[start:], cycle[:start]...)
	id := strings.Join(cycle, " → ")
	if reported[id] {
		return
	}
	reported[id] = true
	next := cycle[0]
	if len(cycle) > 1 {
		next = cycle[1]
	}
	i := slices.Index(c.cfg.Services[cycle[0]].DependsOn, next)
	c.add(fmt.Sprintf("services.%s.depends_on[%d]", cycle[0], i), "dependency cycle: "+id+" → "+cycle[0],
		"remove one of these depends_on entries: services that wait for each other never start")
}
