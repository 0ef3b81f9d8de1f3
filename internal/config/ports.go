package config

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// portRange is lo-hi inclusive; lo == 0 means not given.
type portRange struct{ lo, hi int }

func (r portRange) size() int { return r.hi - r.lo + 1 }

func (r portRange) String() string {
	if r.lo == r.hi {
		return strconv.Itoa(r.lo)
	}
	return fmt.Sprintf("%d-%d", r.lo, r.hi)
}

// portSpec is one entry of a service's ports in compose's short syntax:
// [HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL].
type portSpec struct {
	hostIP    netip.Addr // the zero Addr when not given
	host, ctr portRange  // host.lo == 0: the engine picks a host port
	proto     string
}

const portSyntax = `use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp|sctp], e.g. "8080:8080" or "127.0.0.1:3000:3000"`

func parsePortSpec(s string) (portSpec, error) {
	p := portSpec{proto: "tcp"}
	rest := s
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		p.proto, rest = rest[i+1:], rest[:i]
		switch p.proto {
		case "tcp", "udp", "sctp":
		default:
			return p, fmt.Errorf("invalid port %s: unknown protocol %s (tcp, udp or sctp)", quote(s), quote(p.proto))
		}
	}
	var ip, host, ctr string
	hasIP := false
	if strings.HasPrefix(rest, "[") { // an IPv6 host IP: [::1]:8080:80
		end := strings.IndexByte(rest, ']')
		if end < 0 || !strings.HasPrefix(rest[end+1:], ":") {
			return p, fmt.Errorf("invalid port %s: expected [IPv6]:HOST_PORT:CONTAINER_PORT", quote(s))
		}
		ip, rest, hasIP = rest[1:end], rest[end+2:], true
	}
	parts := strings.Split(rest, ":")
	switch {
	case len(parts) == 1 && !hasIP:
		ctr = parts[0]
	case len(parts) == 2:
		host, ctr = parts[0], parts[1]
	case len(parts) == 3 && !hasIP:
		ip, host, ctr, hasIP = parts[0], parts[1], parts[2], true
	default:
		return p, fmt.Errorf("invalid port %s: too many colons (write an IPv6 host IP in brackets: [::1]:8080:80)", quote(s))
	}
	if hasIP {
		addr, err := netip.ParseAddr(ip)
		if err != nil || addr.Zone() != "" {
			return p, fmt.Errorf("invalid port %s: %s is not an IP address", quote(s), quote(ip))
		}
		p.hostIP = addr
	}
	var err error
	if p.ctr, err = parsePortRange(s, "container port", ctr); err != nil {
		return p, err
	}
	if host != "" {
		if p.host, err = parsePortRange(s, "host port", host); err != nil {
			return p, err
		}
	}
	// A host range for one container port lets the engine pick a free one; otherwise ranges
	// map one to one.
	if p.host.lo != 0 && p.ctr.size() > 1 && p.host.size() != p.ctr.size() {
		return p, fmt.Errorf("invalid port %s: host range %s and container range %s differ in size", quote(s), p.host, p.ctr)
	}
	return p, nil
}

func parsePortRange(spec, what, s string) (portRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	var r portRange
	var err error
	if r.lo, err = parsePort(spec, what, lo); err != nil {
		return r, err
	}
	if r.hi, err = parsePort(spec, what, hi); err != nil {
		return r, err
	}
	if r.lo > r.hi {
		return r, fmt.Errorf("invalid port %s: %s range %s ends before it starts", quote(spec), what, quote(s))
	}
	return r, nil
}

func parsePort(spec, what, s string) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("invalid port %s: %s %s is not a number", quote(spec), what, quote(s))
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("invalid port %s: %s %s is out of range 1-65535", quote(spec), what, short(s))
	}
	return n, nil
}

// binding is a host port range something publishes, for finding two that clash.
type binding struct {
	key   string // what publishes it: services.api.ports[0], dependencies.mysql.port
	ip    netip.Addr
	proto string
	ports portRange
}

// clashes reports whether a and b cannot both bind: the same protocol, overlapping ports, and
// the same address or one of them listening on all addresses.
func (a binding) clashes(b binding) bool {
	return a.proto == b.proto && a.ports.lo <= b.ports.hi && b.ports.lo <= a.ports.hi &&
		(a.ip == b.ip || a.ip.IsUnspecified() || b.ip.IsUnspecified())
}

// maxBindings bounds the pairwise check for host ports published twice.
const maxBindings = 1000

// depPort is a host port a dependency's settings pin.
type depPort struct {
	key  string
	port int
}

// dependencyPorts are the host ports the file pins for dependencies, in a fixed order.
func (c *checker) dependencyPorts() []depPort {
	var out []depPort
	for _, e := range c.cfg.enabledDependencies() {
		key := "dependencies." + e.kind.Name + "."
		out = append(out, depPort{key + "port", e.dep.Port})
		for _, p := range e.kind.ExtraPorts {
			out = append(out, depPort{key + p.Key, e.dep.ExtraPorts[p.Key]})
		}
	}
	return slices.DeleteFunc(out, func(p depPort) bool { return p.port == 0 })
}

// portClashes reports a host port published twice, at the later of the two. Dependencies'
// default ports do not count: devenv moves a dependency to a free port when its default is
// taken. A port without a host IP counts as 127.0.0.1, where devenv publishes it.
func (c *checker) portClashes() {
	loopback := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	var all []binding
	for _, name := range slices.Sorted(maps.Keys(c.cfg.Services)) {
		for i, p := range c.cfg.Services[name].Ports {
			spec, err := parsePortSpec(p)
			// A host range wider than the container range is "any free one of these".
			if err != nil || spec.host.lo == 0 || spec.host.size() > spec.ctr.size() {
				continue
			}
			ip := spec.hostIP
			if !ip.IsValid() {
				ip = loopback
			}
			all = append(all, binding{fmt.Sprintf("services.%s.ports[%d]", name, i), ip, spec.proto, spec.host})
		}
	}
	for _, p := range c.dependencyPorts() {
		if p.port > 0 && p.port <= 65535 {
			all = append(all, binding{p.key, loopback, "tcp", portRange{p.port, p.port}})
		}
	}
	// Pairwise, which is fine for the dozens of ports a project publishes. A file whose aliases
	// expand to thousands is not a project anyone runs; checking it would only cost time.
	if len(all) > maxBindings {
		return
	}
	// File order, so "already published by" points up the file; variables last.
	slices.SortStableFunc(all, func(a, b binding) int {
		return compareErrors(c.src.errAt(a.key, "", ""), c.src.errAt(b.key, "", ""))
	})
	for j, b := range all {
		for _, a := range all[:j] {
			if a.clashes(b) {
				c.add(b.key, fmt.Sprintf("host port %s is already published by %s", b.ports, c.src.where(a.key)),
					"pick a free host port for one of them")
				break
			}
		}
	}
}
