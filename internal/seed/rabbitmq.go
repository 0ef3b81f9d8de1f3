package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	yaml "go.yaml.in/yaml/v3"
)

// rabbitRecordParameter is the global runtime parameter holding file name → checksum. Runtime
// parameters live in the broker's own database, in its data volume.
const rabbitRecordParameter = "devenv_fixtures"

// RabbitMQServer is a RabbitMQ broker to seed, as a client on the host reaches it.
type RabbitMQServer struct {
	Addr           string // host:port of AMQP
	HTTPAddr       string // host:port of the management API; "" when it is not published
	User, Password string
	VHost          string // the dependency's own vhost; "" is /
}

type rabbitApplier struct {
	t      RabbitMQServer
	http   *http.Client
	amqp   *amqp.Connection
	record map[string]string
}

// OpenRabbitMQ checks that the management API of t answers; AMQP is dialled when a messages
// file needs it.
func OpenRabbitMQ(ctx context.Context, t RabbitMQServer) (Applier, error) {
	a := &rabbitApplier{t: t, http: &http.Client{Timeout: 30 * time.Second}}
	if t.HTTPAddr == "" {
		return nil, errors.New("rabbitmq publishes no management API port: fixtures need the management plugin (version: 3-management)")
	}
	var overview struct {
		Version string `json:"rabbitmq_version"`
	}
	if err := a.call(ctx, http.MethodGet, "/api/overview", nil, &overview); err != nil {
		return nil, fmt.Errorf("reach rabbitmq's management API at %s: %w (fixtures need the management plugin: use a -management image, e.g. version: 3-management)", t.HTTPAddr, err)
	}
	return a, nil
}

func (a *rabbitApplier) Close() error {
	if a.amqp != nil {
		return a.amqp.Close()
	}
	return nil
}

// httpError is an answer of the management API other than 2xx.
type httpError struct {
	Status int
	Reason string
}

func (e *httpError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("management API: %d %s: %s", e.Status, http.StatusText(e.Status), e.Reason)
	}
	return fmt.Sprintf("management API: %d %s", e.Status, http.StatusText(e.Status))
}

