package quote_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func fields(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

const (
	housing = "0196b2c4-5f1e-7a3b-9c0d-000000000001" // sellable, stock 100, 500 incoming
	cover   = "0196b2c4-5f1e-7a3b-9c0d-000000000002" // sellable, no stock report
	ingot   = "0196b2c4-5f1e-7a3b-9c0d-000000000003" // raw material, not for sale
)

type fx struct {
	e   *crmtest.Env
	s   quote.Service
	acc *customer.Account // RepA's A-level customer
}

func setup(t *testing.T, cfg db.Config) *fx {
	e := crmtest.Start(t, cfg)
	f := &fx{e: e, s: e.Service(quote.ServiceName).(quote.Service)}
	cs := e.Service(customer.ServiceName).(customer.Service)
	var err error
	f.acc, err = cs.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "宁波华翔汽车零部件有限公司", Level: customer.LevelA,
		Addresses: []customer.Address{{Kind: customer.AddressShipping, Province: "浙江省", City: "宁波市", Street: "大港工业城 2 号门"}}})
	if err != nil {
		t.Fatal(err)
	}
	item := func(id, code, name, price, floor string, sellable bool) map[string]any {
		return map[string]any{"id": id, "code": code, "name": name, "vat_rate": "0.13", "list_price": price, "floor_price": floor,
			"currency": "CNY", "lead_time_days": 20, "sellable": sellable, "status": "active", "uom": "pcs", "spec": "ADC12"}
	}
	e.EmitERP(catalog.EventItemUpserted, housing, item(housing, "FG-GBH-001", "变速箱壳体", "268", "240", true))
	e.EmitERP(catalog.EventItemUpserted, cover, item(cover, "FG-MEC-002", "电机端盖", "86.5", "0", true))
	e.EmitERP(catalog.EventItemUpserted, ingot, item(ingot, "RM-ADC12", "ADC12 铝合金锭", "0", "0", false))
	e.EmitERP(catalog.EventAvailabilityChanged, housing, map[string]any{"item_id": housing, "on_hand": "120", "reserved": "20", "available": "100",
		"incoming": []map[string]string{{"date": "2099-04-10", "quantity": "500"}}, "lead_time_days": 20, "as_of": time.Now().UTC().Format(time.RFC3339Nano)})
	e.WaitEvents()
	return f
}

func line(item, qty string) quote.LineInput {
	return quote.LineInput{ItemID: item, Quantity: money.MustQuantity(qty)}
}

func price(s string) *money.UnitPrice {
	p := money.MustUnitPrice(s)
	return &p
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestPricing(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		rep, mgr := crmtest.Ctx(crmtest.RepA), crmtest.Ctx(crmtest.Manager)
		p, err := f.s.PriceOf(rep, f.acc.ID, housing, "", money.MustQuantity("10"))
		if err != nil || p.UnitPrice.String() != "268" || p.Source != quote.SourceItem {
			t.Fatalf("list price %+v %v", p, err)
		}
		if _, err := f.s.SavePriceList(rep, quote.PriceList{Name: "x"}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep saves a price list: %v", err)
		}
		if _, err := f.s.SavePriceList(mgr, quote.PriceList{Name: "A 级", Level: "D", Prices: []quote.PriceRule{{ItemID: db.NewID(), UnitPrice: money.MustUnitPrice("1")}}}); fields(err) != "level,prices[0].item_id" {
			t.Errorf("bad price list: %v", err)
		}
		_, err = f.s.SavePriceList(mgr, quote.PriceList{Name: "A 级客户", Level: "A", Currency: "CNY", Active: true, Prices: []quote.PriceRule{
			{ItemID: housing, UnitPrice: money.MustUnitPrice("262")},
			{ItemID: housing, MinQty: money.MustQuantity("500"), UnitPrice: money.MustUnitPrice("255")},
		}})
		if err != nil {
			t.Fatal(err)
		}
		for qty, want := range map[string]string{"10": "262", "499": "262", "500": "255", "2000": "255"} {
			p, err := f.s.PriceOf(rep, f.acc.ID, housing, "CNY", money.MustQuantity(qty))
			if err != nil || p.UnitPrice.String() != want || p.Source != quote.SourceList {
				t.Errorf("qty %s: %+v %v", qty, p, err)
			}
		}
		if _, err := f.s.SetCustomerPrice(mgr, quote.CustomerPrice{AccountID: f.acc.ID, ItemID: housing, MinQty: money.MustQuantity("1000"), UnitPrice: money.MustUnitPrice("249.5")}); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.s.PriceOf(rep, f.acc.ID, housing, "CNY", money.MustQuantity("1000")); p.UnitPrice.String() != "249.5" || p.Source != quote.SourceCustomer {
			t.Errorf("customer price %+v", p)
		}
		if p, _ := f.s.PriceOf(rep, f.acc.ID, housing, "CNY", money.MustQuantity("999")); p.Source != quote.SourceList {
			t.Errorf("below the customer's break %+v", p)
		}
		if _, err := f.s.PriceOf(rep, f.acc.ID, housing, "USD", money.MustQuantity("1")); fields(err) != "currency" {
			t.Errorf("no USD price: %v", err)
		}
		// The web pages show them.
		if r := f.e.Do(crmtest.RepA, "GET", "/crm/prices", ""); !strings.Contains(r.Body, "A 级客户") || !strings.Contains(r.Body, "255.00") {
			t.Errorf("price lists page: %d", r.Status)
		}
		if r := f.e.Do(crmtest.RepA, "GET", "/crm/accounts/"+f.acc.ID, ""); !strings.Contains(r.Body, "249.50") {
			t.Error("the account page lacks the customer price")
		}
	})
}

