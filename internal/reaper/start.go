package reaper

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/linuxbin"
)

// Launcher is what starting a reaper needs from the engine.
type Launcher interface {
	Host() string
	Version(ctx context.Context) (engine.Version, error)
	InspectImage(ctx context.Context, ref string) (engine.LocalImage, error)
	BuildImage(ctx context.Context, spec engine.BuildSpec, report func(engine.BuildLine)) (string, error)
	RunContainer(ctx context.Context, spec engine.ContainerSpec) (string, error)
	InspectContainer(ctx context.Context, id string) (engine.ContainerState, error)
	Logs(ctx context.Context, id string, tail int) (string, error)
	RemoveContainer(ctx context.Context, id string) error
	RemoveUnusedImagesLabelled(ctx context.Context, label, keep string) (int, error)
}

// Options say which project to guard and how.
type Options struct {
	Project string
	// Binary is the devenv executable the reaper image is built from; default: this process's.
	Binary string
	// Socket is the engine's unix socket on the engine's host, mounted into the reaper; default:
	// the path of a unix:// engine host.
	Socket string
	Grace  time.Duration // default DefaultGrace
}

// listenPort is where the reaper listens inside its container; the engine publishes it on a
// loopback port of its own choosing, so parallel jobs never compete for one.
const listenPort = 8080

// Handle is devenv's connection to its job's reaper. While it is open the reaper waits; if the
// process holding it dies, the kernel closes the connection and the reaper reaps.
type Handle struct {
	ContainerID string
	Addr        string
	e           Launcher // nil in tests that dial a reaper directly
	conn        net.Conn
	r           *bufio.Reader
}

// NotSupportedError says why no reaper can run with this engine or binary, and what to do.
type NotSupportedError struct{ Reason, Fix string }

func (e *NotSupportedError) Error() string { return "cannot start the reaper: " + e.Reason }

// Hint is the fix the CLI prints.
func (e *NotSupportedError) Hint() string { return e.Fix }

// StartError is a reaper that was created but did not answer.
type StartError struct {
	Socket string
	Err    error
}

func (e *StartError) Error() string { return "start the reaper: " + e.Err.Error() }

func (e *StartError) Unwrap() error { return e.Err }

// Hint is the fix the CLI prints.
func (e *StartError) Hint() string {
	return "the reaper needs the engine's socket at " + e.Socket + " on the engine's host (set DEVENV_REAPER_SOCKET to where it is), " + optOut
}

const optOut = "or run devenv test --no-reaper (a job killed with SIGKILL then leaves its containers behind)"

// Start runs the project's reaper and connects to it. The reaper's image is devenv's own static
// binary on an empty base, so it needs no registry and always speaks this devenv's protocol.
func Start(ctx context.Context, e Launcher, opts Options) (*Handle, error) {
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	bin := opts.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the devenv binary for the reaper: %w", err)
		}
		bin = exe
	}
	v, err := e.Version(ctx)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "linux" || v.OS != "linux" || v.Arch != runtime.GOARCH {
		return nil, &NotSupportedError{
			Reason: fmt.Sprintf("the reaper runs devenv's own binary in a container, and this devenv is %s/%s while the engine runs %s/%s containers", runtime.GOOS, runtime.GOARCH, v.OS, v.Arch),
			Fix:    "run devenv test with a linux/" + v.Arch + " devenv build, " + optOut,
		}
	}
	if err := checkStatic(bin); err != nil {
		return nil, err
	}
	socket := opts.Socket
	if socket == "" {
		path, ok := strings.CutPrefix(e.Host(), "unix://")
		if !ok {
			return nil, &NotSupportedError{
				Reason: "the reaper reaches the engine through its unix socket, and the engine is at " + e.Host(),
				Fix:    "set DEVENV_REAPER_SOCKET to the engine's socket path on the engine's host, " + optOut,
			}
		}
		socket = path
	}
	image, err := ensureImage(ctx, e, bin)
	if err != nil {
		return nil, err
	}
	spec := engine.ContainerSpec{
		Name:  opts.Project + "-reaper",
		Image: image,
		Cmd: []string{"--project", opts.Project, "--self", opts.Project + "-reaper",
			"--grace", opts.Grace.String(), "--listen", ":" + strconv.Itoa(listenPort)},
		Labels: map[string]string{
			engine.LabelProject: opts.Project, engine.LabelComposeProject: opts.Project, engine.LabelReaper: "true",
			// One-off, so up never takes it for an orphaned service container.
			engine.LabelComposeOneoff: "True",
		},
		Ports:  []engine.PortSpec{{ContainerPort: listenPort, HostIP: "127.0.0.1"}},
		Mounts: []engine.MountSpec{{Source: socket, Target: "/var/run/docker.sock"}},
		// Not auto-removed: a reaper that fails keeps its log until Start has read it. It
		// removes itself after reaping; a released one is removed by its client.
	}
	id, err := e.RunContainer(ctx, spec)
	if engine.IsNotFound(err) && id == "" {
		// Another devenv's new reaper image replaced ours between the look and the create.
		if spec.Image, err = ensureImage(ctx, e, bin); err == nil {
			id, err = e.RunContainer(ctx, spec)
		}
	}
	if err != nil {
		if id != "" {
			_ = e.RemoveContainer(context.WithoutCancel(ctx), id)
		}
		return nil, &StartError{Socket: socket, Err: err}
	}
	h, err := connect(ctx, e, id, opts.Project)
	if err != nil {
		logs, _ := e.Logs(context.WithoutCancel(ctx), id, 20)
		_ = e.RemoveContainer(context.WithoutCancel(ctx), id)
		if logs = strings.TrimSpace(logs); logs != "" {
			err = fmt.Errorf("%w\nreaper output:\n%s", err, logs)
		}
		return nil, &StartError{Socket: socket, Err: err}
	}
	return h, nil
}

