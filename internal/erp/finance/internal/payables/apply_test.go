package payables_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestApplyPrepaymentAndDebitNote: a prepayment kept on 预付账款 and a debit
// note go to later bills, in part, never beyond what a bill has open nor
// beyond what is left of them, and the payables checkers stay green.
func TestApplyPrepaymentAndDebitNote(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		// A prepayment of 800, nothing allocated.
		pre, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-10-01", Amount: amt("800")})
		if err != nil {
			t.Fatal(err)
		}
		if pre.Prepaid.String() != "800.00" {
			t.Fatalf("prepayment: %+v", pre)
		}
		e.bill(bill1, alu, "FP-90001", "2026-10-10", "2026-11-10", "CNY", "1000", "130")
		e.bill(bill2, mould, "FP-90002", "2026-10-10", "2026-11-10", "CNY", "100", "0")
		b1 := e.itemOf(bill1)
		other := e.itemOf(bill2)

		entries := e.count(`SELECT count(*) FROM fin_entry`)
		// Bad inputs name their field and write nothing.
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{Date: "2026-10-15"})
		wantField(t, err, "source_id", "fin.error.required")
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: b1.ID, Date: "2026-10-15", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("1")}}})
		wantField(t, err, "source_id", "fin.ap.error.apply_source_unknown")
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-10-15", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("1130.01")}}})
		wantField(t, err, "allocations[0].amount", "fin.ap.error.beyond_open")
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-10-15", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("800.01")}}})
		wantField(t, err, "allocations", "fin.ap.error.apply_beyond_left")
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-10-15", Allocations: []payables.AllocationInput{{ItemID: other.ID, Amount: amt("1")}}})
		wantField(t, err, "allocations[0].item_id", "fin.ap.error.bill_supplier")
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-10-15"})
		wantField(t, err, "allocations", "fin.ap.error.apply_no_allocations")
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-13-01", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("1")}}})
		wantField(t, err, "date", "")
		ro := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u1", Login: "u1", Perms: map[authz.Permission]bool{finance.PermPayableRead: true},
			Scopes: map[string]authz.Scope{authz.AllKinds: authz.ScopeCompany}})
		if _, err := e.ap.Apply(ro, payables.ApplyInput{SourceID: pre.ID}); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("without write: %v", err)
		}
		if e.count(`SELECT count(*) FROM fin_entry`) != entries || e.count(`SELECT count(*) FROM fin_ap_application`) != 0 {
			t.Fatal("a refused application wrote something")
		}

		// 500 of the prepayment to the bill: payables debit, 1123 credit.
		apps, err := e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-10-15", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("500")}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) != 1 || apps[0].Amount.String() != "500.00" || apps[0].EntryID == "" || apps[0].ItemNumber != "FP-90001" {
			t.Fatalf("applications: %+v", apps)
		}
		var dr, cr string
		if err := e.db.QueryRow(e.ctx, `SELECT
			(SELECT a.code FROM fin_line l JOIN fin_account a ON a.id = l.account_id WHERE l.entry_id = $1 AND l.debit > 0),
			(SELECT a.code FROM fin_line l JOIN fin_account a ON a.id = l.account_id WHERE l.entry_id = $1 AND l.credit > 0)`, apps[0].EntryID).Scan(&dr, &cr); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(dr, "2202") || cr != "1123" {
			t.Fatalf("transfer posted Dr %s Cr %s", dr, cr)
		}
		if left, _ := e.ap.LeftToApply(e.ctx, pre.ID); left.String() != "300.00" {
			t.Fatalf("left of the prepayment: %s", left)
		}
		if b1 = e.itemOf(bill1); b1.Open.String() != "630.00" {
			t.Fatalf("bill open after the prepayment: %s", b1.Open)
		}
		// A prepayment applied cannot be reversed any more.
		if _, err := e.ap.ReversePayment(e.ctx, pre.ID, "2026-10-16", ""); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("reversing an applied prepayment: %v", err)
		}
		e.mustCheck()

		// A debit note of 226 (goods sent back) applied in part: no posting.
		if err := e.db.InTx(e.ctx, func(ctx context.Context) error {
			_, err := e.l.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: bill3, SourceNumber: "DN-90003",
				Date: "2026-10-12", PartnerKind: "supplier", PartnerID: alu, Lines: []finance.PostingLine{
					{Role: finance.RoleAP, Debit: amt("226")}, {Role: finance.RoleGRNI, Credit: amt("200")}, {Role: finance.RoleInputVAT, Credit: amt("26")}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		dn := e.itemOf(bill3)
		if dn.Kind != payables.KindDebitNote || dn.Open.String() != "-226.00" {
			t.Fatalf("debit note: %+v", dn)
		}
		entries = e.count(`SELECT count(*) FROM fin_entry`)
		_, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: dn.ID, Date: "2026-10-20", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("226.01")}}})
		wantField(t, err, "allocations", "fin.ap.error.apply_beyond_left")
		if _, err := e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: dn.ID, Date: "2026-10-20", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("200")}}}); err != nil {
			t.Fatal(err)
		}
		if e.count(`SELECT count(*) FROM fin_entry`) != entries {
			t.Fatal("a debit note applied posted an entry")
		}
		if dn, b1 = e.itemOf(bill3), e.itemOf(bill1); dn.Open.String() != "-26.00" || b1.Open.String() != "430.00" {
			t.Fatalf("after the debit note: note %s, bill %s", dn.Open, b1.Open)
		}
		if apps, err := e.ap.Applications(e.ctx, b1.ID); err != nil || len(apps) != 2 {
			t.Fatalf("applications of the bill: %+v %v", apps, err)
		}

		// Two people apply 200 each of the 300 left at the same moment: one is refused.
		e.bill(bill2+"x", alu, "FP-90004", "2026-10-10", "2026-11-10", "CNY", "1000", "0")
		b4 := e.itemOf(bill2 + "x")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-10-21", Allocations: []payables.AllocationInput{{ItemID: b4.ID, Amount: amt("200")}}})
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("racing applications: %v", errs)
		}
		if left, _ := e.ap.LeftToApply(e.ctx, pre.ID); left.String() != "100.00" {
			t.Fatalf("left after the race: %s", left)
		}
		e.mustCheck()
	})
}
