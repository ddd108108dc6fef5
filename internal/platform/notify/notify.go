// Package notify keeps the notifications behind the bell in Loom's top bar:
// reminders, approvals waiting, orders that changed. Notifications live in
// the platform unit; other units ask for one with an event, so a CRM reminder
// reaches the bell even when the CRM runs in another process.
package notify

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Module is the name of the notify migrations in the platform database.
const Module = "notify"

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migrations (folders sqlite and postgres).
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// Notification is one message for one user.
type Notification struct {
	ID        string         `json:"id"`
	UserID    string         `json:"user_id"`
	Kind      string         `json:"kind"`
	TitleKey  string         `json:"title_key"`
	Params    map[string]any `json:"params,omitempty"`
	Link      string         `json:"link,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	ReadAt    *time.Time     `json:"read_at,omitempty"`
}

// Request asks for a notification; it is also the data of the event other
// units publish to ask for one.
type Request struct {
	UserID   string         `json:"user_id"`
	Kind     string         `json:"kind"`
	TitleKey string         `json:"title_key"`
	Params   map[string]any `json:"params,omitempty"`
	Link     string         `json:"link,omitempty"`
}

// Service stores and lists notifications in the platform database.
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

// New returns a service over the platform database.
func New(d *db.DB) *Service { return &Service{DB: d, Now: time.Now} }

// Validate checks a request and names the first bad field.
func (r Request) Validate() error {
	var fields []apperr.FieldError
	if !db.ValidID(r.UserID) {
		fields = append(fields, apperr.FieldError{Field: "user_id", Key: "notify.error.user_id", Message: "user_id must be a user id"})
	}
	if r.Kind == "" || len(r.Kind) > 64 {
		fields = append(fields, apperr.FieldError{Field: "kind", Key: "notify.error.kind", Message: "kind is required (at most 64 characters)"})
	}
	if r.TitleKey == "" || len(r.TitleKey) > 128 {
		fields = append(fields, apperr.FieldError{Field: "title_key", Key: "notify.error.title_key", Message: "title_key is required (at most 128 characters)"})
	}
	if r.Link != "" && (!strings.HasPrefix(r.Link, "/") || strings.HasPrefix(r.Link, "//")) {
		fields = append(fields, apperr.FieldError{Field: "link", Key: "notify.error.link", Message: "link must be a path inside Loom"})
	}
	return apperr.InvalidFields(fields...)
}

// Send stores a notification; inside a transaction of the platform database
// it joins that transaction.
func (s *Service) Send(ctx context.Context, r Request) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	params, err := json.Marshal(r.Params)
	if err != nil {
		return "", fmt.Errorf("notify: params: %w", err)
	}
	if r.Params == nil {
		params = []byte("{}")
	}
	id := db.NewID()
	_, err = s.DB.Exec(ctx, `INSERT INTO notify_notification (id, user_id, kind, title_key, params, link, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, r.UserID, r.Kind, r.TitleKey, string(params), r.Link, db.Millis(s.Now()))
	if err != nil {
		return "", fmt.Errorf("notify: send: %w", err)
	}
	return id, nil
}

// Unread counts a user's unread notifications.
func (s *Service) Unread(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT count(*) FROM notify_notification WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	return n, err
}

// List returns a user's newest notifications, unread ones only when asked.
func (s *Service) List(ctx context.Context, userID string, unreadOnly bool, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT id, user_id, kind, title_key, params, link, created_at, read_at FROM notify_notification WHERE user_id = $1`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT $2`
	rows, err := s.DB.Query(ctx, q, userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var (
			n      Notification
			params string
			at     int64
			readAt *int64
		)
		if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.TitleKey, &params, &n.Link, &at, &readAt); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(params), &n.Params)
		n.CreatedAt = db.FromMillis(at)
		if readAt != nil {
			t := db.FromMillis(*readAt)
			n.ReadAt = &t
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkRead marks one of the user's notifications read; another user's
// notification is reported as not found.
func (s *Service) MarkRead(ctx context.Context, userID, id string) error {
	n, err := s.DB.ExecAffected(ctx, `UPDATE notify_notification SET read_at = $3
		WHERE id = $1 AND user_id = $2 AND read_at IS NULL`, id, userID, db.Millis(s.Now()))
	if err != nil {
		return err
	}
	if n == 0 {
		var exists int
		err := s.DB.QueryRow(ctx, `SELECT count(*) FROM notify_notification WHERE id = $1 AND user_id = $2`, id, userID).Scan(&exists)
		if err != nil {
			return err
		}
		if exists == 0 {
			return apperr.NotFound("notification", id)
		}
	}
	return nil
}

// MarkAllRead marks every notification of the user read.
func (s *Service) MarkAllRead(ctx context.Context, userID string) error {
	_, err := s.DB.Exec(ctx, `UPDATE notify_notification SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, db.Millis(s.Now()))
	return err
}
