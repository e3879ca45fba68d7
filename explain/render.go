package explain

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// width is the number of columns the text output fits in.
const width = 100

// doc writes a document in one of two forms: plain text for a terminal (at
// most width columns) or Markdown with LaTeX math. Callers write every
// formula once, in the text notation, and mark math in prose with $...$; the
// Markdown form translates the marked math to LaTeX (see tex).
type doc struct {
	b     bytes.Buffer
	md    bool
	blank bool // the last line written was blank (or nothing was written)
}

func newDoc(md bool) *doc { return &doc{md: md, blank: true} }

func (d *doc) line(s string) {
	d.b.WriteString(strings.TrimRight(s, " "))
	d.b.WriteByte('\n')
	d.blank = s == ""
}

// gap writes a blank line unless one was just written.
func (d *doc) gap() {
	if !d.blank {
		d.line("")
	}
}

// title writes the document's title.
func (d *doc) title(s string) {
	if d.md {
		d.line("# " + d.prose(s))
	} else {
		d.line(s)
		d.line(strings.Repeat("=", utf8.RuneCountInString(s)))
	}
	d.line("")
}

// section writes the heading of a phase.
func (d *doc) section(s string) {
	d.gap()
	d.line("")
	if d.md {
		d.line("## " + d.prose(s))
	} else {
		s = d.prose(s)
		d.line(s)
		d.line(strings.Repeat("-", utf8.RuneCountInString(s)))
	}
	d.line("")
}

// sub writes a subheading: level 1 for an example, 2 for a layer.
func (d *doc) sub(level int, s string) {
	d.gap()
	if d.md {
		d.line(strings.Repeat("#", 3+level) + " " + d.prose(s))
		d.line("")
		return
	}
	for k, l := range wrapWords(s, width) {
		if k > 0 {
			l = "    " + l
		}
		d.line(l)
	}
}

// para writes a paragraph of prose with $...$ math.
func (d *doc) para(s string) {
	if d.md {
		d.line(d.prose(s))
		d.line("")
		return
	}
	d.gap()
	for _, l := range wrapWords(s, width) {
		d.line(l)
	}
}

// list writes a list of terms and their descriptions.
func (d *doc) list(items [][2]string) {
	if d.md {
		for _, it := range items {
			d.line("- " + d.prose("$"+it[0]+"$") + ": " + d.prose(it[1]))
		}
		d.line("")
		return
	}
	n := 0
	for _, it := range items {
		n = max(n, utf8.RuneCountInString(it[0]))
	}
	for _, it := range items {
		pad := strings.Repeat(" ", n-utf8.RuneCountInString(it[0]))
		lines := wrapWords(it[1], width-n-4)
		for k, l := range lines {
			if k == 0 {
				d.line("  " + it[0] + pad + "  " + l)
			} else {
				d.line(strings.Repeat(" ", n+4) + l)
			}
		}
	}
}

