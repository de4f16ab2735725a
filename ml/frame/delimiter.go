package frame

// detectDelimiter picks the candidate that splits the first complete lines
// of head into the same number (>0) of fields, preferring more fields; failing
// that, the candidate most frequent in the first line; failing that, ','.
func detectDelimiter(head []byte) rune {
	candidates := []byte{',', ';', '\t', '|'}
	lines := splitLines(head, 20)
	if len(lines) == 0 {
		return ','
	}
	best, bestCount := byte(0), 0
	for _, c := range candidates {
		n := countOutsideQuotes(lines[0], c)
		consistent := n > 0
		for _, l := range lines[1:] {
			if countOutsideQuotes(l, c) != n {
				consistent = false
				break
			}
		}
		if consistent && n > bestCount {
			best, bestCount = c, n
		}
	}
	if best != 0 {
		return rune(best)
	}
	for _, c := range candidates {
		if n := countOutsideQuotes(lines[0], c); n > bestCount {
			best, bestCount = c, n
		}
	}
	if best != 0 {
		return rune(best)
	}
	return ','
}

// splitLines returns up to max complete, non-empty lines of head; a quoted
// newline does not end a line. The last line counts only if head ends with a
// newline or is shorter than the peek window (the whole input).
func splitLines(head []byte, max int) [][]byte {
	var lines [][]byte
	inQuote, start := false, 0
	for i, b := range head {
		switch {
		case b == '"':
			inQuote = !inQuote
		case b == '\n' && !inQuote:
			if l := trimCR(head[start:i]); len(l) > 0 {
				lines = append(lines, l)
			}
			start = i + 1
			if len(lines) == max {
				return lines
			}
		}
	}
	if start < len(head) && len(head) < 64<<10 && !inQuote {
		if l := trimCR(head[start:]); len(l) > 0 {
			lines = append(lines, l)
		}
	}
	return lines
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

func countOutsideQuotes(line []byte, c byte) int {
	n, inQuote := 0, false
	for _, b := range line {
		if b == '"' {
			inQuote = !inQuote
		} else if b == c && !inQuote {
			n++
		}
	}
	return n
}
