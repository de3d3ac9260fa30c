/* ntc-bench: throughput and memory of the engine's flows-only path against a bare libpcap loop.
 *
 *   ntc-bench FILE [--repeat N] [--sample N] [--set key=value]... [--dpi] [--only STAGE]
 *
 * In one process, on the same capture file, one stage after the other (each on a fresh pcap
 * handle, after a warm-up read that puts the file in the page cache):
 *   bare    pcap_open_offline + pcap_next_ex, counting packets and summing caplen: what reading the
 *           file costs, the reference;
 *   ingest  the same libpcap loop feeding ntc_engine_ingest() (the embedder's path), then
 *           ntc_engine_flush() with a flow_end callback counting flows;
 *   run     the engine reading the file itself: ntc_engine_open_file() + ntc_engine_run(), then
 *           ntc_engine_flush();
 *   dpi     (only with --dpi) the ingest stage with DPI on.
 * "ingest" and "run" measure flows only: they set dpi.enable=false (when the library has DPI),
 * whatever --set says; "dpi" sets it true.
 * Each stage's time runs from opening the file to the end of the flush (engine creation and
 * freeing are outside). With --repeat N the stages run N times, interleaved, and the best (shortest)
 * time of each is kept. Interface counters are sampled every --sample packets (default 4096) to find
 * the peak of active flows and the table memory then. Peak RSS is reported twice, both from the
 * first round (later ones also carry what earlier stages left in the allocator or in nDPI's global
 * state): the process's ru_maxrss after the stage (monotonic over the process), and the stage's own
 * high-water mark (VmHWM after resetting it through /proc/self/clear_refs, where the kernel allows
 * it; the heap is trimmed before each stage).
 *
 * Prints a readable table, then one line "RESULT key=value ...". Exit status 0 on success, 1 on a
 * usage or input error, 2 when the engine failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <pcap/pcap.h>

#include <ntopcore/ntopcore.h>

#define MAX_SETS 32

/* ---- options ---- */

typedef struct opts {
    const char *file;
    unsigned repeat;
    uint64_t sample;
    const char *sets[MAX_SETS];
    unsigned nsets;
    int only;          /* -1: every stage, else the index of the one stage to run */
    int dpi;           /* also run the DPI stage */
} opts;

enum { ST_BARE = 0, ST_INGEST = 1, ST_RUN = 2, ST_DPI = 3, ST_COUNT = 4 };
static const char *const stage_names[ST_COUNT] = {"bare", "ingest", "run", "dpi"};

/* ---- measurements ---- */

typedef struct stage_result {
    const char *name;
    const char *what;
    int ran;
    uint64_t packets;         /* packets the stage saw */
    uint64_t caplen_sum;      /* bare: captured bytes read */
    double seconds;           /* best run */
    double flush_seconds;     /* engine stages: flush part of the best run */
    /* engine stages (from the last run) */
    uint64_t flows_total, flows_peak, mem_at_peak, mem_max;
    uint64_t hosts_total, hosts_peak;
    uint64_t ended[5];        /* flow_end callbacks by ntc_flow_end_reason */
    uint64_t ip_packets, nonip_packets, decode_errors, ingest_errors;
    uint64_t ipv6_packets, tcp_packets, udp_packets, fragments, tunnelled;
    uint64_t flow_bytes, host_bytes;
    uint64_t heap_end;        /* malloc'd bytes in use before the flush (glibc), 0 if unknown */
    uint64_t heap_base;       /* malloc'd bytes in use before the engine was created */
    uint64_t flows_end, hosts_end, mem_end; /* table state before the flush */
    uint64_t inspecting_peak, dpi_state_bytes;
    long stage_hwm_kb;        /* stage's own peak RSS, -1 if unknown */
    long maxrss_kb;           /* ru_maxrss after the stage, first round */
} stage_result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss; /* kilobytes on Linux */
}

/* Value of a "Key:   123 kB" line of /proc/self/status, -1 if absent. */
static long proc_status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Reset the process's peak RSS (VmHWM) to its current RSS. 0 on success. */
static int reset_hwm(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

static uint64_t heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
#else
    return 0;
#endif
}

