/* ntc-bench-flood: the flow and host tables under a flood of random 5-tuples, fed through
 * ntc_engine_ingest() (DPI off), in a release build. The larger sibling of tests/robust/test_flood.c
 * (which asserts the exact counts under ASan); here only time and memory are measured.
 *
 *   fill        flow.max = 2^20 (DESIGN.md section 5: a million concurrent flows), host.max 2^22,
 *               long timeouts. The table is filled a tenth at a time; after each tenth, a million
 *               lookups of random flows already there. Prints ns per insertion and per lookup at
 *               each fill level (O(1): they must not grow with the fill), memory_bytes, RSS and
 *               memory per flow when full.
 *   caps        ten million new flows against the caps: default ones (flow.max 131072,
 *               host.max 65536) and 2^20 / 2^22. Every new flow evicts one. ns per packet over
 *               each tenth, evictions, hosts refused.
 *   collisions  4096 keys chosen to fall in one bucket of a 65536-bucket table under a known seed
 *               (engine.hash_seed): ns per packet with that seed, with another and with a random one.
 *
 * Times are the CPU time of the thread (CLOCK_THREAD_CPUTIME_ID), so that other work on the machine
 * does not count; page faults of new memory do.
 *
 * Usage: ntc-bench-flood [--quick]   (--quick: a tenth of the sizes, for a smoke run) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine_int.h"
#include "flow/flow.h"
#include "ntopcore/ntopcore.h"

#define T0 (1700000000ULL * 1000000ULL)

static unsigned scale = 1; /* divisor of the sizes (--quick: 10) */

/* CPU time of this thread: the machine may be shared, and the cost of a packet is what is
 * measured, not how much of the CPU other programs left (cache sharing still shows). */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS or VmHWM of this process, in KiB. */
