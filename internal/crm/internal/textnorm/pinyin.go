package textnorm

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Pinyin initials come from the Chinese (pinyin) collation of x/text: a
// character sorts between the first characters of two initials, such as 八
// (b) and 嚓 (c). The boundaries are the first character of each initial in
// that order; i, u and v start no syllable, so they have none.
var (
	initialBounds  = []rune("阿八嚓哒妸发旮哈讥咔垃妈拏噢妑七呥仨他穵夕丫帀")
	initialLetters = "abcdefghjklmnopqrstwxyz"
)

// heteronyms are words whose common reading in company and place names is
// not the one a character-by-character lookup gives (重 is chóng in 重庆).
var heteronyms = map[string]string{
	"重庆": "cq", "厦门": "xm", "长沙": "cs", "长春": "cc", "长安": "ca", "长城": "cc", "长江": "cj",
	"银行": "yh", "行业": "hy", "蚌埠": "bb", "六安": "la", "东莞": "dg", "番禺": "py", "乐清": "yq",
}

// collators are not safe for concurrent use; keep a few around.
var collators = sync.Pool{New: func() any { return collate.New(language.Chinese) }}

// Initials returns the pinyin initials of the Chinese characters in s, in
// lower case, with Latin letters and digits kept as they are (folded):
// "华东精密压铸有限公司" gives "hdjmyzyxgs" and "重庆ABC 3号" gives "cqabc3h".
// Other characters are dropped.
func Initials(s string) string {
	s = Fold(s)
	c := collators.Get().(*collate.Collator)
	defer collators.Put(c)
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if i+1 < len(rs) {
			if ini, ok := heteronyms[string(rs[i:i+2])]; ok {
				b.WriteString(ini)
				i++
				continue
			}
		}
		r := rs[i]
		switch {
		case unicode.Is(unicode.Han, r):
			if l := initial(c, r); l != 0 {
				b.WriteByte(l)
			}
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// initial finds the initial of one Han character, or 0 when it sorts before
// every boundary (characters without a pinyin reading in the collation).
func initial(c *collate.Collator, r rune) byte {
	ch := string(r)
	lo, hi := 0, len(initialBounds)-1
	found := -1
	for lo <= hi {
		mid := (lo + hi) / 2
		if c.CompareString(ch, string(initialBounds[mid])) >= 0 {
			found = mid
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	if found < 0 {
		return 0
	}
	return initialLetters[found]
}
