package ledger_test

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
)

// race runs f from n goroutines at once and counts the outcomes.
func race(t *testing.T, n int, f func(i int) error) (ok int, conflicts int) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		other []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := f(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case apperr.KindOf(err) == apperr.KindConflict:
				conflicts++
			default:
				other = append(other, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range other {
		t.Errorf("unexpected error: %v", err)
	}
	return ok, conflicts
}

func TestConcurrentPostReverseClose(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		d, err := e.svc.CreateDraft(e.ctx, ledger.EntryInput{Date: "2026-01-10",
			Lines: []ledger.LineInput{line("1001", "10.00", ""), line("3001", "", "10.00")}})
		if err != nil {
			t.Fatal(err)
		}
		ok, conflicts := race(t, 50, func(int) error { _, err := e.svc.PostDraft(e.ctx, d.ID); return err })
		if ok != 1 || conflicts != 49 {
			t.Fatalf("post: %d succeeded, %d conflicts", ok, conflicts)
		}
		ok, conflicts = race(t, 50, func(int) error { _, err := e.svc.ReverseEntry(e.ctx, d.ID, "2026-01-20", ""); return err })
		if ok != 1 || conflicts != 49 {
			t.Fatalf("reverse: %d succeeded, %d conflicts", ok, conflicts)
		}
		// Posting into January while it closes: the period closes once, and
		// every posting either lands before the close or is refused.
		var posted, refused atomic.Int64
		ok, conflicts = race(t, 50, func(i int) error {
			if i%2 == 0 {
				_, err := e.svc.ClosePeriod(e.ctx, "2026-01")
				return err
			}
			_, err := e.svc.CreateAndPost(e.ctx, ledger.EntryInput{Date: "2026-01-31",
				Lines: []ledger.LineInput{line("1001", "1.00", ""), line("3001", "", "1.00")}})
			switch {
			case err == nil:
				posted.Add(1)
			case apperr.KindOf(err) == apperr.KindInvalid:
				refused.Add(1)
			default:
				return err
			}
			return nil
		})
		if ok-int(posted.Load()+refused.Load()) != 1 || conflicts != 24 {
			t.Fatalf("close: %d closes succeeded, %d conflicts", ok-int(posted.Load()+refused.Load()), conflicts)
		}
		if n := e.count(`SELECT count(*) FROM fin_entry WHERE period = '2026-01' AND status = 'posted'`); n != 2+posted.Load() {
			t.Fatalf("January holds %d entries, %d were posted", n, 2+posted.Load())
		}
		e.mustCheck()
	})
}

func TestGaplessNumbersUnderLoad(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		const workers = 32
		total := int64(5000)
		if raceEnabled {
			total = 1000
		}
		var (
			next      atomic.Int64
			committed atomic.Int64
			failed    atomic.Int64
			wg        sync.WaitGroup
		)
		errFail := errors.New("the document failed after the ledger posted it")
		ctx := context.Background()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > total {
						return
					}
					err := e.db.InTx(ctx, func(ctx context.Context) error {
						_, err := e.svc.Post(ctx, finance.Posting{SourceKind: finance.SourceShipment, SourceID: "shp-" + strconv.FormatInt(i, 10),
							Date: "2026-11-10", Lines: []finance.PostingLine{
								{Role: finance.RoleCOGS, Debit: amt("1.00")}, {Role: finance.RoleInventory, Credit: amt("1.00")}}})
						if err != nil {
							return err
						}
						// Every seventh document fails after its number was taken.
						if i%7 == 0 {
							return errFail
						}
						return nil
					})
					switch {
					case err == nil:
						committed.Add(1)
					case errors.Is(err, errFail):
						failed.Add(1)
					default:
						t.Errorf("post %d: %v", i, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		rows, err := e.db.Query(ctx, `SELECT number FROM fin_entry WHERE status = 'posted'`)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			k, _ := strconv.Atoi(n[strings.LastIndexByte(n, '-')+1:])
			seqs = append(seqs, k)
		}
		rows.Close()
		sort.Ints(seqs)
		if int64(len(seqs)) != committed.Load() || failed.Load() != total/7 {
			t.Fatalf("%d numbers for %d commits (%d failed)", len(seqs), committed.Load(), failed.Load())
		}
		for i, k := range seqs {
			if k != i+1 {
				t.Fatalf("number %d at position %d: not gapless", k, i+1)
			}
		}
		e.mustCheck()
	})
}
