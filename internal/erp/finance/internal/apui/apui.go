// Package apui serves the payables screens: the AP aging with its Excel
// export, a supplier's statement and open bills, the supplier payment form
// and a payment's page with its reversal. Handlers are thin: the payables
// service checks every permission again.
package apui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/margin"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Nav is the payables screen in the ERP section of the navigation.
var Nav = []webui.NavItem{
	{Key: "fin-payables", Href: "/erp/finance/payables", LabelKey: "fin.ap.nav", Perm: finance.PermPayableRead},
	{Key: "fin-margins", Href: "/erp/finance/margins", LabelKey: "fin.margin.title", Perm: finance.PermMarginRead},
	{Key: "fin-fx-reval", Href: "/erp/finance/fx-revaluation", LabelKey: "fin.fx.title", Perm: finance.PermEntryPost},
	{Key: "fin-year-close", Href: "/erp/finance/year-close", LabelKey: "fin.yc.title", Perm: finance.PermYearClose},
}

type handler struct {
	ap   *payables.Service
	l    *ledger.Service
	mg   *margin.Service
	page func(r *http.Request, p webui.Page) webui.Page
	log  *slog.Logger
}

// Register adds the payables screens to the router.
func Register(rt *webui.Router, ap *payables.Service, l *ledger.Service, mg *margin.Service, page func(r *http.Request, p webui.Page) webui.Page, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	h := &handler{ap: ap, l: l, mg: mg, page: page, log: log}
	rt.HandleFunc("GET /erp/finance/payables", finance.PermPayableRead, h.aging)
	rt.HandleFunc("GET /erp/finance/payables/aging.xlsx", finance.PermPayableRead, h.agingExport)
	rt.HandleFunc("GET /erp/finance/payables/suppliers/{id}", finance.PermPayableRead, h.supplier)
	rt.HandleFunc("GET /erp/finance/payables/pay", finance.PermPayableWrite, h.payForm)
	rt.HandleFunc("POST /erp/finance/payables/pay", finance.PermPayableWrite, h.paySave)
	rt.HandleFunc("GET /erp/finance/payables/payments/{id}", finance.PermPayableRead, h.payment)
	rt.HandleFunc("GET /erp/finance/payables/apply", finance.PermPayableWrite, h.applyForm)
	rt.HandleFunc("POST /erp/finance/payables/apply", finance.PermPayableWrite, h.applySave)
	rt.HandleFunc("POST /erp/finance/payables/payments/{id}/reverse", finance.PermPayableReverse, h.reverse)
	rt.HandleFunc("POST /erp/finance/payables/applications/{id}/undo", finance.PermPayableReverse, h.undo)
	rt.HandleFunc("GET /erp/finance/margins", finance.PermMarginRead, h.marginPage)
	rt.HandleFunc("GET /erp/finance/margins.xlsx", finance.PermMarginRead, h.marginExport)
	rt.HandleFunc("GET /erp/finance/fx-revaluation", finance.PermEntryPost, h.fxPage)
	rt.HandleFunc("POST /erp/finance/fx-revaluation", finance.PermEntryPost, h.fxPost)
	rt.HandleFunc("GET /erp/finance/year-close", finance.PermYearClose, h.yearClose)
	rt.HandleFunc("POST /erp/finance/year-close", finance.PermYearClose, h.yearCloseSave)
}

func tr(ctx context.Context, id string, data ...map[string]any) string {
	return i18n.T(ctx, id, data...)
}

func can(ctx context.Context, perm authz.Permission) bool {
	p := authz.FromContext(ctx)
	return p != nil && p.Can(perm)
}

func fmtAmount(a money.Amount) string {
	s := a.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func link(path string, pairs ...string) templ.SafeURL {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	if len(q) == 0 {
		return templ.SafeURL(path)
	}
	return templ.SafeURL(path + "?" + q.Encode())
}

func (h *handler) show(w http.ResponseWriter, r *http.Request, status int, title, flash, kind string, body templ.Component) {
	p := h.page(r, webui.Page{Title: title, Active: "fin-payables"})
	if flash != "" {
		p.Flash, p.FlashKind = flash, kind
	}
	webui.Render(w, r, status, webui.Layout(p, body))
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.Status(err)
	detail := ""
	if e, ok := apperr.As(err); ok && status < 500 {
		detail = message(r.Context(), e)
	} else {
		h.log.ErrorContext(r.Context(), "finance: payables request failed", "path", r.URL.Path, "request_id", api.RequestID(r.Context()), "err", err)
	}
	webui.Render(w, r, status, webui.Layout(h.page(r, webui.Page{}), webui.ErrorPage(status, "", detail)))
}

func message(ctx context.Context, e *apperr.Error) string {
	if e.Kind == apperr.KindInvalid && len(e.Fields) > 0 {
		return i18n.T(ctx, e.Fields[0].Key, e.Fields[0].Params)
	}
	return i18n.T(ctx, e.Key, e.Params)
}

type agingView struct {
	Date   string
	Aging  *payables.Aging
	Labels []string
}

func (h *handler) aging(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	date := r.URL.Query().Get("date")
	if date == "" {
		date = h.ap.Today(ctx)
	}
	a, err := h.ap.Aging(ctx, date)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, http.StatusOK, "fin.ap.title", "", "", agingPage(agingView{Date: date, Aging: a, Labels: payables.BucketLabels(i18n.Lang(ctx))}))
}

