package locale

// enErrors are the English of errors and stops (job's InputError,
// StopError, LockError, the root's usage errors): each is also what a
// results cell, a log or JSON reads, so its text is the one openbind
// wrote before it had a catalog, byte for byte.
var enErrors = map[string]any{
	"err.wrap":    "%s: %s",
	"list.one":    "%s",
	"list.either": "%s or %s",

	// The input file (job/input.go, form.go, xlsx.go, stream.go).
	"input.sheet_empty":        "the sheet %s is empty: a header row naming the columns appid and access_token is required (--sheet names another sheet)",
	"input.no_rows":            "no data row: the file has a header and nothing under it; put the accounts under the header, one per line",
	"input.empty":              "empty file: a header row naming the columns appid and access_token is required",
	"input.no_header":          "no header row: line %d holds data (%s); the first line must name the columns, e.g. appid,access_token",
	"input.no_appid":           "no appid column (or authorizer_appid) in the header %s%s",
	"input.no_token":           "no access_token column (or authorizer_access_token) in the header %s%s",
	"input.hint.sheet":         " (sheet %s; --sheet names another sheet)",
	"input.hint.sheet_hidden":  " (sheet %s, which the workbook hides; --sheet names another sheet)",
	"input.hint.text":          " (read as %s, %s-separated)",
	"input.two_columns":        "columns %d and %d both name the %s column (%s)",
	"input.field_count":        "wrong number of fields (the header has %d)",
	"input.binary":             `not a CSV text file (binary data: a NUL byte); save it from Excel or WPS as "CSV UTF-8" or as an .xlsx workbook`,
	"input.not_encoding":       `not %s text; save the file as "CSV UTF-8"`,
	"input.bare_quote":         `a quote (") inside an unquoted field; quote the whole field and double the quote`,
	"input.open_quote":         `a quoted field is not closed, or a quote (") follows it`,
	"input.unclosed_quote":     `a quoted field that starts on this line is never closed: the file ends inside it; close its quote (") or remove it`,
	"input.xls":                `an Excel 97-2003 workbook (.xls, or a WPS .et, or a password-protected workbook), which openbind does not read; open it in Excel or WPS and save it as an Excel Workbook (.xlsx) or as "CSV UTF-8"`,
	"input.sheet_of_text":      "--sheet %q: the file is not an .xlsx workbook but a text file; --sheet is for workbooks only",
	"input.not_utf8_forced":    `not UTF-8 text, although --input-encoding says utf-8; try --input-encoding gb18030, or save the file as "CSV UTF-8"`,
	"input.not_gb18030_forced": `not GB18030 text, although --input-encoding says gb18030; save the file as "CSV UTF-8"`,
	"input.not_utf8_bom":       `not UTF-8 text, although the file starts with a UTF-8 byte order mark; save it again as "CSV UTF-8"`,
	"input.encoding_unknown":   `the encoding cannot be told: these bytes are not UTF-8, and the file does not read as GB18030/GBK Chinese text either; save it from Excel or WPS as "CSV UTF-8", or name the encoding with --input-encoding utf-8|gb18030|utf-16`,
	"input.no_sheet":           "--sheet %q: the workbook has no such sheet; its sheets are %s",
	"input.bad_workbook":       `a ZIP file that openbind cannot read as an .xlsx workbook (%v); open it in Excel or WPS and save it as an Excel Workbook (.xlsx) or as "CSV UTF-8"`,
	"input.changed":            "the input file changed during the run; run again",
	"input.not_regular":        "not a regular file but %s: openbind reads the input twice (the tokens stay in the file, never in memory), so --input must name a CSV or .xlsx file on disk; save what a pipe or device gives to a file and name that file",
	"input.kind.dir":           "a directory",
	"input.kind.pipe":          "a named pipe (FIFO)",
	"input.kind.socket":        "a socket",
	"input.kind.device":        "a device",
	"input.kind.other":         "a special file",
	"input.group_token":        "the group cell (%d characters, not shown) looks like an access token, not a merchant group's name: are the access_token and group columns swapped? Check the header; nothing was sent",
	"input.group_is_token":     "the group cell (%d characters, not shown) is the access token of line %d: are the access_token and group columns swapped? Check the header; nothing was sent",
	"warn.group_like":          "no group column, but the column %s looks like one: it is ignored, and every row gets an open account of its own; name it group to make merchant groups",
	"warn.header_again":        "the line repeats the header (two files joined?): skipped",
	"warn.repeat":              "the line repeats line %d (same appid, token and group): counted once",

	// Why a row is invalid: the results' errmsg (job/check.go).
	"row.appid_empty":     "empty appid: want wx followed by 16 lowercase hex digits",
	"row.appid_long":      "invalid appid (%d characters, not shown; is the column another one?): want wx followed by 16 lowercase hex digits",
	"row.appid":           "invalid appid %s: want wx followed by 16 lowercase hex digits",
	"row.appid_invalid":   "invalid appid: want wx followed by 16 lowercase hex digits",
	"row.token_empty":     "empty access_token",
	"row.duplicate":       "duplicate appid with another token; first on line %d; its token is used (the first line of an appid wins)",
	"row.duplicate_group": "duplicate appid in another group; first on line %d; its group is used (the first line of an appid wins)",
	"row.duplicate_both":  "duplicate appid with another token and group; first on line %d; its token and group are used (the first line of an appid wins)",

	// Why a run stopped early (job's StopError), and the lock.
	"stop.signal":           "stopped by a signal",
	"stop.signal_reading":   "stopped by a signal while the input was read; nothing was sent",
	"stop.reading":          "stopped reading the input",
	"stop.cannot_write":     "cannot write the results file %s; stopped dispatching, the rows recorded so far are kept",
	"stop.cannot_write_end": "cannot write the results file %s",
	"stop.cannot_record":    "the results file %s cannot take a write (is its disk full?); nothing was sent",
	"stop.stale":            "%d rows in a row failed with an invalid or expired access_token (40001, 40014, 42001): the tokens of %s look stale; refresh them and run again",
	"stop.quota":            "%d rows in a row answered errcode 45009 (daily quota): WeChat's quota is exhausted for today; run again tomorrow",
	"stop.unreach":          "WeChat cannot be reached from this machine: no URL of --base-url answered for %d rows in a row",
	"stop.unreach.last":     "WeChat cannot be reached from this machine: no URL of --base-url answered for %d rows in a row%s; last error: %s; check DNS, the firewall and the proxy (HTTPS_PROXY), then run again",
	"stop.emfile":           "too many open files (EMFILE): lower --workers, or raise the open-file limit (ulimit -n), and run again",
	"stop.report":           "cannot write the report %s; stopped asking, the rows recorded so far are kept",
	"panic":                 "internal error (a bug in openbind: %s)",
	"panic.value":           "a panic with a value of type %s, not shown: it may hold a token",
	"lock.held":             "%s is locked by another run (lock file %s); nothing was done",
	"lock.held_other":       "%s is locked by another run (under another name of the same file) (lock file %s); nothing was done",
	"lock.error":            "lock %s: %s",
	"output.not_results":    "--output %s: %s; it is left as it is: name a new or empty file, or the results file of an earlier run",
	"output.error":          "results file %s: %s",
}

