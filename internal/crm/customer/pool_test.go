package customer_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/notify"
)

func poolIDs(t *testing.T, s customer.Service, p *authz.Principal) []string {
	t.Helper()
	page, err := s.List(crmtest.Ctx(p), customer.Filter{InPool: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range page.Items {
		if !a.InPool() {
			t.Errorf("the pool lists %s owned by %s", a.Name, a.OwnerID)
		}
		out = append(out, a.ID)
	}
	return out
}

func TestPoolClaimAndRelease(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		x := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "常州武进压铸件厂", Mobile: "13812345678", Email: "wj@example.cn"})
		y := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "无锡锡山机电有限公司"})
		if x.OwnedAt.IsZero() || x.InPool() {
			t.Fatalf("a new account is owned: %+v", x)
		}
		got, err := s.Get(crmtest.Ctx(crmtest.RepA), x.ID)
		if err != nil || got.ReturnsAt.IsZero() || got.ReturnsAt.Sub(got.OwnedAt) != 30*24*time.Hour {
			t.Fatalf("level C returns after 30 days: %v %v", got.ReturnsAt, err)
		}

		// Another rep may not release what they do not see; the owner may.
		if _, err := s.Release(crmtest.Ctx(crmtest.RepB), x.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("another rep releases: %v", err)
		}
		before := len(e.Events(customer.EventUpserted))
		rel, err := s.Release(crmtest.Ctx(crmtest.RepA), x.ID)
		if err != nil || !rel.InPool() || !rel.OwnedAt.IsZero() {
			t.Fatalf("release: %+v %v", rel, err)
		}
		if _, err := s.Release(crmtest.Ctx(crmtest.RepA), x.ID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("release twice: %v", err)
		}
		if len(e.Events(customer.EventUpserted)) != before+1 || e.Audited("crm.account.released") != 1 {
			t.Fatal("a release is not emitted or audited")
		}

		// Everyone who reads customers sees the pool, masked unless they may unmask.
		for _, p := range []*authz.Principal{crmtest.RepA, crmtest.RepB, crmtest.RepC, crmtest.Manager, crmtest.Admin} {
			if ids := poolIDs(t, s, p); len(ids) != 1 || ids[0] != x.ID {
				t.Errorf("%s sees the pool %v", p.Login, ids)
			}
			a, err := s.Open(crmtest.Ctx(p), x.ID)
			if err != nil {
				t.Fatalf("%s opens a pool account: %v", p.Login, err)
			}
			// Work on it (deals, quotes, edits) needs claiming it first.
			if ok, _ := s.Visible(crmtest.Ctx(p), x.ID); ok != (p == crmtest.Admin) {
				t.Errorf("%s may work on a pool account: %v", p.Login, ok)
			}
			if masked := p != crmtest.Admin; a.Masked != masked || (masked && a.Mobile != "138****5678") {
				t.Errorf("%s sees the pool account's mobile %q masked %v", p.Login, a.Mobile, a.Masked)
			}
		}
		if page, _ := s.List(crmtest.Ctx(crmtest.RepB), customer.Filter{}); len(page.Items) != 0 {
			t.Error("the pool shows in a rep's own list")
		}
		if _, err := s.Update(crmtest.Ctx(crmtest.RepB), x.ID, customer.AccountInput{Name: "改名"}); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("a rep edits a pool account: %v", err)
		}
		if _, err := s.CreateContact(crmtest.Ctx(crmtest.RepB), x.ID, customer.ContactInput{Name: "某人"}); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("a rep adds a contact to a pool account: %v", err)
		}
		if _, err := s.Claim(crmtest.Ctx(crmtest.Clerk), x.ID); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("a clerk claims: %v", err)
		}

		// The first claim wins; the second is told somebody was faster.
		c, err := s.Claim(crmtest.Ctx(crmtest.RepB), x.ID)
		if err != nil || c.OwnerID != crmtest.RepB.UserID || c.Masked || c.Mobile != "13812345678" {
			t.Fatalf("claim: %+v %v", c, err)
		}
		if _, err := s.Claim(crmtest.Ctx(crmtest.Manager), x.ID); !apperr.IsKind(err, apperr.KindConflict) {
			t.Fatalf("second claim: %v", err)
		}
		if _, err := s.Claim(crmtest.Ctx(crmtest.RepA), x.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("claim of another rep's account: %v", err)
		}
		if e.Audited("crm.account.claimed") != 1 {
			t.Fatal("a claim is not audited")
		}

		// Rules: only a manager changes them; bad numbers are named, nothing written.
		ps, err := s.PoolSettings(crmtest.Ctx(crmtest.RepA))
		if err != nil || !ps.Enabled || ps.Rules[customer.LevelA].FollowUpDays != 90 || ps.MaxOwned != 200 {
			t.Fatalf("default rules %+v %v", ps, err)
		}
		ps.MaxOwned = 1
		if _, err := s.SavePoolSettings(crmtest.Ctx(crmtest.RepA), ps); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Fatalf("a rep saves the rules: %v", err)
		}
		bad := ps
		bad.Rules = map[customer.Level]customer.PoolRule{customer.LevelA: {FollowUpDays: -1}, customer.LevelB: {DealDays: 4000}}
		bad.WarnDays = -2
		_, err = s.SavePoolSettings(crmtest.Ctx(crmtest.Manager), bad)
		if got := strings.Join(fields(err), ","); got != "rules.A.follow_up_days,rules.B.deal_days,warn_days" {
			t.Fatalf("bad rules name %q (%v)", got, err)
		}
		if again, _ := s.PoolSettings(crmtest.Ctx(crmtest.RepA)); again.MaxOwned != 200 || again.WarnDays != 7 {
			t.Fatal("bad rules were written")
		}
		if _, err := s.SavePoolSettings(crmtest.Ctx(crmtest.Manager), ps); err != nil {
			t.Fatal(err)
		}

		// RepB owns one customer now: the limit refuses another claim.
		if _, err := s.Release(crmtest.Ctx(crmtest.Manager), y.ID); err != nil {
			t.Fatalf("a manager releases a team account: %v", err)
		}
		if _, err := s.Claim(crmtest.Ctx(crmtest.RepB), y.ID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("claim past the limit: %v", err)
		}
		if a, _ := s.Get(crmtest.Ctx(crmtest.Admin), y.ID); !a.InPool() {
			t.Fatal("a refused claim changed the owner")
		}
		if _, err := s.Release(crmtest.Ctx(crmtest.RepC), y.ID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("release of a pool account: %v", err)
		}
	})
}