func TestQuoteAmountsAndBadInput(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		rep := crmtest.Ctx(crmtest.RepA)
		other, _ := f.e.Service(customer.ServiceName).(customer.Service).Create(crmtest.Ctx(crmtest.RepB), customer.AccountInput{Name: "别人的客户"})
		// Every bad line and the unknown customer are named; nothing is written.
		_, err := f.s.Create(rep, quote.Input{AccountID: other.ID, Lines: []quote.LineInput{
			{ItemID: db.NewID(), Quantity: money.MustQuantity("1")},
			{ItemID: ingot, Quantity: money.MustQuantity("1")},
			{ItemID: housing, Quantity: money.MustQuantity("0")},
			{ItemID: housing, Quantity: money.MustQuantity("1"), Discount: money.MustRate("1.5")},
		}})
		if got := fields(err); got != "account_id,lines[0].item_id,lines[1].item_id,lines[2].quantity,lines[3].discount" {
			t.Errorf("bad quote names %s (%v)", got, err)
		}
		_, err = f.s.Create(rep, quote.Input{AccountID: f.acc.ID, Lines: []quote.LineInput{{ItemID: housing, Quantity: money.MustQuantity("10"), UnitPrice: price("230")}}})
		if fields(err) != "lines[0].unit_price" {
			t.Errorf("below floor without approval: %v", err)
		}
		if f.e.Count("crm_quote") != 0 || f.e.Count("crm_quote_line") != 0 {
			t.Fatal("bad input wrote a quote")
		}

		q, err := f.s.Create(rep, quote.Input{AccountID: f.acc.ID, Lines: []quote.LineInput{
			line(housing, "500"), {ItemID: cover, Quantity: money.MustQuantity("3"), UnitPrice: price("86.5"), Discount: money.MustRate("0.05")},
		}})
		if err != nil {
			t.Fatal(err)
		}
		// 500 × 268 = 134000.00, VAT 17420.00; 3 × 86.50 = 259.50 less 5% (12.98) = 246.52, VAT 32.05.
		if q.Net.String() != "134246.52" || q.Tax.String() != "17452.05" || q.Gross.String() != "151698.57" || q.Status != quote.StatusDraft ||
			q.ShipTo == "" || q.ValidUntil == "" || q.Lines[1].NetPrice.String() != "82.175" || q.Lines[1].Reduction.String() != "0.05" {
			t.Fatalf("quote %+v", q)
		}
		var sum money.Amount
		for _, l := range q.Lines {
			sum, _ = sum.Add(l.Gross)
		}
		if sum.Cmp(q.Gross) != 0 {
			t.Errorf("lines sum to %s, total %s", sum, q.Gross)
		}
		incl, err := f.s.Update(rep, q.ID, quote.Input{AccountID: f.acc.ID, TaxMode: quote.TaxInclusive, Lines: []quote.LineInput{line(housing, "3")}, Version: q.Version})
		if err != nil {
			t.Fatal(err)
		}
		// With VAT: 268 × 1.13 = 302.84; 3 × 302.84 = 908.52; VAT 908.52 × 0.13/1.13 = 104.52.
		if incl.Lines[0].UnitPrice.String() != "302.84" || incl.Gross.String() != "908.52" || incl.Tax.String() != "104.52" || incl.Net.String() != "804.00" {
			t.Fatalf("inclusive %+v", incl.Lines[0])
		}
		if _, err := f.s.Update(rep, q.ID, quote.Input{AccountID: f.acc.ID, Version: q.Version}); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("stale update: %v", err)
		}
		if _, err := f.s.Get(crmtest.Ctx(crmtest.RepB), q.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("another rep opens the quote: %v", err)
		}
		for _, p := range []*authz.Principal{crmtest.Manager, crmtest.Finance, crmtest.Admin} {
			if _, err := f.s.Get(crmtest.Ctx(p), q.ID); err != nil {
				t.Errorf("%s cannot open the quote: %v", p.Login, err)
			}
		}
		if _, err := f.s.Create(crmtest.Ctx(crmtest.Finance), quote.Input{AccountID: f.acc.ID}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("finance creates a quote: %v", err)
		}
	})
}

