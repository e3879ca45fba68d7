// Command backprop trains, runs and explains feed-forward neural networks.
//
// Usage:
//
//	backprop <command> [flags]
//
// Commands:
//
//	train      train a network on a CSV file, an IDX directory or an embedded set
//	evaluate   measure a trained model on labelled data
//	predict    write a model's predictions for data as CSV
//	explain    show one gradient step in full: every z, a, δ, gradient and update
//	gradcheck  compare backpropagation's gradients with finite differences
//	bench      measure the kernels and the training speed on this machine
//	export     write a model as an ONNX graph
//	import     read a dense ONNX graph (e.g. a PyTorch MLP) as a model file
//	serve      the playground: train in the browser, step through the numbers
//
// Exit status: 0 on success, 1 on a failure at run time (or a failed check),
// 2 for bad usage or bad input, 130 when interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	// SIGINT (^C) and SIGTERM (kill, systemd, container runtimes) stop a
	// run after its current step; it saves what it has.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(report(err, os.Stderr))
}

// usageError is bad usage or bad input: the user can fix it (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// badInput marks err, from reading the user's files or flags, as bad input.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// errFailed reports a check that ran and failed (exit 1), after the command
// has printed why.
var errFailed = errors.New("")

// report prints err as one line and returns the exit status.
func report(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "backprop: %v\n", err)
		return 130
	case errors.Is(err, errFailed):
		if msg := strings.TrimSpace(err.Error()); msg != "" {
			fmt.Fprintf(stderr, "backprop: %s\n", msg)
		}
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "backprop: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "backprop: %v\n", err)
		return 1
	}
}

// A command is one verb of the CLI.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands holds the verbs; each verb's file registers itself in its init.
var commands = map[string]command{}

func usage(w io.Writer) {
	fmt.Fprintln(w, "backprop trains, runs and explains feed-forward neural networks.")
	fmt.Fprintln(w, "\nUsage: backprop <command> [flags]   (backprop <command> -h for its flags)\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nExit status: 0 success, 1 failure at run time, 2 bad usage or input, 130 interrupted.")
}

// run is the whole program, testable in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 { // never a default verb: a bare backprop must not train, nor overwrite model.json
		usage(stderr)
		return usagef("no command given (backprop train trains on the built-in digits set)")
	}
	switch {
	case len(args) == 1 && args[0] == "help", args[0] == "-h", args[0] == "-help", args[0] == "--help":
		usage(stdout)
		return nil
	}
	if args[0] == "help" && len(args) > 1 { // help VERB: the verb's help, on stdout
		args = []string{args[1], "-h"}
	}
	cmd, ok := commands[args[0]]
	if !ok {
		names := make([]string, 0, len(commands))
		for name := range commands {
			names = append(names, name)
		}
		sort.Strings(names)
		return usagef("unknown command %q (want %s)", args[0], strings.Join(names, ", "))
	}
	if asksHelp(args[1:]) { // the help asked for is the output: stdout
		stderr = stdout
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

// asksHelp reports whether a verb's arguments ask for its help (-h, -help,
// --help before any "--").
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// newFlags returns a flag set for a command that reports errors as usage
// errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: backprop %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, returning a usage error for bad flags and refusing
// stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {} // an error is reported once, as one line
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		usage()
		return err
	}
	if err != nil {
		return usagef("%s: %v (see backprop %s -h)", fs.Name(), err, fs.Name())
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (see backprop %s -h)", fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}
