/* ntc-bench-interop: flows per second exported and collected (IPFIX, NetFlow v9, ZMQ TLV/JSON).
 *
 *   ntc-bench-interop [--flows N] [--repeat R]
 *
 * N synthetic flows (default 200000: distinct IPv4 and IPv6 client/server pairs, TCP and UDP,
 * some with an application and HTTP metadata) are made in an engine through
 * ntc_engine_ingest_flow(), then, each stage timed on its own (best of R rounds, default 3):
 *   export-*   encoding every flow as the exporters do (lib/export), into memory: IPFIX and NetFlow
 *              v9 datagrams of 1400 bytes (biflow), ZMQ TLV and JSON payloads of 64 flows, and
 *              TLV compressed with zlib; the datagrams/messages are kept for the next stages;
 *   collect-*  parsing them as the collectors do (lib/collect) and feeding every record to
 *              ntc_engine_ingest_flow() of a fresh engine (DPI off): flows/s collected;
 *   loopback-* the whole path through sockets on 127.0.0.1 in one thread, public API only: an
 *              ntc_flow_exporter sends batches of 64 flows (IPFIX over UDP, ZMQ TLV) and an engine with
 *              ntc_engine_open_collector() polls them in.
 * Prints a table and a line "RESULT key=value ...". Not a test: nothing here runs under meson test.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "collect/netflow.h"
#include "collect/zmqmsg.h"
#include "export/flow_exporter.h"
#include "ntopcore/ntopcore.h"

#define BATCH 64

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- flows to export ---- */

static const ntc_flow **flows;
static size_t nflows;

static int keep_flow(void *u, const ntc_flow *f)
{
    (void)u;
    flows[nflows++] = f;
    return 0;
}

static ntc_engine *make_engine(size_t n)
{
    ntc_config *cfg = ntc_config_new();
    ntc_config_set_bool(cfg, "dpi.enable", 0);
    ntc_config_set_int(cfg, "flow.max", (int64_t)n + 16);
    ntc_config_set_int(cfg, "host.max", (int64_t)n * 2 + 16);
    ntc_config_set_int(cfg, "flow.idle_timeout", 86400);
    ntc_config_set_int(cfg, "flow.closed_idle_timeout", 86400);
    ntc_config_set_int(cfg, "host.remote_idle_timeout", 604800);
    ntc_engine *e = NULL;
    if (ntc_engine_new(&e, cfg) != 0) {
        fprintf(stderr, "ntc-bench-interop: cannot create an engine\n");
        exit(1);
    }
    ntc_config_free(cfg);
    return e;
}

static ntc_engine *synth(size_t n)
{
    ntc_engine *e = make_engine(n);
    ntc_flow_meta_value meta[] = {{NTC_META_HTTP_URL, "www.example.com/index.html"},
                                  {NTC_META_HTTP_HOST, "www.example.com"}};
    uint64_t t0 = 1700000000ull * 1000000;
    for (size_t i = 0; i < n; i++) {
        ntc_flow_record r;
        memset(&r, 0, sizeof(r));
        r.size = sizeof(r);
        int v6 = i % 8 == 7;
        r.ip_version = v6 ? 6 : 4;
        if (v6) {
            r.src_addr[0] = 0x20, r.src_addr[1] = 0x01, r.src_addr[2] = 0x0d, r.src_addr[3] = 0xb8;
            memcpy(r.dst_addr, r.src_addr, 4);
            r.src_addr[12] = (uint8_t)(i >> 24), r.src_addr[13] = (uint8_t)(i >> 16);
            r.src_addr[14] = (uint8_t)(i >> 8), r.src_addr[15] = (uint8_t)i;
            r.dst_addr[15] = 1;
        } else {
            r.src_addr[0] = 10, r.src_addr[1] = (uint8_t)(i >> 16), r.src_addr[2] = (uint8_t)(i >> 8);
            r.src_addr[3] = (uint8_t)i;
            r.dst_addr[0] = 192, r.dst_addr[1] = 0, r.dst_addr[2] = 2, r.dst_addr[3] = (uint8_t)(i % 200);
        }
        r.src_port = (uint16_t)(1024 + i % 60000);
        r.dst_port = i % 3 ? 443 : 80;
        r.l4_proto = i % 5 ? 6 : 17;
        r.packets = 10 + i % 7;
        r.bytes = 1500 + i % 1000;
        r.rev_packets = 8;
        r.rev_bytes = 9000;
        r.first_us = t0 + i * 1000;
        r.last_us = r.first_us + 2000000;
        r.src_tcp_flags = r.dst_tcp_flags = 0x1b;
        if (r.dst_port == 80) {
            r.l7_app = 7;
            r.meta = meta;
            r.meta_count = 2;
        } else if (r.l4_proto == 6) {
            r.l7_master = 91;
            r.l7_app = 126;
        }
        ntc_engine_ingest_flow(e, &r);
    }
    flows = malloc(n * sizeof(*flows));
    ntc_engine_foreach_flow(e, keep_flow, NULL);
    return e;
}