func (h *handler) agingExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	date := r.URL.Query().Get("date")
	if date == "" {
		date = h.ap.Today(ctx)
	}
	a, err := h.ap.Aging(ctx, date)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := a.XLSX(i18n.Lang(ctx))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ap-aging-%s.xlsx"`, date))
	_, _ = w.Write(b)
}

type supplierView struct {
	ID        string
	Date      string
	Statement *payables.Statement
	Open      []payables.OpenItem
	Payments  []payables.Payment
}

func (h *handler) supplier(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	id := r.PathValue("id")
	to := q.Get("to")
	if to == "" {
		to = h.ap.Today(ctx)
	}
	from := q.Get("from")
	if from == "" && len(to) == 10 {
		from = to[:5] + "01-01"
	}
	v := supplierView{ID: id, Date: to}
	var err error
	if v.Statement, err = h.ap.Statement(ctx, id, q.Get("currency"), from, to); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Open, err = h.ap.OpenAt(ctx, to, id); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Payments, err = h.ap.Payments(ctx, id, 100); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, http.StatusOK, "fin.ap.statement", "", "", supplierPage(v))
}

type payView struct {
	SupplierID string
	Supplier   string
	Date       string
	Currency   string
	Amount     string
	Bank       string
	Method     string
	Reference  string
	Memo       string
	Open       []payables.OpenItem
	Alloc      map[string]string
	Errors     map[string]string
	Suppliers  []payables.AgingRow // to pick from when none is chosen
	Picks      []partner.Supplier  // every active supplier, for the pick list
}

func (h *handler) openBills(ctx context.Context, v *payView) error {
	if v.SupplierID == "" {
		return nil
	}
	items, err := h.ap.OpenAt(ctx, "9999-12-31", v.SupplierID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Kind == payables.KindBill {
			v.Open = append(v.Open, it)
			v.Supplier = it.Supplier
		}
	}
	return nil
}

func (h *handler) payForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := payView{SupplierID: strings.TrimSpace(r.URL.Query().Get("supplier_id")), Date: h.ap.Today(ctx), Alloc: map[string]string{}, Errors: map[string]string{}}
	if err := h.openBills(ctx, &v); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.SupplierID == "" {
		a, err := h.ap.Aging(ctx, "9999-12-31")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v.Suppliers = a.Rows
		if v.Picks, err = h.ap.PickSuppliers(ctx); err != nil {
			h.fail(w, r, err)
			return
		}
	} else if v.Supplier == "" {
		v.Supplier = h.ap.SupplierName(ctx, v.SupplierID)
	}
	h.show(w, r, http.StatusOK, "fin.ap.pay", "", "", payPage(v))
}