static void give_back_heap(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* libpcap DLT_ value → LINKTYPE_ number (what ntc_engine_ingest() takes). */
static int dlt_to_linktype(int dlt)
{
    switch (dlt) {
    case DLT_RAW:
#if DLT_RAW != 12
    case 12:
#endif
#if DLT_RAW != 14
    case 14:
#endif
        return NTC_LINKTYPE_RAW;
#ifdef DLT_LOOP
    case DLT_LOOP:
        return NTC_LINKTYPE_LOOP;
#endif
    default:
        return dlt; /* NULL, EN10MB, LINUX_SLL, SLL2, IPV4, IPV6 share their numbers */
    }
}

static uint64_t ts_us(const struct pcap_pkthdr *h)
{
    return (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
}

static pcap_t *open_pcap(const char *file)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = 0;
    pcap_t *p = pcap_open_offline(file, errbuf);
    if (!p)
        fprintf(stderr, "ntc-bench: %s: %s\n", file, errbuf);
    return p;
}

/* Read the whole file once so that every stage finds it in the page cache. */
static int warm_up(const char *file, uint64_t *size)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "ntc-bench: %s: %s\n", file, strerror(errno));
        return -1;
    }
    static char buf[1 << 20];
    uint64_t total = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        total += n;
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "ntc-bench: %s: read error\n", file);
        return -1;
    }
    *size = total;
    return 0;
}

/* ---- stage 1: bare libpcap ---- */

static int stage_bare(const char *file, uint64_t *packets, uint64_t *bytes, double *secs)
{
    double t0 = now_s();
    pcap_t *p = open_pcap(file);
    if (!p)
        return -1;
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        sum += h->caplen;
    }
    if (rc != PCAP_ERROR_BREAK)
        fprintf(stderr, "ntc-bench: %s: stopped after %" PRIu64 " packets: %s\n", file, n,
                pcap_geterr(p));
    pcap_close(p);
    *secs = now_s() - t0;
    *packets = n;
    *bytes = sum;
    return 0;
}

/* ---- engine stages ---- */

typedef struct flow_count {
    uint64_t ended[5];
} flow_count;

static void on_flow_end(void *user, const ntc_flow *flow, ntc_flow_end_reason reason)
{
    (void)flow;
    flow_count *fc = user;
    if ((unsigned)reason < 5)
        fc->ended[reason]++;
}

typedef struct sampler {
    uint64_t flows_peak, mem_at_peak, mem_max, hosts_peak, inspecting_peak;
} sampler;

static void sample(ntc_engine *eng, sampler *s)
{
    ntc_iface_stats st;
    st.size = sizeof(st);
    if (ntc_engine_get_iface_stats(eng, &st) != 0)
        return;
    if (st.flows_active > s->flows_peak) {
        s->flows_peak = st.flows_active;
        s->mem_at_peak = st.memory_bytes;
    }
    if (st.memory_bytes > s->mem_max)
        s->mem_max = st.memory_bytes;
    if (st.hosts_active > s->hosts_peak)
        s->hosts_peak = st.hosts_active;
    if (st.flows_inspecting > s->inspecting_peak)
        s->inspecting_peak = st.flows_inspecting;
}

