/* ntop-export: read packets (files or live), write flows, hosts, applications or alerts to outputs
 * chosen by URI (JSON lines, CSV, SQLite, ClickHouse, Elasticsearch) through the library's
 * exporter. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flowexport.h"

enum { OPT_WHAT = CLI_OPT_TOOL_BASE, OPT_FORMAT, OPT_ZMQ_FORMAT, OPT_ZMQ_COMPRESS };

#define MAX_OUTPUTS 16

/* What goes to the outputs (--what, a comma-separated list). */
enum { W_FLOWS = 1, W_HOSTS = 2, W_APPS = 4, W_CATEGORIES = 8, W_ALERTS = 16 };

typedef struct export_ctx {
    ntc_exporter *ex;
    unsigned what;
    int verbose;
    flow_exports fx;    /* flow exporters: zmq:, ipfix:, netflow9: */
    ntc_engine *eng;
} export_ctx;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: ntop-export [-r FILE]... [-i IFACE]... [-m NETS] [-c COUNT] [-o URI]...\n"
            "                   [--what flows|hosts|apps|categories|alerts[,...]]\n"
            "                   [--format names|nprobe] [--zmq-format tlv|json] [--zmq-compress]\n"
            "                   [--config FILE] [--set KEY=VALUE]... [-q] [-v] [EXPRESSION]\n"
            "Read packets from capture files or live interfaces and write one record per flow when\n"
            "it ends (idle, evicted, active timeout) and for every flow left at the end, to every\n"
            "output.\n"
            "\n"
            "  -r FILE          read a pcap/pcapng file (repeatable; files are merged in time order)\n"
            "  -i IFACE         capture live on IFACE (repeatable; needs root or CAP_NET_RAW)\n"
            "  -m NETS          local networks, comma-separated CIDR (adds to host.local_networks)\n"
            "  -c COUNT         stop after COUNT packets\n"
            "  -o URI           output (repeatable; default jsonl:-):\n"
            "                     jsonl:PATH, jsonl:- (stdout)   JSON lines\n"
            "                     csv:PATH                       CSV with a header line\n"
            "                     sqlite:PATH                    SQLite database (WAL)\n"
            "                     clickhouse:http://HOST:PORT/?table=NAME\n"
            "                     es:http://HOST:PORT/_bulk?index=ntop-%%Y.%%m.%%d\n"
            "                   options after '?', '&'-separated: queue=N, batch=N, flush_ms=N;\n"
            "                   files rotate_mb=N, rotate_s=N; sqlite retention_s=N, max_mb=N\n"
            "                   flow exporters (each flow as it ends): zmq:tcp://ADDR:PORT\n"
            "                   (publish; PORTc: connect), ipfix:udp://HOST:PORT,\n"
            "                   netflow9:udp://HOST:PORT; with exporters only, no JSON lines\n"
            "  --what WHAT      flows (default); hosts (when purged and at the end); apps or\n"
            "                   categories (the interface's traffic per application or category,\n"
            "                   at the end); alerts (each alert as it is raised: engaged, released,\n"
            "                   or a flow event; alert.* keys configure them, SIGHUP re-reads\n"
            "                   alert.rules_file); several, comma-separated, for databases\n"
            "  --format FMT     names: nProbe field names (default); nprobe: numeric element ids\n"
            "                   (JSON lines outputs)\n"
            "  --zmq-format F   zmq: payloads as tlv (default) or json (export.zmq_format)\n"
            "  --zmq-compress   zlib-compress zmq: payloads (export.zmq_compress)\n"
            "  --config FILE    read KEY = VALUE settings\n"
            "  --set KEY=VALUE  set one configuration key (see below)\n"
            "  --list-config    print the configuration keys and exit\n"
            "  -q               no progress or summary on stderr\n"
            "  -v               print a summary of the interface counters and of each output on\n"
            "                   stderr at the end\n");
    cli_print_script_help(out);
    fprintf(out,
            "  --help, --version\n"
            "  EXPRESSION       a BPF filter (tcpdump syntax) applied to every source\n"
            "\n"
            "SIGINT or SIGTERM end the capture; every output is then flushed (within 5 s).\n"
            "Exit status: 0 success, 1 runtime error (unreadable or corrupt input, an output that\n"
            "could not be written or dropped records), 2 usage error.\n\n");
    cli_print_config_keys(out);
}

static void on_flow(void *user, const ntc_flow *f, ntc_flow_end_reason why)
{
    export_ctx *x = user;
    (void)why;
    if (x->fx.n) {
        ntc_iface_stats st = {.size = sizeof(st)};
        ntc_engine_get_iface_stats(x->eng, &st);
        fx_flow(&x->fx, f, st.last_us);
    }
    if (x->what & W_FLOWS)
        ntc_exporter_flow(x->ex, f);
}

static void on_tick(void *user, ntc_tick tick, uint64_t now_us)
{
    export_ctx *x = user;
    if (tick == NTC_TICK_SECOND && x->fx.n)
        fx_flush(&x->fx, now_us);
}

