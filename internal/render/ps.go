package render

import (
	"fmt"

	"github.com/devenv/devenv/internal/engine"
)

// PsRow is one container as `devenv ps --json` (and devenv test's ps.json artifact) lists it;
// its field names are a stable interface.
type PsRow struct {
	Service  string   `json:"service"`
	Name     string   `json:"name"`
	ID       string   `json:"id"`
	Image    string   `json:"image"`
	State    string   `json:"state"`
	Health   string   `json:"health,omitempty"`
	ExitCode *int     `json:"exit_code,omitempty"`
	Status   string   `json:"status"`
	Ports    []string `json:"ports"`
}

// PsRows are cs as `devenv ps --json` lists them.
func PsRows(cs []engine.Container) []PsRow {
	rows := make([]PsRow, 0, len(cs))
	for _, c := range cs {
		r := PsRow{Service: c.Service, Name: c.Name, ID: c.ID, Image: c.Image, State: string(c.State), Health: string(c.Health), Status: c.Status, Ports: portStrings(c.Ports)}
		if c.State == engine.StateExited {
			code := c.ExitCode
			r.ExitCode = &code
		}
		rows = append(rows, r)
	}
	return rows
}

func portStrings(ps []engine.PublishedPort) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s:%d->%d/%s", p.HostIP, p.HostPort, p.ContainerPort, p.Protocol))
	}
	return out
}
