package customer

import (
	"encoding/json"

	"github.com/loom-erp/loom/internal/platform/outbox"
)

// EventUpserted announces that an account was created or changed, or that a
// contact of it changed.
const EventUpserted = "crm.account.upserted"

// UpsertedData is the data of crm.account.upserted v1. Addresses are one
// line each (province city district street, postcode); contact_* describe
// the primary contact, or the account itself when it has none.
type UpsertedData struct {
	ID              string `json:"id"`
	Code            string `json:"code"`
	Name            string `json:"name"`
	ShortName       string `json:"short_name"`
	Level           Level  `json:"level"`
	Industry        string `json:"industry"`
	TaxID           string `json:"tax_id"`
	Currency        string `json:"currency"`
	OwnerID         string `json:"owner_id"`
	OwnerName       string `json:"owner_name"`
	ParentID        string `json:"parent_id"`
	Status          Status `json:"status"`
	BillingAddress  string `json:"billing_address"`
	ShippingAddress string `json:"shipping_address"`
	ContactName     string `json:"contact_name"`
	ContactPhone    string `json:"contact_phone"`
	ContactEmail    string `json:"contact_email"`
}

func init() {
	outbox.MustRegister(outbox.EventType{
		Type: EventUpserted, Version: 1, Source: "crm",
		Description: "A customer account was created or changed (or one of its contacts). ERP and BI keep their copy of the customer master from it.",
		Schema: json.RawMessage(`{"type":"object","required":["id","code","name","level","currency","status"],"properties":{` +
			`"id":{"type":"string","format":"uuid"},"code":{"type":"string"},"name":{"type":"string"},"short_name":{"type":"string"},` +
			`"level":{"type":"string","enum":["A","B","C"]},"industry":{"type":"string"},"tax_id":{"type":"string"},` +
			`"currency":{"type":"string"},"owner_id":{"type":"string"},"owner_name":{"type":"string"},"parent_id":{"type":"string"},` +
			`"status":{"type":"string","enum":["active","inactive"]},"billing_address":{"type":"string"},"shipping_address":{"type":"string"},` +
			`"contact_name":{"type":"string"},"contact_phone":{"type":"string"},"contact_email":{"type":"string"}}}`),
		Example: UpsertedData{ID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Code: "C000123", Name: "宁波华翔汽车零部件有限公司", ShortName: "宁波华翔",
			Level: LevelA, Industry: "automotive", TaxID: "91330200MA2AXXXX1X", Currency: "CNY",
			OwnerID: "0196b2c4-0000-7000-8000-000000000001", OwnerName: "李雷 Li Lei", Status: StatusActive,
			BillingAddress: "浙江省 宁波市 北仑区 新碶街道明州路 88 号, 315800", ShippingAddress: "浙江省 宁波市 北仑区 大港工业城 2 号门, 315800",
			ContactName: "周建国", ContactPhone: "13857401234", ContactEmail: "zhoujg@example.cn"},
	})
}
