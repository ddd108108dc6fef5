package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/natstest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestMain lets the test binary act as the loom command, so tests can run
// real `loom` processes (and kill them) without building anything.
func TestMain(m *testing.M) {
	if os.Getenv("LOOM_TEST_AS_LOOM") == "1" {
		if err := newRoot().Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "loom:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// loomCmd prepares a loom process with the given arguments.
func loomCmd(t *testing.T, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "LOOM_TEST_AS_LOOM=1")
	return cmd
}

// runLoom runs a loom command to completion and returns its output.
func runLoom(t *testing.T, args ...string) (string, error) {
	out, err := loomCmd(t, args...).CombinedOutput()
	return string(out), err
}

var readyRE = regexp.MustCompile(`ready at http://(\S+)`)

// server is a `loom serve` child process.
type server struct {
	cmd  *exec.Cmd
	URL  string
	logs *bytes.Buffer
}

// startServer runs `loom serve` and waits for its ready line.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := loomCmd(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cmd.Stderr = &syncWriter{w: logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: logs}
	t.Cleanup(func() { s.stop() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("loom serve exited before it was ready:\n%s", logs)
			}
			if m := readyRE.FindStringSubmatch(l); m != nil {
				s.URL = "http://" + m[1]
				go func() {
					for range lines {
					}
				}()
				return s
			}
		case <-deadline:
			t.Fatalf("loom serve not ready after 60s:\n%s", logs)
		}
	}
}

func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill() // SIGKILL: no shutdown code runs
		_ = s.cmd.Wait()
	}
}

func (s *server) stop() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			s.kill()
		}
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// adminToken logs in as the demo administrator and creates an API token.
func adminToken(t *testing.T, base string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"login": {"admin"}, "password": {app.DemoPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "loom_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatalf("login gave no session (status %d)", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/tokens", strings.NewReader(`{"name":"test"}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(cookie)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Secret string `json:"secret"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Secret == "" {
		t.Fatalf("create token: status %d, %v", resp.StatusCode, err)
	}
	return out.Secret
}

func apiCall(ctx context.Context, base, token, method, path, body string) (int, []byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/api/v1"+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// receipts returns the units that received a ping.
func receipts(t *testing.T, base, token, id string) map[string]int {
	t.Helper()
	status, b, err := apiCall(context.Background(), base, token, http.MethodGet, "/diagnostics/pings/"+id, "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("receipts of %s: %d %s %v", id, status, b, err)
	}
	var out struct {
		Receipts []struct {
			Unit  string `json:"unit"`
			Times int    `json:"times"`
		} `json:"receipts"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, r := range out.Receipts {
		m[r.Unit] = r.Times
	}
	return m
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKillDashNineLosesNoEvent kills `loom serve` with SIGKILL in the middle
// of event traffic, restarts it, and checks that every event committed before
// the kill is applied exactly once by every other unit, and that `loom check`
// passes.
func TestKillDashNineLosesNoEvent(t *testing.T) {
	data := t.TempDir()
	if out, err := runLoom(t, "demo", "--data", data); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	s := startServer(t, "--data", data)
	token := adminToken(t, s.URL)

	var (
		mu    sync.Mutex
		acked []string
		sent  atomic.Int64
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			from := []string{"crm", "erp", "mes", "platform"}[w%4]
			for ctx.Err() == nil {
				status, b, err := apiCall(ctx, s.URL, token, http.MethodPost, "/diagnostics/pings", `{"from":"`+from+`"}`)
				if err != nil {
					return // the server is gone
				}
				if status == http.StatusAccepted {
					var out struct{ ID string }
					if json.Unmarshal(b, &out) == nil {
						mu.Lock()
						acked = append(acked, out.ID)
						mu.Unlock()
						sent.Add(1)
					}
				}
			}
		}(w)
	}
	waitFor(t, time.Minute, "400 acknowledged pings", func() bool { return sent.Load() >= 400 })
	s.kill()
	cancel()
	wg.Wait()

	s2 := startServer(t, "--data", data)
	token = adminToken(t, s2.URL)
	mu.Lock()
	ids := append([]string(nil), acked...)
	mu.Unlock()
	for _, id := range ids {
		waitFor(t, 2*time.Minute, "ping "+id+" to reach every unit", func() bool { return len(receipts(t, s2.URL, token, id)) == 4 })
		for unit, times := range receipts(t, s2.URL, token, id) {
			if times != 1 {
				t.Fatalf("ping %s applied %d times in %s", id, times, unit)
			}
		}
	}
	s2.stop()
	if out, err := runLoom(t, "check", "--data", data); err != nil {
		t.Fatalf("loom check after the crash: %v\n%s", err, out)
	}
}

// TestTwoProcessesOnPostgresAndJetStream runs the CRM in one process and the
// other units in another, on PostgreSQL and JetStream, and shows a ping
// crossing between them.
func TestTwoProcessesOnPostgresAndJetStream(t *testing.T) {
	cfg := loomtest.Config(t, db.Postgres) // skips without PostgreSQL; drops the schemas after
	nats := natstest.Server(t)
	common := []string{"--db", cfg.PostgresURL, "--bus", nats, "--schema-prefix", cfg.SchemaPrefix}
	if out, err := runLoom(t, append([]string{"demo"}, common...)...); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	crm := startServer(t, append([]string{"--units", "crm"}, common...)...)
	rest := startServer(t, append([]string{"--units", "erp,mes,bi"}, common...)...)
	tokenCRM := adminToken(t, crm.URL)
	tokenRest := adminToken(t, rest.URL)

	status, b, err := apiCall(context.Background(), crm.URL, tokenCRM, http.MethodPost, "/diagnostics/pings", `{"from":"crm"}`)
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("ping from crm: %d %s %v", status, b, err)
	}
	var ping struct{ ID string }
	if err := json.Unmarshal(b, &ping); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "erp, mes and bi to receive the CRM's ping", func() bool {
		r := receipts(t, rest.URL, tokenRest, ping.ID)
		return r["erp"] == 1 && r["mes"] == 1 && r["bi"] == 1
	})
	// The CRM process does not run ERP: it refuses to ping from it.
	status, b, _ = apiCall(context.Background(), crm.URL, tokenCRM, http.MethodPost, "/diagnostics/pings", `{"from":"erp"}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(b), "from") {
		t.Fatalf("ping from a unit the process lacks: %d %s", status, b)
	}
}

// TestUnreachableServicesStopStartup: an unreachable PostgreSQL or NATS, or a
// data file that is not a database, stops `loom serve` at once with one clear
// message and a non-zero exit.
func TestUnreachableServicesStopStartup(t *testing.T) {
	data := t.TempDir()
	cases := map[string][]string{
		"postgres": {"serve", "--db", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", "--addr", "127.0.0.1:0"},
		"nats":     {"serve", "--data", data, "--bus", "nats://127.0.0.1:1", "--addr", "127.0.0.1:0"},
		"corrupt":  {"serve", "--data", t.TempDir() + "/corrupt", "--addr", "127.0.0.1:0"},
	}
	if err := os.MkdirAll(cases["corrupt"][2], 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cases["corrupt"][2]+"/crm.db", bytes.Repeat([]byte("not a database "), 400), 0o600); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"postgres": "unit platform", "nats": "event bus", "corrupt": "unit crm database"}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := runLoom(t, args...)
			if err == nil {
				t.Fatalf("loom serve started:\n%s", out)
			}
			if !strings.Contains(out, want[name]) || strings.Count(strings.TrimSpace(out), "\n") > 2 {
				t.Fatalf("want one clear line about %q, got:\n%s", want[name], out)
			}
		})
	}
}