/* ---- what the encoders produced ---- */

typedef struct msgs {
    uint8_t *d;
    size_t len, cap;
    size_t count;
} msgs;

static void msgs_add(msgs *m, const uint8_t *d, size_t n)
{
    if (m->len + n + 4 > m->cap) {
        m->cap = (m->len + n + 4) * 2;
        m->d = realloc(m->d, m->cap);
        if (!m->d)
            exit(1);
    }
    m->d[m->len] = (uint8_t)(n >> 24), m->d[m->len + 1] = (uint8_t)(n >> 16);
    m->d[m->len + 2] = (uint8_t)(n >> 8), m->d[m->len + 3] = (uint8_t)n;
    memcpy(m->d + m->len + 4, d, n);
    m->len += n + 4;
    m->count++;
}

static int to_msgs(void *u, const uint8_t *d, size_t n)
{
    msgs_add(u, d, n);
    return 0;
}

static double export_ipfix(int version, msgs *out)
{
    ntc_flow_exporter_stats st = {.size = sizeof(st)};
    ntc__ipfix_opts o = {.version = version, .biflow = 1, .mtu = 1400, .refresh_s = 60};
    out->len = out->count = 0;
    double t = now_s();
    ntc__ipfix_w *w = ntc__ipfix_w_new(&o, to_msgs, out, &st);
    for (size_t i = 0; i < nflows; i++) {
        ntc__flowx x;
        ntc__flowx_get(flows[i], &x);
        ntc__ipfix_w_flow(w, &x, 1700000100ull * 1000000);
    }
    ntc__ipfix_w_flush(w, 1700000100ull * 1000000);
    ntc__ipfix_w_free(w);
    return now_s() - t;
}

/* ZMQ payloads: TLV (zlib: compressed with it), or JSON arrays. Messages keep the 36-byte header. */
static double export_zmq(int json, int zlib_on, msgs *out)
{
    out->len = out->count = 0;
    ntc__buf b = {0}, z = {0};
    char *jb = malloc(8192);
    uint32_t id = 0;
    double t = now_s();
    for (size_t i = 0; i < nflows; i += BATCH) {
        b.len = 0;
        if (json)
            ntc__buf_put(&b, "[", 1);
        else
            ntc__tlv_begin(&b);
        for (size_t k = i; k < i + BATCH && k < nflows; k++) {
            if (json) {
                int n = ntc_flow_format_json(flows[k], NTC_JSON_NPROBE_IDS, jb, 8192);
                if (k > i)
                    ntc__buf_put(&b, ",", 1);
                ntc__buf_put(&b, jb, (size_t)n);
            } else {
                ntc__flowx x;
                ntc__flowx_get(flows[k], &x);
                ntc__tlv_flow(&b, &x);
            }
        }
        if (json)
            ntc__buf_put(&b, "]", 1);
        const uint8_t *p = b.d;
        size_t n = b.len;
        uint8_t flags = json ? 0 : NTC__ZMQ_FLAG_TLV;
        if (zlib_on) {
            uLongf zl = compressBound((uLong)n);
            if (z.cap < zl) {
                z.d = realloc(z.d, zl);
                z.cap = zl;
            }
            compress2(z.d, &zl, p, (uLong)n, Z_DEFAULT_COMPRESSION);
            p = z.d;
            n = zl;
            flags |= NTC__ZMQ_FLAG_ZLIB;
        }
        uint8_t h[36 + 65536 * 2];
        ntc__zmq_header(h, flags, (uint32_t)b.len, ++id, 0);
        memcpy(h + 36, p, n);
        msgs_add(out, h, 36 + n);
    }
    double dt = now_s() - t;
    ntc__buf_free(&b);
    ntc__buf_free(&z);
    free(jb);
    return dt;
}