func TestPoolSweep(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		idle := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "昆山闲置客户", Level: customer.LevelC})
		busy := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "昆山活跃客户", Level: customer.LevelC})
		big := mustCreate(t, s, crmtest.RepB, customer.AccountInput{Name: "苏州重点客户", Level: customer.LevelA})
		now := time.Now()
		sys := crmtest.System()
		day := 24 * time.Hour
		ask := notify.RequestedType("crm")

		// Day 20: nothing is due yet.
		if r, w, err := s.SweepPool(sys, now.Add(20*day)); err != nil || r != 0 || w != 0 {
			t.Fatalf("day 20: %d returned, %d warned, %v", r, w, err)
		}
		// Day 24: both level-C accounts are due on day 30; their owner is told once.
		if r, w, err := s.SweepPool(sys, now.Add(24*day)); err != nil || r != 0 || w != 2 {
			t.Fatalf("day 24: %d returned, %d warned, %v", r, w, err)
		}
		if r, w, _ := s.SweepPool(sys, now.Add(25*day)); r != 0 || w != 0 {
			t.Fatalf("day 25 warns again: %d %d", r, w)
		}
		if n := len(e.Events(ask)); n != 2 {
			t.Fatalf("%d notices, want 2", n)
		}
		// A visit on day 25 restarts the count for one of them.
		if err := e.CRM.InTx(sys, func(ctx2 context.Context) error {
			return s.Touch(ctx2, busy.ID, customer.TouchContact, now.Add(25*day))
		}); err != nil {
			t.Fatal(err)
		}
		r, w, err := s.SweepPool(sys, now.Add(31*day))
		if err != nil || r != 1 || w != 0 {
			t.Fatalf("day 31: %d returned, %d warned, %v", r, w, err)
		}
		if a, _ := s.Get(crmtest.Ctx(crmtest.Admin), idle.ID); !a.InPool() {
			t.Fatal("the idle account is not in the pool")
		}
		if a, _ := s.Get(crmtest.Ctx(crmtest.Admin), busy.ID); a.InPool() || a.LastContactAt.IsZero() {
			t.Fatalf("the visited account went back: %+v", a)
		}
		if a, _ := s.Get(crmtest.Ctx(crmtest.Admin), big.ID); a.InPool() {
			t.Fatal("a level-A account went back after 31 days")
		}
		if e.Audited("crm.account.returned_to_pool") != 1 || len(e.Events(ask)) != 3 {
			t.Fatal("the return is not audited or told")
		}
		// Switched off, nothing goes back.
		ps, _ := s.PoolSettings(sys)
		ps.Enabled = false
		if _, err := s.SavePoolSettings(crmtest.Ctx(crmtest.Manager), ps); err != nil {
			t.Fatal(err)
		}
		if r, w, _ := s.SweepPool(sys, now.Add(400*day)); r != 0 || w != 0 {
			t.Fatalf("a switched-off pool swept %d, warned %d", r, w)
		}
	})
}

