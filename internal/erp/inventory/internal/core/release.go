package core

import (
	"context"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
)

// SourceRelease is the source kind of transfers that release goods from quarantine.
const SourceRelease = "inv_release"

// Quarantine lists what lies in quarantine locations, waiting for inspection.
func (s *Service) Quarantine(ctx context.Context, warehouseID string) ([]domain.InventoryBalance, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	return s.LookupBalances(ctx, domain.StockFilter{WarehouseID: warehouseID, LocationType: domain.LocQuarantine})
}

// ReleaseQuarantine moves inspected goods out of quarantine: accepted goods
// to a stock location, where they can be promised, rejected ones to a scrap
// location (written off later) or a transit location (back to the
// supplier). It is a transfer whose note keeps the reason.
func (s *Service) ReleaseQuarantine(ctx context.Context, in domain.ReleaseInput) (domain.InventoryDoc, error) {
	if _, err := erpkit.Require(ctx, domain.PermRelease); err != nil {
		return domain.InventoryDoc{}, err
	}
	in.Location, in.ToLocation, in.Reason = strings.TrimSpace(in.Location), strings.TrimSpace(in.ToLocation), strings.TrimSpace(in.Reason)
	var p erpkit.Problems
	p.Text("reason", in.Reason, true, 500)
	if in.Decision != domain.ReleaseAccept && in.Decision != domain.ReleaseReject {
		p.Add("decision", domain.KeyDecisionInvalid, "Choose accept or reject")
	}
	if in.Location != "" {
		loc, err := s.LookupLocation(ctx, in.Location)
		switch {
		case apperr.IsKind(err, apperr.KindNotFound):
		case err != nil:
			return domain.InventoryDoc{}, err
		case loc.Type != domain.LocQuarantine:
			p.Add("location", domain.KeyNotQuarantine, "This is not a quarantine location")
		}
	}
	if in.ToLocation != "" && !p.Has("decision") {
		to, err := s.LookupLocation(ctx, in.ToLocation)
		switch {
		case apperr.IsKind(err, apperr.KindNotFound):
		case err != nil:
			return domain.InventoryDoc{}, err
		case in.Decision == domain.ReleaseAccept && to.Type != domain.LocStock:
			p.Add("to_location", domain.KeyReleaseTarget, "Accepted goods go to a stock location")
		case in.Decision == domain.ReleaseReject && to.Type != domain.LocScrap && to.Type != domain.LocTransit:
			p.Add("to_location", domain.KeyReleaseTarget, "Rejected goods go to a scrap or transit location")
		}
	}
	req := domain.PostRequest{Kind: domain.DocTransfer, Reference: string(in.Decision), Note: in.Reason, SourceKind: SourceRelease,
		Lines: []domain.PostLine{{Field: "line", ItemID: strings.TrimSpace(in.Item), LocationID: in.Location, ToLocationID: in.ToLocation,
			LotNo: strings.TrimSpace(in.Lot), Quantity: in.Quantity}}}
	var out domain.InventoryDoc
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.post(ctx, req, p)
		return err
	})
	return out, flatten(err, "line.")
}

// flatten renames the field errors of a one-line document from line.x to x,
// so they name the fields of the form or request.
func flatten(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	for i := range e.Fields {
		e.Fields[i].Field = strings.TrimPrefix(e.Fields[i].Field, prefix)
	}
	return e
}
