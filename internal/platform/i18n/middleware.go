package i18n

import (
	"net/http"
	"time"
)

// CookieName is the cookie that remembers the language a user picked.
const CookieName = "loom_lang"

// Middleware picks the language of each request and stores it in the request's
// context for T and Lang. In order it takes: a ?lang= query parameter (and
// remembers it in the loom_lang cookie), the loom_lang cookie, the
// Accept-Language header, and else English.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if q := r.URL.Query().Get("lang"); q != "" {
			if l, ok := Match(q); ok {
				lang = l
				http.SetCookie(w, &http.Cookie{
					Name:     CookieName,
					Value:    lang,
					Path:     "/",
					MaxAge:   int((365 * 24 * time.Hour).Seconds()),
					HttpOnly: true,
					Secure:   r.TLS != nil,
					SameSite: http.SameSiteLaxMode,
				})
			}
		}
		if lang == "" {
			if c, err := r.Cookie(CookieName); err == nil {
				lang, _ = Match(c.Value)
			}
		}
		if lang == "" {
			lang = FromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		h := w.Header()
		h.Add("Vary", "Accept-Language")
		h.Add("Vary", "Cookie")
		h.Set("Content-Language", lang)
		next.ServeHTTP(w, r.WithContext(WithLang(r.Context(), lang)))
	})
}
