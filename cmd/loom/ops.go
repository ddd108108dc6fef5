package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/platform/backup"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
)

func backupCmd(g *global) *cobra.Command {
	var dest string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write a consistent online copy of every unit database and verify it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := app.OpenDatabases(cmd.Context(), g.cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			var dbs []*db.DB
			for _, u := range a.Cfg.AllUnits() {
				dbs = append(dbs, a.DBs[u])
			}
			files, err := backup.Run(cmd.Context(), dbs, dest, g.cfg.DB, func(unit string, done, total int) {
				fmt.Fprintf(cmd.ErrOrStderr(), "backup: %s done (%d/%d)\n", unit, done, total)
			})
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%d bytes\tverified\n", f.Unit, f.Path, f.Bytes)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dest, "to", "./loom-backups", "folder to write the backup into (LOOM_TO)")
	return cmd
}

func checkCmd(g *global) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run every invariant checker; list violations and exit non-zero on any",
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := app.Open(cmd.Context(), g.cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			results := check.Run(cmd.Context(), a.DBs)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					state := "ok"
					if r.Err != "" {
						state = "error: " + r.Err
					} else if len(r.Violations) > 0 {
						state = fmt.Sprintf("%d violations", len(r.Violations))
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%-28s %-9s %s\n", r.Checker, r.Unit, state)
					for _, v := range r.Violations {
						fmt.Fprintf(cmd.OutOrStdout(), "  %s\n", v)
					}
				}
			}
			if check.Failed(results) {
				cmd.SilenceErrors = true
				os.Exit(2)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the results as JSON")
	return cmd
}

func deadLettersCmd(g *global) *cobra.Command {
	cmd := &cobra.Command{Use: "deadletters", Short: "List and replay events that consumers could not apply"}
	var f bus.DeadLetterFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List dead letters",
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := app.Open(cmd.Context(), g.cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			dls, err := a.Bus.ListDeadLetters(cmd.Context(), f)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUNIT\tCONSUMER\tTYPE\tATTEMPTS\tFAILED AT\tERROR")
			for _, d := range dls {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Unit, d.Consumer, d.Event.Type, d.Attempts, d.FailedAt.Format("2006-01-02 15:04:05"), d.Error)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&f.Unit, "unit", "", "only this unit")
	list.Flags().StringVar(&f.Consumer, "consumer", "", "only this consumer")
	list.Flags().StringVar(&f.Type, "type", "", "only this event type")

	var all bool
	replay := &cobra.Command{
		Use:   "replay [ID…]",
		Short: "Apply dead letters again: the given ids, or --all matching the filters",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !all && len(args) == 0 {
				return fmt.Errorf("name dead-letter ids, or use --all")
			}
			a, err := app.Open(cmd.Context(), g.cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			if all {
				n, err := a.Bus.ReplayAll(cmd.Context(), f)
				fmt.Fprintf(cmd.OutOrStdout(), "replayed %d dead letters\n", n)
				return err
			}
			for _, id := range args {
				if err := a.Bus.Replay(cmd.Context(), id); err != nil {
					return fmt.Errorf("replay %s: %w", id, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "replayed %s\n", id)
			}
			return nil
		},
	}
	replay.Flags().BoolVar(&all, "all", false, "replay every dead letter matching the filters")
	replay.Flags().StringVar(&f.Unit, "unit", "", "only this unit")
	replay.Flags().StringVar(&f.Consumer, "consumer", "", "only this consumer")
	replay.Flags().StringVar(&f.Type, "type", "", "only this event type")
	cmd.AddCommand(list, replay)
	return cmd
}