func (h *handler) paySave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err))
		return
	}
	f := r.PostForm
	v := payView{SupplierID: strings.TrimSpace(f.Get("supplier_id")), Date: f.Get("date"), Currency: f.Get("currency"), Amount: f.Get("amount"),
		Bank: f.Get("bank_account"), Method: f.Get("method"), Reference: f.Get("reference"), Memo: f.Get("memo"),
		Alloc: map[string]string{}, Errors: map[string]string{}}
	if err := h.openBills(ctx, &v); err != nil {
		h.fail(w, r, err)
		return
	}
	in := payables.PaymentInput{SupplierID: v.SupplierID, Date: v.Date, Currency: v.Currency, BankAccount: v.Bank, Method: v.Method,
		Reference: v.Reference, Memo: v.Memo}
	amount, err := money.ParseAmount(strings.ReplaceAll(v.Amount, ",", ""))
	if err != nil {
		v.Errors["amount"] = tr(ctx, "fin.ap.error.amount_invalid")
	}
	in.Amount = amount
	// Allocation fields are named alloc.<item id>; the form shows the open bills in order.
	for _, it := range v.Open {
		s := strings.TrimSpace(f.Get("alloc." + it.ID))
		v.Alloc[it.ID] = s
		if s == "" {
			continue
		}
		a, err := money.ParseAmount(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			v.Errors["alloc."+it.ID] = tr(ctx, "fin.ap.error.amount_invalid")
			continue
		}
		in.Allocations = append(in.Allocations, payables.AllocationInput{ItemID: it.ID, Amount: a})
	}
	if len(v.Errors) == 0 {
		p, err := h.ap.Pay(ctx, in)
		if err == nil {
			http.Redirect(w, r, "/erp/finance/payables/payments/"+p.ID+"?done=1", http.StatusSeeOther)
			return
		}
		e, ok := apperr.As(err)
		if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
			h.fail(w, r, err)
			return
		}
		for _, fe := range e.Fields {
			name := fe.Field
			// allocations[i].x → the field of that bill's row.
			if strings.HasPrefix(name, "allocations[") {
				if n, err := strconv.Atoi(strings.TrimSuffix(strings.SplitN(strings.TrimPrefix(name, "allocations["), "]", 2)[0], "]")); err == nil && n < len(in.Allocations) {
					name = "alloc." + in.Allocations[n].ItemID
				}
			}
			if _, dup := v.Errors[name]; !dup {
				v.Errors[name] = i18n.T(ctx, fe.Key, fe.Params)
			}
		}
		if len(e.Fields) == 0 {
			v.Errors[""] = i18n.T(ctx, e.Key, e.Params)
		}
	}
	h.show(w, r, http.StatusUnprocessableEntity, "fin.ap.pay", "", "", payPage(v))
}

func (h *handler) payment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := h.ap.Payment(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	flash := ""
	if r.URL.Query().Get("done") != "" {
		flash = tr(ctx, "fin.ap.paid_ok", map[string]any{"Number": p.Number})
	}
	apps, err := h.ap.Applications(ctx, p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("undone") != "" {
		flash = tr(ctx, "fin.ap.undone_ok")
	}
	h.show(w, r, http.StatusOK, "fin.ap.payments", flash, "success", paymentPage(p, apps, ""))
}

// undo undoes an application of a payment's prepayment and shows the payment again.
func (h *handler) undo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err))
		return
	}
	pid := r.PostForm.Get("payment_id")
	if _, err := h.ap.UndoApplication(ctx, r.PathValue("id"), r.PostForm.Get("date"), r.PostForm.Get("memo")); err != nil {
		e, ok := apperr.As(err)
		if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) || pid == "" {
			h.fail(w, r, err)
			return
		}
		p, perr := h.ap.Payment(ctx, pid)
		if perr != nil {
			h.fail(w, r, perr)
			return
		}
		apps, aerr := h.ap.Applications(ctx, pid)
		if aerr != nil {
			h.fail(w, r, aerr)
			return
		}
		h.show(w, r, e.Status(), "fin.ap.payments", "", "", paymentPage(p, apps, message(ctx, e)))
		return
	}
	if pid == "" {
		http.Redirect(w, r, "/erp/finance/payables", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/erp/finance/payables/payments/"+url.PathEscape(pid)+"?undone=1", http.StatusSeeOther)
}

func (h *handler) reverse(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err))
		return
	}
	id := r.PathValue("id")
	if _, err := h.ap.ReversePayment(ctx, id, r.PostForm.Get("date"), r.PostForm.Get("memo")); err != nil {
		e, ok := apperr.As(err)
		if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
			h.fail(w, r, err)
			return
		}
		p, perr := h.ap.Payment(ctx, id)
		if perr != nil {
			h.fail(w, r, perr)
			return
		}
		apps, aerr := h.ap.Applications(ctx, id)
		if aerr != nil {
			h.fail(w, r, aerr)
			return
		}
		h.show(w, r, e.Status(), "fin.ap.payments", "", "", paymentPage(p, apps, message(ctx, e)))
		return
	}
	http.Redirect(w, r, "/erp/finance/payables/payments/"+id, http.StatusSeeOther)
}

type yearView struct {
	Year    int
	Close   *ledger.YearClose
	Problem string
	Lang    string
}

func (h *handler) yearOf(r *http.Request, v string) int {
	if y, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return y
	}
	today := h.ap.Today(r.Context())
	y, _ := strconv.Atoi(today[:4])
	return y
}

func (h *handler) yearClose(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	y := h.yearOf(r, r.URL.Query().Get("year"))
	yc, err := h.l.YearClosePreview(ctx, y)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	flash := ""
	if r.URL.Query().Get("done") != "" {
		flash = tr(ctx, "fin.yc.closed", map[string]any{"Year": y})
	}
	h.show(w, r, http.StatusOK, "fin.yc.title", flash, "success", yearPage(yearView{Year: y, Close: yc, Lang: i18n.Lang(ctx)}))
}

