/* ntc-bench-export: flows per second into each output (sink).
 *
 *   ntc-bench-export [-n FLOWS] [-b BATCH] URI...
 *
 * Makes FLOWS flow records first (crafted UDP flows through an engine, DPI off, the full flow
 * registry filled as for real traffic minus L7), then for each URI in turn: opens the sink with
 * queue=FLOWS (nothing is dropped) and batch=BATCH when given (else the sink's default: 1000,
 * ClickHouse 10000), pushes every record and closes it (which
 * waits until everything is written and durable). Prints, per URI, the records written, the
 * wall time from the first push to the end of the close, and flows/s; and the push time alone
 * (what the capture thread pays). A sink that drops or fails is reported, not hidden. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ntopcore/ntopcore.h"

#define BASE_US 1700000000000000ULL

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct recs {
    ntc_record **v;
    size_t n, cap;
} recs;

static void keep(void *user, const ntc_flow *f, ntc_flow_end_reason why)
{
    recs *r = user;
    if (r->n < r->cap && ntc_record_from_flow(f, &r->v[r->n]) == 0)
        r->n++;
}

/* Raw IPv4/UDP (or TCP SYN for every third flow) packet of flow i. */
static size_t packet(uint8_t *b, uint32_t i)
{
    int tcp = i % 3 == 0;
    size_t len = tcp ? 60 : 80;
    memset(b, 0, len);
    b[0] = 0x45;
    b[2] = (uint8_t)(len >> 8);
    b[3] = (uint8_t)len;
    b[8] = 64;
    b[9] = tcp ? 6 : 17;
    b[12] = 10;
    b[13] = (uint8_t)(i >> 16);
    b[14] = (uint8_t)(i >> 8);
    b[15] = (uint8_t)i;
    b[16] = 172;
    b[17] = 16;
    b[18] = (uint8_t)(i >> 8 & 15);
    b[19] = 1;
    uint32_t s = 0;
    for (int k = 0; k < 20; k += 2)
        s += (uint32_t)(b[k] << 8 | b[k + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    b[10] = (uint8_t)(~s >> 8);
    b[11] = (uint8_t)~s;
    uint16_t sport = (uint16_t)(20000 + i % 40000), dport = tcp ? 443 : 5353;
    b[20] = (uint8_t)(sport >> 8);
    b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8);
    b[23] = (uint8_t)dport;
    if (tcp) {
        b[32] = 0x50;
        b[33] = 0x02; /* SYN */
        b[34] = 0x10;
    } else {
        b[25] = (uint8_t)(len - 20);
    }
    return len;
}

int main(int argc, char **argv)
{
    size_t n = 200000, batch = 0; /* 0: each sink's default */
    int opt;
    while ((opt = getopt(argc, argv, "n:b:")) != -1) {
        if (opt == 'n')
            n = strtoull(optarg, NULL, 10);
        else if (opt == 'b')
            batch = strtoull(optarg, NULL, 10);
        else {
            fprintf(stderr, "usage: ntc-bench-export [-n FLOWS] [-b BATCH] URI...\n");
            return 2;
        }
    }
    if (optind >= argc || n == 0) {
        fprintf(stderr, "usage: ntc-bench-export [-n FLOWS] [-b BATCH] URI...\n");
        return 2;
    }
    recs r = {calloc(n, sizeof(ntc_record *)), 0, n};
    ntc_config *cfg = ntc_config_new();
    ntc_config_set(cfg, "dpi.enable", "false");
    ntc_config_set(cfg, "flow.max", "4000000");
    ntc_engine *eng;
    if (!r.v || !cfg || ntc_engine_new(&eng, cfg))
        return 1;
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = keep};
    ntc_engine_set_callbacks(eng, &cb, &r);
    uint8_t pkt[96];
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        size_t len = packet(pkt, (uint32_t)i);
        ntc_engine_ingest(eng, NTC_LINKTYPE_RAW, BASE_US + i * 1000, pkt, (uint32_t)len, 0);
        if (i % 10000 == 9999)
            ntc_engine_flush(eng);
    }
    ntc_engine_flush(eng);
    double made = now_s() - t0;
    printf("%zu flow records made in %.2f s (%.0f records/s: engine + record copy)\n", r.n, made,
           (double)r.n / made);
    for (int u = optind; u < argc; u++) {
        char uri[1024];
        snprintf(uri, sizeof(uri), "%s%squeue=%zu", argv[u], strchr(argv[u], '?') ? "&" : "?", r.n);
        if (batch)
            snprintf(uri + strlen(uri), sizeof(uri) - strlen(uri), "&batch=%zu", batch);
        ntc_exporter *x;
        ntc_exporter_new(&x);
        if (ntc_exporter_add(x, uri) < 0) {
            printf("%-40s cannot open: %s\n", argv[u], ntc_exporter_errmsg(x));
            ntc_exporter_free(x);
            continue;
        }
        double a = now_s();
        for (size_t i = 0; i < r.n; i++)
            ntc_exporter_push(x, r.v[i]);
        double pushed = now_s() - a;
        ntc_exporter_close(x, 600000);
        double total = now_s() - a;
        ntc_sink_stats st = {.size = sizeof(st)};
        ntc_exporter_get_stats(x, 0, &st);
        printf("%-40s %8" PRIu64 " written in %6.2f s: %9.0f flows/s  (push %.0f ns/flow; dropped %" PRIu64
               ", failed writes %" PRIu64 ")\n",
               argv[u], st.written, total, (double)st.written / total, pushed * 1e9 / (double)r.n,
               st.dropped_full + st.dropped_error, st.errors);
        ntc_exporter_free(x);
    }
    for (size_t i = 0; i < r.n; i++)
        ntc_record_release(r.v[i]);
    free(r.v);
    ntc_engine_free(eng);
    ntc_config_free(cfg);
    return 0;
}
