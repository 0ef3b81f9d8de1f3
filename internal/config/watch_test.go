package config

import (
	"strings"
	"testing"
	"time"
)

func TestWatchSettings(t *testing.T) {
	cfg := mustLoad(t, "services:\n  web: {image: x}\nwatch:\n  debounce: 120ms\n  ignore: [tmp, '**/*.gen.go']\n")
	if cfg.Watch.Quiet() != 120*time.Millisecond || len(cfg.Watch.Ignore) != 2 {
		t.Fatalf("watch = %+v", cfg.Watch)
	}
	if cfg := mustLoad(t, "services:\n  web: {image: x}\n", "DEVENV_WATCH_DEBOUNCE=20ms"); cfg.Watch.Quiet() != 20*time.Millisecond {
		t.Fatalf("DEVENV_WATCH_DEBOUNCE: %+v", cfg.Watch)
	}
	if cfg := mustLoad(t, "services:\n  web: {image: x}\n"); cfg.Watch.Quiet() != 0 {
		t.Fatalf("default debounce = %s, want 0 (the watcher's default)", cfg.Watch.Quiet())
	}
	for yaml, want := range map[string]string{
		"watch:\n  debounce: soon\n":   "devenv.yaml:4:3: watch.debounce: debounce \"soon\" is not a duration",
		"watch:\n  debounce: 1m\n":     "watch.debounce: debounce \"1m\" is not a duration between 1ms and 10s",
		"watch:\n  ignore: ['[abc']\n": "watch.ignore[0]: ignore pattern \"[abc\"",
		"watch:\n  ignored: [tmp]\n":   `unknown key "ignored"`,
	} {
		_, err := load(t, "services:\n  web: {image: x}\n"+strings.ReplaceAll(yaml, "devenv.yaml", ""))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v\nwant %q", yaml, err, want)
		}
	}
}
