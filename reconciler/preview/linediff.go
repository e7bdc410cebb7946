package preview

import "strings"

// diffLine is one line of a line diff: op is ' ' (kept), '-' or '+'. A kept
// line with gap set stands for unchanged lines left out.
type diffLine struct {
	op   byte
	text string
	gap  bool
}

// contextLines is how many unchanged lines are shown around a change.
const contextLines = 2

// maxLineDiffCells bounds the table of the line diff; longer texts are shown
// as all lines removed and all added.
const maxLineDiffCells = 4_000_000

// isMultiline reports whether a change is best shown line by line: both
// sides are strings and one spans lines (an embedded file, such as a
// containerlab topology).
func isMultiline(c FieldChange) bool {
	from, okFrom := c.From.(string)
	to, okTo := c.To.(string)
	if c.Op == Changed && !(okFrom && okTo) {
		return false
	}
	return strings.Contains(from, "\n") || strings.Contains(to, "\n")
}

// lineDiff returns the lines of a and b as a diff with a longest common
// subsequence, keeping contextLines unchanged lines around each change.
func lineDiff(a, b string) []diffLine {
	al, bl := splitLines(a), splitLines(b)
	var all []diffLine
	if len(al)*len(bl) > maxLineDiffCells {
		for _, l := range al {
			all = append(all, diffLine{op: '-', text: l})
		}
		for _, l := range bl {
			all = append(all, diffLine{op: '+', text: l})
		}
		return all
	}
	// lcs[i][j] is the length of the longest common subsequence of al[i:]
	// and bl[j:].
	lcs := make([][]int, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			all = append(all, diffLine{op: ' ', text: al[i]})
			i++
			j++
		case i < len(al) && (j == len(bl) || lcs[i+1][j] >= lcs[i][j+1]):
			// Removals before additions, as diff shows them.
			all = append(all, diffLine{op: '-', text: al[i]})
			i++
		default:
			all = append(all, diffLine{op: '+', text: bl[j]})
			j++
		}
	}
	return withContext(all)
}

// withContext drops unchanged lines further than contextLines from a
// change, leaving one gap line for each run dropped.
func withContext(all []diffLine) []diffLine {
	keep := make([]bool, len(all))
	for i, l := range all {
		if l.op == ' ' {
			continue
		}
		for k := max(0, i-contextLines); k <= min(len(all)-1, i+contextLines); k++ {
			keep[k] = true
		}
	}
	var out []diffLine
	for i, l := range all {
		switch {
		case keep[i]:
			out = append(out, l)
		case len(out) == 0 || !out[len(out)-1].gap:
			out = append(out, diffLine{op: ' ', text: "...", gap: true})
		}
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
