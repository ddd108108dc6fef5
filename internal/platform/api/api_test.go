package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

const validWidget = `{"name":"gear","count":2,"price":"12.30","qty":"1.5"}`

// TestBadInput sends every kind of bad request: each gets a 4xx problem
// naming the field, no widget is written and no idempotency key is kept.
func TestBadInput(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		big := `{"name":"` + strings.Repeat("x", api.DefaultMaxBodyBytes) + `","count":1,"price":"1"}`
		cases := []struct {
			name, method, path, body string
			contentType              string
			status                   int
			location                 string // "" when the problem names no field
			key                      string
		}{
			{"malformed JSON", "POST", "/api/v1/widgets", `{"name":"gear",`, "", 400, "body", "api.field.malformed"},
			{"not an object", "POST", "/api/v1/widgets", `[1,2]`, "", 422, "body", "api.field.type"},
			{"unknown field", "POST", "/api/v1/widgets", `{"name":"gear","count":1,"price":"1","colour":"red"}`, "", 422, "body.colour", "api.field.unknown"},
			{"field in wrong case", "POST", "/api/v1/widgets", `{"Name":"gear","count":1,"price":"1"}`, "", 422, "body.Name", "api.field.unknown"},
			{"wrong type", "POST", "/api/v1/widgets", `{"name":"gear","count":"two","price":"1"}`, "", 422, "body.count", "api.field.type"},
			{"missing field", "POST", "/api/v1/widgets", `{"count":1,"price":"1"}`, "", 422, "body.name", "api.field.required"},
			{"below minimum", "POST", "/api/v1/widgets", `{"name":"gear","count":-1,"price":"1"}`, "", 422, "body.count", "api.field.invalid"},
			{"too long", "POST", "/api/v1/widgets", `{"name":"` + strings.Repeat("x", 41) + `","count":1,"price":"1"}`, "", 422, "body.name", "api.field.invalid"},
			{"money as number", "POST", "/api/v1/widgets", `{"name":"gear","count":1,"price":12.3}`, "", 422, "body.price", "api.field.type"},
			{"money not decimal", "POST", "/api/v1/widgets", `{"name":"gear","count":1,"price":"1e3"}`, "", 422, "body.price", "api.field.invalid"},
			{"mapped decimal as number", "POST", "/api/v1/widgets", `{"name":"gear","count":1,"price":"1","qty":2}`, "", 422, "body.qty", "api.field.type"},
			{"refused by handler", "POST", "/api/v1/widgets", `{"name":"bad","count":1,"price":"1"}`, "", 422, "body.name", "test.widget.name_bad"},
			{"empty body", "POST", "/api/v1/widgets", ``, "", 400, "", ""},
			{"oversized body", "POST", "/api/v1/widgets", big, "", 413, "", ""},
			{"not JSON", "POST", "/api/v1/widgets", `<widget/>`, "application/xml", 415, "body", ""},
			{"bad UUID", "GET", "/api/v1/widgets/not-a-uuid", ``, "", 422, "path.id", "api.field.invalid"},
			{"bad UUID in write", "POST", "/api/v1/widgets/1234/touch", `{"name":"x"}`, "", 422, "path.id", "api.field.invalid"},
			{"unknown filter", "GET", "/api/v1/widgets?colour=red", ``, "", 422, "query.colour", "api.field.unknown"},
			{"limit too big", "GET", "/api/v1/widgets?limit=501", ``, "", 422, "query.limit", "api.field.invalid"},
			{"limit not a number", "GET", "/api/v1/widgets?limit=ten", ``, "", 422, "query.limit", "api.field.invalid"},
			{"sort not allowed", "GET", "/api/v1/widgets?sort=-secret", ``, "", 422, "query.sort", "api.list.sort_unknown"},
			{"damaged cursor", "GET", "/api/v1/widgets?cursor=bm9wZQ", ``, "", 422, "query.cursor", "api.list.cursor_invalid"},
		}
		handlerRefusal := -1
		for i, c := range cases {
			if c.name == "refused by handler" {
				handlerRefusal = i
			}
			for _, withKey := range []bool{false, true} {
				cl := call{method: c.method, path: c.path, body: c.body, user: "alice"}
				if withKey {
					cl.key = fmt.Sprintf("bad-%d", i)
				}
				if c.contentType != "" {
					cl.header = map[string]string{"Content-Type": c.contentType}
				}
				p := h.do(cl).problem(t, c.status)
				if c.location == "" {
					continue
				}
				f := field(t, p, c.location)
				if want := strings.SplitN(c.location, ".", 2); len(want) == 2 && f.Field != want[1] {
					t.Errorf("%s: field %q, want %q", c.name, f.Field, want[1])
				}
				if c.key != "" && f.Key != c.key {
					t.Errorf("%s: key %q, want %q (%s)", c.name, f.Key, c.key, f.Message)
				}
				if f.Message == "" {
					t.Errorf("%s: empty message", c.name)
				}
			}
		}
		if n := h.count("test_widget"); n != 0 {
			t.Fatalf("%d widgets written by bad requests", n)
		}
		// Only the handler's own answer is kept; requests refused before it ran leave no key.
		var keys []string
		rows, err := h.d.Query(context.Background(), `SELECT idempotency_key FROM api_idempotency`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		rows.Close()
		if len(keys) != 1 || keys[0] != fmt.Sprintf("bad-%d", handlerRefusal) {
			t.Fatalf("keys kept: %v, want only bad-%d", keys, handlerRefusal)
		}
		// A key used on a refused request is free for the corrected one.
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "bad-0"}); r.status != 201 {
			t.Fatalf("corrected request: %d %s", r.status, r.body)
		}
	})
}

