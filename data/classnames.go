package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Class names come from folder names, which on Linux are arbitrary bytes. JSON strings are Unicode, so
// class_indices.json (and the checkpoint's class list) encode a name that is not valid UTF-8 the way
// Python's os.fsdecode (surrogateescape) does: each byte 0xXX that is not part of a valid UTF-8 sequence
// becomes the lone surrogate escape \udcXX (0x80 <= XX <= 0xff). Valid UTF-8 never contains surrogates,
// so the encoding is unambiguous and round-trips; Python's json.load plus os.fsencode gives back the
// same bytes.

// EncodeClassName returns name as a JSON string literal, quotes included, escaping invalid UTF-8 bytes
// as \udcXX.
func EncodeClassName(name string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\u%04x`, 0xdc00+int(name[i]))
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			switch r {
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\r':
				b.WriteString(`\r`)
			default:
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(name[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// DecodeClassName decodes a JSON string literal (quotes included) written by EncodeClassName or any JSON
// encoder, turning lone \udc80..\udcff escapes back into the bytes they stand for.
func DecodeClassName(lit string) (string, error) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", errors.New("not a JSON string")
	}
	s := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			if c < 0x20 || c == '"' {
				return "", fmt.Errorf("unescaped %q in a JSON string", c)
			}
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("JSON string ends in a backslash")
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, err := hex4(s, i+2)
			if err != nil {
				return "", err
			}
			i += 6
			switch {
			case r >= 0xd800 && r < 0xdc00 && strings.HasPrefix(s[i:], `\u`): // a surrogate pair?
				if r2, err := hex4(s, i+2); err == nil && r2 >= 0xdc00 && r2 < 0xe000 {
					b.WriteRune(utf16.DecodeRune(r, r2))
					i += 6
					continue
				}
				b.WriteRune(utf8.RuneError)
			case r >= 0xdc80 && r <= 0xdcff: // an escaped raw byte
				b.WriteByte(byte(r - 0xdc00))
			case r >= 0xd800 && r < 0xe000:
				b.WriteRune(utf8.RuneError)
			default:
				b.WriteRune(r)
			}
			continue
		default:
			return "", fmt.Errorf(`invalid escape \%c in a JSON string`, e)
		}
		i += 2
	}
	return b.String(), nil
}

func hex4(s string, at int) (rune, error) {
	if at+4 > len(s) {
		return 0, errors.New(`short \u escape in a JSON string`)
	}
	v, err := strconv.ParseUint(s[at:at+4], 16, 32)
	if err != nil {
		return 0, fmt.Errorf(`bad \u escape %q in a JSON string`, s[at:at+4])
	}
	return rune(v), nil
}

// EncodeClassList is a JSON array of the names, each encoded by EncodeClassName (the checkpoint's class
// list).
func EncodeClassList(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = EncodeClassName(n)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// DecodeClassList reads a JSON array of class names written by EncodeClassList (or any JSON encoder).
func DecodeClassList(s string) ([]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	out := make([]string, len(raw))
	for i, r := range raw {
		name, err := DecodeClassName(string(r))
		if err != nil {
			return nil, fmt.Errorf("class %d: %w", i, err)
		}
		out[i] = name
	}
	return out, nil
}
