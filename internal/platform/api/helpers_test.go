package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Permissions of the sample operations.
const (
	permWrite authz.Permission = "test.widget.write"
	permRead  authz.Permission = "test.widget.read"
)

func init() {
	authz.Register(
		authz.Definition{Name: permWrite, Module: "test"},
		authz.Definition{Name: permRead, Module: "test"},
	)
}

// price is an exact number that documents itself as a decimal string.
type price struct{ s string }

func (p price) MarshalJSON() ([]byte, error) { return json.Marshal(p.s) }

func (p *price) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &p.s) }

func (price) Schema(r huma.Registry) *huma.Schema { return api.DecimalString("").Schema(r) }

// quantity is an exact number that cannot describe itself; Options.DecimalTypes maps it.
type quantity struct{ s string }

func (q quantity) MarshalJSON() ([]byte, error) { return json.Marshal(q.s) }

func (q *quantity) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &q.s) }

type widget struct {
	ID    string   `json:"id" format:"uuid"`
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Price price    `json:"price"`
	Qty   quantity `json:"qty"`
}

type createWidgetInput struct {
	Body struct {
		Name  string   `json:"name" minLength:"1" maxLength:"40"`
		Count int      `json:"count" minimum:"0"`
		Price price    `json:"price"`
		Qty   quantity `json:"qty,omitempty"`
	}
}

type widgetOutput struct {
	Location string `header:"Location"`
	Body     widget
}

type listWidgetsInput struct {
	api.ListParams
	Name string `query:"name" doc:"Only widgets with this name."`
}

var widgetSort = api.SortSpec{Fields: []string{"name"}, Default: "name"}

// harness serves the sample operations over HTTP on one engine.
type harness struct {
	t     *testing.T
	d     *db.DB
	a     *api.API
	idem  *api.Idempotency
	srv   *httptest.Server
	logs  *syncBuffer
	calls atomic.Int32 // runs of the create handler
	fail  atomic.Int32 // the create handler fails this many more times

	mu      sync.Mutex
	now     time.Time
	block   chan struct{} // when set, the create handler waits for it to close
	entered chan struct{} // the create handler signals here before waiting
}

func newHarness(t *testing.T, cfg db.Config) *harness {
	t.Helper()
	ctx := context.Background()
	d := loomtest.Open(t, cfg, "platform")
	if err := api.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	mig := fstest.MapFS{
		"sqlite/00001_widget.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE test_widget (id TEXT PRIMARY KEY, name TEXT NOT NULL, count INTEGER NOT NULL, price TEXT NOT NULL, qty TEXT NOT NULL) STRICT;\n-- +goose Down\nDROP TABLE test_widget;\n")},
		"postgres/00001_widget.sql": {Data: []byte("-- +goose Up\nCREATE TABLE test_widget (id TEXT PRIMARY KEY, name TEXT NOT NULL, count BIGINT NOT NULL, price TEXT NOT NULL, qty TEXT NOT NULL);\n-- +goose Down\nDROP TABLE test_widget;\n")},
	}
	if err := d.Migrate(ctx, "apitest", mig); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, d: d, logs: &syncBuffer{}, now: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(h.logs, nil))
	// A TTL under a day is raised to MinIdempotencyTTL.
	h.idem = api.NewIdempotency(d, api.IdempotencyOptions{TTL: time.Hour, Now: h.clock, Logger: log})
	mux := http.NewServeMux()
	h.a = api.New(mux, api.Options{Idempotency: h.idem, Logger: log, DecimalTypes: []reflect.Type{reflect.TypeFor[quantity]()}})
	h.register()
	h.srv = httptest.NewServer(withTestPrincipal(i18n.Middleware(mux)))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func (h *harness) register() {
	api.Register(h.a, huma.Operation{
		OperationID: "test-create-widget", Method: http.MethodPost, Path: "/widgets",
		Summary: "Create a widget", DefaultStatus: http.StatusCreated,
	}, permWrite, h.createWidget)
	api.Register(h.a, huma.Operation{
		OperationID: "test-touch-widget", Method: http.MethodPost, Path: "/widgets/{id}/touch",
		Summary: "Touch a widget", DefaultStatus: http.StatusNoContent,
	}, permWrite, func(ctx context.Context, in *struct {
		api.IDParam
		Body struct {
			Name string `json:"name"`
		}
	}) (*struct{}, error) {
		return nil, nil
	})
	api.Register(h.a, huma.Operation{
		OperationID: "test-get-widget", Method: http.MethodGet, Path: "/widgets/{id}", Summary: "Get a widget",
	}, permRead, h.getWidget)
	api.Register(h.a, huma.Operation{
		OperationID: "test-list-widgets", Method: http.MethodGet, Path: "/widgets", Summary: "List widgets",
	}, permRead, h.listWidgets)
	api.Register(h.a, huma.Operation{
		OperationID: "test-ping", Method: http.MethodGet, Path: "/ping", Summary: "Ping",
	}, authz.Public, func(ctx context.Context, _ *struct{}) (*struct{ Body string }, error) {
		return &struct{ Body string }{"pong"}, nil
	})
}

