package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestContextHashFollowsWhatTheBuildSees(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM scratch\n")
	write("main.go", "package main\n")
	write(".dockerignore", "node_modules\n*.log\n")
	write("node_modules/x/index.js", "1")
	hash := func() string {
		t.Helper()
		h, err := ContextHash(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := hash()
	write("node_modules/x/index.js", "2")
	write("debug.log", "noise")
	if hash() != base {
		t.Error("an ignored file changed the hash")
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "main.go"), later, later); err != nil {
		t.Fatal(err)
	}
	if hash() != base {
		t.Error("a modification time alone changed the hash")
	}
	write("main.go", "package main // edited\n")
	if hash() == base {
		t.Error("a source edit did not change the hash")
	}
	edited := hash()
	write("Dockerfile", "FROM scratch\nLABEL x=y\n")
	if hash() == edited {
		t.Error("a Dockerfile edit did not change the hash")
	}
}
