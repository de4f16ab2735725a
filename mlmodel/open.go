package mlmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/weir-ml/weir"
)

// Limits on the files of a model directory that Weir reads whole.
const (
	// MaxMetaBytes bounds MLmodel, input examples and reference profiles.
	MaxMetaBytes = 64 << 20
	// MaxPredictorBytes bounds a Weir predictor file.
	MaxPredictorBytes = 1 << 30
)

// ReadModelFile reads the file rel of the model directory dir, at most max
// bytes, and refuses what a hostile directory could hold: a name that
// leaves the directory, a symbolic link anywhere below dir (so none can
// lead out of it; MLflow writes none), and anything but a regular file,
// such as a FIFO, which would block the reader forever, or a device. A missing file is an error
// for which errors.Is(err, fs.ErrNotExist) holds. Errors name the file and
// never show its content.
func ReadModelFile(dir, rel string, max int64) ([]byte, error) {
	f, fi, err := OpenModelFile(dir, rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > max {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "model file %s has %d bytes, more than the %d Weir reads", rel, fi.Size(), max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading model file %s: %w", rel, err)
	}
	if int64(len(b)) > max {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "model file %s has more than the %d bytes Weir reads", rel, max)
	}
	return b, nil
}

// OpenModelFile opens the file rel of the model directory dir for reading
// with the checks of ReadModelFile, and returns it with its FileInfo.
func OpenModelFile(dir, rel string) (*os.File, fs.FileInfo, error) {
	if !filepath.IsLocal(rel) {
		return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "model file %q is not inside the model directory", rel)
	}
	// Every step below dir is checked without following it: a symbolic
	// link, even one that stays inside, is refused, since a link that is
	// checked could be re-pointed before it is opened.
	path := dir
	parts := strings.Split(filepath.ToSlash(filepath.Clean(rel)), "/")
	for i, p := range parts {
		path = filepath.Join(path, p)
		fi, err := os.Lstat(path)
		if err != nil {
			return nil, nil, err
		}
		last := i == len(parts)-1
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if last {
				return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue,
					"model file %s is a symbolic link, not a regular file: Weir reads only regular files inside the model directory", rel)
			}
			return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue,
				"model file %s passes through the symbolic link %s: Weir reads only regular files inside the model directory", rel, filepath.Join(parts[:i+1]...))
		case !last && !fi.IsDir():
			return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "model file %s: %s is not a directory", rel, filepath.Join(parts[:i+1]...))
		case last && !fi.Mode().IsRegular():
			return nil, nil, notRegular(rel, fi)
		}
	}
	// Non-blocking, so that a FIFO swapped in after the check cannot hang
	// the open; the check below then refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegular(rel, fi)
	}
	return f, fi, nil
}

func notRegular(rel string, fi fs.FileInfo) error {
	kind := "not a regular file"
	switch t := fi.Mode().Type(); {
	case t&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO), not a regular file"
	case t&fs.ModeDir != 0:
		kind = "a directory, not a regular file"
	case t&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		kind = "a device, not a regular file"
	case t&fs.ModeSocket != 0:
		kind = "a socket, not a regular file"
	}
	return weir.Errorf(weir.ErrInvalidParameterValue, "model file %s is %s", rel, kind)
}

// backquoted finds the values that YAML errors quote.
var backquoted = regexp.MustCompile("`[^`]*`")

// safeProblem describes a parse error without the content it quotes: a
// JSON syntax error by its offset, a JSON type error by the types, a YAML
// error with its quoted values taken out.
func safeProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		kind, _, _ := strings.Cut(te.Value, " ") // "number 5" names its number
		te.Value = kind
		if te.Field != "" {
			return fmt.Sprintf("a JSON %s where %s wants %s", te.Value, te.Field, te.Type)
		}
		return fmt.Sprintf("a JSON %s where %s is wanted", te.Value, te.Type)
	}
	return backquoted.ReplaceAllString(err.Error(), "a value")
}

// FileProblem returns the message of an error of OpenModelFile or
// ReadModelFile, for people: a *weir.Error's message, else the error's
// text, which names the path and never the content.
func FileProblem(err error) string {
	var we *weir.Error
	if errors.As(err, &we) {
		return we.Message
	}
	return err.Error()
}