static long proc_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static uint32_t perm31(uint32_t x, uint32_t k)
{
    const uint32_t m = 0x7fffffffu;
    x &= m;
    x = (x * (0x2545f491u ^ k)) & m;
    x ^= x >> 15;
    x = (x * 0x6b2fb645u) & m;
    x ^= x >> 13;
    x = (x * (0x1b873593u + k)) & m;
    x ^= x >> 16;
    return x;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint16_t port_of(uint32_t bits)
{
    uint16_t p = (uint16_t)bits;
    return p == 2152 || p == 4789 || p == 5247 ? (uint16_t)(p ^ 1) : p;
}

/* Raw IPv4/UDP packet of flow i (every i a different source and destination host). */
static void frame_set(uint8_t *b, uint32_t i)
{
    memset(b, 0, 28);
    b[0] = 0x45, b[3] = 28, b[8] = 64, b[9] = 17, b[25] = 8;
    put32(b + 12, perm31(i, 0));
    put32(b + 16, perm31(i, 0x5a5a5a5a) | 0x80000000u);
    uint32_t bits = perm31(i, 0x1234) ^ (i << 7);
    uint16_t sp = port_of(bits), dp = port_of(bits >> 16);
    b[20] = (uint8_t)(sp >> 8), b[21] = (uint8_t)sp, b[22] = (uint8_t)(dp >> 8), b[23] = (uint8_t)dp;
}

static uint64_t ts = T0;

static void feed(ntc_engine *e, const uint8_t *b)
{
    if (ntc_engine_ingest(e, NTC_LINKTYPE_RAW, ts, b, 28, 0) != 0) {
        fprintf(stderr, "ingest failed\n");
        exit(1);
    }
    ts += 10; /* 100,000 packets a second of packet time */
}

static ntc_engine *engine(uint64_t flow_max, uint64_t host_max, uint64_t seed, int long_timeouts)
{
    ntc_config *cfg = ntc_config_new();
    int rc = ntc_config_set_int(cfg, "flow.max", (int64_t)flow_max) |
             ntc_config_set_int(cfg, "host.max", (int64_t)host_max) |
             ntc_config_set_int(cfg, "engine.hash_seed", (int64_t)seed) |
             ntc_config_set_bool(cfg, "dpi.enable", 0);
    if (long_timeouts)
        rc |= ntc_config_set_int(cfg, "flow.idle_timeout", 86400) |
              ntc_config_set_int(cfg, "host.remote_idle_timeout", 86400);
    ntc_engine *e = NULL;
    if (rc || ntc_engine_new(&e, cfg) != 0) {
        fprintf(stderr, "cannot create the engine\n");
        exit(1);
    }
    ntc_config_free(cfg);
    ts = T0;
    return e;
}

static ntc_iface_stats stats(const ntc_engine *e)
{
    ntc_iface_stats st = {.size = sizeof(st)};
    ntc_engine_get_iface_stats(e, &st);
    return st;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* Mean number of entries a successful lookup walks in the flow table's chains (1 + load / 2 for
 * a uniform hash), read from the table itself. */
static double mean_chain_cost(const ntc_engine *e)
{
    double cost = 0, n = 0;
    for (uint32_t b = 0; b <= e->flows.mask; b++) {
        double len = 0;
        for (const struct ntc_flow *f = e->flows.buckets[b]; f; f = f->hnext)
            len++;
        cost += len * (len + 1) / 2;
        n += len;
    }
    return n ? cost / n : 0;
}

static void fill(void)
{
    const uint32_t max = 1u << 20, total = max / scale, step = total / 10, lookups = 1000000 / scale;
    long rss0 = proc_kb("VmRSS");
    ntc_engine *e = engine(max, 4 * (uint64_t)max, 0, 1);
    uint8_t b[28];
    printf("fill: flow.max %u, host.max %u, %u flows, %u lookups of random flows after each tenth\n",
           max, 4 * max, total, lookups);
    printf("  %6s %10s %12s %12s %12s\n", "fill", "flows", "insert ns", "lookup ns", "chain cost");
    for (uint32_t k = 0; k < 10; k++) {
        double t = now_s();
        for (uint32_t i = k * step; i < (k + 1) * step; i++) {
            frame_set(b, i);
            feed(e, b);
        }
        double ins = (now_s() - t) * 1e9 / step;
        t = now_s();
        for (uint32_t j = 0; j < lookups; j++) {
            frame_set(b, rnd((k + 1) * step));
            feed(e, b);
        }
        double look = (now_s() - t) * 1e9 / lookups;
        printf("  %5u%% %10" PRIu64 " %12.0f %12.0f %12.2f\n", (k + 1) * 10, stats(e).flows_active, ins,
               look, mean_chain_cost(e));
    }
    ntc_iface_stats st = stats(e);
    long rss = proc_kb("VmRSS");
    printf("  full: %" PRIu64 " flows, %" PRIu64 " hosts; memory_bytes %.1f MiB (%.0f B per flow with "
           "its two hosts), RSS +%.1f MiB (%.0f B per flow); flow_bytes %" PRIu64 ", host_bytes %" PRIu64
           "\n",
           st.flows_active, st.hosts_active, st.memory_bytes / 1048576.0,
           (double)st.memory_bytes / (double)st.flows_active, (rss - rss0) / 1024.0,
           (rss - rss0) * 1024.0 / (double)st.flows_active, st.flow_bytes, st.host_bytes);
    printf("RESULT_FILL flows=%" PRIu64 " memory_bytes=%" PRIu64 " rss_kb=%ld\n", st.flows_active,
           st.memory_bytes, rss - rss0);
    ntc_engine_free(e);
}

static void caps(uint32_t fmax, uint32_t hmax)
{
    const uint32_t n = 10000000 / scale, step = n / 10;
    ntc_engine *e = engine(fmax, hmax, 0, 0);
    uint8_t b[28];
    printf("caps: flow.max %u, host.max %u, %u new flows\n  ns/packet by tenth:", fmax, hmax, n);
    for (uint32_t k = 0; k < 10; k++) {
        double t = now_s();
        for (uint32_t i = k * step; i < (k + 1) * step; i++) {
            frame_set(b, i);
            feed(e, b);
        }
        printf(" %.0f", (now_s() - t) * 1e9 / step);
        fflush(stdout);
    }
    ntc_iface_stats st = stats(e);
    printf("\n  flows evicted %" PRIu64 " expired %" PRIu64 ", hosts created %" PRIu64 " evicted %" PRIu64
           " purged %" PRIu64 " refused %" PRIu64 ", memory_bytes %.1f MiB, VmHWM %.1f MiB\n",
           st.flows_evicted, st.flows_expired, st.hosts_total, st.hosts_evicted, st.hosts_purged,
           st.hosts_not_created, st.memory_bytes / 1048576.0, proc_kb("VmHWM") / 1024.0);
    ntc_engine_free(e);
}

#define COLL_MAX 65536u
#define COLL_KEYS 4096u

static void collisions(void)
{
    const uint64_t seed = 0x5eedf00dULL;
    static uint32_t src[COLL_KEYS];
    static uint16_t sport[COLL_KEYS];
    ntc__flow_table tab;
    if (ntc__flow_table_init(&tab, COLL_MAX, 1, 1, seed) != 0)
        exit(1);
    ntc__pkt p;
    memset(&p, 0, sizeof(p));
    p.ip_version = 4, p.l4_proto = 17, p.dport = 53;
    p.dst[0] = 192, p.dst[2] = 2, p.dst[3] = 1;
    double t0 = now_s();
    uint32_t found = 0;
    for (uint32_t a = 0; found < COLL_KEYS; a++) {
        uint32_t s = 0x0a000000u + (a >> 4);
        put32(p.src, s);
        p.sport = (uint16_t)(1024 + (a & 15));
        if ((ntc__flow_hash(&tab, &p) & tab.mask) == 0)
            src[found] = s, sport[found++] = p.sport;
    }
    ntc__flow_table_destroy(&tab);
    printf("collisions: %u keys in one bucket of %u under seed %#" PRIx64 " (found in %.1f s); each "
           "key gets 8 packets\n",
           COLL_KEYS, COLL_MAX, seed, now_s() - t0);
    static const struct {
        uint64_t seed;
        const char *what;
    } runs[] = {{0x5eedf00dULL, "the known seed"}, {0x5eedf00eULL, "another seed"}, {0, "random seed"}};
    for (int r = 0; r < 3; r++) {
        ntc_engine *e = engine(COLL_MAX, 4 * COLL_MAX, runs[r].seed, 0);
        uint8_t b[28];
        frame_set(b, 0);
        put32(b + 16, 0xc0000201u);
        b[22] = 0, b[23] = 53;
        double t = now_s();
        for (int round = 0; round < 8; round++) {
            for (uint32_t i = 0; i < COLL_KEYS; i++) {
                put32(b + 12, src[i]);
                b[20] = (uint8_t)(sport[i] >> 8), b[21] = (uint8_t)sport[i];
                feed(e, b);
            }
        }
        printf("  %-16s %8.0f ns/packet\n", runs[r].what, (now_s() - t) * 1e9 / (8 * COLL_KEYS));
        ntc_engine_free(e);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--quick") == 0)
        scale = 10;
    fill();
    caps(131072, 65536);
    caps(1u << 20, 1u << 22);
    collisions();
    return 0;
}
