package contract_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func amt(s string) money.Amount { return money.MustAmount(s) }

func fields(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return strings.Join(out, ",")
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func plan() []contract.InstallmentInput {
	return []contract.InstallmentInput{
		{DueDate: "2020-01-31", Amount: amt("30000.00"), Condition: "预付 30%"},
		{DueDate: "2099-06-30", Amount: amt("60000.00"), Condition: "到货验收后 30 天"},
		{DueDate: "2099-12-31", Amount: amt("10000.00"), Condition: "质保金"},
	}
}

func TestContractLifecycle(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := e.Service(contract.ServiceName).(contract.Service)
		cs := e.Service(customer.ServiceName).(customer.Service)
		rep := crmtest.Ctx(crmtest.RepA)
		acc, _ := cs.Create(rep, customer.AccountInput{Name: "宁波甬兴汽车零部件有限公司"})
		other, _ := cs.Create(crmtest.Ctx(crmtest.RepC), customer.AccountInput{Name: "深圳南山电子"})

		// Every bad field is named and nothing is written.
		_, err := s.Create(rep, contract.Input{AccountID: other.ID, Title: "", Total: amt("100.00"), EndDate: "2026-13-01",
			Installments: []contract.InstallmentInput{{DueDate: "2099-05-01", Amount: amt("60.00")}, {DueDate: "2099-04-01", Amount: amt("0")}}})
		if got := fields(err); got != "title,end_date,installments[1].due_date,installments[1].amount,installments,account_id" {
			t.Fatalf("bad contract names %q (%v)", got, err)
		}
		if _, err := s.Create(rep, contract.Input{AccountID: acc.ID, Title: "x", Total: amt("100.00")}); fields(err) != "installments" {
			t.Fatalf("no plan: %v", err)
		}
		if e.Count("crm_contract") != 0 {
			t.Fatal("bad input wrote a contract")
		}

		c, err := s.Create(rep, contract.Input{AccountID: acc.ID, Title: "2026 年度变速箱壳体供货合同", Total: amt("100000.00"), Installments: plan()})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != contract.StatusDraft || !strings.HasPrefix(c.Number, "CT-") || len(c.Installments) != 3 || c.Currency != "CNY" {
			t.Fatalf("created %+v", c)
		}
		if len(c.Mismatches) != 0 || len(e.Events(contract.EventPlanChanged)) != 0 {
			t.Fatal("a draft has mismatches or went to ERP")
		}
		// Scopes: another rep cannot see it; the manager can.
		if _, err := s.Get(crmtest.Ctx(crmtest.RepB), c.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("another rep reads: %v", err)
		}
		if _, err := s.Get(crmtest.Ctx(crmtest.Manager), c.ID); err != nil {
			t.Fatalf("manager reads: %v", err)
		}
		if _, err := s.Activate(crmtest.Ctx(crmtest.RepB), c.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("another rep signs: %v", err)
		}

		c, err = s.Activate(rep, c.ID)
		if err != nil || c.Status != contract.StatusActive || c.SignedDate == "" {
			t.Fatalf("activate %+v %v", c, err)
		}
		evs := e.Events(contract.EventPlanChanged)
		if len(evs) != 1 || evs[0].Subject != c.ID {
			t.Fatalf("%d plan events", len(evs))
		}
		var d contract.PlanChangedData
		if err := json.Unmarshal(evs[0].Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Total.String() != "100000.00" || len(d.Installments) != 3 || d.Installments[1].DueDate != "2099-06-30" || d.CustomerID != acc.ID {
			t.Fatalf("event %+v", d)
		}
		// The first installment is past due and unpaid: a mismatch.
		if len(c.Mismatches) != 1 || c.Mismatches[0] != contract.MismatchOverdue || c.Installments[0].State != contract.StateOverdue {
			t.Fatalf("mismatches %v %+v", c.Mismatches, c.Installments[0])
		}
		page, _ := s.List(rep, contract.Filter{Mismatch: true})
		if len(page.Items) != 1 {
			t.Fatalf("mismatch list has %d", len(page.Items))
		}

		// ERP invoices 30,000 naming the contract and receives 40,000 for it:
		// 30,000 through the invoice, 10,000 named directly.
		invID := db.NewID()
		e.EmitERP(catalog.EventInvoicePosted, invID, map[string]any{"invoice_id": invID, "number": "INV-2026-000010", "customer_id": acc.ID,
			"so_id": "", "contract_id": c.ID, "date": "2026-02-01", "due_date": "2026-03-01", "currency": "CNY", "net": "26548.67", "tax": "3451.33", "gross": "30000.00"})
		e.WaitEvents()
		payID := db.NewID()
		e.EmitERP(catalog.EventPaymentReceived, payID, map[string]any{"payment_id": payID, "number": "RC-2026-000010", "customer_id": acc.ID,
			"date": "2026-02-10", "currency": "CNY", "amount": "40000.00", "unallocated": "0.00",
			"allocations": []map[string]string{{"invoice_id": invID, "amount": "30000.00"}, {"contract_id": c.ID, "amount": "10000.00"}}})
		e.WaitEvents()
		c, _ = s.Get(rep, c.ID)
		if c.Invoiced.String() != "30000.00" || c.Paid.String() != "40000.00" {
			t.Fatalf("invoiced %s, paid %s", c.Invoiced, c.Paid)
		}
		if c.Installments[0].State != contract.StatePaid || c.Installments[1].State != contract.StatePartial || c.Installments[1].Paid.String() != "10000.00" ||
			len(c.Mismatches) != 0 {
			t.Fatalf("after payment %+v %v", c.Installments, c.Mismatches)
		}
		if page, _ := s.List(rep, contract.Filter{Mismatch: true}); len(page.Items) != 0 {
			t.Fatal("a settled contract is listed as a mismatch")
		}

		// A new plan on a signed contract goes to ERP again; a stale version is refused.
		in := contract.Input{AccountID: acc.ID, Title: c.Title, Total: amt("100000.00"), Version: c.Version, Installments: []contract.InstallmentInput{
			{DueDate: "2020-01-31", Amount: amt("30000.00")}, {DueDate: "2099-06-30", Amount: amt("70000.00")}}}
		if _, err := s.Update(rep, c.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(rep, c.ID, in); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("stale update: %v", err)
		}
		if len(e.Events(contract.EventPlanChanged)) != 2 {
			t.Fatal("the new plan did not go to ERP")
		}
		// Cancelling needs a reason; ERP is told the plan is gone; nothing changes after.
		if _, err := s.Cancel(rep, c.ID, " "); fields(err) != "reason" {
			t.Fatalf("cancel without reason: %v", err)
		}
		c, err = s.Cancel(rep, c.ID, "客户项目取消")
		if err != nil || c.Status != contract.StatusCancelled {
			t.Fatalf("cancel %+v %v", c, err)
		}
		evs = e.Events(contract.EventPlanChanged)
		if err := json.Unmarshal(evs[len(evs)-1].Data, &d); err != nil || d.Status != contract.StatusCancelled || len(d.Installments) != 0 {
			t.Fatalf("cancel event %+v %v", d, err)
		}
		if _, err := s.Update(rep, c.ID, in); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("update after cancel: %v", err)
		}
		if _, err := s.Activate(rep, c.ID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("sign a cancelled contract: %v", err)
		}
		for _, a := range []string{"crm.contract.created", "crm.contract.active", "crm.contract.updated", "crm.contract.cancelled"} {
			if e.Audited(a) != 1 {
				t.Errorf("%s not audited", a)
			}
		}
	})
}