// prose returns s with its $...$ math in the document's form: the dollars
// dropped in text, the math translated to LaTeX in Markdown.
func (d *doc) prose(s string) string {
	parts := strings.Split(s, "$")
	var b strings.Builder
	for k, p := range parts {
		switch {
		case k%2 == 0:
			b.WriteString(p)
		case d.md:
			b.WriteString("$" + tex(p) + "$")
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

// eq is a displayed equation, lhs = lines[0] = lines[1] ..., each line a
// sequence of terms between which a long line may break. oneLine puts all
// the lines on one line, when it fits.
type eq struct {
	lhs     string
	op      string // between lhs and lines[0]; "" is "="
	lines   [][]string
	oneLine bool
}

func (e eq) operator() string {
	if e.op == "" {
		return "="
	}
	return e.op
}

// eqs writes a block of equations, aligned on their = signs.
func (d *doc) eqs(es ...eq) {
	if len(es) == 0 {
		return
	}
	if d.md {
		d.line("$$")
		d.line(`\begin{aligned}`)
		for k, e := range es {
			var rows []string
			first := tex(e.lhs) + " &" + tex(e.operator()) + " "
			for _, terms := range e.lines {
				for n := 0; n < len(terms); n += 6 { // at most 6 terms per row
					chunk := terms[n:min(n+6, len(terms))]
					s := tex(strings.Join(chunk, ""))
					switch {
					case len(rows) == 0:
						rows = append(rows, first+strings.TrimSpace(s))
					case n > 0:
						rows = append(rows, `&\quad `+strings.TrimSpace(s))
					default:
						rows = append(rows, "&= "+strings.TrimSpace(s))
					}
				}
			}
			for n, r := range rows {
				if n < len(rows)-1 || k < len(es)-1 {
					r += ` \\`
				}
				d.line(r)
			}
		}
		d.line(`\end{aligned}`)
		d.line("$$")
		d.line("")
		return
	}
	for _, e := range es {
		lhs := "  " + e.lhs + " " + e.operator() + " "
		indent := strings.Repeat(" ", utf8.RuneCountInString(lhs))
		eqIndent := strings.Repeat(" ", utf8.RuneCountInString(lhs)-2) + "= "
		lines := e.lines
		if e.oneLine {
			var all []string
			for k, terms := range lines {
				if k > 0 {
					all = append(all, " = ")
				}
				all = append(all, terms...)
			}
			if utf8.RuneCountInString(lhs+strings.Join(all, "")) <= width {
				lines = [][]string{{strings.Join(all, "")}}
			}
		}
		for k, terms := range lines {
			start := lhs
			if k > 0 {
				start = eqIndent
			}
			for _, l := range wrapTerms(start, indent+"  ", terms, width) {
				d.line(l)
			}
		}
	}
}

// wrapTerms joins terms after first, breaking lines between terms so that
// none is longer than w columns where possible; continuation lines start
// with indent.
func wrapTerms(first, indent string, terms []string, w int) []string {
	var out []string
	cur := first
	fresh := true // nothing but the prefix on cur
	for _, t := range terms {
		if !fresh && utf8.RuneCountInString(cur+t) > w {
			out = append(out, cur)
			cur = indent
			t = strings.TrimLeft(t, " ")
		}
		cur += t
		fresh = false
	}
	return append(out, cur)
}

// wrapWords breaks s into lines of at most w columns at spaces (not those
// inside $...$ math, which are kept together).
func wrapWords(s string, w int) []string {
	var words []string
	var cur strings.Builder
	inMath := false
	for _, r := range s {
		switch {
		case r == '$':
			inMath = !inMath
			cur.WriteRune(r)
		case r == ' ' && !inMath:
			words = append(words, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	words = append(words, cur.String())
	var out []string
	line := ""
	for _, word := range words {
		if word == "" {
			continue
		}
		word = strings.ReplaceAll(word, "$", "")
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > w {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(out, line)
}

// table writes a table: in text aligned in columns (numbers with a space
// where others have a minus sign), in Markdown a pipe table.
func (d *doc) table(head []string, rows [][]string) {
	if d.md {
		d.gap()
		cells := make([]string, len(head))
		align := make([]string, len(head))
		for c, h := range head {
			cells[c] = d.prose(h)
			align[c] = "---"
			numeric := len(rows) > 0
			for _, row := range rows {
				if _, err := strconv.ParseFloat(strings.Trim(row[c], "$"), 64); err != nil {
					numeric = false
				}
			}
			if numeric {
				align[c] = "--:"
			}
		}
		d.line("| " + strings.Join(cells, " | ") + " |")
		d.line("|" + strings.Join(align, "|") + "|")
		for _, row := range rows {
			for c, cell := range row {
				cells[c] = d.prose(cell)
				if !strings.Contains(cell, "$") && !isNumber(cell) {
					cells[c] = cell
				} else if !strings.Contains(cell, "$") {
					cells[c] = "$" + tex(cell) + "$"
				}
			}
			d.line("| " + strings.Join(cells, " | ") + " |")
		}
		d.line("")
		return
	}
	d.b.WriteString(textTable(head, rows))
	d.blank = false
}

// textTable returns the text form of a table, indented by two spaces.
func textTable(head []string, rows [][]string) string {
	plain := func(s string) string { return strings.ReplaceAll(s, "$", "") }
	signed := make([]bool, len(head)) // the column has a negative number
	for _, row := range rows {
		for c, cell := range row {
			if strings.HasPrefix(plain(cell), "-") {
				signed[c] = true
			}
		}
	}
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	put := func(row []string, body bool) {
		var s strings.Builder
		s.WriteString("  ")
		for c, cell := range row {
			cell = plain(cell)
			if body && signed[c] && isNumber(cell) && !strings.HasPrefix(cell, "-") {
				cell = " " + cell
			}
			s.WriteString(cell)
			if c < len(row)-1 {
				s.WriteByte('\t')
			}
		}
		s.WriteByte('\n')
		tw.Write([]byte(s.String()))
	}
	put(head, false)
	for _, row := range rows {
		put(row, true)
	}
	tw.Flush()
	var out strings.Builder
	for _, l := range strings.SplitAfter(b.String(), "\n") {
		if l != "" {
			out.WriteString(strings.TrimRight(l, " \n") + "\n")
		}
	}
	return out.String()
}

// tableWidth returns the columns of the widest line of a table in text.
func tableWidth(head []string, rows [][]string) int {
	w := 0
	for _, l := range strings.Split(textTable(head, rows), "\n") {
		w = max(w, utf8.RuneCountInString(l))
	}
	return w
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

// num formats v with 6 significant digits and no needless ones (0.5, not
// 0.500000), -0 as 0.
func num(v float64) string {
	if v == 0 {
		return "0"
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// factor is num in parentheses when negative, to follow a · or a −.
func factor(v float64) string {
	s := num(v)
	if strings.HasPrefix(s, "-") {
		return "(" + s + ")"
	}
	return s
}

// vec formats a vector as (v1, v2, ...).
func vec(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = num(x)
	}
	return "(" + strings.Join(s, ", ") + ")"
}

var (
	texExp    = regexp.MustCompile(`(\d(?:\.\d+)?)e([+-])0*(\d+)`)
	texSup    = regexp.MustCompile(`\^\(([^()]*)\)`)
	texName   = regexp.MustCompile(`(^|[^A-Za-z\\])(δ|g|z|a|w)(\d+)(?:_(\w+(?:,\w+)?))?`)
	texSub    = regexp.MustCompile(`_([A-Za-z0-9]+)`)
	texSymbol = strings.NewReplacer(
		"sigmoid(", `\sigma(`, "tanh(", `\tanh(`, "relu'(", `\operatorname{relu}'(`,
		"relu(", `\operatorname{relu}(`, "leaky'(", `\operatorname{leaky}'(`,
		"leaky(", `\operatorname{leaky}(`, "softmax", `\operatorname{softmax}`,
		"log(", `\log(`, "max(", `\max(`,
		"δ", `\delta `, "α", `\alpha `, "Σ", `\sum`, "·", ` \cdot `, "∂", `\partial `,
		"←", ` \leftarrow `, "²", "^2", "≤", ` \le `, "⊙", ` \odot `, "ᵀ", "^T",
		"…", `\dots `, "½", `\tfrac{1}{2}`, "→", ` \to `, "×", ` \times `, "−", "-",
		"≠", ` \ne `, "%", `\%`,
	)
)

// tex translates a formula in the text notation (z2_1, w3_12, δ3_1, a^(l-1),
// sigmoid(0.8), ·, Σ, 1.2e-05) to LaTeX (z^{2}_{1}, w^{3}_{12}, \delta^{3}_{1},
// a^{l-1}, \sigma(0.8), \cdot, \sum, 1.2 \times 10^{-5}).
func tex(s string) string {
	s = texExp.ReplaceAllStringFunc(s, func(m string) string {
		p := texExp.FindStringSubmatch(m)
		sign := ""
		if p[2] == "-" {
			sign = "-"
		}
		return p[1] + ` \times 10^{` + sign + p[3] + `}`
	})
	s = texSup.ReplaceAllString(s, "^{$1}")
	s = texName.ReplaceAllStringFunc(s, func(m string) string {
		p := texName.FindStringSubmatch(m)
		if p[4] == "" {
			return p[1] + p[2] + "^{" + p[3] + "}"
		}
		return p[1] + p[2] + "^{" + p[3] + "}_{" + p[4] + "}"
	})
	s = texSub.ReplaceAllString(s, "_{$1}")
	s = texSymbol.Replace(s)
	s = strings.ReplaceAll(s, "   ", ` \quad `) // the gap before a note
	return strings.Join(strings.Fields(s), " ")
}
