package lead_test

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
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
	return strings.Join(out, ",")
}

// same reports whether two comma-separated field lists hold the same fields.
func same(a, b string) bool {
	as, bs := strings.Split(a, ","), strings.Split(b, ",")
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(as, bs)
}

func svc(e *crmtest.Env) lead.Service { return e.Service(lead.ServiceName).(lead.Service) }

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestCaptureScopesAndMasking(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		_, err := s.Create(crmtest.Ctx(crmtest.RepA), lead.Input{Email: "bad", Source: "tv", Industry: "x", Budget: money.MustAmount("-5"), Currency: "ABC"})
		if got := fields(err); !same(got, "company,email,source,industry,budget,currency") {
			t.Errorf("bad input names %s (%v)", got, err)
		}
		if _, err := s.Create(crmtest.Ctx(crmtest.RepA), lead.Input{Company: "没有联系方式"}); fields(err) != "mobile" {
			t.Errorf("no way to reach: %v", err)
		}
		if e.Count("crm_lead") != 0 {
			t.Fatal("bad input wrote a lead")
		}
		mine, err := s.Create(crmtest.Ctx(crmtest.RepA), lead.Input{Company: "苏州精工汽车部件有限公司", ContactName: "陈总", Mobile: "13912345678", Email: "chen@jinggong.example.cn"})
		if err != nil || mine.OwnerID != crmtest.RepA.UserID || mine.Status != lead.StatusNew || !strings.HasPrefix(mine.Number, "LD-") {
			t.Fatalf("rep's lead %+v %v", mine, err)
		}
		// A manager's lead with nobody named goes to the rules; there are none, so nobody owns it.
		pool, err := s.Create(crmtest.Ctx(crmtest.Manager), lead.Input{Company: "无主线索", Mobile: "13700000000"})
		if err != nil || pool.OwnerID != "" {
			t.Fatalf("manager's lead %+v %v", pool, err)
		}
		theirs, _ := s.Create(crmtest.Ctx(crmtest.RepC), lead.Input{Company: "南方客户", Mobile: "13600000000"})
		for p, want := range map[*authz.Principal]int{crmtest.RepA: 1, crmtest.RepB: 0, crmtest.Manager: 2, crmtest.RepC: 1, crmtest.Admin: 3} {
			page, err := s.List(crmtest.Ctx(p), lead.Filter{})
			if err != nil || len(page.Items) != want {
				t.Errorf("%s sees %d leads (%v), want %d", p.Login, len(page.Items), err, want)
			}
		}
		if _, err := s.Get(crmtest.Ctx(crmtest.Manager), theirs.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("manager opens another team's lead: %v", err)
		}
		got, _ := s.Get(crmtest.Ctx(crmtest.Manager), mine.ID)
		if got.Mobile != "139****5678" || !got.Masked {
			t.Errorf("manager sees %s", got.Mobile)
		}
		got, _ = s.Get(crmtest.Ctx(crmtest.Manager), pool.ID)
		if got.Mobile != "13700000000" {
			t.Errorf("manager sees an unassigned lead's mobile as %s", got.Mobile)
		}
		if r := e.Do(crmtest.Manager, "GET", "/api/v1/crm/leads/"+mine.ID, ""); !strings.Contains(r.Body, `"139****5678"`) || strings.Contains(r.Body, "13912345678") {
			t.Errorf("API shows the manager %s", r.Body)
		}
		if r := e.Do(crmtest.Manager, "GET", "/crm/leads", ""); strings.Contains(r.Body, "13912345678") || !strings.Contains(r.Body, "139****5678") {
			t.Error("the list shows the manager a rep's lead's mobile")
		}
		// Statuses: disqualifying needs a reason; a closed lead cannot change.
		if _, err := s.SetStatus(crmtest.Ctx(crmtest.RepA), mine.ID, lead.StatusDisqualified, "", 0); fields(err) != "reason" {
			t.Errorf("disqualify without reason: %v", err)
		}
		if _, err := s.SetStatus(crmtest.Ctx(crmtest.RepA), mine.ID, lead.StatusConverted, "", 0); fields(err) != "status" {
			t.Errorf("set converted by hand: %v", err)
		}
		l, err := s.SetStatus(crmtest.Ctx(crmtest.RepA), mine.ID, lead.StatusContacted, "", mine.Version)
		if err != nil || l.Status != lead.StatusContacted {
			t.Fatalf("contacted %+v %v", l, err)
		}
		if _, err := s.SetStatus(crmtest.Ctx(crmtest.RepA), mine.ID, lead.StatusQualified, "", mine.Version); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("stale status change: %v", err)
		}
		if _, err := s.Assign(crmtest.Ctx(crmtest.RepA), pool.ID, crmtest.RepA.UserID); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep assigns: %v", err)
		}
		if a, err := s.Assign(crmtest.Ctx(crmtest.Manager), pool.ID, crmtest.RepB.UserID); err != nil || a.OwnerID != crmtest.RepB.UserID {
			t.Fatalf("assign %+v %v", a, err)
		}
		// The new owner hears of it on their bell.
		if n := len(e.Events("crm.notification.requested")); n != 1 {
			t.Errorf("%d notifications, want 1", n)
		}
		if e.Audited("crm.lead.created") != 3 || e.Audited("crm.lead.assigned") != 1 || e.Audited("crm.lead.status_set") != 1 {
			t.Error("lead changes are not all audited")
		}
	})
}

