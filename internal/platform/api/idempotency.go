package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// IdempotencyKeyHeader is the request header that makes a write safe to retry.
const IdempotencyKeyHeader = "Idempotency-Key"

// ReplayedHeader is set to "true" on a response replayed for a repeated key.
const ReplayedHeader = "Idempotent-Replayed"

// MaxIdempotencyKeyLen is the longest Idempotency-Key accepted.
const MaxIdempotencyKeyLen = 255

// MinIdempotencyTTL is the shortest time a finished key is kept.
const MinIdempotencyTTL = 24 * time.Hour

// replayedHeaders are the response headers stored with a result and replayed.
var replayedHeaders = []string{"Content-Type", "Content-Language", "Location", "ETag", "Last-Modified"}

//go:embed migrations
var migrations embed.FS

// Migrate creates the API's tables (module "api") in the platform unit's database.
func Migrate(ctx context.Context, d *db.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return d.Migrate(ctx, "api", sub)
}

// IdempotencyOptions configure an Idempotency store.
type IdempotencyOptions struct {
	// TTL is how long a finished key is kept; at least MinIdempotencyTTL, the default.
	TTL time.Duration
	// Lease is how long a key stays claimed by a request that never finished
	// (its process died); afterwards the key may be used again. Default 10 minutes.
	Lease time.Duration
	// Now returns the current time; time.Now if nil.
	Now func() time.Time
	// Logger receives storage errors; slog.Default() if nil.
	Logger *slog.Logger
}

// Idempotency remembers the result of each write sent with an Idempotency-Key,
// per principal, in the platform unit's table api_idempotency. Repeating the
// request returns the stored status and body instead of running it again.
type Idempotency struct {
	d       *db.DB
	ttl     time.Duration
	lease   time.Duration
	now     func() time.Time
	log     *slog.Logger
	maxBody int64
}

// NewIdempotency returns a store on the platform unit's database, which
// Migrate must have prepared.
func NewIdempotency(d *db.DB, opts IdempotencyOptions) *Idempotency {
	s := &Idempotency{d: d, ttl: max(opts.TTL, MinIdempotencyTTL), lease: opts.Lease, now: opts.Now, log: opts.Logger, maxBody: DefaultMaxBodyBytes}
	if s.lease <= 0 {
		s.lease = 10 * time.Minute
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Purge deletes expired keys and returns how many it deleted; the server calls it periodically.
func (s *Idempotency) Purge(ctx context.Context) (int64, error) {
	n, err := s.d.ExecAffected(ctx, `DELETE FROM api_idempotency WHERE expires_at <= $1`, db.Millis(s.now()))
	if err != nil {
		return 0, fmt.Errorf("api: purge idempotency keys: %w", err)
	}
	return n, nil
}

// Wrap returns next with Idempotency-Key handling for writes (POST, PUT,
// PATCH, DELETE) of signed-in callers:
//
//   - a new key runs the request and stores its response, unless the
//     operation's handler never ran (the request was refused before it) or
//     the response is a 5xx: then the key is released for a retry;
//   - the same key, principal, method, path and body again returns the
//     stored response with Idempotent-Replayed: true;
//   - the same key with another method, path or body gets 422;
//   - the same key while the first request still runs gets 409.
//
// Requests without the header, reads and anonymous requests pass through.
// New wraps the API with it when Options.Idempotency is set, with the API's
// body limit; used alone, bodies are limited to DefaultMaxBodyBytes.
func (s *Idempotency) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := r.Header.Values(IdempotencyKeyHeader)
		if !isWrite(r.Method) || len(keys) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if len(keys) > 1 || !plainToken(keys[0], MaxIdempotencyKeyLen) {
			s.refuse(w, r, http.StatusBadRequest, "api.idempotency.key_invalid",
				fmt.Sprintf("Send one Idempotency-Key of 1 to %d visible ASCII characters", MaxIdempotencyKeyLen))
			return
		}
		owner := principalID(authz.FromContext(r.Context()))
		if owner == "" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
		if err != nil {
			writeProblem(w, r, newProblem(http.StatusBadRequest), s.log)
			return
		}
		if int64(len(body)) > s.maxBody {
			p := newProblem(http.StatusRequestEntityTooLarge)
			p.params = map[string]any{"Limit": s.maxBody}
			writeProblem(w, r, p, s.log)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(body)
		req := request{owner: owner, key: keys[0], target: r.Method + " " + r.URL.RequestURI(), hash: hex.EncodeToString(sum[:])}

		c, err := s.claim(r.Context(), req)
		if err != nil {
			writeProblem(w, r, internalProblem(err), s.log)
			return
		}
		switch c.outcome {
		case outcomeMismatch:
			s.refuse(w, r, http.StatusUnprocessableEntity, "api.idempotency.key_reused",
				"This Idempotency-Key was used for a different request; use a new key")
			return
		case outcomeBusy:
			w.Header().Set("Retry-After", "1")
			s.refuse(w, r, http.StatusConflict, "api.idempotency.in_progress",
				"A request with this Idempotency-Key is still running; retry later")
			return
		case outcomeReplay:
			h := w.Header()
			maps.Copy(h, c.headers)
			h.Set(ReplayedHeader, "true")
			w.WriteHeader(c.status)
			_, _ = w.Write(c.body)
			return
		}
		s.run(w, r, next, req, c.attempt)
	})
}

