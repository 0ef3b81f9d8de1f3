package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisRecordKey is the hash in database 0 that maps file name → checksum.
const redisRecordKey = "devenv:fixtures"

// redisPipelineSize is how many commands of a command file go to the server per round trip.
const redisPipelineSize = 1000

type redisApplier struct {
	client *redis.Client
}

// OpenRedis connects to the Redis server at addr (host:port).
func OpenRedis(ctx context.Context, addr string) (Applier, error) {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 1})
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect to redis at %s: %w", addr, err)
	}
	return &redisApplier{client: c}, nil
}

func (a *redisApplier) Close() error { return a.client.Close() }

func (a *redisApplier) Order(files []File) []File { return files }

func (a *redisApplier) Applied(ctx context.Context) (map[string]string, error) {
	m, err := a.client.HGetAll(ctx, redisRecordKey).Result()
	if errors.Is(err, redis.Nil) {
		return map[string]string{}, nil
	}
	return m, err
}

func (a *redisApplier) Reset(ctx context.Context) error {
	return a.client.FlushAll(ctx).Err()
}

func (a *redisApplier) Apply(ctx context.Context, f File) error {
	if strings.HasSuffix(f.Name, ".redis") {
		return a.applyCommands(ctx, f)
	}
	data, err := readFile(f)
	if err != nil {
		return err
	}
	kf, err := parseRedisKeys(f.Shown, data)
	if err != nil {
		return err
	}
	conn := a.client.Conn()
	defer conn.Close()
	// One MULTI/EXEC: each key is replaced whole and the file recorded, or nothing is.
	cmds, err := conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if kf.DB != 0 {
			p.Select(ctx, kf.DB)
		}
		for _, k := range kf.Keys {
			p.Del(ctx, k.Name)
			switch k.Type {
			case "string":
				p.Set(ctx, k.Name, k.String, 0)
			case "hash":
				p.HSet(ctx, k.Name, k.Hash)
			case "list":
				p.RPush(ctx, k.Name, anySlice(k.List)...)
			case "set":
				p.SAdd(ctx, k.Name, anySlice(k.Set)...)
			case "zset":
				members := make([]redis.Z, 0, len(k.ZSet))
				for m, score := range k.ZSet {
					members = append(members, redis.Z{Score: score, Member: m})
				}
				p.ZAdd(ctx, k.Name, members...)
			}
			if k.TTL > 0 {
				p.PExpire(ctx, k.Name, k.TTL)
			}
		}
		if kf.DB != 0 {
			p.Select(ctx, 0)
		}
		p.HSet(ctx, redisRecordKey, f.Name, f.Sum)
		return nil
	})
	if err != nil {
		line := 0
		for _, c := range cmds {
			if c.Err() != nil {
				line = lineOfKey(kf, c.Args())
				break
			}
		}
		return &FileError{File: f.Shown, Line: line, Err: err, Fix: "fix the key, then run devenv seed redis (or devenv up)"}
	}
	return nil
}

// lineOfKey finds the line of the key a failed command was about.
func lineOfKey(kf *redisKeyFile, args []any) int {
	if len(args) < 2 {
		return 0
	}
	name := fmt.Sprint(args[1])
	for _, k := range kf.Keys {
		if k.Name == name {
			return k.Line
		}
	}
	return 0
}

// applyCommands streams a command file to the server, a pipeline of commands at a time. Redis
// has no rollback, so a failed file is not atomic; it is not recorded, and runs again whole next
// time: commands that can run twice (SET, HSET, DEL first) keep that safe.
func (a *redisApplier) applyCommands(ctx context.Context, f File) error {
	file, err := os.Open(f.Path)
	if err != nil {
		return &FileError{File: f.Shown, Err: err}
	}
	defer file.Close()
	conn := a.client.Conn()
	defer conn.Close()
	r := newRedisCommandReader(f.Shown, file)
	var batch []redisCommand
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		cmds, _ := conn.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, c := range batch {
				p.Do(ctx, anySlice(c.Args)...)
			}
			return nil
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for i, c := range cmds {
			if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
				return &FileError{File: f.Shown, Line: batch[i].Line, Statement: excerpt(strings.Join(batch[i].Args, " ")), Err: err,
					Fix: "fix the command, then run devenv seed redis (or devenv up); the commands before it ran (Redis has no rollback) and the file was not recorded, so it runs again whole"}
			}
		}
		batch = batch[:0]
		return nil
	}
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		batch = append(batch, c)
		if len(batch) == redisPipelineSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// A SELECT in the file moved this connection; the record lives in database 0.
	if err := conn.Select(ctx, 0).Err(); err != nil {
		return err
	}
	return conn.HSet(ctx, redisRecordKey, f.Name, f.Sum).Err()
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
