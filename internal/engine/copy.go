package engine

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// FileDigests reads a file or folder of a container through the archive endpoint and returns
// what each file in it holds, by absolute container path: "sha256:<hex>" for a regular file,
// "link:<target>" for a symlink (HostDigest gives the same for a host file). The tar streams:
// nothing is kept but the digests. A path the container does not have is an empty map.
func (c *Client) FileDigests(ctx context.Context, id, target string) (map[string]string, error) {
	target = path.Clean(target)
	res, err := c.api.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: target})
	if err != nil {
		if IsNotFound(err) {
			return map[string]string{}, nil
		}
		return nil, fmt.Errorf("read %s of %.12s: %w", target, id, classify(c.Host(), err))
	}
	defer res.Content.Close()
	out := map[string]string{}
	tr := tar.NewReader(res.Content)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s of %.12s: %w", target, id, err)
		}
		// The archive's entries start with the target's own name.
		rel := path.Join(path.Dir(target), hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeReg:
			h := sha256.New()
			if _, err := io.Copy(h, tr); err != nil {
				return nil, fmt.Errorf("read %s of %.12s: %w", rel, id, err)
			}
			out[rel] = "sha256:" + hex.EncodeToString(h.Sum(nil))
		case tar.TypeSymlink:
			out[rel] = "link:" + hdr.Linkname
		}
	}
}

// HostDigest is FileDigests' digest of a host file or symlink; "" for anything else.
func HostDigest(p string) (string, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return "", err
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		link, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		return "link:" + link, nil
	case st.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
	}
	return "", nil
}
