package ledger

import "context"

// PostedHook is told of entries as they post, inside the posting
// transaction: an error rolls the posting back. The payables use it to open
// what a supplier bill leaves owed in the same transaction as its entry.
type PostedHook func(ctx context.Context, es []*Entry) error

// OnPosted adds a hook run on every posting (documents, drafts and
// reversals). Add hooks at wiring, before anything posts.
func (s *Service) OnPosted(h PostedHook) { s.posted = append(s.posted, h) }

func (s *Service) runPosted(ctx context.Context, es []*Entry) error {
	for _, h := range s.posted {
		if err := h(ctx, es); err != nil {
			return err
		}
	}
	return nil
}
