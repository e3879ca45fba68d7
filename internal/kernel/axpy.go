package kernel

// Axpy computes y ← y + a·x elementwise, the update of gradient descent
// (w ← w − α·g is Axpy(−α, g, w)), and reports whether every y is finite
// afterwards (no NaN, no ±Inf). x and y have the same length. It uses AVX2 +
// FMA where the CPU has them.
func Axpy[T Float](a T, x, y []T) (finite bool) {
	if len(x) != len(y) {
		panic("kernel: Axpy: x and y differ in length")
	}
	switch x := any(x).(type) {
	case []float32:
		if axpyF32 != nil {
			return axpyF32(float32(a), x, any(y).([]float32))
		}
	case []float64:
		if axpyF64 != nil {
			return axpyF64(float64(a), x, any(y).([]float64))
		}
	}
	return axpyGo(a, x, y)
}

// axpyGo is the reference loop of Axpy.
func axpyGo[T Float](a T, x, y []T) bool {
	var check T // Σ y·0: NaN exactly when some y is NaN or infinite
	for i, v := range x {
		y[i] += a * v
		check += y[i] * 0
	}
	return check == 0
}
