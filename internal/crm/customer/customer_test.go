package customer_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func svc(e *crmtest.Env) customer.Service { return e.Service(customer.ServiceName).(customer.Service) }

func mustCreate(t *testing.T, s customer.Service, p *authz.Principal, in customer.AccountInput) *customer.Account {
	t.Helper()
	a, err := s.Create(crmtest.Ctx(p), in)
	if err != nil {
		t.Fatalf("create %s as %s: %v", in.Name, p.Login, err)
	}
	return a
}

func fields(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestAccountLifecycle(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		acc := mustCreate(t, s, crmtest.RepA, customer.AccountInput{
			Name: "宁波华翔汽车零部件有限公司", ShortName: "宁波华翔", Level: customer.LevelA, Industry: "automotive",
			TaxID: "91330200ma2axxxx1x", Mobile: "+86 138-5740-1234", Email: "Buyer@HuaXiang.example.cn", Region: "浙江",
			Tags: []string{"压铸", " 新能源 ", "压铸"},
			Addresses: []customer.Address{
				{Kind: customer.AddressBilling, Province: "浙江省", City: "宁波市", District: "北仑区", Street: "明州路 88 号", Postcode: "315800"},
				{Kind: customer.AddressShipping},
			},
		})
		if acc.Code != "C000001" || acc.OwnerID != crmtest.RepA.UserID || acc.OwnerName != "李雷" || acc.Masked {
			t.Fatalf("created %+v", acc)
		}
		if len(acc.Tags) != 2 || len(acc.Addresses) != 1 || acc.TaxID != "91330200MA2AXXXX1X" {
			t.Fatalf("tags %v, addresses %v, tax id %s", acc.Tags, acc.Addresses, acc.TaxID)
		}
		c, err := s.CreateContact(crmtest.Ctx(crmtest.RepA), acc.ID, customer.ContactInput{Name: "周建国", Title: "采购经理", Mobile: "13857401234", Email: "zhoujg@example.cn"})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Primary {
			t.Error("the first contact is the primary one")
		}
		evs := e.Events(customer.EventUpserted)
		if len(evs) != 2 {
			t.Fatalf("%d upserted events, want 2", len(evs))
		}
		var d customer.UpsertedData
		if err := json.Unmarshal(evs[1].Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.ID != acc.ID || evs[1].Subject != acc.ID || d.ContactName != "周建国" || d.ContactPhone != "13857401234" ||
			d.OwnerName != "李雷" || d.Level != customer.LevelA || !strings.Contains(d.BillingAddress, "明州路 88 号") || d.ShippingAddress != d.BillingAddress {
			t.Fatalf("event data %+v", d)
		}
		if e.Audited("crm.account.created") != 1 || e.Audited("crm.contact.created") != 1 {
			t.Fatal("changes are not audited")
		}

		// Update with the version read; a stale version is refused.
		in := customer.AccountInput{Name: acc.Name, Level: customer.LevelB, Mobile: acc.Mobile, Email: acc.Email, Version: acc.Version}
		upd, err := s.Update(crmtest.Ctx(crmtest.RepA), acc.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if upd.Level != customer.LevelB || upd.Version != acc.Version+1 || upd.Code != acc.Code {
			t.Fatalf("updated %+v", upd)
		}
		if _, err := s.Update(crmtest.Ctx(crmtest.RepA), acc.ID, in); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("stale update: %v", err)
		}

		// Search by pinyin initials, code, mobile and a full-width name.
		for _, q := range []string{"nbhx", "NBHXQCLBJ", "C000001", "Ｃ０００００１", "13857401234", "华翔", "buyer@huaxiang"} {
			page, err := s.List(crmtest.Ctx(crmtest.RepA), customer.Filter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 {
				t.Errorf("search %q found %d", q, len(page.Items))
			}
		}
		if page, _ := s.List(crmtest.Ctx(crmtest.RepA), customer.Filter{Query: "100%_"}); len(page.Items) != 0 {
			t.Error("LIKE wildcards in a search match")
		}
	})
}

func TestAccountBadInput(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		_, err := s.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{
			Name: strings.Repeat("长", 101), Level: "D", Industry: "space", Currency: "XYZ", Email: "not-an-email",
			Mobile: "call me", TaxID: "123", Code: "有 空格", ParentID: "nope",
			Addresses: []customer.Address{{Kind: "home", Street: "x"}, {Kind: customer.AddressBilling, Postcode: "12"}},
		})
		if !apperr.IsKind(err, apperr.KindInvalid) {
			t.Fatalf("want invalid, got %v", err)
		}
		got := strings.Join(fields(err), ",")
		for _, f := range []string{"code", "name", "level", "industry", "tax_id", "currency", "parent_id", "mobile", "email",
			"addresses[0].kind", "addresses[1].postcode", "addresses[1].street"} {
			if !strings.Contains(","+got+",", ","+f+",") {
				t.Errorf("field %s not named in %s", f, got)
			}
		}
		if _, err := s.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{}); strings.Join(fields(err), ",") != "name" {
			t.Errorf("missing name: %v", err)
		}
		// An owner the rep may not choose, an unknown parent and a taken code.
		other := crmtest.RepB.UserID
		if _, err := s.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "X", OwnerID: other}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep gives an account away: %v", err)
		}
		if _, err := s.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "X", ParentID: db.NewID()}); strings.Join(fields(err), ",") != "parent_id" {
			t.Errorf("unknown parent: %v", err)
		}
		mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "First", Code: "ACME"})
		if _, err := s.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "Second", Code: "ACME"}); strings.Join(fields(err), ",") != "code" {
			t.Errorf("taken code: %v", err)
		}
		if n := e.Count("crm_account"); n != 1 {
			t.Errorf("%d accounts written, want only the good one", n)
		}
		if n := len(e.Events(customer.EventUpserted)); n != 1 {
			t.Errorf("%d events, want 1", n)
		}
		// A warehouse clerk may not read or write accounts at all.
		if _, err := s.List(crmtest.Ctx(crmtest.Clerk), customer.Filter{}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("clerk lists accounts: %v", err)
		}
		if _, err := s.Create(crmtest.Ctx(crmtest.Clerk), customer.AccountInput{Name: "X"}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("clerk creates an account: %v", err)
		}
	})
}

