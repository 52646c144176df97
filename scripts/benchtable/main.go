// Command benchtable turns the outputs collected by scripts/bench into one
// Markdown table: every `go test -bench` metric and every JSON line with a
// "bench" key, with the date, machine and commit of the run.
//
//	go run ./scripts/benchtable -commit abc123 DIR
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

type row struct{ section, name, value string }

// gitsyncRow is a result line of scripts/bench_gitsync.sh.
var gitsyncRow = regexp.MustCompile(`^(no-change sync of \d+ repositories|first mirror \([^)]*\)|fetch after \d+ new commits)\s+(.*)$`)

func main() {
	commit := flag.String("commit", "", "commit of the run")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: benchtable [-commit C] DIR")
		os.Exit(2)
	}
	files, _ := filepath.Glob(filepath.Join(flag.Arg(0), "*.out"))
	jsonl, _ := filepath.Glob(filepath.Join(flag.Arg(0), "*.jsonl"))
	files = append(files, jsonl...)
	sort.Strings(files)
	var rows []row
	for _, f := range files {
		rows = append(rows, parse(f)...)
	}
	rows = append(rows, derived(rows)...)
	host, _ := os.Hostname()
	fmt.Printf("Date: %s · machine: %s, %d cores, %s · commit: %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), cpuModel(), *commit)
	fmt.Println("| area | measure | value |")
	fmt.Println("|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s |\n", r.section, r.name, r.value)
	}
}

func parse(path string) []row {
	section := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".out"), ".jsonl")
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []row
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			fs := strings.Fields(line)
			if len(fs) < 4 {
				continue
			}
			name := strings.TrimPrefix(fs[0], "Benchmark")
			if i := strings.LastIndexByte(name, '-'); i > 0 {
				if _, err := strconv.Atoi(name[i+1:]); err == nil {
					name = name[:i]
				}
			}
			for i := 2; i+1 < len(fs); i += 2 {
				out = append(out, row{section, name + " " + fs[i+1], fs[i]})
			}
		case gitsyncRow.MatchString(line):
			// scripts/bench_gitsync.sh's table: operation, acervo s, git s,
			// time ×, paired ×, acervo cpu, git cpu, cpu ×, acervo MiB,
			// git MiB, mem ×, load.
			m := gitsyncRow.FindStringSubmatch(line)
			fs := strings.Fields(m[2])
			if len(fs) < 10 {
				continue
			}
			for i, k := range []string{"acervo s", "git s", "time ×", "paired ×", "acervo cpu s", "git cpu s", "cpu ×", "acervo MiB", "git MiB", "memory ×"} {
				out = append(out, row{section, m[1] + " " + k, fs[i]})
			}
		case strings.HasPrefix(line, "{") && strings.Contains(line, `"page"`) && !strings.Contains(line, `"bench"`):
			// The web benchmark's pages (ACERVO_BENCH_OUT of web's BenchmarkPages).
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil {
				continue
			}
			page, _ := m["page"].(string)
			for _, k := range []string{"p50_ms", "p95_ms", "max_ms", "requests"} {
				if v, ok := m[k]; ok {
					out = append(out, row{section, "page " + page + " " + k, format(v)})
				}
			}
		case strings.HasPrefix(line, "{") && strings.Contains(line, `"bench"`):
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil {
				continue
			}
			name, _ := m["bench"].(string)
			keys := make([]string, 0, len(m))
			for k := range m {
				if k != "bench" {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				out = append(out, row{section, name + " " + k, format(m[k])})
			}
		}
	}
	return out
}

// derived adds the ratios a benchmark's reference makes: the store's
// insert against sqlite3's .import of the same rows into the same schema.
func derived(rows []row) []row {
	val := func(section, name string) float64 {
		for _, r := range rows {
			if r.section == section && r.name == name {
				v, err := strconv.ParseFloat(r.value, 64)
				if err == nil {
					return v
				}
			}
		}
		return 0
	}
	var out []row
	if store, ref := val("store", "InsertPurchases rows/s"), val("store", "InsertPurchasesSQLite3 rows/s"); store > 0 && ref > 0 {
		out = append(out, row{"store", "insert time ÷ sqlite3 .import of the same rows and schema (×)", strconv.FormatFloat(ref/store, 'f', 2, 64)})
	}
	return out
}

func format(v any) string {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	case string:
		return strings.ReplaceAll(x, "|", "\\|")
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return strings.ReplaceAll(string(b), "|", "\\|")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.IndexByte(l, ':'); i > 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return runtime.GOARCH
}
