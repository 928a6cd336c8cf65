package model

import (
	"testing"

	"inceptionlab/model/arch"
)

// The plan helpers of model/arch's tests (plan_build_test.go), for model's tests.

// variantSpec is the default spec with the module variant switched.
func variantSpec(numClasses, size int, reduce, poolProj bool) arch.Spec {
	s := arch.DefaultSpec(numClasses)
	s.ImageSize = size
	s.Reduce, s.PoolProj = reduce, poolProj
	return s
}

var variants = []struct {
	name             string
	reduce, poolProj bool
}{{"reduce", true, true}, {"naive+proj", false, true}, {"naive-pure", false, false}}

func mustPlan(t testing.TB, s arch.Spec) *arch.Plan {
	t.Helper()
	p, err := arch.NewPlan(s)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	return p
}
