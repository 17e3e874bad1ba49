package orchestrator

import (
	"errors"
	"fmt"
)

// ErrNoName is returned, wrapped, for an empty topology name. Resources
// are found by their topology's label, and an empty label value matches
// every topology on the engine: an empty name would act on all of them.
var ErrNoName = errors.New("empty topology name")

// needName refuses an empty topology name at every entry point that
// selects a topology's resources by its label.
func needName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: name one (`topo ls` lists the running ones)", ErrNoName)
	}
	return nil
}
