package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// lockTTL is how old a FerretDB write lock must be before another client
// takes it over: its holder died holding it.
const lockTTL = time.Minute

// lockDoc is the write lock of a FerretDB database.
type lockDoc struct {
	ID     string    `bson:"_id"`
	Holder string    `bson:"holder"`
	At     time.Time `bson:"at"`
}

// serialized runs fn, a read-modify-write command. On MongoDB it just runs:
// the server makes each such command atomic. On FerretDB it runs while
// holding the database's write lock: a document of the locks collection
// that only one client can insert (an insert is atomic on FerretDB, its
// _id being unique). Goroutines of one Store queue on a mutex first, so
// that only one of them polls the lock.
func (s *Store) serialized(ctx context.Context, fn func() error) error {
	if !s.ferret {
		return fn()
	}
	s.serial.Lock()
	defer s.serial.Unlock()
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release(ctx)
	return fn()
}

func (s *Store) acquire(ctx context.Context) error {
	wait := 100 * time.Microsecond
	for {
		_, err := s.locksC.InsertOne(ctx, lockDoc{ID: "write", Holder: s.lockToken, At: time.Now().UTC()})
		if err == nil {
			return nil
		}
		if !isDup(err) {
			return fmt.Errorf("mongo: taking the FerretDB write lock: %w", err)
		}
		var l lockDoc
		err = s.locksC.FindOne(ctx, bson.D{{Key: "_id", Value: "write"}}).Decode(&l)
		if err == nil && time.Since(l.At) > lockTTL {
			s.logger().Warn("mongo: taking over a FerretDB write lock its holder left", "holder", l.Holder, "since", l.At)
			_, _ = s.locksC.DeleteOne(ctx, bson.D{{Key: "_id", Value: "write"}, {Key: "holder", Value: l.Holder}, {Key: "at", Value: l.At}})
			continue
		}
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("mongo: reading the FerretDB write lock: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Millisecond)
	}
}

func (s *Store) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := s.locksC.DeleteOne(ctx, bson.D{{Key: "_id", Value: "write"}, {Key: "holder", Value: s.lockToken}}); err != nil {
		s.logger().Warn("mongo: releasing the FerretDB write lock failed; others take it over after a minute", "err", err)
	}
}
