package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// settingsView is the settings page: the company form, the chart template
// and the journals.
type settingsView struct {
	Company    ledger.CompanyInput
	Template   string
	Currencies []ledger.Currency
	Journals   []ledger.Journal
	Errors     errs
	// JournalForm is the new-journal form as typed, and JournalErrors what is wrong with it.
	JournalForm   ledger.JournalInput
	JournalErrors errs
	// EditJournal is the journal whose edit form failed, with its errors.
	EditJournal       string
	EditJournalErrors errs
}

// commonZones are offered in the time-zone field.
var commonZones = []string{"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo",
	"Asia/Seoul", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Europe/Berlin", "Europe/London", "America/New_York", "UTC"}

func (h *handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	h.showSettings(w, r, http.StatusOK, settingsView{})
}

func (h *handler) showSettings(w http.ResponseWriter, r *http.Request, status int, v settingsView) {
	ctx := r.Context()
	c, err := h.l.Company(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Errors == nil {
		v.Company = ledger.CompanyInput{Name: c.Name, TaxID: c.TaxID, BaseCurrency: c.BaseCurrency, TimeZone: c.TimeZone,
			FYStartMonth: c.FYStartMonth, BooksStart: c.BooksStart, Version: c.Version}
	}
	v.Template = c.ChartTemplate
	if v.Currencies, err = h.l.Currencies(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Journals, err = h.l.Journals(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, status, webui.Page{Title: "fin.settings.title", Active: "fin-settings"}, v.Errors[""], settingsPage(v))
}

func (h *handler) settingsSave(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	in := ledger.CompanyInput{Name: f.text("name"), TaxID: f.text("tax_id"), BaseCurrency: f.text("base_currency"),
		TimeZone: f.text("time_zone"), FYStartMonth: f.integer("fy_start_month", "fy_start_month", 0),
		BooksStart: f.text("books_start"), Version: f.int64("version")}
	err := f.err()
	if err == nil {
		_, err = h.l.UpdateCompany(r.Context(), in)
	}
	if err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showSettings(w, r, status, settingsView{Company: in, Errors: errs(e).only("name", "tax_id", "base_currency", "time_zone", "fy_start_month", "books_start")})
		return
	}
	redirect(w, r, "/erp/finance/settings", "settings_saved")
}

func (h *handler) templateApply(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if err := h.l.ApplyTemplate(r.Context(), r.PostForm.Get("template")); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showSettings(w, r, status, settingsView{Errors: errs(e).only()})
		return
	}
	redirect(w, r, "/erp/finance/settings", "template_applied")
}

func journalInput(f *form) ledger.JournalInput {
	return ledger.JournalInput{Code: f.text("code"), Prefix: f.text("prefix"), NameZH: f.text("name_zh"), NameEN: f.text("name_en"),
		Default: f.bool("default"), Active: f.bool("active")}
}

func (h *handler) journalCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	in := journalInput(newForm(r.PostForm))
	in.Active = true
	if _, err := h.l.CreateJournal(r.Context(), in); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showSettings(w, r, status, settingsView{JournalForm: in, JournalErrors: errs(e).only("code", "prefix", "name_zh", "name_en")})
		return
	}
	redirect(w, r, "/erp/finance/settings", "journal_saved")
}

func (h *handler) journalUpdate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := h.l.UpdateJournal(r.Context(), id, journalInput(newForm(r.PostForm))); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showSettings(w, r, status, settingsView{EditJournal: id, EditJournalErrors: errs(e).only("prefix", "name_zh", "name_en", "default")})
		return
	}
	redirect(w, r, "/erp/finance/settings", "journal_saved")
}

func currencyOptions(ctx context.Context, cs []ledger.Currency) []option {
	out := make([]option, 0, len(cs))
	for _, c := range cs {
		out = append(out, option{c.Code, c.Code + " " + c.Name(lang(ctx))})
	}
	return out
}

func monthOptions() []option {
	out := make([]option, 12)
	for i := range 12 {
		out[i] = option{strconv.Itoa(i + 1), strconv.Itoa(i + 1)}
	}
	return out
}

func templateOptions(ctx context.Context) []option {
	var out []option
	for _, n := range coa.Names() {
		out = append(out, option{n, tr(ctx, "fin.template."+n)})
	}
	return out
}