func TestAccountHierarchy(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		group := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "华翔集团"})
		sub := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "宁波华翔", ParentID: group.ID})
		if sub.ParentName != "华翔集团" {
			t.Fatalf("parent name %q", sub.ParentName)
		}
		kids, err := s.List(crmtest.Ctx(crmtest.RepA), customer.Filter{ParentID: group.ID})
		if err != nil || len(kids.Items) != 1 {
			t.Fatalf("children %v %v", kids.Items, err)
		}
		_, err = s.Update(crmtest.Ctx(crmtest.RepA), group.ID, customer.AccountInput{Name: group.Name, ParentID: sub.ID})
		if strings.Join(fields(err), ",") != "parent_id" {
			t.Fatalf("loop: %v", err)
		}
		// A rep cannot hang an account under one they do not see.
		hidden := mustCreate(t, s, crmtest.RepB, customer.AccountInput{Name: "别人的"})
		_, err = s.Update(crmtest.Ctx(crmtest.RepA), sub.ID, customer.AccountInput{Name: sub.Name, ParentID: hidden.ID})
		if strings.Join(fields(err), ",") != "parent_id" {
			t.Fatalf("hidden parent: %v", err)
		}
	})
}

// TestScopesAndMasking checks what each role sees, in the service, the REST
// API and the web pages.
func TestScopesAndMasking(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		a := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "甲公司", Mobile: "13812345678", Email: "jia@example.cn"})
		if _, err := s.CreateContact(crmtest.Ctx(crmtest.RepA), a.ID, customer.ContactInput{Name: "张三", Mobile: "13900001111", Email: "zhangsan@example.cn"}); err != nil {
			t.Fatal(err)
		}
		b := mustCreate(t, s, crmtest.RepB, customer.AccountInput{Name: "乙公司", Mobile: "13700002222"})
		c := mustCreate(t, s, crmtest.RepC, customer.AccountInput{Name: "丙公司", Mobile: "13600003333"})
		sees := map[*authz.Principal][]string{
			crmtest.RepA:    {a.ID},
			crmtest.RepB:    {b.ID},
			crmtest.RepC:    {c.ID},
			crmtest.Manager: {a.ID, b.ID},
			crmtest.Admin:   {a.ID, b.ID, c.ID},
		}
		for p, want := range sees {
			page, err := s.List(crmtest.Ctx(p), customer.Filter{Sort: "created_at"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, acc := range page.Items {
				got = append(got, acc.ID)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s sees %v, want %v", p.Login, got, want)
			}
			for _, id := range []string{a.ID, b.ID, c.ID} {
				_, err := s.Get(crmtest.Ctx(p), id)
				visible := strings.Contains(strings.Join(want, ","), id)
				if visible != (err == nil) || (!visible && !apperr.IsKind(err, apperr.KindNotFound)) {
					t.Errorf("%s get %s: %v (visible %v)", p.Login, id, err, visible)
				}
			}
		}

		// Masking: the owner and the admin see the details, the manager does not.
		for _, c := range []struct {
			p      *authz.Principal
			masked bool
		}{{crmtest.RepA, false}, {crmtest.Manager, true}, {crmtest.Admin, false}} {
			got, err := s.Get(crmtest.Ctx(c.p), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantMobile, wantEmail := "13812345678", "jia@example.cn"
			if c.masked {
				wantMobile, wantEmail = "138****5678", "j***@example.cn"
			}
			if got.Mobile != wantMobile || got.Email != wantEmail || got.Masked != c.masked {
				t.Errorf("%s sees %s %s masked=%v", c.p.Login, got.Mobile, got.Email, got.Masked)
			}
			cs, err := s.ListContacts(crmtest.Ctx(c.p), customer.ContactFilter{AccountID: a.ID})
			if err != nil || len(cs.Items) != 1 {
				t.Fatalf("contacts %v %v", cs, err)
			}
			if c.masked != (cs.Items[0].Mobile == "139****1111") {
				t.Errorf("%s sees contact mobile %s", c.p.Login, cs.Items[0].Mobile)
			}
			// The REST API and the web pages show the same.
			for _, path := range []string{"/api/v1/crm/accounts/" + a.ID, "/api/v1/crm/accounts", "/api/v1/crm/contacts",
				"/crm/accounts/" + a.ID, "/crm/accounts", "/crm/contacts"} {
				r := e.Do(c.p, "GET", path, "")
				if r.Status != 200 {
					t.Fatalf("%s %s: %d %s", c.p.Login, path, r.Status, r.Body)
				}
				full := strings.Contains(r.Body, "13812345678") || strings.Contains(r.Body, "13900001111")
				if full == c.masked {
					t.Errorf("%s %s: full numbers shown %v, masked %v", c.p.Login, path, full, c.masked)
				}
			}
		}

		// A manager saving the account with the masked values changes nothing of them.
		mg, _ := s.Get(crmtest.Ctx(crmtest.Manager), a.ID)
		if _, err := s.Update(crmtest.Ctx(crmtest.Manager), a.ID, customer.AccountInput{Name: "甲公司（新）", Mobile: mg.Mobile, Email: mg.Email, Version: mg.Version}); err != nil {
			t.Fatal(err)
		}
		own, _ := s.Get(crmtest.Ctx(crmtest.RepA), a.ID)
		if own.Mobile != "13812345678" || own.Email != "jia@example.cn" || own.Name != "甲公司（新）" {
			t.Errorf("after the manager's edit: %+v", own)
		}

		// Reassignment: only with crm.account.assign; the account moves to the new owner.
		if _, err := s.Assign(crmtest.Ctx(crmtest.RepA), a.ID, crmtest.RepB.UserID); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep reassigns: %v", err)
		}
		if _, err := s.Assign(crmtest.Ctx(crmtest.Manager), c.ID, crmtest.RepB.UserID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("manager reassigns another team's account: %v", err)
		}
		moved, err := s.Assign(crmtest.Ctx(crmtest.Manager), a.ID, crmtest.RepB.UserID)
		if err != nil || moved.OwnerID != crmtest.RepB.UserID {
			t.Fatalf("assign: %+v %v", moved, err)
		}
		if _, err := s.Get(crmtest.Ctx(crmtest.RepA), a.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Error("the old owner still sees the account")
		}
		if got, _ := s.Get(crmtest.Ctx(crmtest.RepB), a.ID); got == nil || got.Masked {
			t.Error("the new owner sees the details")
		}
		evs := e.Events(customer.EventUpserted)
		var last customer.UpsertedData
		json.Unmarshal(evs[len(evs)-1].Data, &last)
		if last.OwnerID != crmtest.RepB.UserID || last.OwnerName != "赵敏" {
			t.Errorf("last event %+v", last)
		}
	})
}

