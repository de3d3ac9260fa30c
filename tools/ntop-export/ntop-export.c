/* ntop-export: read packets (files or live), print flows or hosts as JSON lines. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_WHAT = CLI_OPT_TOOL_BASE, OPT_FORMAT };

typedef struct export_ctx {
    FILE *out;
    const char *out_name;
    int what_hosts;
    int what_apps;      /* 1 applications, 2 categories */
    unsigned json_flags;
    char *buf;
    size_t buflen;
    int write_error;
} export_ctx;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: ntop-export [-r FILE]... [-i IFACE]... [-m NETS] [-c COUNT] [-o URI]\n"
            "                   [--what flows|hosts|apps|categories] [--format names|nprobe]\n"
            "                   [--config FILE] [--set KEY=VALUE]... [-q] [-v] [EXPRESSION]\n"
            "Read packets from capture files or live interfaces and write one JSON object per\n"
            "flow when it ends (idle, evicted, active timeout) and for every flow left at the end.\n"
            "\n"
            "  -r FILE          read a pcap/pcapng file (repeatable; files are merged in time order)\n"
            "  -i IFACE         capture live on IFACE (repeatable; needs root or CAP_NET_RAW)\n"
            "  -m NETS          local networks, comma-separated CIDR (adds to host.local_networks)\n"
            "  -c COUNT         stop after COUNT packets\n"
            "  -o URI           output: jsonl:PATH or jsonl:- for stdout (default jsonl:-)\n"
            "  --what WHAT      flows (default); hosts (when purged and at the end); apps or\n"
            "                   categories (the interface's traffic per application or category,\n"
            "                   at the end)\n"
            "  --format FMT     names: nProbe field names (default); nprobe: numeric element ids\n"
            "  --config FILE    read KEY = VALUE settings\n"
            "  --set KEY=VALUE  set one configuration key (see below)\n"
            "  --list-config    print the configuration keys and exit\n"
            "  -q               no progress or summary on stderr\n"
            "  -v               print a summary of the interface counters on stderr at the end\n");
    cli_print_script_help(out);
    fprintf(out,
            "  --help, --version\n"
            "  EXPRESSION       a BPF filter (tcpdump syntax) applied to every source\n"
            "\n"
            "Exit status: 0 success, 1 runtime error (unreadable or corrupt input, write error),\n"
            "2 usage error.\n\n");
    cli_print_config_keys(out);
}

static void emit(export_ctx *x, int len)
{
    if (len < 0)
        return;
    if (fwrite(x->buf, 1, (size_t)len, x->out) != (size_t)len || fputc('\n', x->out) == EOF)
        x->write_error = errno ? errno : EIO;
}

static int ensure(export_ctx *x, int need)
{
    if (need < 0)
        return -1;
    if ((size_t)need < x->buflen)
        return 0;
    size_t n = (size_t)need + 1;
    char *b = realloc(x->buf, n);
    if (!b)
        return -1;
    x->buf = b;
    x->buflen = n;
    return 1;
}

static void on_flow(void *user, const ntc_flow *f, ntc_flow_end_reason why)
{
    export_ctx *x = user;
    (void)why;
    if (x->what_hosts || x->what_apps)
        return;
    int n = ntc_flow_format_json(f, x->json_flags, x->buf, x->buflen);
    if (ensure(x, n) > 0)
        n = ntc_flow_format_json(f, x->json_flags, x->buf, x->buflen);
    emit(x, n);
}

static void on_host(void *user, const ntc_host *h)
{
    export_ctx *x = user;
    if (!x->what_hosts)
        return;
    int n = ntc_host_format_json(h, x->json_flags, x->buf, x->buflen);
    if (ensure(x, n) > 0)
        n = ntc_host_format_json(h, x->json_flags, x->buf, x->buflen);
    emit(x, n);
}

typedef struct app_print {
    export_ctx *x;
    ntc_engine *eng;
    uint64_t total_bytes;
    int categories;
} app_print;

static int sum_app(void *user, const ntc_app_stats *st)
{
    app_print *a = user;
    a->total_bytes += st->cli2srv_bytes + st->srv2cli_bytes;
    return 0;
}

static int print_app(void *user, const ntc_app_stats *st)
{
    app_print *a = user;
    const char *name = a->categories ? ntc_l7_category_name(st->id) : ntc_engine_app_name(a->eng, st->id);
    uint64_t bytes = st->cli2srv_bytes + st->srv2cli_bytes;
    char esc[128];
    size_t k = 0;
    for (const char *p = name ? name : "?"; *p && k + 2 < sizeof(esc); p++) {
        if (*p == '"' || *p == '\\')
            esc[k++] = '\\';
        esc[k++] = *p;
    }
    esc[k] = 0;
    int n = fprintf(a->x->out,
                    "{\"%s\":%u,\"%s\":\"%s\",\"FLOWS\":%" PRIu64 ",\"IN_PKTS\":%" PRIu64
                    ",\"IN_BYTES\":%" PRIu64 ",\"OUT_PKTS\":%" PRIu64 ",\"OUT_BYTES\":%" PRIu64
                    ",\"BYTES_PERCENT\":%.2f}\n",
                    a->categories ? "L7_PROTO_CATEGORY_ID" : "L7_PROTO", st->id,
                    a->categories ? "L7_PROTO_CATEGORY" : "L7_PROTO_NAME", esc, st->flows,
                    st->cli2srv_packets, st->cli2srv_bytes, st->srv2cli_packets, st->srv2cli_bytes,
                    a->total_bytes ? 100.0 * (double)bytes / (double)a->total_bytes : 0.0);
    if (n < 0)
        a->x->write_error = errno ? errno : EIO;
    return 0;
}