func TestMalformedJSONProblem(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		p := h.do(call{method: "POST", path: "/api/v1/widgets", body: `{"name":`, user: "alice"}).problem(t, 400)
		if p.Code != "invalid" || p.Key != "api.error.malformed" || p.Type != "about:blank" || p.Title != "Bad Request" {
			t.Fatalf("problem %+v", p)
		}
	})
}

func TestAuthentication(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		// Anonymous: 401 before the body is even read.
		r := h.do(call{method: "POST", path: "/api/v1/widgets", body: `{"name":`})
		p := r.problem(t, 401)
		if p.Code != "unauthorized" || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("anonymous: %+v, WWW-Authenticate %q", p, r.header.Get("WWW-Authenticate"))
		}
		// Signed in without the permission: 403 naming it.
		p = h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "bob", perms: string(permRead)}).problem(t, 403)
		if p.Code != "forbidden" || p.Key != "apperr.permission_denied" || !strings.Contains(p.Detail, string(permWrite)) {
			t.Fatalf("forbidden: %+v", p)
		}
		h.do(call{method: "GET", path: "/api/v1/widgets", user: "bob", perms: "other.perm"}).problem(t, 403)
		if h.calls.Load() != 0 || h.count("test_widget") != 0 {
			t.Fatal("a refused request reached the handler")
		}
		// Public operations need nobody.
		if r := h.do(call{method: "GET", path: "/api/v1/ping"}); r.status != 200 || string(r.body) != "\"pong\"\n" {
			t.Fatalf("public: %d %s", r.status, r.body)
		}
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "bob"}); r.status != 201 {
			t.Fatalf("allowed: %d %s", r.status, r.body)
		}
	})
}