func TestPoolWebAndAPI(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		x := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "嘉兴公海客户", Mobile: "13912345678"})
		r := e.Do(crmtest.RepA, "POST", "/crm/accounts/"+x.ID+"/release", "", true)
		if r.Status != 303 {
			t.Fatalf("release: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.RepB, "GET", "/crm/pool", "")
		if r.Status != 200 || !strings.Contains(r.Body, "嘉兴公海客户") || !strings.Contains(r.Body, "139****5678") ||
			strings.Contains(r.Body, "13912345678") || !strings.Contains(r.Body, "/crm/accounts/"+x.ID+"/claim") {
			t.Fatalf("pool page: %d", r.Status)
		}
		r = e.Do(crmtest.RepB, "GET", "/crm/accounts/"+x.ID, "")
		if r.Status != 200 || !strings.Contains(r.Body, `data-pool="in"`) || strings.Contains(r.Body, "/crm/accounts/"+x.ID+"/edit") {
			t.Fatalf("pool account page: %d", r.Status)
		}
		r = e.Do(crmtest.RepB, "GET", "/api/v1/crm/pool", "")
		if r.Status != 200 || !strings.Contains(r.Body, x.ID) || strings.Contains(r.Body, "13912345678") {
			t.Fatalf("API pool: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.RepB, "POST", "/api/v1/crm/accounts/"+x.ID+"/claim", "")
		if r.Status != 200 || !strings.Contains(r.Body, "13912345678") {
			t.Fatalf("API claim: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.RepC, "POST", "/api/v1/crm/accounts/"+x.ID+"/claim", ""); r.Status != 404 {
			t.Fatalf("API claim of an owned account: %d", r.Status)
		}
		r = e.Do(crmtest.RepB, "GET", "/crm/accounts/"+x.ID, "")
		if !strings.Contains(r.Body, `data-pool="owned"`) || !strings.Contains(r.Body, "/release") {
			t.Fatal("the owner is not offered to release")
		}

		// Rules: the manager's form; bad numbers are named; a rep may not.
		if r := e.Do(crmtest.RepB, "GET", "/crm/pool/rules", ""); r.Status != 403 {
			t.Fatalf("a rep opens the rules: %d", r.Status)
		}
		if r := e.Do(crmtest.RepB, "PUT", "/api/v1/crm/pool/rules", `{"enabled":true,"levels":[],"warn_days":7,"max_owned":0}`); r.Status != 403 {
			t.Fatalf("a rep puts the rules: %d", r.Status)
		}
		form := url.Values{"enabled": {"1"}, "rules.A.follow_up_days": {"abc"}, "rules.A.deal_days": {"365"}, "rules.B.follow_up_days": {"60"},
			"rules.B.deal_days": {"180"}, "rules.C.follow_up_days": {"30"}, "rules.C.deal_days": {"-5"}, "warn_days": {"7"}, "max_owned": {"50"}}
		r = e.Do(crmtest.Manager, "POST", "/crm/pool/rules", form.Encode(), true)
		if r.Status != 422 || !strings.Contains(r.Body, `data-field-error="rules.A.follow_up_days"`) {
			t.Fatalf("bad rules form: %d", r.Status)
		}
		form.Set("rules.A.follow_up_days", "90")
		r = e.Do(crmtest.Manager, "POST", "/crm/pool/rules", form.Encode(), true)
		if r.Status != 422 || !strings.Contains(r.Body, `data-field-error="rules.C.deal_days"`) {
			t.Fatalf("negative days: %d", r.Status)
		}
		form.Set("rules.C.deal_days", "120")
		if r := e.Do(crmtest.Manager, "POST", "/crm/pool/rules", form.Encode(), true); r.Status != 303 {
			t.Fatalf("save rules: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.Manager, "PUT", "/api/v1/crm/pool/rules", `{"enabled":true,"levels":[{"level":"C","follow_up_days":45,"deal_days":0}],"warn_days":3,"max_owned":50}`)
		if r.Status != 200 {
			t.Fatalf("put rules: %d %s", r.Status, r.Body)
		}
		var out struct {
			Levels []struct {
				Level        string `json:"level"`
				FollowUpDays int    `json:"follow_up_days"`
			} `json:"levels"`
			MaxOwned int `json:"max_owned"`
		}
		r.JSON(t, &out)
		if out.MaxOwned != 50 || len(out.Levels) != 3 || out.Levels[0].FollowUpDays != 90 || out.Levels[2].FollowUpDays != 45 {
			t.Fatalf("rules %+v", out)
		}
	})
}
