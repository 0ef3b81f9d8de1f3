package config

// suggest returns the candidate closest to s when it is close enough to be a typo of it
// (servics → services, prots → ports), else "".
func suggest(s string, candidates []string) string {
	if len(s) > 64 {
		return "" // no typo is that long, and distance costs len(s)·len(c)
	}
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(s, c)
		limit := max(1, min(len(s), len(c))/3)
		if d > limit {
			continue
		}
		if best == "" || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, with a swap of two neighbours counting once
// (optimal string alignment): "prots" is one edit from "ports".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// rows i-2, i-1 and i of the distance table
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