/* dpi: 0 off, 1 on (dpi.enable, when the library has that option). */
static ntc_engine *make_engine(const opts *o, flow_count *fc, int dpi)
{
    ntc_config *cfg = ntc_config_new();
    if (!cfg) {
        fprintf(stderr, "ntc-bench: out of memory\n");
        return NULL;
    }
    for (unsigned i = 0; i < o->nsets; i++) {
        char key[128];
        const char *eq = strchr(o->sets[i], '=');
        size_t kl = eq ? (size_t)(eq - o->sets[i]) : 0;
        if (!eq || kl == 0 || kl >= sizeof(key)) {
            fprintf(stderr, "ntc-bench: --set wants key=value, got '%s'\n", o->sets[i]);
            ntc_config_free(cfg);
            return NULL;
        }
        memcpy(key, o->sets[i], kl);
        key[kl] = 0;
        if (ntc_config_set(cfg, key, eq + 1) != 0) {
            fprintf(stderr, "ntc-bench: --set %s: %s\n", o->sets[i], ntc_config_errmsg(cfg));
            ntc_config_free(cfg);
            return NULL;
        }
    }
    if (ntc_config_option_find("dpi.enable")) {
        if (ntc_config_set_bool(cfg, "dpi.enable", dpi) != 0) {
            fprintf(stderr, "ntc-bench: dpi.enable: %s\n", ntc_config_errmsg(cfg));
            ntc_config_free(cfg);
            return NULL;
        }
    } else if (dpi) {
        fprintf(stderr, "ntc-bench: this library has no DPI (no dpi.enable option)\n");
        ntc_config_free(cfg);
        return NULL;
    }
    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, cfg);
    ntc_config_free(cfg);
    if (rc != 0) {
        fprintf(stderr, "ntc-bench: ntc_engine_new: %s: %s\n", ntc_strerror(rc),
                eng ? ntc_engine_errmsg(eng) : "");
        ntc_engine_free(eng);
        return NULL;
    }
    ntc_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.version = NTC_CALLBACKS_VERSION;
    cb.flow_end = on_flow_end;
    if ((rc = ntc_engine_set_callbacks(eng, &cb, fc)) != 0) {
        fprintf(stderr, "ntc-bench: ntc_engine_set_callbacks: %s\n", ntc_engine_errmsg(eng));
        ntc_engine_free(eng);
        return NULL;
    }
    return eng;
}

/* Feed the file through ntc_engine_ingest(). Returns packets fed, or -1 if the file won't open. */
static int64_t feed_ingest(ntc_engine *eng, const char *file, uint64_t every, sampler *s,
                           uint64_t *ingest_errors)
{
    pcap_t *p = open_pcap(file);
    if (!p)
        return -1;
    int lt = dlt_to_linktype(pcap_datalink(p));
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, next = every, errs = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        if (ntc_engine_ingest(eng, lt, ts_us(h), d, h->caplen, h->len) != 0)
            errs++;
        if (++n == next) {
            next += every;
            sample(eng, s);
        }
    }
    if (rc != PCAP_ERROR_BREAK)
        fprintf(stderr, "ntc-bench: %s: stopped after %" PRIu64 " packets: %s\n", file, n,
                pcap_geterr(p));
    pcap_close(p);
    sample(eng, s);
    *ingest_errors = errs;
    return (int64_t)n;
}

/* Let the engine read the file through its own source. Returns 0, or -1. */
static int feed_run(ntc_engine *eng, const char *file, uint64_t every, sampler *s)
{
    int rc = ntc_engine_open_file(eng, file);
    if (rc != 0) {
        fprintf(stderr, "ntc-bench: ntc_engine_open_file: %s\n", ntc_engine_errmsg(eng));
        return -1;
    }
    uint64_t last = 0;
    while (ntc_engine_source_count(eng) > 0) {
        if ((rc = ntc_engine_run(eng, every)) != 0) {
            fprintf(stderr, "ntc-bench: ntc_engine_run: %s\n", ntc_engine_errmsg(eng));
            return -1;
        }
        ntc_iface_stats st;
        st.size = sizeof(st);
        ntc_engine_get_iface_stats(eng, &st);
        sample(eng, s);
        if (st.packets == last && ntc_engine_source_count(eng) > 0) {
            fprintf(stderr, "ntc-bench: ntc_engine_run made no progress\n");
            return -1;
        }
        last = st.packets;
    }
    return 0;
}