func TestIdempotentReplay(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		first := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "k1"})
		if first.status != 201 || first.header.Get(api.ReplayedHeader) != "" {
			t.Fatalf("first: %d %v %s", first.status, first.header, first.body)
		}
		var w struct{ ID, Price, Qty string }
		if err := json.Unmarshal(first.body, &w); err != nil || w.Price != "12.30" || w.Qty != "1.5" {
			t.Fatalf("body %s: %v", first.body, err)
		}
		again := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "k1"})
		if again.status != 201 || string(again.body) != string(first.body) || again.header.Get(api.ReplayedHeader) != "true" ||
			again.header.Get("Location") != first.header.Get("Location") || again.header.Get("Content-Type") != first.header.Get("Content-Type") {
			t.Fatalf("replay: %d %v %s, want %d %v %s", again.status, again.header, again.body, first.status, first.header, first.body)
		}
		if again.header.Get(api.RequestIDHeader) == first.header.Get(api.RequestIDHeader) {
			t.Fatal("a replay must carry its own request id")
		}
		if h.calls.Load() != 1 || h.count("test_widget") != 1 {
			t.Fatalf("handler ran %d times, %d widgets", h.calls.Load(), h.count("test_widget"))
		}

		// The same key for another body or another path is refused.
		p := h.do(call{method: "POST", path: "/api/v1/widgets", body: `{"name":"other","count":2,"price":"1"}`, user: "alice", key: "k1"}).problem(t, 422)
		if f := field(t, p, "header.Idempotency-Key"); f.Key != "api.idempotency.key_reused" || f.Field != "Idempotency-Key" {
			t.Fatalf("different body: %+v", f)
		}
		h.do(call{method: "POST", path: "/api/v1/widgets/" + w.ID + "/touch", body: validWidget, user: "alice", key: "k1"}).problem(t, 422)

		// Keys belong to their principal.
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "carol", key: "k1"}); r.status != 201 || r.header.Get(api.ReplayedHeader) != "" {
			t.Fatalf("other principal: %d %v", r.status, r.header)
		}

		// A business error from the handler is an answer too, and is replayed.
		taken := `{"name":"taken","count":1,"price":"1"}`
		h.do(call{method: "POST", path: "/api/v1/widgets", body: taken, user: "alice", key: "k2"}).problem(t, 409)
		r := h.do(call{method: "POST", path: "/api/v1/widgets", body: taken, user: "alice", key: "k2"})
		if r.problem(t, 409); r.header.Get(api.ReplayedHeader) != "true" {
			t.Fatal("the stored 409 was not replayed")
		}
		if h.calls.Load() != 3 {
			t.Fatalf("handler ran %d times, want 3", h.calls.Load())
		}

		// Bad keys.
		p = h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: strings.Repeat("k", 256)}).problem(t, 400)
		field(t, p, "header.Idempotency-Key")
		h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", header: map[string]string{api.IdempotencyKeyHeader: "a b"}}).problem(t, 400)
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: strings.Repeat("k", 255)}); r.status != 201 {
			t.Fatalf("key of 255 characters: %d %s", r.status, r.body)
		}
	})
}

func TestConcurrentDuplicate(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		block, entered := make(chan struct{}), make(chan struct{}, 1)
		h.mu.Lock()
		h.block, h.entered = block, entered
		h.mu.Unlock()

		var first response
		var wg sync.WaitGroup
		wg.Go(func() {
			first = h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "dup"})
		})
		select {
		case <-entered:
		case <-time.After(30 * time.Second):
			t.Fatal("the first request never reached the handler")
		}
		r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "dup"})
		p := r.problem(t, 409)
		if f := field(t, p, "header.Idempotency-Key"); f.Key != "api.idempotency.in_progress" || r.header.Get("Retry-After") == "" {
			t.Fatalf("duplicate: %+v, Retry-After %q", f, r.header.Get("Retry-After"))
		}
		close(block)
		wg.Wait()
		if first.status != 201 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		again := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "dup"})
		if again.status != 201 || string(again.body) != string(first.body) || again.header.Get(api.ReplayedHeader) != "true" {
			t.Fatalf("after the first finished: %d %s", again.status, again.body)
		}
		if h.calls.Load() != 1 || h.count("test_widget") != 1 {
			t.Fatalf("handler ran %d times, %d widgets", h.calls.Load(), h.count("test_widget"))
		}
	})
}

// TestFailedAttemptReleasesKey checks that a 5xx shows no internals, is
// logged with its request id, and does not lock the key.
func TestFailedAttemptReleasesKey(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		h.fail.Store(1)
		r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "f1"})
		p := r.problem(t, 500)
		if strings.Contains(string(r.body), "secret") || strings.Contains(string(r.body), "INSERT") {
			t.Fatalf("internals leaked: %s", r.body)
		}
		if p.Code != "internal" || !strings.Contains(p.Detail, p.RequestID) || len(p.Errors) != 0 {
			t.Fatalf("problem %+v", p)
		}
		if logs := h.logs.String(); !strings.Contains(logs, "secret_table") || !strings.Contains(logs, p.RequestID) {
			t.Fatalf("the cause was not logged with the request id:\n%s", logs)
		}
		if n := h.count("api_idempotency"); n != 0 {
			t.Fatalf("%d keys kept after a 500", n)
		}
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "f1"}); r.status != 201 || r.header.Get(api.ReplayedHeader) != "" {
			t.Fatalf("retry: %d %v %s", r.status, r.header, r.body)
		}
		if h.calls.Load() != 2 {
			t.Fatalf("handler ran %d times, want 2", h.calls.Load())
		}
	})
}