func TestApprovalsAndCredit(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		rep, mgr, fin := crmtest.Ctx(crmtest.RepA), crmtest.Ctx(crmtest.Manager), crmtest.Ctx(crmtest.Finance)
		q, err := f.s.Create(rep, quote.Input{AccountID: f.acc.ID, Lines: []quote.LineInput{
			{ItemID: cover, Quantity: money.MustQuantity("10"), Discount: money.MustRate("0.11")},
		}})
		if err != nil {
			t.Fatal(err)
		}
		q, err = f.s.Submit(rep, q.ID, q.Version)
		if err != nil || q.Status != quote.StatusPending {
			t.Fatalf("submit %+v %v", q, err)
		}
		as, _ := f.s.Approvals(rep, q.ID)
		if len(as) != 1 || as[0].Kind != quote.ApprovalDiscount || as[0].Detail["discount"] != "0.11" {
			t.Fatalf("approvals %+v", as)
		}
		if _, err := f.s.Update(rep, q.ID, quote.Input{AccountID: f.acc.ID}); fields(err) != "status" {
			t.Errorf("edit while waiting: %v", err)
		}
		if _, err := f.s.Decide(rep, as[0].ID, true, ""); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep decides: %v", err)
		}
		inbox, _ := f.s.Approvals(mgr, "")
		if len(inbox) != 1 {
			t.Fatalf("manager's inbox %+v", inbox)
		}
		if other, _ := f.s.Approvals(crmtest.Ctx(crmtest.Finance), ""); len(other) != 0 {
			t.Errorf("finance sees a discount approval: %+v", other)
		}
		if _, err := f.s.Decide(mgr, as[0].ID, false, " "); fields(err) != "comment" {
			t.Errorf("reject without comment: %v", err)
		}
		if _, err := f.s.Decide(mgr, as[0].ID, false, "折扣太大，请控制在 10% 以内"); err != nil {
			t.Fatal(err)
		}
		if q, _ = f.s.Get(rep, q.ID); q.Status != quote.StatusDraft {
			t.Fatalf("after rejection %s", q.Status)
		}
		q, _ = f.s.Submit(rep, q.ID, 0)
		as, _ = f.s.Approvals(rep, q.ID)
		if _, err := f.s.Decide(mgr, as[1].ID, true, "同意"); err != nil {
			t.Fatal(err)
		}
		if q, _ = f.s.Get(rep, q.ID); q.Status != quote.StatusApproved {
			t.Fatalf("after approval %s", q.Status)
		}
		if _, err := f.s.Decide(mgr, as[1].ID, true, ""); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("decide twice: %v", err)
		}

		// Over the credit limit: finance approves, or the quote is refused.
		f.e.EmitERP(catalog.EventCreditChanged, f.acc.ID, map[string]any{"customer_id": f.acc.ID, "currency": "CNY", "credit_limit": "50000.00",
			"ar_balance": "48000.00", "overdue": "0.00", "open_orders": "0.00", "available_credit": "2000.00", "on_hold": false})
		f.e.WaitEvents()
		big, _ := f.s.Create(rep, quote.Input{AccountID: f.acc.ID, Lines: []quote.LineInput{
			{ItemID: housing, Quantity: money.MustQuantity("100"), UnitPrice: price("200"), FloorApproval: true}}})
		if !big.Lines[0].BelowFloor {
			t.Fatal("the line is not marked below its floor")
		}
		big, _ = f.s.Submit(rep, big.ID, 0)
		as, _ = f.s.Approvals(rep, big.ID)
		var kinds []string
		for _, a := range as {
			kinds = append(kinds, string(a.Kind))
		}
		if big.Status != quote.StatusPending || strings.Join(kinds, ",") != "discount,floor,credit" {
			t.Fatalf("kinds %v status %s", kinds, big.Status)
		}
		for _, a := range as {
			ctx := mgr
			if a.Kind == quote.ApprovalCredit {
				ctx = fin
			}
			if _, err := f.s.Decide(ctx, a.ID, true, "可以"); err != nil {
				t.Fatalf("decide %s: %v", a.Kind, err)
			}
		}
		if big, _ = f.s.Get(rep, big.ID); big.Status != quote.StatusApproved {
			t.Fatalf("after every approval %s", big.Status)
		}
		if _, err := f.s.SaveSettings(mgr, quote.Settings{DiscountThreshold: money.MustRate("0.1"), CreditPolicy: quote.CreditBlock, ValidityDays: 30}); err != nil {
			t.Fatal(err)
		}
		blocked, _ := f.s.Create(rep, quote.Input{AccountID: f.acc.ID, Lines: []quote.LineInput{line(cover, "100")}})
		if _, err := f.s.Submit(rep, blocked.ID, 0); fields(err) != "account_id" {
			t.Errorf("blocked by credit: %v", err)
		}
		if q, _ := f.s.Get(rep, blocked.ID); q.Status != quote.StatusDraft {
			t.Errorf("a blocked quote changed to %s", q.Status)
		}
		if _, err := f.s.SaveSettings(mgr, quote.Settings{DiscountThreshold: money.MustRate("2"), CreditPolicy: "maybe"}); fields(err) != "credit_policy,discount_threshold,validity_days" {
			t.Errorf("bad settings: %v", err)
		}
		// Approvers heard of it on their bells; the rep heard of every decision.
		if n := len(f.e.Events("crm.notification.requested")); n < 6 {
			t.Errorf("%d notifications", n)
		}
	})
}

