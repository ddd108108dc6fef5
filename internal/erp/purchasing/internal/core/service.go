// Package core is the purchasing module's service: settings, price lists,
// purchase orders and their approval, receipts and supplier bills.
package core

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Service is the purchasing module's service. The other modules' contracts
// are looked up when used, so the order modules are wired in does not matter.
type Service struct {
	DB       *db.DB
	Now      func() time.Time
	Catalog  func() catalog.Catalog
	Stock    func() inventory.Stock
	Partners func() partner.Partners
	Poster   func() finance.Poster
	Rates    func() Rates // nil, or returning nil, when finance is not wired
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() string { return erpkit.Today(s.now()) }

var errNotWired = errors.New("purchasing: the catalog, inventory and partner modules are not wired")

func (s *Service) deps() (catalog.Catalog, inventory.Stock, partner.Partners, error) {
	c, st, p := s.Catalog(), s.Stock(), s.Partners()
	if c == nil || st == nil || p == nil {
		return nil, nil, nil, errNotWired
	}
	return c, st, p, nil
}

// ---- settings ----

// Settings returns the purchasing settings.
func (s *Service) Settings(ctx context.Context) (domain.PurchaseSettings, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.PurchaseSettings{}, err
	}
	return s.settings(ctx)
}

func (s *Service) settings(ctx context.Context) (domain.PurchaseSettings, error) {
	var st domain.PurchaseSettings
	err := s.DB.QueryRow(ctx, `SELECT approval_threshold, receipt_tolerance, price_tolerance, version FROM pur_setting WHERE id = 1`).
		Scan(&st.ApprovalThreshold, &st.ReceiptTolerance, &st.PriceTolerance, &st.Version)
	return st, err
}

// SaveSettings changes the purchasing settings.
func (s *Service) SaveSettings(ctx context.Context, in domain.PurchaseSettingsInput) (domain.PurchaseSettings, error) {
	if _, err := erpkit.Require(ctx, domain.PermSettings); err != nil {
		return domain.PurchaseSettings{}, err
	}
	if err := in.Validate().Err(); err != nil {
		return domain.PurchaseSettings{}, err
	}
	var out domain.PurchaseSettings
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.settings(ctx)
		if err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE pur_setting SET approval_threshold = $1, receipt_tolerance = $2, price_tolerance = $3,
			version = version + 1, updated_at = $4 WHERE id = 1 AND version = $5`,
			in.ApprovalThreshold, in.ReceiptTolerance, in.PriceTolerance, db.Millis(s.now()), in.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Precondition(erpkit.KeyVersion, "Someone else changed the settings in the meantime")
		}
		if out, err = s.settings(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.settings.updated", EntityKind: "erp.purchasing.settings",
			EntityID: "1", Before: before, After: out})
	})
	return out, err
}

// ---- helpers ----

// items resolves item references given by id or code.
func (s *Service) items(ctx context.Context, cat catalog.Catalog, refs []string) (map[string]catalog.Item, error) {
	out, err := cat.LookupItems(ctx, refs)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if _, ok := out[r]; ok || r == "" || db.ValidID(r) {
			continue
		}
		it, err := cat.LookupItemByCode(ctx, r)
		switch {
		case err == nil:
			out[r] = it
		case !apperr.IsKind(err, apperr.KindNotFound):
			return nil, err
		}
	}
	return out, nil
}

// precise reports whether q has no more decimals than precision.
func precise(q money.Quantity, precision int) bool {
	step := int64(1)
	for range money.QuantityScale - min(max(precision, 0), money.QuantityScale) {
		step *= 10
	}
	return q.Units()%step == 0
}

// toBase converts a quantity in the purchase unit to base units.
func toBase(q, factor money.Quantity) (money.Quantity, error) {
	d, err := q.Decimal().Mul(factor.Decimal())
	if err != nil {
		return money.Quantity{}, err
	}
	return money.QuantityFromDecimal(d, money.RoundHalfUp)
}

// baseCost is the cost of one base unit when one purchase unit costs price.
func baseCost(price money.UnitPrice, factor money.Quantity) (money.UnitPrice, error) {
	d, err := price.Decimal().Quo(factor.Decimal())
	if err != nil {
		return money.UnitPrice{}, err
	}
	return money.UnitPriceFromDecimal(d, money.RoundHalfUp)
}

// withTolerance returns q raised by the share tol, rounded half up.
func withTolerance(q money.Quantity, tol money.Rate) (money.Quantity, error) {
	one := money.MustRate("1")
	f, err := one.Add(tol)
	if err != nil {
		return money.Quantity{}, err
	}
	d, err := q.Decimal().Mul(f.Decimal())
	if err != nil {
		return money.Quantity{}, err
	}
	return money.QuantityFromDecimal(d, money.RoundHalfUp)
}

// lineAmounts returns a line's net and VAT, each rounded half up to the fen.
func lineAmounts(q money.Quantity, price money.UnitPrice, vat money.Rate) (money.Amount, money.Amount, error) {
	net, err := q.MulUnitPrice(price, money.RoundHalfUp)
	if err != nil {
		return money.Amount{}, money.Amount{}, err
	}
	tax, err := net.MulRate(vat, money.RoundHalfUp)
	return net, tax, err
}

// prefixFields renames the fields of an Invalid error from another
// module, so they name the caller's input: lines[0].lot becomes lot.
func prefixFields(err error, from, to string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = append(c.Fields[:0:0], e.Fields...)
	for i, f := range c.Fields {
		if rest, ok := strings.CutPrefix(f.Field, from); ok {
			c.Fields[i].Field = to + strings.TrimPrefix(rest, ".")
		}
	}
	return &c
}

func scanBool(v int64) bool { return v != 0 }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