func TestAssignmentRules(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		mgr := crmtest.Ctx(crmtest.Manager)
		if _, err := s.SaveRule(crmtest.Ctx(crmtest.RepA), lead.Rule{Name: "x", Kind: lead.RuleAny, Members: []string{crmtest.RepA.UserID}}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep saves a rule: %v", err)
		}
		if _, err := s.SaveRule(mgr, lead.Rule{Name: "", Kind: "weather", Members: []string{db.NewID()}}); fields(err) != "name,kind,members" {
			t.Errorf("bad rule: %v", err)
		}
		if _, err := s.SaveRule(mgr, lead.Rule{Seq: 1, Name: "华南", Kind: lead.RuleRegion, Match: "广东, 广西", Members: []string{crmtest.RepC.UserID}, Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveRule(mgr, lead.Rule{Seq: 2, Name: "其余", Kind: lead.RuleAny, Members: []string{crmtest.RepA.UserID, crmtest.RepB.UserID}, Active: true}); err != nil {
			t.Fatal(err)
		}
		var owners []string
		for _, region := range []string{"浙江省", "广东省", "江苏", "", "广西壮族自治区"} {
			l, err := s.Create(mgr, lead.Input{Company: "公司" + region, Mobile: "13800000000", Region: region})
			if err != nil {
				t.Fatal(err)
			}
			owners = append(owners, l.OwnerName)
		}
		if got := strings.Join(owners, ","); got != "李雷,何军,赵敏,李雷,何军" {
			t.Errorf("owners %s", got)
		}
	})
}