/* Alerts go to the outputs as records too (tables "alerts" in databases). */
static void on_alert(void *user, const ntc_alert *a)
{
    export_ctx *x = user;
    ntc_record *rec;
    if (!(x->what & W_ALERTS) || ntc_record_from_alert(a, &rec) != 0)
        return;
    ntc_exporter_push(x->ex, rec);
    ntc_record_release(rec);
}

/* SIGHUP: re-read the alert rules (the engine does it at its next tick). */
static ntc_engine *volatile g_reload_engine;

static void on_sighup(int sig)
{
    (void)sig;
    if (g_reload_engine)
        ntc_engine_alert_reload(g_reload_engine);
}

static void on_host(void *user, const ntc_host *h)
{
    export_ctx *x = user;
    if (x->what & W_HOSTS)
        ntc_exporter_host(x->ex, h);
}

typedef struct app_push {
    export_ctx *x;
    ntc_engine *eng;
    uint64_t total_bytes, time_us;
    int categories;
} app_push;

static int sum_app(void *user, const ntc_app_stats *st)
{
    app_push *a = user;
    a->total_bytes += st->cli2srv_bytes + st->srv2cli_bytes;
    return 0;
}

static int push_app(void *user, const ntc_app_stats *st)
{
    app_push *a = user;
    const char *name = a->categories ? ntc_l7_category_name(st->id) : ntc_engine_app_name(a->eng, st->id);
    ntc_exporter_app(a->x->ex, a->categories ? NTC_RECORD_CATEGORY : NTC_RECORD_APP, st,
                     name ? name : "?", a->total_bytes, a->time_us);
    return 0;
}

static void push_apps(export_ctx *x, ntc_engine *eng, int categories)
{
    ntc_iface_stats st = {.size = sizeof(st)};
    ntc_engine_get_iface_stats(eng, &st);
    app_push a = {x, eng, 0, st.last_us, categories};
    ntc_engine_foreach_app(eng, categories, sum_app, &a);
    ntc_engine_foreach_app(eng, categories, push_app, &a);
}

static void on_export_log(void *user, int level, const char *msg)
{
    export_ctx *x = user;
    if (level <= NTC_LOG_WARNING || x->verbose)
        fprintf(stderr, "ntop-export: %s\n", msg);
}

/* Parse --what: a comma-separated list. */
static int parse_what(const char *arg, unsigned *what)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"flows", W_FLOWS}, {"hosts", W_HOSTS}, {"apps", W_APPS}, {"categories", W_CATEGORIES},
        {"alerts", W_ALERTS}};
    *what = 0;
    const char *p = arg;
    while (*p) {
        size_t n = strcspn(p, ",");
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strlen(names[i].name) == n && strncmp(names[i].name, p, n) == 0)
                bit = names[i].bit;
        if (!bit)
            return -1;
        *what |= bit;
        p += n;
        if (*p == ',')
            p++;
    }
    return *what ? 0 : -1;
}

static void on_log(void *user, ntc_log_level lvl, const char *msg)
{
    (void)user;
    if (lvl <= NTC_LOG_WARNING)
        fprintf(stderr, "ntop-export: %s\n", msg);
}

/* The URI with format=nprobe added for JSON-lines outputs when --format nprobe was given. */
static char *output_uri(const char *uri, int nprobe)
{
    int add = nprobe && strncmp(uri, "jsonl:", 6) == 0 && !strstr(uri, "format=");
    size_t n = strlen(uri) + 32;
    char *u = malloc(n);
    if (u)
        snprintf(u, n, "%s%s", uri, add ? (strchr(uri, '?') ? "&format=nprobe" : "?format=nprobe") : "");
    return u;
}

/* Print each output's counters; returns 1 when an output lost records. */
static int report_outputs(export_ctx *x, int verbose)
{
    int lost = 0;
    for (size_t i = 0; i < ntc_exporter_sink_count(x->ex); i++) {
        ntc_sink_stats st = {.size = sizeof(st)};
        ntc_exporter_get_stats(x->ex, i, &st);
        uint64_t dropped = st.dropped_full + st.dropped_error;
        if (dropped)
            lost = 1;
        const char *uri = ntc_exporter_sink_uri(x->ex, i);
        int shown = (int)strcspn(uri, "?"); /* options may hold a password */
        if (dropped || verbose)
            fprintf(stderr,
                    "ntop-export: %.*s: %" PRIu64 " records written, %" PRIu64 " dropped (%" PRIu64
                    " queue full, %" PRIu64 " write errors), %" PRIu64 " failed writes, %" PRIu64
                    " reconnects\n",
                    shown, uri, st.written, dropped, st.dropped_full,
                    st.dropped_error, st.errors, st.reconnects);
    }
    return lost;
}