func TestContractFromDealAndWeb(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := e.Service(contract.ServiceName).(contract.Service)
		cs := e.Service(customer.ServiceName).(customer.Service)
		deals := e.Service(pipeline.ServiceName).(pipeline.Service)
		rep := crmtest.Ctx(crmtest.RepA)
		acc, _ := cs.Create(rep, customer.AccountInput{Name: "上海申达动力部件有限公司", Code: "C000321"})
		o, err := deals.Create(rep, pipeline.OpportunityInput{Name: "电驱壳体项目", AccountID: acc.ID, Amount: amt("250000.00")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Draft(rep, o.ID, ""); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("draft from an open deal: %v", err)
		}
		if _, err := deals.Win(rep, o.ID, ""); err != nil {
			t.Fatal(err)
		}
		in, err := s.Draft(rep, o.ID, "")
		if err != nil || in.Total.String() != "250000.00" || len(in.Installments) != 1 || in.AccountID != acc.ID || in.OpportunityID != o.ID {
			t.Fatalf("draft %+v %v", in, err)
		}
		// The deal's page offers a contract; the form is filled from the deal.
		if r := e.Do(crmtest.RepA, "GET", "/crm/opportunities/"+o.ID, ""); !strings.Contains(r.Body, "/crm/contracts/new?opportunity="+o.ID) {
			t.Fatal("the won deal does not offer a contract")
		}
		r := e.Do(crmtest.RepA, "GET", "/crm/contracts/new?opportunity="+o.ID, "")
		if r.Status != 200 || !strings.Contains(r.Body, `value="250000.00"`) || !strings.Contains(r.Body, "上海申达动力部件有限公司") {
			t.Fatalf("new form: %d", r.Status)
		}
		// A form with a bad row names it and writes nothing.
		form := url.Values{"title": {"电驱壳体项目合同"}, "account": {"C000321"}, "currency": {"CNY"}, "total": {"250000.00"},
			"opportunity_id": {o.ID}, "rows": {"4"},
			"installments[0].due_date": {"2099-03-01"}, "installments[0].amount": {"100000"},
			"installments[1].due_date": {"2099-06-01"}, "installments[1].amount": {"abc"}}
		r = e.Do(crmtest.RepA, "POST", "/crm/contracts", form.Encode(), true)
		if r.Status != 422 || !strings.Contains(r.Body, `data-field-error="installments[1].amount"`) || e.Count("crm_contract") != 0 {
			t.Fatalf("bad form: %d, %d written", r.Status, e.Count("crm_contract"))
		}
		form.Set("installments[1].amount", "150000")
		r = e.Do(crmtest.RepA, "POST", "/crm/contracts", form.Encode(), true)
		if r.Status != 303 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		loc := strings.Split(r.Header.Get("Location"), "?")[0]
		if r := e.Do(crmtest.RepA, "POST", loc+"/activate", "", true); r.Status != 303 {
			t.Fatalf("activate: %d", r.Status)
		}
		r = e.Do(crmtest.RepA, "GET", loc, "")
		if !strings.Contains(r.Body, `data-contract-status="active"`) || !strings.Contains(r.Body, `data-state="planned"`) {
			t.Fatal("the contract page lacks its state")
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/accounts/"+acc.ID, ""); !strings.Contains(r.Body, `id="contracts"`) {
			t.Error("the customer page lacks its contracts")
		}
		if r := e.Do(crmtest.RepB, "GET", loc, ""); r.Status != 404 {
			t.Errorf("another rep opens it: %d", r.Status)
		}
		// The API.
		r = e.Do(crmtest.RepA, "POST", "/api/v1/crm/contracts", `{"account_id":"`+acc.ID+`","title":"补充协议","total":"1000.00","installments":[{"due_date":"2099-01-01","amount":"900.00"}]}`)
		if r.Status != 422 || !strings.Contains(r.Body, `"body.installments"`) {
			t.Fatalf("API plan total: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.RepA, "POST", "/api/v1/crm/contracts", `{"account_id":"`+acc.ID+`","title":"补充协议","total":"1000.00","installments":[{"due_date":"2099-01-01","amount":"1000.00"}]}`)
		if r.Status != 201 {
			t.Fatalf("API create: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.RepA, "GET", "/api/v1/crm/contracts?status=active", "")
		if r.Status != 200 || !strings.Contains(r.Body, "电驱壳体项目合同") || strings.Contains(r.Body, "补充协议") {
			t.Fatalf("API list: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.Clerk, "GET", "/api/v1/crm/contracts", ""); r.Status != 403 {
			t.Fatalf("clerk lists contracts: %d", r.Status)
		}
	})
}
