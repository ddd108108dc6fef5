package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/loom-erp/loom/internal/bench"
)

func benchCmd(g *global) *cobra.Command {
	var (
		o       bench.Options
		asJSON  bool
		profile string
	)
	cmd := &cobra.Command{
		Use:   "bench <scenario>|all",
		Short: "Run benchmark scenarios and print the medians of several runs",
		Long:  "Run benchmark scenarios on generated data. Each scenario reports itself beside a floor measured in the same run.\nScenarios: " + scenarioNames(),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.DB, o.Bus = g.cfg.DB, g.cfg.Bus
			if profile != "" {
				f, err := os.Create(profile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			o.Log = cmd.ErrOrStderr()
			var list []bench.Scenario
			if args[0] == "all" {
				list = bench.Scenarios()
			} else {
				s, ok := bench.Lookup(args[0])
				if !ok {
					return fmt.Errorf("unknown scenario %q; known: %s", args[0], scenarioNames())
				}
				list = []bench.Scenario{s}
			}
			var reports []bench.Report
			for _, s := range list {
				r, err := bench.Run(cmd.Context(), s, o)
				if err != nil {
					return err
				}
				reports = append(reports, r)
			}
			if asJSON {
				return bench.WriteJSON(cmd.OutOrStdout(), reports)
			}
			return bench.WriteTable(os.Stdout, reports)
		},
	}
	cmd.Flags().IntVar(&o.Runs, "runs", 5, "runs per scenario; the median is reported")
	cmd.Flags().DurationVar(&o.Duration, "duration", 3*time.Second, "length of each measured load phase")
	cmd.Flags().IntVar(&o.Scale, "scale", 1, "data size multiplier")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the results as JSON")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	return cmd
}

func scenarioNames() string {
	s := ""
	for i, sc := range bench.Scenarios() {
		if i > 0 {
			s += ", "
		}
		s += sc.Name
	}
	return s
}