static int export_main(cli_common *cp, int argc, char **argv)
{
    cli_common c = *cp;
    export_ctx x = {.what = W_FLOWS};
    const char *uris[MAX_OUTPUTS];
    int nuris = 0, nprobe = 0;
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_SCRIPT_LONGOPTS,
        {"what", required_argument, NULL, OPT_WHAT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"zmq-format", required_argument, NULL, OPT_ZMQ_FORMAT},
        {"zmq-compress", no_argument, NULL, OPT_ZMQ_COMPRESS},
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
            if (nuris == MAX_OUTPUTS) {
                fprintf(stderr, "ntop-export: too many -o options (at most %d)\n", MAX_OUTPUTS);
                return CLI_EXIT_USAGE;
            }
            if (fx_is_uri(optarg)) {
                if (fx_add(&x.fx, "ntop-export", optarg))
                    return CLI_EXIT_USAGE;
                break;
            }
            uris[nuris++] = optarg;
            break;
        case OPT_WHAT:
            if (parse_what(optarg, &x.what)) {
                fprintf(stderr, "ntop-export: --what takes flows, hosts, apps, categories or alerts (or a "
                                "comma-separated list), not '%s'\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "names") == 0)
                nprobe = 0;
            else if (strcmp(optarg, "nprobe") == 0)
                nprobe = 1;
            else {
                fprintf(stderr, "ntop-export: --format takes names or nprobe, not '%s'\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_ZMQ_FORMAT:
        case OPT_ZMQ_COMPRESS:
            if (ntc_config_set(c.cfg, opt == OPT_ZMQ_FORMAT ? "export.zmq_format" : "export.zmq_compress",
                               opt == OPT_ZMQ_FORMAT ? optarg : "true")) {
                fprintf(stderr, "ntop-export: --zmq-format takes tlv or json, not '%s'\n", optarg);
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
    if (nuris == 0 && x.fx.n == 0)
        uris[nuris++] = "jsonl:-";
    int kinds = !!(x.what & W_FLOWS) + !!(x.what & W_HOSTS) + !!(x.what & W_APPS) +
                !!(x.what & W_CATEGORIES) + !!(x.what & W_ALERTS);
    for (int i = 0; i < nuris; i++) {
        if (kinds > 1 && strncmp(uris[i], "csv:", 4) == 0) {
            fprintf(stderr, "ntop-export: -o %s: a CSV file holds one kind of record; give one "
                            "--what for it, or use sqlite:\n", uris[i]);
            return CLI_EXIT_USAGE;
        }
    }
    x.verbose = c.verbose && !c.quiet;
    if (ntc_exporter_new(&x.ex)) {
        fprintf(stderr, "ntop-export: out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    ntc_exporter_set_log(x.ex, on_export_log, &x);
    for (int i = 0; i < nuris; i++) {
        char *u = output_uri(uris[i], nprobe);
        int rc = u ? ntc_exporter_add(x.ex, u) : NTC_ENOMEM;
        free(u);
        if (rc < 0) {
            fprintf(stderr, "ntop-export: -o %s\n", rc == NTC_ENOMEM ? "out of memory" : ntc_exporter_errmsg(x.ex));
            ntc_exporter_free(x.ex);
            return rc == NTC_EINVAL || rc == NTC_ENOTSUP ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME;
        }
    }

    ntc_engine *eng;
    int rc = cli_open_engine(&c, &eng);
    if (rc) {
        ntc_exporter_free(x.ex);
        return rc;
    }
    x.eng = eng;
    if ((rc = fx_open(&x.fx, c.cfg)) != 0) {
        ntc_engine_free(eng);
        ntc_exporter_free(x.ex);
        return rc;
    }
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow, .host_end = on_host,
                        .tick = on_tick, .log = on_log, .alert = on_alert};
    cli_set_callbacks(&c, eng, &cb, &x);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sighup;
    sigemptyset(&sa.sa_mask);
    g_reload_engine = eng;
    sigaction(SIGHUP, &sa, NULL);

    int run_err = cli_run(&c, eng);
    if (c.verbose && !c.quiet)
        cli_print_summary(stderr, eng); /* before the flush empties the tables */
    ntc_engine_flush(eng);
    g_reload_engine = NULL;
    if (x.fx.n) {
        ntc_iface_stats ist = {.size = sizeof(ist)};
        ntc_engine_get_iface_stats(eng, &ist);
        if (fx_close(&x.fx, ist.last_us, c.verbose && !c.quiet ? stderr : NULL))
            run_err = run_err ? run_err : NTC_EIO;
    }
    if (c.verbose && !c.quiet && (x.what & W_ALERTS)) {
        ntc_alert_stats as = {.size = sizeof(as)};
        ntc_engine_get_alert_stats(eng, &as);
        fprintf(stderr, "alerts %" PRIu64 " delivered, %" PRIu64 " held back by the rate limit, %"
                        PRIu64 " still engaged; detector state not kept (alert.track_max) %" PRIu64
                        "\n", as.delivered, as.suppressed, as.engaged, as.track_full);
    }
    if (x.what & W_APPS)
        push_apps(&x, eng, 0);
    if (x.what & W_CATEGORIES)
        push_apps(&x, eng, 1);
    cli_scripts_finish(&c);
    int status = CLI_EXIT_OK;
    ntc_exporter_close(x.ex, 5000);
    if (report_outputs(&x, c.verbose && !c.quiet))
        status = CLI_EXIT_RUNTIME;
    if (run_err) /* already reported through the log callback; the exit status says it too */
        status = CLI_EXIT_RUNTIME;
    ntc_engine_free(eng);
    ntc_exporter_free(x.ex);
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
