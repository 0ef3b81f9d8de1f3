package cli

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"
)

// ConfigOptions holds what `devenv config` needs.
type ConfigOptions struct {
	ShowSecrets bool
	JSON        bool
}

// NewCmdConfig builds `devenv config`.
func NewCmdConfig(f *factory, runF func(context.Context, *ConfigOptions) error) *cobra.Command {
	opts := &ConfigOptions{}
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the fully resolved stack as compose YAML (valid input for docker compose -f -)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfig(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ShowSecrets, "show-secrets", false, "print passwords and tokens instead of masking them")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON instead of YAML")
	return cmd
}

func runConfig(ctx context.Context, f *factory, opts *ConfigOptions) error {
	_, p, err := f.Project(ctx)
	if err != nil {
		return err
	}
	if !opts.ShowSecrets {
		p = maskSecrets(p)
	}
	var out []byte
	if opts.JSON {
		out, err = p.MarshalJSON()
	} else {
		out, err = p.MarshalYAML()
	}
	if err != nil {
		return err
	}
	_, err = f.streams.Out.Write(out)
	return err
}

// secretName matches environment variable names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(pass(word)?|secret|token|api_?key|private_?key|credential)`)

const mask = "********"

// maskSecrets hides credentials in environments and in URLs' passwords, so `devenv config` can be
// pasted into an issue.
func maskSecrets(p *types.Project) *types.Project {
	masked, err := p.WithServicesTransform(func(_ string, s types.ServiceConfig) (types.ServiceConfig, error) {
		env := types.MappingWithEquals{}
		for k, v := range s.Environment {
			if v == nil {
				env[k] = nil
				continue
			}
			val := *v
			if secretName.MatchString(k) {
				val = mask
			} else if u, err := url.Parse(val); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					// Replace the text in place: re-encoding the URL would escape the mask.
					userinfo := u.User.String() + "@"
					val = strings.Replace(val, userinfo, url.User(u.User.Username()).String()+":"+mask+"@", 1)
				}
			}
			env[k] = &val
		}
		s.Environment = env
		return s, nil
	})
	if err != nil {
		return p
	}
	return masked
}
