package engine

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/moby/moby/client"
)

// CopyFile is one host file, directory or symlink to put at an absolute path in a container.
type CopyFile struct {
	Host      string
	Container string
}

// CopyToContainer writes files into a running container through the Engine API, as one tar
// streamed to the container's root: it works where a bind mount cannot (a remote engine) and
// needs nothing in the image. Missing parent directories are created; a host file that
// vanished before it could be read is skipped (the next change reports its deletion).
func (c *Client) CopyToContainer(ctx context.Context, id string, files []CopyFile) error {
	pr, pw := io.Pipe()
	go func() { // ends when the tar is written or the request stops reading it
		pw.CloseWithError(writeTar(pw, files))
	}()
	_, err := c.api.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/", Content: pr})
	_ = pr.Close()
	if err != nil {
		return fmt.Errorf("copy into %.12s: %w", id, classify(c.Host(), err))
	}
	return nil
}

func writeTar(w io.Writer, files []CopyFile) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if err := addToTar(tw, f); err != nil {
			return err
		}
	}
	return tw.Close()
}

func addToTar(tw *tar.Writer, f CopyFile) error {
	st, err := os.Lstat(f.Host)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	link := ""
	if st.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(f.Host); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(st, link)
	if err != nil {
		return err
	}
	hdr.Name = strings.TrimPrefix(path.Clean(f.Container), "/")
	if st.IsDir() {
		hdr.Name += "/"
	}
	if !st.Mode().IsRegular() {
		return tw.WriteHeader(hdr)
	}
	file, err := os.Open(f.Host)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer file.Close()
	// The size in the header must be what is written: a file still being written is copied as
	// far as the header says, and its next write is a change of its own.
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.CopyN(tw, file, hdr.Size)
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s shrank while it was copied", f.Host)
	}
	return err
}
