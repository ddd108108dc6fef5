package web

import (
	"context"
	"strconv"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
)

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

func levelOptions() []crmui.Option {
	out := make([]crmui.Option, len(customer.Levels))
	for i, l := range customer.Levels {
		out[i] = crmui.Option{Value: string(l), Label: string(l)}
	}
	return out
}

func industryOptions() []crmui.Option {
	out := make([]crmui.Option, len(customer.Industries))
	for i, c := range customer.Industries {
		out[i] = crmui.Option{Value: c, Label: "crm.industry." + c}
	}
	return out
}

func statusOptions() []crmui.Option {
	return []crmui.Option{
		{Value: string(customer.StatusActive), Label: "crm.account.status_label.active"},
		{Value: string(customer.StatusInactive), Label: "crm.account.status_label.inactive"},
	}
}

func sortOptions() []crmui.Option {
	return []crmui.Option{
		{Value: "", Label: "crm.account.sort_name"},
		{Value: "code", Label: "crm.account.sort_code"},
		{Value: "-created_at", Label: "crm.account.sort_newest"},
		{Value: "-updated_at", Label: "crm.account.sort_updated"},
	}
}

// plainOptions offers values shown as they are.
func plainOptions(vs []string) []crmui.Option {
	out := make([]crmui.Option, len(vs))
	for i, v := range vs {
		out[i] = crmui.Option{Value: v, Label: v}
	}
	return out
}

func ownerOptions(us []directory.User) []crmui.Option {
	out := make([]crmui.Option, len(us))
	for i, u := range us {
		out[i] = crmui.Option{Value: u.ID, Label: u.Name}
	}
	return out
}

func industryLabel(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	return t(ctx, "crm.industry."+code)
}

func ownerName(ctx context.Context, id, name string) string {
	switch {
	case id == "":
		return t(ctx, "crm.common.no_owner")
	case name == "":
		return t(ctx, "crm.common.unknown_user")
	}
	return name
}

func addressLabel(k customer.AddressKind) string {
	if k == customer.AddressShipping {
		return "crm.account.shipping_address"
	}
	return "crm.account.billing_address"
}

func addrName(i int, field string) string { return "addresses[" + strconv.Itoa(i) + "]." + field }

func formAction(id string) string {
	if id == "" {
		return "/crm/accounts"
	}
	return "/crm/accounts/" + id
}

func contactAction(f contactForm) string {
	if f.ID == "" {
		return "/crm/accounts/" + f.AccountID + "/contacts"
	}
	return "/crm/contacts/" + f.ID
}

func dateOrNever(ctx context.Context, at time.Time) string {
	if at.IsZero() {
		return t(ctx, "crm.pool.never")
	}
	return crmui.Date(at)
}

// lastContact is the key figure of the days since the account was last
// called, visited or met; over 30 days needs attention.
func lastContact(ctx context.Context, acc *customer.Account, now time.Time) customer.Figure {
	f := customer.Figure{Label: "crm.account.figure.last_contact"}
	if acc.LastContactAt.IsZero() {
		f.Value, f.Warn = t(ctx, "crm.pool.never"), true
		return f
	}
	days := int(now.Sub(acc.LastContactAt).Hours() / 24)
	f.Value, f.Warn = t(ctx, "crm.account.figure.days", map[string]any{"Days": days}), days > 30
	return f
}
