package mongo

import (
	"context"
	"errors"
	"fmt"

	"github.com/acervo-co/acervo/registry"
)

// Records that take no change number and no audit event (import runs,
// notices, webhook deliveries) are written with plain conditional commands:
// there is nothing to publish, so there is no outbox.

// insertPlain inserts v with Rev 1 (and a new id when it has none).
func (k *kindStore[T]) insertPlain(ctx context.Context, v *T) error {
	idp, revp := k.meta(v)
	if *idp == "" {
		*idp = registry.NewID(k.s.cfg.now())
	}
	old := *revp
	*revp = 1
	d, err := k.doc(v)
	if err == nil {
		_, err = k.s.insertOne(ctx, k.c, d)
	}
	if err != nil {
		*revp = old
		if isDup(err) {
			return fmt.Errorf("%w: %s %s: a unique key is taken", registry.ErrConflict, k.target, *idp)
		}
	}
	return err
}

// replacePlain replaces the stored record by v when v.Rev matches and
// increments v.Rev.
func (k *kindStore[T]) replacePlain(ctx context.Context, v *T) error {
	idp, revp := k.meta(v)
	rev := *revp
	*revp = rev + 1
	d, err := k.doc(v)
	if err == nil {
		var ok bool
		ok, err = k.s.replaceByID(ctx, k.c, *idp, guard{rev: rev}, d)
		switch {
		case isDup(err):
			err = fmt.Errorf("%w: %s %s: a unique key is taken", registry.ErrConflict, k.target, *idp)
		case err == nil && !ok:
			if _, gerr := k.get(ctx, *idp); errors.Is(gerr, registry.ErrNotFound) {
				err = fmt.Errorf("%w: %s %s", registry.ErrNotFound, k.target, *idp)
			} else {
				err = fmt.Errorf("%w: %s %s is not at revision %d", registry.ErrConflict, k.target, *idp, rev)
			}
		}
	}
	if err != nil {
		*revp = rev
	}
	return err
}
