// Command loom runs Loom: the CRM, ERP and MES suite for manufacturers and
// traders. See `loom help` and the README.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/platform/obs"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "loom:", err)
		os.Exit(1)
	}
}

// global holds the flags every command shares.
type global struct {
	cfg      app.Config
	units    string
	logLevel string
}

func newRoot() *cobra.Command {
	g := &global{}
	root := &cobra.Command{
		Use:           "loom",
		Short:         "Loom: CRM, ERP and MES for manufacturers and traders",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnv(cmd); err != nil {
				return err
			}
			if g.units != "" {
				g.cfg.Units = strings.Split(g.units, ",")
			}
			g.cfg.Version = version
			slog.SetDefault(obs.NewLogger(g.logLevel))
			return nil
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&g.cfg.DataDir, "data", "./loom-data", "data directory for the embedded SQLite databases (LOOM_DATA)")
	f.StringVar(&g.cfg.DB, "db", "", "PostgreSQL URL; empty for embedded SQLite (LOOM_DB)")
	f.StringVar(&g.cfg.Bus, "bus", "", "NATS JetStream URL; empty for the in-process event transport (LOOM_BUS)")
	f.StringVar(&g.units, "units", "", "business units this process runs, e.g. crm or erp,mes; default all (LOOM_UNITS)")
	f.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error; logs are JSON on stderr (LOOM_LOG_LEVEL)")
	f.StringVar(&g.cfg.SchemaPrefix, "schema-prefix", "", "prefix of the unit schemas (PostgreSQL) or files (SQLite), to keep several companies in one database (LOOM_SCHEMA_PREFIX)")
	root.AddCommand(
		serveCmd(g), migrateCmd(g), demoCmd(g), userCmd(g), backupCmd(g),
		checkCmd(g), benchCmd(g), deadLettersCmd(g), versionCmd(),
	)
	return root
}

// bindEnv fills every flag the user did not set from LOOM_<FLAG> (dashes
// become underscores), so containers and services configure Loom by
// environment alone.
func bindEnv(cmd *cobra.Command) error {
	var err error
	visit := func(fl *pflag.Flag) {
		if err != nil || fl.Changed {
			return
		}
		name := "LOOM_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := fl.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	return err
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "loom", version)
		},
	}
}
