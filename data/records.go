package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unsafe"
)

// recordReader is what a csvParser reads records with: encoding/csv's
// Reader, or a recordScanner.
type recordReader interface {
	Read() ([]string, error)
	FieldPos(field int) (line, column int)
}

// recordScanner reads CSV records as encoding/csv's Reader does with
// Comma sep, TrimLeadingSpace and any number of fields — the same records,
// fields and field lines — but allocates nothing per record: a record's
// fields are strings over a buffer it reuses, valid until the next Read.
// Whoever keeps one copies it (csvParser clones what it keeps).
//
// It reads the passes of a Table after the first, on input that the first
// pass read with encoding/csv without error. On input that encoding/csv
// refuses it returns an error (not encoding/csv's), never a wrong record
// where encoding/csv gives one.
type recordScanner struct {
	br     *bufio.Reader
	sep    byte // an ASCII separator (see Separators)
	line   int  // lines read
	raw    []byte
	buf    []byte   // the fields of the record, unquoted, one after another
	ends   []int    // where each field ends in buf
	lines  []int    // the line each field starts on
	fields []string // over buf
}

func newRecordScanner(br *bufio.Reader, sep rune) *recordScanner {
	return &recordScanner{br: br, sep: byte(sep)}
}

var errQuote = errors.New(`a quote where a field cannot have one`)

// readLine reads a line with its "\n" (none at the end of the input), a
// "\r\n" ending as "\n", a "\r" before the end of the input dropped, as
// encoding/csv does.
func (s *recordScanner) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.raw = append(s.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = s.br.ReadSlice('\n')
			s.raw = append(s.raw, line...)
		}
		line = s.raw
	}
	if n := len(line); n > 0 && err == io.EOF {
		err = nil
		if line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	s.line++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

// nlLen is the length of line's "\n" ending (0 or 1).
func nlLen(line []byte) int {
	if len(line) > 0 && line[len(line)-1] == '\n' {
		return 1
	}
	return 0
}

// Read returns the next record; io.EOF at the end of the input.
func (s *recordScanner) Read() ([]string, error) {
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = s.readLine()
		if errRead == nil && len(line) == nlLen(line) {
			continue // an empty line
		}
		break
	}
	if errRead == io.EOF {
		return nil, io.EOF
	}
	s.buf, s.ends, s.lines = s.buf[:0], s.ends[:0], s.lines[:0]
	for {
		if i := bytes.IndexFunc(line, func(r rune) bool { return !unicode.IsSpace(r) }); i < 0 {
			line = line[len(line):]
		} else {
			line = line[i:]
		}
		if len(line) == 0 || line[0] != '"' { // a field not quoted
			i := bytes.IndexByte(line, s.sep)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-nlLen(field)]
			}
			if bytes.IndexByte(field, '"') >= 0 {
				return nil, s.errorf(errQuote)
			}
			s.buf = append(s.buf, field...)
			s.ends, s.lines = append(s.ends, len(s.buf)), append(s.lines, s.line)
			if i < 0 {
				break
			}
			line = line[i+1:]
			continue
		}
		start := s.line // a quoted field
		line = line[1:]
		done := false
		for !done {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				s.buf = append(s.buf, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					s.buf = append(s.buf, '"')
					line = line[1:]
				case len(line) > 0 && line[0] == s.sep: // the end of the field
					line = line[1:]
					s.ends, s.lines = append(s.ends, len(s.buf)), append(s.lines, start)
					done = true
				case len(line) == nlLen(line): // the end of the record
					s.ends, s.lines = append(s.ends, len(s.buf)), append(s.lines, start)
					return s.record(errRead)
				default:
					return nil, s.errorf(errQuote)
				}
			case len(line) > 0: // the field goes on to the next line
				s.buf = append(s.buf, line...)
				if errRead != nil {
					return nil, s.errorf(errRead)
				}
				line, errRead = s.readLine()
				if errRead == io.EOF {
					errRead = nil
				}
			default: // the input ends inside quotes
				if errRead == nil {
					return nil, s.errorf(errQuote)
				}
				s.ends, s.lines = append(s.ends, len(s.buf)), append(s.lines, start)
				return s.record(errRead)
			}
		}
	}
	return s.record(errRead)
}

// record returns the fields read, as strings over s.buf.
func (s *recordScanner) record(errRead error) ([]string, error) {
	if errRead != nil && errRead != io.EOF {
		return nil, errRead
	}
	s.fields = s.fields[:0]
	start := 0
	for _, end := range s.ends {
		var f string
		if end > start {
			f = unsafe.String(&s.buf[start], end-start)
		}
		s.fields = append(s.fields, f)
		start = end
	}
	return s.fields, nil
}

func (s *recordScanner) errorf(err error) error {
	return fmt.Errorf("line %d: %w", s.line, err)
}

// FieldPos returns the line field of the last record starts on (the
// column is not kept: 0).
func (s *recordScanner) FieldPos(field int) (line, column int) {
	if field < 0 || field >= len(s.lines) {
		return s.line, 0
	}
	return s.lines[field], 0
}
