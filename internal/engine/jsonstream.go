package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"

	"github.com/moby/moby/api/types/jsonstream"
)

// decodeJSONMessages reads the engine's newline-delimited JSON progress stream.
func decodeJSONMessages(ctx context.Context, r io.Reader) iter.Seq2[jsonstream.Message, error] {
	return func(yield func(jsonstream.Message, error) bool) {
		dec := json.NewDecoder(r)
		for {
			if ctx.Err() != nil {
				yield(jsonstream.Message{}, ctx.Err())
				return
			}
			var msg jsonstream.Message
			if err := dec.Decode(&msg); err != nil {
				if !errors.Is(err, io.EOF) {
					yield(msg, err)
				}
				return
			}
			if !yield(msg, nil) {
				return
			}
		}
	}
}