func TestExpiredKeys(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		ctx := context.Background()
		purge := func() int64 {
			t.Helper()
			n, err := h.idem.Purge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "e1"}); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		h.advance(23 * time.Hour) // kept at least a day, though the harness asked for an hour
		if n := purge(); n != 0 {
			t.Fatalf("purged %d keys younger than a day", n)
		}
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "e1"}); r.header.Get(api.ReplayedHeader) != "true" {
			t.Fatalf("not replayed after 23 hours: %d", r.status)
		}
		h.advance(2 * time.Hour)
		if n := purge(); n != 1 || h.count("api_idempotency") != 0 {
			t.Fatalf("purged %d, %d left; want 1 and 0", n, h.count("api_idempotency"))
		}
		// An expired key that was not purged yet may be used again.
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "e2"}); r.status != 201 {
			t.Fatal(r.status)
		}
		h.advance(25 * time.Hour)
		other := `{"name":"other","count":1,"price":"1"}`
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: other, user: "alice", key: "e2"}); r.status != 201 || r.header.Get(api.ReplayedHeader) != "" {
			t.Fatalf("expired key: %d %s", r.status, r.body)
		}
		// A claim whose process died frees its key when its lease ends.
		_, err := h.d.Exec(ctx, `INSERT INTO api_idempotency (principal_id, idempotency_key, request, body_sha256, state, attempt_id, created_at, expires_at)
			VALUES ('user:alice', 'dead', 'POST /api/v1/widgets', 'x', 'in_progress', 'gone', $1, $2)`,
			db.Millis(h.clock()), db.Millis(h.clock().Add(10*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "dead"}).problem(t, 422)
		h.advance(11 * time.Minute)
		if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "alice", key: "dead"}); r.status != 201 {
			t.Fatalf("after the lease: %d %s", r.status, r.body)
		}
	})
}

func TestListPages(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		names := []string{"delta", "alpha", "golf", "charlie", "echo", "bravo", "foxtrot"}
		for _, n := range names {
			body := fmt.Sprintf(`{"name":%q,"count":1,"price":"1.00"}`, n)
			if r := h.do(call{method: "POST", path: "/api/v1/widgets", body: body, user: "alice"}); r.status != 201 {
				t.Fatal(r.status, string(r.body))
			}
		}
		type page struct {
			Items      []struct{ Name string }
			NextCursor *string `json:"next_cursor"`
		}
		walk := func(sort string) []string {
			var got []string
			cursor := ""
			for range 10 {
				r := h.do(call{method: "GET", path: "/api/v1/widgets?limit=3&sort=" + sort + "&cursor=" + cursor, user: "alice"})
				var p page
				if r.status != 200 || json.Unmarshal(r.body, &p) != nil {
					t.Fatalf("%d %s", r.status, r.body)
				}
				for _, it := range p.Items {
					got = append(got, it.Name)
				}
				if p.NextCursor == nil {
					return got
				}
				cursor = *p.NextCursor
			}
			t.Fatal("the cursor never ended")
			return nil
		}
		if got := strings.Join(walk("name"), ","); got != "alpha,bravo,charlie,delta,echo,foxtrot,golf" {
			t.Fatalf("ascending: %s", got)
		}
		if got := strings.Join(walk("-name"), ","); got != "golf,foxtrot,echo,delta,charlie,bravo,alpha" {
			t.Fatalf("descending: %s", got)
		}
		// The default page holds everything; the last page has a null cursor.
		r := h.do(call{method: "GET", path: "/api/v1/widgets", user: "alice"})
		if !strings.Contains(string(r.body), `"next_cursor":null`) || strings.Count(string(r.body), `"name"`) != 7 {
			t.Fatalf("default page: %s", r.body)
		}
		r = h.do(call{method: "GET", path: "/api/v1/widgets?name=nothing", user: "alice"})
		if !strings.Contains(string(r.body), `"items":[]`) {
			t.Fatalf("empty page: %s", r.body)
		}
		// A cursor belongs to its sort order.
		r = h.do(call{method: "GET", path: "/api/v1/widgets?limit=1&sort=name", user: "alice"})
		var p page
		if err := json.Unmarshal(r.body, &p); err != nil || p.NextCursor == nil {
			t.Fatalf("%s: %v", r.body, err)
		}
		h.do(call{method: "GET", path: "/api/v1/widgets?sort=-name&cursor=" + *p.NextCursor, user: "alice"}).problem(t, 422)
	})
}

