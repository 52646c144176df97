package procurement

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SODAOptions tune a remote import from a Socrata (datos.gov.co) endpoint.
type SODAOptions struct {
	// AppToken is sent as X-App-Token when set (ACERVO_SODA_APP_TOKEN).
	AppToken string
	// PageSize is $limit per request (default 5,000; a page is held in
	// memory so that a page cut in the middle can be asked again whole).
	PageSize int
	// Retries is how many times a failed page is asked again (default 6),
	// waiting Backoff, 2×Backoff, 4×Backoff… (default 1 s, at most 1 min).
	Retries int
	Backoff time.Duration
	// Client is the HTTP client (default: 2-minute timeout).
	Client *http.Client
}

// sodaDatasets maps datos.gov.co dataset ids to datasets.
var sodaDatasets = map[string]Dataset{
	"jbjy-vk9h": SECOP2Contracts,
	"p6dx-8zbt": SECOP2Processes,
	"f789-7hwg": SECOP1,
	"rgxm-mmea": TVEC,
	"rpmr-utcd": Integrado,
}

// ImportURL imports a SODA resource URL
// (https://www.datos.gov.co/resource/jbjy-vk9h.json?$where=…): it pages in
// a stable order ($order=:id unless the URL orders otherwise, then
// $limit/$offset), retries failed pages with backoff (a page cut in the
// middle is asked again and its rows already read are skipped), and resumes
// an unfinished earlier run of the same URL from its checkpoint (rows
// repeated across the checkpoint are then not recognised as repeats).
func (im *Importer) ImportURL(ctx context.Context, rawURL string, so SODAOptions) (Summary, error) {
	src, name, err := im.openSODA(ctx, rawURL, so)
	if err != nil {
		return Summary{}, err
	}
	h := sha256.Sum256([]byte(name))
	return im.run(ctx, src, name, "url:"+hex.EncodeToString(h[:16]), -1)
}

// SourceName is how an input is recorded in its import run: a file's
// absolute path, or a URL without credentials ($$app_token dropped).
func SourceName(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	q := u.Query()
	q.Del("$$app_token")
	u.User = nil
	u.RawQuery = q.Encode()
	return u.String()
}

type sodaSource struct {
	ctx      context.Context
	base     *url.URL
	query    url.Values
	opts     SODAOptions
	fmt      Format
	log      *slog.Logger
	cap      int64 // the URL's own $limit, -1 for none
	pageOff  int64 // $offset of the current page
	inPage   int64 // rows of the current page already yielded
	pageRows []map[string]json.RawMessage
	pageIdx  int
	done     bool
	bytes    int64
	index    int64
}

func (im *Importer) openSODA(ctx context.Context, rawURL string, so SODAOptions) (*sodaSource, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, "", fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	if so.PageSize <= 0 {
		so.PageSize = 5000
	}
	if so.Retries <= 0 {
		so.Retries = 6
	}
	if so.Backoff <= 0 {
		so.Backoff = time.Second
	}
	if so.Client == nil {
		so.Client = &http.Client{Timeout: 2 * time.Minute}
	}
	q := u.Query()
	if t := q.Get("$$app_token"); t != "" && so.AppToken == "" {
		so.AppToken = t
	}
	q.Del("$$app_token")
	s := &sodaSource{ctx: ctx, query: q, opts: so, log: im.log, cap: -1}
	if v := q.Get("$limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("$limit=%q is not a number", v)
		}
		s.cap = n
	}
	if v := q.Get("$offset"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("$offset=%q is not a number", v)
		}
		s.pageOff = n
	}
	q.Del("$limit")
	q.Del("$offset")
	if q.Get("$order") == "" {
		q.Set("$order", ":id")
	}
	if !strings.HasSuffix(u.Path, ".json") {
		return nil, "", fmt.Errorf("%s: only SODA JSON resources (/resource/<id>.json) are read remotely", u.Path)
	}
	id := strings.TrimSuffix(u.Path[strings.LastIndex(u.Path, "/")+1:], ".json")
	base := *u
	base.RawQuery = ""
	s.base = &base
	d, ok := sodaDatasets[id]
	if !ok {
		// Unknown id: look at one row.
		probe := *s
		probe.opts.PageSize = 1
		if err := probe.fetch(0); err != nil {
			return nil, "", err
		}
		if len(probe.pageRows) == 0 {
			return nil, "", fmt.Errorf("%w: dataset %s returned no rows", ErrUnknownFormat, id)
		}
		keys := map[string]bool{}
		for k := range probe.pageRows[0] {
			keys[k] = true
		}
		if d = detectObject(keys); d == UnknownDataset || d == OCDS {
			return nil, "", fmt.Errorf("%w: dataset %s is none of the datasets the importer reads", ErrUnknownFormat, id)
		}
	}
	if fam := im.opts.Family; fam != "" && fam != "auto" && d.Family() != fam {
		return nil, "", fmt.Errorf("%w: dataset %s holds %s, not %s", ErrUnknownFormat, id, d, fam)
	}
	s.fmt = Format{Dataset: d, Encoding: EncSODAJSON}
	name := SourceName(rawURL)
	return s, name, nil
}

