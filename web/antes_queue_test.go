package web

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// queueProbe records the order in which checks run; each check holds
// until the test lets it finish.
type queueProbe struct {
	mu      sync.Mutex
	ran     []string
	started chan string
	finish  chan struct{}
}

func newQueueProbe() *queueProbe {
	return &queueProbe{started: make(chan string, 64), finish: make(chan struct{})}
}

func (p *queueProbe) check(name string) func() (registry.BeforeBuying, error) {
	return func() (registry.BeforeBuying, error) {
		p.mu.Lock()
		p.ran = append(p.ran, name)
		p.mu.Unlock()
		p.started <- name
		<-p.finish
		return registry.BeforeBuying{PurchaseCount: len(name)}, nil
	}
}

func (p *queueProbe) next(t *testing.T) string {
	t.Helper()
	select {
	case n := <-p.started:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no check started")
		return ""
	}
}

// TestAntesQueueOrder: with checks queued behind a running one, the
// question a request is waiting for now (a CSV download) runs next, then
// the most recently asked; questions whose pages were left run last.
func TestAntesQueueOrder(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	c := &antesCache{now: clock.Now}
	p := newQueueProbe()

	first := c.want("first", p.check("first"))
	c.release(first)
	if n := p.next(t); n != "first" {
		t.Fatalf("started %q, want first", n)
	}
	// Pages ask three questions and stop waiting (they reload later).
	for _, k := range []string{"old", "middle", "recent"} {
		clock.Add(time.Second)
		c.release(c.want(k, p.check(k)))
	}
	// A download asks a new question and waits for it.
	clock.Add(time.Second)
	csv := c.want("csv", p.check("csv"))
	// The page of "old" reloads: it becomes the most recently asked.
	clock.Add(time.Second)
	c.release(c.want("old", p.check("old-again")))

	var order []string
	for range 4 {
		p.finish <- struct{}{}
		order = append(order, p.next(t))
	}
	p.finish <- struct{}{}
	<-csv.done
	c.release(csv)
	if got, want := order, []string{"csv", "old", "recent", "middle"}; !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
	if csv.res.PurchaseCount != len("csv") {
		t.Errorf("the download got another check's answer: %+v", csv.res)
	}
}

// TestAntesQueueAbandoned: a queued question nobody asked for again in
// antesAbandon is dropped without running; asking it later queues it
// afresh, and a finished answer is kept for antesCacheTTL.
func TestAntesQueueAbandoned(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	c := &antesCache{now: clock.Now}
	p := newQueueProbe()

	c.release(c.want("running", p.check("running")))
	p.next(t)
	left := c.want("left", p.check("left"))
	c.release(left)
	clock.Add(antesAbandon + time.Second)
	p.finish <- struct{}{} // "running" ends; "left" is dropped, not run
	select {
	case <-left.done:
	case n := <-p.started:
		t.Fatalf("the abandoned check %q ran", n)
	}
	if !left.dropped {
		t.Fatal("the abandoned check was not dropped")
	}
	again := c.want("left", p.check("left-again"))
	if again == left {
		t.Fatal("asking a dropped question again reused the dropped check")
	}
	if n := p.next(t); n != "left-again" {
		t.Fatalf("started %q, want left-again", n)
	}
	p.finish <- struct{}{}
	<-again.done
	c.release(again)
	if kept := c.want("left", p.check("left-third")); kept != again {
		t.Error("a finished check was not kept")
	} else {
		c.release(kept)
	}
	clock.Add(antesCacheTTL + time.Second)
	fresh := c.want("left", p.check("left-fourth"))
	if fresh == again {
		t.Error("a check older than the TTL was kept")
	}
	if n := p.next(t); n != "left-fourth" {
		t.Fatalf("started %q, want left-fourth", n)
	}
	p.finish <- struct{}{}
	<-fresh.done
	c.release(fresh)
	p.mu.Lock()
	defer p.mu.Unlock()
	if got, want := p.ran, []string{"running", "left-again", "left-fourth"}; !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
}
