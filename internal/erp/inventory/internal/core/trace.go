package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Traceability follows a lot (or serial number) through the ledger: the
// documents that brought it in, where it lies, and the shipments it went
// out on, whose order, customer and tracking number the sales module tells.

func (s *Service) shipmentDetails() domain.ShipmentDetails {
	if s.Shipments == nil {
		return nil
	}
	return s.Shipments()
}

// FindLots returns the items that have a lot or serial number lotNo.
func (s *Service) FindLots(ctx context.Context, lotNo string) ([]domain.LotMatch, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	lotNo = strings.TrimSpace(lotNo)
	if lotNo == "" {
		return nil, apperr.Invalid("lot", erpkit.KeyRequired, "This field is required")
	}
	rows, err := s.DB.Query(ctx, `SELECT item_id, lot_no FROM inv_lot WHERE lot_key = $1 ORDER BY item_id`, erpkit.CodeKey(lotNo))
	if err != nil {
		return nil, fmt.Errorf("inventory: find lots: %w", err)
	}
	defer rows.Close()
	out := []domain.LotMatch{}
	var ids []string
	for rows.Next() {
		var m domain.LotMatch
		if err := rows.Scan(&m.ItemID, &m.LotNo); err != nil {
			return nil, err
		}
		out = append(out, m)
		ids = append(ids, m.ItemID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].ItemCode, out[i].ItemName = items[out[i].ItemID].Code, items[out[i].ItemID].Name
	}
	return out, nil
}

// TraceLot returns where an item's lot came from, where it lies and where it went.
func (s *Service) TraceLot(ctx context.Context, itemRef, lotNo string) (domain.LotTrace, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.LotTrace{}, err
	}
	var p erpkit.Problems
	it, err := s.resolveItem(ctx, itemRef)
	switch {
	case strings.TrimSpace(itemRef) == "":
		p.Add("item", erpkit.KeyRequired, "This field is required")
	case apperr.IsKind(err, apperr.KindNotFound):
		p.Add("item", domain.KeyItemUnknown, "No item has this code")
	case err != nil:
		return domain.LotTrace{}, err
	}
	var lot domain.InventoryLot
	if strings.TrimSpace(lotNo) == "" {
		p.Add("lot", erpkit.KeyRequired, "This field is required")
	} else if it.ID != "" {
		lot, err = s.findLot(ctx, it.ID, erpkit.CodeKey(lotNo))
		if errors.Is(err, sql.ErrNoRows) {
			p.Add("lot", domain.KeyLotUnknown, "This item has no such lot or serial number")
		} else if err != nil {
			return domain.LotTrace{}, err
		}
	}
	if err := p.Err(); err != nil {
		return domain.LotTrace{}, err
	}
	tr := domain.LotTrace{ItemID: it.ID, ItemCode: it.Code, ItemName: it.Name, UoM: it.UoM, LotID: lot.ID, LotNo: lot.LotNo,
		Serial: it.Tracking == catalog.TrackingSerial, Expiry: lot.ExpiryDate, Origins: []domain.TraceOrigin{}, Shipments: []domain.TraceOut{}}
	page, err := s.moves(ctx, domain.MoveFilter{ItemID: it.ID, LotID: lot.ID, Ascending: true, Limit: erpkit.MaxLimit}, canSeeCost(ctx))
	if err != nil {
		return tr, err
	}
	tr.Moves = page.Moves
	if tr.Locations, err = s.LookupBalances(ctx, domain.StockFilter{ItemID: it.ID, LotID: lot.ID}); err != nil {
		return tr, err
	}
	// The documents behind the moves, and how much of the lot each moved.
	qty := map[string]int64{}
	var docIDs []string
	for _, m := range tr.Moves {
		if _, ok := qty[m.DocID]; !ok {
			docIDs = append(docIDs, m.DocID)
		}
		qty[m.DocID] += m.Quantity.Units()
	}
	type docRow struct {
		number, date, reference, partnerKind, partnerID string
		kind                                            domain.DocKind
	}
	docs := map[string]docRow{}
	if err := erpkit.Chunks(docIDs, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.DB.Query(ctx, `SELECT id, number, kind, date, reference, partner_kind, partner_id FROM inv_doc WHERE id IN (`+
			erpkit.Placeholders(1, len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id string
				d  docRow
			)
			if err := rows.Scan(&id, &d.number, &d.kind, &d.date, &d.reference, &d.partnerKind, &d.partnerID); err != nil {
				return err
			}
			docs[id] = d
		}
		return rows.Err()
	}); err != nil {
		return tr, fmt.Errorf("inventory: read documents of a lot: %w", err)
	}
	var shipDocs []string
	for _, id := range docIDs {
		d := docs[id]
		switch d.kind {
		case domain.DocReceipt, domain.DocProductionIn, domain.DocReturn:
			if qty[id] > 0 {
				tr.Origins = append(tr.Origins, domain.TraceOrigin{DocID: id, Number: d.number, Kind: d.kind, Date: d.date, Reference: d.reference,
					PartnerKind: d.partnerKind, PartnerID: d.partnerID, PartnerName: s.partnerName(ctx, d.partnerKind, d.partnerID),
					Quantity: money.QuantityFromUnits(qty[id])})
			}
		case domain.DocShipment:
			shipDocs = append(shipDocs, id)
		}
	}
	var details map[string]domain.TraceShipment
	if sd := s.shipmentDetails(); sd != nil && len(shipDocs) > 0 {
		if details, err = sd.LookupShipmentsByDoc(ctx, shipDocs); err != nil {
			return tr, err
		}
	}
	for _, id := range shipDocs {
		d := docs[id]
		sh, ok := details[id]
		if !ok {
			sh = domain.TraceShipment{DocID: id, Number: d.number, Date: d.date, CustomerID: d.partnerID,
				CustomerName: s.partnerName(ctx, d.partnerKind, d.partnerID)}
		}
		tr.Shipments = append(tr.Shipments, domain.TraceOut{TraceShipment: sh, Quantity: money.QuantityFromUnits(-qty[id])})
	}
	return tr, nil
}

