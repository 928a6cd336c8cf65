package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"inceptionlab/model"
	"inceptionlab/model/arch"
)

// Verify is what a checkpoint must match before it is used; zero fields are not checked.
type Verify struct {
	// SHA256 is the hex SHA-256 the tracking database recorded for the file: the file must be the one the
	// run wrote.
	SHA256 string
	// ConfigHash is the trial's config hash, which the checkpoint's config_hash metadata must carry.
	ConfigHash string
	// RunIDs are the runs that may have written the file (a run and the runs it resumed from); the
	// checkpoint's run_id metadata must be one of them.
	RunIDs []string
	// RecordedSHA256, when RunIDs does not name the writer, is the sha256 the trial's previous run
	// recorded for this file: a checkpoint it took over from a run deleted since (which breaks the
	// resumed-from chain) still passes when it is byte for byte the recorded one.
	RecordedSHA256 string
	// Spec is the architecture the trial's config gives; the checkpoint's network must be exactly it.
	Spec *arch.Spec
}

// LoadVerified loads a checkpoint after checking it against v. Errors name the file and the check that
// failed.
func LoadVerified(path string, v Verify) (*model.Net, map[string]string, error) {
	if v.SHA256 != "" {
		got, err := fileSHA256(path)
		if err != nil {
			return nil, nil, fmt.Errorf("runner: checkpoint %s: %w", path, err)
		}
		if got != v.SHA256 {
			return nil, nil, fmt.Errorf("runner: checkpoint %s failed the sha256 check: the file hashes to %.12s..., the run recorded %.12s... (it was replaced or changed after the run wrote it)",
				path, got, v.SHA256)
		}
	}
	net, meta, err := model.Load(path)
	if err != nil {
		return nil, nil, err
	}
	if v.ConfigHash != "" && meta[MetaConfigHash] != v.ConfigHash {
		return nil, nil, fmt.Errorf("runner: checkpoint %s failed the config check: it belongs to config %.12s, not this trial's %.12s",
			path, meta[MetaConfigHash], v.ConfigHash)
	}
	if v.RunIDs != nil && !slices.Contains(v.RunIDs, meta[MetaRunID]) && !matchesRecorded(path, v.RecordedSHA256) {
		return nil, nil, fmt.Errorf("runner: checkpoint %s failed the run id check: written by run %q, which is not %s in the database",
			path, meta[MetaRunID], describeRuns(v.RunIDs))
	}
	if v.Spec != nil {
		if err := checkSpec(path, net.Spec(), *v.Spec); err != nil {
			return nil, nil, err
		}
	}
	return net, meta, nil
}

// checkSpec fails unless the checkpoint at path, which holds a network of architecture got, is of the
// architecture want the trial's config gives.
func checkSpec(path string, got, want arch.Spec) error {
	w, err1 := json.Marshal(want)
	g, err2 := json.Marshal(got)
	if err1 != nil || err2 != nil || !bytes.Equal(w, g) {
		return fmt.Errorf("runner: checkpoint %s failed the architecture check: it holds %s, the trial's config gives %s",
			path, describeSpec(got), describeSpec(want))
	}
	return nil
}

func describeRuns(ids []string) string {
	if len(ids) == 0 {
		return "a run of this trial"
	}
	return fmt.Sprintf("this trial's run %.8s or a run it resumed from", ids[0])
}

func describeSpec(s arch.Spec) string {
	return fmt.Sprintf("width %g, %d blocks, %d classes, %dx%dx%d input, aux %t", s.Width, len(s.Blocks), s.NumClasses,
		s.InChannels, s.ImageSize, s.ImageSize, s.Aux.Enabled)
}

// fileSHA256 hashes a regular file.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil {
		return "", err
	} else if !info.Mode().IsRegular() {
		return "", fmt.Errorf("not a regular file")
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// matchesRecorded reports whether the file hashes to the recorded sha256 (false when none is recorded).
func matchesRecorded(path, recorded string) bool {
	if recorded == "" {
		return false
	}
	got, err := fileSHA256(path)
	return err == nil && got == recorded
}