func init() { merge(en, enErrors) }

// merge adds the messages of part to the catalog of a language; a key
// in both is a bug of the catalog.
func merge(cat, part map[string]any) {
	for k, v := range part {
		if _, ok := cat[k]; ok {
			panic("locale: " + k + " twice")
		}
		cat[k] = v
	}
}

// enUsage are the English of usage errors: settings (job's ConfigError
// and the root's flags) and the command line.
var enUsage = map[string]any{
	"want.required":          "is required",
	"want.qps":               "want 0 (no limit) or more",
	"want.one_to":            "want 1 to %d",
	"want.one_or_more":       "want 1 or more",
	"want.more_than_0":       "want more than 0",
	"want.quota_pause":       "want 0 (until the next minute) or more",
	"want.qps_range":         "want 0 (no limit) or from %v (a call every 100 s) to %v calls a second",
	"want.duration_range":    "want a duration from %s to %s",
	"want.quota_pause_range": "want 0 (until the next minute) or a duration from %s to %s",
	"want.files":             "need about %d open files, and this process may have %d (ulimit -n): lower it to %d or fewer, or raise the limit",
	"want.files_default":     "the default --workers for this rate, %d, need about %d open files, and this process may have %d (ulimit -n): lower --qps, set --workers to %d or fewer, or raise the limit",
	"want.files_none":        "this process may have only %d open files (ulimit -n); a run needs %d or more: raise the limit",
	"want.duration":          "want a duration such as 10s or 1m30s",
	"want.whole":             "want a whole number such as 5",
	"want.number":            "want a number such as 2.5",
	"want.bool":              "want true or false",
	"want.lang":              "want en or zh-CN",
	"want.output_own":        "want a file of its own; it is the input file",
	"want.report_own":        "want a file of its own; it is the input or the results file",
	"want.encoding":          "want utf-8, gb18030 or utf-16",
	"verify.no_results":      "no such file: run openbind run first, or name the results file with --output",
	"setting.required":       "%s is required",
	"setting.quoted":         "%s %q: %s",
	"setting.value":          "%s %v: %s",
	"setting.bare":           "%s: %s",
	"setting.env":            "%s=%s (from the environment): %s",
	"setting.env.bare":       "%s (from the environment): %s",
	"usage.see":              "%s (see %s --help)",
	"usage.unexpected":       "unexpected argument %q",
	"usage.unknown":          "unknown command %q",
	"usage.did_you_mean":     "unknown command %q; did you mean %q?",
	"usage.no_flag":          "flag provided but not defined: %s",
	"usage.needs_value":      "flag needs an argument: %s",
	"usage.lang":             "--lang %q: want en or zh-CN",
	"usage.one_results":      "want one results file",
	"want.dir_missing":       "want a directory that exists; %s does not",
	"want.dir_usable":        "want a directory openbind can use: %s",
	"want.dir_kind":          "want a directory; %s is %s",
	"want.dir_writable":      "want a directory openbind may write in; %s is not (%s)",
	"want.file_kind":         "want a file; it is %s",
	"kind.dir":               "a directory",
	"kind.file":              "a file",
	"kind.other":             "not a regular file (%s)",
	"want.metrics_own":       "want a file of its own; it is %s %s (by its name, a symlink or a hard link), which the metrics would overwrite",
	"what.input":             "the input file",
	"what.results":           "the results file",
	"what.lock":              "the lock file",
	"what.written":           "a file openbind writes:",
	"want.format":            "want text, json or html",
	"want.log_level":         "want debug, info, warn or error",
	"want.log_format":        "want text or json",
	"want.progress":          "want auto, bar, plain or none",
	"want.progress_every":    "--progress-interval %s: want more than 0",
}

