/* ntop-top: interactive top-style viewer of flows, hosts and applications (ncurses), with a batch
 * mode printing text or JSON frames.
 *
 * Threads: the engine runs on its own thread (ntc_engine_run); the UI thread (main) reads it only
 * through snapshots and stops it with ntc_engine_stop(). In batch mode on capture files replayed
 * as fast as possible there is no second thread: frames are taken from snapshots the engine
 * thread publishes in its tick callback, so they fall on exact seconds of packet time. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "top.h"
#include "ui.h"

enum { OPT_JSON = CLI_OPT_TOOL_BASE, OPT_SPEED };

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: ntop-top [-r FILE]... [-i IFACE]... [-m NETS] [-c COUNT] [--speed N]\n"
            "                [-b [-n FRAMES] [-d SECONDS] [--json]]\n"
            "                [--config FILE] [--set KEY=VALUE]... [-q] [-v] [EXPRESSION]\n"
            "Show live who is talking, with which application, how fast: flows, hosts and\n"
            "applications, refreshed every second (keys: ? for help, q to quit).\n"
            "\n"
            "  -r FILE          replay a pcap/pcapng file (repeatable; merged in time order); the\n"
            "                   final state stays on screen until q\n"
            "  -i IFACE         capture live on IFACE (repeatable; needs root or CAP_NET_RAW),\n"
            "                   or collect flows: netflow:udp://ADDR:PORT, zmq:tcp://HOST:PORT\n"
            "  -m NETS          local networks, comma-separated CIDR (adds to host.local_networks)\n"
            "  -c COUNT         stop reading after COUNT packets\n"
            "  --speed N        replay files at N times their recorded pace (1: as recorded;\n"
            "                   0: as fast as possible, the default)\n"
            "  -b               batch mode: print frames to stdout instead of the screen\n"
            "  -n FRAMES        batch: print at most FRAMES frames (default: until the end)\n"
            "  -d SECONDS       batch: seconds between frames (default 2); on files replayed as\n"
            "                   fast as possible these are seconds of packet time, and the last\n"
            "                   frame is always the state at the end of the input\n"
            "  --json           batch: one JSON object per frame, on one line\n"
            "  --config FILE    read KEY = VALUE settings\n"
            "  --set KEY=VALUE  set one configuration key (see below)\n"
            "  --list-config    print the configuration keys and exit\n"
            "  -q               no messages but errors\n"
            "  -v               more messages\n");
    cli_print_script_help(out);
    fprintf(out,
            "  --help, --version\n"
            "  EXPRESSION       a BPF filter (tcpdump syntax) applied to every source\n"
            "\n"
            "The screen honours NO_COLOR. Exit status: 0 success, 1 runtime error (unreadable or\n"
            "corrupt input, no terminal), 2 usage error.\n\n");
    cli_print_config_keys(out);
}

static volatile sig_atomic_t g_quit;
static ntc_engine *volatile g_eng;

static void on_signal(int sig)
{
    (void)sig;
    g_quit = 1;
    if (g_eng)
        ntc_engine_stop(g_eng);
}

static void on_log(void *user, ntc_log_level lvl, const char *msg)
{
    top_app *a = user;
    if (lvl == NTC_LOG_ERROR && !a->interactive)
        fprintf(stderr, "ntop-top: %s\n", msg);
    else if (lvl == NTC_LOG_WARNING && !a->quiet && !a->interactive)
        fprintf(stderr, "ntop-top: %s\n", msg);
}

/* Script errors and print() output while the screen is up (engine thread), printed on stderr
 * once it has closed (after the engine thread ended): the last SCRIPT_MSGS of them. */
#define SCRIPT_MSGS 64
static char g_script_msgs[SCRIPT_MSGS][512];
static unsigned g_script_nmsgs;

static void keep_script_message(void *user, int is_error, const char *msg)
{
    (void)user;
    snprintf(g_script_msgs[g_script_nmsgs % SCRIPT_MSGS], sizeof(g_script_msgs[0]), "%s%s",
             is_error ? "ntop-top: " : "", msg);
    g_script_nmsgs++;
}

