package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/platform/db"
)

// Search returns one page of the rows of d that match f, newest first. Pages
// are cut by sequence number, so rows appended meanwhile never shift a page.
func Search(ctx context.Context, d *db.DB, f Filter) (Page, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return Page{}, &Error{Field: "limit", Key: "audit.error.limit_range"}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Page{}, &Error{Field: "to", Key: "audit.error.range_invalid"}
	}
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.Cursor != "" {
		seq, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || seq <= 0 {
			return Page{}, &Error{Field: "cursor", Key: "audit.error.cursor_invalid"}
		}
		add(`seq < $?`, seq)
	}
	if f.Actor != "" {
		add(`(actor_id = $? OR lower(actor_login) = lower($?))`, f.Actor)
	}
	if f.EntityKind != "" {
		add(`entity_kind = $?`, f.EntityKind)
	}
	if f.EntityID != "" {
		add(`entity_id = $?`, f.EntityID)
	}
	if f.Action != "" {
		add(`action = $?`, f.Action)
	}
	if !f.From.IsZero() {
		add(`at >= $?`, db.Millis(f.From))
	}
	if !f.To.IsZero() {
		add(`at < $?`, db.Millis(f.To))
	}
	q := `SELECT ` + rowColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// One row more than the page tells whether another page follows.
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, limit+1)
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("audit: search unit %s: %w", d.Unit, err)
	}
	defer rows.Close()
	page := Page{Rows: []Row{}}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return Page{}, fmt.Errorf("audit: search unit %s: %w", d.Unit, err)
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("audit: search unit %s: %w", d.Unit, err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = strconv.FormatInt(page.Rows[limit-1].Seq, 10)
	}
	return page, nil
}
