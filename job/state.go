package job

import (
	"context"
	"hash/maphash"
	"slices"

	"openbind/locale"
	"openbind/report"
)

// row is what a run keeps of an input row between reading it and writing
// the results: 32 bytes, no strings. The token stays in the input file and
// is read again when the row is sent.
type row struct {
	appid  packedAppID
	off    int64 // offset in the results file of the record the final file copies; -1: none (while the input is read: the hash of the token, see dedup)
	line   int32
	ref    int32 // duplicate: line of the first row with the appid
	group  int32 // index of the row's merchant group in state.groupNames; -1: no group
	status report.Status
	why    reason
	doubt  bool // its record leaves open whether a call acted (report.Record.InDoubt)
	noOpen bool // done as already_bound, but its open account is unknown (get failed)
}

// state is the input, checked, with what the results file says of it.
type state struct {
	input         string
	tokenOptional bool
	rows          []row
	index         appIndex         // the rows with a valid appid, by appid (duplicates excluded)
	near          int              // the row after the last one lookupNear found
	badAppIDs     map[int32]string // the text of appids that are not wx + 16 hex, by row
	opts          InputOptions
	inPlan        InputPlan // how the input was read, for the plan
	form          form      // how to read it again
	skipped       []int32   // lines that repeat an earlier line, in order
	// The seed of the hash of each row's token (not the token), kept while
	// the input is read to tell a repeated line from a duplicate with
	// another token.
	seed maphash.Seed

	// Merchant groups, by report.GroupKey of their names: the index of
	// each in groupNames (the first spelling met), and the other spellings
	// that fold to the same group.
	groups     map[string]int32
	groupNames []string
	spellings  map[int32][]string

	// kept are the records of appids that are not in the input: the offset
	// of each one's last record that matters, and whether it is kept (done,
	// or in doubt) after the input's rows.
	kept map[packedAppID]keptRecord
	// moved are done rows whose input names another group than their
	// record: the record keeps its group (done stays done).
	moved []MovedRow

	// What the scan of the results file found.
	scanned   int           // records read
	clean     bool          // the file is exactly the final file for the input as it stands
	scanTally *report.Tally // the file's records, while clean
}

// readInput reads and checks the whole input file. A file-level problem is
// an *InputError; a row's own problem makes it invalid.
func readInput(path string, tokenOptional bool) (*state, error) {
	return loadInput(context.Background(), path, InputOptions{TokenOptional: tokenOptional})
}

// loadInput is readInput with the options of the command line.
// Cancelling ctx (a signal) stops the reading: a huge input does not keep
// a run from stopping (a device or a pipe is refused: openInputFile).
func loadInput(ctx context.Context, path string, opts InputOptions) (*state, error) {
	f, err := openInputFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	in, err := openInput(&stoppableFile{ctx: ctx, f: f}, path, opts)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	st := &state{input: path, tokenOptional: opts.TokenOptional, groups: map[string]int32{}, spellings: map[int32][]string{}, badAppIDs: map[int32]string{}, kept: map[packedAppID]keptRecord{}}
	// One row per line at most: size the rows once, rather than let append
	// copy 32 MB per million rows on its way up (the pass that tells the
	// encoding counted the lines).
	st.rows = make([]row, 0, in.form.lines)
	st.seed = maphash.MakeSeed()
	in.seed, in.tokenish = st.seed, map[uint64]cellPos{}
	if err := readRows(in, st.add); err != nil {
		return nil, err
	}
	if err := st.tokenGroups(in.tokenish); err != nil {
		return nil, err
	}
	if len(st.rows) == 0 {
		return nil, &InputError{File: path, Line: in.line, Err: locale.Errorf("input.no_rows")}
	}
	st.inPlan, st.form, st.opts = in.Plan(), in.form, opts
	st.dedup()
	return st, nil
}

// tokenGroups refuses the input when a token-like group cell is the token
// of a row (its own or another's): the token column is the group column
// too, or the columns are swapped on some lines. The rows' offsets hold
// the hashes of their tokens while the input is read.
func (st *state) tokenGroups(tokenish map[uint64]cellPos) error {
	if len(tokenish) == 0 {
		return nil
	}
	for i := range st.rows {
		if p, ok := tokenish[uint64(st.rows[i].off)]; ok {
			return &InputError{File: st.input, Line: p.line, Column: p.col, Err: locale.Errorf("input.group_is_token", p.n, st.rows[i].line)}
		}
	}
	return nil
}

func (st *state) add(r *inputRow) {
	i := int32(len(st.rows))
	x := row{off: int64(maphash.String(st.seed, r.Token)), line: int32(r.Line), group: -1, why: check(r, st.tokenOptional)}
	x.appid, _ = parseAppID(r.AppID)
	if x.why == badAppID {
		st.badAppIDs[i] = r.AppID
	}
	if r.Group != "" {
		x.group = st.addGroup(r.Group)
	}
	st.rows = append(st.rows, x)
}

// addGroup returns the index of the merchant group named name, adding it
// when it is new; names that fold to one key are one group.
func (st *state) addGroup(name string) int32 {
	key := report.GroupKey(name)
	gi, ok := st.groups[key]
	if !ok {
		gi = int32(len(st.groupNames))
		st.groups[key] = gi
		st.groupNames = append(st.groupNames, name)
		return gi
	}
	if name != st.groupNames[gi] && !slices.Contains(st.spellings[gi], name) && len(st.spellings[gi]) < maxSpellings {
		st.spellings[gi] = append(st.spellings[gi], name)
	}
	return gi
}

// maxSpellings bounds the other spellings kept of a group's name.
const maxSpellings = 5

// groupOf returns the index of the group a record names, or -1 when it
// names none of the input's groups.
func (st *state) groupOf(name string) int32 {
	if name == "" {
		return -1
	}
	if gi, ok := st.groups[report.GroupKey(name)]; ok {
		return gi
	}
	return -1
}

// keptRecord is what the scan keeps of the last record of an appid that
// is not in the input.
type keptRecord struct {
	off  int64
	keep bool // done or in doubt: copied after the input's rows
}

// reason is why row i is invalid, as results say it (English).
func (st *state) reason(i int) string { return st.why(i).Error() }

// why is why row i is invalid, for the plan to say in its language.
func (st *state) why(i int) *locale.Message {
	r := &st.rows[i]
	if r.why == badAppID {
		return badAppIDMessage(st.badAppIDs[int32(i)])
	}
	return r.why.message(int(r.ref))
}