func TestPublicForm(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		if _, err := s.SaveCampaign(crmtest.Ctx(crmtest.Manager), lead.Campaign{Code: "Bad Code!", Name: ""}); fields(err) != "code,name" {
			t.Errorf("bad campaign: %v", err)
		}
		c, err := s.SaveCampaign(crmtest.Ctx(crmtest.Manager), lead.Campaign{Code: "expo-2026", Name: "2026 上海压铸展", Source: "expo", Active: true,
			Title: "预约展位洽谈", ThankYou: "谢谢，我们的销售会在两个工作日内联系您。"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveRule(crmtest.Ctx(crmtest.Manager), lead.Rule{Name: "展会", Kind: lead.RuleAny, Members: []string{crmtest.RepB.UserID}, Active: true}); err != nil {
			t.Fatal(err)
		}
		r := e.Do(nil, "GET", "/f/expo-2026", "")
		if r.Status != 200 || !strings.Contains(r.Body, "预约展位洽谈") || !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors *") {
			t.Fatalf("form page: %d %s", r.Status, r.Header.Get("Content-Security-Policy"))
		}
		if r := e.Do(nil, "GET", "/f/nope", ""); r.Status != 404 {
			t.Errorf("unknown form: %d", r.Status)
		}
		// Bad input is named and writes nothing.
		r = e.Do(nil, "POST", "/f/expo-2026", url.Values{"company": {"压铸厂"}, "email": {"x@"}}.Encode(), true)
		if r.Status != 422 || !strings.Contains(r.Body, `data-field-error="email"`) {
			t.Errorf("bad form: %d", r.Status)
		}
		// A bot that fills the honeypot is thanked and nothing is written.
		r = e.Do(nil, "POST", "/f/expo-2026", url.Values{"company": {"Spam"}, "mobile": {"13800000000"}, "website": {"http://spam.example"}}.Encode(), true)
		if r.Status != 200 || !strings.Contains(r.Body, `data-form-state="done"`) || e.Count("crm_lead") != 0 {
			t.Errorf("honeypot: %d, %d leads", r.Status, e.Count("crm_lead"))
		}
		good := url.Values{"company": {"宁波海天精密机械"}, "contact_name": {"王工"}, "mobile": {"13812345678"}, "region": {"浙江"}, "product_interest": {"电机端盖"}}
		r = e.Do(nil, "POST", "/f/expo-2026", good.Encode(), true)
		if r.Status != 200 || !strings.Contains(r.Body, "两个工作日") {
			t.Fatalf("submit: %d", r.Status)
		}
		page, _ := s.List(crmtest.Ctx(crmtest.Admin), lead.Filter{CampaignID: c.ID})
		if len(page.Items) != 1 || page.Items[0].Source != "expo" || page.Items[0].OwnerID != crmtest.RepB.UserID || page.Items[0].CampaignName != "2026 上海压铸展" {
			t.Fatalf("captured %+v", page.Items)
		}
		// Too many submissions from one address are refused.
		status := 0
		for range 6 {
			status = e.Do(nil, "POST", "/f/expo-2026", good.Encode(), true).Status
		}
		if status != 429 {
			t.Errorf("seventh submission: %d", status)
		}
		// A closed campaign's form is gone.
		c.Active = false
		if _, err := s.SaveCampaign(crmtest.Ctx(crmtest.Manager), *c); err != nil {
			t.Fatal(err)
		}
		if r := e.Do(nil, "GET", "/f/expo-2026", ""); r.Status != 404 {
			t.Errorf("closed form: %d", r.Status)
		}
	})
}