/* ---- collecting ---- */

static ntc_engine *sink;
static uint64_t collected;

static void ingest(void *u, const ntc_flow_record *r)
{
    (void)u;
    if (ntc_engine_ingest_flow(sink, r) == 0)
        collected++;
}

static double collect(const msgs *m, int zmq)
{
    ntc_iface_stats st;
    memset(&st, 0, sizeof(st));
    sink = make_engine(nflows);
    collected = 0;
    ntc__nf_limits lim = {.max_exporters = 16, .max_templates = 64, .timeout_us = 1800ull * 1000000,
                          .seed = 1};
    ntc__nf *nf = zmq ? NULL : ntc__nf_new(&lim, &st);
    ntc__zmqp *zp = zmq ? ntc__zmqp_new(16, 1 << 20, 1, &st) : NULL;
    static const uint8_t exp_addr[4] = {127, 0, 0, 1};
    double t = now_s();
    for (size_t o = 0; o < m->len;) {
        size_t n = (size_t)m->d[o] << 24 | (size_t)m->d[o + 1] << 16 | (size_t)m->d[o + 2] << 8 | m->d[o + 3];
        const uint8_t *d = m->d + o + 4;
        if (zmq)
            ntc__zmqp_message(zp, d, 36, d + 36, n - 36, "tcp://127.0.0.1:5556", 0, ingest, NULL);
        else
            ntc__nf_datagram(nf, 4, exp_addr, 2055, d, n, 0, ingest, NULL);
        o += 4 + n;
    }
    double dt = now_s() - t;
    if (collected != nflows)
        fprintf(stderr, "ntc-bench-interop: collected %" PRIu64 " of %zu flows\n", collected, nflows);
    ntc__nf_free(nf);
    ntc__zmqp_free(zp);
    ntc_engine_free(sink);
    return dt;
}

/* ---- the whole path over loopback (public API) ---- */