func TestDuplicatesAndPaging(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		a := mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "华东精密压铸有限公司", Email: "sales@hd.example.cn"})
		if _, err := s.CreateContact(crmtest.Ctx(crmtest.RepA), a.ID, customer.ContactInput{Name: "孙伟", Mobile: "13811112222"}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.Duplicates(crmtest.Ctx(crmtest.RepB), "华东精密压铸 股份有限公司", "+86 138 1111 2222", "SALES@hd.example.cn")
		if err != nil {
			t.Fatal(err)
		}
		on := map[string]bool{}
		for _, m := range ms {
			on[m.On] = true
			if m.AccountID != a.ID {
				t.Errorf("match %+v", m)
			}
		}
		if !on["name"] || !on["mobile"] || !on["email"] {
			t.Errorf("matches %+v", ms)
		}

		for i := range 6 {
			mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: "客户" + string(rune('A'+i))})
		}
		var seen []string
		cursor := ""
		for range 10 {
			r := e.Do(crmtest.RepA, "GET", "/api/v1/crm/accounts?limit=3&sort=-created_at&cursor="+url.QueryEscape(cursor), "")
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			var page struct {
				Items []struct {
					Name string `json:"name"`
				} `json:"items"`
				Next *string `json:"next_cursor"`
			}
			r.JSON(t, &page)
			for _, it := range page.Items {
				seen = append(seen, it.Name)
			}
			if page.Next == nil {
				break
			}
			cursor = *page.Next
		}
		if len(seen) != 7 || seen[0] != "客户F" || seen[6] != "华东精密压铸有限公司" {
			t.Errorf("paged %v", seen)
		}
		if r := e.Do(crmtest.RepA, "GET", "/api/v1/crm/accounts?sort=mobile", ""); r.Status != 422 || !strings.Contains(r.Body, "query.sort") {
			t.Errorf("bad sort: %d %s", r.Status, r.Body)
		}
	})
}

