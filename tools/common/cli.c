#include "cli.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef NTC_TOOLS_LUA
#include "script.h"
/* cli_print_script_help() states the defaults (the same text with and without Lua). */
_Static_assert(SCRIPT_DEFAULT_BUDGET == 10000000u && SCRIPT_DEFAULT_MEMORY == 64u << 20,
               "update cli_print_script_help() and the man pages");
#endif

/* The one engine a tool runs, for the signal handler (tool state, not library state). */
static ntc_engine *volatile g_running_engine;

static void on_signal(int sig)
{
    (void)sig;
    if (g_running_engine)
        ntc_engine_stop(g_running_engine);
}

void cli_init(cli_common *c, const char *prog)
{
    memset(c, 0, sizeof(*c));
    const char *slash = strrchr(prog, '/');
    c->prog = slash ? slash + 1 : prog;
    c->cfg = ntc_config_new();
    if (!c->cfg) {
        fprintf(stderr, "%s: out of memory\n", c->prog);
        exit(CLI_EXIT_RUNTIME);
    }
}

void cli_free(cli_common *c)
{
    ntc_config_free(c->cfg);
    c->cfg = NULL;
#ifdef NTC_TOOLS_LUA
    script_host_free(c->script_host);
#endif
    c->script_host = NULL;
}

void cli_print_script_help(FILE *out)
{
    fprintf(out,
            "  --script FILE    run the Lua script FILE (repeatable): on_second, on_minute,\n"
            "                   on_5minutes, on_hour, on_day, on_flow_end, on_alert callbacks\n"
            "                   on packet time\n"
            "  --script-allow LIBS  give scripts these Lua libraries: os, io (comma-separated;\n"
            "                   by default scripts have neither)\n"
            "  --script-budget N  Lua instructions a script callback may run (default %u)\n"
            "  --script-memory MB  memory a script may hold (default %u)\n",
            10000000u, 64u);
}