static void print_script_messages(cli_common *c)
{
    if (c->script_report != keep_script_message)
        return;
    unsigned first = g_script_nmsgs > SCRIPT_MSGS ? g_script_nmsgs - SCRIPT_MSGS : 0;
    if (first)
        fprintf(stderr, "ntop-top: %u earlier script messages not kept\n", first);
    for (unsigned i = first; i < g_script_nmsgs; i++)
        fprintf(stderr, "%s\n", g_script_msgs[i % SCRIPT_MSGS]);
    c->script_report = NULL;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int print_frame(top_app *a)
{
    a->frames++;
    int rc = a->json ? print_json_frame(stdout, &a->m, &a->src, a->frames)
                     : print_text_frame(stdout, &a->m, &a->src, a->frames);
    fflush(stdout);
    return rc;
}

/* ---- batch on files at full speed: frames at exact seconds of packet time ---- */

static void batch_tick(void *user, ntc_tick t, uint64_t now_us)
{
    top_app *a = user;
    if (t != NTC_TICK_SECOND)
        return;
    if (ntc_engine_snapshot_publish(a->eng) == 0)
        model_update(&a->m, ntc_engine_snapshot_acquire(a->eng));
    if (!a->next_frame_us)
        a->next_frame_us = ntc_snapshot_time(a->m.snap) - 1000000u + a->delay_us; /* from 1st tick */
    else if (a->next_frame_us > now_us + 2 * a->delay_us)
        a->next_frame_us = now_us; /* the packet clock went back (resync): frames go on from here */
    if (now_us >= a->next_frame_us) {
        while (a->next_frame_us <= now_us)
            a->next_frame_us += a->delay_us;
        if (a->max_frames == 0 || a->frames + 1 < a->max_frames)
            print_frame(a);
    }
}

static int batch_files(top_app *a, uint64_t count)
{
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .tick = batch_tick, .log = on_log};
    cli_set_callbacks(a->cli, a->eng, &cb, a);
    int rc = ntc_engine_run(a->eng, count);
    if (ntc_engine_snapshot_publish(a->eng) == 0)
        model_update(&a->m, ntc_engine_snapshot_acquire(a->eng));
    if (a->m.snap && print_frame(a))
        return CLI_EXIT_RUNTIME;
    return rc ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

/* ---- engine thread (interactive, live, paced) ---- */

static void *engine_main(void *p)
{
    top_app *a = p;
    int rc = ntc_engine_run(a->eng, a->count);
    if (rc)
        snprintf(a->errmsg, sizeof(a->errmsg), "%s", ntc_engine_errmsg(a->eng));
    ntc_engine_snapshot_publish(a->eng); /* the final state, for the reader */
    atomic_store(&a->engine_done, 1);
    return NULL;
}

/* Take the latest snapshot into the model if it is new. Returns 1 when the model changed. */
int app_take_snapshot(top_app *a)
{
    ntc_snapshot *s = ntc_engine_snapshot_acquire(a->eng);
    if (!s)
        return 0;
    if (s == a->m.snap) {
        ntc_snapshot_release(s);
        return 0;
    }
    model_update(&a->m, s);
    return 1;
}

static int batch_threaded(top_app *a)
{
    /* Frame 1 at once (the sources are open), then every -d seconds of wall time. */
    if (ntc_engine_snapshot_publish(a->eng) == 0)
        app_take_snapshot(a);
    if (print_frame(a))
        return CLI_EXIT_RUNTIME;
    pthread_t th;
    if (pthread_create(&th, NULL, engine_main, a)) {
        fprintf(stderr, "ntop-top: cannot start the engine thread\n");
        return CLI_EXIT_RUNTIME;
    }
    int status = CLI_EXIT_OK;
    double next = mono_s() + (double)a->delay_us / 1e6;
    while (!g_quit && (a->max_frames == 0 || a->frames < a->max_frames)) {
        if (atomic_load(&a->engine_done)) {
            app_take_snapshot(a);
            if (print_frame(a))
                status = CLI_EXIT_RUNTIME;
            break;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        app_take_snapshot(a); /* keeps the engine publishing, feeds the rate history */
        if (mono_s() >= next) {
            next += (double)a->delay_us / 1e6;
            if (print_frame(a)) {
                status = CLI_EXIT_RUNTIME;
                break;
            }
        }
    }
    ntc_engine_stop(a->eng);
    pthread_join(th, NULL);
    if (a->errmsg[0]) {
        fprintf(stderr, "ntop-top: %s\n", a->errmsg);
        status = CLI_EXIT_RUNTIME;
    }
    return status;
}

static int interactive(top_app *a)
{
    pthread_t th;
    if (ui_start(a))
        return CLI_EXIT_RUNTIME;
    /* An empty first state (the engine thread is not running yet, so this thread may publish). */
    ntc_engine_snapshot_publish(a->eng);
    if (pthread_create(&th, NULL, engine_main, a)) {
        ui_end(a);
        fprintf(stderr, "ntop-top: cannot start the engine thread\n");
        return CLI_EXIT_RUNTIME;
    }
    ui_loop(a, &g_quit);
    ntc_engine_stop(a->eng);
    pthread_join(th, NULL);
    ui_end(a);
    if (a->errmsg[0]) {
        fprintf(stderr, "ntop-top: %s\n", a->errmsg);
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}

static int parse_positive(const char *opt, const char *arg, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
        fprintf(stderr, "ntop-top: %s takes a number from %g to %g, not '%s'\n", opt, min, max, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int top_main(cli_common *c, int argc, char **argv)
{
    static top_app app;
    top_app *a = &app;
    int batch = 0;
    double delay = 2, speed = 0, frames = 0;
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_SCRIPT_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {"speed", required_argument, NULL, OPT_SPEED},
        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_SHORTOPTS "bn:d:", longopts, NULL)) != -1) {
        int h = cli_handle_option(c, opt, optarg, usage);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (h > 0)
            continue;
        switch (opt) {
        case 'b': batch = 1; break;
        case 'n':
            if (parse_positive("-n", optarg, 1, 1e9, &frames) || frames != floor(frames)) {
                if (frames != floor(frames))
                    fprintf(stderr, "ntop-top: -n takes a whole number of frames, not '%s'\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'd':
            if (parse_positive("-d", optarg, 0.1, 86400, &delay))
                return CLI_EXIT_USAGE;
            break;
        case OPT_JSON: a->json = 1; break;
        case OPT_SPEED:
            if (parse_positive("--speed", optarg, 0, 1000, &speed))
                return CLI_EXIT_USAGE;
            break;
        default:
            fprintf(stderr, "Try 'ntop-top --help'.\n");
            return CLI_EXIT_USAGE;
        }
    }
    if (cli_set_filter(c, argc, argv, optind)) {
        fprintf(stderr, "ntop-top: bad filter expression\n");
        return CLI_EXIT_USAGE;
    }
    if (cli_check_sources(c))
        return CLI_EXIT_USAGE;
    if ((a->json || frames > 0) && !batch) {
        fprintf(stderr, "ntop-top: %s needs -b (batch mode)\n", a->json ? "--json" : "-n");
        return CLI_EXIT_USAGE;
    }
    if (!batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "ntop-top: not a terminal; use -b for batch output\n");
        return CLI_EXIT_RUNTIME;
    }
    int64_t pct = (int64_t)llround(speed * 100);
    if (speed > 0 && pct == 0)
        pct = 1;
    if (speed > 0 && ntc_config_set_int(c->cfg, "capture.replay_speed", pct)) {
        fprintf(stderr, "ntop-top: --speed: %s\n", ntc_config_errmsg(c->cfg));
        return CLI_EXIT_USAGE;
    }
    int64_t cfg_pct = 0;
    ntc_config_get_int(c->cfg, "capture.replay_speed", &cfg_pct);

    ntc_engine *eng;
    int rc = cli_open_engine(c, &eng);
    if (rc)
        return rc;
    a->eng = eng;
    a->count = c->count;
    a->quiet = c->quiet;
    a->interactive = !batch;
    a->max_frames = (unsigned)frames;
    a->delay_us = (uint64_t)llround(delay * 1e6);
    a->src.files = c->files;
    a->src.nfiles = c->nfiles;
    a->src.ifaces = c->ifaces;
    a->src.nifaces = c->nifaces;
    atomic_init(&a->engine_done, 0);
    model_init(&a->m, eng);
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .log = on_log};
    a->cli = c;
    cli_set_callbacks(c, eng, &cb, a);
    if (!batch) {
        /* Script messages would garble the screen: kept, and printed when it closes. */
        c->script_report = keep_script_message;
        c->script_report_user = NULL;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_eng = eng;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int status;
    if (batch && c->nifaces == 0 && cfg_pct == 0)
        status = batch_files(a, c->count);
    else if (batch)
        status = batch_threaded(a);
    else
        status = interactive(a);
    g_eng = NULL;
    cli_scripts_finish(c);
    print_script_messages(c);
    if (c->verbose && !c->quiet)
        cli_print_summary(stderr, eng);
    model_free(&a->m);
    ntc_engine_free(eng);
    return status;
}

int main(int argc, char **argv)
{
    cli_common c;
    cli_init(&c, argv[0]);
    int status = top_main(&c, argc, argv);
    cli_free(&c);
    return status;
}