/* One run of an engine stage (ST_INGEST, ST_RUN, ST_DPI); keeps the best time in r. */
static int stage_engine(const opts *o, int stage, stage_result *r, double *secs)
{
    int via_run = stage == ST_RUN;
    flow_count fc;
    memset(&fc, 0, sizeof(fc));
    sampler s;
    memset(&s, 0, sizeof(s));
    uint64_t heap_base = heap_in_use();
    ntc_engine *eng = make_engine(o, &fc, stage == ST_DPI);
    if (!eng)
        return -1;

    uint64_t ingest_errors = 0;
    double t0 = now_s();
    int rc = 0;
    if (via_run) {
        rc = feed_run(eng, o->file, o->sample, &s);
    } else {
        int64_t n = feed_ingest(eng, o->file, o->sample, &s, &ingest_errors);
        rc = n < 0 ? -1 : 0;
    }
    double t1 = now_s();
    if (rc != 0) {
        ntc_engine_free(eng);
        return -1;
    }
    /* Untimed: the tables' state before the flush. */
    ntc_iface_stats st;
    st.size = sizeof(st);
    ntc_engine_get_iface_stats(eng, &st);
    uint64_t heap_end = heap_in_use();

    double t2 = now_s();
    ntc_engine_flush(eng);
    double t3 = now_s();
    *secs = (t1 - t0) + (t3 - t2);

    if (*secs < r->seconds || !r->ran) {
        r->seconds = *secs;
        r->flush_seconds = t3 - t2;
    }
    r->ran = 1;
    r->packets = st.packets;
    r->flows_total = st.flows_total;
    r->flows_peak = s.flows_peak;
    r->mem_at_peak = s.mem_at_peak;
    r->mem_max = s.mem_max;
    r->hosts_total = st.hosts_total;
    r->hosts_peak = s.hosts_peak;
    memcpy(r->ended, fc.ended, sizeof(r->ended));
    r->ip_packets = st.ip_packets;
    r->nonip_packets = st.nonip_packets;
    r->decode_errors = st.decode_errors_total;
    r->ingest_errors = ingest_errors;
    r->ipv6_packets = st.ipv6_packets;
    r->tcp_packets = st.tcp_packets;
    r->udp_packets = st.udp_packets;
    r->fragments = st.fragments;
    r->tunnelled = st.tunnelled_packets;
    r->flow_bytes = st.flow_bytes;
    r->host_bytes = st.host_bytes;
    r->heap_base = heap_base;
    r->heap_end = heap_end;
    r->flows_end = st.flows_active;
    r->hosts_end = st.hosts_active;
    r->mem_end = st.memory_bytes;
    r->inspecting_peak = s.inspecting_peak;
    r->dpi_state_bytes = st.dpi_state_bytes;

    ntc_engine_free(eng);
    return 0;
}

/* ---- output ---- */

static const char *human_bytes(uint64_t b, char *buf, size_t len)
{
    if (b >= 10ull << 30)
        snprintf(buf, len, "%.1f GiB", (double)b / (double)(1ull << 30));
    else if (b >= 10ull << 20)
        snprintf(buf, len, "%.1f MiB", (double)b / (double)(1ull << 20));
    else if (b >= 10ull << 10)
        snprintf(buf, len, "%.1f KiB", (double)b / 1024.0);
    else
        snprintf(buf, len, "%" PRIu64 " B", b);
    return buf;
}

static double pps_of(const stage_result *r)
{
    return r->seconds > 0 ? (double)r->packets / r->seconds : 0.0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ntc-bench FILE [--repeat N] [--sample N] [--set key=value]... [--dpi] [--only STAGE]\n"
            "  FILE          capture file (pcap or pcapng), read by every stage\n"
            "  --repeat N    run the stages N times (interleaved) and keep each one's best time (1)\n"
            "  --sample N    sample the engine's counters every N packets (4096)\n"
            "  --set k=v     engine configuration option, e.g. --set flow.max=1000000\n"
            "  --dpi         also run the ingest path with DPI on (stage 'dpi')\n"
            "  --only STAGE  run one stage only (bare, ingest, run or dpi), e.g. under perf\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof(*o));
    o->repeat = 1;
    o->sample = 4096;
    o->only = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--repeat") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], &v) || v > 1000)
                return -1;
            o->repeat = (unsigned)v;
        } else if (strcmp(a, "--sample") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], &v))
                return -1;
            o->sample = v;
        } else if (strcmp(a, "--set") == 0 && i + 1 < argc) {
            if (o->nsets == MAX_SETS)
                return -1;
            o->sets[o->nsets++] = argv[++i];
        } else if (strcmp(a, "--only") == 0 && i + 1 < argc) {
            const char *st = argv[++i];
            o->only = -2;
            for (int k = 0; k < ST_COUNT; k++) {
                if (strcmp(st, stage_names[k]) == 0)
                    o->only = k;
            }
            if (o->only == -2)
                return -1;
            if (o->only == ST_DPI)
                o->dpi = 1;
        } else if (strcmp(a, "--dpi") == 0) {
            o->dpi = 1;
        } else if (a[0] == '-' && a[1]) {
            return -1;
        } else if (!o->file) {
            o->file = a;
        } else {
            return -1;
        }
    }
    return o->file ? 0 : -1;
}

