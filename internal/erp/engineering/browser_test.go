package engineering_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestImportInBrowser imports a 3-level BOM workbook as a planner would,
// in a real browser at desktop width in Chinese and phone width in English:
// upload, see the check of every row, import, and find the BOMs listed.
func TestImportInBrowser(t *testing.T) {
	s := apptest.Start(t, db.SQLite, apptest.Options{})
	for i, v := range browser.Viewports() {
		lang, summary, done := "zh-Hans", "共 4 行，3 个物料清单", "新建 3 个物料清单"
		if i == 1 {
			lang, summary, done = "en", "4 rows in 3 BOMs", "3 BOMs created"
		}
		t.Run(v.Name+"-"+lang, func(t *testing.T) {
			w := newWorld(t, s)
			path := filepath.Join(t.TempDir(), "boms.xlsx")
			data := workbook(t, [][]any{
				{w.fg, "A", "2026-01-01", "", w.sf, 1, "2%"},
				{w.fg, "A", "", "", w.bolt, 6},
				{w.sf, "A", "2026-01-01", "", w.kit, 1, "", "yes"},
				{w.kit, "A", "2026-01-01", "", w.ingot, "4.35", 3},
			})
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx := browser.NewWithSize(t, v.Width, v.Height)
			browser.Do(t, ctx,
				chromedp.Navigate(s.URL+"/erp/engineering/boms/import?lang="+lang),
				browser.WaitHTMXIdle,
				chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "sun.li"),
				chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), app.DemoPassword),
				chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
				chromedp.WaitVisible(chromedp.CSS(`section.erp-import`)),
				chromedp.SetUploadFiles(chromedp.CSS(`input[type="file"]`), []string{path}),
				chromedp.Click(chromedp.CSS(`section.erp-import button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`section.erp-import-preview`)),
				browser.WaitHTMXIdle,
			)
			if got := browser.Text(t, ctx, ".import-summary"); !strings.Contains(got, summary) {
				t.Fatalf("summary %q, want %q", got, summary)
			}
			if n := browser.Eval[int](t, ctx, `document.querySelectorAll("tr.row-bad").length`); n != 0 {
				t.Fatalf("%d bad rows", n)
			}
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS(`button[data-action="import-all"]`)),
				chromedp.WaitVisible(chromedp.CSS(`section.erp-import-result`)),
			)
			if got := browser.Text(t, ctx, ".erp-import-result .flash-success"); !strings.Contains(got, done) {
				t.Fatalf("result %q, want %q", got, done)
			}
			if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom b JOIN eng_bom_line l ON l.bom_id = b.id WHERE b.status = 'draft' AND b.item_id IN
				(SELECT id FROM cat_item WHERE code IN ($1, $2, $3))`, w.fg, w.sf, w.kit); n != 4 {
				t.Fatalf("imported %d lines, want 4", n)
			}
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS(`.erp-import-result a.btn-primary`)),
				chromedp.WaitVisible(chromedp.CSS(`section.erp-boms`)),
			)
			if n := browser.Eval[int](t, ctx, `document.querySelectorAll('tr[data-bom="`+w.sf+`/A"]').length`); n != 1 {
				t.Fatalf("the imported BOM of %s is listed %d times", w.sf, n)
			}
			if errs := browser.PageErrors(ctx); len(errs) > 0 {
				t.Fatalf("page errors: %v", errs)
			}
		})
	}
}
