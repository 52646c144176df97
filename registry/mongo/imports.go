package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/acervo-co/acervo/registry"
)

type importStore struct {
	k *kindStore[registry.ImportRun]
}

var importSorts = map[string]sortSpec[registry.ImportRun]{
	"STARTED": timeSort("startedAt", true, func(r *registry.ImportRun) time.Time { return r.StartedAt }),
}

func newImportStore(s *Store) *importStore {
	k := newKind(s, s.importsC, "", func(r *registry.ImportRun) (*string, *int64) { return &r.ID, &r.Rev }, nil)
	k.target = "import"
	return &importStore{k: k}
}

func (st *importStore) Create(ctx context.Context, r *registry.ImportRun) error {
	return st.k.insertPlain(ctx, r)
}

func (st *importStore) Get(ctx context.Context, id string) (registry.ImportRun, error) {
	return st.k.get(ctx, id)
}

func (st *importStore) Update(ctx context.Context, r *registry.ImportRun) error {
	return st.k.replacePlain(ctx, r)
}

// List lists import runs newest first.
func (st *importStore) List(ctx context.Context, p registry.Page) (registry.List[registry.ImportRun], error) {
	return st.k.page(ctx, bson.D{}, importSorts, "", "STARTED", p)
}
