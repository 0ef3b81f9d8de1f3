// Package integration tests the example stack from the outside, as a CI job does: run through
// `devenv test`, which brings the stack up and exports where each service answers.
//
//	devenv test -- go test -C integration -count=1 ./...
package integration

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// url is where devenv test says service answers (API_URL, WEB_URL, ...).
func url(t *testing.T, name string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		t.Fatalf("%s is not set: run these tests through devenv test, which exports it", name)
	}
	return u
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// The backend reaches MySQL, Redis and RabbitMQ with the settings devenv injected.
func TestAPISeesEveryDependency(t *testing.T) {
	code, body := get(t, url(t, "API_URL")+"/health")
	if code != http.StatusOK {
		t.Fatalf("GET /health = %d %s", code, body)
	}
	for _, dep := range []string{"mysql", "redis", "rabbitmq"} {
		if !strings.Contains(body, `"`+dep+`":"up"`) {
			t.Errorf("%s is not up according to the backend: %s", dep, body)
		}
	}
}

// The frontend's dev server serves the page.
func TestWebServesThePage(t *testing.T) {
	code, body := get(t, url(t, "WEB_URL")+"/")
	if code != http.StatusOK || !strings.Contains(body, "<html") {
		t.Fatalf("GET / = %d %s", code, body)
	}
}
