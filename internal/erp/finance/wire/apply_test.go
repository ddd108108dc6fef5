package wire_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// TestApplyPrepaymentInApp: a supplier is picked from a list on the payment
// form; a prepayment paid through the API is applied to a later bill in
// part, a second application beyond the bill's open amount is refused
// naming the allocation; the apply screen renders in English and Chinese;
// the payables checkers stay green.
func TestApplyPrepaymentInApp(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		buyer := s.Token(t, "liu.yang")
		st, body := s.Do(t, buyer, "POST", "/api/v1/erp/suppliers", `{"code":"S-PRE","name":"无锡精密模具有限公司","currency":"CNY"}`)
		if st != http.StatusCreated {
			t.Fatalf("supplier: %d %s", st, body)
		}
		var sup struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal([]byte(body), &sup)
		tok := s.Token(t, "huang.jing")
		acct := s.Client(t, "huang.jing")
		today := time.Now().In(mustZone(t)).Format("2006-01-02")
		// The supplier is offered on the payment form.
		if st, page := getLang(t, acct, s.URL+"/erp/finance/payables/pay", "en"); st != http.StatusOK || !strings.Contains(page, `value="`+sup.ID+`"`) {
			t.Fatalf("pick list: %d", st)
		}
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/supplier-payments", `{"supplier_id":"`+sup.ID+`","date":"`+today+`","amount":"800"}`)
		var pay struct {
			ID      string `json:"id"`
			Prepaid string `json:"prepaid"`
		}
		if err := json.Unmarshal([]byte(body), &pay); st != http.StatusCreated || err != nil || pay.Prepaid != "800.00" {
			t.Fatalf("prepayment: %d %s", st, body)
		}
		d := s.App.DBs["erp"]
		l := ledger.New(d, nil)
		payables.New(l, nil, nil)
		sys := authz.WithPrincipal(context.Background(), authz.System())
		billID := db.NewID()
		if err := d.InTx(sys, func(ctx context.Context) error {
			_, err := l.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: billID, SourceNumber: "FP-2026-0901",
				Date: today, DueDate: today, PartnerKind: "supplier", PartnerID: sup.ID,
				Lines: []finance.PostingLine{{Role: finance.RoleGRNI, Debit: money.MustAmount("1000")},
					{Role: finance.RoleInputVAT, Debit: money.MustAmount("130")}, {Role: finance.RoleAP, Credit: money.MustAmount("1130")}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/payables?open=true&supplier_id="+sup.ID, "")
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &list); st != http.StatusOK || err != nil || len(list.Items) != 1 {
			t.Fatalf("payables: %d %s", st, body)
		}
		bill := list.Items[0].ID
		for _, lang := range []string{"en", "zh-CN"} {
			st, page := getLang(t, acct, s.URL+"/erp/finance/payables/apply?source_id="+pay.ID, lang)
			if st != http.StatusOK || strings.Contains(page, "fin.ap.") || !strings.Contains(page, "FP-2026-0901") {
				t.Fatalf("%s apply page: %d", lang, st)
			}
		}
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/payables/apply", `{"source_id":"`+pay.ID+`","date":"`+today+`","allocations":[{"item_id":"`+bill+`","amount":"500"}]}`)
		if st != http.StatusCreated || !strings.Contains(body, `"amount":"500.00"`) {
			t.Fatalf("apply: %d %s", st, body)
		}
		var applied struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if json.Unmarshal([]byte(body), &applied) != nil || len(applied.Items) != 1 {
			t.Fatalf("applied: %s", body)
		}
		defer undoInApp(t, s, pay.ID, applied.Items[0].ID)
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/payables/apply", `{"source_id":"`+pay.ID+`","date":"`+today+`","allocations":[{"item_id":"`+bill+`","amount":"300.01"}]}`)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "allocations") || !strings.Contains(body, "fin.ap.error.apply_beyond_left") {
			t.Fatalf("beyond left: %d %s", st, body)
		}
		rep := s.Token(t, "li.lei")
		if st, _ := s.Do(t, rep, "POST", "/api/v1/erp/finance/payables/apply", `{"source_id":"`+pay.ID+`","allocations":[]}`); st != http.StatusForbidden {
			t.Fatalf("a sales rep applied a prepayment: %d", st)
		}
		st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/payables/"+bill+"/applications", "")
		if st != http.StatusOK || !strings.Contains(body, `"source_kind":"prepayment"`) {
			t.Fatalf("applications: %d %s", st, body)
		}
		// The screens in a real browser, in Chinese at desktop width and in English on a phone:
		// nothing is wider than the window.
		for _, v := range browser.Viewports() {
			t.Run("browser "+v.Name, func(t *testing.T) {
				lang := "zh-Hans"
				if v == browser.Phone {
					lang = "en"
				}
				ctx := browser.NewWithSize(t, v.Width, v.Height)
				signIn(t, ctx, s.URL, "xu.ming", lang)
				for _, u := range []string{"/erp/finance/payables/apply?source_id=" + pay.ID, "/erp/finance/payables/pay", "/erp/finance/returns",
					"/erp/finance/payables/payments/" + pay.ID} {
					browser.Do(t, ctx, chromedp.Navigate(s.URL+u), chromedp.WaitVisible(chromedp.CSS("section.page")))
					if w := browser.Eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
						t.Errorf("%s is %dpx wider than the window", u, w)
					}
				}
			})
		}
		for _, c := range payables.Checkers() {
			vs, err := c.Run(context.Background(), d)
			if err != nil || len(vs) > 0 {
				t.Fatalf("%s: %v %v", c.Name, vs, err)
			}
		}
	})
}

