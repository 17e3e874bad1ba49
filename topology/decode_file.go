package topology

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxFileSize bounds a topology file. The largest real topology is a few
// kilobytes; without a bound, a path like /dev/zero or a stray log file is
// read until memory runs out before its first error.
const MaxFileSize = 4 << 20

// ErrBadFile is returned, wrapped, by Load and CheckFile for a path that
// cannot be a topology file: not a regular file, or larger than
// MaxFileSize. It is the user's to fix, like an invalid file.
var ErrBadFile = errors.New("not a topology file")

// badFile is an ErrBadFile in the words the user reads.
type badFile struct{ msg string }

func (e badFile) Error() string        { return e.msg }
func (e badFile) Is(target error) bool { return target == ErrBadFile }

// CheckFile refuses, before anything is read, a path that is not a regular
// file or is larger than MaxFileSize. Errors from os.Stat are returned as
// they are, wrapped.
func CheckFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("read topology: %w", err)
	}
	return checkStat(path, st)
}

func checkStat(path string, st os.FileInfo) error {
	switch {
	case st.IsDir():
		return badFile{fmt.Sprintf("%s is a directory, not a topology file", path)}
	case !st.Mode().IsRegular():
		return badFile{fmt.Sprintf("%s is not a regular file: a topology is a YAML file", path)}
	case st.Size() > MaxFileSize:
		return tooLarge(path)
	}
	return nil
}

func tooLarge(path string) error {
	return badFile{fmt.Sprintf("%s is larger than %d MiB, too large for a topology file", path, MaxFileSize>>20)}
}

// readFile reads a topology file, refusing at once what CheckFile refuses,
// and never more than MaxFileSize bytes of one that grows meanwhile.
func readFile(path string) ([]byte, error) {
	if err := CheckFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	defer f.Close()
	// The path may have been replaced since it was checked.
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	if err := checkStat(path, st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(path)
	}
	return data, nil
}
