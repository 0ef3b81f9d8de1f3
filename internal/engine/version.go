package engine

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"
)

// Version describes the engine at the other end and the API version both sides agreed on.
type Version struct {
	Server        string // engine version, e.g. 20.10.24+dfsg1
	ServerAPI     string // highest API version the engine speaks
	NegotiatedAPI string // API version devenv uses with it
	OS, Arch      string
}

// Version asks the engine who it is.
func (c *Client) Version(ctx context.Context) (Version, error) {
	v, err := c.api.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return Version{}, fmt.Errorf("read engine version: %w", classify(c.Host(), err))
	}
	return Version{
		Server:        v.Version,
		ServerAPI:     v.APIVersion,
		NegotiatedAPI: c.api.ClientVersion(),
		OS:            v.Os,
		Arch:          v.Arch,
	}, nil
}