// run serves a claimed request and stores or releases its key.
func (s *Idempotency) run(w http.ResponseWriter, r *http.Request, next http.Handler, req request, attemptID string) {
	ctx := context.WithoutCancel(r.Context())
	at := &attempt{}
	rec := &recorder{ResponseWriter: w}
	finished := false
	defer func() {
		if !finished { // the handler panicked
			s.release(ctx, req, attemptID)
		}
	}()
	next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), attemptKey{}, at)))
	finished = true
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	if !at.ran.Load() || status >= 500 {
		s.release(ctx, req, attemptID)
		return
	}
	headers, _ := json.Marshal(rec.header)
	now := s.now()
	_, err := s.d.Exec(ctx, `UPDATE api_idempotency
		SET state = 'done', status = $1, headers = $2, body = $3, expires_at = $4
		WHERE principal_id = $5 AND idempotency_key = $6 AND attempt_id = $7`,
		status, string(headers), append([]byte{}, rec.body.Bytes()...), db.Millis(now.Add(s.ttl)), req.owner, req.key, attemptID)
	if err != nil {
		s.log.ErrorContext(ctx, "api: store idempotent response", "request_id", RequestID(ctx), "err", err)
		s.release(ctx, req, attemptID)
	}
}

// refuse sends a problem about the Idempotency-Key header.
func (s *Idempotency) refuse(w http.ResponseWriter, r *http.Request, status int, key, msg string) {
	p := newProblem(status)
	p.Errors = []*FieldProblem{{Location: "header." + IdempotencyKeyHeader, Field: IdempotencyKeyHeader, Key: key, Message: msg}}
	writeProblem(w, r, p, s.log)
}

type request struct {
	owner, key, target, hash string
}

type outcome int

const (
	outcomeClaimed outcome = iota
	outcomeReplay
	outcomeMismatch
	outcomeBusy
)

type claimed struct {
	outcome outcome
	attempt string
	status  int
	headers http.Header
	body    []byte
}

// claim takes the key for req, or says why not: stored result, another
// request's key, or a request still running.
func (s *Idempotency) claim(ctx context.Context, req request) (claimed, error) {
	// A key released between our insert and our read makes the read find
	// nothing; the next round then inserts.
	for range 3 {
		var c claimed
		var gone bool
		err := s.d.InTx(ctx, func(ctx context.Context) error {
			c, gone = claimed{attempt: db.NewID()}, false
			now := s.now()
			n, err := s.d.ExecAffected(ctx, `INSERT INTO api_idempotency
				(principal_id, idempotency_key, request, body_sha256, state, attempt_id, created_at, expires_at)
				VALUES ($1, $2, $3, $4, 'in_progress', $5, $6, $7)
				ON CONFLICT (principal_id, idempotency_key) DO NOTHING`,
				req.owner, req.key, req.target, req.hash, c.attempt, db.Millis(now), db.Millis(now.Add(s.lease)))
			if err != nil || n == 1 {
				return err
			}
			var target, hash, state, headers string
			var expires int64
			err = s.d.QueryRow(ctx, `SELECT request, body_sha256, state, status, headers, body, expires_at
				FROM api_idempotency WHERE principal_id = $1 AND idempotency_key = $2`, req.owner, req.key).
				Scan(&target, &hash, &state, &c.status, &headers, &c.body, &expires)
			if errors.Is(err, sql.ErrNoRows) {
				gone = true
				return nil
			}
			if err != nil {
				return err
			}
			switch {
			case expires <= db.Millis(now):
				_, err = s.d.Exec(ctx, `UPDATE api_idempotency
					SET request = $3, body_sha256 = $4, state = 'in_progress', status = 0, headers = '{}', body = $5,
					    attempt_id = $6, created_at = $7, expires_at = $8
					WHERE principal_id = $1 AND idempotency_key = $2`,
					req.owner, req.key, req.target, req.hash, []byte{}, c.attempt, db.Millis(now), db.Millis(now.Add(s.lease)))
				c.outcome = outcomeClaimed
				return err
			case target != req.target || hash != req.hash:
				c.outcome = outcomeMismatch
			case state != "done":
				c.outcome = outcomeBusy
			default:
				c.outcome = outcomeReplay
				return json.Unmarshal([]byte(headers), &c.headers)
			}
			return nil
		})
		if err != nil {
			return claimed{}, fmt.Errorf("api: claim idempotency key: %w", err)
		}
		if !gone {
			return c, nil
		}
	}
	return claimed{outcome: outcomeBusy}, nil
}

// release frees a key whose request failed, so a retry runs again.
func (s *Idempotency) release(ctx context.Context, req request, attemptID string) {
	_, err := s.d.Exec(ctx, `DELETE FROM api_idempotency
		WHERE principal_id = $1 AND idempotency_key = $2 AND attempt_id = $3 AND state = 'in_progress'`,
		req.owner, req.key, attemptID)
	if err != nil {
		s.log.ErrorContext(ctx, "api: release idempotency key", "request_id", RequestID(ctx), "err", err)
	}
}

// principalID is whom keys belong to: the user, else the API token; "" when anonymous.
func principalID(p *authz.Principal) string {
	switch {
	case p == nil:
		return ""
	case p.UserID != "":
		return "user:" + p.UserID
	case p.TokenID != "":
		return "token:" + p.TokenID
	}
	return ""
}

type attemptKey struct{}

// attempt records whether an operation's handler ran for a request.
type attempt struct{ ran atomic.Bool }

// markRan notes in ctx that the operation's handler runs.
func markRan(ctx context.Context) {
	if at, ok := ctx.Value(attemptKey{}).(*attempt); ok {
		at.ran.Store(true)
	}
}

// recorder passes a response through and keeps a copy to store.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
		r.header = http.Header{}
		for _, k := range replayedHeaders {
			if v := r.ResponseWriter.Header().Values(k); len(v) > 0 {
				r.header[k] = v
			}
		}
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes a flush through.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
