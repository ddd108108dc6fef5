package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/loom-erp/loom/internal/app"
)

func serveCmd(g *global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run Loom: the web UI, the REST API and the event relays",
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			a, err := app.Open(cmd.Context(), g.cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			return a.Serve(cmd.Context(), func(addr string) {
				fmt.Fprintf(cmd.OutOrStdout(), "Loom %s is ready at http://%s (units: %v, engine: %s, events: %s, started in %s)\n",
					g.cfg.Version, addr, a.Cfg.AllUnits(), a.Platform.Engine, a.Transport(), time.Since(start).Round(time.Millisecond))
			})
		},
	}
	cmd.Flags().StringVar(&g.cfg.Addr, "addr", "127.0.0.1:8080", "listen address (LOOM_ADDR)")
	return cmd
}

func migrateCmd(g *global) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply every pending database migration and exit",
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := app.OpenDatabases(cmd.Context(), g.cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "migrated units %v on %s\n", a.Cfg.AllUnits(), a.Platform.Engine)
			return nil
		},
	}
}
