package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/module"
)

// DemoPassword is the password of every demo login.
const DemoPassword = "loom-demo-2026"

// DemoUser is one login of the demo company.
type DemoUser struct {
	Login, Name, Role string
}

// DemoUsers are the people of the demo company, one or more per seeded role.
var DemoUsers = []DemoUser{
	{"admin", "系统管理员 Admin", identity.RoleAdmin},
	{"wang.fang", "王芳 Wang Fang", identity.RoleSalesManager},
	{"li.lei", "李雷 Li Lei", identity.RoleSalesRep},
	{"zhao.min", "赵敏 Zhao Min", identity.RoleSalesRep},
	{"chen.jie", "陈杰 Chen Jie", identity.RoleWarehouseClerk},
	{"liu.yang", "刘洋 Liu Yang", identity.RoleBuyer},
	{"sun.li", "孙丽 Sun Li", identity.RolePlanner},
	{"zhou.qiang", "周强 Zhou Qiang", identity.RoleProductionSupervisor},
	{"wu.gang", "吴刚 Wu Gang", identity.RoleOperator},
	{"zheng.hui", "郑慧 Zheng Hui", identity.RoleQualityInspector},
	{"huang.jing", "黄静 Huang Jing", identity.RoleAccountant},
	{"xu.ming", "徐明 Xu Ming", identity.RoleFinanceManager},
}

// HasUsers reports whether any user exists, so `demo --if-empty` can skip.
func (a *App) HasUsers(ctx context.Context) (bool, error) {
	page, err := a.Identity.ListUsers(authz.WithPrincipal(ctx, authz.System()), identity.UserFilter{Limit: 1})
	if err != nil {
		return false, err
	}
	return len(page.Users) > 0, nil
}

// Demo creates the demo company: its users, then every module's data, and
// waits until the events it caused have been applied.
func (a *App) Demo(ctx context.Context, scale int, log io.Writer) error {
	sys := authz.WithPrincipal(ctx, authz.System())
	team, err := a.Identity.CreateTeam(sys, "华东销售部 East China Sales")
	if err != nil {
		return err
	}
	for _, u := range DemoUsers {
		nu := identity.NewUser{Login: u.Login, Name: u.Name, Password: DemoPassword, Roles: []string{u.Role}}
		if u.Role == identity.RoleSalesRep || u.Role == identity.RoleSalesManager {
			nu.TeamID = team.ID
		}
		if _, err := a.Identity.CreateUser(sys, nu); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Login, err)
		}
	}
	fmt.Fprintf(log, "demo: %d users created\n", len(DemoUsers))
	for _, m := range module.DemoOrder(a.modules) {
		if m.Demo == nil {
			continue
		}
		start := time.Now()
		if err := m.Demo(sys, a.env(m.Unit), scale, log); err != nil {
			return fmt.Errorf("demo %s/%s: %w", m.Unit, m.Name, err)
		}
		fmt.Fprintf(log, "demo: %s/%s done in %s\n", m.Unit, m.Name, time.Since(start).Round(time.Millisecond))
		// Let each module's events land before the next module builds on them.
		if err := a.WaitEventsIdle(ctx, 5*time.Minute); err != nil {
			return err
		}
	}
	return a.WaitEventsIdle(ctx, 5*time.Minute)
}

// WaitEventsIdle waits until every unit's outbox is published and no
// consumer has an event waiting for a retry.
func (a *App) WaitEventsIdle(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		stats, err := a.Bus.Stats(ctx)
		if err != nil {
			return err
		}
		busy := false
		for _, s := range stats {
			if s.Pending > 0 || s.Retrying > 0 {
				busy = true
			}
		}
		if !busy {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("events still pending after %s: %+v", limit, stats)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
