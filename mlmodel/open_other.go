//go:build !unix

package mlmodel

// openNonBlock is 0 where FIFOs cannot block an open.
const openNonBlock = 0
