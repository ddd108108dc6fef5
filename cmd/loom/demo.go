package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/loom-erp/loom/internal/app"
)

func demoCmd(g *global) *cobra.Command {
	var (
		scale   int
		ifEmpty bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create the demo company: a die-casting and machining plant with its people and data",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scale < 1 {
				return fmt.Errorf("--scale must be at least 1")
			}
			a, err := app.Open(cmd.Context(), g.cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			has, err := a.HasUsers(cmd.Context())
			if err != nil {
				return err
			}
			if has {
				if ifEmpty {
					fmt.Fprintln(cmd.OutOrStdout(), "demo: the data directory already has users; nothing created")
					printLogins(cmd)
					return nil
				}
				return fmt.Errorf("the data directory already has users; use a new --data folder for the demo")
			}
			if err := a.Start(); err != nil {
				return err
			}
			if err := a.Demo(cmd.Context(), scale, cmd.ErrOrStderr()); err != nil {
				return err
			}
			printLogins(cmd)
			return nil
		},
	}
	cmd.Flags().IntVar(&scale, "scale", 1, "size multiplier for benchmark-sized data (LOOM_SCALE)")
	cmd.Flags().BoolVar(&ifEmpty, "if-empty", false, "do nothing when the data directory already has users")
	return cmd
}

func printLogins(cmd *cobra.Command) {
	fmt.Fprintf(cmd.OutOrStdout(), "\nDemo logins (password %q for all):\n", app.DemoPassword)
	for _, u := range app.DemoUsers {
		fmt.Fprintf(cmd.OutOrStdout(), "  %-12s %-24s %s\n", u.Login, u.Name, u.Role)
	}
}
