package erpui

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// code128 holds the bar and space widths of the Code 128 symbols 0–105;
// each adds up to 11 modules. Code set B covers printable ASCII: the value
// of a character is its code minus 32.
var code128 = [106]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
	"221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
	"221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
	"231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
	"112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
	"114131", "311141", "411131", "211412", "211214", "211232",
}

const (
	code128StartB = 104
	code128Stop   = "2331112"
	quietZone     = 10
)

// Code128 returns the bar and space widths (in modules, bar first) of text
// in Code 128 set B, with its check symbol and stop; false when text holds a
// character outside printable ASCII.
func Code128(text string) ([]int, bool) {
	symbols := []int{code128StartB}
	sum := code128StartB
	for i, r := range text {
		if r < 32 || r > 126 {
			return nil, false
		}
		v := int(r) - 32
		symbols = append(symbols, v)
		sum += (i + 1) * v
	}
	symbols = append(symbols, sum%103)
	var widths []int
	for _, s := range symbols {
		for _, c := range code128[s] {
			widths = append(widths, int(c-'0'))
		}
	}
	for _, c := range code128Stop {
		widths = append(widths, int(c-'0'))
	}
	return widths, true
}

// Barcode draws text as a Code 128 barcode in SVG, for labels a
// keyboard-wedge scanner reads back as the same text.
func Barcode(text string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		widths, ok := Code128(text)
		if !ok {
			return nil
		}
		total := 2 * quietZone
		for _, n := range widths {
			total += n
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<svg class="barcode" viewBox="0 0 %d 40" preserveAspectRatio="none" role="img" aria-label="%s">`,
			total, templ.EscapeString(text))
		x := quietZone
		for i, n := range widths {
			if i%2 == 0 {
				fmt.Fprintf(&b, `<rect x="%d" y="0" width="%d" height="40"></rect>`, x, n)
			}
			x += n
		}
		b.WriteString(`</svg>`)
		_, err := io.WriteString(w, b.String())
		return err
	})
}
