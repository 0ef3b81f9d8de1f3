package project

import (
	"fmt"

	"github.com/distribution/reference"
)

// ImageResolver rewrites image references the way devenv.yaml's `images:` section asks: whole
// references replaced by overrides first, then Docker Hub references sent to a mirror laid out
// like a pull-through cache (mysql:8.4 → MIRROR/library/mysql:8.4). References to other
// registries are left alone: a Docker Hub mirror cannot serve them.
type ImageResolver struct {
	Mirror    string
	Overrides map[string]string
}

// Resolve returns the reference to pull for ref.
func (r ImageResolver) Resolve(ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if o, ok := r.Overrides[ref]; ok {
		ref = o
	}
	if r.Mirror == "" {
		return ref, nil
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", ref, err)
	}
	if reference.Domain(named) != "docker.io" {
		return ref, nil
	}
	out := r.Mirror + "/" + reference.Path(named)
	if tagged, ok := named.(reference.Tagged); ok {
		out += ":" + tagged.Tag()
	}
	if digested, ok := named.(reference.Digested); ok {
		out += "@" + digested.Digest().String()
	}
	if _, tagged := named.(reference.Tagged); !tagged {
		if _, digested := named.(reference.Digested); !digested {
			out += ":latest"
		}
	}
	return out, nil
}
