package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

func TestLoginAndHome(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		c := s.Client(t, "admin")
		resp, err := c.Get(s.URL + "/?lang=zh-Hans")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "系统状态") {
			t.Fatalf("home: %d\n%s", resp.StatusCode, b)
		}
		// Anonymous visitors are sent to the login page.
		resp, err = http.Get(s.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != "/login" {
			t.Fatalf("anonymous home ended at %s", resp.Request.URL)
		}
	})
}