static int free_port(int type)
{
    int s = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    bind(s, (struct sockaddr *)&a, sizeof(a));
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static double loopback(int zmq, uint64_t *got)
{
    char in[128], out[128];
    int port = free_port(zmq ? SOCK_STREAM : SOCK_DGRAM);
    snprintf(in, sizeof(in), zmq ? "zmq:tcp://127.0.0.1:%d" : "netflow:udp://127.0.0.1:%d", port);
    snprintf(out, sizeof(out), zmq ? "zmq:tcp://127.0.0.1:%d" : "ipfix:udp://127.0.0.1:%d", port);
    ntc_engine *e = make_engine(nflows);
    ntc_config *cfg = ntc_config_new();
    ntc_config_set_int(cfg, "export.zmq_wait", 2000);
    ntc_flow_exporter *x = NULL;
    if (ntc_engine_open_collector(e, in) != 0 || ntc_flow_exporter_new(&x, out, cfg) != 0) {
        fprintf(stderr, "ntc-bench-interop: %s / %s: %s%s\n", in, out, ntc_engine_errmsg(e),
                x ? ntc_flow_exporter_errmsg(x) : "");
        exit(1);
    }
    ntc_config_free(cfg);
    if (zmq) {
        /* Let the subscription reach the publisher first. */
        for (int i = 0; i < 20; i++)
            ntc_engine_poll(e, 10);
    }
    double t = now_s();
    uint64_t want = 0;
    for (size_t i = 0; i < nflows; i += BATCH) {
        for (size_t k = i; k < i + BATCH && k < nflows; k++)
            ntc_flow_exporter_flow(x, flows[k], 1700000100ull * 1000000);
        ntc_flow_exporter_flush(x, 1700000100ull * 1000000);
        want += (i + BATCH < nflows ? BATCH : nflows - i);
        /* Read until this batch is in (or 100 ms of silence). */
        ntc_iface_stats st = {.size = sizeof(st)};
        double quiet = now_s();
        for (;;) {
            int n = ntc_engine_poll(e, 1);
            ntc_engine_get_iface_stats(e, &st);
            if (st.flows_collected >= want)
                break;
            if (n > 0)
                quiet = now_s();
            else if (now_s() - quiet > 0.1)
                break;
        }
    }
    double dt = now_s() - t;
    ntc_iface_stats st = {.size = sizeof(st)};
    ntc_engine_get_iface_stats(e, &st);
    *got = st.flows_collected;
    ntc_flow_exporter_free(x);
    ntc_engine_free(e);
    return dt;
}

int main(int argc, char **argv)
{
    size_t n = 200000;
    unsigned repeat = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--flows") == 0 && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = (unsigned)strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: ntc-bench-interop [--flows N] [--repeat R]\n");
            return 1;
        }
    }
    if (n == 0 || repeat == 0)
        return 1;
    ntc_engine *src = synth(n);
    printf("%zu flows (1/8 IPv6; HTTP ones with metadata), best of %u rounds\n\n", nflows, repeat);
    printf("%-22s %12s %10s %10s %12s\n", "stage", "flows/s", "ns/flow", "messages", "bytes/flow");

    struct {
        const char *name, *key;
        int kind;   /* 0 ipfix 1 v9 2 tlv 3 json 4 tlv+zlib */
    } st[] = {{"IPFIX", "ipfix", 0}, {"NetFlow v9", "v9", 1}, {"ZMQ TLV", "tlv", 2},
              {"ZMQ JSON", "json", 3}, {"ZMQ TLV+zlib", "tlvz", 4}};
    char result[2048];
    size_t rl = 0;
    rl += (size_t)snprintf(result + rl, sizeof(result) - rl, "RESULT flows=%zu", nflows);
    for (size_t s = 0; s < sizeof(st) / sizeof(st[0]); s++) {
        msgs m = {0};
        double best_e = 1e30, best_c = 1e30;
        for (unsigned r = 0; r < repeat; r++) {
            double te = st[s].kind < 2 ? export_ipfix(st[s].kind == 0 ? 10 : 9, &m)
                                       : export_zmq(st[s].kind == 3, st[s].kind == 4, &m);
            if (te < best_e)
                best_e = te;
            double tc = collect(&m, st[s].kind >= 2);
            if (tc < best_c)
                best_c = tc;
        }
        double bytes = (double)(m.len - 4 * m.count) / (double)nflows;
        printf("export %-15s %12.0f %10.0f %10zu %12.1f\n", st[s].name, (double)nflows / best_e,
               best_e * 1e9 / (double)nflows, m.count, bytes);
        printf("collect %-14s %12.0f %10.0f\n", st[s].name, (double)nflows / best_c,
               best_c * 1e9 / (double)nflows);
        rl += (size_t)snprintf(result + rl, sizeof(result) - rl,
                               " export_%s_fps=%.0f collect_%s_fps=%.0f", st[s].key,
                               (double)nflows / best_e, st[s].key, (double)nflows / best_c);
        free(m.d);
    }
    for (int z = 0; z < 2; z++) {
        uint64_t got = 0;
        double t = loopback(z, &got);
        printf("loopback %-13s %12.0f %10.0f   (%" PRIu64 " of %zu flows arrived)\n",
               z ? "ZMQ TLV" : "IPFIX/UDP", (double)got / t, t * 1e9 / (double)(got ? got : 1), got,
               nflows);
        rl += (size_t)snprintf(result + rl, sizeof(result) - rl, " loopback_%s_fps=%.0f loopback_%s_lost=%" PRIu64,
                               z ? "zmq" : "ipfix", (double)got / t, z ? "zmq" : "ipfix",
                               (uint64_t)nflows - got);
    }
    printf("\n%s\n", result);
    free(flows);
    ntc_engine_free(src);
    return 0;
}
