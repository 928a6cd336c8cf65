package runner

import (
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"

	"inceptionlab/experiments"
)

// WriteTrials prints the expanded sweep in its stable order: index, name and config hash.
func WriteTrials(w io.Writer, trials []experiments.Trial) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tTRIAL\tHASH")
	for _, t := range trials {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", t.Index, t.Name, t.Hash)
	}
	return tw.Flush()
}

// SetThreads sets how many CPU threads training uses: n when > 0, else the config's train.threads when
// set, else all cores. It returns the number in use.
func SetThreads(n int, e *experiments.Experiment) int {
	if n == 0 {
		n = e.Train.Threads
	}
	if n > 0 {
		runtime.GOMAXPROCS(n)
	}
	return runtime.GOMAXPROCS(0)
}