func TestAdoptPendingOwner(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		dir := e.Directory()
		pend, err := dir.EnsurePending(crmtest.System(), "new.rep", "新人", "east", []string{"sales_rep"})
		if err != nil {
			t.Fatal(err)
		}
		acc := mustCreate(t, s, authz.System(), customer.AccountInput{Name: "待认领", OwnerID: pend})
		real := &authz.Principal{UserID: db.NewID(), Login: "New.Rep", Name: "新人", TeamID: crmtest.TeamEast, Roles: []string{"sales_rep"}}
		if err := dir.Observe(context.Background(), real); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(crmtest.System(), acc.ID)
		if err != nil || got.OwnerID != real.UserID || got.OwnerName != "新人" {
			t.Fatalf("after adoption %+v %v", got, err)
		}
		if u, err := dir.ByLogin(context.Background(), "new.rep"); err != nil || u.ID != real.UserID || u.Pending {
			t.Fatalf("directory %+v %v", u, err)
		}
		evs := e.Events(customer.EventUpserted)
		var d customer.UpsertedData
		json.Unmarshal(evs[len(evs)-1].Data, &d)
		if d.OwnerID != real.UserID {
			t.Errorf("event owner %s", d.OwnerID)
		}
	})
}

func TestWebForms(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		form := url.Values{"name": {""}, "email": {"bad"}, "addresses[0].postcode": {"1"}, "addresses[0].street": {"x"}}
		r := e.Do(crmtest.RepA, "POST", "/crm/accounts", form.Encode(), true)
		if r.Status != 422 {
			t.Fatalf("bad form: %d", r.Status)
		}
		for _, f := range []string{`data-field-error="name"`, `data-field-error="email"`, `data-field-error="addresses[0].postcode"`} {
			if !strings.Contains(r.Body, f) {
				t.Errorf("missing %s", f)
			}
		}
		if e.Count("crm_account") != 0 {
			t.Fatal("a bad form wrote an account")
		}
		form = url.Values{"name": {"杭州汽配"}, "level": {"B"}, "currency": {"CNY"}, "status": {"active"}, "tags": {"压铸，出口"},
			"addresses[1].city": {"杭州"}, "addresses[1].street": {"滨江区江南大道 1 号"}, "version": {"0"}}
		r = e.Do(crmtest.RepA, "POST", "/crm/accounts", form.Encode(), true)
		if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/crm/accounts/") {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		loc := r.Header.Get("Location")
		r = e.Do(crmtest.RepA, "GET", loc, "")
		if r.Status != 200 || !strings.Contains(r.Body, "杭州汽配") || !strings.Contains(r.Body, "滨江区江南大道 1 号") || !strings.Contains(r.Body, "出口") {
			t.Fatalf("detail: %d", r.Status)
		}
		if r := e.Do(crmtest.RepB, "GET", strings.Split(loc, "?")[0], ""); r.Status != 404 {
			t.Errorf("another rep opens the account: %d", r.Status)
		}
		if r := e.Do(crmtest.Clerk, "GET", "/crm/accounts", ""); r.Status != 403 {
			t.Errorf("clerk opens the list: %d", r.Status)
		}
		if r := e.Do(nil, "GET", "/api/v1/crm/accounts", ""); r.Status != 401 {
			t.Errorf("anonymous API: %d", r.Status)
		}
		// The API names the bad field and writes nothing.
		r = e.Do(crmtest.RepA, "POST", "/api/v1/crm/accounts", `{"name":"X","level":"Z","addresses":[{"kind":"billing","postcode":"abc","street":"1"}]}`)
		if r.Status != 422 || !strings.Contains(r.Body, `"body.level"`) || !strings.Contains(r.Body, `"body.addresses[0].postcode"`) {
			t.Errorf("API bad input: %d %s", r.Status, r.Body)
		}
		if e.Count("crm_account") != 1 {
			t.Error("a bad API request wrote an account")
		}
	})
}

func TestNameOrder(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		for _, n := range []string{"重庆渝北汽配", "北京燕山机电", "安徽江淮压铸", "Acme Castings"} {
			mustCreate(t, s, crmtest.RepA, customer.AccountInput{Name: n})
		}
		page, err := s.List(crmtest.Ctx(crmtest.RepA), customer.Filter{Sort: "name"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range page.Items {
			got = append(got, a.Name)
		}
		if strings.Join(got, ",") != "Acme Castings,安徽江淮压铸,北京燕山机电,重庆渝北汽配" {
			t.Errorf("by name: %v", got)
		}
	})
}
