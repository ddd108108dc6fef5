// Package catalogtest helps the tests of the ERP supply modules: it calls
// a whole test Loom's REST API as a demo user and creates the units,
// categories and items a test needs.
package catalogtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/catalog"
)

// Client calls the REST API of a test Loom with one user's token.
type Client struct {
	S     *apptest.Server
	Token string
	Login string
}

// NewClient returns a client for a demo login.
func NewClient(t testing.TB, s *apptest.Server, login string) *Client {
	t.Helper()
	return &Client{S: s, Token: s.Token(t, login), Login: login}
}

// Do sends body (a string, or any value encoded as JSON; nil for none) and
// returns the status and the response body.
func (c *Client) Do(t testing.TB, method, path string, body any, header ...string) (int, string) {
	t.Helper()
	var raw string
	switch b := body.(type) {
	case nil:
	case string:
		raw = b
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		raw = string(enc)
	}
	return c.S.Do(t, c.Token, method, "/api/v1"+path, raw, header...)
}

// Call sends a request, fails the test unless the status is want, and
// decodes the response into out (when out is not nil).
func (c *Client) Call(t testing.TB, method, path string, body any, want int, out any) string {
	t.Helper()
	status, resp := c.Do(t, method, path, body)
	if status != want {
		t.Fatalf("%s %s %s: status %d, want %d\n%s", c.Login, method, path, status, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			t.Fatalf("%s %s: decode %T: %v\n%s", method, path, out, err, resp)
		}
	}
	return resp
}

// Problem is the body of an error response.
type Problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Key    string `json:"key"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Field    string `json:"field"`
		Key      string `json:"key"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// Fields lists the fields a problem names.
func (p Problem) Fields() []string {
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Field
	}
	return out
}

// Names reports whether the problem names field with message key (any key if "").
func (p Problem) Names(field, key string) bool {
	for _, e := range p.Errors {
		if e.Field == field && (key == "" || e.Key == key) {
			return true
		}
	}
	return false
}

// Fail sends a request that must fail with status want and returns its problem.
func (c *Client) Fail(t testing.TB, method, path string, body any, want int) Problem {
	t.Helper()
	var p Problem
	c.Call(t, method, path, body, want, &p)
	return p
}

var seq atomic.Int64

// Unique returns prefix followed by a number not used before in this test binary.
func Unique(prefix string) string { return fmt.Sprintf("%s%04d", prefix, seq.Add(1)) }

// UoM creates a unit of measure and returns it.
func (c *Client) UoM(t testing.TB, code string, precision int) catalog.UoM {
	t.Helper()
	var u catalog.UoM
	c.Call(t, "POST", "/erp/uoms", map[string]any{"code": code, "name": code, "precision": precision}, 201, &u)
	return u
}

// Category creates a category and returns it.
func (c *Client) Category(t testing.TB, code string) catalog.Category {
	t.Helper()
	var cat catalog.Category
	c.Call(t, "POST", "/erp/categories", map[string]any{"code": code, "name": "Category " + code}, 201, &cat)
	return cat
}

// ItemSpec describes an item for Item; empty fields take sensible values.
type ItemSpec struct {
	Code       string
	Name       string
	Kind       string
	Tracking   string
	UoMID      string
	CategoryID string
	ListPrice  string
	LeadTime   int
}

// Item creates an item and returns it.
func (c *Client) Item(t testing.TB, spec ItemSpec) catalog.Item {
	t.Helper()
	if spec.Code == "" {
		spec.Code = Unique("IT-")
	}
	if spec.Name == "" {
		spec.Name = "Item " + spec.Code
	}
	if spec.Kind == "" {
		spec.Kind = "finished"
	}
	if spec.Tracking == "" {
		spec.Tracking = "none"
	}
	if spec.ListPrice == "" {
		spec.ListPrice = "100"
	}
	body := map[string]any{"code": spec.Code, "name": spec.Name, "kind": spec.Kind, "tracking": spec.Tracking,
		"uom_id": spec.UoMID, "category_id": spec.CategoryID, "vat_rate": "0.13", "sellable": true,
		"list_price": spec.ListPrice, "lead_time_days": spec.LeadTime}
	var it catalog.Item
	c.Call(t, "POST", "/erp/items", body, 201, &it)
	return it
}

// Basics are a unit of measure and a category most tests need.
type Basics struct {
	Pieces, Kilograms catalog.UoM
	Category          catalog.Category
}

// NewBasics creates a piece unit (no decimals), a kilogram unit (three
// decimals) and a category, with fresh codes.
func NewBasics(t testing.TB, c *Client) Basics {
	t.Helper()
	return Basics{
		Pieces:    c.UoM(t, Unique("pc"), 0),
		Kilograms: c.UoM(t, Unique("kg"), 3),
		Category:  c.Category(t, Unique("CAT-")),
	}
}

// Contains reports whether s contains every one of subs.
func Contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// Events returns the data of the events of a type about a subject that the
// ERP unit has written to its outbox, oldest first.
func Events(t testing.TB, s *apptest.Server, typ, subject string) []map[string]any {
	t.Helper()
	rows, err := s.App.DBs["erp"].Query(t.Context(), `SELECT data FROM outbox WHERE type = $1 AND subject = $2 ORDER BY seq`, typ, subject)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Count runs a counting query on the ERP database.
func Count(t testing.TB, s *apptest.Server, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DBs["erp"].QueryRow(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
