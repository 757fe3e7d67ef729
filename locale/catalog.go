package locale

import (
	"fmt"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/message/catalog"
)

// Plural is a message whose words follow a count: argument Arg (1-based)
// selects One when it is 1 and Other otherwise (Chinese has one form: give
// the same text twice, or use a plain string).
type Plural struct {
	Arg        int
	One, Other string
}

// messages are the catalogs, by language and key (en.go, zh_cn.go); each
// value is a string or a Plural.
var messages = map[Lang]map[string]any{
	English: en,
	Chinese: zhCN,
}

// cat is messages as golang.org/x/text's catalog, built at its first use.
var cat = sync.OnceValue(build)

func build() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(English.Tag()))
	for lang, msgs := range messages {
		for key, m := range msgs {
			var err error
			switch m := m.(type) {
			case string:
				err = b.SetString(lang.Tag(), key, m)
			case Plural:
				err = b.Set(lang.Tag(), key, plural.Selectf(m.Arg, "", "=1", m.One, plural.Other, m.Other))
			default:
				err = fmt.Errorf("a %T", m)
			}
			if err != nil {
				panic(fmt.Sprintf("locale: %s %s: %v", lang, key, err))
			}
		}
	}
	return b
}
