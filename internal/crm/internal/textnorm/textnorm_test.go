package textnorm

import "testing"

func TestCompanyKey(t *testing.T) {
	same := [][]string{
		{"华东精密压铸有限公司", "华东精密压铸 （有限公司）", "华东精密压铸股份有限公司", "华东 精密压铸", "华东精密压铸公司"},
		{"Acme Co., Ltd.", "ACME Inc", "acme", "ＡＣＭＥ　Ｃｏ．，Ｌｔｄ．", "Acme Company Limited"},
		{"宁波海天塑机集团有限公司", "宁波海天塑机"},
	}
	for _, group := range same {
		want := CompanyKey(group[0])
		for _, n := range group[1:] {
			if got := CompanyKey(n); got != want {
				t.Errorf("CompanyKey(%q) = %q, want %q (as %q)", n, got, want, group[0])
			}
		}
	}
	if CompanyKey("有限公司") != "有限公司" {
		t.Errorf("a name that is only a legal form keeps it: %q", CompanyKey("有限公司"))
	}
	if CompanyKey("华东精密") == CompanyKey("华东精密压铸") {
		t.Error("different companies must differ")
	}
}

func TestPhoneAndEmail(t *testing.T) {
	for in, want := range map[string]string{
		"+86 138-1234-5678": "13812345678", "0086 13812345678": "13812345678", "１３８１２３４５６７８": "13812345678",
		"021-5080 1234": "02150801234", "8613812345678": "13812345678", "86123": "86123",
	} {
		if got := Phone(in); got != want {
			t.Errorf("Phone(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Email("  Li.Lei@Example.COM "); got != "li.lei@example.com" {
		t.Errorf("Email = %q", got)
	}
}

func TestFold(t *testing.T) {
	if got := Fold("  ＡＢＣ　 压铸\t(有限)  "); got != "abc 压铸 (有限)" {
		t.Errorf("Fold = %q", got)
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{
		"华东精密压铸有限公司": "hdjmyzyxgs",
		"重庆长安汽车":     "cqcaqc",
		"厦门ABC 3号":   "xmabc3h",
		"上海汽车零部件":    "shqclbj",
		"鑫淼犇":        "xmb",
	} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCompanyKey(f *testing.F) {
	f.Add("华东精密压铸有限公司")
	f.Add("Acme Co., Ltd.")
	f.Fuzz(func(t *testing.T, s string) {
		k := CompanyKey(s)
		if CompanyKey(k) != CompanyKey(k) {
			t.Fatal("not deterministic")
		}
		_ = Initials(s)
		_ = Phone(s)
	})
}
