package registry

import (
	"errors"
	"strings"
)

// Constraint is a semver constraint: comparisons joined by spaces or commas
// (AND), alternatives joined by "||" (OR). Operators: = != > >= < <= ~ ^ and
// x-ranges (1.2.x, 1.x).
type Constraint struct {
	alts [][]cmp
}

type cmp struct {
	op string
	v  Semver
}

// ParseConstraint parses a constraint such as ">=1.2.0 <2.0.0", "^1.4", "~2.1.3 || 3.x".
func ParseConstraint(s string) (Constraint, error) {
	var c Constraint
	for _, alt := range strings.Split(s, "||") {
		alt = strings.ReplaceAll(alt, ",", " ")
		var cs []cmp
		fields := strings.Fields(alt)
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			op := ""
			for _, o := range []string{">=", "<=", "!=", ">", "<", "=", "~", "^"} {
				if strings.HasPrefix(f, o) {
					op, f = o, f[len(o):]
					break
				}
			}
			if f == "" && i+1 < len(fields) { // "> 1.2.0"
				i++
				f = fields[i]
			}
			parsed, err := parsePartial(op, f)
			if err != nil {
				return Constraint{}, err
			}
			cs = append(cs, parsed...)
		}
		if len(cs) == 0 {
			return Constraint{}, errors.New("empty constraint")
		}
		c.alts = append(c.alts, cs)
	}
	return c, nil
}

// parsePartial expands a possibly partial version with its operator.
func parsePartial(op, s string) ([]cmp, error) {
	s = strings.TrimPrefix(s, "v")
	if s == "*" || s == "x" || s == "X" {
		return []cmp{{op: ">=", v: Semver{}}}, nil
	}
	parts := strings.SplitN(s, ".", 3)
	n := 0
	var nums [3]uint64
	pre := ""
	for i, p := range parts {
		if p == "x" || p == "X" || p == "*" {
			break
		}
		if i == 2 {
			if j := strings.IndexAny(p, "-+"); j >= 0 {
				pre = p[j:]
				p = p[:j]
			}
		}
		v, ok := ParseSemver("0.0." + p)
		if !ok || v.Pre != "" {
			return nil, errors.New("bad version " + s)
		}
		nums[i] = v.Patch
		n++
	}
	if n == 0 {
		return nil, errors.New("bad version " + s)
	}
	base := Semver{Major: nums[0], Minor: nums[1], Patch: nums[2]}
	if pre != "" {
		full, ok := ParseSemver(base.String() + pre)
		if !ok {
			return nil, errors.New("bad version " + s)
		}
		base = full
	}
	next := func(level int) Semver {
		switch level {
		case 0:
			return Semver{Major: base.Major + 1}
		case 1:
			return Semver{Major: base.Major, Minor: base.Minor + 1}
		}
		return Semver{Major: base.Major, Minor: base.Minor, Patch: base.Patch + 1}
	}
	switch op {
	case "~":
		if n == 1 {
			return []cmp{{">=", base}, {"<", next(0)}}, nil
		}
		return []cmp{{">=", base}, {"<", next(1)}}, nil
	case "^":
		switch {
		case base.Major > 0 || n == 1:
			return []cmp{{">=", base}, {"<", next(0)}}, nil
		case base.Minor > 0 || n == 2:
			return []cmp{{">=", base}, {"<", next(1)}}, nil
		}
		return []cmp{{">=", base}, {"<", next(2)}}, nil
	case "", "=":
		if n < 3 {
			return []cmp{{">=", base}, {"<", next(n - 1)}}, nil
		}
		return []cmp{{"=", base}}, nil
	case ">":
		if n < 3 {
			return []cmp{{">=", next(n - 1)}}, nil
		}
	case "<=":
		if n < 3 {
			return []cmp{{"<", next(n - 1)}}, nil
		}
	}
	return []cmp{{op, base}}, nil
}

// Check reports whether v satisfies the constraint. Prereleases satisfy it
// only when a comparison names a prerelease of the same major.minor.patch.
func (c Constraint) Check(v Semver) bool {
	for _, alt := range c.alts {
		ok := true
		preAllowed := v.Pre == ""
		for _, x := range alt {
			r := v.Compare(x.v)
			switch x.op {
			case "=":
				ok = ok && r == 0
			case "!=":
				ok = ok && r != 0
			case ">":
				ok = ok && r > 0
			case ">=":
				ok = ok && r >= 0
			case "<":
				ok = ok && r < 0
			case "<=":
				ok = ok && r <= 0
			}
			if x.v.Pre != "" && x.v.Major == v.Major && x.v.Minor == v.Minor && x.v.Patch == v.Patch {
				preAllowed = true
			}
		}
		if ok && preAllowed {
			return true
		}
	}
	return false
}
