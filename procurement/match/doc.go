// Package match links purchases to the assets they bought, built,
// implemented, maintained, supported, licensed, hosted or taught — or that
// could have replaced them (ALTERNATIVE) — with a score and reasons in
// Spanish that a procurement officer can check.
//
// The pieces:
//
//   - fold.go folds text into lower-case ASCII words (accents, case and
//     SECOP I's mangled capitals), so matching whole tokens is matching on
//     word boundaries;
//   - index.go builds one automaton over token ids from every asset's
//     product aliases, name and repository URLs and from the cue phrases
//     of lexicon.go; scanning a description is one dictionary lookup per
//     word plus a trie walk, whatever the number of assets;
//   - matcher.go scores each named asset: the alias or URL, the supplier
//     known as contractor or named after the product, the buyer that
//     publishes the asset, the UNSPSC code, and above all the activity the
//     contract performs on the system. Most contracts that name a system
//     are personal services of someone who works in it ("registro de
//     pagos en SIIF Nación", "radicación en ORFEO"); those get the verdict
//     USE and are never suggested as links;
//   - categories.go maps publiccode.yml categories to Spanish vocabulary
//     and UNSPSC codes for ALTERNATIVE suggestions;
//   - propose.go proposes COMMERCIAL assets for product names that recur
//     across entities' purchases;
//   - runner.go runs the matcher over the store, fully or incrementally
//     from the change sequence, and records suggestions through
//     registry.Service.SuggestLink (rejected links stay rejected).
//
// Quality is measured on a hand-labelled set (testdata/labelled) and
// scale on generated data (bench_test.go).
package match
