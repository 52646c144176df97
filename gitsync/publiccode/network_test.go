package publiccode

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestNetworkChecks runs the network checks against a server on loopback,
// through the client the caller passes (as gitsync passes its egress
// client).
func TestNetworkChecks(t *testing.T) {
	png := pngBytes(t)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/repo.git", "/docs":
			w.Write([]byte("ok"))
		case "/logo.png":
			w.Write(png)
		case "/fake.png":
			w.Write([]byte("<html>not an image</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	doc := strings.NewReplacer(
		`url: "https://gitlab.example.gov.co/gestion/orfeo.git"`,
		"url: "+srv.URL+"/repo.git\nlandingURL: "+srv.URL+"/docs\nroadmap: "+srv.URL+"/roadmap\nlogo: "+srv.URL+"/logo.png",
		"    features:", "    documentation: "+srv.URL+"/missing\n    features:",
		"      - Radicación de entrada y salida", "      - Radicación de entrada y salida\n    screenshots:\n      - "+srv.URL+"/fake.png\n    videos:\n      - https://www.youtube.com/watch?v=x",
	).Replace(minimal)

	t.Run("on", func(t *testing.T) {
		f, findings := ParseContext(context.Background(), []byte(doc), Options{Network: true, HTTPClient: srv.Client()})
		if f == nil {
			t.Fatalf("%+v", findings)
		}
		got := keys(findings)
		want := []string{"error roadmap 5:1", "error description.es.screenshots[0] 27:9", "error description.es.documentation 23:5"}
		sortStrings(got)
		sortStrings(want)
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("got  %v\nwant %v\n%+v", got, want, findings)
		}
		// Only the oEmbed check stays skipped.
		if len(f.Skipped) != 1 || f.Skipped[0].Check != "oembed" {
			t.Errorf("skipped: %+v", f.Skipped)
		}
	})
	t.Run("off", func(t *testing.T) {
		before := requests.Load()
		f, findings := Parse([]byte(doc), Options{})
		if len(findings) != 0 {
			t.Errorf("findings offline: %+v", findings)
		}
		checks := map[string]string{}
		for _, s := range f.Skipped {
			checks[s.Key] = s.Check
		}
		for key, check := range map[string]string{
			"url": "reachability", "landingURL": "reachability", "roadmap": "reachability", "logo": "remote-image",
			"description.es.documentation": "reachability", "description.es.screenshots[0]": "remote-image", "description.es.videos[0]": "oembed",
		} {
			if checks[key] != check {
				t.Errorf("%s: skipped check %q, want %q", key, checks[key], check)
			}
		}
		if requests.Load() != before {
			t.Errorf("the server was called with the network off")
		}
	})
	t.Run("on without a client", func(t *testing.T) {
		f, findings := Parse([]byte(doc), Options{Network: true})
		if len(findings) != 0 || len(f.Skipped) != 7 || !strings.Contains(f.Skipped[0].Reason, "no HTTP client") {
			t.Errorf("findings %+v skipped %+v", findings, f.Skipped)
		}
	})
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
