// Command acervo is the Colombian State's registry of reusable public
// software and of what the State paid for software.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // America/Bogota on machines without a zoneinfo database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand: it returns the exit status (0 ok, 1 the work
// found problems, 2 usage or setup error).
type command func(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int

func commands() map[string]command {
	return map[string]command{
		"serve":    cmdServe,
		"sync":     cmdSync,
		"validate": cmdValidate,
		"import":   cmdImport,
		"link":     cmdLink,
		"reindex":  cmdReindex,
		"user":     cmdUser,
		"token":    cmdToken,
		"export":   cmdExport,
		"restore":  cmdRestore,
	}
}

const usage = `acervo — registro de software público reutilizable y de compras de software del Estado colombiano

Usage:
  acervo serve  [--addr :8080] [--data DIR] [--mongo-uri URI] [--demo]
  acervo sync   [--url URL ...] [--json]
  acervo import secop2|secop1|tvec|ocds|auto FILE|URL|- [--dry-run] [--json]
  acervo validate FILE... [--json]
  acervo link   [--json]
  acervo reindex
  acervo user add USERNAME [--admin] [--role ROLE:NIT ...]
  acervo token create|list|revoke ...
  acervo export [--open-data DIR] / acervo restore FILE

Every flag has an ACERVO_* environment twin (--mongo-uri <-> ACERVO_MONGO_URI).
Run "acervo COMMAND --help" for a command's flags.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "acervo: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return cmd(ctx, args[1:], getenv, stdin, stdout, stderr)
}
