package receivables

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// EventShipped is the sales module's event finance keeps shipments from.
const EventShipped = "erp.shipment.shipped"

// Shipped is the part of erp.shipment.shipped finance keeps.
type Shipped struct {
	ShipmentID string        `json:"shipment_id"`
	Number     string        `json:"number"`
	SOID       string        `json:"so_id"`
	SONumber   string        `json:"so_number"`
	CustomerID string        `json:"customer_id"`
	Carrier    string        `json:"carrier"`
	TrackingNo string        `json:"tracking_no"`
	ShippedAt  time.Time     `json:"shipped_at"`
	Lines      []ShippedLine `json:"lines"`
}

// ShippedLine is one item of a shipment.
type ShippedLine struct {
	ItemID   string         `json:"item_id"`
	Quantity money.Quantity `json:"quantity"`
}

// Shipment is goods shipped to a customer, as finance keeps them to invoice.
type Shipment struct {
	ID            string         `json:"id"`
	Number        string         `json:"number"`
	SOID          string         `json:"so_id"`
	SONumber      string         `json:"so_number"`
	CustomerID    string         `json:"customer_id"`
	CustomerName  string         `json:"customer_name"`
	Date          string         `json:"date"`
	ShippedAt     time.Time      `json:"shipped_at"`
	Carrier       string         `json:"carrier"`
	TrackingNo    string         `json:"tracking_no"`
	InvoiceID     string         `json:"invoice_id,omitempty"`
	InvoiceNumber string         `json:"invoice_number,omitempty"`
	Lines         []ShipmentLine `json:"lines"`
}

// ShipmentLine is one item of a shipment, with the catalog's name for it.
type ShipmentLine struct {
	LineNo   int            `json:"line_no"`
	ItemID   string         `json:"item_id"`
	ItemCode string         `json:"item_code"`
	ItemName string         `json:"item_name"`
	Quantity money.Quantity `json:"quantity"`
}

// ApplyShipment records a shipment the sales module announced; a shipment
// already recorded is left as it is. Its customer is copied from the
// directory when finance does not know it yet.
func (s *Service) ApplyShipment(ctx context.Context, sh Shipped) error {
	if !db.ValidID(sh.ShipmentID) || sh.CustomerID == "" || len(sh.Lines) == 0 {
		return invalid("shipment_id", keyShipmentUnknown)
	}
	ctx = systemCtx(ctx)
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.adopt(ctx, sh.CustomerID); err != nil {
			return err
		}
		comp, err := s.ledger.Company(ctx)
		if err != nil {
			return err
		}
		date := sh.ShippedAt.In(comp.Location()).Format(db.DateLayout)
		n, err := s.db.ExecAffected(ctx, `INSERT INTO fin_shipment (id, number, so_id, so_number, customer_id, date, shipped_at,
			carrier, tracking_no, invoice_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10)
			ON CONFLICT (id) DO NOTHING`,
			sh.ShipmentID, sh.Number, sh.SOID, sh.SONumber, sh.CustomerID, date, db.Millis(sh.ShippedAt), sh.Carrier,
			sh.TrackingNo, db.Millis(s.now()))
		if err != nil || n == 0 {
			return err
		}
		for i, l := range sh.Lines {
			if _, err := s.db.Exec(ctx, `INSERT INTO fin_shipment_line (shipment_id, line_no, item_id, quantity) VALUES ($1, $2, $3, $4)`,
				sh.ShipmentID, i+1, l.ItemID, l.Quantity); err != nil {
				return err
			}
		}
		return s.record(ctx, "fin.shipment.received", kindShipment, sh.ShipmentID, nil, sh)
	})
}

// ShipmentFilter selects shipments.
type ShipmentFilter struct {
	CustomerID string
	Open       bool // only those not invoiced yet
	Limit      int  // 0 means 100, at most 1000
	Offset     int
}

const shipmentColumns = `s.id, s.number, s.so_id, s.so_number, s.customer_id, COALESCE(c.name, ''), s.date, s.shipped_at,
	s.carrier, s.tracking_no, s.invoice_id, COALESCE(i.number, '')`

const shipmentFrom = ` FROM fin_shipment s LEFT JOIN fin_customer c ON c.id = s.customer_id
	LEFT JOIN fin_invoice i ON i.id = NULLIF(s.invoice_id, '')`

