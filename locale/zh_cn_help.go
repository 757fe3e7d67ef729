package locale

// zhCNHelp is the Chinese of the help, by the root's keys: help.usage,
// help.desc, help.<command>.usage|usagetext|desc and
// help.<command>.--<flag>[.default]; help.--<flag>[.default] is a flag's
// text in every command that has it with the same English (the root's
// TestHelpTranslated checks that).
var zhCNHelp = map[string]string{
	"help.usage": "把微信公众号/小程序（授权方）批量绑定到开放平台账号（createOpenAccount）",
	"help.desc": "openbind 读取授权方账号的 CSV（appid、access_token），以受控的速率逐个调用 createOpenAccount，\n" +
		"对临时性错误自动重试，把 89000（已绑定）视为完成，并写出结果 CSV；结果文件也是任务的记录：\n" +
		"再次运行只发送尚未完成的行。\n" +
		"每个选项也可以用环境变量 OPENBIND_<选项名> 设置（如 OPENBIND_QPS）。",

	// Flags with the same text in every command.
	"help.--version":                    "显示版本、提交、构建日期和 Go 版本",
	"help.--lang":                       "openbind 给人看的内容所用的语言：en 或 zh-CN（结果文件、JSON 和指标在两种语言下完全相同）",
	"help.--lang.default":               "取自 LC_ALL、LC_MESSAGES、LANG",
	"help.--input":                      "账号 CSV：表头须写明 appid 和 access_token（也可叫 authorizer_appid、authorizer_access_token），group 列可选",
	"help.--input-encoding":             "文本 --input 的编码：utf-8、gb18030（GBK）或 utf-16（默认：依据文件内容判断；试运行的计划会写明）",
	"help.--sheet":                      ".xlsx --input 中要读的工作表（默认：第一个）",
	"help.--qps":                        "每秒调用次数，重试也计在内：0.01 到 10000（0：不限速，用于对本地模拟服务演练）",
	"help.--burst":                      "在稳定速率之上可一次发出的调用数，1 到 10000",
	"help.--workers":                    "同时进行的调用数上限，1 到 10000；默认值可在微信 1 s 内应答时保持 --qps（--qps 0 时为 32）",
	"help.--workers.default":            "依 --qps 而定",
	"help.--max-attempts":               "每次调用的尝试次数（含第一次），1 到 100，用于临时性错误（-1、HTTP 5xx、网络错误）",
	"help.--timeout":                    "每次尝试的时限，1ms 到 1h",
	"help.--retry-backoff":              "第一次重试前的等待，1ms 到 30s；之后每次翻倍并加随机抖动，最多为它的 20 倍（至多 30s）",
	"help.--base-url":                   "接口的基础 URL，逗号分隔，每个形如 https://host[:port][/path]（http 只可用于本机回环地址上的模拟服务）；连不上一个时立即改用下一个",
	"help.--minute-quota-pause":         "收到 45011（每分钟额度）时所有调用暂停多久，之后放慢速率继续，1ms 到 10m；默认等到时钟的下一分钟，即额度重置时",
	"help.--minute-quota-pause.default": "下一分钟",
	"help.--log-format":                 "stderr 上日志的格式：text 或 json",
	"help.--log-level":                  "debug（每行、每次重试一条）、info、warn 或 error",
	"help.--progress":                   "auto（在终端上显示进度条，否则逐行输出）、bar、plain 或 none；写到 stderr",
	"help.--progress-interval":          "逐行进度多久写一次，1ms 到 24h",
	"help.--token-command":              "一条命令（sh -c），在第一行输出 $OPENBIND_APPID 的新 token；token 单元格为空时调用（此时可以没有 access_token 列），遇到 40001/40014/42001 后也会调用一次",
	"help.--token-timeout":              "--token-command 每次运行的时限，1ms 到 1h",

	"help.run.usage":     "为 --input 中在 --output 里尚未完成的每个账号调用 createOpenAccount",
	"help.run.usagetext": "openbind run --input 文件 [--output results.csv] [--qps 10] [选项]",
	"help.run.desc": "示例：\n" +
		"   openbind run --input wave3.csv --output wave3-results.csv --qps 10\n" +
		"   openbind run --input wave3.csv --output wave3-results.csv --dry-run\n" +
		"   OPENBIND_QPS=5 openbind run --input wave3.csv        # 选项取自环境变量\n\n" +
		"退出码：0 所有行完成，1 有行失败或无效，2 用法或输入文件错误（未发送任何请求），\n" +
		"3 提前停止（信号、连续 20 行 45009 或 token 过期、连不上微信、结果文件无法写入），\n" +
		"4 另一次运行持有锁。",
	"help.run.--output":       "结果 CSV；它也是任务的记录：再次运行只发送其中尚未完成的行",
	"help.run.--dry-run":      "读取并检查输入文件和结果文件，打印计划；不发送、不写入任何东西",
	"help.run.--metrics-file": "把本次运行的指标写到这里（Prometheus 文本格式，供 node_exporter 的 textfile 收集器读取；文件名用 *.prom）",

	"help.verify.usage":     "向微信查询（open/get）--output 中每个已完成的行是否仍按记录绑定",
	"help.verify.usagetext": "openbind verify --input 文件 [--output results.csv] [--report 文件] [--again] [选项]",
	"help.verify.desc": "对结果中每个已完成的行（created、already_bound、bound；以及 --token-command 能给出 token 的、\n" +
		"其他输入文件留下的记录），用该行自己的 token 调用一次 open/get，速率限制、重试和停止规则都与 run 相同。\n" +
		"结果文件只读（verify 从不获取 run 的锁）；结论写入报告：holds、moved、unbound（89002）、unknown、not_asked。\n\n" +
		"示例：\n" +
		"   openbind verify --input wave3.csv --output wave3-results.csv\n" +
		"   openbind report --format html --verify wave3-results.csv.verify.csv wave3-results.csv > signoff.html\n\n" +
		"退出码：0 所有查询的行都仍绑定，1 有行被移走、解绑或未知，2 用法或输入文件错误\n" +
		"（未查询任何行），3 提前停止，4 另一次核验持有报告的锁。",
	"help.verify.--report":       "核验报告 CSV（默认：<output>.verify.csv）；再次运行只查询其中没有结论或结论为 unknown 的行",
	"help.verify.--again":        "重新核验：不管报告怎么写，查询每个已完成的行",
	"help.verify.--output":       "这一批的结果 CSV，只读（从不写入，也不加锁）",
	"help.verify.--metrics-file": "把核验的指标写到这里（openbind_verify_rows{verdict} 和 openbind_last_*，标签 command=\"verify\"）；须是单独的文件，不能与 run 的相同",

	"help.report.usage":     "汇总一个结果文件",
	"help.report.usagetext": "openbind report [--format text|json|html] [--input 账号.csv] results.csv > wave.html",
	"help.report.--format":  "text、json 或 html（一个独立的签字确认页）",
	"help.report.--input":   "账号文件，用于页面上写明的下一步命令",
	"help.report.--verify":  "openbind verify 的报告：加上“与微信核验”一节",

	"help.demo.usage":         "对内置的本地微信模拟服务完整跑一遍任务，然后再跑一遍",
	"help.demo.usagetext":     "openbind demo [--dir 目录 | --keep]",
	"help.demo.--dir":         "演示的输入和结果写到哪里（保留在那里）",
	"help.demo.--dir.default": "一个临时目录，结束时删除",
	"help.demo.--keep":        "保留临时目录（并告诉你它在哪里）",

	"help.serve-fake.usage":     "在本机地址上提供微信模拟服务，用于演练（run --base-url http://地址）",
	"help.serve-fake.usagetext": "openbind serve-fake [--addr 127.0.0.1:8089] [--second-addr 127.0.0.1:8090 [--down first|second]] [--accounts 文件] [--latency 50ms-300ms] [--fault busy=0.05]...",
	"help.serve-fake.desc": "模拟服务像微信一样应答 create、get 和 bind，账号保存在内存中，并可按需注入故障。\n" +
		"故障种类：busy、502、503、429、empty、html、reset-before、reset-after、truncated、hang、hang-after、45011、45009。\n\n" +
		"示例，在不稳定的接口上演练一批：\n" +
		"   openbind serve-fake --accounts wave3.csv --latency 100ms-800ms --fault busy=0.05 --fault 502=0.02 --fault reset-after=0.01 &\n" +
		"   openbind run --input wave3.csv --output rehearsal.csv --qps 50 --base-url http://127.0.0.1:8089",
	"help.serve-fake.--addr":          "监听的地址（须是回环地址；端口 0 表示任选一个空闲端口）",
	"help.serve-fake.--accounts":      "一个输入 CSV，模拟服务认得其中的账号（可带 scenario 列）；不给时，token 与它第一次出现时的 appid 绑定",
	"help.serve-fake.--latency":       "应答用时，MIN 或 MIN-MAX（均匀分布），如 50ms-300ms",
	"help.serve-fake.--fault":         "KIND=SHARE：这一比例（0..1）的调用以这种方式失败；可重复给出多种",
	"help.serve-fake.--daily-quota":   "放行的调用数；之后的调用返回 45009（-1：不限额）",
	"help.serve-fake.--minute-quota":  "时钟每分钟放行的调用数；超出的返回 45011（0：不限额）",
	"help.serve-fake.--account-quota": "每个账号可调用的次数；之后该账号的调用返回 45009（账号自己的每日额度；-1：不限）",
	"help.serve-fake.--clean-errmsg":  "错误应答使用参考页面上干净的 errmsg，不带微信的请求 ID",
	"help.serve-fake.--second-addr":   "第二个回环地址，提供同样的账号（如同 api2.weixin.qq.com），用于 --base-url URL1,URL2",
	"help.serve-fake.--down":          "first 或 second：该地址拒绝所有连接（演练故障切换）",
	"help.serve-fake.--seed":          "故障抽签的随机种子",
	"help.serve-fake.--unbind":        "收到 SIGHUP 时（这一批完成后），背着 openbind 解绑这么多个已绑定的账号，用于演练 verify",
	"help.serve-fake.--move":          "收到 SIGHUP 时，再把这么多个已绑定的账号移到新的开放平台账号下",

	"help.version.usage":     "显示版本、提交、构建日期和 Go 版本（与 openbind --version 相同）",
	"help.version.usagetext": "openbind version",
}
