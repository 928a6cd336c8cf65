package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

func (a *app) tag(args []string) error {
	fset := flag.NewFlagSet("tag", flag.ContinueOnError)
	pos, err := a.parse(fset, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef("tag takes a run id and at least one key=value")
	}
	kv := keyValues{}
	for _, arg := range pos[1:] {
		if err := kv.Set(arg); err != nil {
			return usagef("tag: %v", err)
		}
	}
	s, r, err := a.openRun(false, pos[0])
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := s.Tag(ctx, r.ID, k, kv[k]); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.stdout, "tagged run %s: %s\n", short(r.ID), strings.Join(pos[1:], " "))
	return nil
}

func (a *app) delete(args []string) error {
	fset := flag.NewFlagSet("delete", flag.ContinueOnError)
	yes := fset.Bool("yes", false, "delete without asking")
	pos, err := a.parse(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("delete takes one run id, got %d arguments", len(pos))
	}
	s, r, err := a.openRun(false, pos[0])
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	arts, err := s.Artifacts(ctx, r.ID)
	if err != nil {
		return err
	}
	if !*yes {
		fmt.Fprintf(a.stdout, "delete run %s (%s / %s, %s, %d epochs) and its %d artifact files? [y/N] ",
			r.ID, r.Experiment, r.Trial, r.Status, r.Epochs, len(arts))
		answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
		answer = strings.ToLower(strings.TrimSpace(answer))
		if answer != "y" && answer != "yes" {
			fmt.Fprintln(a.stdout, "not deleted")
			return nil
		}
	}
	arts, err = s.Delete(ctx, r.ID)
	if err != nil {
		return err
	}
	removed := 0
	var errs []error
	for _, ar := range arts {
		err := os.Remove(ar.Path)
		switch {
		case err == nil:
			removed++
		case errors.Is(err, fs.ErrNotExist):
		default:
			errs = append(errs, err)
		}
	}
	fmt.Fprintf(a.stdout, "deleted run %s and %d of %d artifact files\n", r.ID, removed, len(arts))
	if len(errs) > 0 {
		return fmt.Errorf("run deleted but %d artifact files remain: %w", len(errs), errors.Join(errs...))
	}
	return nil
}