func (h *harness) createWidget(ctx context.Context, in *createWidgetInput) (*widgetOutput, error) {
	h.calls.Add(1)
	h.mu.Lock()
	block, entered := h.block, h.entered
	h.mu.Unlock()
	if block != nil {
		entered <- struct{}{}
		<-block
	}
	b := in.Body
	switch {
	case h.fail.Add(-1) >= 0:
		return nil, errors.New("exec INSERT INTO secret_table: connection reset")
	case b.Name == "bad":
		return nil, apperr.Invalid("name", "test.widget.name_bad", "This name is not allowed")
	case b.Name == "taken":
		return nil, apperr.Conflict("test.widget.name_taken", "A widget with this name exists")
	}
	w := widget{ID: db.NewID(), Name: b.Name, Count: b.Count, Price: b.Price, Qty: b.Qty}
	_, err := h.d.Exec(ctx, `INSERT INTO test_widget (id, name, count, price, qty) VALUES ($1, $2, $3, $4, $5)`,
		w.ID, w.Name, w.Count, w.Price.s, w.Qty.s)
	if err != nil {
		return nil, err
	}
	return &widgetOutput{Location: api.Prefix + "/widgets/" + w.ID, Body: w}, nil
}

func (h *harness) getWidget(ctx context.Context, in *api.IDParam) (*struct{ Body widget }, error) {
	var w widget
	err := h.d.QueryRow(ctx, `SELECT id, name, count, price, qty FROM test_widget WHERE id = $1`, in.ID).
		Scan(&w.ID, &w.Name, &w.Count, &w.Price.s, &w.Qty.s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("widget", in.ID)
	}
	if err != nil {
		return nil, err
	}
	return &struct{ Body widget }{w}, nil
}

type widgetCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

func (h *harness) listWidgets(ctx context.Context, in *listWidgetsInput) (*api.ListOutput[widget], error) {
	order, err := widgetSort.Parse(in.Sort)
	if err != nil {
		return nil, err
	}
	var after widgetCursor
	more, err := api.DecodeCursor(in.Cursor, order, &after)
	if err != nil {
		return nil, err
	}
	dir, cmp := "ASC", ">"
	if order[0].Desc {
		dir, cmp = "DESC", "<"
	}
	q := `SELECT id, name, count, price, qty FROM test_widget WHERE ($1 = '' OR name = $1)`
	args := []any{in.Name}
	if more {
		q += ` AND (name ` + cmp + ` $2 OR (name = $2 AND id ` + cmp + ` $3))`
		args = append(args, after.Name, after.ID)
	}
	q += ` ORDER BY name ` + dir + `, id ` + dir + ` LIMIT ` + strconv.Itoa(in.Limit+1)
	rows, err := h.d.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ws []widget
	for rows.Next() {
		var w widget
		if err := rows.Scan(&w.ID, &w.Name, &w.Count, &w.Price.s, &w.Qty.s); err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page, err := api.NewPage(ws, in.Limit, func(last widget) (string, error) {
		return api.EncodeCursor(order, widgetCursor{Name: last.Name, ID: last.ID})
	})
	return &api.ListOutput[widget]{Body: page}, err
}

// withTestPrincipal acts for the user named in X-Test-User with the
// permissions listed in X-Test-Perms; without the header the request is anonymous.
func withTestPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user := r.Header.Get("X-Test-User"); user != "" {
			p := &authz.Principal{UserID: user, Login: user, Perms: map[authz.Permission]bool{}}
			for perm := range strings.SplitSeq(r.Header.Get("X-Test-Perms"), ",") {
				if perm != "" {
					p.Perms[authz.Permission(perm)] = true
				}
			}
			r = r.WithContext(authz.WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// call is one test request.
type call struct {
	method, path, body string
	user               string // "" is anonymous; default perms are read and write
	perms              string
	key                string // Idempotency-Key
	header             map[string]string
}

// response is a response read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(c call) response {
	h.t.Helper()
	req, err := http.NewRequest(c.method, h.srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		h.t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.Header.Set("X-Test-User", c.user)
		perms := c.perms
		if perms == "" {
			perms = string(permRead) + "," + string(permWrite)
		}
		req.Header.Set("X-Test-Perms", perms)
	}
	if c.key != "" {
		req.Header.Set(api.IdempotencyKeyHeader, c.key)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// problem decodes a problem response, checking its media type and status.
func (r response) problem(t *testing.T, status int) api.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != api.ProblemContentType {
		t.Fatalf("Content-Type %q, want %s; body %s", ct, api.ProblemContentType, r.body)
	}
	var p api.Problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	// A replayed body keeps the request id of the request that made it.
	sameID := p.RequestID == r.header.Get(api.RequestIDHeader) || r.header.Get(api.ReplayedHeader) == "true"
	if p.Status != status || p.RequestID == "" || !sameID {
		t.Fatalf("problem status %d request_id %q (header %q): %s", p.Status, p.RequestID, r.header.Get(api.RequestIDHeader), r.body)
	}
	return p
}

// field returns the problem's entry at location, failing when there is none.
func field(t *testing.T, p api.Problem, location string) *api.FieldProblem {
	t.Helper()
	for _, f := range p.Errors {
		if f.Location == location {
			return f
		}
	}
	t.Fatalf("no error at %s in %+v", location, p.Errors)
	return nil
}

func (h *harness) count(table string) int {
	h.t.Helper()
	var n int
	if err := h.d.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
