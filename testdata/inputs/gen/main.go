// Command gen writes the input corpus of testdata/inputs: one file per form
// that openbind's users have (Excel's and WPS's exports: README "Run a wave"), so that the bytes
// of each are made by code that can be read. Run from the module root:
//
//	go run ./testdata/inputs/gen
//
// job/inputs_test.go reads every file through the reader, the dry run and,
// for the forms that gave wrong results, a real run against the stand-in.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// The accounts of every form: two of one merchant, one of another; group
// names in Chinese, as users have them.
const (
	a1, a2, a3 = "wx0000000000000a01", "wx0000000000000a02", "wx0000000000000a03"
	g1, g2     = "通泰母婴", "盛源鞋帽" // in GBK both are also valid UTF-8
)

// plain is the UTF-8 text of the accounts; sep and eol vary per form.
func plain(sep, eol string) string {
	rows := [][]string{
		{"appid", "access_token", "group", "remark"},
		{a1, "TOKEN_A1", g1, "首批"},
		{a2, "TOKEN_A2", g1, ""},
		{a3, "TOKEN_A3", g2, "备注：第二批"},
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, sep) + eol)
	}
	return b.String()
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func utf16(s string, e unicode.Endianness) []byte {
	b, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// workbook is an .xlsx with the accounts on the sheet named first (or on
// a second sheet "accounts" when first is not "").
func workbook(first string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	if first != "" {
		if err := f.SetSheetName("Sheet1", first); err != nil {
			log.Fatal(err)
		}
		if err := f.SetSheetRow(first, "A1", &[]any{"说明", "这一页不是账号"}); err != nil {
			log.Fatal(err)
		}
		sheet = "accounts"
		if _, err := f.NewSheet(sheet); err != nil {
			log.Fatal(err)
		}
	}
	rows := [][]any{
		{"appid", "access_token", "group"},
		{a1, "TOKEN_A1", g1},
		{" " + a2 + "\u00a0", "TOKEN_A2", g1},
		{},
		{strings.ToUpper(a3[:2]) + a3[2:], "TOKEN_A3", g2},
	}
	for i, r := range rows {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &r); err != nil {
			log.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func main() {
	lf := plain(",", "\n")
	files := map[string][]byte{
		// Text forms read as they are.
		"utf8.csv":          []byte(lf),
		"utf8-bom-crlf.csv": []byte("\ufeff" + plain(",", "\r\n")), // Excel "CSV UTF-8"
		"tab.tsv":           []byte(plain("\t", "\n")),
		"semicolon.csv":     []byte(plain(";", "\r\n")), // Excel where the list separator is ;
		// Excel and WPS on Chinese Windows: GBK. Its group names are valid
		// UTF-8 as well (̩ͨĸӤ): read as UTF-8 they were garbled.
		"gbk.csv":         gbk(plain(",", "\r\n")),
		"gbk-nogroup.csv": gbk("appid,access_token,remark\r\n" + a1 + ",TOKEN_A1,一位商户的备注\r\n"),
		// Excel "Unicode text": UTF-16LE with a BOM, tab-separated.
		"utf16le-tab.txt": utf16(plain("\t", "\r\n"), unicode.LittleEndian),
		"utf16be.csv":     utf16(lf, unicode.BigEndian),
		// Excel "CSV (Macintosh)": CR line ends.
		"cr-only.csv": []byte(plain(",", "\r")),
		// MySQL SELECT ... INTO OUTFILE (tab, \N) and Navicat (NULL, (null)).
		"mysql-outfile.tsv": []byte("appid\taccess_token\tgroup\n" + a1 + "\tTOKEN_A1\t\\N\n" + a2 + "\tTOKEN_A2\t\\N\n" + a3 + "\t\\N\t\\N\n"),
		"null.csv":          []byte("appid,access_token,group\n" + a1 + ",TOKEN_A1,NULL\n" + a2 + ",TOKEN_A2,NULL\n" + a3 + ",(null),null\n"),
		// Invisible characters at the ends of cells: a zero-width space, a
		// BOM, NBSP, the ideographic space.
		"invisible.csv": []byte("appid,access_token,group\n" +
			"\u200b" + a1 + ",TOKEN_A1\u200b," + g1 + "\n" +
			a2 + "\u00a0,\ufeffTOKEN_A2," + g1 + "\u200b\n" +
			"\u3000" + a3 + ",TOKEN_A3,\u3000" + g2 + "\n" +
			"wx00000000000\u200b00a04,TOKEN_A4,\n"),
		// Excel's ="..." wrapper, bare and quoted.
		"excel-formula.csv": []byte("appid,access_token,group\n" +
			`="` + a1 + `",="TOKEN_A1",` + g1 + "\n" +
			`"=""` + a2 + `""","TOKEN_A2",` + g1 + "\n" +
			a3 + ",TOKEN_A3," + `="` + g2 + `"` + "\n"),
		// Rows cut after their last filled cell; a cell past the header is empty.
		"short-rows.csv": []byte("appid,access_token,group,remark\n" + a1 + ",TOKEN_A1\n" + a2 + ",TOKEN_A2," + g1 + "\n" + a3 + ",TOKEN_A3,,,\n"),
		// Two exports joined with cat: the second header (BOM included) repeats.
		"repeated-header.csv": []byte("\ufeffappid,access_token,group\r\n" + a1 + ",TOKEN_A1," + g1 + "\r\n" +
			"\ufeffappid,access_token,group\r\n" + a2 + ",TOKEN_A2," + g1 + "\r\n" + a3 + ",TOKEN_A3," + g2 + "\r\n"),
		"upper-appid.csv": []byte("appid,access_token\nWX0000000000000A01,TOKEN_A1\nwx0000000000000A02,TOKEN_A2\n" + a3 + ",TOKEN_A3\nWX0000000000000A0G,TOKEN_A4\n"),
		// Decision 2: an identical line counts once; another token or group
		// is invalid, naming the first line.
		"duplicates.csv": []byte("appid,access_token,group\n" + a1 + ",TOKEN_A1," + g1 + "\n" + a2 + ",TOKEN_A2," + g1 + "\n" +
			a1 + ",TOKEN_A1," + g1 + "\n" + a2 + ",TOKEN_OTHER," + g1 + "\n" + a3 + ",TOKEN_A3," + g2 + "\n" + a3 + ",TOKEN_A3," + g1 + "\n"),
		// A group column under another name: not used, but named in a warning.
		"group-lookalike.csv": []byte("appid,access_token,分组\n" + a1 + ",TOKEN_A1," + g1 + "\n" + a2 + ",TOKEN_A2," + g1 + "\n" + a3 + ",TOKEN_A3," + g2 + "\n"),
		// Workbooks: the first sheet, or --sheet accounts.
		"workbook.xlsx":        workbook(""),
		"workbook-sheets.xlsx": workbook("说明"),
		// Refused, naming what the file is and what to save it as.
		"old.xls":             append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 504)...),
		"latin1.csv":          []byte("appid,access_token,group\n" + a1 + ",TOKEN_A1,Caf\xe9\n"),
		"not-a-workbook.xlsx": []byte("PK\x03\x04 this is no zip"),
		"header-only.csv":     []byte("\ufeffappid,access_token,group\r\n"),
		"binary.csv":          []byte("appid,access_token\n" + a1 + ",TOKEN\x00A1\n"),
	}
	dir := filepath.Join("testdata", "inputs")
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
