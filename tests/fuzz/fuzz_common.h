/* Helpers shared by the libFuzzer targets of tests/fuzz (header-only: each target is one C file).
 *
 * - fz_reader: consume bytes of the input in order (FuzzedDataProvider in C, front side only).
 * - fz_memfile: the input as a file path (/proc/self/fd/N of a memfd), for APIs that take paths.
 * - fz_callbacks: engine callbacks that read everything a callback receives (info, L7, metadata,
 *   JSON) and check the properties the public headers promise, so that wrong lengths or unescaped
 *   text show up as a crash rather than silently.
 */
#ifndef NTC_FUZZ_COMMON_H
#define NTC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ntopcore/ntopcore.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken promise of the library: print and abort, which libFuzzer reports as a crash. */
#define FZ_CHECK(cond)                                                                          \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

/* ---- input reader ---- */

typedef struct fz_reader {
    const uint8_t *p;
    size_t left;
} fz_reader;

static inline uint8_t fz_u8(fz_reader *r)
{
    if (!r->left)
        return 0;
    r->left--;
    return *r->p++;
}

static inline uint16_t fz_u16(fz_reader *r)
{
    uint16_t hi = fz_u8(r);
    return (uint16_t)(hi << 8 | fz_u8(r));
}

/* Up to n bytes; *got says how many were there. Points into the input. */
static inline const uint8_t *fz_bytes(fz_reader *r, size_t n, size_t *got)
{
    if (n > r->left)
        n = r->left;
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    *got = n;
    return p;
}

/* ---- the input as a file ---- */

typedef struct fz_memfile {
    int fd;
    char path[64];
} fz_memfile;

/* Write data to an anonymous in-memory file; returns 0 and fills f, or -1. Nothing touches the
 * disk and nothing is left behind, also with -jobs/-fork. */
