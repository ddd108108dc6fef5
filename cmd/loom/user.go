package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// withUsers opens the databases and runs fn as Loom itself.
func withUsers(cmd *cobra.Command, g *global, fn func(ctx context.Context, svc *identity.DBService) error) error {
	a, err := app.OpenDatabases(cmd.Context(), g.cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(authz.WithPrincipal(cmd.Context(), authz.System()), a.Identity)
}

func userCmd(g *global) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users: create, list, reset passwords, assign roles"}

	var nu identity.NewUser
	var roles string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if roles != "" {
				nu.Roles = strings.Split(roles, ",")
			}
			return withUsers(cmd, g, func(ctx context.Context, svc *identity.DBService) error {
				u, err := svc.CreateUser(ctx, nu)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "created user %s (%s) with roles %v\n", u.Login, u.ID, u.Roles)
				return nil
			})
		},
	}
	create.Flags().StringVar(&nu.Login, "login", "", "login name (required)")
	create.Flags().StringVar(&nu.Name, "name", "", "display name")
	create.Flags().StringVar(&nu.Email, "email", "", "e-mail address")
	create.Flags().StringVar(&nu.Password, "password", "", "password (at least 8 characters)")
	create.Flags().StringVar(&nu.Locale, "locale", "", "zh-Hans or en; empty follows the browser")
	create.Flags().StringVar(&roles, "roles", "", "comma-separated roles, e.g. admin or sales_rep,sales_manager")

	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withUsers(cmd, g, func(ctx context.Context, svc *identity.DBService) error {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "LOGIN\tNAME\tSTATUS\tROLES")
				after := ""
				for {
					page, err := svc.ListUsers(ctx, identity.UserFilter{Limit: 500, After: after})
					if err != nil {
						return err
					}
					for _, u := range page.Users {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Login, u.Name, u.Status, strings.Join(u.Roles, ","))
					}
					if page.Next == "" {
						break
					}
					after = page.Next
				}
				return tw.Flush()
			})
		},
	}

	var login, password string
	reset := &cobra.Command{
		Use:   "reset-password",
		Short: "Set a new password for a user and end their sessions",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withUsers(cmd, g, func(ctx context.Context, svc *identity.DBService) error {
				u, err := findUser(ctx, svc, login)
				if err != nil {
					return err
				}
				if err := svc.SetPassword(ctx, u.ID, password); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "password of %s reset\n", u.Login)
				return nil
			})
		},
	}
	reset.Flags().StringVar(&login, "login", "", "login name (required)")
	reset.Flags().StringVar(&password, "password", "", "new password (at least 8 characters)")

	var assignRoles string
	assign := &cobra.Command{
		Use:   "assign-roles",
		Short: "Replace a user's roles",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withUsers(cmd, g, func(ctx context.Context, svc *identity.DBService) error {
				u, err := findUser(ctx, svc, login)
				if err != nil {
					return err
				}
				var rs []string
				if assignRoles != "" {
					rs = strings.Split(assignRoles, ",")
				}
				if err := svc.AssignRoles(ctx, u.ID, rs); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "roles of %s are now %v\n", u.Login, rs)
				return nil
			})
		},
	}
	assign.Flags().StringVar(&login, "login", "", "login name (required)")
	assign.Flags().StringVar(&assignRoles, "roles", "", "comma-separated roles")

	cmd.AddCommand(create, list, reset, assign)
	return cmd
}

func findUser(ctx context.Context, svc *identity.DBService, login string) (*identity.User, error) {
	if login == "" {
		return nil, fmt.Errorf("--login is required")
	}
	page, err := svc.ListUsers(ctx, identity.UserFilter{Query: login, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, u := range page.Users {
		if strings.EqualFold(u.Login, login) {
			return &u, nil
		}
	}
	return nil, fmt.Errorf("no user with login %q", login)
}
