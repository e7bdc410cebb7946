package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config holds the flags shared by every subcommand.
type config struct {
	dir         string // state: etcd data, certificates, Git repositories, kubeconfig, logs
	bin         string // kube-apiserver, etcd, kubectl
	delay       time.Duration
	windows     bool
	gardenfleet string
	fleet       string
	// upgradeFrom ("OLD=NEW,...") makes run push the fleet first with each
	// quoted version OLD written as NEW, and the fleet itself once the Fleet
	// is Ready: the daemon then upgrades it while one watches.
	upgradeFrom string
}

const usage = `usage: landscape up|down|status|run|serve [flags]

flags:
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "landscape: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	cfg := &config{}
	fs := flag.NewFlagSet("landscape", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	fs.StringVar(&cfg.dir, "dir", filepath.Join(root, ".landscape"), "state directory")
	fs.StringVar(&cfg.bin, "bin", filepath.Join(root, "bin", "k8s"), "directory with kube-apiserver, etcd and kubectl (make landscape-bin)")
	fs.DurationVar(&cfg.delay, "delay", 3*time.Second, "how long a simulated shoot operation takes")
	fs.BoolVar(&cfg.windows, "maintenance-windows", true, "run simulated maintenance in each shoot's time window")
	fs.StringVar(&cfg.gardenfleet, "gardenfleet", filepath.Join(root, "bin", "gardenfleet"), "gardenfleet binary (run)")
	fs.StringVar(&cfg.fleet, "fleet", filepath.Join(root, "examples", "fleet"), "fleet repo to push, render and apply (run)")
	fs.StringVar(&cfg.upgradeFrom, "upgrade-from", "", `OLD=NEW,...: push the fleet first with each quoted version "OLD" in its .cue files written as "NEW", then the fleet itself once the Fleet is Ready, so it upgrades (run)`)
	// The subcommand comes first (`landscape run -fleet DIR`); flags before it work too.
	var sub string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if sub == "" && fs.NArg() > 0 {
		sub = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if sub == "" {
		fs.Usage()
		return errors.New("want a subcommand")
	}
	for _, p := range []*string{&cfg.dir, &cfg.bin, &cfg.gardenfleet, &cfg.fleet} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch sub {
	case "up":
		_, err := up(ctx, cfg)
		return err
	case "down":
		return down(cfg)
	case "status":
		return status(cfg)
	case "serve":
		return serve(ctx, cfg)
	case "run":
		return runFleet(ctx, cfg)
	default:
		fs.Usage()
		return fmt.Errorf("unknown subcommand %q", sub)
	}
}

// repoRoot finds gardenfleet's go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module github.com/gardenfleet/gardenfleet\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run landscape inside the gardenfleet repository")
		}
		dir = parent
	}
}