func TestDuplicatesMergeAndConvert(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		ctx := crmtest.Ctx(crmtest.RepA)
		cs := e.Service(customer.ServiceName).(customer.Service)
		acc, err := cs.Create(crmtest.Ctx(crmtest.RepB), customer.AccountInput{Name: "华东精密压铸有限公司"})
		if err != nil {
			t.Fatal(err)
		}
		first, _ := s.Create(ctx, lead.Input{Company: "华东精密压铸", ContactName: "周工", Mobile: "13811112222", Notes: "展会上认识"})
		second, _ := s.Create(ctx, lead.Input{Company: "华东精密压铸 股份有限公司", ContactName: "周建国", Email: "zhou@hd.example.cn", Mobile: "+86 138 1111 2222", Title: "采购经理"})
		ds, err := s.Duplicates(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]lead.Duplicate{}
		for _, d := range ds {
			kinds[d.Kind] = d
		}
		if d := kinds["lead"]; d.ID != second.ID || !d.Visible || strings.Join(d.On, ",") == "" {
			t.Errorf("lead duplicate %+v", d)
		}
		if d := kinds["account"]; d.ID != acc.ID || d.Visible {
			t.Errorf("account duplicate %+v (another rep's account is named but not open)", d)
		}
		r := e.Do(crmtest.RepA, "GET", "/crm/leads/"+first.ID, "")
		if !strings.Contains(r.Body, "data-duplicates") || !strings.Contains(r.Body, "/merge/"+second.ID) {
			t.Error("the lead page shows no duplicate warning")
		}
		merged, err := s.Merge(ctx, first.ID, second.ID, []string{"contact_name", "email", "title"})
		if err != nil || merged.ContactName != "周建国" || merged.Email != "zhou@hd.example.cn" || merged.Mobile != "13811112222" || merged.Title != "采购经理" {
			t.Fatalf("merged %+v %v", merged, err)
		}
		if _, err := s.Merge(ctx, first.ID, first.ID, nil); fields(err) != "drop_id" {
			t.Errorf("merge into itself: %v", err)
		}
		if gone, _ := s.Get(ctx, second.ID); gone.Status != lead.StatusMerged || gone.MergedInto != first.ID {
			t.Errorf("dropped %+v", gone)
		}
		// Convert in one step: account, contact, opportunity.
		if _, err := s.Convert(ctx, first.ID, lead.Conversion{CloseDate: "tomorrow"}); fields(err) != "close_date" {
			t.Errorf("bad conversion: %v", err)
		}
		res, err := s.Convert(ctx, first.ID, lead.Conversion{Opportunity: "压铸壳体试制", Amount: money.MustAmount("120000"), CloseDate: "2026-09-30"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Lead.Status != lead.StatusConverted || res.AccountID == "" || res.ContactID == "" || res.OpportunityID == "" {
			t.Fatalf("converted %+v", res)
		}
		newAcc, err := cs.Get(ctx, res.AccountID)
		if err != nil || newAcc.Name != "华东精密压铸" || newAcc.OwnerID != crmtest.RepA.UserID {
			t.Fatalf("account %+v %v", newAcc, err)
		}
		opp, err := e.Service(pipeline.ServiceName).(pipeline.Service).Get(ctx, res.OpportunityID)
		if err != nil || opp.Amount.String() != "120000.00" || opp.LeadID != first.ID || opp.ContactID != res.ContactID {
			t.Fatalf("opportunity %+v %v", opp, err)
		}
		if _, err := s.Convert(ctx, first.ID, lead.Conversion{}); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("convert twice: %v", err)
		}
		// A failing conversion writes nothing: the account is hidden from this rep.
		third, _ := s.Create(ctx, lead.Input{Company: "另一家", Mobile: "13500000000"})
		before := e.Count("crm_account")
		if _, err := s.Convert(ctx, third.ID, lead.Conversion{AccountID: acc.ID, Opportunity: "x"}); fields(err) != "account_id" {
			t.Errorf("convert into a hidden account: %v", err)
		}
		if e.Count("crm_account") != before || e.Count("crm_contact") != 1 || e.Count("crm_opportunity") != 1 {
			t.Error("a failed conversion wrote something")
		}
		// Through the web form.
		r = e.Do(crmtest.RepA, "POST", "/crm/leads/"+third.ID+"/convert", url.Values{"account": {"new"}, "opportunity": {"试模"}, "amount": {"5,000"}}.Encode(), true)
		if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/crm/opportunities/") {
			t.Fatalf("web convert: %d %s", r.Status, r.Body)
		}
	})
}

func TestLeadAPI(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		r := e.Do(crmtest.RepA, "POST", "/api/v1/crm/leads", `{"company":"接口客户","mobile":"13911112222","budget":"8000.50"}`)
		if r.Status != 201 || !strings.Contains(r.Body, `"source":"api"`) || !strings.Contains(r.Body, `"budget":"8000.50"`) {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.RepA, "POST", "/api/v1/crm/leads", `{"company":"x","mobile":"1","budget":8000}`)
		if r.Status != 422 || !strings.Contains(r.Body, "body.budget") {
			t.Errorf("numeric budget: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.RepA, "POST", "/api/v1/crm/leads", `{"company":"x","mobile":"call me"}`)
		if r.Status != 422 || !strings.Contains(r.Body, `"body.mobile"`) {
			t.Errorf("bad mobile: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.Clerk, "GET", "/api/v1/crm/leads", ""); r.Status != 403 {
			t.Errorf("clerk lists leads: %d", r.Status)
		}
	})
}

// TestWorkloadRule gives new leads to the member with the fewest open
// leads, in turn among equals, through the rules screen.
func TestWorkloadRule(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		mgr := crmtest.Ctx(crmtest.Manager)
		// Rep A has 2 open leads; rep B 1 open and 1 disqualified; rep C none.
		for _, p := range []*authz.Principal{crmtest.RepA, crmtest.RepA, crmtest.RepB, crmtest.RepB} {
			if _, err := s.Create(crmtest.Ctx(p), lead.Input{Company: "已有线索 " + p.Name, Mobile: "13800000001"}); err != nil {
				t.Fatal(err)
			}
		}
		page, _ := s.List(crmtest.Ctx(crmtest.RepB), lead.Filter{})
		if _, err := s.SetStatus(crmtest.Ctx(crmtest.RepB), page.Items[0].ID, lead.StatusDisqualified, "无需求", 0); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"name": {"按负荷分配"}, "kind": {"workload"}, "seq": {"1"}, "active": {"1"},
			"members": {crmtest.RepA.UserID, crmtest.RepB.UserID, crmtest.RepC.UserID}}
		if r := e.Do(crmtest.Manager, "POST", "/crm/lead-rules", form.Encode(), true); r.Status != 303 {
			t.Fatalf("save rule on the screen: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.Manager, "GET", "/crm/lead-rules", ""); r.Status != 200 || !strings.Contains(r.Body, "fewest open leads") {
			t.Fatalf("rules screen: %d", r.Status)
		}
		var owners []string
		for i := range 4 {
			l, err := s.Create(mgr, lead.Input{Company: fmt.Sprintf("新线索 %d", i), Mobile: "13900000000"})
			if err != nil {
				t.Fatal(err)
			}
			owners = append(owners, l.OwnerName)
		}
		// C (0 open) → B or C tie at 1, B first in turn → C (1 vs 2) → all at 2, A in turn.
		if got := strings.Join(owners, ","); got != "何军,赵敏,何军,李雷" {
			t.Errorf("owners %s", got)
		}
	})
}

