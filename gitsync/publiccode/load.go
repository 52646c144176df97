package publiccode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/acervo-co/acervo/registry"
)

// parser holds one run of Parse.
type parser struct {
	opts     Options
	ctx      context.Context
	root     *yaml.Node // the document's top-level mapping
	findings []registry.Finding
	f        *File
	typeErrs int      // type errors met so far
	pending  []string // key paths decoded in the current top-level key
	keyIndex map[*yaml.Node]map[string]int
}

func (p *parser) add(severity, key string, line, col int, format string, args ...any) {
	p.findings = append(p.findings, registry.Finding{
		Severity: severity, Key: key, Message: fmt.Sprintf(format, args...), Line: line, Column: col,
	})
}

func (p *parser) errAt(key string, line, col int, format string, args ...any) {
	p.add(SeverityError, key, line, col, format, args...)
}

// refuse records the one finding of a file refused before validation.
func (p *parser) refuse(format string, args ...any) {
	p.add(SeverityError, "", 0, 0, refusalPrefix+format, args...)
}

func (p *parser) run(data []byte) *File {
	if max := p.opts.maxSize(); len(data) > max {
		p.refuse("the file has %d bytes, more than the limit of %d", len(data), max)
		return nil
	}
	if !utf8.Valid(data) {
		line, col := firstInvalidUTF8(data)
		p.errAt("", line, col, "invalid UTF-8: publiccode.yml must be encoded in UTF-8")
		return nil
	}
	root, ok := p.load(data)
	if !ok {
		return nil
	}
	if root == nil {
		// An empty document (or only comments): the first required key is
		// what is missing.
		p.errAt("publiccodeYmlVersion", 0, 0, "publiccodeYmlVersion is a required field")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.errAt("", root.Line, root.Column, "the document must be a mapping of keys to values, not a %s", kindName(root))
		return nil
	}
	if !p.checkLimits(root) {
		return nil
	}
	p.root = root
	p.f = &File{present: map[string]bool{}}
	p.decode()
	p.checkVersion()
	p.validate()
	p.external()
	return p.f
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// load parses exactly one YAML document. It returns the document's content
// node, nil for an empty document, and false after a syntax error.
func (p *parser) load(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		p.syntaxError(err)
		return nil, false
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		line := second.Line
		if len(second.Content) > 0 {
			line = second.Content[0].Line
		}
		p.errAt("", line, 1, "the file holds more than one YAML document")
		return nil, false
	} else if !errors.Is(err, io.EOF) {
		p.syntaxError(err)
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, true
	}
	return doc.Content[0], true
}

func (p *parser) syntaxError(err error) {
	msg := err.Error()
	line, col := 0, 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		col = 1
		msg = m[2]
	}
	p.errAt("", line, col, "invalid YAML: %s", msg)
}

// checkLimits refuses documents with too many aliases, aliases that would
// expand past maxExpandedNodes (billion laughs), recursive aliases, or
// collections nested deeper than maxDepth. Nothing is expanded here: sizes
// are computed once per node.
func (p *parser) checkLimits(root *yaml.Node) bool {
	// The tree as written: nesting and alias count.
	aliases, tooDeep := 0, false
	var scan func(n *yaml.Node, depth int)
	scan = func(n *yaml.Node, depth int) {
		if depth > maxDepth {
			tooDeep = true
			return
		}
		if n.Kind == yaml.AliasNode {
			aliases++
		}
		for _, c := range n.Content {
			if tooDeep {
				return
			}
			scan(c, depth+1)
		}
	}
	scan(root, 0)
	if tooDeep {
		p.refuse("the document nests collections deeper than %d levels", maxDepth)
		return false
	}
	if max := p.opts.maxAliases(); aliases > max {
		p.refuse("the document uses %d YAML aliases, more than the limit of %d", aliases, max)
		return false
	}
	if aliases == 0 {
		return true
	}
	// The tree with every alias expanded, each node's size computed once.
	size := map[*yaml.Node]int{}
	const inProgress = -1
	recursive := false
	var expand func(n *yaml.Node) int
	expand = func(n *yaml.Node) int {
		if s, ok := size[n]; ok {
			if s == inProgress {
				recursive = true
				return 1
			}
			return s
		}
		size[n] = inProgress
		s := 1
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			s += expand(n.Alias)
		}
		for _, c := range n.Content {
			if s > maxExpandedNodes || recursive {
				break
			}
			s += expand(c)
		}
		size[n] = s
		return s
	}
	total := expand(root)
	switch {
	case recursive:
		p.refuse("the document has a recursive YAML alias")
	case total > maxExpandedNodes:
		p.refuse("the document's YAML aliases expand to more than %d nodes", maxExpandedNodes)
	default:
		return true
	}
	return false
}

func firstInvalidUTF8(data []byte) (line, col int) {
	line, col = 1, 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[n:]
	}
	return line, col
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}