// startAt makes the source begin after the rows a checkpoint covers.
func (s *sodaSource) startAt(rows int64) {
	s.pageOff += rows
	s.index = rows
	if s.cap >= 0 {
		s.cap -= rows
	}
}

func (s *sodaSource) format() Format { return s.fmt }
func (s *sodaSource) close()         {}

func (s *sodaSource) next() (item, error) {
	for s.pageIdx >= len(s.pageRows) {
		if s.done {
			return item{}, io.EOF
		}
		if len(s.pageRows) > 0 {
			s.pageOff += int64(len(s.pageRows))
			if s.cap >= 0 {
				s.cap -= int64(len(s.pageRows))
			}
		}
		if s.cap == 0 {
			return item{}, io.EOF
		}
		if err := s.fetchRetrying(); err != nil {
			return item{}, err
		}
		if len(s.pageRows) == 0 {
			return item{}, io.EOF
		}
	}
	m := s.pageRows[s.pageIdx]
	s.pageIdx++
	s.index++
	row := &Row{Line: int(s.index), Index: s.index - 1, obj: flattenJSON(m)}
	return item{row: row, line: int(s.index)}, nil
}

func (s *sodaSource) offset() int64 { return s.bytes }

func (s *sodaSource) pageSize() int64 {
	n := int64(s.opts.PageSize)
	if s.cap >= 0 && s.cap < n {
		n = s.cap
	}
	return n
}

// fetchRetrying reads the page at s.pageOff, asking again on failures.
func (s *sodaSource) fetchRetrying() error {
	wait := s.opts.Backoff
	var err error
	for attempt := 0; attempt <= s.opts.Retries; attempt++ {
		if attempt > 0 {
			s.log.Warn("soda: page failed, retrying", "offset", s.pageOff, "attempt", attempt, "wait", wait, "err", err)
			t := time.NewTimer(wait)
			select {
			case <-s.ctx.Done():
				t.Stop()
				return s.ctx.Err()
			case <-t.C:
			}
			wait = min(2*wait, time.Minute)
		}
		err = s.fetch(s.pageSize())
		if err == nil {
			return nil
		}
		var pe permanentError
		if errors.As(err, &pe) || s.ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("SODA page at $offset=%d failed %d times: %w", s.pageOff, s.opts.Retries+1, err)
}

type permanentError struct{ error }

// fetch reads one page into memory-light row objects.
func (s *sodaSource) fetch(limit int64) error {
	q := url.Values{}
	for k, v := range s.query {
		q[k] = v
	}
	q.Set("$limit", strconv.FormatInt(limit, 10))
	q.Set("$offset", strconv.FormatInt(s.pageOff, 10))
	u := *s.base
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Accept", "application/json")
	if s.opts.AppToken != "" {
		req.Header.Set("X-App-Token", s.opts.AppToken)
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return permanentError{fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))}
	}
	cr := &countingReader{r: resp.Body}
	jr := NewJSONReader(cr)
	defer jr.Close()
	var rows []map[string]json.RawMessage
	for {
		it, err := jr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("page at $offset=%d: %w", s.pageOff, err)
		}
		var m map[string]json.RawMessage
		if it.Kind != "element" || json.Unmarshal(it.Raw, &m) != nil {
			return permanentError{fmt.Errorf("page at $offset=%d is not an array of objects", s.pageOff)}
		}
		rows = append(rows, m)
	}
	s.bytes += cr.n
	s.pageRows, s.pageIdx = rows, 0
	if int64(len(rows)) < limit {
		s.done = true
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
