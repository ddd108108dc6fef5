package activity_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/crm/activity"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
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

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestActivitiesAndTasks(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := e.Service(activity.ServiceName).(activity.Service)
		cs := e.Service(customer.ServiceName).(customer.Service)
		acc, err := cs.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "宁波甬兴"})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := cs.Create(crmtest.Ctx(crmtest.RepC), customer.AccountInput{Name: "南方客户"})
		rep := crmtest.Ctx(crmtest.RepA)

		// Bad input is named and writes nothing.
		_, err = s.Log(rep, activity.Input{Type: "email", Subject: "", AccountID: other.ID})
		if got := fields(err); got != "account_id,subject,type" {
			t.Errorf("bad activity names %s (%v)", got, err)
		}
		if _, err := s.Log(rep, activity.Input{Type: activity.TypeCall, Subject: "x"}); fields(err) != "account_id" {
			t.Errorf("about nothing: %v", err)
		}
		if _, err := s.Log(rep, activity.Input{Type: activity.TypeTask, Subject: "x", AccountID: acc.ID}); fields(err) != "at" {
			t.Errorf("task without due: %v", err)
		}
		if _, err := s.Log(rep, activity.Input{Type: activity.TypeCall, Subject: "x", AccountID: acc.ID, At: time.Now().Add(72 * time.Hour)}); fields(err) != "at" {
			t.Errorf("future call: %v", err)
		}
		if _, err := s.Log(rep, activity.Input{Type: activity.TypeTask, Subject: "x", AccountID: acc.ID, At: time.Now(), OwnerID: crmtest.RepB.UserID}); fields(err) != "owner_id" {
			t.Errorf("rep gives a task away: %v", err)
		}
		if e.Count("crm_activity") != 0 {
			t.Fatal("bad input wrote an activity")
		}

		visit, err := s.Log(rep, activity.Input{Type: activity.TypeVisit, Subject: "工厂审核", Place: "宁波北仑工厂", AccountID: acc.ID, At: time.Now().Add(-48 * time.Hour)})
		if err != nil || visit.AccountName != "宁波甬兴" || visit.OwnerName != "李雷" {
			t.Fatalf("visit %+v %v", visit, err)
		}
		// The visit keeps the customer out of the pool for longer.
		if a, _ := cs.Get(rep, acc.ID); !a.LastContactAt.Equal(visit.At) {
			t.Errorf("last contact %v, want the visit's %v", a.LastContactAt, visit.At)
		}
		// The manager logs a call on the rep's customer and gives the rep an overdue task.
		mgr := crmtest.Ctx(crmtest.Manager)
		if _, err := s.Log(mgr, activity.Input{Type: activity.TypeCall, Subject: "询问年度计划", AccountID: acc.ID}); err != nil {
			t.Fatal(err)
		}
		late, err := s.Log(mgr, activity.Input{Type: activity.TypeTask, Subject: "发送样件报告", AccountID: acc.ID, At: time.Now().Add(-time.Hour), OwnerID: crmtest.RepA.UserID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Log(rep, activity.Input{Type: activity.TypeTask, Subject: "回访", AccountID: acc.ID, At: time.Now().Add(3 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		// The rep sees everything on their customer, the other team nothing.
		for p, want := range map[*authz.Principal]int{crmtest.RepA: 4, crmtest.Manager: 4, crmtest.RepC: 0, crmtest.Admin: 4} {
			page, err := s.List(crmtest.Ctx(p), activity.Filter{AccountID: acc.ID})
			if err != nil || len(page.Items) != want {
				t.Errorf("%s sees %d activities (%v), want %d", p.Login, len(page.Items), err, want)
			}
		}
		day, err := s.MyDay(rep)
		if err != nil || len(day.Overdue) != 1 || day.Overdue[0].ID != late.ID || len(day.Upcoming) != 1 {
			t.Fatalf("my day %+v %v", day, err)
		}
		// A due task reminds its owner once.
		if n, err := s.Remind(crmtest.System(), time.Now()); err != nil || n != 1 {
			t.Errorf("remind: %d %v", n, err)
		}
		if n, _ := s.Remind(crmtest.System(), time.Now()); n != 0 {
			t.Errorf("reminded again: %d", n)
		}
		done, err := s.Complete(rep, late.ID)
		if err != nil || !done.Done {
			t.Fatalf("complete %+v %v", done, err)
		}
		if _, err := s.Complete(rep, late.ID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("complete twice: %v", err)
		}
		if _, err := s.Complete(rep, visit.ID); fields(err) != "id" {
			t.Errorf("complete a visit: %v", err)
		}
		last, _ := s.LastContact(rep, []string{acc.ID, other.ID})
		if last[acc.ID].IsZero() || !last[other.ID].IsZero() {
			t.Errorf("last contact %v", last)
		}
		// The web: the customer's timeline, logging from it, and my day.
		r := e.Do(crmtest.RepA, "GET", "/crm/accounts/"+acc.ID, "")
		if !strings.Contains(r.Body, "工厂审核") || !strings.Contains(r.Body, "data-timeline") {
			t.Error("the customer page lacks its timeline")
		}
		form := url.Values{"type": {"meeting"}, "subject": {"技术交流会"}, "account_id": {acc.ID}, "back": {"/crm/accounts/" + acc.ID}}
		if r := e.Do(crmtest.RepA, "POST", "/crm/activities", form.Encode(), true); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/crm/accounts/"+acc.ID) {
			t.Errorf("log from the page: %d %s", r.Status, r.Header.Get("Location"))
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/my-day", ""); r.Status != 200 || !strings.Contains(r.Body, "回访") {
			t.Errorf("my day page: %d", r.Status)
		}
		// With a 10-day follow-up rule, the customer shows as going back to the pool.
		ps, _ := cs.PoolSettings(rep)
		ps.Rules[customer.LevelC] = customer.PoolRule{FollowUpDays: 10}
		if _, err := cs.SavePoolSettings(mgr, ps); err != nil {
			t.Fatal(err)
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/my-day", ""); !strings.Contains(r.Body, `data-day="returning"`) || !strings.Contains(r.Body, "宁波甬兴") {
			t.Error("my day does not warn of a customer going back to the pool")
		}
		if r := e.Do(crmtest.RepA, "POST", "/api/v1/crm/activities", `{"type":"call","subject":"x","account_id":"`+other.ID+`"}`); r.Status != 422 || !strings.Contains(r.Body, "body.account_id") {
			t.Errorf("API on a hidden customer: %d %s", r.Status, r.Body)
		}
	})
}