static inline int fz_memfile_open(fz_memfile *f, const char *name, const uint8_t *data, size_t size)
{
    f->fd = memfd_create(name, MFD_CLOEXEC);
    if (f->fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(f->fd, data + off, size - off);
        if (w <= 0) {
            close(f->fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
    return 0;
}

static inline void fz_memfile_close(fz_memfile *f)
{
    close(f->fd);
}

/* ---- reading what callbacks receive ---- */

/* JSON text the library wrote: NUL-terminated at the reported length, no raw control characters
 * (RFC 8259 requires them escaped), starts with '{' and ends with '}', balanced quotes. */
static inline void fz_check_json(const char *buf, int n, size_t bufsize)
{
    FZ_CHECK(n >= 0);
    if ((size_t)n >= bufsize) {
        FZ_CHECK(strlen(buf) < bufsize);
        return;
    }
    FZ_CHECK(strlen(buf) == (size_t)n);
    FZ_CHECK(n >= 2 && buf[0] == '{' && buf[n - 1] == '}');
    int in_str = 0;
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        FZ_CHECK(c >= 0x20);
        if (in_str && c == '\\') {
            i++;
            FZ_CHECK(i < n);
        } else if (c == '"') {
            in_str = !in_str;
        }
    }
    FZ_CHECK(!in_str);
}

static inline void fz_read_flow(const ntc_flow *flow)
{
    ntc_flow_info fi = {.size = sizeof(fi)};
    FZ_CHECK(ntc_flow_get_info(flow, &fi) == 0);
    FZ_CHECK(fi.ip_version == 4 || fi.ip_version == 6);
    FZ_CHECK(fi.first_us <= fi.last_us);
    FZ_CHECK(fi.cli2srv_packets + fi.srv2cli_packets > 0);
    (void)ntc_tcp_state_name(fi.tcp_state);
    (void)ntc_tunnel_name(fi.tunnel);

    ntc_flow_l7 l7 = {.size = sizeof(l7)};
    FZ_CHECK(ntc_flow_get_l7(flow, &l7) == 0);
    (void)ntc_l7_breed_name(l7.breed);
    (void)ntc_l7_how_name(l7.how);
    for (unsigned b = 0; b < 64; b++)
        if (l7.risk >> b & 1)
            (void)ntc_l7_risk_name(b);

    char name[64];
    int n = ntc_flow_l7_name(flow, name, sizeof(name));
    FZ_CHECK(n >= 0);
    FZ_CHECK(strlen(name) == ((size_t)n < sizeof(name) ? (size_t)n : sizeof(name) - 1));
    for (int k = 0; k < NTC_META_COUNT; k++) {
        const char *v = ntc_flow_meta(flow, k);
        if (v)
            (void)strlen(v);
    }

    ntc_flow_analytics an = {.size = sizeof(an)};
    FZ_CHECK(ntc_flow_get_analytics(flow, &an) == 0);
    FZ_CHECK(memchr(an.history, 0, sizeof(an.history)) && memchr(an.community_id, 0, 32));
    FZ_CHECK(an.first_count <= 64);
    ntc_packet_sample ps[64];
    FZ_CHECK(ntc_flow_first_packets(flow, ps, 64) == an.first_count);
    FZ_CHECK(strlen(ntc_flow_state_text(flow)) > 0);

    static char big[1 << 16];
    char small[48];
    for (unsigned flags = 0; flags < 2; flags++) {
        n = ntc_flow_format_json(flow, flags, big, sizeof(big));
        fz_check_json(big, n, sizeof(big));
        int m = ntc_flow_format_json(flow, flags, small, sizeof(small));
        FZ_CHECK(m == n);
        fz_check_json(small, m, sizeof(small));
    }
}

static inline void fz_read_host(const ntc_host *host)
{
    ntc_host_info hi = {.size = sizeof(hi)};
    FZ_CHECK(ntc_host_get_info(host, &hi) == 0);
    FZ_CHECK(hi.ip_version == 4 || hi.ip_version == 6);
    const char *name = ntc_host_name(host);
    if (name)
        (void)strlen(name);
    size_t napps = ntc_host_app_count(host);
    for (size_t i = 0; i < napps; i++) {
        ntc_app_stats st = {.size = sizeof(st)};
        FZ_CHECK(ntc_host_get_app(host, i, &st) == 0);
    }
    ntc_app_stats st = {.size = sizeof(st)};
    FZ_CHECK(ntc_host_get_app(host, napps, &st) == NTC_EINVAL);

    static char big[1 << 16];
    char small[40];
    for (unsigned flags = 0; flags < 2; flags++) {
        int n = ntc_host_format_json(host, flags, big, sizeof(big));
        fz_check_json(big, n, sizeof(big));
        int m = ntc_host_format_json(host, flags, small, sizeof(small));
        FZ_CHECK(m == n);
        fz_check_json(small, m, sizeof(small));
    }
}

static inline void fz_on_flow_end(void *user, const ntc_flow *flow, ntc_flow_end_reason why)
{
    (void)user;
    (void)ntc_flow_end_reason_name(why);
    fz_read_flow(flow);
}

static inline void fz_on_host_end(void *user, const ntc_host *host)
{
    (void)user;
    fz_read_host(host);
}

static inline void fz_on_tick(void *user, ntc_tick tick, uint64_t now_us)
{
    (void)user;
    (void)tick;
    (void)now_us;
}

static inline void fz_on_log(void *user, ntc_log_level level, const char *msg)
{
    (void)user;
    (void)level;
    (void)strlen(msg);
}

static inline int fz_app_cb(void *user, const ntc_app_stats *st)
{
    const ntc_engine *eng = user;
    (void)ntc_engine_app_name(eng, st->id);
    return 0;
}

static inline int fz_cat_cb(void *user, const ntc_app_stats *st)
{
    (void)user;
    (void)ntc_l7_category_name(st->id);
    return 0;
}

static inline int fz_flow_cb(void *user, const ntc_flow *flow)
{
    (void)user;
    fz_read_flow(flow);
    return 0;
}

/* Read the engine's tables and counters through the public API. */
static inline void fz_read_engine(ntc_engine *eng)
{
    ntc_iface_stats st = {.size = sizeof(st)};
    FZ_CHECK(ntc_engine_get_iface_stats(eng, &st) == 0);
    ntc_engine_foreach_app(eng, 0, fz_app_cb, eng);
    ntc_engine_foreach_app(eng, 1, fz_cat_cb, NULL);
}

static const ntc_callbacks fz_callbacks = {
    .version = NTC_CALLBACKS_VERSION,
    .flow_end = fz_on_flow_end,
    .host_end = fz_on_host_end,
    .tick = fz_on_tick,
    .log = fz_on_log,
};

/* An engine for fuzzing: DPI on, small tables so that eviction and purges happen within one
 * input, a fixed hash seed so that runs are reproducible, local networks so that local-host paths
 * (MAC, per-host L7 tables) run. Created once per process: nDPI's initialisation takes ~100 ms
 * under ASan, far more than an input. */
static inline ntc_engine *fz_engine_new(void)
{
    ntc_config *cfg = ntc_config_new();
    FZ_CHECK(cfg);
    FZ_CHECK(ntc_config_set_int(cfg, "flow.max", 64) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "host.max", 48) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "host.name_cache", 32) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "decode.frag_max", 16) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "decode.frag_timeout", 5) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "flow.idle_timeout", 30) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "flow.closed_idle_timeout", 5) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "flow.active_timeout", 10) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "host.local_idle_timeout", 60) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "host.remote_idle_timeout", 20) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "snapshot.max_flows", 8) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "snapshot.max_hosts", 8) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "engine.hash_seed", 0x5eed) == 0);
    FZ_CHECK(ntc_config_set_string(cfg, "host.local_networks",
                                   "10.0.0.0/8,192.168.0.0/16,172.16.0.0/12,fd00::/8") == 0);
    FZ_CHECK(ntc_config_set_bool(cfg, "dpi.enable", 1) == 0);
    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, cfg);
    if (rc != 0) {
        fprintf(stderr, "fuzz: ntc_engine_new: %s: %s\n", ntc_strerror(rc), ntc_engine_errmsg(eng));
        abort();
    }
    ntc_config_free(cfg);
    FZ_CHECK(ntc_engine_set_callbacks(eng, &fz_callbacks, NULL) == 0);
    return eng;
}

/* Read (and release) the latest snapshot, if any; asks the engine to publish one at its next
 * tick. */
static inline void fz_read_snapshot(ntc_engine *eng)
{
    ntc_snapshot *s = ntc_engine_snapshot_acquire(eng);
    if (!s)
        return;
    ntc_iface_stats st = {.size = sizeof(st)};
    FZ_CHECK(ntc_snapshot_iface_stats(s, &st) == 0);
    size_t n = ntc_snapshot_flow_count(s);
    for (size_t i = 0; i < n; i++)
        fz_read_flow(ntc_snapshot_flow(s, i));
    FZ_CHECK(ntc_snapshot_flow(s, n) == NULL);
    n = ntc_snapshot_host_count(s);
    for (size_t i = 0; i < n; i++)
        fz_read_host(ntc_snapshot_host(s, i));
    FZ_CHECK(ntc_snapshot_host(s, n) == NULL);
    ntc_snapshot_foreach_app(s, 0, fz_app_cb, eng);
    ntc_snapshot_foreach_app(s, 1, fz_cat_cb, NULL);
    ntc_snapshot_release(s);
}

#endif
