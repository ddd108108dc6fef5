package ui

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// entriesView is the list of entries with its filters.
type entriesView struct {
	Filter      ledger.EntryFilter
	Entries     []ledger.Entry
	Journals    map[string]ledger.Journal
	JournalList []ledger.Journal
	Account     *ledger.Account // the account filtered on, if any
	First, Next string
}

// entryForm is the draft form: header, lines as typed, and what is wrong.
type entryForm struct {
	ID       string // "" for a new entry
	Version  int64
	In       ledger.EntryInput
	Lines    []lineRow
	Base     string
	Journals []ledger.Journal
	Accounts []ledger.Account // accounts that take manual postings
	Currs    []ledger.Currency
	Errors   errs
}

// lineRow is one row of the entry form as typed.
type lineRow struct {
	Account, Memo, Currency, Rate, Debit, Credit string
}

// entryView is one entry's page.
type entryView struct {
	Entry    *ledger.Entry
	Journal  ledger.Journal
	Company  *ledger.Company
	Reversal *ledger.Entry // the entry this one reverses, or its reversal
	Errors   errs
	// ReverseDate is the date the reverse form offers.
	ReverseDate string
}

func (h *handler) entryList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := entriesView{Filter: ledger.EntryFilter{From: q.Get("from"), To: q.Get("to"), Period: q.Get("period"),
		JournalID: q.Get("journal"), Status: q.Get("status"), SourceKind: q.Get("source"), AccountID: q.Get("account"),
		Query: q.Get("q"), Cursor: q.Get("cursor"), Limit: 50}}
	page, err := h.l.Entries(ctx, v.Filter)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Entries = page.Entries
	if page.Next != "" {
		v.Next = string(listHref(r, "cursor", page.Next))
	}
	if v.Filter.Cursor != "" {
		v.First = string(listHref(r, "cursor", ""))
	}
	if v.JournalList, err = h.l.Journals(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Journals = map[string]ledger.Journal{}
	for _, j := range v.JournalList {
		v.Journals[j.ID] = j
	}
	if v.Filter.AccountID != "" {
		if v.Account, err = h.l.Account(ctx, v.Filter.AccountID); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.entries.title", Active: "fin-entries"}, "", entriesPage(v))
}

// listHref returns the current list's address with key set to value
// (removed when empty), without a flash message.
func listHref(r *http.Request, key, value string) string {
	q := r.URL.Query()
	q.Del(flashParam)
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

func (h *handler) entryNew(w http.ResponseWriter, r *http.Request) {
	f := entryForm{In: ledger.EntryInput{Date: h.l.Today(r.Context())}}
	f.Lines = make([]lineRow, 4)
	h.showEntryForm(w, r, http.StatusOK, f)
}

func (h *handler) entryEdit(w http.ResponseWriter, r *http.Request) {
	e, err := h.l.Entry(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if e.Status != ledger.StatusDraft {
		http.Redirect(w, r, "/erp/finance/entries/"+e.ID, http.StatusSeeOther)
		return
	}
	f := entryForm{ID: e.ID, Version: e.Version, In: ledger.EntryInput{JournalID: e.JournalID, Date: e.Date, Memo: e.Memo, Attachments: e.Attachments}}
	for _, l := range e.Lines {
		row := lineRow{Account: l.AccountCode + " " + named(r.Context(), l.AccountNameZH, l.AccountNameEN), Memo: l.Memo,
			Currency: l.Currency, Debit: fmtInput(l.Debit), Credit: fmtInput(l.Credit)}
		if l.Rate.String() != "1" {
			row.Rate = l.Rate.String()
		}
		f.Lines = append(f.Lines, row)
	}
	f.Lines = append(f.Lines, lineRow{})
	h.showEntryForm(w, r, http.StatusOK, f)
}

func (h *handler) showEntryForm(w http.ResponseWriter, r *http.Request, status int, f entryForm) {
	ctx := r.Context()
	c, err := h.l.Company(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f.Base = c.BaseCurrency
	for i := range f.Lines {
		if f.Lines[i].Currency == "" {
			f.Lines[i].Currency = f.Base
		}
	}
	js, err := h.l.Journals(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, j := range js {
		if j.Active || j.ID == f.In.JournalID {
			f.Journals = append(f.Journals, j)
		}
		if f.In.JournalID == "" && j.Default {
			f.In.JournalID = j.ID
		}
	}
	all, err := h.l.Accounts(ctx, ledger.AccountFilter{ActiveOnly: true, LeafOnly: true})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, a := range all {
		if a.Control == "" {
			f.Accounts = append(f.Accounts, a)
		}
	}
	if f.Currs, err = h.l.Currencies(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	title := "fin.entry.new"
	if f.ID != "" {
		title = "fin.entry.edit"
	}
	h.show(w, r, status, webui.Page{Title: title, Active: "fin-entries"}, f.Errors[""], entryFormPage(f))
}

var lineField = regexp.MustCompile(`^lines\[(\d{1,3})\]\.(account|memo|currency|rate|debit|credit)$`)

// readEntryForm reads the posted entry form. It returns the rows as typed,
// the input for the ledger (blank rows left out), and for each input line
// the row it came from.
func readEntryForm(r *http.Request) (entryForm, []int, error) {
	f := newForm(r.PostForm)
	ef := entryForm{ID: r.PathValue("id"), Version: f.int64("version")}
	ef.In = ledger.EntryInput{JournalID: f.text("journal_id"), Date: f.text("date"), Memo: f.text("memo"),
		Attachments: f.integer("attachments", "attachments", 0), Version: ef.Version}
	rows := -1
	for k := range r.PostForm {
		if m := lineField.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[1])
			rows = max(rows, n)
		}
	}
	var from []int
	for i := 0; i <= rows && i < ledger.MaxLines+50; i++ {
		p := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		row := lineRow{Account: f.text(p("account")), Memo: f.text(p("memo")), Currency: f.text(p("currency")),
			Rate: f.text(p("rate")), Debit: f.text(p("debit")), Credit: f.text(p("credit"))}
		ef.Lines = append(ef.Lines, row)
		if row.Account == "" && row.Debit == "" && row.Credit == "" && row.Memo == "" {
			continue
		}
		in := len(ef.In.Lines)
		field := func(name string) string { return "lines[" + strconv.Itoa(in) + "]." + name }
		code, _, _ := strings.Cut(row.Account, " ")
		ef.In.Lines = append(ef.In.Lines, ledger.LineInput{Account: code, Memo: row.Memo, Currency: row.Currency,
			Rate: f.rate(p("rate"), field("rate")), Debit: f.amount(p("debit"), field("debit")), Credit: f.amount(p("credit"), field("credit"))})
		from = append(from, i)
	}
	return ef, from, f.err()
}

// rowErrors moves the errors of input lines onto the form rows they came from.
func rowErrors(e errs, from []int) errs {
	out := errs{}
	for k, msg := range e {
		if m := regexp.MustCompile(`^lines\[(\d+)\]\.(\w+)$`).FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n < len(from) {
				k = "lines[" + strconv.Itoa(from[n]) + "]." + m[2]
			}
		}
		out[k] = msg
	}
	return out
}

func (h *handler) entrySave(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	ef, from, err := readEntryForm(r)
	if r.PostForm.Has("add_line") {
		ef.Lines = append(ef.Lines, lineRow{}, lineRow{})
		h.showEntryForm(w, r, http.StatusOK, ef)
		return
	}
	post := r.PostForm.Get("then") == "post"
	var e *ledger.Entry
	if err == nil {
		if ef.ID == "" {
			e, err = h.l.CreateDraft(ctx, ef.In)
		} else {
			e, err = h.l.UpdateDraft(ctx, ef.ID, ef.In)
		}
	}
	if err == nil && post {
		// The draft is saved either way; a refused posting shows on its page.
		if _, perr := h.l.PostDraft(ctx, e.ID); perr != nil {
			h.showEntry(w, r, e.ID, perr)
			return
		}
		redirect(w, r, "/erp/finance/entries/"+e.ID, "entry_posted")
		return
	}
	if err != nil {
		fe, status, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		ef.Errors = rowErrors(errs(fe), from).only("journal_id", "date", "memo", "attachments", "lines")
		h.showEntryForm(w, r, status, ef)
		return
	}
	redirect(w, r, "/erp/finance/entries/"+e.ID, "draft_saved")
}

func (h *handler) entryShow(w http.ResponseWriter, r *http.Request) {
	h.showEntry(w, r, r.PathValue("id"), nil)
}

// showEntry renders an entry's page; problem, if set, is the error of an
// action on it, shown above it.
func (h *handler) showEntry(w http.ResponseWriter, r *http.Request, id string, problem error) {
	ctx := r.Context()
	v, err := h.entryView(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if problem != nil {
		e, st, ok := formErrors(ctx, problem)
		if !ok {
			h.fail(w, r, problem)
			return
		}
		v.Errors, status = e, st
		if v.Errors[""] == "" {
			for _, m := range e {
				v.Errors[""] = m
				break
			}
		}
	}
	h.show(w, r, status, webui.Page{Title: "fin.entry.title", Active: "fin-entries"}, v.Errors[""], entryPage(v))
}

func (h *handler) entryView(ctx context.Context, id string) (entryView, error) {
	var v entryView
	e, err := h.l.Entry(ctx, id)
	if err != nil {
		return v, err
	}
	v.Entry = e
	if v.Company, err = h.l.Company(ctx); err != nil {
		return v, err
	}
	js, err := h.l.Journals(ctx)
	if err != nil {
		return v, err
	}
	if i := slices.IndexFunc(js, func(j ledger.Journal) bool { return j.ID == e.JournalID }); i >= 0 {
		v.Journal = js[i]
	}
	other := e.ReversalOf
	if other == "" {
		other = e.ReversedBy
	}
	if other != "" {
		if v.Reversal, err = h.l.Entry(ctx, other); err != nil {
			return v, err
		}
	}
	v.ReverseDate = h.l.Today(ctx)
	if v.ReverseDate < e.Date {
		v.ReverseDate = e.Date
	}
	return v, nil
}

func (h *handler) entryPost(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := h.l.PostDraft(r.Context(), id); err != nil {
		h.showEntry(w, r, id, err)
		return
	}
	redirect(w, r, "/erp/finance/entries/"+id, "entry_posted")
}

func (h *handler) entryDelete(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if err := h.l.DeleteDraft(r.Context(), id, newForm(r.PostForm).int64("version")); err != nil {
		h.showEntry(w, r, id, err)
		return
	}
	redirect(w, r, "/erp/finance/entries", "draft_deleted")
}

func (h *handler) entryReverse(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	rev, err := h.l.ReverseEntry(r.Context(), id, r.PostForm.Get("date"), r.PostForm.Get("memo"))
	if err != nil {
		h.showEntry(w, r, id, err)
		return
	}
	redirect(w, r, "/erp/finance/entries/"+rev.ID, "entry_reversed")
}

func (h *handler) entryPrint(w http.ResponseWriter, r *http.Request) {
	v, err := h.entryView(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	webui.Render(w, r, http.StatusOK, voucherPrint(v))
}

// sums adds up an entry's base-currency debits and credits.
func sums(e *ledger.Entry) (money.Amount, money.Amount) {
	var d, c money.Amount
	for _, l := range e.Lines {
		d, _ = d.Add(l.BaseDebit)
		c, _ = c.Add(l.BaseCredit)
	}
	return d, c
}

// foreign reports whether any line of the entry is in another currency than base.
func foreign(e *ledger.Entry, base string) bool {
	return slices.ContainsFunc(e.Lines, func(l ledger.Line) bool { return l.Currency != base })
}

func journalOptions(ctx context.Context, js []ledger.Journal) []option {
	out := make([]option, 0, len(js))
	for _, j := range js {
		out = append(out, option{j.ID, j.Prefix + " " + j.Name(lang(ctx))})
	}
	return out
}

func statusOptions(ctx context.Context) []option {
	return []option{{"", tr(ctx, "fin.entries.any_status")}, {ledger.StatusDraft, tr(ctx, "fin.status.draft")}, {ledger.StatusPosted, tr(ctx, "fin.status.posted")}}
}

// sourceKinds lists every kind an entry may come from, for the list filter.
var entrySourceKinds = append([]string{finance.SourceManual, finance.SourceOpening, finance.SourceReversal}, ledger.SourceKinds...)

func entrySourceOptions(ctx context.Context) []option {
	out := []option{{"", tr(ctx, "fin.entries.any_source")}}
	for _, k := range entrySourceKinds {
		out = append(out, option{k, sourceLabel(ctx, k)})
	}
	return out
}

// rowErr is the error of one cell of the lines table.
func rowErr(e errs, i int, name string) string { return e["lines["+strconv.Itoa(i)+"]."+name] }
