package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docs/dashboard.md documents every key the help lists.
func TestDocsListEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "dashboard.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs := string(data)
	for _, k := range keyHelp() {
		for _, key := range strings.FieldsFunc(k.keys, func(r rune) bool { return r == ' ' || r == '/' && k.keys != "/" }) {
			if !strings.Contains(docs, "`"+key+"`") {
				t.Errorf("docs/dashboard.md does not document the key %q (%s)", key, k.what)
			}
		}
	}
}