int main(int argc, char **argv)
{
    opts o;
    if (parse_args(argc, argv, &o) != 0) {
        usage(stderr);
        return 1;
    }

    uint64_t fsize = 0;
    if (warm_up(o.file, &fsize) != 0)
        return 1;

    stage_result res[ST_COUNT];
    memset(res, 0, sizeof(res));
    static const char *const what[ST_COUNT] = {
        "libpcap read loop", "pcap loop + ntc_engine_ingest", "ntc_engine_open_file + run",
        "pcap loop + ingest, DPI on"};
    for (int k = 0; k < ST_COUNT; k++) {
        res[k].name = stage_names[k];
        res[k].what = what[k];
        res[k].stage_hwm_kb = -1;
    }
    int nstages = o.dpi ? ST_COUNT : ST_DPI;

    int hwm_ok = reset_hwm() == 0;
    /* A first bare pass also warms libpcap's code and the allocator (skipped when profiling
     * one engine stage). */
    if (o.only <= 0) {
        uint64_t n, b;
        double s;
        if (stage_bare(o.file, &n, &b, &s) != 0)
            return 1;
    }

    for (unsigned rep = 0; rep < o.repeat; rep++) {
        for (int k = 0; k < nstages; k++) {
            stage_result *r = &res[k];
            if (o.only >= 0 && k != o.only)
                continue;
            give_back_heap();
            if (hwm_ok)
                hwm_ok = reset_hwm() == 0;
            double secs;
            if (k == ST_BARE) {
                uint64_t n, b;
                if (stage_bare(o.file, &n, &b, &secs) != 0)
                    return 1;
                if (!r->ran || secs < r->seconds)
                    r->seconds = secs;
                r->ran = 1;
                r->packets = n;
                r->caplen_sum = b;
            } else if (stage_engine(&o, k, r, &secs) != 0) {
                return 2;
            }
            if (rep == 0) {
                r->stage_hwm_kb = hwm_ok ? proc_status_kb("VmHWM") : -1;
                r->maxrss_kb = maxrss_kb();
            }
            fprintf(stderr, "  [%u/%u] %-6s %.3f s\n", rep + 1, o.repeat, r->name, secs);
        }
    }

    /* ---- report ---- */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const stage_result *bare = &res[ST_BARE];
    double bare_pps = pps_of(bare);
    const stage_result *e = res[ST_INGEST].ran ? &res[ST_INGEST]
                            : res[ST_RUN].ran  ? &res[ST_RUN]
                                               : &res[ST_DPI];
    char b1[32], b2[32], b3[32];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("\nntc-bench  libntopcore %s  file %s (%s, %" PRIu64 " packets)\n", ntc_version_string(),
           o.file, human_bytes(fsize, b1, sizeof(b1)), bare->ran ? bare->packets : e->packets);
    printf("best of %u run%s per stage, %ld online core%s, one thread; times include open and "
           "flush\n\n",
           o.repeat, o.repeat == 1 ? "" : "s", cores, cores == 1 ? "" : "s");
    printf("%-7s %-31s %10s %8s %11s %7s %7s %10s %10s\n", "stage", "path", "packets", "seconds",
           "packets/s", "ns/pkt", "vs bare", "stage RSS", "max RSS");
    for (int k = 0; k < ST_COUNT; k++) {
        const stage_result *r = &res[k];
        if (!r->ran)
            continue;
        double pps = pps_of(r);
        char hwm[24], ratio[16];
        if (r->stage_hwm_kb >= 0)
            snprintf(hwm, sizeof(hwm), "%.1f MiB", (double)r->stage_hwm_kb / 1024.0);
        else
            snprintf(hwm, sizeof(hwm), "n/a");
        if (bare_pps > 0)
            snprintf(ratio, sizeof(ratio), "%.1f%%", 100.0 * pps / bare_pps);
        else
            snprintf(ratio, sizeof(ratio), "-");
        printf("%-7s %-31s %10" PRIu64 " %8.3f %11.0f %7.1f %7s %10s %6.1f MiB\n", r->name,
               r->what, r->packets, r->seconds, pps, pps > 0 ? 1e9 / pps : 0.0, ratio, hwm,
               (double)r->maxrss_kb / 1024.0);
    }
    if (bare->ran)
        printf("bare loop read %s of packet data (caplen sum)\n",
               human_bytes(bare->caplen_sum, b1, sizeof(b1)));

    uint64_t ended = 0;
    if (e->ran) {
        ended = e->ended[NTC_FLOW_END_IDLE] + e->ended[NTC_FLOW_END_EVICTED] +
                e->ended[NTC_FLOW_END_FLUSH];
        printf("\nengine, %s stage (default configuration%s", e->name,
               e == &res[ST_DPI] ? "" : ", dpi.enable=false");
        for (unsigned i = 0; i < o.nsets; i++)
            printf(", %s", o.sets[i]);
        printf(")\n");
        printf("  packets: %" PRIu64 " IP, %" PRIu64 " non-IP, %" PRIu64 " decode errors, %" PRIu64
               " ingest errors\n",
               e->ip_packets, e->nonip_packets, e->decode_errors, e->ingest_errors);
        printf("           of IP: %" PRIu64 " IPv6, %" PRIu64 " TCP, %" PRIu64 " UDP, %" PRIu64
               " fragments, %" PRIu64 " tunnelled\n",
               e->ipv6_packets, e->tcp_packets, e->udp_packets, e->fragments, e->tunnelled);
        printf("  flows:   %" PRIu64 " created, peak %" PRIu64 " active (sampled every %" PRIu64
               " packets)\n",
               e->flows_total, e->flows_peak, o.sample);
        printf("           ended %" PRIu64 ": idle %" PRIu64 ", evicted %" PRIu64 ", flush %" PRIu64
               " (+%" PRIu64 " active-timeout reports)\n",
               ended, e->ended[NTC_FLOW_END_IDLE], e->ended[NTC_FLOW_END_EVICTED],
               e->ended[NTC_FLOW_END_FLUSH], e->ended[NTC_FLOW_END_ACTIVE]);
        printf("  hosts:   %" PRIu64 " created, peak %" PRIu64 " active\n", e->hosts_total,
               e->hosts_peak);
        printf("  entry:   %" PRIu64 " B per flow, %" PRIu64 " B per host (flow_bytes, host_bytes)\n",
               e->flow_bytes, e->host_bytes);
        printf("  tables:  memory_bytes %s at the flow peak, %s at most\n",
               human_bytes(e->mem_at_peak, b1, sizeof(b1)), human_bytes(e->mem_max, b2, sizeof(b2)));
        if (e->heap_end) {
            uint64_t heap = e->heap_end > e->heap_base ? e->heap_end - e->heap_base : 0;
            printf("           at the end, before flush: %" PRIu64 " flows, %" PRIu64
                   " hosts, memory_bytes %s, malloc'd since engine creation %s\n",
                   e->flows_end, e->hosts_end, human_bytes(e->mem_end, b1, sizeof(b1)),
                   human_bytes(heap, b3, sizeof(b3)));
        }
        printf("  flush:   %.2f ms\n", e->flush_seconds * 1e3);
    }
    const stage_result *d = &res[ST_DPI];
    if (d->ran && d != e) {
        printf("\nengine, dpi stage: %" PRIu64 " flows, peak %" PRIu64 " active, peak %" PRIu64
               " being inspected (%" PRIu64 " B of DPI state each); memory_bytes %s at the flow "
               "peak, %s at most\n",
               d->flows_total, d->flows_peak, d->inspecting_peak, d->dpi_state_bytes,
               human_bytes(d->mem_at_peak, b1, sizeof(b1)), human_bytes(d->mem_max, b2, sizeof(b2)));
    }

    int consistent = 1;
    for (int k = 1; k < ST_COUNT; k++) {
        if (res[k].ran && bare->ran && res[k].packets != bare->packets)
            consistent = 0;
        if (res[k].ran && k != ST_DPI && e->ran && res[k].flows_total != e->flows_total)
            consistent = 0;
    }
    if (e->ran && ended != e->flows_total)
        consistent = 0;
    if (!consistent)
        printf("  WARNING: stages disagree (packets %" PRIu64 "/%" PRIu64 "/%" PRIu64
               ", flows %" PRIu64 "/%" PRIu64 ", ended %" PRIu64 ")\n",
               bare->packets, res[ST_INGEST].packets, res[ST_RUN].packets,
               res[ST_INGEST].flows_total, res[ST_RUN].flows_total, ended);

    double ri = bare_pps > 0 ? pps_of(&res[ST_INGEST]) / bare_pps : 0.0;
    double rr = bare_pps > 0 ? pps_of(&res[ST_RUN]) / bare_pps : 0.0;
    double rd = bare_pps > 0 ? pps_of(d) / bare_pps : 0.0;
    int all = bare->ran && res[ST_INGEST].ran && res[ST_RUN].ran;
    int met = all && ri >= 0.5 && rr >= 0.5;
    if (all)
        printf("\nDESIGN §5 target, flows only >= 50%% of bare libpcap: ingest %.1f%% %s, run %.1f%% "
               "%s\n",
               100.0 * ri, ri >= 0.5 ? "met" : "MISSED", 100.0 * rr, rr >= 0.5 ? "met" : "MISSED");

    printf("RESULT file=%s file_bytes=%" PRIu64 " packets=%" PRIu64 " repeat=%u"
           " bare_s=%.4f bare_pps=%.0f ingest_s=%.4f ingest_pps=%.0f ingest_ratio=%.3f"
           " run_s=%.4f run_pps=%.0f run_ratio=%.3f",
           o.file, fsize, e->packets, o.repeat, bare->seconds, bare_pps, res[ST_INGEST].seconds,
           pps_of(&res[ST_INGEST]), ri, res[ST_RUN].seconds, pps_of(&res[ST_RUN]), rr);
    if (d->ran)
        printf(" dpi_s=%.4f dpi_pps=%.0f dpi_ratio=%.3f rss_dpi_kb=%ld", d->seconds, pps_of(d), rd,
               d->stage_hwm_kb);
    printf(" flows=%" PRIu64 " flows_peak=%" PRIu64 " hosts=%" PRIu64 " hosts_peak=%" PRIu64
           " flow_bytes=%" PRIu64 " host_bytes=%" PRIu64 " table_bytes_at_peak=%" PRIu64
           " table_bytes_max=%" PRIu64 " rss_bare_kb=%ld rss_ingest_kb=%ld rss_run_kb=%ld"
           " maxrss_kb=%ld cores=%ld consistent=%d target_met=%d\n",
           e->flows_total, e->flows_peak, e->hosts_total, e->hosts_peak, e->flow_bytes,
           e->host_bytes, e->mem_at_peak, e->mem_max, res[ST_BARE].stage_hwm_kb,
           res[ST_INGEST].stage_hwm_kb, res[ST_RUN].stage_hwm_kb, maxrss_kb(), cores, consistent,
           met);
    return 0;
}
