package main

import (
	"context"
	"flag"
	"fmt"

	"inceptionlab/tracking"
)

// merge folds shard databases into -db (created if missing). Each shard is
// merged atomically; the first bad shard stops the command, leaving the
// shards before it merged and reported.
func (a *app) merge(args []string) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	shards, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(shards) == 0 {
		return usagef("merge takes one or more shard databases")
	}
	s, err := tracking.Open(a.db, tracking.Options{Now: a.now})
	if err != nil {
		return err
	}
	defer s.Close()
	for _, shard := range shards {
		st, err := s.Merge(context.Background(), shard)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "merged %s: %d runs added, %d updated, %d epochs, %d artifacts, %d tags\n",
			shard, st.RunsAdded, st.RunsUpdated, st.EpochsAdded, st.ArtifactsAdded, st.TagsAdded)
	}
	return nil
}
