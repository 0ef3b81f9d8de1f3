// Package linuxbin tells whether devenv's own binary can run inside a container: devenv puts
// itself in containers twice, as devenv test's reaper (an image FROM scratch) and as hot
// reload's process supervisor (in any service's image), and neither has a C library to offer.
package linuxbin

import (
	"debug/elf"
	"errors"
	"fmt"
)

// ErrDynamic says a binary needs a dynamic loader and C library.
var ErrDynamic = errors.New("dynamically linked")

// CheckStatic returns nil for a statically linked Linux executable, an error wrapping
// ErrDynamic for a dynamically linked one, and another error for what is no ELF file at all.
func CheckStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is %w; build it with CGO_ENABLED=0", path, ErrDynamic)
		}
	}
	return nil
}
