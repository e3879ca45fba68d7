package data

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Split divides d into two new Datasets, test holding a fraction frac of the
// rows and train the rest, chosen at random but deterministically from seed
// (a PCG generator seeded with seed and 0). Both keep the rows in their
// order in d.
//
// The test part has round(frac·N) rows. If stratified and d has class
// labels, each class contributes to it in proportion to its size (largest
// remainders, so the total is still round(frac·N)); stratified has no effect
// on regression data. It is an error if frac is not strictly between 0 and 1
// or either part would be empty.
func Split(d *Dataset, frac float64, seed uint64, stratified bool) (train, test *Dataset, err error) {
	trainIdx, testIdx, err := SplitRows(d, frac, seed, stratified)
	if err != nil {
		return nil, nil, err
	}
	return d.Subset(trainIdx), d.Subset(testIdx), nil
}

// SplitRows is Split as the indices of the rows of each part, in
// increasing order: train is d.Subset(trainIdx), test d.Subset(testIdx).
func SplitRows(d *Dataset, frac float64, seed uint64, stratified bool) (trainIdx, testIdx []int, err error) {
	if !(frac > 0 && frac < 1) {
		return nil, nil, fmt.Errorf("split fraction %v is not between 0 and 1", frac)
	}
	nTest := int(math.Round(frac * float64(d.N)))
	if nTest == 0 || nTest == d.N {
		return nil, nil, fmt.Errorf("a split fraction of %v of %d rows leaves a part empty", frac, d.N)
	}
	rng := rand.New(rand.NewPCG(seed, 0))

	// groups of row indexes, shuffled; one group per class if stratified.
	var groups [][]int
	if stratified && d.Labels != nil {
		groups = make([][]int, len(d.Classes))
		for i, c := range d.Labels {
			groups[c] = append(groups[c], i)
		}
	} else {
		groups = [][]int{make([]int, d.N)}
		for i := range d.N {
			groups[0][i] = i
		}
	}

	// Take floor(frac·size) from each group, then one more from the
	// groups with the largest remainders until there are nTest.
	take := make([]int, len(groups))
	rem := make([]float64, len(groups))
	order := make([]int, len(groups))
	total := 0
	for g, rows := range groups {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		q := frac * float64(len(rows))
		take[g] = int(q)
		rem[g] = q - float64(take[g])
		total += take[g]
		order[g] = g
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for _, g := range order {
		if total >= nTest {
			break
		}
		if take[g] < len(groups[g]) {
			take[g]++
			total++
		}
	}

	for g, rows := range groups {
		testIdx = append(testIdx, rows[:take[g]]...)
		trainIdx = append(trainIdx, rows[take[g]:]...)
	}
	slices.Sort(trainIdx)
	slices.Sort(testIdx)
	return trainIdx, testIdx, nil
}