func TestRevisionsAcceptAndERP(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		rep := crmtest.Ctx(crmtest.RepA)
		opp, err := f.e.Service(pipeline.ServiceName).(pipeline.Service).Create(rep, pipeline.OpportunityInput{Name: "壳体年度订单", AccountID: f.acc.ID})
		if err != nil {
			t.Fatal(err)
		}
		q, err := f.s.Create(rep, quote.Input{AccountID: f.acc.ID, OpportunityID: opp.ID, RequestedDate: "2099-06-01", PaymentTerms: "月结 60 天",
			Lines: []quote.LineInput{line(housing, "150"), line(cover, "20")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Send(rep, q.ID); fields(err) != "status" {
			t.Errorf("send a draft: %v", err)
		}
		q, _ = f.s.Submit(rep, q.ID, 0)
		if q.Status != quote.StatusApproved {
			t.Fatalf("submit without approvals %s", q.Status)
		}
		q, _ = f.s.Send(rep, q.ID)
		r2, err := f.s.Revise(rep, q.ID)
		if err != nil || r2.Revision != 2 || r2.Number != q.Number || r2.Status != quote.StatusDraft || len(r2.Lines) != 2 {
			t.Fatalf("revision %+v %v", r2, err)
		}
		if old, _ := f.s.Get(rep, q.ID); old.Status != quote.StatusSuperseded || old.SupersededBy != r2.ID {
			t.Errorf("old revision %+v", old)
		}
		if page, _ := f.s.List(rep, quote.Filter{}); len(page.Items) != 1 || page.Items[0].ID != r2.ID {
			t.Errorf("the list shows %+v", page.Items)
		}
		r2, _ = f.s.Submit(rep, r2.ID, 0)
		r2, err = f.s.Accept(rep, r2.ID)
		if err != nil || r2.Status != quote.StatusAccepted || r2.RequestID == "" {
			t.Fatalf("accept %+v %v", r2, err)
		}
		if _, err := f.s.Update(rep, r2.ID, quote.Input{AccountID: f.acc.ID}); fields(err) != "status" || !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("edit after acceptance: %v", err)
		}
		if o, _ := f.e.Service(pipeline.ServiceName).(pipeline.Service).Get(rep, opp.ID); o.Status != pipeline.StatusWon {
			t.Errorf("the opportunity is %s", o.Status)
		}
		evs := f.e.Events(quote.EventOrderRequested)
		if len(evs) != 1 {
			t.Fatalf("%d order requests", len(evs))
		}
		var req quote.OrderRequested
		json.Unmarshal(evs[0].Data, &req)
		if req.QuoteID != r2.ID || req.Revision != 2 || req.CustomerID != f.acc.ID || req.RequestID != r2.RequestID || len(req.Lines) != 2 ||
			req.Lines[0].UnitPrice.String() != "268" || req.Gross.Cmp(r2.Gross) != 0 || req.PaymentTerms != "月结 60 天" {
			t.Fatalf("order request %+v", req)
		}
		// The quote page shows the promise date of the short line, then what ERP answers.
		page := f.e.Do(crmtest.RepA, "GET", "/crm/quotes/"+r2.ID, "")
		if !strings.Contains(page.Body, `data-promise="2099-04-10"`) || !strings.Contains(page.Body, "data-so-waiting") {
			t.Errorf("quote page before ERP answered: %d", page.Status)
		}
		soID := db.NewID()
		f.e.EmitERP(catalog.EventSalesOrderAccepted, r2.ID, map[string]any{"request_id": req.RequestID, "quote_id": r2.ID, "so_id": soID,
			"so_number": "SO-2026-000777", "promise_date": "2099-04-12", "lines": []any{}})
		f.e.EmitERP(catalog.EventSalesOrderStatus, soID, map[string]any{"so_id": soID, "so_number": "SO-2026-000777", "quote_id": r2.ID,
			"status": "in_production", "at": time.Now().UTC().Format(time.RFC3339Nano)})
		f.e.WaitEvents()
		page = f.e.Do(crmtest.RepA, "GET", "/crm/quotes/"+r2.ID, "")
		if !strings.Contains(page.Body, "SO-2026-000777") || !strings.Contains(page.Body, "In production") {
			t.Errorf("quote page after ERP answered lacks the order")
		}
		api := f.e.Do(crmtest.RepA, "GET", "/api/v1/crm/quotes/"+r2.ID, "")
		if !strings.Contains(api.Body, `"so_number":"SO-2026-000777"`) || !strings.Contains(api.Body, `"status":"in_production"`) {
			t.Errorf("API: %s", api.Body)
		}
		// The owner hears of ERP's answer.
		found := false
		for _, ev := range f.e.Events("crm.notification.requested") {
			found = found || strings.Contains(string(ev.Data), "order_accepted")
		}
		if !found {
			t.Error("no notice of the accepted order")
		}
		// Print view in both languages.
		for lang, word := range map[string]string{"zh-Hans": "报价单", "en": "Quotation"} {
			r := f.e.Do(crmtest.RepA, "GET", "/crm/quotes/"+r2.ID+"/print?doc_lang="+lang, "")
			if r.Status != 200 || !strings.Contains(r.Body, word) || !strings.Contains(r.Body, `data-doc-lang="`+lang+`"`) {
				t.Errorf("print %s: %d", lang, r.Status)
			}
		}
	})
}

