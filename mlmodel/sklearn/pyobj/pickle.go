package pyobj

import "io"

// ReadPickle is not written yet.
func ReadPickle(r io.Reader, allow Allow) (any, error) { return nil, io.EOF }
