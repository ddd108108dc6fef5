package app

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
)

func init() {
	bench.Register(bench.Scenario{
		Name:        "api-read",
		Description: "GET one record by id as JSON with an API token, at 16 and 64 connections, beside bare net/http + SQL",
		Run:         benchAPIRead,
	})
	bench.Register(bench.Scenario{
		Name:        "startup",
		Description: "loom serve ready on an existing data directory, and its idle resident memory",
		Run:         benchStartup,
	})
}

// benchEnv is a throw-away Loom for one benchmark run.
type benchEnv struct {
	App    *App
	Addr   string
	dir    string
	cancel context.CancelFunc
	done   chan error
}

// startBench opens a fresh Loom on a temporary data directory (or fresh
// PostgreSQL schemas) and serves it on a free loopback port.
func startBench(ctx context.Context, o bench.Options) (*benchEnv, error) {
	dir, err := os.MkdirTemp("", "loom-bench-*")
	if err != nil {
		return nil, err
	}
	cfg := Config{DataDir: dir, DB: o.DB, Bus: o.Bus, Addr: "127.0.0.1:0", Version: "bench"}
	if o.DB != "" {
		cfg.SchemaPrefix = "bench" + randHex(4) + "_"
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	e := &benchEnv{App: a, dir: dir, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() { e.done <- a.Serve(sctx, func(addr string) { ready <- addr }) }()
	select {
	case e.Addr = <-ready:
	case err := <-e.done:
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close stops the server, closes the databases and removes the data.
func (e *benchEnv) Close() {
	e.cancel()
	select {
	case <-e.done:
	case <-time.After(15 * time.Second):
	}
	prefix, url := e.App.Cfg.SchemaPrefix, e.App.Cfg.DB
	e.App.Close()
	os.RemoveAll(e.dir)
	if prefix != "" {
		dropSchemasLike(url, prefix)
	}
}

// dropSchemasLike removes the PostgreSQL schemas a benchmark run created.
func dropSchemasLike(url, prefix string) {
	c, err := sql.Open("pgx", url)
	if err != nil {
		return
	}
	defer c.Close()
	rows, err := c.Query(`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, prefix)
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		_, _ = c.Exec(`DROP SCHEMA IF EXISTS "` + n + `" CASCADE`)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// benchUser creates an administrator and an API token for it.
func (e *benchEnv) benchUser(ctx context.Context) (userID, token string, err error) {
	sys := authz.WithPrincipal(ctx, authz.System())
	u, err := e.App.Identity.CreateUser(sys, identity.NewUser{Login: "bench", Name: "Bench", Password: "bench-password-1", Roles: []string{identity.RoleAdmin}})
	if err != nil {
		return "", "", err
	}
	s, err := e.App.Identity.Login(ctx, "bench", "bench-password-1", "127.0.0.1", "bench")
	if err != nil {
		return "", "", err
	}
	p, err := e.App.Identity.Authenticate(ctx, s.Token)
	if err != nil {
		return "", "", err
	}
	t, err := e.App.Identity.CreateAPIToken(authz.WithPrincipal(ctx, p), identity.NewAPIToken{Name: "bench"})
	if err != nil {
		return "", "", err
	}
	return u.ID, t.Secret, nil
}

func benchAPIRead(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
	e, err := startBench(ctx, o)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	userID, token, err := e.benchUser(ctx)
	if err != nil {
		return nil, err
	}

	// The floor: the same row read with bare net/http and SQL on the same pool.
	d := e.App.Platform
	floorMux := http.NewServeMux()
	floorMux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var u struct {
			ID     string `json:"id"`
			Login  string `json:"login"`
			Name   string `json:"name"`
			Email  string `json:"email"`
			Status string `json:"status"`
		}
		err := d.QueryRow(r.Context(), `SELECT id, login, name, email, status FROM identity_user WHERE id = $1`, r.PathValue("id")).
			Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.Status)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(u)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	floorSrv := &http.Server{Handler: floorMux}
	go floorSrv.Serve(ln)
	defer floorSrv.Close()

	loomURL := "http://" + e.Addr + "/api/v1/users/" + userID
	floorURL := "http://" + ln.Addr().String() + "/users/" + userID
	get := func(c *http.Client, url, token string) func(context.Context, int) error {
		return func(ctx context.Context, _ int) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
	}
	dur := o.Duration
	if dur <= 0 {
		dur = 3 * time.Second
	}
	var out []bench.Metric
	for _, conns := range []int{16, 64} {
		c := bench.Client(conns)
		floor := bench.Load(ctx, conns, dur, get(c, floorURL, ""))
		loom := bench.Load(ctx, conns, dur, get(c, loomURL, token))
		if loom.Requests == 0 || floor.Requests == 0 {
			return nil, fmt.Errorf("api-read at %d connections: no successful request (loom errors %d, floor errors %d)", conns, loom.Errors, floor.Errors)
		}
		p := fmt.Sprintf("c%d_", conns)
		out = append(out,
			bench.Metric{Name: p + "loom_rps", Unit: "req/s", Value: loom.PerSec},
			bench.Metric{Name: p + "floor_rps", Unit: "req/s", Value: floor.PerSec},
			bench.Metric{Name: p + "ratio", Unit: "loom/floor", Value: loom.PerSec / floor.PerSec, Goal: ">= 0.5"},
			bench.Metric{Name: p + "loom_p50", Unit: "ms", Value: bench.Ms(loom.P50)},
			bench.Metric{Name: p + "loom_p99", Unit: "ms", Value: bench.Ms(loom.P99), Goal: "<= 10"},
			bench.Metric{Name: p + "floor_p99", Unit: "ms", Value: bench.Ms(floor.P99)},
			bench.Metric{Name: p + "loom_errors", Unit: "count", Value: float64(loom.Errors)},
		)
	}
	return out, nil
}

var readyLine = regexp.MustCompile(`ready at http://(\S+)`)

// benchStartup starts this very binary as `loom serve` on a data directory
// that already exists, and measures the time until it is ready and its
// resident memory once idle.
func benchStartup(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(filepath.Base(exe), "loom") {
		return nil, fmt.Errorf("startup runs only from the loom binary (this is %s)", filepath.Base(exe))
	}
	dir, err := os.MkdirTemp("", "loom-bench-startup-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := []string{"--data", dir}
	if o.DB != "" {
		args = []string{"--db", o.DB}
	}
	if out, err := exec.CommandContext(ctx, exe, append([]string{"demo"}, args...)...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("prepare data: %v: %s", err, out)
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, exe, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	addr := ""
	for sc.Scan() {
		if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	if addr == "" {
		return nil, fmt.Errorf("loom serve did not report ready")
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	ready := time.Since(start)
	// Touch the login page and the API once, then let it idle.
	for _, p := range []string{"/login", "/api/v1/openapi.json", "/healthz"} {
		if r, err := http.Get("http://" + addr + p); err == nil {
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
	}
	time.Sleep(2 * time.Second)
	rss, err := residentMB(cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	return []bench.Metric{
		{Name: "ready", Unit: "ms", Value: bench.Ms(ready), Goal: "<= 1000"},
		{Name: "idle_rss", Unit: "MB", Value: rss, Goal: "<= 100"},
	}, nil
}

// residentMB reads a process's resident set size from /proc.
func residentMB(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", pid)
}
