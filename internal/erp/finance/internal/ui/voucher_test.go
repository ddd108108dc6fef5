package ui

import (
	"testing"

	"github.com/loom-erp/loom/internal/platform/money"
)

func TestCapitalRMB(t *testing.T) {
	for in, want := range map[string]string{
		"0.00":           "零元整",
		"0.05":           "伍分",
		"0.50":           "伍角整",
		"1.00":           "壹元整",
		"10.00":          "壹拾元整",
		"100.00":         "壹佰元整",
		"1001.00":        "壹仟零壹元整",
		"1010.10":        "壹仟零壹拾元壹角整",
		"1234.56":        "壹仟贰佰叁拾肆元伍角陆分",
		"100010.00":      "壹拾万零壹拾元整",
		"100000.00":      "壹拾万元整",
		"105000.00":      "壹拾万伍仟元整",
		"1000000.01":     "壹佰万元零壹分",
		"100000000.00":   "壹亿元整",
		"100001000.00":   "壹亿零壹仟元整",
		"123456789.12":   "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分",
		"-20.30":         "负贰拾元叁角整",
		"1000000000.00":  "壹拾亿元整",
		"10000100000.00": "壹佰亿零壹拾万元整",
	} {
		if got := CapitalRMB(money.MustAmount(in)); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}

func TestFmtAmount(t *testing.T) {
	for in, want := range map[string]string{"0.00": "0.00", "1234567.80": "1,234,567.80", "-1000.00": "-1,000.00", "999.99": "999.99"} {
		if got := fmtAmount(money.MustAmount(in)); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}
