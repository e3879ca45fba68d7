package train

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteHistoryCSV writes the history h as CSV, one epoch a row, after a header
// row. The columns are epoch, alpha, loss, then accuracy for classification
// or mse and r2 for regression (a history is regression if any epoch has a
// nonzero MSE or R²), the same four prefixed "val_" if any epoch has a
// validation score (empty where one has not), and seconds.
func WriteHistoryCSV(w io.Writer, h []Epoch) error {
	regression, hasVal := false, false
	for _, ep := range h {
		regression = regression || ep.Train.MSE != 0 || ep.Train.R2 != 0
		if ep.Val != nil {
			hasVal = true
			regression = regression || ep.Val.MSE != 0 || ep.Val.R2 != 0
		}
	}
	metrics := func(prefix string) []string {
		if regression {
			return []string{prefix + "loss", prefix + "mse", prefix + "r2"}
		}
		return []string{prefix + "loss", prefix + "accuracy"}
	}
	values := func(s *Score) []string {
		if s == nil {
			return make([]string, len(metrics("")))
		}
		if regression {
			return []string{num(s.Loss), num(s.MSE), num(s.R2)}
		}
		return []string{num(s.Loss), num(s.Accuracy)}
	}
	header := append([]string{"epoch", "alpha"}, metrics("")...)
	if hasVal {
		header = append(header, metrics("val_")...)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append(header, "seconds")); err != nil {
		return err
	}
	for _, ep := range h {
		row := append([]string{strconv.Itoa(ep.Epoch), num(ep.Alpha)}, values(&ep.Train)...)
		if hasVal {
			row = append(row, values(ep.Val)...)
		}
		if err := cw.Write(append(row, num(ep.Seconds))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// num formats v in the shortest form that reads back to the same float64.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
