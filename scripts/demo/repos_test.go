package demo

import (
	"context"
	"os/exec"
	"strings"
	"testing"
)

func TestGenerateMakesTaggedRepositories(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	repos, err := Generate(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) < 25 {
		t.Fatalf("want about thirty demo repositories, got %d", len(repos))
	}
	seen := map[string]bool{}
	invalid, withdrawn := 0, 0
	for _, r := range repos {
		if seen[r.Slug] {
			t.Errorf("duplicate slug %s", r.Slug)
		}
		seen[r.Slug] = true
		out, err := exec.Command("git", "-C", r.Dir, "tag", "-l").Output()
		if err != nil {
			t.Fatal(err)
		}
		tags := strings.Fields(string(out))
		if len(tags) < len(r.Versions) {
			t.Errorf("%s: tags %v, want every version of %v", r.Slug, tags, r.Versions)
		}
		if r.InvalidAt != "" {
			invalid++
		}
		withdrawn += len(r.Withdraw)
	}
	if invalid == 0 || withdrawn == 0 {
		t.Errorf("the demo must include invalid metadata (%d) and withdrawn tags (%d)", invalid, withdrawn)
	}
	// Running again reuses what exists.
	again, err := Generate(ctx, dir)
	if err != nil || len(again) != len(repos) {
		t.Fatalf("second Generate: %d repos, %v", len(again), err)
	}
	if err := WithdrawTags(ctx, repos); err != nil {
		t.Fatal(err)
	}
	for _, r := range repos {
		for _, tag := range r.Withdraw {
			out, _ := exec.Command("git", "-C", r.Dir, "tag", "-l", tag).Output()
			if strings.TrimSpace(string(out)) != "" {
				t.Errorf("%s: tag %s should be withdrawn", r.Slug, tag)
			}
		}
	}
}
