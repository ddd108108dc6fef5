package ledger

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Journal numbers its vouchers in a series of its own per period, such as
// 记-2026-11-0001 for the general journal.
type Journal struct {
	ID      string `json:"id"`
	Code    string `json:"code"`
	Prefix  string `json:"prefix"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	Default bool   `json:"default"`
	Active  bool   `json:"active"`
}

// Name returns the journal's name in a language.
func (j *Journal) Name(lang string) string {
	if lang == i18n.ZH || j.NameEN == "" {
		return j.NameZH
	}
	return j.NameEN
}

// JournalInput creates or changes a journal.
type JournalInput struct {
	Code, Prefix, NameZH, NameEN string
	Default, Active              bool
}

func (s *Service) queryJournals(ctx context.Context) ([]Journal, error) {
	rows, err := s.db.Query(ctx, `SELECT id, code, prefix, name_zh, name_en, is_default, active FROM fin_journal ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Journal{}
	for rows.Next() {
		var (
			j           Journal
			def, active int
		)
		if err := rows.Scan(&j.ID, &j.Code, &j.Prefix, &j.NameZH, &j.NameEN, &def, &active); err != nil {
			return nil, err
		}
		j.Default, j.Active = def == 1, active == 1
		out = append(out, j)
	}
	return out, rows.Err()
}

// Journals returns the journals by code.
func (s *Service) Journals(ctx context.Context) ([]Journal, error) {
	if _, err := requireAny(ctx, finance.PermEntryRead, finance.PermSettingsManage, finance.PermAccountRead); err != nil {
		return nil, err
	}
	return s.queryJournals(ctx)
}

var journalCode = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`)

func validateJournal(in JournalInput) []fieldError {
	var bad []fieldError
	if !journalCode.MatchString(in.Code) {
		bad = append(bad, fe("code", keyJournalCode))
	}
	if in.Prefix == "" {
		bad = append(bad, fe("prefix", keyRequired))
	} else if utf8.RuneCountInString(in.Prefix) > 4 || strings.ContainsAny(in.Prefix, "- ") {
		bad = append(bad, fe("prefix", keyTooLong))
	}
	if in.NameZH == "" {
		bad = append(bad, fe("name_zh", keyRequired))
	} else if utf8.RuneCountInString(in.NameZH) > 50 {
		bad = append(bad, fe("name_zh", keyTooLong))
	}
	if utf8.RuneCountInString(in.NameEN) > 50 {
		bad = append(bad, fe("name_en", keyTooLong))
	}
	return bad
}

func normalizeJournal(in JournalInput) JournalInput {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Prefix = strings.TrimSpace(in.Prefix)
	in.NameZH = strings.TrimSpace(in.NameZH)
	in.NameEN = strings.TrimSpace(in.NameEN)
	return in
}

// CreateJournal adds a journal; it needs PermSettingsManage.
func (s *Service) CreateJournal(ctx context.Context, in JournalInput) (*Journal, error) {
	if _, err := require(ctx, finance.PermSettingsManage); err != nil {
		return nil, err
	}
	in = normalizeJournal(in)
	if err := fieldErrors(validateJournal(in)); err != nil {
		return nil, err
	}
	var out *Journal
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var taken bool
		if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fin_journal WHERE code = $1)`, in.Code).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return invalid("code", keyJournalTaken)
		}
		if err := s.insertJournals(ctx, []coa.Journal{{Code: in.Code, Prefix: in.Prefix, NameZH: in.NameZH, NameEN: in.NameEN}}); err != nil {
			return err
		}
		js, err := s.queryJournals(ctx)
		if err != nil {
			return err
		}
		for i := range js {
			if js[i].Code == in.Code {
				out = &js[i]
			}
		}
		if in.Default {
			if err := s.setDefaultJournal(ctx, out.ID); err != nil {
				return err
			}
			out.Default = true
		}
		return s.record(ctx, "fin.journal.created", kindJournal, out.ID, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateJournal changes a journal's prefix, names, default and active
// flags; its code never changes. It needs PermSettingsManage.
func (s *Service) UpdateJournal(ctx context.Context, id string, in JournalInput) (*Journal, error) {
	if _, err := require(ctx, finance.PermSettingsManage); err != nil {
		return nil, err
	}
	in = normalizeJournal(in)
	var out *Journal
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		js, err := s.queryJournals(ctx)
		if err != nil {
			return err
		}
		var before *Journal
		for i := range js {
			if js[i].ID == id {
				before = &js[i]
			}
		}
		if before == nil {
			return notFound("journal", id)
		}
		in.Code = before.Code
		bad := validateJournal(in)
		if before.Default && (!in.Default || !in.Active) {
			bad = append(bad, fe("default", keyJournalDefault))
		}
		if err := fieldErrors(bad); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE fin_journal SET prefix = $1, name_zh = $2, name_en = $3, active = $4, updated_at = $5 WHERE id = $6`,
			in.Prefix, in.NameZH, in.NameEN, boolInt(in.Active), db.Millis(s.now()), id); err != nil {
			return err
		}
		if in.Default && !before.Default {
			if err := s.setDefaultJournal(ctx, id); err != nil {
				return err
			}
		}
		if err := s.bumpChart(ctx); err != nil {
			return err
		}
		after := *before
		after.Prefix, after.NameZH, after.NameEN, after.Active, after.Default = in.Prefix, in.NameZH, in.NameEN, in.Active, in.Default
		out = &after
		return s.record(ctx, "fin.journal.updated", kindJournal, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) setDefaultJournal(ctx context.Context, id string) error {
	if _, err := s.db.Exec(ctx, `UPDATE fin_journal SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END`, id); err != nil {
		return err
	}
	return s.bumpChart(ctx)
}
