package i18n

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestMiddlewareChoosesLanguage(t *testing.T) {
	for _, c := range []struct {
		name, query, cookie, accept string
		want                        string
		setsCookie                  bool
	}{
		{name: "nothing", want: EN},
		{name: "accept zh", accept: "zh", want: ZH},
		{name: "accept zh-CN with q", accept: "zh-CN,zh;q=0.9,en;q=0.8", want: ZH},
		{name: "accept zh-SG", accept: "zh-SG", want: ZH},
		{name: "accept zh-Hans", accept: "zh-Hans", want: ZH},
		{name: "accept traditional", accept: "zh-TW", want: EN},
		{name: "accept other first", accept: "fr-FR, zh-CN;q=0.5", want: ZH},
		{name: "accept english first", accept: "en-US,zh-CN;q=0.5", want: EN},
		{name: "accept unknown", accept: "de", want: EN},
		{name: "accept garbage", accept: ";;;", want: EN},
		{name: "cookie beats accept", cookie: ZH, accept: "en", want: ZH},
		{name: "bad cookie ignored", cookie: "xx", accept: "zh", want: ZH},
		{name: "query beats cookie", query: "en", cookie: ZH, want: EN, setsCookie: true},
		{name: "query zh", query: "zh-Hans", accept: "en", want: ZH, setsCookie: true},
		{name: "bad query ignored", query: "klingon", cookie: ZH, want: ZH},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got string
			h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = Lang(r.Context())
			}))
			target := "/x"
			if c.query != "" {
				target += "?lang=" + c.query
			}
			req := httptest.NewRequest("GET", target, nil)
			if c.cookie != "" {
				req.AddCookie(&http.Cookie{Name: CookieName, Value: c.cookie})
			}
			if c.accept != "" {
				req.Header.Set("Accept-Language", c.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got != c.want {
				t.Errorf("language = %q; want %q", got, c.want)
			}
			if cl := rec.Header().Get("Content-Language"); cl != c.want {
				t.Errorf("Content-Language = %q; want %q", cl, c.want)
			}
			cookies := rec.Result().Cookies()
			if !c.setsCookie {
				if len(cookies) != 0 {
					t.Errorf("set cookies %v; want none", cookies)
				}
				return
			}
			if len(cookies) != 1 {
				t.Fatalf("set cookies %v; want one", cookies)
			}
			ck := cookies[0]
			if ck.Name != CookieName || ck.Value != c.want || ck.Path != "/" || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge <= 0 {
				t.Errorf("cookie = %+v", ck)
			}
		})
	}
}
