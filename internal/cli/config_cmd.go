package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"
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
	// The project is already interpolated; compose reading this output interpolates again, so a
	// literal $ (a healthcheck's "$MYSQL_PASSWORD", meant for the container's shell) must be
	// written $$ or it would be replaced by the reader's environment.
	if out, err = escapeDollars(out, opts.JSON); err != nil {
		return err
	}
	_, err = f.streams.Out.Write(out)
	return err
}

// escapeDollars doubles every $ in the string values of a YAML (or JSON) document, keeping its
// order and layout.
func escapeDollars(doc []byte, asJSON bool) ([]byte, error) {
	if asJSON {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			return nil, err
		}
		out, err := json.MarshalIndent(escapeValue(v), "", "  ")
		return append(out, '\n'), err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, err
	}
	escapeNode(&root)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func escapeNode(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Value = strings.ReplaceAll(n.Value, "$", "$$")
	}
	for i, c := range n.Content {
		// Mapping keys are names, not values: leave them.
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			continue
		}
		escapeNode(c)
	}
}

func escapeValue(v any) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, "$", "$$")
	case []any:
		for i := range t {
			t[i] = escapeValue(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = escapeValue(t[k])
		}
	}
	return v
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
