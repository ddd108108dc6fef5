package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/loom-erp/loom/internal/crm/activity"
	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/money"
)

// touches are what the sales team does with a customer over a year.
var touches = []struct {
	typ           activity.Type
	subject, note string
}{
	{activity.TypeCall, "电话沟通下季度需求", "客户预计下季度用量增加 15%，需提前备料。"},
	{activity.TypeVisit, "拜访采购部", "与采购经理确认年度框架价格，客户希望再降 2%。"},
	{activity.TypeMeeting, "技术交流会", "介绍新的真空压铸工艺，客户对气孔率改善很感兴趣。"},
	{activity.TypeCall, "跟进样件测试结果", "样件尺寸全部合格，等待客户台架试验。"},
	{activity.TypeNote, "质量反馈", "上批次有 3 件毛刺超标，已安排返工并出 8D 报告。"},
	{activity.TypeVisit, "工厂审核", "客户 SQE 来厂审核，过程审核得分 86 分。"},
}

// activities logs a year of calls, visits, meetings and notes with every
// customer (every three weeks or so), and a follow-up task for some.
func (s *services) activities(ctx context.Context, accounts []*customer.Account) error {
	if s.acts == nil {
		return nil
	}
	n := 0
	for i, acc := range accounts {
		for k := 0; k < 17; k++ {
			days := 365 - k*21 - i%14
			if days < 1 {
				break
			}
			tc := touches[(i+k)%len(touches)]
			in := activity.Input{Type: tc.typ, Subject: tc.subject, Notes: tc.note, AccountID: acc.ID, OwnerID: acc.OwnerID,
				At: s.now.Add(-time.Duration(days) * 24 * time.Hour)}
			if tc.typ == activity.TypeVisit {
				in.Place = "客户工厂"
			}
			if _, err := s.acts.Log(ctx, in); err != nil {
				return fmt.Errorf("crm demo: activity of %s: %w", acc.Name, err)
			}
			n++
		}
		if i%3 == 0 {
			in := activity.Input{Type: activity.TypeTask, Subject: "回访：确认下月排产计划", AccountID: acc.ID, OwnerID: acc.OwnerID,
				At: s.now.Add(time.Duration(i%9-3) * 24 * time.Hour)}
			if _, err := s.acts.Log(ctx, in); err != nil {
				return fmt.Errorf("crm demo: task of %s: %w", acc.Name, err)
			}
			n++
		}
	}
	fmt.Fprintf(s.log, "crm demo: %d activities and tasks\n", n)
	return nil
}

// contracts signs a contract with a three-part payment plan for each won
// deal; the first one's advance is already overdue.
func (s *services) contracts(ctx context.Context, opps []*pipeline.Opportunity) error {
	if s.deals == nil {
		return nil
	}
	n := 0
	for _, o := range opps {
		if o.Status != pipeline.StatusWon || o.Amount.Sign() <= 0 {
			continue
		}
		in, err := s.deals.Draft(ctx, o.ID, "")
		if err != nil {
			return err
		}
		advance, _ := o.Amount.MulRate(money.MustRate("0.3"), money.RoundHalfUp)
		retention, _ := o.Amount.MulRate(money.MustRate("0.1"), money.RoundHalfUp)
		rest, _ := o.Amount.Sub(advance)
		rest, _ = rest.Sub(retention)
		first := 7
		if n == 0 {
			first = -10 // overdue: the plan and reality differ
		}
		in.Title = o.Name + " 供货合同"
		in.Installments = []contract.InstallmentInput{
			{DueDate: s.date(first), Amount: advance, Condition: "合同签订后 7 天内预付 30%"},
			{DueDate: s.date(90), Amount: rest, Condition: "到货验收合格后 30 天"},
			{DueDate: s.date(365), Amount: retention, Condition: "质保金 10%，质保期满后支付"},
		}
		in.EndDate = s.date(365)
		c, err := s.deals.Create(ctx, in)
		if err != nil {
			return fmt.Errorf("crm demo: contract of %s: %w", o.Name, err)
		}
		if _, err := s.deals.Activate(ctx, c.ID); err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(s.log, "crm demo: %d contracts\n", n)
	return nil
}