// TestCaptureAnswersAsStored checks that the lead Create answers with, built
// from what it wrote, is the lead a later read returns: owner chosen by a
// rule, named, or the caller; with a campaign and a budget.
func TestCaptureAnswersAsStored(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		mgr := crmtest.Ctx(crmtest.Manager)
		c, err := s.SaveCampaign(mgr, lead.Campaign{Code: "expo-2027", Name: "2027 压铸展", Source: "expo", Active: true, Title: "洽谈"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveRule(mgr, lead.Rule{Seq: 1, Name: "其余", Kind: lead.RuleAny, Members: []string{crmtest.RepB.UserID}, Active: true}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			p    *authz.Principal
			in   lead.Input
			want string
		}{
			{crmtest.Manager, lead.Input{Company: "规则分配", Mobile: "13800000001", Region: "浙江", CampaignID: c.ID, Budget: money.MustAmount("12345.67")}, crmtest.RepB.UserID},
			{crmtest.Manager, lead.Input{Company: "指定负责人", Email: "a@b.example.cn", OwnerID: crmtest.RepA.UserID, Currency: "usd"}, crmtest.RepA.UserID},
			{crmtest.RepC, lead.Input{ContactName: "自己的", Phone: "0571-88889999", Notes: "备注"}, crmtest.RepC.UserID},
		}
		for _, tc := range cases {
			got, err := s.Create(crmtest.Ctx(tc.p), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.OwnerID != tc.want || got.OwnerName == "" {
				t.Errorf("%s: owner %q %q, want %s", tc.in.Company+tc.in.ContactName, got.OwnerID, got.OwnerName, tc.want)
			}
			read, err := s.Get(crmtest.Ctx(tc.p), got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, read) {
				t.Errorf("created %+v\nread    %+v", got, read)
			}
		}
	})
}

// TestRuleChangesReachCapture checks that captures follow a rule change at
// once, though they keep the rules between captures.
func TestRuleChangesReachCapture(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		mgr := crmtest.Ctx(crmtest.Manager)
		owner := func() string {
			t.Helper()
			l, err := s.Create(mgr, lead.Input{Company: "规则变更", Mobile: "13800000002"})
			if err != nil {
				t.Fatal(err)
			}
			return l.OwnerID
		}
		if got := owner(); got != "" {
			t.Fatalf("no rule yet: owner %q", got)
		}
		r, err := s.SaveRule(mgr, lead.Rule{Seq: 1, Name: "全部", Kind: lead.RuleAny, Members: []string{crmtest.RepB.UserID}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := owner(); got != crmtest.RepB.UserID {
			t.Errorf("after the rule: owner %q", got)
		}
		r.Members = []string{crmtest.RepA.UserID}
		if _, err := s.SaveRule(mgr, *r); err != nil {
			t.Fatal(err)
		}
		if got := owner(); got != crmtest.RepA.UserID {
			t.Errorf("after the change: owner %q", got)
		}
		if err := s.DeleteRule(mgr, r.ID); err != nil {
			t.Fatal(err)
		}
		if got := owner(); got != "" {
			t.Errorf("after the delete: owner %q", got)
		}
	})
}
