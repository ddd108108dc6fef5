package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// TestCRMReturnThroughERP authorises a return in the CRM of goods ERP's demo
// shipped, lets ERP's sales module expect it, receives the goods through
// ERP's API and sees the CRM's return received: real modules, real events.
func TestCRMReturnThroughERP(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{Demo: true})
		rs := s.App.Services("crm").Lookup(returns.ServiceName).(returns.Service)
		admin := principal(t, s, "admin")

		// The CRM knows the demo's shipment of 60 end covers.
		var shipmentID, accountID string
		if err := s.App.DBs["crm"].QueryRow(context.Background(), `SELECT id, account_id FROM crm_rma_shipment ORDER BY shipped_at LIMIT 1`).
			Scan(&shipmentID, &accountID); err != nil {
			t.Fatalf("no shipment reached the CRM: %v", err)
		}
		sh, err := rs.Shipment(admin, shipmentID)
		if err != nil || len(sh.Items) == 0 {
			t.Fatalf("shipment %+v %v", sh, err)
		}
		var cover returns.ShipmentItem
		for _, it := range sh.Items {
			if it.ItemCode == "FG-MEC-002" {
				cover = it
			}
		}
		if cover.Shipped.Cmp(money.MustQuantity("60")) != 0 {
			t.Fatalf("the shipment's covers: %+v", sh.Items)
		}
		r, err := rs.Create(admin, returns.Input{ShipmentID: shipmentID, Lines: []returns.LineInput{
			{ItemID: cover.ItemID, Quantity: money.MustQuantity("5"), Reason: "气孔超标"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = rs.Authorize(admin, r.ID); err != nil {
			t.Fatal(err)
		}
		s.WaitEvents(t)

		// ERP expects it; the warehouse receives the goods into quarantine.
		token := s.Token(t, "admin")
		status, body := s.Do(t, token, "GET", "/api/v1/erp/sales/returns", "")
		if status != 200 {
			t.Fatalf("ERP's returns: %d %s", status, body)
		}
		var list struct {
			Items []struct {
				ID     string `json:"id"`
				RMAID  string `json:"rma_id"`
				Status string `json:"status"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		erpID := ""
		for _, it := range list.Items {
			if it.RMAID == r.ID {
				erpID = it.ID
			}
		}
		if erpID == "" {
			t.Fatalf("ERP did not take the authorisation: %s", body)
		}
		status, body = s.Do(t, token, "POST", "/api/v1/erp/sales/returns/"+erpID+"/receive",
			`{"location":"QC-02","item":"FG-MEC-002","lot":"MEC-2603-07","quantity":"5"}`)
		if status >= 300 {
			t.Fatalf("receive: %d %s", status, body)
		}
		s.WaitEvents(t)
		got, err := rs.Get(admin, r.ID)
		if err != nil || got.Status != returns.StatusReceived || got.Lines[0].Received.Cmp(money.MustQuantity("5")) != 0 ||
			!strings.HasPrefix(got.ReturnNumber, "R") {
			t.Fatalf("the CRM's return after ERP received it: %+v %v", got, err)
		}
	})
}