func init() { merge(en, enUsage) }

// enCLI are the English of the root's own lines around a command: the
// bug report, the demo's framing, notices.
var enCLI = map[string]any{
	"bug.kept":         "%s; the results recorded so far are kept",
	"bug.report":       "please report this bug with the stack of its panic:",
	"demo.removed":     "removed %s (keep it with --keep, or choose one with --dir)\n",
	"demo.head":        "openbind demo: a stand-in of WeChat at %s knows %d accounts; input %s\n",
	"demo.again":       "\n$ openbind run ... (the same command again: only the rows not done are sent)\n",
	"demo.exit":        "exit status %d\n",
	"demo.exit_calls":  "exit status %d; the stand-in saw %d calls this time\n",
	"demo.results":     "\nresults: %s (see: openbind report %s)\n",
	"report.locked":    "a run holds the lock %s.lock: it is writing %s now, so this report is of the rows recorded so far",
	"verify.run":       "this verify: asked %d rows in %d calls (%d retries) in %s\n",
	"verify.stopped":   "stopped early: %s; run the same command again: it asks only the rows left\n",
	"signal.run":       "stopping — no new calls; the calls in flight finish (bounded by --timeout), then the results are written. Signal again to exit at once.",
	"signal.run.again": "exiting now; the results file keeps every row recorded so far, and the next run tidies it.",
	"signal.fake":      "stopping the stand-in. Signal again to exit at once.",
	"signal.other":     "stopping. Signal again to exit at once.",
	"signal.exit":      "exiting now.",
	"signal.first":     "%s: %s",
	"signal.again":     "%s again: %s",
}