func scanShipment(r interface{ Scan(...any) error }) (*Shipment, error) {
	var (
		sh      Shipment
		shipped int64
	)
	if err := r.Scan(&sh.ID, &sh.Number, &sh.SOID, &sh.SONumber, &sh.CustomerID, &sh.CustomerName, &sh.Date, &shipped,
		&sh.Carrier, &sh.TrackingNo, &sh.InvoiceID, &sh.InvoiceNumber); err != nil {
		return nil, err
	}
	sh.ShippedAt = db.FromMillis(shipped)
	return &sh, nil
}

// Shipments lists shipments, newest first, with their lines; it needs
// PermInvoiceRead, and a sales role sees only its own customers'.
func (s *Service) Shipments(ctx context.Context, f ShipmentFilter) ([]Shipment, error) {
	p, err := require(ctx, finance.PermInvoiceRead)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	cond, args := customerScope(p).where("c.owner_id", 1)
	q := `SELECT ` + shipmentColumns + shipmentFrom + ` WHERE ` + cond
	if f.Open {
		q += ` AND s.invoice_id = ''`
	}
	if f.CustomerID != "" {
		args = append(args, f.CustomerID)
		q += ` AND s.customer_id = $` + itoa(len(args))
	}
	args = append(args, f.Limit, f.Offset)
	q += ` ORDER BY s.date DESC, s.number DESC LIMIT $` + itoa(len(args)-1) + ` OFFSET $` + itoa(len(args))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out := []Shipment{}
	for rows.Next() {
		sh, err := scanShipment(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *sh)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Lines, err = s.shipmentLines(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OpenShipments counts the shipments not invoiced yet within the user's
// scope; it needs PermInvoiceRead.
func (s *Service) OpenShipments(ctx context.Context) (int, error) {
	p, err := require(ctx, finance.PermInvoiceRead)
	if err != nil {
		return 0, err
	}
	cond, args := customerScope(p).where("c.owner_id", 1)
	var n int
	err = s.db.QueryRow(ctx, `SELECT count(*) FROM fin_shipment s LEFT JOIN fin_customer c ON c.id = s.customer_id
		WHERE s.invoice_id = '' AND `+cond, args...).Scan(&n)
	return n, err
}

// Shipment returns one shipment with its lines, within the user's scope.
func (s *Service) Shipment(ctx context.Context, id string) (*Shipment, error) {
	p, err := require(ctx, finance.PermInvoiceRead)
	if err != nil {
		return nil, err
	}
	sh, owner, err := s.shipment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !customerScope(p).sees(owner) {
		return nil, notFound("shipment", id)
	}
	return sh, nil
}

func (s *Service) shipment(ctx context.Context, id string) (*Shipment, string, error) {
	var owner string
	row := s.db.QueryRow(ctx, `SELECT `+shipmentColumns+`, COALESCE(c.owner_id, '')`+shipmentFrom+` WHERE s.id = $1`, id)
	var (
		sh      Shipment
		shipped int64
	)
	err := row.Scan(&sh.ID, &sh.Number, &sh.SOID, &sh.SONumber, &sh.CustomerID, &sh.CustomerName, &sh.Date, &shipped,
		&sh.Carrier, &sh.TrackingNo, &sh.InvoiceID, &sh.InvoiceNumber, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", notFound("shipment", id)
	}
	if err != nil {
		return nil, "", err
	}
	sh.ShippedAt = db.FromMillis(shipped)
	if sh.Lines, err = s.shipmentLines(ctx, id); err != nil {
		return nil, "", err
	}
	return &sh, owner, nil
}

// shipmentLines reads a shipment's lines and names their items from the catalog.
func (s *Service) shipmentLines(ctx context.Context, id string) ([]ShipmentLine, error) {
	rows, err := s.db.Query(ctx, `SELECT line_no, item_id, quantity FROM fin_shipment_line WHERE shipment_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return nil, err
	}
	var out []ShipmentLine
	var ids []string
	for rows.Next() {
		var l ShipmentLine
		if err := rows.Scan(&l.LineNo, &l.ItemID, &l.Quantity); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, l)
		ids = append(ids, l.ItemID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := s.lookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, l := range out {
		if it, ok := items[l.ItemID]; ok {
			out[i].ItemCode, out[i].ItemName = it.Code, it.Name
		}
	}
	return out, nil
}

// lookupItems finds catalog items by id; without a catalog it finds none.
func (s *Service) lookupItems(ctx context.Context, ids []string) (map[string]catalog.Item, error) {
	items := s.items()
	if items == nil || len(ids) == 0 {
		return map[string]catalog.Item{}, nil
	}
	return items.LookupItems(ctx, ids)
}

// InvoiceForShipment returns the input of an invoice billing a shipment
// not invoiced yet: its customer, sales order and lines, each line at its
// item's list price and VAT rate, dated today. Prices are the catalog's:
// the user checks them against the sales order before saving.
func (s *Service) InvoiceForShipment(ctx context.Context, id string) (InvoiceInput, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return InvoiceInput{}, err
	}
	sh, err := s.Shipment(ctx, id)
	if err != nil {
		return InvoiceInput{}, err
	}
	if sh.InvoiceID != "" {
		return InvoiceInput{}, conflict(keyShipmentInvoiced, map[string]any{"Number": sh.Number, "Invoice": sh.InvoiceNumber})
	}
	ids := make([]string, len(sh.Lines))
	for i, l := range sh.Lines {
		ids[i] = l.ItemID
	}
	items, err := s.lookupItems(ctx, ids)
	if err != nil {
		return InvoiceInput{}, err
	}
	in := InvoiceInput{CustomerID: sh.CustomerID, Date: s.ledger.Today(ctx), SOID: sh.SOID, SONumber: sh.SONumber, ShipmentID: sh.ID,
		Memo: strings.TrimSpace(sh.Number)}
	for _, l := range sh.Lines {
		li := InvoiceLineInput{Quantity: l.Quantity, Description: l.ItemID}
		if it, ok := items[l.ItemID]; ok {
			rate := it.VATRate
			li.ItemCode, li.Description, li.Spec, li.UoM, li.UnitPrice, li.VATRate = it.Code, it.Name, it.Spec, it.UoM, it.ListPrice, &rate
		}
		in.Lines = append(in.Lines, li)
	}
	if err := s.orderPrices(ctx, &in, sh.Lines); err != nil {
		return InvoiceInput{}, err
	}
	return in, nil
}

// CreateInvoiceForShipment writes a draft invoice for a shipment at the
// items' list prices (see InvoiceForShipment); it needs PermInvoiceWrite.
func (s *Service) CreateInvoiceForShipment(ctx context.Context, id string) (*Invoice, error) {
	in, err := s.InvoiceForShipment(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.CreateInvoice(ctx, in)
}

// checkShipment says what is wrong with billing a shipment on an invoice
// of a customer: another posted invoice billed it, or it went to another
// customer. A shipment finance never heard of is taken as a reference.
func (s *Service) checkShipment(ctx context.Context, id, customerID string) (*fieldError, error) {
	if id == "" {
		return nil, nil
	}
	var cust, invoice, number string
	err := s.db.QueryRow(ctx, `SELECT customer_id, invoice_id, number FROM fin_shipment WHERE id = $1`, id).Scan(&cust, &invoice, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case invoice != "":
		f := fe("shipment_id", keyShipmentInvoiced, map[string]any{"Number": number})
		return &f, nil
	case cust != customerID:
		f := fe("shipment_id", keyShipmentCustomer, map[string]any{"Number": number})
		return &f, nil
	}
	return nil, nil
}

// billShipment marks a shipment invoiced by a posting invoice; of two
// invoices posting for one shipment, the second is refused.
func (s *Service) billShipment(ctx context.Context, inv *Invoice) error {
	if inv.Kind != KindInvoice || inv.ShipmentID == "" {
		return nil
	}
	n, err := s.db.ExecAffected(ctx, `UPDATE fin_shipment SET invoice_id = $1 WHERE id = $2 AND invoice_id = '' AND customer_id = $3`,
		inv.ID, inv.ShipmentID, inv.CustomerID)
	if err != nil || n == 1 {
		return err
	}
	bad, err := s.checkShipment(ctx, inv.ShipmentID, inv.CustomerID)
	if err != nil || bad == nil {
		return err
	}
	return fieldErrorsOf([]fieldError{*bad})
}
