package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// hostGateway is the engine's name for the host's address, in extra_hosts values.
const hostGateway = "host-gateway"

// checkExtraHost validates one extra_hosts entry, "host:ip" or compose's "host=ip". The split is
// at the first separator because IPv6 addresses contain colons.
func checkExtraHost(entry string) error {
	i := strings.IndexAny(entry, ":=")
	if i < 0 {
		return fmt.Errorf("invalid extra host %s: expected host:ip", quote(entry))
	}
	host, addr := entry[:i], entry[i+1:]
	if err := checkHostname(host); err != nil {
		return fmt.Errorf("invalid extra host %s: %w", quote(entry), err)
	}
	if addr == hostGateway {
		return nil
	}
	bare := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if ip, err := netip.ParseAddr(bare); err != nil || ip.Zone() != "" {
		return fmt.Errorf("invalid extra host %s: %s is not an IP address or %s", quote(entry), quote(addr), hostGateway)
	}
	return nil
}

// checkHostname applies RFC 1123: dot-separated labels of letters, digits and hyphens, each
// 1-63 long and not starting or ending with a hyphen, 253 characters in all.
func checkHostname(h string) error {
	if h == "" {
		return fmt.Errorf("the host name is empty")
	}
	if len(h) > 253 {
		return fmt.Errorf("host name is longer than 253 characters")
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("host name %s has an empty label or one longer than 63 characters", quote(h))
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("host name %s has a label that starts or ends with '-'", quote(h))
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("host name %s may contain only letters, digits, '-' and '.'", quote(h))
			}
		}
	}
	return nil
}
