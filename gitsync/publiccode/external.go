package publiccode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// Limits of the checks that read files or the network.
const (
	maxImageBytes  = 10 << 20 // a logo or screenshot read to check it
	networkTimeout = 30 * time.Second
)

var (
	logoExts       = []string{".svg", ".svgz", ".png"}
	screenshotExts = []string{".png", ".jpg", ".jpeg"}
)

// external runs the checks that look outside the file: repository files
// (with Options.RepoRoot) and the network (with Options.Network). Checks
// that cannot run are listed in File.Skipped.
func (p *parser) external() {
	f := p.f
	p.reachable("url", f.URL)
	p.reachable("landingURL", f.LandingURL)
	p.reachable("roadmap", f.Roadmap)
	p.image("logo", f.Logo, logoExts, false)
	p.image("monochromeLogo", f.MonochromeLogo, logoExts, false)
	langs := make([]string, 0, len(f.Description))
	for l := range f.Description {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		d := f.Description[lang]
		base := childPath("description", lang)
		p.reachable(base+".documentation", d.Documentation)
		p.reachable(base+".apiDocumentation", d.APIDocumentation)
		for i, s := range d.Screenshots {
			p.image(indexPath(base+".screenshots", i), s, screenshotExts, true)
		}
		for i, v := range d.Videos {
			if validHTTPURL(v) {
				p.skip(indexPath(base+".videos", i), "oembed", "%s is not checked against the oEmbed providers: Acervo does not perform this check", v)
			}
		}
	}
	if a := f.Legal.AuthorsFile; a != "" {
		p.repoFile("legal.authorsFile", a)
	}
}

// networkOff returns why network checks cannot run, or "".
func (p *parser) networkOff() string {
	switch {
	case !p.opts.Network:
		return "network checks are off"
	case p.opts.HTTPClient == nil:
		return "no HTTP client was configured for network checks"
	}
	return ""
}

// reachable checks that an HTTP URL answers; invalid URLs already have
// their error and are not tried.
func (p *parser) reachable(path, u string) {
	if u == "" || !validHTTPURL(u) {
		return
	}
	if why := p.networkOff(); why != "" {
		p.skip(path, "reachability", "'%s' is not checked for reachability: %s", u, why)
		return
	}
	if _, err := p.get(u, 0); err != nil {
		p.errPath(path, "'%s' not reachable: %v", u, err)
	}
}

// get fetches u with the caller's client, keeping at most limit bytes of
// the body (none when limit is 0).
func (p *parser) get(u string, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.ctx, networkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "acervo-publiccode-validator")
	resp, err := p.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	if limit == 0 {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return body, nil
}

// image checks a logo or a screenshot: a relative path inside the
// repository or an http(s) URL, with an accepted extension, that exists and
// decodes.
func (p *parser) image(key, value string, exts []string, screenshot bool) {
	if value == "" {
		return
	}
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if screenshot {
			msg = fmt.Sprintf("'%s' is not an image: %s", value, msg)
		}
		p.errPath(key, "%s", msg)
	}
	u, err := url.Parse(value)
	if err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		switch strings.ToLower(u.Scheme) {
		case "file":
			fail("%s is a file:// URL: only paths relative to the repository root or http(s) URLs are allowed", value)
			return
		case "http", "https":
		default:
			fail("%s: only paths relative to the repository root or http(s) URLs are allowed", value)
			return
		}
		if !hasExt(u.Path, exts) {
			fail("invalid file extension for: %s (allowed: %s)", value, strings.Join(exts, ", "))
			return
		}
		if why := p.networkOff(); why != "" {
			p.skip(key, "remote-image", "the image at %s is not checked: %s", value, why)
			return
		}
		body, err := p.get(value, maxImageBytes)
		if err != nil {
			fail("HTTP GET failed for %s: %v", value, err)
			return
		}
		if err := checkImage(path.Ext(strings.ToLower(u.Path)), body); err != nil {
			fail("%v", err)
		}
		return
	}
	if strings.HasPrefix(value, "/") || strings.HasPrefix(value, `\`) || (len(value) > 1 && value[1] == ':') {
		fail("%s is an absolute path: write it relative to the repository root", value)
		return
	}
	if !hasExt(value, exts) {
		fail("invalid file extension for: %s (allowed: %s)", value, strings.Join(exts, ", "))
		return
	}
	data, err := p.readRepoFile(key, value, maxImageBytes)
	if err != nil {
		if !errors.Is(err, errSkipped) {
			fail("%v", err)
		}
		return
	}
	if err := checkImage(path.Ext(strings.ToLower(value)), data); err != nil {
		fail("%v", err)
	}
}

// repoFile checks that a file named by a path relative to the repository
// root exists.
func (p *parser) repoFile(key, value string) {
	if strings.HasPrefix(value, "/") || strings.Contains(value, "://") {
		p.errPath(key, "'%s' must be a path relative to the repository root", value)
		return
	}
	if _, err := p.readRepoFile(key, value, 0); err != nil && !errors.Is(err, errSkipped) {
		p.errPath(key, "'%s' does not exist: %v", value, err)
	}
}

var errSkipped = errors.New("skipped")

// readRepoFile reads up to limit bytes of a file of Options.RepoRoot
// (nothing when limit is 0: it only checks that the file exists). Without
// a RepoRoot the check is recorded as skipped and errSkipped returned.
func (p *parser) readRepoFile(key, value string, limit int64) ([]byte, error) {
	if p.opts.RepoRoot == nil {
		p.skip(key, "repo-file", "'%s' is not checked: the file was not read from a repository", value)
		return nil, errSkipped
	}
	name := path.Clean(strings.TrimPrefix(value, "./"))
	if !fs.ValidPath(name) || name == "." {
		return nil, fmt.Errorf("%s is outside the repository", value)
	}
	fi, err := fs.Stat(p.opts.RepoRoot, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no such file: %s", name)
		}
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a file", name)
	}
	if limit == 0 {
		return nil, nil
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	file, err := p.opts.RepoRoot.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, limit))
}

func hasExt(name string, exts []string) bool {
	return oneOf(strings.ToLower(path.Ext(name)), exts)
}

// checkImage checks that data is an image of the format its extension
// says. Raster images are decoded up to their header only.
func checkImage(ext string, data []byte) error {
	var err error
	switch ext {
	case ".png":
		_, err = png.DecodeConfig(bytes.NewReader(data))
	case ".jpg", ".jpeg":
		_, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case ".svg":
		head := data
		if len(head) > 64<<10 {
			head = head[:64<<10]
		}
		if !bytes.Contains(head, []byte("<svg")) {
			return errors.New("image: not an SVG document (no <svg element)")
		}
		return nil
	case ".svgz":
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			return errors.New("image: not a gzip-compressed SVG")
		}
		return nil
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", image.ErrFormat, err)
	}
	return nil
}
