package orchestrator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/watch"
)

func TestShellScript(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "it's.txt")
	if err := os.WriteFile(file, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script, ok := shellScript([]watch.SyncFile{
		{Host: file, Container: "/srv/it's.txt"},
		{Host: filepath.Join(dir, "gone"), Container: "/srv/gone", Delete: true},
		{Host: filepath.Join(dir, "vanished"), Container: "/srv/vanished"}, // deleted before the sync: skipped
		{Host: dir, Container: "/", Delete: true},                          // never rm -rf /
	})
	if !ok {
		t.Fatal("a small batch must go through the shell")
	}
	for _, want := range []string{
		"rm -rf -- '/srv/gone' || __rc=1\n",
		`mkdir -p '/srv' && base64 -d > '/srv/it'\''s.txt' <<'__DEVENV_EOF__' || __rc=1` + "\naGVsbG8K\n__DEVENV_EOF__\n",
		`chmod 644 '/srv/it'\''s.txt'`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "vanished") || strings.Contains(script, "-- '/'") {
		t.Errorf("script:\n%s", script)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, shellMaxBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := shellScript([]watch.SyncFile{{Host: big, Container: "/big"}}); ok {
		t.Error("a batch over the size limit must use the archive endpoint")
	}
}
