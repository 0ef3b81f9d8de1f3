package config

import (
	"net/netip"
	"testing"
)

func TestParsePortSpec(t *testing.T) {
	tests := []struct {
		in      string
		want    portSpec
		wantErr string
	}{
		{in: "80", want: portSpec{ctr: portRange{80, 80}, proto: "tcp"}},
		{in: "8080:80", want: portSpec{host: portRange{8080, 8080}, ctr: portRange{80, 80}, proto: "tcp"}},
		{in: "127.0.0.1:8080:80/udp", want: portSpec{hostIP: netip.MustParseAddr("127.0.0.1"), host: portRange{8080, 8080}, ctr: portRange{80, 80}, proto: "udp"}},
		{in: "127.0.0.1::80", want: portSpec{hostIP: netip.MustParseAddr("127.0.0.1"), ctr: portRange{80, 80}, proto: "tcp"}},
		{in: "[::1]:8080:80", want: portSpec{hostIP: netip.MustParseAddr("::1"), host: portRange{8080, 8080}, ctr: portRange{80, 80}, proto: "tcp"}},
		{in: "9000-9002:9000-9002/sctp", want: portSpec{host: portRange{9000, 9002}, ctr: portRange{9000, 9002}, proto: "sctp"}},
		{in: "8000-8010:80", want: portSpec{host: portRange{8000, 8010}, ctr: portRange{80, 80}, proto: "tcp"}},
		{in: "", wantErr: `invalid port "": container port "" is not a number`},
		{in: "80:", wantErr: `invalid port "80:": container port "" is not a number`},
		{in: "+80", wantErr: `invalid port "+80": container port "+80" is not a number`},
		{in: "65536", wantErr: `invalid port "65536": container port 65536 is out of range 1-65535`},
		{in: "99999999999999999999", wantErr: `invalid port "99999999999999999999": container port 99999999999999999999 is out of range 1-65535`},
		{in: "90-80", wantErr: `invalid port "90-80": container port range "90-80" ends before it starts`},
		{in: "[::1:80:80", wantErr: `invalid port "[::1:80:80": expected [IPv6]:HOST_PORT:CONTAINER_PORT`},
		{in: "[::1]:80", wantErr: `invalid port "[::1]:80": too many colons (write an IPv6 host IP in brackets: [::1]:8080:80)`},
		{in: "localhost:80:80", wantErr: `invalid port "localhost:80:80": "localhost" is not an IP address`},
		{in: "80/TCP", wantErr: `invalid port "80/TCP": unknown protocol "TCP" (tcp, udp or sctp)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePortSpec(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parsePortSpec = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestBindingClashes(t *testing.T) {
	lo, all4, all6 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("::")
	b := func(ip netip.Addr, proto string, from, to int) binding {
		return binding{ip: ip, proto: proto, ports: portRange{from, to}}
	}
	tests := []struct {
		name string
		a, b binding
		want bool
	}{
		{"same port and address", b(lo, "tcp", 80, 80), b(lo, "tcp", 80, 80), true},
		{"all addresses", b(all4, "tcp", 80, 80), b(lo, "tcp", 80, 80), true},
		{"all IPv6 addresses", b(lo, "tcp", 80, 80), b(all6, "tcp", 80, 80), true},
		{"overlapping ranges", b(lo, "tcp", 80, 90), b(lo, "tcp", 90, 95), true},
		{"other protocol", b(lo, "tcp", 80, 80), b(lo, "udp", 80, 80), false},
		{"other address", b(lo, "tcp", 80, 80), b(netip.MustParseAddr("127.0.0.2"), "tcp", 80, 80), false},
		{"adjacent ranges", b(lo, "tcp", 80, 89), b(lo, "tcp", 90, 95), false},
	}
	for _, tt := range tests {
		if got := tt.a.clashes(tt.b); got != tt.want {
			t.Errorf("%s: clashes = %v", tt.name, got)
		}
	}
}

func TestCheckExtraHost(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"npm.internal:10.0.0.5", true},
		{"host.docker.internal:host-gateway", true},
		{"a=1.2.3.4", true},
		{"v6:::1", true},
		{"v6:[2001:db8::1]", true},
		{"xn--bcher-kva.example:1.2.3.4", true},
		{"a1-b2:1.2.3.4", true},
		{":1.2.3.4", false},
		{"a:", false},
		{"a:1.2.3", false},
		{"a:Host-Gateway", false},
		{"under_score:1.2.3.4", false},
		{"trailing-.example:1.2.3.4", false},
		{"double..dot:1.2.3.4", false},
		{"ümlaut:1.2.3.4", false},
		{"a:fe80::1%eth0", false},
		{"x" + string(make([]byte, 64)) + ":1.2.3.4", false},
	}
	for _, tt := range tests {
		if err := checkExtraHost(tt.in); (err == nil) != tt.ok {
			t.Errorf("checkExtraHost(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestNormalizeProjectName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"My App", "myapp"},
		{"shop", "shop"},
		{"Shop_API-2", "shop_api-2"},
		{"_-.hidden", "hidden"},
		{"ÜberApp", "berapp"},
		{"---", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		if got := NormalizeProjectName(tt.in); got != tt.want {
			t.Errorf("NormalizeProjectName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"build", "command", "depends_on", "env", "env_file", "ports", "restart", "template"}
	tests := []struct{ in, want string }{
		{"prots", "ports"},
		{"templat", "template"},
		{"dependson", "depends_on"},
		{"envfile", "env_file"},
		{"comand", "command"},
		{"volumes", ""},
		{"x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, keys); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
