package main

import (
	"flag"
	"strings"
)

// sepUsage is the help of --sep, the same for every verb that reads CSV.
const sepUsage = "field separator of CSV data: , ; | or tab (default: detected from the header line)"

// parseSep reads --sep: "" (detect), ",", ";", "|", or tab (as "tab",
// "\t" or a tab character).
func parseSep(verb, s string) (rune, error) {
	switch s {
	case "", "auto":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case ",", ";", "|":
		return rune(s[0]), nil
	}
	return 0, usagef("%s: --sep %q: want , ; | or tab", verb, s)
}

// addSep declares --sep on fs.
func addSep(fs *flag.FlagSet) *string {
	return fs.String("sep", "", sepUsage)
}

// parseIgnore reads --ignore COL,...: column names, none empty or twice.
func parseIgnore(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var names []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			return nil, usagef("train: --ignore %q: an empty column name", s)
		}
		names = append(names, c)
	}
	seen := map[string]bool{}
	for _, c := range names {
		if seen[c] {
			return nil, usagef("train: --ignore: column %q named twice", c)
		}
		seen[c] = true
	}
	return names, nil
}