// partnerName returns a customer's or supplier's name, or "" when unknown.
func (s *Service) partnerName(ctx context.Context, kind, id string) string {
	if id == "" || s.Partners == nil {
		return ""
	}
	ps := s.Partners()
	if ps == nil {
		return ""
	}
	switch kind {
	case "supplier":
		if sup, err := ps.LookupSupplier(ctx, id); err == nil {
			return sup.Name
		}
	case "customer":
		if c, err := ps.LookupCustomer(ctx, id); err == nil {
			return c.Name
		}
	}
	return ""
}

// TraceShipments returns the shipments of a customer, or one shipment (by
// number or id), with the lots and serial numbers each took out.
func (s *Service) TraceShipments(ctx context.Context, customerID, shipment string) ([]domain.ShipmentLots, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	customerID, shipment = strings.TrimSpace(customerID), strings.TrimSpace(shipment)
	if customerID == "" && shipment == "" {
		return nil, apperr.Invalid("shipment", erpkit.KeyRequired, "This field is required")
	}
	out := []domain.ShipmentLots{}
	sd := s.shipmentDetails()
	if sd == nil {
		return out, nil
	}
	shs, err := sd.LookupShipments(ctx, customerID, shipment)
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	var docIDs []string
	for _, sh := range shs {
		idx[sh.DocID] = len(out)
		out = append(out, domain.ShipmentLots{TraceShipment: sh, Lots: []domain.ShippedLot{}})
		docIDs = append(docIDs, sh.DocID)
	}
	var itemIDs []string
	if err := erpkit.Chunks(docIDs, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.DB.Query(ctx, `SELECT m.doc_id, m.item_id, COALESCE(t.lot_no, ''), SUM(m.quantity) FROM inv_move m
			LEFT JOIN inv_lot t ON t.id = m.lot_id WHERE m.doc_id IN (`+erpkit.Placeholders(1, len(part))+`)
			GROUP BY m.doc_id, m.item_id, t.lot_no ORDER BY m.doc_id, m.item_id, t.lot_no`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				doc string
				l   domain.ShippedLot
				q   int64
			)
			if err := rows.Scan(&doc, &l.ItemID, &l.LotNo, &q); err != nil {
				return err
			}
			l.Quantity = money.QuantityFromUnits(-q)
			out[idx[doc]].Lots = append(out[idx[doc]].Lots, l)
			itemIDs = append(itemIDs, l.ItemID)
		}
		return rows.Err()
	}); err != nil {
		return nil, fmt.Errorf("inventory: read shipped lots: %w", err)
	}
	items, err := s.Catalog.LookupItems(ctx, itemIDs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for j := range out[i].Lots {
			it := items[out[i].Lots[j].ItemID]
			out[i].Lots[j].ItemCode, out[i].Lots[j].ItemName = it.Code, it.Name
		}
	}
	return out, nil
}
