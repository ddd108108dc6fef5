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

// TestUndoApplication: undoing a prepayment's application posts the counter
// entry, opens the bill again and gives the prepayment its amount back; it
// happens once, and then the payment can be reversed. A debit note's
// application is undone without posting.
func TestUndoApplication(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		pre, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-10-01", Amount: amt("800")})
		if err != nil {
			t.Fatal(err)
		}
		e.bill(bill1, alu, "FP-90001", "2026-10-10", "2026-11-10", "CNY", "1000", "130")
		b1 := e.itemOf(bill1)
		apps, err := e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: pre.ID, Date: "2026-10-15", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("500")}}})
		if err != nil {
			t.Fatal(err)
		}
		app := apps[0]

		// Bad input names the field; a bookkeeper without the reverse permission is refused; nothing is written.
		entries := e.count(`SELECT count(*) FROM fin_entry`)
		_, err = e.ap.UndoApplication(e.ctx, app.ID, "2026-10-14", "")
		wantField(t, err, "date", "fin.ap.error.reverse_date")
		_, err = e.ap.UndoApplication(e.ctx, app.ID, "2026-02-30", "")
		wantField(t, err, "date", "")
		_, err = e.ap.UndoApplication(e.ctx, app.ID, "2026-10-20", strings.Repeat("长", 201))
		wantField(t, err, "memo", "fin.error.too_long")
		if _, err := e.ap.UndoApplication(e.ctx, "0196b2c4-0000-7000-8000-00000000ffff", "", ""); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("unknown application: %v", err)
		}
		clerk := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u1", Login: "u1",
			Perms: map[authz.Permission]bool{finance.PermPayableRead: true, finance.PermPayableWrite: true}, Scopes: map[string]authz.Scope{authz.AllKinds: authz.ScopeCompany}})
		if _, err := e.ap.UndoApplication(clerk, app.ID, "", ""); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("undo without the reverse permission: %v", err)
		}
		if e.count(`SELECT count(*) FROM fin_entry`) != entries || e.count(`SELECT count(*) FROM fin_ap_application_reversal`) != 0 {
			t.Fatal("a refused undo wrote something")
		}

		// Two managers undo it at once: one does it, the other is told it is undone.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		got := make([]*payables.Application, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = e.ap.UndoApplication(e.ctx, app.ID, "2026-10-20", "")
			}()
		}
		wg.Wait()
		var undone *payables.Application
		for i, err := range errs {
			switch {
			case err == nil:
				undone = got[i]
			case apperr.KindOf(err) != apperr.KindConflict:
				t.Fatalf("second undo: %v", err)
			}
		}
		if undone == nil || (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("racing undos: %v", errs)
		}
		if undone.UndoneOn != "2026-10-20" || undone.UndoEntry == "" {
			t.Fatalf("undone application: %+v", undone)
		}
		// The counter entry: 1123 debit, payables credit.
		var dr, cr string
		if err := e.db.QueryRow(e.ctx, `SELECT
			(SELECT a.code FROM fin_line l JOIN fin_account a ON a.id = l.account_id WHERE l.entry_id = $1 AND l.debit > 0),
			(SELECT a.code FROM fin_line l JOIN fin_account a ON a.id = l.account_id WHERE l.entry_id = $1 AND l.credit > 0)`, undone.UndoEntry).Scan(&dr, &cr); err != nil {
			t.Fatal(err)
		}
		if dr != "1123" || !strings.HasPrefix(cr, "2202") {
			t.Fatalf("undo posted Dr %s Cr %s", dr, cr)
		}
		if b1 = e.itemOf(bill1); b1.Open.String() != "1130.00" {
			t.Fatalf("bill open after the undo: %s", b1.Open)
		}
		if left, _ := e.ap.LeftToApply(e.ctx, pre.ID); left.String() != "800.00" {
			t.Fatalf("left of the prepayment after the undo: %s", left)
		}
		e.mustCheck()

		// Nothing of the prepayment is applied any more: the payment can be reversed.
		if _, err := e.ap.ReversePayment(e.ctx, pre.ID, "2026-10-21", ""); err != nil {
			t.Fatalf("reverse after the undo: %v", err)
		}

		// A debit note's application is undone without posting.
		if err := e.db.InTx(e.ctx, func(ctx context.Context) error {
			_, err := e.l.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: bill3, SourceNumber: "DN-90003",
				Date: "2026-10-12", PartnerKind: "supplier", PartnerID: alu, Lines: []finance.PostingLine{
					{Role: finance.RoleAP, Debit: amt("226")}, {Role: finance.RoleGRNI, Credit: amt("200")}, {Role: finance.RoleInputVAT, Credit: amt("26")}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		dn := e.itemOf(bill3)
		apps, err = e.ap.Apply(e.ctx, payables.ApplyInput{SourceID: dn.ID, Date: "2026-10-22", Allocations: []payables.AllocationInput{{ItemID: b1.ID, Amount: amt("200")}}})
		if err != nil {
			t.Fatal(err)
		}
		entries = e.count(`SELECT count(*) FROM fin_entry`)
		if _, err := e.ap.UndoApplication(e.ctx, apps[0].ID, "", ""); err != nil {
			t.Fatal(err)
		}
		if e.count(`SELECT count(*) FROM fin_entry`) != entries {
			t.Fatal("undoing a debit note's application posted an entry")
		}
		if dn, b1 = e.itemOf(bill3), e.itemOf(bill1); dn.Open.String() != "-226.00" || b1.Open.String() != "1130.00" {
			t.Fatalf("after undoing the debit note: note %s, bill %s", dn.Open, b1.Open)
		}
		if list, err := e.ap.Applications(e.ctx, b1.ID); err != nil || len(list) != 2 || list[0].UndoneOn == "" || list[1].UndoneOn == "" {
			t.Fatalf("applications of the bill: %+v %v", list, err)
		}
		e.mustCheck()
	})
}
