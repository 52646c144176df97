package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/acervo-co/acervo/graphql"
	"github.com/acervo-co/acervo/procurement/match"
	"github.com/acervo-co/acervo/procurement/match/matchql"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/notify"
	"github.com/acervo-co/acervo/registry/search"
)

type linkFlags struct {
	storeFlags
	json        bool
	incremental bool
	propose     bool
	minEntities int
	threshold   float64
}

// linkSummary is the last line of `acervo link --json`.
type linkSummary struct {
	Assets      int   `json:"assets"`
	Purchases   int   `json:"purchases"`
	Matched     int   `json:"matched"`
	Uses        int   `json:"uses"`
	Suggested   int   `json:"suggested"`
	Updated     int   `json:"updated"`
	Unchanged   int   `json:"unchanged"`
	Withdrawn   int   `json:"withdrawn"`
	Proposed    int   `json:"proposed"`
	DurationMs  int64 `json:"durationMs"`
	Incremental bool  `json:"incremental"`
}

// cmdLink runs the purchase ↔ asset matcher: every purchase against every
// asset (or, with --incremental, what changed since the last run), records
// suggestions for people to confirm or reject, and proposes COMMERCIAL
// assets for product names several entities bought.
func cmdLink(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f linkFlags
	fs := newFlags("link", stderr)
	f.storeFlags.register(fs)
	fs.BoolVar(&f.json, "json", false, "print one JSON object per matched purchase, per proposal, then a summary")
	fs.BoolVar(&f.incremental, "incremental", false, "match only what changed since the last run (checkpoint <data>/link.seq)")
	fs.BoolVar(&f.propose, "propose", true, "propose COMMERCIAL assets for product names several entities bought")
	fs.IntVar(&f.minEntities, "min-entities", 3, "entities that must have bought a product name before it is proposed")
	fs.Float64Var(&f.threshold, "threshold", 0.5, "score from which a candidate becomes a suggestion (0 to 1)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "acervo link: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if f.threshold <= 0 || f.threshold > 1 {
		fmt.Fprintf(stderr, "acervo link: --threshold %v: give a score above 0 and at most 1\n", f.threshold)
		return 2
	}
	log := newLogger(stderr, getenv)
	st, err := openStore(ctx, f.storeFlags, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	defer st.Close()
	svc := newService(st, log)
	runner := match.NewRunner(svc, match.Options{Threshold: f.threshold}, match.FileCheckpoint{Path: dataPath(f.storeFlags, "link.seq")},
		match.WithRunnerLogger(log))

	enc := json.NewEncoder(stdout)
	var emit func(match.Result) error
	if f.json {
		emit = func(r match.Result) error { return enc.Encode(r) }
	}
	start := time.Now()
	var stats match.Stats
	if f.incremental {
		stats, err = runner.Incremental(ctx, emit)
	} else {
		stats, err = runner.Full(ctx, emit)
	}
	if err != nil {
		fmt.Fprintf(stderr, "acervo link: %v\n", err)
		return 1
	}
	var proposals []match.Proposal
	if f.propose {
		proposals, err = runner.Propose(ctx, f.minEntities)
		if err != nil {
			fmt.Fprintf(stderr, "acervo link: proposing commercial assets: %v\n", err)
			return 1
		}
		if f.json {
			for _, p := range proposals {
				if err := enc.Encode(map[string]match.Proposal{"proposal": p}); err != nil {
					return 1
				}
			}
		}
	}
	sum := linkSummary{Assets: stats.Assets, Purchases: stats.Purchases, Matched: stats.Matched, Uses: stats.Uses, Suggested: stats.Suggested,
		Updated: stats.Updated, Unchanged: stats.Unchanged, Withdrawn: stats.Withdrawn, Proposed: len(proposals),
		DurationMs: time.Since(start).Milliseconds(), Incremental: f.incremental}
	if f.json {
		_ = enc.Encode(sum)
		return 0
	}
	fmt.Fprintf(stdout, "cotejo de compras / purchase matching: %d compras contra %d activos en %s\n", sum.Purchases, sum.Assets, time.Duration(sum.DurationMs)*time.Millisecond)
	fmt.Fprintf(stdout, "  %d con candidatos / with candidates\n", sum.Matched)
	fmt.Fprintf(stdout, "  %d sugerencias nuevas / new suggestions, %d actualizadas / updated, %d sin cambios / unchanged, %d retiradas / withdrawn\n",
		sum.Suggested, sum.Updated, sum.Unchanged, sum.Withdrawn)
	fmt.Fprintf(stdout, "  %d usos de un sistema que no se enlazan (servicios personales de quien trabaja en él) / uses, not linked\n", sum.Uses)
	if f.propose {
		fmt.Fprintf(stdout, "  %d activos comerciales propuestos / commercial assets proposed\n", sum.Proposed)
		for _, p := range proposals {
			fmt.Fprintf(stdout, "    %s: %d entidades, %d contratos, %s\n", p.Name, p.Entities, p.Purchases, registry.Pesos(p.Total))
		}
	}
	return 0
}

// searchAdapter lets registry's Service search text through the bleve
// index (registry.TextSearcher), for "antes de comprar".
type searchAdapter struct{ ix *search.Index }

func (s searchAdapter) SearchAssetIDs(ctx context.Context, text string, limit int) ([]string, error) {
	active := true
	r, err := s.ix.SearchAssets(ctx, search.AssetQuery{Text: text, Kind: registry.AssetPublic, Active: &active,
		Page: registry.Page{First: min(max(limit, 1), registry.MaxPageSize)}})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

func (s searchAdapter) SearchPurchaseIDs(ctx context.Context, text, unspsc string, limit int) ([]string, error) {
	return s.ix.PurchaseIDs(ctx, search.PurchaseQuery{Text: text, UNSPSC: unspsc}, limit)
}

// textSearcher wraps the index (nil when there is none).
func textSearcher(ix *search.Index) registry.TextSearcher {
	if ix == nil {
		return nil
	}
	return searchAdapter{ix}
}

// matchWorkers is what `acervo serve` runs for the matcher and notices.
type matchWorkers struct {
	Runner    *match.Runner
	Notifier  *notify.Notifier
	Extension graphql.Extension
}

// newMatchWorkers builds the matcher runner (checkpoint <data>/link.seq),
// the notifier (checkpoint <data>/notify.seq; SMTP and webhook settings
// from ACERVO_SMTP_* and ACERVO_WEBHOOK_*) and the GraphQL extension.
// webhookClient should obey the egress policy (entities' endpoints are
// outside URLs); nil uses a plain client.
func newMatchWorkers(svc *registry.Service, sf storeFlags, getenv func(string) string, log *slog.Logger, ix *search.Index, webhookClient *http.Client) (matchWorkers, error) {
	cfg, err := notify.ConfigFromEnv(getenv)
	if err != nil {
		return matchWorkers{}, fmt.Errorf("%w: %v", errSetup, err)
	}
	cfg.Log, cfg.HTTPClient = log, webhookClient
	r := match.NewRunner(svc, match.Options{}, match.FileCheckpoint{Path: dataPath(sf, "link.seq")}, match.WithRunnerLogger(log))
	return matchWorkers{
		Runner:    r,
		Notifier:  notify.New(svc, cfg, notify.FileCheckpoint{Path: dataPath(sf, "notify.seq")}),
		Extension: matchql.Extension(matchql.Deps{Service: svc, Runner: r, Search: textSearcher(ix)}),
	}, nil
}

// Run starts the incremental matcher and the notifier until ctx ends.
// The returned wait blocks until both have returned (after ctx ends).
func (w matchWorkers) Run(ctx context.Context, every time.Duration) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() { w.Runner.Watch(ctx, every) })
	wg.Go(func() { w.Notifier.Run(ctx, every) })
	return wg.Wait
}
