// Package demo adds the CRM's part of the demo company 华东精密压铸有限公司
// (East China Precision Die-Casting), which makes aluminium die-cast housings
// for auto-parts makers: its sales team, about thirty customers with their
// contacts, campaigns and leads, a pipeline with deals in every stage,
// price lists and quotes. A scale above 1 multiplies the customers, leads
// and deals, for benchmarks.
//
// The demo runs through the CRM's own services, as Loom itself, so every
// rule, audit record and event applies. The sales people are named by login
// as pending users of the CRM directory: they take their customers over the
// first time they sign in.
package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/loom-erp/loom/internal/crm/activity"
	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Module returns the demo module; it must come after every other CRM module.
func Module() module.Module {
	return module.Module{Unit: "crm", Name: "crm_demo", Demo: run,
		// ERP's products, partners and stock first, so quotes are priced and
		// show real availability, and accepted ones become ERP orders.
		DemoAfter: []string{"erp/catalog", "erp/partner", "erp/inventory"}}
}

// team is the demo's sales team, by login as the platform's demo users are named.
var team = []struct{ login, name, role string }{
	{"li.lei", "李雷 Li Lei", identity.RoleSalesRep},
	{"zhao.min", "赵敏 Zhao Min", identity.RoleSalesRep},
	{"wang.fang", "王芳 Wang Fang", identity.RoleSalesManager},
	{"xu.ming", "徐明 Xu Ming", identity.RoleFinanceManager},
}

// services are the CRM services the demo writes through.
type services struct {
	dir       directory.Service
	customers customer.Service
	items     catalog.Service
	pipelines pipeline.Service
	leads     lead.Service
	quotes    quote.Service
	acts      activity.Service  // nil without the activity module
	deals     contract.Service  // nil without the contract module
	people    map[string]string // login → directory id
	log       io.Writer
	now       time.Time
}

func lookup[T any](env *module.Env, name string) (T, error) {
	s, ok := env.Services.Lookup(name).(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("crm demo: the service %s is not wired", name)
	}
	return s, nil
}

func run(ctx context.Context, env *module.Env, scale int, log io.Writer) error {
	s := &services{people: map[string]string{}, log: log, now: env.Now()}
	var err error
	if s.dir, err = lookup[directory.Service](env, directory.ServiceName); err != nil {
		return err
	}
	if s.customers, err = lookup[customer.Service](env, customer.ServiceName); err != nil {
		return err
	}
	if s.items, err = lookup[catalog.Service](env, catalog.ServiceName); err != nil {
		return err
	}
	if s.pipelines, err = lookup[pipeline.Service](env, pipeline.ServiceName); err != nil {
		return err
	}
	if s.leads, err = lookup[lead.Service](env, lead.ServiceName); err != nil {
		return err
	}
	if s.quotes, err = lookup[quote.Service](env, quote.ServiceName); err != nil {
		return err
	}
	s.acts, _ = env.Services.Lookup(activity.ServiceName).(activity.Service)
	s.deals, _ = env.Services.Lookup(contract.ServiceName).(contract.Service)
	scale = max(scale, 1)
	for _, p := range team {
		id, err := s.dir.EnsurePending(ctx, p.login, p.name, "east", []string{p.role})
		if err != nil {
			return err
		}
		s.people[p.login] = id
	}
	if err := s.settings(ctx); err != nil {
		return err
	}
	accounts, err := s.accounts(ctx, scale)
	if err != nil {
		return err
	}
	if err := s.leadsAndCampaigns(ctx, scale); err != nil {
		return err
	}
	items := s.products(ctx)
	opps, err := s.opportunities(ctx, accounts, items, scale)
	if err != nil {
		return err
	}
	if err := s.activities(ctx, accounts); err != nil {
		return err
	}
	if err := s.contracts(ctx, opps); err != nil {
		return err
	}
	if len(items) == 0 {
		fmt.Fprintln(log, "crm demo: ERP has sent no products yet, so no price lists, quotes or deal products")
		return nil
	}
	if err := s.prices(ctx, accounts, items); err != nil {
		return err
	}
	return s.demoQuotes(ctx, accounts, opps, items)
}

func (s *services) settings(ctx context.Context) error {
	_, err := s.quotes.SaveSettings(ctx, quote.Settings{DiscountThreshold: money.MustRate("0.1"), CreditPolicy: quote.CreditApprove, ValidityDays: 30,
		Company: "华东精密压铸有限公司", CompanyEN: "East China Precision Die-Casting Co., Ltd.",
		Terms:   "1. 报价含 13% 增值税专用发票（另有说明除外）。\n2. 交货地点：买方指定仓库，运费由卖方承担。\n3. 模具费另行报价，首批样件 15 个工作日内交付。",
		TermsEN: "1. Prices with a 13% VAT special invoice unless stated otherwise.\n2. Delivered to the buyer's warehouse, freight paid by the seller.\n3. Tooling quoted separately; first samples within 15 working days."})
	return err
}

// date is a calendar date days from the demo's day.
func (s *services) date(days int) string {
	return s.now.Local().AddDate(0, 0, days).Format("2006-01-02")
}