func TestQuoteAPIAndRejectedOrder(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		body := `{"account_id":"` + f.acc.ID + `","lines":[{"item_id":"` + housing + `","quantity":"5"},{"item_id":"` + ingot + `","quantity":"1"}]}`
		r := f.e.Do(crmtest.RepA, "POST", "/api/v1/crm/quotes", body)
		if r.Status != 422 || !strings.Contains(r.Body, `"body.lines[1].item_id"`) {
			t.Fatalf("bad API quote: %d %s", r.Status, r.Body)
		}
		body = `{"account_id":"` + f.acc.ID + `","lines":[{"item_id":"` + housing + `","quantity":"5","unit_price":"270.5"}]}`
		r = f.e.Do(crmtest.RepA, "POST", "/api/v1/crm/quotes", body)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var q struct {
			ID    string `json:"id"`
			Gross string `json:"gross"`
			Lines []struct {
				AvailableNow string `json:"available_now"`
				PromiseDate  string `json:"promise_date"`
			} `json:"lines"`
		}
		r.JSON(t, &q)
		if q.Gross != "1528.33" || q.Lines[0].AvailableNow != "5" {
			t.Fatalf("created %+v", q)
		}
		for _, step := range []string{"submit", "accept"} {
			if r := f.e.Do(crmtest.RepA, "POST", "/api/v1/crm/quotes/"+q.ID+"/"+step, ""); r.Status != 200 {
				t.Fatalf("%s: %d %s", step, r.Status, r.Body)
			}
		}
		f.e.EmitERP(catalog.EventSalesOrderRejected, q.ID, map[string]any{"request_id": "x", "quote_id": q.ID, "reason_code": "credit_hold", "reason": "客户信用冻结"})
		f.e.WaitEvents()
		r = f.e.Do(crmtest.RepA, "GET", "/api/v1/crm/quotes/"+q.ID, "")
		if !strings.Contains(r.Body, `"status":"rejected"`) || !strings.Contains(r.Body, "客户信用冻结") {
			t.Errorf("rejected order: %s", r.Body)
		}
		if r := f.e.Do(crmtest.RepA, "PUT", "/api/v1/crm/quotes/"+q.ID, body); r.Status != 412 || !strings.Contains(r.Body, "status") {
			t.Errorf("edit after acceptance: %d %s", r.Status, r.Body)
		}
	})
}