// undoInApp undoes the prepayment's application through the API and the
// screen: an accountant may not, bad input names the field, a second undo
// is a conflict, the payment page shows it undone in both languages, and
// the payment can then be reversed.
func undoInApp(t *testing.T, s *apptest.Server, payment, application string) {
	if t.Failed() {
		return
	}
	acct, mgr := s.Token(t, "huang.jing"), s.Token(t, "xu.ming")
	u := "/api/v1/erp/finance/payables/applications/" + application + "/undo"
	if st, body := s.Do(t, acct, "POST", u, ""); st != http.StatusForbidden {
		t.Fatalf("an accountant undid an application: %d %s", st, body)
	}
	if st, body := s.Do(t, mgr, "POST", u, `{"date":"2000-01-01"}`); st != http.StatusUnprocessableEntity || !strings.Contains(body, `"date"`) {
		t.Fatalf("undo before the application: %d %s", st, body)
	}
	if st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/supplier-payments/"+payment+"/reverse", `{}`); st != http.StatusConflict {
		t.Fatalf("reversing an applied prepayment: %d %s", st, body)
	}
	if st, body := s.Do(t, mgr, "POST", u, ""); st != http.StatusOK || !strings.Contains(body, `"undone_on":"`) || !strings.Contains(body, `"undo_entry_id":"`) {
		t.Fatalf("undo: %d %s", st, body)
	}
	if st, body := s.Do(t, mgr, "POST", u, ""); st != http.StatusConflict {
		t.Fatalf("undo twice: %d %s", st, body)
	}
	c := s.Client(t, "xu.ming")
	for lang, want := range map[string]string{"en": "Undone on", "zh-Hans": "撤销"} {
		st, page := getLang(t, c, s.URL+"/erp/finance/payables/payments/"+payment, lang)
		if st != http.StatusOK || !strings.Contains(page, "data-undone") || !strings.Contains(page, want) {
			t.Fatalf("%s payment page after the undo: %d", lang, st)
		}
	}
	if st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/supplier-payments/"+payment+"/reverse", `{}`); st != http.StatusOK {
		t.Fatalf("reverse after the undo: %d %s", st, body)
	}
}
