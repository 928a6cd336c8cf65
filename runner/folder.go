package runner

import (
	"path/filepath"
	"strings"
)

// RunDir is the trial folder of a run under outDir: OUT/<experiment>/<trial>-<hash8>, the trial name made
// safe for file systems (anything but A-Z a-z 0-9 . - = _ becomes _) followed by the first 8 characters
// of its config hash, so two configs never share a folder. It is where every file of the trial lives
// and the only folder `runs delete` removes files from.
func RunDir(outDir, experiment, trial, configHash string) string {
	var b strings.Builder
	for _, r := range trial {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '=', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return filepath.Join(outDir, experiment, b.String()+"-"+configHash[:min(8, len(configHash))])
}