// connect dials the reaper until it greets: the engine's port proxy accepts connections before
// the process inside listens, so only the banner proves the reaper is there.
func connect(ctx context.Context, e Launcher, id, project string) (*Handle, error) {
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		st, err := e.InspectContainer(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reaper container: %w", err)
		}
		if st.State == engine.StateExited || st.State == engine.StateDead {
			return nil, fmt.Errorf("the reaper exited with code %d", st.ExitCode)
		}
		if port, ok := st.Ports[listenPort]; ok {
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
			h, err := dial(ctx, addr, project)
			if err == nil {
				h.ContainerID, h.e = id, e
				return h, nil
			}
			last = err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("the reaper did not answer within 15s: %v", last)
}

func dial(ctx context.Context, addr, project string) (*Handle, error) {
	// Keep-alive probes end a connection whose other side vanished without a FIN.
	d := net.Dialer{Timeout: 2 * time.Second, KeepAlive: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("read the reaper's greeting: %w", err)
	}
	if got := strings.TrimSpace(line); got != bannerPrefix+project {
		_ = c.Close()
		return nil, fmt.Errorf("%s is not the reaper of project %s (it said %q)", addr, project, got)
	}
	_ = c.SetReadDeadline(time.Time{})
	return &Handle{Addr: addr, conn: c, r: r}, nil
}

// Release tells the reaper the job cleaned up after itself (or keeps its stack on purpose): it
// exits without removing anything, and its container is removed.
func (h *Handle) Release(ctx context.Context) error {
	defer h.conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = h.conn.SetDeadline(dl)
	} else {
		_ = h.conn.SetDeadline(time.Now().Add(10 * time.Second))
	}
	if _, err := io.WriteString(h.conn, releaseLine+"\n"); err != nil {
		return fmt.Errorf("release the reaper: %w", err)
	}
	line, err := h.r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("release the reaper: %w", err)
	}
	if strings.TrimSpace(line) != okLine {
		return fmt.Errorf("release the reaper: it answered %q", strings.TrimSpace(line))
	}
	// The released reaper is exiting; removing it now means that when devenv returns, nothing
	// with the job's label is left.
	if h.e != nil {
		if err := h.e.RemoveContainer(ctx, h.ContainerID); err != nil {
			return fmt.Errorf("remove the released reaper: %w", err)
		}
	}
	return nil
}

// Close drops the connection without releasing: the reaper reaps after its grace period.
func (h *Handle) Close() error { return h.conn.Close() }

// checkStatic refuses a dynamically linked binary: the reaper's image has no C library.
func checkStatic(bin string) error {
	err := linuxbin.CheckStatic(bin)
	switch {
	case errors.Is(err, linuxbin.ErrDynamic):
		return &NotSupportedError{
			Reason: bin + " is dynamically linked, and the reaper's image (FROM scratch) has no C library",
			Fix:    "build devenv with CGO_ENABLED=0 (make build does), " + optOut,
		}
	case err != nil:
		return &NotSupportedError{Reason: err.Error(), Fix: "run a Linux build of devenv, " + optOut}
	}
	return nil
}

// ensureImage builds the reaper image from bin unless the engine has it: tagged by the binary's
// hash, so every devenv build gets its own and a rebuild happens once per devenv version.
func ensureImage(ctx context.Context, e Launcher, bin string) (string, error) {
	f, err := os.Open(bin)
	if err != nil {
		return "", fmt.Errorf("read the devenv binary for the reaper: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read the devenv binary for the reaper: %w", err)
	}
	ref := "devenv-reaper:" + hex.EncodeToString(h.Sum(nil))[:16]
	img, err := e.InspectImage(ctx, ref)
	if err != nil {
		return "", err
	}
	if img.ID != "" {
		return ref, nil
	}
	dir, err := os.MkdirTemp("", "devenv-reaper-")
	if err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := copyFile(bin, filepath.Join(dir, "devenv")); err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	// A fixed time makes the layer the same bytes in every build of one binary: jobs that build
	// it at once on one host share one copy of it on disk.
	epoch := time.Unix(0, 0)
	if err := os.Chtimes(filepath.Join(dir, "devenv"), epoch, epoch); err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	dockerfile := "FROM scratch\nCOPY devenv /devenv\nENTRYPOINT [\"/devenv\", \"reaper\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	if _, err := e.BuildImage(ctx, engine.BuildSpec{Context: dir, Tags: []string{ref}, Labels: map[string]string{engine.LabelReaper: "image"}}, nil); err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	// A new devenv's image replaces those of earlier builds, except any a reaper still runs
	// (the engine refuses to remove those): one image per devenv in use, not one per upgrade.
	_, _ = e.RemoveUnusedImagesLabelled(ctx, engine.LabelReaper+"=image", ref)
	return ref, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
