package project

import "testing"

func TestImageResolver(t *testing.T) {
	mirror := ImageResolver{Mirror: "127.0.0.1:5000", Overrides: map[string]string{"mysql:8.4": "mariadb:11"}}
	tests := []struct {
		r    ImageResolver
		in   string
		want string
	}{
		{ImageResolver{}, "mysql:8.4", "mysql:8.4"},
		{ImageResolver{Mirror: "127.0.0.1:5000"}, "mysql:8.4", "127.0.0.1:5000/library/mysql:8.4"},
		{ImageResolver{Mirror: "127.0.0.1:5000"}, "bitnami/redis:7", "127.0.0.1:5000/bitnami/redis:7"},
		{ImageResolver{Mirror: "127.0.0.1:5000"}, "docker.io/library/redis", "127.0.0.1:5000/library/redis:latest"},
		{ImageResolver{Mirror: "127.0.0.1:5000"}, "ghcr.io/acme/api:1", "ghcr.io/acme/api:1"},
		{ImageResolver{Mirror: "mirror.local:5000"},
			"redis@sha256:0123456789012345678901234567890123456789012345678901234567890123",
			"mirror.local:5000/library/redis@sha256:0123456789012345678901234567890123456789012345678901234567890123"},
		{mirror, "mysql:8.4", "127.0.0.1:5000/library/mariadb:11"},
		{ImageResolver{Overrides: map[string]string{"node:20": "registry.acme/node:20"}}, "node:20", "registry.acme/node:20"},
	}
	for _, tt := range tests {
		got, err := tt.r.Resolve(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%+v.Resolve(%q) = %q, %v; want %q", tt.r, tt.in, got, err, tt.want)
		}
	}
	if _, err := (ImageResolver{Mirror: "m:5000"}).Resolve("UPPER/Case"); err == nil {
		t.Error("invalid reference accepted")
	}
}
