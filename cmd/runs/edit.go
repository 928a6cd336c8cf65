package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"inceptionlab/runner"
	"inceptionlab/tracking"
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
	out := fset.String("out", "", "the runner's output `folder` (default: the folder of -db)")
	pos, err := a.parse(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("delete takes one run id, got %d arguments", len(pos))
	}
	if *out == "" {
		*out = filepath.Dir(a.db)
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
	own, err := s.Delete(ctx, r.ID)
	if err != nil {
		return err
	}
	dir := runner.RunDir(*out, r.Experiment, r.Trial, r.ConfigHash)
	removed, kept, errs := removeInFolder(dir, own)
	fmt.Fprintf(a.stdout, "deleted run %s and %d of %d artifact files\n", r.ID, removed, len(arts))
	if len(kept) > 0 {
		errs = append(errs, fmt.Errorf("kept %d files outside the run's folder %s (remove them by hand if they are yours; -out names the runner's output folder): %s",
			len(kept), dir, strings.Join(kept, ", ")))
	}
	if len(errs) > 0 {
		return fmt.Errorf("run deleted but artifact files remain: %w", errors.Join(errs...))
	}
	return nil
}

// removeInFolder removes the artifact files that lie directly in the trial folder dir and are regular
// files there, through an os.Root on dir so no symlink, ".." or absolute path leads out of it; it never
// follows a path it did not create. Artifacts elsewhere (an arbitrary path a merged shard recorded, a
// symlink) are kept and listed. An emptied folder is removed.
func removeInFolder(dir string, arts []tracking.Artifact) (removed int, kept []string, errs []error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return 0, nil, []error{err}
	}
	var root *os.Root
	if info, err := os.Lstat(absDir); err == nil && info.IsDir() { // a symlinked folder is not followed
		if root, err = os.OpenRoot(absDir); err != nil {
			return 0, nil, []error{err}
		}
	}
	if root != nil {
		defer root.Close()
	}
	for _, ar := range arts {
		p := filepath.Clean(ar.Path)
		if filepath.Dir(p) != absDir || root == nil {
			if _, err := os.Lstat(p); err == nil {
				kept = append(kept, ar.Path)
			}
			continue
		}
		name := filepath.Base(p)
		info, err := root.Lstat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		case !info.Mode().IsRegular():
			kept = append(kept, ar.Path+" (not a regular file)")
			continue
		}
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if root != nil {
		if f, err := root.Open("."); err == nil {
			names, _ := f.Readdirnames(1)
			f.Close()
			if len(names) == 0 {
				os.Remove(absDir)
			}
		}
	}
	return removed, kept, errs
}
