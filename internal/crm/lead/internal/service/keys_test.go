package service

import (
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/lead"
)

// TestSearchTextSplit checks that the search text put together from the
// number and the keys worked out before the transaction is the fold of the
// whole, as it was when it was folded in one piece.
func TestSearchTextSplit(t *testing.T) {
	for _, in := range []lead.Input{
		{},
		{Company: "  宁波海天精密机械有限公司 ", ContactName: "王工", Mobile: "139 1234 5678", Email: "Wang@HaiTian.example.cn"},
		{ContactName: "Ｃｈｅｎ　Ｌｉ", Email: "x@y.example"},
		{Company: "\t", Mobile: "+86-13800000000"},
	} {
		whole := textnorm.Fold(strings.Join([]string{"LD-2026-000123", in.Company, in.ContactName, textnorm.Initials(in.Company),
			textnorm.Initials(in.ContactName), textnorm.Phone(in.Mobile), textnorm.Email(in.Email)}, " "))
		if got := searchText("LD-2026-000123", &in); got != whole {
			t.Errorf("%+v: %q, want %q", in, got, whole)
		}
	}
}