static int parse_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int script_option(cli_common *c, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_SCRIPT:
        if (c->nscripts >= CLI_MAX_SCRIPTS) {
            fprintf(stderr, "%s: too many --script options (at most %d)\n", c->prog, CLI_MAX_SCRIPTS);
            return -1;
        }
        c->scripts[c->nscripts++] = arg;
        return 1;
    case CLI_OPT_SCRIPT_ALLOW: {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", arg);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (strcmp(t, "os") == 0) {
                c->script_allow_os = 1;
            } else if (strcmp(t, "io") == 0) {
                c->script_allow_io = 1;
            } else {
                fprintf(stderr, "%s: --script-allow takes os, io (comma-separated), not '%s'\n",
                        c->prog, t);
                return -1;
            }
        }
        return 1;
    }
    case CLI_OPT_SCRIPT_BUDGET:
        if (parse_u64(arg, 1000, 1000000000000ull, &c->script_budget)) {
            fprintf(stderr, "%s: --script-budget takes a number of instructions from 1000 to "
                            "10^12, not '%s'\n", c->prog, arg);
            return -1;
        }
        return 1;
    case CLI_OPT_SCRIPT_MEMORY:
        if (parse_u64(arg, 1, 65536, &c->script_memory_mb)) {
            fprintf(stderr, "%s: --script-memory takes megabytes from 1 to 65536, not '%s'\n",
                    c->prog, arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

void cli_print_config_keys(FILE *out)
{
    fprintf(out, "Configuration keys (--set KEY=VALUE, or KEY = VALUE lines in --config FILE):\n");
    for (size_t i = 0; i < ntc_config_option_count(); i++) {
        const ntc_config_option *o = ntc_config_option_at(i);
        char def[64];
        if (o->type == NTC_CONFIG_STRING)
            snprintf(def, sizeof(def), "\"%s\"", o->def_string);
        else if (o->type == NTC_CONFIG_BOOL)
            snprintf(def, sizeof(def), "%s", o->def_int ? "true" : "false");
        else
            snprintf(def, sizeof(def), "%" PRId64 "%s%s", o->def_int, o->unit[0] ? " " : "", o->unit);
        fprintf(out, "  %-26s %s (default %s)\n", o->key, o->doc, def);
    }
}

static int append_networks(cli_common *c, const char *nets)
{
    const char *old = ntc_config_get_string(c->cfg, "host.local_networks");
    size_t n = strlen(old) + strlen(nets) + 2;
    char *joined = malloc(n);
    if (!joined)
        return -1;
    snprintf(joined, n, "%s%s%s", old, old[0] ? "," : "", nets);
    int rc = ntc_config_set_string(c->cfg, "host.local_networks", joined);
    free(joined);
    if (rc) {
        fprintf(stderr, "%s: -m %s: %s\n", c->prog, nets, ntc_config_errmsg(c->cfg));
        return -1;
    }
    return 0;
}

int cli_handle_option(cli_common *c, int opt, const char *arg, void (*usage)(FILE *out))
{
    switch (opt) {
    case 'r':
    case 'i': {
        int *n = opt == 'r' ? &c->nfiles : &c->nifaces;
        const char **v = opt == 'r' ? c->files : c->ifaces;
        if (*n >= CLI_MAX_SOURCES) {
            fprintf(stderr, "%s: too many -%c options (at most %d)\n", c->prog, opt, CLI_MAX_SOURCES);
            return -1;
        }
        v[(*n)++] = arg;
        return 1;
    }
    case 'm':
        return append_networks(c, arg) ? -1 : 1;
    case 'c': {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(arg, &end, 10);
        if (errno || end == arg || *end || v == 0 || arg[0] == '-') {
            fprintf(stderr, "%s: -c takes a positive packet count, not '%s'\n", c->prog, arg);
            return -1;
        }
        c->count = v;
        return 1;
    }
    case 'q':
        c->quiet = 1;
        return 1;
    case 'v':
        c->verbose++;
        return 1;
    case CLI_OPT_CONFIG:
        if (ntc_config_load_file(c->cfg, arg)) {
            fprintf(stderr, "%s: --config: %s\n", c->prog, ntc_config_errmsg(c->cfg));
            return -1;
        }
        return 1;
    case CLI_OPT_SET: {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            fprintf(stderr, "%s: --set takes KEY=VALUE, not '%s'\n", c->prog, arg);
            return -1;
        }
        char key[128];
        size_t kl = (size_t)(eq - arg);
        if (kl >= sizeof(key))
            kl = sizeof(key) - 1;
        memcpy(key, arg, kl);
        key[kl] = 0;
        if (ntc_config_set(c->cfg, key, eq + 1)) {
            fprintf(stderr, "%s: --set: %s\n", c->prog, ntc_config_errmsg(c->cfg));
            return -1;
        }
        return 1;
    }
    case CLI_OPT_SCRIPT:
    case CLI_OPT_SCRIPT_ALLOW:
    case CLI_OPT_SCRIPT_BUDGET:
    case CLI_OPT_SCRIPT_MEMORY:
        return script_option(c, opt, arg);
    case CLI_OPT_LIST_CONFIG:
        cli_print_config_keys(stdout);
        exit(CLI_EXIT_OK);
    case CLI_OPT_VERSION:
        printf("%s (libntopcore %s)\n", c->prog, ntc_version_string());
        exit(CLI_EXIT_OK);
    case 'h':
    case CLI_OPT_HELP:
        usage(stdout);
        exit(CLI_EXIT_OK);
    default:
        return 0;
    }
}

int cli_set_filter(cli_common *c, int argc, char **argv, int first)
{
    if (first >= argc)
        return 0;
    size_t n = 1;
    for (int i = first; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *f = calloc(1, n);
    if (!f)
        return -1;
    for (int i = first; i < argc; i++) {
        if (i > first)
            strcat(f, " ");
        strcat(f, argv[i]);
    }
    int rc = ntc_config_set_string(c->cfg, "capture.filter", f);
    free(f);
    return rc ? -1 : 0;
}

int cli_check_sources(cli_common *c)
{
    if (c->nfiles == 0 && c->nifaces == 0) {
        fprintf(stderr, "%s: no input: give -r FILE or -i IFACE (see --help)\n", c->prog);
        return -1;
    }
    if (c->nfiles && c->nifaces) {
        /* Packet time: a file's timestamps and the live clock are different timelines. */
        fprintf(stderr, "%s: -r and -i cannot be mixed: capture files and live interfaces run on "
                        "different clocks (use one or the other)\n", c->prog);
        return -1;
    }
    return 0;
}

static void log_cb(void *user, ntc_log_level lvl, const char *msg)
{
    cli_common *c = user;
    if (lvl <= NTC_LOG_WARNING || c->verbose > 1)
        fprintf(stderr, "%s: %s\n", c->prog, msg);
}

/* ---- callbacks: the tool's, then the scripts' ---- */

static void w_flow_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    cli_common *c = u;
    if (c->tool_cb.flow_end)
        c->tool_cb.flow_end(c->tool_user, f, why);
#ifdef NTC_TOOLS_LUA
    script_host_flow_end(c->script_host, f, why);
#endif
}

static void w_host_end(void *u, const ntc_host *h)
{
    cli_common *c = u;
    if (c->tool_cb.host_end)
        c->tool_cb.host_end(c->tool_user, h);
}

static void w_tick(void *u, ntc_tick t, uint64_t now_us)
{
    cli_common *c = u;
    if (c->tool_cb.tick)
        c->tool_cb.tick(c->tool_user, t, now_us);
#ifdef NTC_TOOLS_LUA
    script_host_tick(c->script_host, t, now_us);
#endif
}

static void w_log(void *u, ntc_log_level lvl, const char *msg)
{
    cli_common *c = u;
    if (c->tool_cb.log)
        c->tool_cb.log(c->tool_user, lvl, msg);
}

#if NTC_CALLBACKS_VERSION >= 2
/* Members of version 2 of the callback table: forwarded to the tool only. */
static void w_packet(void *u, const ntc_flow *flow, int dir, uint64_t ts_us, int linktype,
                     const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    cli_common *c = u;
    c->tool_cb.packet(c->tool_user, flow, dir, ts_us, linktype, data, caplen, wirelen);
}

static void w_flow_verdict(void *u, const ntc_flow *flow)
{
    cli_common *c = u;
    c->tool_cb.flow_verdict(c->tool_user, flow);
}
#endif

#if NTC_CALLBACKS_VERSION >= 3
/* Version 3: alerts, forwarded to the tool. */
static void w_alert(void *u, const ntc_alert *a)
{
    cli_common *c = u;
    if (c->tool_cb.alert)
        c->tool_cb.alert(c->tool_user, a);
#ifdef NTC_TOOLS_LUA
    script_host_alert(c->script_host, a);
#endif
}
#endif

int cli_set_callbacks(cli_common *c, ntc_engine *eng, const ntc_callbacks *cb, void *user)
{
    if (!c->script_host)
        return ntc_engine_set_callbacks(eng, cb, user);
    memset(&c->tool_cb, 0, sizeof(c->tool_cb));
    if (cb) {
        /* Only the members of the tool's table version (it may be an older, shorter one). */
        size_t n = sizeof(c->tool_cb);
#if NTC_CALLBACKS_VERSION >= 3
        if (cb->version < 3)
            n = offsetof(ntc_callbacks, alert);
#endif
#if NTC_CALLBACKS_VERSION >= 2
        if (cb->version < 2)
            n = offsetof(ntc_callbacks, packet);
#endif
        memcpy(&c->tool_cb, cb, n);
    }
    c->tool_user = user;
    /* A wrapper only where the tool or the scripts need one (the per-packet callback costs). */
    ntc_callbacks w = {.version = NTC_CALLBACKS_VERSION, .flow_end = w_flow_end,
                       .host_end = w_host_end, .tick = w_tick, .log = w_log};
#if NTC_CALLBACKS_VERSION >= 2
    w.packet = c->tool_cb.packet ? w_packet : NULL;
    w.flow_verdict = c->tool_cb.flow_verdict ? w_flow_verdict : NULL;
#endif
#if NTC_CALLBACKS_VERSION >= 3
    w.alert = w_alert; /* the tool's and the scripts' on_alert */
#endif
    return ntc_engine_set_callbacks(eng, &w, c);
}

#ifdef NTC_TOOLS_LUA
static void script_report(void *user, int is_error, const char *msg)
{
    cli_common *c = user;
    if (c->script_report)
        c->script_report(c->script_report_user, is_error, msg);
    else if (is_error)
        fprintf(stderr, "%s: %s\n", c->prog, msg);
    else
        fprintf(stderr, "%s\n", msg);
}
#endif

/* Load the scripts into a new host. Returns an exit code. */
static int load_scripts(cli_common *c, ntc_engine *eng)
{
    if (c->nscripts == 0)
        return CLI_EXIT_OK;
#ifdef NTC_TOOLS_LUA
    script_opts o = {.budget = c->script_budget, .memory = (size_t)c->script_memory_mb << 20,
                     .allow_os = c->script_allow_os, .allow_io = c->script_allow_io,
                     .report = script_report, .user = c,
                     .dump_host = c->script_dump_host, .dump_user = c->script_dump_user};
    script_host *h = script_host_new(&o);
    if (!h) {
        fprintf(stderr, "%s: out of memory\n", c->prog);
        return CLI_EXIT_RUNTIME;
    }
    c->script_host = h;
    script_host_set_engine(h, eng);
    for (int i = 0; i < c->nscripts; i++) {
        char err[1024];
        if (script_host_load(h, c->scripts[i], err, sizeof(err))) {
            fprintf(stderr, "%s: --script %s: %s\n", c->prog, c->scripts[i], err);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
#else
    (void)eng;
    fprintf(stderr, "%s: --script: this build has no Lua support (install liblua5.4-dev and "
                    "configure with -Dlua=enabled)\n", c->prog);
    return CLI_EXIT_USAGE;
#endif
}

/* A failed start: the scripts go with the engine (the tool may not call cli_free on this copy). */
static void drop_scripts(cli_common *c)
{
#ifdef NTC_TOOLS_LUA
    script_host_free(c->script_host);
#endif
    c->script_host = NULL;
}

void cli_scripts_finish(cli_common *c)
{
#ifdef NTC_TOOLS_LUA
    script_host_finish(c->script_host);
#else
    (void)c;
#endif
}

int cli_open_engine(cli_common *c, ntc_engine **out)
{
    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, c->cfg);
    if (rc) {
        const char *why = eng && ntc_engine_errmsg(eng)[0] ? ntc_engine_errmsg(eng) : ntc_strerror(rc);
        fprintf(stderr, "%s: cannot start the engine: %s\n", c->prog, why);
        ntc_engine_free(eng);
        return rc == NTC_ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_USAGE;
    }
    if ((rc = load_scripts(c, eng)) != CLI_EXIT_OK) {
        drop_scripts(c);
        ntc_engine_free(eng);
        return rc;
    }
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .log = log_cb};
    cli_set_callbacks(c, eng, &cb, c);
    for (int i = 0; i < c->nfiles; i++) {
        if ((rc = ntc_engine_open_file(eng, c->files[i])) != 0) {
            fprintf(stderr, "%s: %s\n", c->prog, ntc_engine_errmsg(eng));
            drop_scripts(c);
            ntc_engine_free(eng);
            /* A bad filter expression is a usage error; an unreadable file a runtime one. */
            return rc == NTC_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME;
        }
    }
    for (int i = 0; i < c->nifaces; i++) {
        /* A URI (netflow:udp://..., zmq:tcp://...) is a flow collector, else an interface. */
        if ((rc = strstr(c->ifaces[i], "://") ? ntc_engine_open_collector(eng, c->ifaces[i])
                                              : ntc_engine_open_live(eng, c->ifaces[i])) != 0) {
            fprintf(stderr, "%s: %s\n", c->prog, ntc_engine_errmsg(eng));
            drop_scripts(c);
            ntc_engine_free(eng);
            return rc == NTC_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME;
        }
    }
    *out = eng;
    return CLI_EXIT_OK;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_run(cli_common *c, ntc_engine *eng)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_running_engine = eng;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int progress = !c->quiet && isatty(STDERR_FILENO);
    int first_err = 0;
    uint64_t done = 0;
    double start = mono_s(), last = start;
    int shown = 0;
    for (;;) {
        /* Run in slices so progress can be shown; ntc_engine_run returns early on stop. */
        uint64_t slice = 200000;
        if (c->count && c->count - done < slice)
            slice = c->count - done;
        ntc_iface_stats st = {.size = sizeof(st)};
        ntc_engine_get_iface_stats(eng, &st);
        uint64_t before = st.packets;
        int rc = ntc_engine_run(eng, slice);
        if (rc && !first_err)
            first_err = rc;
        ntc_engine_get_iface_stats(eng, &st);
        done += st.packets - before;
        int finished = ntc_engine_source_count(eng) == 0 || (c->count && done >= c->count) ||
                       st.packets - before < slice;
        double now = mono_s();
        if (progress && (now - last >= 0.5 || (finished && shown))) {
            fprintf(stderr, "\r%s: %" PRIu64 " packets, %" PRIu64 " flows active, %.1f s   ",
                    c->prog, st.packets, st.flows_active, now - start);
            last = now;
            shown = 1;
        }
        if (finished)
            break;
    }
    if (shown)
        fputc('\n', stderr);
    g_running_engine = NULL;
    return first_err;
}

void cli_print_summary(FILE *out, ntc_engine *eng)
{
    ntc_iface_stats st = {.size = sizeof(st)};
    ntc_engine_get_iface_stats(eng, &st);
    fprintf(out, "packets %" PRIu64 " (%" PRIu64 " bytes), IP %" PRIu64 ", non-IP %" PRIu64
                 ", decode errors %" PRIu64 "\n",
            st.packets, st.bytes, st.ip_packets, st.nonip_packets, st.decode_errors_total);
    for (int i = 0; i < NTC_DECODE_ERROR_COUNT; i++)
        if (st.decode_errors[i])
            fprintf(out, "  %s: %" PRIu64 "\n", ntc_decode_error_name(i), st.decode_errors[i]);
    fprintf(out, "flows %" PRIu64 " (%" PRIu64 " still open, %" PRIu64 " evicted), hosts %" PRIu64
                 " (%" PRIu64 " in the table, %" PRIu64 " of them local)\n",
            st.flows_total, st.flows_active, st.flows_evicted, st.hosts_total, st.hosts_active,
            st.hosts_local);
    if (st.tcp_packets)
        fprintf(out, "TCP: retransmissions %" PRIu64 ", out of order %" PRIu64 ", lost segments %" PRIu64
                     ", zero window %" PRIu64 ", keep-alive %" PRIu64 "\n",
                st.tcp_retransmissions, st.tcp_out_of_order, st.tcp_lost_segments,
                st.tcp_zero_windows, st.tcp_keepalives);
    fprintf(out, "memory: %" PRIu64 " bytes per flow, %" PRIu64 " per remote host, tables %" PRIu64
                 " bytes now\n",
            st.flow_bytes, st.host_bytes, st.memory_bytes);
    if (st.clock_resyncs)
        fprintf(out, "clock restarted %" PRIu64 " time(s): packets far behind the packet clock\n",
                st.clock_resyncs);
    if (st.flows_collected || st.collect_messages || st.collect_errors)
        fprintf(out, "collected: %" PRIu64 " flow records in %" PRIu64 " messages, %" PRIu64
                     " malformed, %" PRIu64 " lost (sequence gaps), %" PRIu64
                     " without template, %" PRIu64 " refused (limits)\n",
                st.flows_collected, st.collect_messages, st.collect_errors, st.collect_lost,
                st.collect_no_template, st.collect_refused);
    if (st.kernel_received || st.kernel_dropped)
        fprintf(out, "kernel: received %" PRIu64 ", dropped %" PRIu64 ", interface drops %" PRIu64 "\n",
                st.kernel_received, st.kernel_dropped, st.ifdrops);
}