func (a *rabbitApplier) call(ctx context.Context, method, path string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+a.t.HTTPAddr+path, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(a.t.User, a.t.Password)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var answer struct {
			Reason string `json:"reason"`
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(data, &answer) != nil {
			answer.Reason = strings.TrimSpace(string(data))
		}
		return &httpError{Status: resp.StatusCode, Reason: answer.Reason}
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func vhostPath(v string) string { return url.PathEscape(v) }

func (a *rabbitApplier) Applied(ctx context.Context) (map[string]string, error) {
	var p struct {
		Value map[string]string `json:"value"`
	}
	err := a.call(ctx, http.MethodGet, "/api/global-parameters/"+rabbitRecordParameter, nil, &p)
	var he *httpError
	if errors.As(err, &he) && he.Status == http.StatusNotFound {
		a.record = map[string]string{}
		return a.record, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Value == nil {
		p.Value = map[string]string{}
	}
	a.record = p.Value
	return a.record, nil
}

func (a *rabbitApplier) saveRecord(ctx context.Context) error {
	body, err := json.Marshal(map[string]any{"name": rabbitRecordParameter, "value": a.record})
	if err != nil {
		return err
	}
	return a.call(ctx, http.MethodPut, "/api/global-parameters/"+rabbitRecordParameter, bytes.NewReader(body), nil)
}

// Reset deletes every vhost, with its exchanges, queues, bindings, policies and messages, and
// recreates the dependency's own vhost for its user.
func (a *rabbitApplier) Reset(ctx context.Context) error {
	var vhosts []struct {
		Name string `json:"name"`
	}
	if err := a.call(ctx, http.MethodGet, "/api/vhosts", nil, &vhosts); err != nil {
		return err
	}
	for _, v := range vhosts {
		if err := a.call(ctx, http.MethodDelete, "/api/vhosts/"+vhostPath(v.Name), nil, nil); err != nil {
			return fmt.Errorf("delete vhost %s: %w", v.Name, err)
		}
	}
	vhost := a.vhost()
	if err := a.call(ctx, http.MethodPut, "/api/vhosts/"+vhostPath(vhost), nil, nil); err != nil {
		return fmt.Errorf("create vhost %s: %w", vhost, err)
	}
	perms, _ := json.Marshal(map[string]string{"configure": ".*", "write": ".*", "read": ".*"})
	if err := a.call(ctx, http.MethodPut, "/api/permissions/"+vhostPath(vhost)+"/"+url.PathEscape(a.t.User), bytes.NewReader(perms), nil); err != nil {
		return fmt.Errorf("give %s its rights on vhost %s: %w", a.t.User, vhost, err)
	}
	err := a.call(ctx, http.MethodDelete, "/api/global-parameters/"+rabbitRecordParameter, nil, nil)
	var he *httpError
	if errors.As(err, &he) && he.Status == http.StatusNotFound {
		err = nil
	}
	return err
}

func (a *rabbitApplier) vhost() string {
	if a.t.VHost == "" {
		return "/"
	}
	return a.t.VHost
}

// Order applies definitions before messages, so a messages file can publish to what a
// definitions file declares whatever their names.
func (a *rabbitApplier) Order(files []File) []File {
	out := slices.Clone(files)
	slices.SortStableFunc(out, func(x, y File) int {
		return boolRank(!strings.HasSuffix(x.Name, ".json")) - boolRank(!strings.HasSuffix(y.Name, ".json"))
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (a *rabbitApplier) Apply(ctx context.Context, f File) error {
	data, err := readFile(f)
	if err != nil {
		return err
	}
	if strings.HasSuffix(f.Name, ".json") {
		err = a.applyDefinitions(ctx, f, data)
	} else {
		err = a.publish(ctx, f, data)
	}
	if err != nil {
		return err
	}
	a.record[f.Name] = f.Sum
	if err := a.saveRecord(ctx); err != nil {
		delete(a.record, f.Name)
		return fmt.Errorf("record %s as applied: %w", f.Shown, err)
	}
	return nil
}

// definitionObjects are the parts of a definitions file that belong to a vhost; one written for
// a single vhost (a per-vhost export) may leave "vhost" out, and gets the dependency's.
var definitionObjects = []string{"queues", "exchanges", "bindings", "policies", "parameters", "permissions", "topic_permissions"}

// applyDefinitions imports a management-plugin definitions file through POST /api/definitions,
// the broker's own import: vhosts, users, permissions, exchanges, queues, bindings, policies.
// What exists already is kept, what the file declares is added, so the import can run again.
func (a *rabbitApplier) applyDefinitions(ctx context.Context, f File, data []byte) error {
	var defs map[string]any
	if err := json.Unmarshal(data, &defs); err != nil {
		return &FileError{File: f.Shown, Line: jsonErrorLine(data, err), Err: err, Fix: "fix the JSON: a definitions file is what rabbitmqctl export_definitions or the management UI's export writes"}
	}
	for _, key := range definitionObjects {
		list, ok := defs[key].([]any)
		if !ok {
			continue
		}
		for _, item := range list {
			if obj, ok := item.(map[string]any); ok {
				if _, has := obj["vhost"]; !has {
					obj["vhost"] = a.vhost()
				}
			}
		}
	}
	body, err := json.Marshal(defs)
	if err != nil {
		return err
	}
	if err := a.call(ctx, http.MethodPost, "/api/definitions", bytes.NewReader(body), nil); err != nil {
		return &FileError{File: f.Shown, Err: err, Fix: "fix the definition RabbitMQ names above, then run devenv seed rabbitmq (or devenv up)"}
	}
	return nil
}

// jsonErrorLine turns a decoding error's byte offset into a line number.
func jsonErrorLine(data []byte, err error) int {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// rabbitMessage is one message of a messages file.
type rabbitMessage struct {
	Line        int
	VHost       string
	Exchange    string
	RoutingKey  string
	Body        []byte
	ContentType string
	Headers     amqp.Table
	Persistent  bool
}

// parseRabbitMessages reads a messages file:
//
//	messages:
//	  - exchange: events          # omitted or "": the default exchange (routing_key = queue)
//	    routing_key: job.created
//	    body: "text"              # or json: {any: value}, sent as application/json
//	    headers: {source: fixtures}
//	    content_type: text/plain
//	    persistent: true          # the default
//	    vhost: /                  # the default: the dependency's vhost
func parseRabbitMessages(shown string, data []byte, defaultVHost string) ([]rabbitMessage, error) {
	var doc struct {
		Messages []yaml.Node `yaml:"messages"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &FileError{File: shown, Err: err, Fix: "fix the YAML syntax; a messages file is messages: [{exchange, routing_key, body}]"}
	}
	var out []rabbitMessage
	for i := range doc.Messages {
		n := &doc.Messages[i]
		var m struct {
			VHost       *string           `yaml:"vhost"`
			Exchange    string            `yaml:"exchange"`
			RoutingKey  string            `yaml:"routing_key"`
			Body        *string           `yaml:"body"`
			JSON        any               `yaml:"json"`
			ContentType string            `yaml:"content_type"`
			Headers     map[string]string `yaml:"headers"`
			Persistent  *bool             `yaml:"persistent"`
		}
		if err := n.Decode(&m); err != nil {
			return nil, &FileError{File: shown, Line: n.Line, Err: fmt.Errorf("message %d: %w", i+1, err), Fix: "see docs/fixtures.md for the messages format"}
		}
		if err := checkKnownFields(n, "vhost", "exchange", "routing_key", "body", "json", "content_type", "headers", "persistent"); err != nil {
			return nil, &FileError{File: shown, Line: err.line, Err: fmt.Errorf("message %d: %s", i+1, err.msg), Fix: "see docs/fixtures.md for the messages format"}
		}
		msg := rabbitMessage{Line: n.Line, VHost: defaultVHost, Exchange: m.Exchange, RoutingKey: m.RoutingKey, ContentType: m.ContentType, Persistent: true}
		if m.VHost != nil {
			msg.VHost = *m.VHost
		}
		if m.Persistent != nil {
			msg.Persistent = *m.Persistent
		}
		switch {
		case m.Body != nil && m.JSON != nil:
			return nil, &FileError{File: shown, Line: n.Line, Err: fmt.Errorf("message %d has both body and json", i+1), Fix: "keep one of them"}
		case m.JSON != nil:
			body, err := json.Marshal(m.JSON)
			if err != nil {
				return nil, &FileError{File: shown, Line: n.Line, Err: fmt.Errorf("message %d: json: %w", i+1, err), Fix: "use string keys in json objects"}
			}
			msg.Body = body
			if msg.ContentType == "" {
				msg.ContentType = "application/json"
			}
		case m.Body != nil:
			msg.Body = []byte(*m.Body)
		default:
			return nil, &FileError{File: shown, Line: n.Line, Err: fmt.Errorf("message %d has no body", i+1), Fix: "give it body: TEXT or json: VALUE"}
		}
		if msg.Exchange == "" && msg.RoutingKey == "" {
			return nil, &FileError{File: shown, Line: n.Line, Err: fmt.Errorf("message %d has no exchange and no routing_key", i+1),
				Fix: "name an exchange and routing_key, or routing_key: QUEUE alone for the default exchange"}
		}
		if len(m.Headers) > 0 {
			msg.Headers = amqp.Table{}
			for k, v := range m.Headers {
				msg.Headers[k] = v
			}
		}
		out = append(out, msg)
	}
	return out, nil
}

type fieldError struct {
	line int
	msg  string
}

func checkKnownFields(n *yaml.Node, known ...string) *fieldError {
	if n.Kind != yaml.MappingNode {
		return &fieldError{n.Line, "a message is a mapping"}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(known, k.Value) {
			return &fieldError{k.Line, fmt.Sprintf("unknown entry %q (known: %s)", k.Value, strings.Join(known, ", "))}
		}
	}
	return nil
}

// publish sends a messages file's messages with publisher confirms and the mandatory flag: a
// message is only counted when the broker has taken it, and one that no queue would receive
// is an error instead of silently dropped.
func (a *rabbitApplier) publish(ctx context.Context, f File, data []byte) error {
	msgs, err := parseRabbitMessages(f.Shown, data, a.vhost())
	if err != nil {
		return err
	}
	type vhostChannel struct {
		ch      *amqp.Channel
		returns chan amqp.Return
		closed  chan *amqp.Error
	}
	channels := map[string]*vhostChannel{}
	conns := map[string]*amqp.Connection{}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i, m := range msgs {
		vc, ok := channels[m.VHost]
		if !ok {
			u := url.URL{Scheme: "amqp", User: url.UserPassword(a.t.User, a.t.Password), Host: a.t.Addr, Path: "/"}
			conn, err := amqp.DialConfig(u.String(), amqp.Config{Vhost: m.VHost, Dial: amqp.DefaultDial(10 * time.Second)})
			if err != nil {
				return &FileError{File: f.Shown, Line: m.Line, Err: fmt.Errorf("connect to vhost %s: %w", m.VHost, err), Fix: "declare the vhost in a definitions file, or use the dependency's vhost"}
			}
			conns[m.VHost] = conn
			ch, err := conn.Channel()
			if err != nil {
				return err
			}
			if err := ch.Confirm(false); err != nil {
				return err
			}
			// One listener each, buffered: the library blocks on a full listener.
			vc = &vhostChannel{ch: ch, returns: ch.NotifyReturn(make(chan amqp.Return, len(msgs))), closed: ch.NotifyClose(make(chan *amqp.Error, 1))}
			channels[m.VHost] = vc
		}
		ch, returns := vc.ch, vc.returns
		refused := func(err error) error {
			select {
			case cerr, ok := <-vc.closed:
				if ok && cerr != nil {
					err = cerr
				}
			case <-time.After(100 * time.Millisecond):
			}
			return &FileError{File: f.Shown, Line: m.Line, Err: fmt.Errorf("message %d: %w", i+1, err), Fix: "check that the exchange exists (declare it in a definitions file)"}
		}
		mode := amqp.Transient
		if m.Persistent {
			mode = amqp.Persistent
		}
		conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, m.Exchange, m.RoutingKey, true, false, amqp.Publishing{
			Body: m.Body, ContentType: m.ContentType, Headers: m.Headers, DeliveryMode: mode, Timestamp: time.Now(),
		})
		if err != nil {
			return refused(err)
		}
		acked, err := conf.WaitContext(ctx)
		if err != nil || !acked {
			if err == nil {
				err = errors.New("the broker did not take the message")
			}
			return refused(err)
		}
		// The broker sends a return before the confirm of the same message.
		select {
		case r, ok := <-returns:
			if ok {
				return &FileError{File: f.Shown, Line: m.Line,
					Err: fmt.Errorf("message %d was not routed to any queue (exchange %q, routing key %q): %s", i+1, m.Exchange, m.RoutingKey, r.ReplyText),
					Fix: "bind a queue for it in a definitions file, or fix the exchange or routing key"}
			}
		default:
		}
	}
	return nil
}
