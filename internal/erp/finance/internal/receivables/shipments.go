package receivables

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	Invoiced money.Quantity `json:"invoiced"` // billed by posted invoices
	Left     money.Quantity `json:"left"`     // still to invoice
}

// PartlyInvoiced reports whether posted invoices billed part, not all, of
// the shipment.
func (sh *Shipment) PartlyInvoiced() bool {
	if sh.InvoiceID != "" {
		return false
	}
	for _, l := range sh.Lines {
		if l.Invoiced.Sign() > 0 {
			return true
		}
	}
	return false
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
	rows, err := s.db.Query(ctx, `SELECT line_no, item_id, quantity, invoiced FROM fin_shipment_line WHERE shipment_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return nil, err
	}
	var out []ShipmentLine
	var ids []string
	for rows.Next() {
		var l ShipmentLine
		if err := rows.Scan(&l.LineNo, &l.ItemID, &l.Quantity, &l.Invoiced); err != nil {
			rows.Close()
			return nil, err
		}
		l.Left, _ = l.Quantity.Sub(l.Invoiced)
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

// ShipmentPick is how much of one shipment line an invoice bills.
type ShipmentPick struct {
	LineNo   int
	Quantity money.Quantity
}

// InvoiceForShipment returns the input of an invoice billing a shipment, or
// the picked quantities of its lines (none picked: all that is left to
// invoice), dated today. Each line takes the price, discount and VAT rate
// of the sales order line it was shipped from, so an item on two order
// lines becomes two invoice lines at their own prices; without a sales
// module the items' list prices. It needs PermInvoiceWrite.
func (s *Service) InvoiceForShipment(ctx context.Context, id string, picks ...ShipmentPick) (InvoiceInput, error) {
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
	byNo := map[int]ShipmentLine{}
	for _, l := range sh.Lines {
		byNo[l.LineNo] = l
	}
	if len(picks) == 0 {
		for _, l := range sh.Lines {
			if l.Left.Sign() > 0 {
				picks = append(picks, ShipmentPick{LineNo: l.LineNo, Quantity: l.Left})
			}
		}
	}
	var bad []fieldError
	seen := map[int]bool{}
	for i, p := range picks {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		l, ok := byNo[p.LineNo]
		switch {
		case !ok || seen[p.LineNo]:
			bad = append(bad, fe(f("line_no"), keyShipmentLine, map[string]any{"Line": p.LineNo}))
		case p.Quantity.Sign() <= 0:
			bad = append(bad, fe(f("quantity"), keyQuantityInvalid))
		case p.Quantity.Cmp(l.Left) > 0:
			bad = append(bad, fe(f("quantity"), keyShipmentOver, map[string]any{"Line": p.LineNo, "Left": l.Left.String()}))
		}
		seen[p.LineNo] = true
	}
	if len(picks) == 0 {
		bad = append(bad, fe("lines", keyLinesRequired))
	}
	if err := fieldErrorsOf(bad); err != nil {
		return InvoiceInput{}, err
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
	prices, err := s.orderPricing(ctx, &in, sh)
	if err != nil {
		return InvoiceInput{}, err
	}
	for _, p := range picks {
		sl := byNo[p.LineNo]
		for _, part := range prices.split(sl, p.Quantity) {
			li := InvoiceLineInput{Quantity: part.qty, Description: sl.ItemID, ShipmentLine: sl.LineNo}
			if it, ok := items[sl.ItemID]; ok {
				rate := it.VATRate
				li.ItemCode, li.Description, li.Spec, li.UoM, li.UnitPrice, li.VATRate = it.Code, it.Name, it.Spec, it.UoM, it.ListPrice, &rate
			}
			if part.line != nil {
				price, err := netPrice(part.line.UnitPrice, part.line.Discount)
				if err != nil {
					return InvoiceInput{}, err
				}
				vat := part.line.VATRate
				li.UnitPrice, li.VATRate, li.SOLine = price, &vat, part.line.LineNo
			}
			in.Lines = append(in.Lines, li)
		}
	}
	return in, nil
}

// CreateInvoiceForShipment writes a draft invoice for a shipment, or the
// picked quantities of its lines, at the sales order's prices (see
// InvoiceForShipment); it needs PermInvoiceWrite.
func (s *Service) CreateInvoiceForShipment(ctx context.Context, id string, picks ...ShipmentPick) (*Invoice, error) {
	in, err := s.InvoiceForShipment(ctx, id, picks...)
	if err != nil {
		return nil, err
	}
	return s.CreateInvoice(ctx, in)
}

// shipmentLineState is a shipment line as billing sees it.
type shipmentLineState struct {
	itemID             string
	quantity, invoiced money.Quantity
}

// shipmentLineStates reads a shipment's lines by number; ok is false when
// finance does not know the shipment.
func (s *Service) shipmentLineStates(ctx context.Context, id string) (map[int]shipmentLineState, bool, error) {
	rows, err := s.db.Query(ctx, `SELECT line_no, item_id, quantity, invoiced FROM fin_shipment_line WHERE shipment_id = $1`, id)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := map[int]shipmentLineState{}
	for rows.Next() {
		var (
			no int
			l  shipmentLineState
		)
		if err := rows.Scan(&no, &l.itemID, &l.quantity, &l.invoiced); err != nil {
			return nil, false, err
		}
		out[no] = l
	}
	return out, len(out) > 0, rows.Err()
}

// checkShipmentLines says what is wrong with the shipment lines an invoice's
// lines bill: a line of no shipment, of another item, or more than is left
// to invoice of a shipment line (several lines billing one shipment line
// count together).
func (s *Service) checkShipmentLines(ctx context.Context, shipmentID string, lines []InvoiceLine) ([]fieldError, error) {
	var bad []fieldError
	linked := false
	for _, l := range lines {
		linked = linked || l.ShipmentLine > 0
	}
	if !linked {
		return nil, nil
	}
	states := map[int]shipmentLineState{}
	if shipmentID != "" {
		var err error
		if states, _, err = s.shipmentLineStates(ctx, shipmentID); err != nil {
			return nil, err
		}
	}
	billed := map[int]money.Quantity{}
	for i, l := range lines {
		if l.ShipmentLine == 0 {
			continue
		}
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		st, ok := states[l.ShipmentLine]
		switch {
		case shipmentID == "":
			bad = append(bad, fe(f("shipment_line"), keyShipmentNoLine))
			continue
		case !ok || (l.ItemID != "" && l.ItemID != st.itemID):
			bad = append(bad, fe(f("shipment_line"), keyShipmentLine, map[string]any{"Line": l.ShipmentLine}))
			continue
		}
		sum, err := billed[l.ShipmentLine].Add(l.Quantity)
		if err != nil {
			bad = append(bad, fe(f("quantity"), keyOverflow))
			continue
		}
		billed[l.ShipmentLine] = sum
		left, _ := st.quantity.Sub(st.invoiced)
		if sum.Cmp(left) > 0 {
			bad = append(bad, fe(f("quantity"), keyShipmentOver, map[string]any{"Line": l.ShipmentLine, "Left": left.String()}))
		}
	}
	return bad, nil
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

// billShipment records what a posting invoice bills of its shipment. An
// invoice whose lines name shipment lines adds their quantities to the
// lines' invoiced, each by a conditional update that never takes a line
// past its quantity (of two invoices posting the last quantity at once, the
// second is refused); an invoice naming no shipment line bills the whole
// shipment, which nothing else may have billed. The shipment is marked
// invoiced by the invoice that billed its last quantity.
func (s *Service) billShipment(ctx context.Context, inv *Invoice) error {
	if inv.Kind != KindInvoice || inv.ShipmentID == "" {
		return nil
	}
	bad, err := s.checkShipment(ctx, inv.ShipmentID, inv.CustomerID)
	if err != nil {
		return err
	}
	if bad != nil {
		return fieldErrorsOf([]fieldError{*bad})
	}
	_, known, err := s.shipmentLineStates(ctx, inv.ShipmentID)
	if err != nil || !known {
		return err
	}
	linked := false
	var errs []fieldError
	for i, l := range inv.Lines {
		if l.ShipmentLine == 0 {
			continue
		}
		linked = true
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_shipment_line SET invoiced = invoiced + $3
			WHERE shipment_id = $1 AND line_no = $2 AND invoiced + $3 <= quantity`, inv.ShipmentID, l.ShipmentLine, l.Quantity)
		if err != nil {
			return err
		}
		if n == 0 {
			// Another invoice billed it meanwhile: say so if it billed it all.
			if bad, err := s.checkShipment(ctx, inv.ShipmentID, inv.CustomerID); err != nil || bad != nil {
				if err != nil {
					return err
				}
				return fieldErrorsOf([]fieldError{*bad})
			}
			var q, done money.Quantity
			if err := s.db.QueryRow(ctx, `SELECT quantity, invoiced FROM fin_shipment_line WHERE shipment_id = $1 AND line_no = $2`,
				inv.ShipmentID, l.ShipmentLine).Scan(&q, &done); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			left, _ := q.Sub(done)
			errs = append(errs, fe(fmt.Sprintf("lines[%d].quantity", i), keyShipmentOver, map[string]any{"Line": l.ShipmentLine, "Left": left.String()}))
		}
	}
	if err := fieldErrorsOf(errs); err != nil {
		return err
	}
	if !linked {
		if _, err := s.db.Exec(ctx, `UPDATE fin_shipment_line SET invoiced = quantity WHERE shipment_id = $1 AND invoiced = 0`, inv.ShipmentID); err != nil {
			return err
		}
	}
	n, err := s.db.ExecAffected(ctx, `UPDATE fin_shipment SET invoice_id = $1 WHERE id = $2 AND invoice_id = '' AND customer_id = $3
		AND NOT EXISTS (SELECT 1 FROM fin_shipment_line WHERE shipment_id = $2 AND invoiced < quantity)`,
		inv.ID, inv.ShipmentID, inv.CustomerID)
	if err != nil || n == 1 || linked {
		return err
	}
	// The whole shipment, but another invoice billed part of it.
	var number string
	if err := s.db.QueryRow(ctx, `SELECT number FROM fin_shipment WHERE id = $1`, inv.ShipmentID).Scan(&number); err != nil {
		return err
	}
	return invalid("shipment_id", keyShipmentPartly, map[string]any{"Number": number})
}
