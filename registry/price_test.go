package registry

import "testing"

// TestPriceStats: SECOP's "no value" (0, 1, 100 pesos) counts as a purchase
// and adds to the total, but is not a price: the minimum, median and
// maximum an officer compares a budget with are over real prices.
func TestPriceStats(t *testing.T) {
	for _, c := range []struct {
		vs   []int64
		want PriceStats
	}{
		{[]int64{20_000_000, 1, 5_000_000, 0, 10_000_000}, PriceStats{Count: 5, Unpriced: 2, Min: 5_000_000, Median: 10_000_000, Max: 20_000_000, Total: 35_000_001}},
		{[]int64{MinPrice, 100, 30_000}, PriceStats{Count: 3, Unpriced: 1, Min: MinPrice, Median: 20_000, Max: 30_000, Total: 40_100}},
		{[]int64{1, 0}, PriceStats{Count: 2, Unpriced: 2, Total: 1}},
		{nil, PriceStats{}},
	} {
		if got := priceStats(c.vs); got != c.want {
			t.Errorf("priceStats(%v) = %+v, want %+v", c.vs, got, c.want)
		}
	}
}