func init() { merge(en, enCLI) }

// enVerify are the English of a verification's summary (report's
// VerifySummary.WriteText), remedies included (JSON's remedy).
var enVerify = map[string]any{
	"verify.the":               "the verification",
	"verify.head":              Plural{2, "Verified against WeChat: %s, %d done row", "Verified against WeChat: %s, %d done rows"},
	"verify.checked":           ", checked %s to %s",
	"verify.asked":             "  asked this time  %d\n",
	"verify.verdict":           "  %-16s %d%.0s\n",
	"verify.explain.holds":     "bound as the results record",
	"verify.explain.moved":     "bound to another open account",
	"verify.explain.unbound":   "bound to none (89002)",
	"verify.explain.unknown":   "WeChat could not be asked",
	"verify.explain.not_asked": "no token in this input",
	"verify.split":             Plural{1, "%d group no longer shares one open account: %s\n", "%d groups no longer share one open account: %s\n"},
	"verify.split.todo":        "  what to do: the merchant's accounts are not under one open account (one UnionID) now; bind the moved or unbound members back by hand\n",
	"verify.exception":         Plural{1, "%d row %s: %s%s\n", "%d rows %s: %s%s\n"},
	"verify.todo":              "  what to do: %s\n",
	"verify.all_hold":          "Every asked row holds: bound today as the results record.\n",
	"verify.remedy.moved":      "bound to another open account than the results record (someone, or another tool, moved it): if the merchant needs one UnionID, unbind it in the open platform console and bind it to the recorded open account; otherwise update your records to the open account shown",
	"verify.remedy.unbound":    "no longer bound to any open account (unbound in the console): bind it again by hand to the recorded open account, or put its rows in a new input and run openbind on it with a new results file",
	"verify.remedy.unknown":    "WeChat could not be asked (token, network, quota; see errmsg): fix the cause, then run verify again: it asks only these rows",
	"verify.remedy.not_asked":  "records of other inputs kept in the results file, which have no token in this input: give --token-command to check them too",
}

func init() { merge(en, enVerify) }

// enPageVerify are the English of the page's section of a verification.
var enPageVerify = map[string]any{
	"page.verify":              "Verified against WeChat",
	"page.verify.unchecked":    "Not checked yet.",
	"page.verify.checked":      "Checked between %s and %s (open/get with each row's token).",
	"page.verify.holding":      Plural{2, "%d of %d done row hold", "%d of %d done rows hold"},
	"page.verify.holding.rest": ": bound today to the open account the results record.",
	"page.verify.th.verdict":   "verdict",
	"page.verify.th.first":     "first rows",
	"page.verify.exceptions":   "Exceptions",
	"page.verify.all_hold":     "Every row holds.",
	"page.verify.split":        Plural{1, "%d group no longer shares one open account", "%d groups no longer share one open account"},
	"page.verify.split.rest":   ": ",
	"page.verify.split.todo":   ". Bind the moved or unbound members back by hand if the merchant needs one UnionID.",
	"page.verify.from":         "From %s.",
}

func init() { merge(en, enPageVerify) }