func TestNotFoundAndRoutes(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		id := db.NewID()
		p := h.do(call{method: "GET", path: "/api/v1/widgets/" + id, user: "alice"}).problem(t, 404)
		if p.Code != "not_found" || p.Key != "apperr.not_found" || p.Detail != "widget "+id+" was not found" {
			t.Fatalf("%+v", p)
		}
		h.do(call{method: "GET", path: "/api/v1/nothing-here", user: "alice"}).problem(t, 404)
		r := h.do(call{method: "DELETE", path: "/api/v1/widgets", user: "alice"})
		if r.problem(t, 405); r.header.Get("Allow") != "GET, POST" {
			t.Fatalf("Allow %q", r.header.Get("Allow"))
		}
		r = h.do(call{method: "GET", path: "/api/v1/ping", header: map[string]string{api.RequestIDHeader: "trace-42"}})
		if r.header.Get(api.RequestIDHeader) != "trace-42" {
			t.Fatalf("request id %q, want the client's", r.header.Get(api.RequestIDHeader))
		}
		r = h.do(call{method: "GET", path: "/api/v1/ping", header: map[string]string{api.RequestIDHeader: strings.Repeat("x", 200)}})
		if !db.ValidID(r.header.Get(api.RequestIDHeader)) {
			t.Fatalf("an overlong request id was kept: %q", r.header.Get(api.RequestIDHeader))
		}
	})
}

func TestLocalizedProblems(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		zh := map[string]string{"Accept-Language": "zh-CN,zh;q=0.9"}
		p := h.do(call{method: "POST", path: "/api/v1/widgets", body: `{"count":1,"price":"1"}`, user: "alice", header: zh}).problem(t, 422)
		if p.Detail != "输入无效" || field(t, p, "body.name").Message != "此字段为必填项" || p.Key != "apperr.invalid" {
			t.Fatalf("%+v %+v", p, p.Errors)
		}
		p = h.do(call{method: "POST", path: "/api/v1/widgets", body: validWidget, user: "bob", perms: string(permRead), header: zh}).problem(t, 403)
		if p.Detail != "您需要权限 test.widget.write 才能执行此操作" {
			t.Fatalf("%+v", p)
		}
		p = h.do(call{method: "GET", path: "/api/v1/widgets?sort=size", user: "alice", header: zh}).problem(t, 422)
		if f := field(t, p, "query.sort"); f.Message != `不能按 "size" 排序；可用字段：name` {
			t.Fatalf("%+v", f)
		}
		// A key nobody translated falls back to the English message.
		p = h.do(call{method: "POST", path: "/api/v1/widgets", body: `{"name":"taken","count":1,"price":"1"}`, user: "alice", header: zh}).problem(t, 409)
		if p.Detail != "A widget with this name exists" || p.Key != "test.widget.name_taken" {
			t.Fatalf("%+v", p)
		}
	})
}

func TestOpenAPIServed(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		r := h.do(call{method: "GET", path: "/api/v1/openapi.json"})
		var doc struct {
			OpenAPI string `json:"openapi"`
			Info    struct{ Title string }
			Servers []struct{ URL string }
		}
		if r.status != http.StatusOK || json.Unmarshal(r.body, &doc) != nil {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if doc.OpenAPI != "3.1.0" || doc.Info.Title != "Loom API" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
			t.Fatalf("%+v", doc)
		}
		if missing := h.a.MissingPermissions(); len(missing) != 0 {
			t.Fatalf("operations without a permission: %v", missing)
		}
	})
}
