package cli

import (
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func TestMaskSecrets(t *testing.T) {
	str := func(s string) *string { return &s }
	p := &types.Project{Name: "shop", Services: types.Services{"api": {Name: "api", ContainerSpec: types.ContainerSpec{
		Environment: types.MappingWithEquals{
			"MYSQL_PASSWORD": str("hunter2"),
			"API_TOKEN":      str("t0k3n"),
			"DATABASE_URL":   str("mysql://app:hunter2@mysql:3306/app"),
			"REDIS_URL":      str("redis://redis:6379/0"),
			"MYSQL_USER":     str("app"),
			"UNSET":          nil,
		}}}}}
	got := maskSecrets(p).Services["api"].Environment
	want := map[string]string{
		"MYSQL_PASSWORD": mask,
		"API_TOKEN":      mask,
		"DATABASE_URL":   "mysql://app:" + mask + "@mysql:3306/app",
		"REDIS_URL":      "redis://redis:6379/0",
		"MYSQL_USER":     "app",
	}
	for k, v := range want {
		if got[k] == nil || *got[k] != v {
			t.Errorf("%s = %v, want %q", k, got[k], v)
		}
	}
	if got["UNSET"] != nil {
		t.Error("an unset variable got a value")
	}
	if v := p.Services["api"].Environment["MYSQL_PASSWORD"]; *v != "hunter2" {
		t.Error("masking changed the project it was given")
	}
	out, _ := maskSecrets(p).MarshalYAML()
	if strings.Contains(string(out), "hunter2") || strings.Contains(string(out), "t0k3n") {
		t.Errorf("secret in output:\n%s", out)
	}
}
