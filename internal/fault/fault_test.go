package fault

import (
	"strings"
	"testing"
)

func TestPointPanicsOnTheArmedHit(t *testing.T) {
	t.Setenv(EnvVar, "x@2=panic, y=panic")
	Point("x") // first hit: nothing
	Point("z")
	defer func() {
		p := recover()
		if p == nil || !strings.Contains(p.(string), "injected panic at x (hit 2)") {
			t.Fatalf("recovered %v, want the injected panic at x's second hit", p)
		}
	}()
	Point("x")
	t.Fatal("second hit of x did not fire")
}

func TestPointUnarmedIsNoop(t *testing.T) {
	t.Setenv(EnvVar, "")
	for range 3 {
		Point(CheckpointWrite)
	}
}
