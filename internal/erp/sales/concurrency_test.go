package sales_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/sales"
	"github.com/loom-erp/loom/internal/platform/check"
)

// reservationsUnderLoad sends 10,000 reservation requests for one unit
// each from 64 concurrent HTTP clients against 100 units in stock, spread
// over 16 orders that want far more: exactly 100 succeed, the rest are told
// there is no stock (409), nothing answers 5xx, and nothing is oversold.
func reservationsUnderLoad(t *testing.T, w *world) {
	requests, clients, orders := 10_000, 64, 16
	if raceEnabled {
		requests = 2_000 // the race detector slows each request tenfold
	}
	{
		s := w.s
		item := ct.NewClient(t, s, "sun.li").Item(t, ct.ItemSpec{UoMID: w.b.Pieces.ID, CategoryID: w.b.Category.ID, LeadTime: 10})
		ids := make([]string, orders)
		for i := range ids {
			var o sales.Order
			w.manager.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
				{"item": item.Code, "quantity": "1000"}}}, 201, &o)
			w.manager.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/confirm", nil, 200, &o)
			if o.Status != sales.StatusConfirmed || o.Lines[0].Backordered.String() != "1000" {
				t.Fatalf("confirmed without stock: %+v", o)
			}
			ids[i] = o.ID
		}
		w.admin.Call(t, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt", "lines": []map[string]any{
			{"item": item.Code, "location": w.loc.Code, "quantity": "100", "unit_cost": "10"}}}, 201, nil)

		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = clients, clients
		client := &http.Client{Transport: tr, Timeout: time.Minute}
		var (
			next                       atomic.Int64
			ok, noStock, other, server atomic.Int64
			firstOdd                   sync.Once
			odd                        string
			wg                         sync.WaitGroup
		)
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n := next.Add(1)
					if n > int64(requests) {
						return
					}
					path := s.URL + "/api/v1/erp/sales/orders/" + ids[n%int64(orders)] + "/reserve"
					req, _ := http.NewRequestWithContext(context.Background(), "POST", path, strings.NewReader(`{"line_no":1,"quantity":"1"}`))
					req.Header.Set("Authorization", "Bearer "+w.manager.Token)
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						other.Add(1)
						firstOdd.Do(func() { odd = err.Error() })
						continue
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					switch {
					case resp.StatusCode == 200:
						ok.Add(1)
					case resp.StatusCode == 409 && strings.Contains(string(body), "erp.sales.error.no_stock"):
						noStock.Add(1)
					case resp.StatusCode >= 500:
						server.Add(1)
						firstOdd.Do(func() { odd = fmt.Sprintf("%d %s", resp.StatusCode, body) })
					default:
						other.Add(1)
						firstOdd.Do(func() { odd = fmt.Sprintf("%d %s", resp.StatusCode, body) })
					}
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 100 || noStock.Load() != int64(requests-100) || server.Load() != 0 || other.Load() != 0 {
			t.Fatalf("%d reserved, %d refused for lack of stock, %d 5xx, %d other (first: %s)", ok.Load(), noStock.Load(), server.Load(), other.Load(), odd)
		}
		if n := ct.Count(t, s, `SELECT CAST(COALESCE(SUM(reserved), 0) / 1000000 AS BIGINT) FROM so_line WHERE item_id = $1`, item.ID); n != 100 {
			t.Fatalf("order lines hold %d reserved", n)
		}
		if n := ct.Count(t, s, `SELECT CAST(COALESCE(SUM(quantity), 0) / 1000000 AS BIGINT) FROM inv_reservation WHERE item_id = $1`, item.ID); n != 100 {
			t.Fatalf("reservations hold %d", n)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM inv_stock WHERE item_id = $1 AND reserved = on_hand AND on_hand = 100000000`, item.ID); n != 1 {
			t.Fatal("the stock row is not 100 on hand, 100 reserved")
		}
		for _, c := range check.All() {
			if !strings.HasPrefix(c.Name, "erp.stock.") {
				continue
			}
			if vs, err := c.Run(context.Background(), s.App.DBs["erp"]); err != nil || len(vs) > 0 {
				t.Errorf("%s: %v %v", c.Name, err, vs)
			}
		}
	}
}