func (h *handler) yearCloseSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err))
		return
	}
	y := h.yearOf(r, r.PostForm.Get("year"))
	_, err := h.l.CloseYear(ctx, y, r.PostForm.Get("force") != "")
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/erp/finance/year-close?year=%d&done=1", y), http.StatusSeeOther)
		return
	}
	e, ok := apperr.As(err)
	if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
		h.fail(w, r, err)
		return
	}
	yc, perr := h.l.YearClosePreview(ctx, y)
	if perr != nil {
		h.fail(w, r, perr)
		return
	}
	h.show(w, r, e.Status(), "fin.yc.title", "", "", yearPage(yearView{Year: y, Close: yc, Problem: message(ctx, e), Lang: i18n.Lang(ctx)}))
}

func joinPeriods(ps []string) string { return strings.Join(ps, ", ") }

type fxView struct {
	Period  string
	Reval   *ledger.FXReval
	Problem string
}

func (h *handler) fxPeriod(r *http.Request, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		today := h.ap.Today(r.Context())
		if len(today) >= 7 {
			v = today[:7]
		}
	}
	return v
}

func (h *handler) fxPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	period := h.fxPeriod(r, r.URL.Query().Get("period"))
	v := fxView{Period: period}
	rv, err := h.l.FXRevalPreview(ctx, period)
	status := http.StatusOK
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.KindInvalid {
			h.fail(w, r, err)
			return
		}
		v.Problem, status = message(ctx, e), e.Status()
	}
	v.Reval = rv
	flash := ""
	if r.URL.Query().Get("done") != "" {
		flash = tr(ctx, "fin.fx.posted", map[string]any{"Period": period})
	}
	h.show(w, r, status, "fin.fx.title", flash, "success", fxPage(v))
}

func (h *handler) fxPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err))
		return
	}
	period := h.fxPeriod(r, r.PostForm.Get("period"))
	if _, err := h.l.RevalueFX(ctx, period); err != nil {
		e, ok := apperr.As(err)
		if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
			h.fail(w, r, err)
			return
		}
		rv, _ := h.l.FXRevalPreview(ctx, period)
		h.show(w, r, e.Status(), "fin.fx.title", "", "", fxPage(fxView{Period: period, Reval: rv, Problem: message(ctx, e)}))
		return
	}
	http.Redirect(w, r, "/erp/finance/fx-revaluation?done=1&period="+url.QueryEscape(period), http.StatusSeeOther)
}

type marginView struct {
	Opts    margin.Options
	Report  *margin.Report
	Problem string
}

func (h *handler) marginOptions(r *http.Request) margin.Options {
	q := r.URL.Query()
	o := margin.Options{From: q.Get("from"), To: q.Get("to"), By: q.Get("by"), CustomerID: q.Get("customer_id"), SOID: q.Get("so_id")}
	if o.To == "" {
		o.To = h.ap.Today(r.Context())
	}
	if o.From == "" && len(o.To) == 10 {
		o.From = o.To[:8] + "01"
	}
	if o.By == "" {
		o.By = margin.ByCustomer
	}
	return o
}

func (h *handler) marginPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o := h.marginOptions(r)
	v := marginView{Opts: o}
	rep, err := h.mg.Margins(ctx, o)
	status := http.StatusOK
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.KindInvalid {
			h.fail(w, r, err)
			return
		}
		v.Problem, status = message(ctx, e), e.Status()
	}
	v.Report = rep
	h.show(w, r, status, "fin.margin.title", "", "", marginPage(v))
}

func (h *handler) marginExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o := h.marginOptions(r)
	rep, err := h.mg.Margins(ctx, o)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := rep.XLSX(i18n.Lang(ctx))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="gross-margin-%s-%s.xlsx"`, o.From, o.To))
	_, _ = w.Write(b)
}

// drill is where a margin row leads: a customer's orders, an order's invoices, an invoice.
func drill(o margin.Options, row margin.Row) templ.SafeURL {
	switch o.By {
	case margin.ByCustomer:
		return link("/erp/finance/margins", "from", o.From, "to", o.To, "by", margin.ByOrder, "customer_id", row.Key)
	case margin.ByOrder:
		if row.Key == "" {
			return link("/erp/finance/margins", "from", o.From, "to", o.To, "by", margin.ByInvoice, "customer_id", o.CustomerID)
		}
		return link("/erp/finance/margins", "from", o.From, "to", o.To, "by", margin.ByInvoice, "so_id", row.Key)
	}
	if o.By == margin.ByItem || row.Key == "" {
		return ""
	}
	return link("/erp/finance/invoices/" + row.Key)
}
