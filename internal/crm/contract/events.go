package contract

import (
	"encoding/json"

	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// EventPlanChanged announces a contract's payment plan: when it is signed,
// whenever the plan changes, and when it is cancelled (with no installments).
const EventPlanChanged = "crm.contract.payment_plan.changed"

// PlanInstallment is an installment of crm.contract.payment_plan.changed.
type PlanInstallment struct {
	No        int          `json:"no"`
	DueDate   string       `json:"due_date"`
	Amount    money.Amount `json:"amount"`
	Condition string       `json:"condition"`
}

// PlanChangedData is the data of crm.contract.payment_plan.changed v1.
type PlanChangedData struct {
	ContractID   string            `json:"contract_id"`
	Number       string            `json:"number"`
	CustomerID   string            `json:"customer_id"`
	Currency     string            `json:"currency"`
	Total        money.Amount      `json:"total"`
	Status       Status            `json:"status"`
	Installments []PlanInstallment `json:"installments"`
}

func init() {
	if _, ok := outbox.Lookup(EventPlanChanged, 1); ok {
		return
	}
	amount := `{"type":"string","pattern":"^-?[0-9]+(\\.[0-9]+)?$"}`
	outbox.MustRegister(outbox.EventType{
		Type: EventPlanChanged, Version: 1, Source: "crm",
		Description: "A signed contract's payment plan (回款计划): sent when it is signed, whenever the plan changes, and when the " +
			"contract is cancelled (status cancelled, no installments). ERP expects the receipts and ties invoices and payments to the contract.",
		Schema: json.RawMessage(`{"type":"object","required":["contract_id","number","customer_id","currency","total","installments"],"properties":{` +
			`"contract_id":{"type":"string","format":"uuid"},"number":{"type":"string"},"customer_id":{"type":"string","format":"uuid"},` +
			`"currency":{"type":"string"},"total":` + amount + `,"status":{"type":"string","enum":["active","completed","cancelled"]},` +
			`"installments":{"type":"array","items":{"type":"object","required":["no","due_date","amount"],"properties":{` +
			`"no":{"type":"integer"},"due_date":{"type":"string","format":"date"},"amount":` + amount + `,"condition":{"type":"string"}}}}}}`),
		Example: PlanChangedData{ContractID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c2e", Number: "CT-2026-000007",
			CustomerID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Currency: "CNY", Total: money.MustAmount("339000.00"), Status: StatusActive,
			Installments: []PlanInstallment{
				{No: 1, DueDate: "2026-05-10", Amount: money.MustAmount("101700.00"), Condition: "合同签订后 7 天内预付 30%"},
				{No: 2, DueDate: "2026-07-31", Amount: money.MustAmount("203400.00"), Condition: "到货验收后 30 天"},
				{No: 3, DueDate: "2027-04-30", Amount: money.MustAmount("33900.00"), Condition: "质保金 10%，一年后付"},
			}},
	})
}
