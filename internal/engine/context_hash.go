package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher"
)

// LabelContextHash holds, on an image devenv built, the hash of the build context it was built
// from; an image whose hash differs from the context's is stale and rebuilt.
const LabelContextHash = "dev.devenv.context-hash"

// ContextHash hashes what a build of dir would send to the engine: every file .dockerignore
// lets through (the Dockerfile always), by path, mode and content. Modification times are left
// out, so a checkout that rewrites files with the same content does not trigger a rebuild.
func ContextHash(dir, dockerfile string) (string, error) {
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	excludes, err := dockerignore(dir)
	if err != nil {
		return "", err
	}
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Join(dir, ".dockerignore"), err)
	}
	h := sha256.New()
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != filepath.ToSlash(dockerfile) && rel != ".dockerignore" {
			ignored, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return err
			}
			if ignored {
				// A folder can be skipped whole unless a later ! pattern may bring part of it back.
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%o\x00", rel, info.Mode())
		switch {
		case info.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			_, err = io.Copy(h, f)
			f.Close()
			return err
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_, err = io.WriteString(h, target)
			return err
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash build context %s: %w", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