static void on_log(void *user, ntc_log_level lvl, const char *msg)
{
    (void)user;
    if (lvl <= NTC_LOG_WARNING)
        fprintf(stderr, "ntop-export: %s\n", msg);
}

static int export_main(cli_common *cp, int argc, char **argv)
{
    cli_common c = *cp;
    export_ctx x = {.out = stdout, .out_name = "-"};
    const char *uri = "jsonl:-";
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_SCRIPT_LONGOPTS,
        {"what", required_argument, NULL, OPT_WHAT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_SHORTOPTS "o:", longopts, NULL)) != -1) {
        int h = cli_handle_option(&c, opt, optarg, usage);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (h > 0)
            continue;
        switch (opt) {
        case 'o':
            uri = optarg;
            break;
        case OPT_WHAT:
            if (strcmp(optarg, "flows") == 0)
                x.what_hosts = 0;
            else if (strcmp(optarg, "hosts") == 0)
                x.what_hosts = 1;
            else if (strcmp(optarg, "apps") == 0)
                x.what_apps = 1;
            else if (strcmp(optarg, "categories") == 0)
                x.what_apps = 2;
            else {
                fprintf(stderr, "ntop-export: --what takes flows, hosts, apps or categories, not '%s'\n",
                        optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "names") == 0)
                x.json_flags = 0;
            else if (strcmp(optarg, "nprobe") == 0)
                x.json_flags = NTC_JSON_NPROBE_IDS;
            else {
                fprintf(stderr, "ntop-export: --format takes names or nprobe, not '%s'\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        default:
            fprintf(stderr, "Try 'ntop-export --help'.\n");
            return CLI_EXIT_USAGE;
        }
    }
    if (cli_set_filter(&c, argc, argv, optind)) {
        fprintf(stderr, "ntop-export: bad filter expression\n");
        return CLI_EXIT_USAGE;
    }
    if (cli_check_sources(&c))
        return CLI_EXIT_USAGE;
    if (strncmp(uri, "jsonl:", 6) != 0) {
        const char *colon = strchr(uri, ':');
        fprintf(stderr, "ntop-export: -o %s: unsupported output (supported: jsonl:PATH, jsonl:-)%s\n",
                uri, colon ? "" : "; outputs are URIs such as jsonl:flows.json");
        return CLI_EXIT_USAGE;
    }
    x.out_name = uri + 6;
    if (!*x.out_name) {
        fprintf(stderr, "ntop-export: -o %s: missing path (use jsonl:- for stdout)\n", uri);
        return CLI_EXIT_USAGE;
    }

    ntc_engine *eng;
    int rc = cli_open_engine(&c, &eng);
    if (rc)
        return rc;
    if (strcmp(x.out_name, "-") != 0 && !(x.out = fopen(x.out_name, "w"))) {
        fprintf(stderr, "ntop-export: cannot write %s: %s\n", x.out_name, strerror(errno));
        ntc_engine_free(eng);
        return CLI_EXIT_RUNTIME;
    }
    x.buflen = 2048;
    x.buf = malloc(x.buflen);
    if (!x.buf) {
        fprintf(stderr, "ntop-export: out of memory\n");
        ntc_engine_free(eng);
        return CLI_EXIT_RUNTIME;
    }
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow, .host_end = on_host,
                        .log = on_log};
    cli_set_callbacks(&c, eng, &cb, &x);

    int run_err = cli_run(&c, eng);
    const char *err_text = run_err ? ntc_engine_errmsg(eng) : "";
    char saved[600];
    snprintf(saved, sizeof(saved), "%s", err_text);
    if (c.verbose && !c.quiet)
        cli_print_summary(stderr, eng); /* before the flush empties the tables */
    ntc_engine_flush(eng);
    if (x.what_apps) {
        app_print a = {&x, eng, 0, x.what_apps == 2};
        ntc_engine_foreach_app(eng, a.categories, sum_app, &a);
        ntc_engine_foreach_app(eng, a.categories, print_app, &a);
    }
    cli_scripts_finish(&c);
    int status = CLI_EXIT_OK;
    if (fflush(x.out) != 0 || x.write_error || (x.out != stdout && fclose(x.out) != 0)) {
        fprintf(stderr, "ntop-export: write error on %s: %s\n", x.out_name,
                strerror(x.write_error ? x.write_error : errno));
        status = CLI_EXIT_RUNTIME;
    }
    if (run_err) {
        /* Already reported through the log callback; the exit status says it too. */
        (void)saved;
        status = CLI_EXIT_RUNTIME;
    }
    ntc_engine_free(eng);
    free(x.buf);
    *cp = c;
    return status;
}

int main(int argc, char **argv)
{
    cli_common c;
    cli_init(&c, argv[0]);
    int status = export_main(&c, argc, argv);
    cli_free(&c);
    return status;
}
