package engine

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An engine that is not there must surface as one *UnreachableError that names the address and
// carries a fix, not as a raw dial error.
func TestConnectReportsUnreachableEngine(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "missing.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	t.Setenv("DOCKER_API_VERSION", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := Connect(ctx)
	if err == nil {
		c.Close()
		t.Fatal("Connect succeeded with no engine listening")
	}
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("Connect error is %T (%v), want *UnreachableError", err, err)
	}
	if !strings.Contains(err.Error(), sock) {
		t.Errorf("error %q does not name the socket %s", err, sock)
	}
	if !strings.Contains(unreachable.Hint(), "DOCKER_HOST") {
		t.Errorf("hint %q does not mention DOCKER_HOST", unreachable.Hint())
	}
}

func TestClassifyLeavesOtherErrorsAlone(t *testing.T) {
	other := errors.New("no such container: web")
	if got := classify("unix:///x.sock", other); got != other {
		t.Fatalf("classify changed a non-connection error: %v", got)
	}
	if classify("unix:///x.sock", nil) != nil {
		t.Fatal("classify(nil) != nil")
	}
	wrapped := &UnreachableError{Host: "h", Err: other}
	if got := classify("unix:///x.sock", wrapped); got != wrapped {
		t.Fatalf("classify re-wrapped an UnreachableError: %v", got)
	}
}

func TestLabelledEmpty(t *testing.T) {
	if !(Labelled{}).Empty() {
		t.Error("zero Labelled is not empty")
	}
	if (Labelled{Volumes: []string{"db"}}).Empty() {
		t.Error("Labelled with a volume reports empty")
	}
}
