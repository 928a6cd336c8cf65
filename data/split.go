package data

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
)

// splitStream is the PCG stream number of the validation split ("incepval" in ASCII); class c uses
// stream splitStream+c, so each class's split depends only on the seed and that class's members.
const splitStream = 0x696e636570766164

// SplitInfo records how the data was divided, for reports and run records.
type SplitInfo struct {
	Source      string  // Config.Source after defaults
	Seed        int64   // seed of the validation split
	ValFraction float64 // requested validation fraction
	Train       []int   // images per class in the training subset, indexed by class
	Val         []int   // images per class in the validation subset
	Test        []int   // images per class in the test subset; nil when the source has no test set
	// Hash is the SHA-256 (hex) of the member lists: one line "subset\tkey\tlabel\n" per image, for
	// train, then val, then test, each in source order. Equal hashes mean identical splits.
	Hash string
}

// stratifiedSplit divides the images of st into training and validation members, per class, as
// described in the package documentation. Both results are ascending.
func stratifiedSplit(labels []int32, numClasses int, frac float64, seed int64) (train, val []int) {
	byClass := make([][]int, numClasses)
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	inVal := make([]bool, len(labels))
	for c, members := range byClass {
		k := valCount(len(members), frac)
		if k == 0 {
			continue
		}
		pcg := rand.NewPCG(uint64(seed), splitStream+uint64(c))
		shuffled := append([]int(nil), members...)
		for i := len(shuffled) - 1; i > 0; i-- {
			j := int(boundedUint64(pcg, uint64(i+1)))
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		}
		for _, m := range shuffled[:k] {
			inVal[m] = true
		}
	}
	for i, v := range inVal {
		if v {
			val = append(val, i)
		} else {
			train = append(train, i)
		}
	}
	return train, val
}

// valCount is round(frac*n) (halves away from zero), at least 1 when frac > 0 and n >= 2, and at most
// n-1 so every class keeps a training image.
func valCount(n int, frac float64) int {
	if frac <= 0 || n < 2 {
		return 0
	}
	k := int(math.Round(frac * float64(n)))
	return max(1, min(k, n-1))
}

// boundedUint64 returns a uniform value in [0, n) from the raw PCG output by Lemire's multiply-and-reject
// method. It is written out here, rather than using rand.Rand.Shuffle, so the split can never change
// with the Go version.
func boundedUint64(src interface{ Uint64() uint64 }, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// classCounts counts the members of s per class.
func classCounts(s *Subset, numClasses int) []int {
	counts := make([]int, numClasses)
	for _, m := range s.members {
		counts[s.st.labels[m]]++
	}
	return counts
}

// splitHash hashes the member lists of the given subsets (nil subsets are skipped).
func splitHash(subsets ...*Subset) string {
	h := sha256.New()
	var line []byte
	for _, s := range subsets {
		if s == nil {
			continue
		}
		for _, m := range s.members {
			line = append(line[:0], s.name...)
			line = append(line, '\t')
			line = append(line, s.st.key(m)...)
			line = append(line, '\t')
			line = strconv.AppendInt(line, int64(s.st.labels[m]), 10)
			line = append(line, '\n')
			h.Write(line)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
