/* Flood: two million packets with random 5-tuples (a million new flows between new hosts)
 * against the flow.max / host.max caps, fed with ntc_engine_ingest() (DPI off: the tables are
 * under test, not nDPI).
 *
 *   caps        flow.max 65536, host.max 262144, a million flows of two packets (the reply a thousand
 *               flows later, a lookup in the full table): the tables fill, then every new
 *               flow evicts the longest-idle one and every new host the longest-idle host without
 *               flows. Exact counts: flows_evicted = N - flow.max (and as many flow_end callbacks
 *               with reason "evicted"), hosts_evicted = 2N - host.max, nothing refused. Memory:
 *               memory_bytes = flow.max * flow_bytes + host.max * host_bytes exactly once full
 *               (both caps are powers of two, so the bucket arrays hold one pointer per entry),
 *               and the heap really in use (the allocator's own count) does not grow from the
 *               moment the tables are full to the end.
 *   host-cap    host.max smaller than two hosts per flow: hosts with flows cannot be evicted, so
 *               some flows get no host; every host asked for is either created or counted in
 *               hosts_not_created, the table never holds more than host.max.
 *   chains      O(1) lookups: after the flood the flow table's hash chains have the length a
 *               random hash gives (mean successful search cost <= 2 entries, longest chain <= 16).
 *   collisions  keys chosen to collide under one hash seed (engine.hash_seed = S): with that seed
 *               all 2048 flows land in one bucket (a lookup walks ~1000 entries: the attack is
 *               real), with seed S + 1 and with a random seed (engine.hash_seed = 0, the default)
 *               the same keys spread like any others.
 *
 * The test prints the time per packet over each tenth of the flood and per lookup in the collision
 * runs, for information: performance is asserted nowhere (bench/ measures it; ntc-bench-flood runs
 * a larger flood in a release build). */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <malloc.h>

#include "core/engine_int.h"
#include "ntopcore/ntopcore.h"

#define SEC 1000000ULL
#define T0 (1700000000ULL * SEC)

/* Bytes the allocator has handed out and not got back: AddressSanitizer's count when the test runs
 * under it (glibc's arenas are then unused), glibc's otherwise. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));
static size_t heap_in_use(void)
{
    if (__sanitizer_get_current_allocated_bytes)
        return __sanitizer_get_current_allocated_bytes();
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A bijection of 31-bit numbers that looks random (odd multipliers and xor-shifts modulo 2^31). */
static uint32_t perm31(uint32_t x, uint32_t k)
{
    const uint32_t m = 0x7fffffffu;
    x &= m;
    x = (x * (0x2545f491u ^ k)) & m; /* odd multipliers: k is even */
    x ^= x >> 15;
    x = (x * 0x6b2fb645u) & m;
    x ^= x >> 13;
    x = (x * (0x1b873593u + k)) & m;
    x ^= x >> 16;
    return x;
}

/* Raw IPv4 + UDP, 28 bytes: the addresses and ports are patched per packet. */
typedef struct frame {
    uint8_t b[28];
} frame;

static void frame_init(frame *f)
{
    memset(f, 0, sizeof(*f));
    f->b[0] = 0x45;
    f->b[3] = 28;
    f->b[8] = 64;
    f->b[9] = 17;
    f->b[25] = 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A port from random bits, but not one of a UDP tunnel the decoder opens (GTP-U 2152, VXLAN
 * 4789, CAPWAP 5247): an 8-byte UDP packet there is a malformed tunnel, not a flow. */
static uint16_t port_of(uint32_t bits)
{
    uint16_t p = (uint16_t)bits;
    return p == 2152 || p == 4789 || p == 5247 ? (uint16_t)(p ^ 1) : p;
}

/* Flow i: source perm31(i) (top bit 0), destination perm31'(i) | 2^31: every source and every
 * destination differs from every other one. Ports from i too (not needed for uniqueness). */
static void frame_set(frame *f, uint32_t i)
{
    uint32_t s = perm31(i, 0), d = perm31(i, 0x5a5a5a5a) | 0x80000000u;
    put32(f->b + 12, s);
    put32(f->b + 16, d);
    uint32_t bits = perm31(i, 0x1234) ^ (i << 7);
    uint16_t sp = port_of(bits), dp = port_of(bits >> 16);
    f->b[20] = (uint8_t)(sp >> 8), f->b[21] = (uint8_t)sp;
    f->b[22] = (uint8_t)(dp >> 8), f->b[23] = (uint8_t)dp;
}

typedef struct counts {
    uint64_t evicted, other;
    uint64_t hosts_ended;
} counts;

static void on_flow(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    counts *c = u;
    (void)f;
    if (why == NTC_FLOW_END_EVICTED)
        c->evicted++;
    else
        c->other++;
}

static void on_host(void *u, const ntc_host *h)
{
    counts *c = u;
    (void)h;
    c->hosts_ended++;
}

static ntc_engine *engine(uint64_t flow_max, uint64_t host_max, uint64_t seed, counts *c)
{
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    assert_int_equal(ntc_config_set_int(cfg, "flow.max", (int64_t)flow_max), 0);
    assert_int_equal(ntc_config_set_int(cfg, "host.max", (int64_t)host_max), 0);
    assert_int_equal(ntc_config_set_int(cfg, "engine.hash_seed", (int64_t)seed), 0);
    assert_int_equal(ntc_config_set_bool(cfg, "dpi.enable", 0), 0);
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(&e, cfg), 0);
    ntc_config_free(cfg);
    if (c) {
        ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow,
                            .host_end = on_host};
        assert_int_equal(ntc_engine_set_callbacks(e, &cb, c), 0);
    }
    return e;
}

/* Interface counters; memory_bytes without the alert state, which alert.track_max bounds on its
 * own (the tables' share is what the caps must bound exactly). */
static ntc_iface_stats stats(const ntc_engine *e)
{
    ntc_iface_stats st = {.size = sizeof(st)};
    assert_int_equal(ntc_engine_get_iface_stats(e, &st), 0);
    ntc_alert_stats as = {.size = sizeof(as)};
    assert_int_equal(ntc_engine_get_alert_stats(e, &as), 0);
    assert_true(as.memory_bytes <= st.memory_bytes);
    st.memory_bytes -= as.memory_bytes;
    return st;
}

/* Chain statistics of the flow table: longest chain, mean entries walked by a successful lookup. */
typedef struct chains {
    uint32_t longest;
    double mean_cost;
    uint64_t entries;
} chains;

static chains flow_chains(const ntc_engine *e)
{
    chains c = {0};
    double cost = 0;
    for (uint32_t b = 0; b <= e->flows.mask; b++) {
        uint32_t len = 0;
        for (const struct ntc_flow *f = e->flows.buckets[b]; f; f = f->hnext)
            len++;
        if (len > c.longest)
            c.longest = len;
        c.entries += len;
        cost += (double)len * (len + 1) / 2;
    }
    c.mean_cost = c.entries ? cost / (double)c.entries : 0;
    return c;
}

/* ---- caps --------------------------------------------------------------------------------------- */

#define FLOOD_N 1000000u   /* flows; two packets each */
#define FLOOD_LAG 1000u    /* the reply of flow i comes after the first packet of flow i + 1000 */
#define FLOOD_FLOWS 65536u
#define FLOOD_HOSTS 262144u

/* The reply (destination -> source) of the packet in f, into r. */
static void frame_reply(const frame *f, frame *r)
{
    *r = *f;
    memcpy(r->b + 12, f->b + 16, 4);
    memcpy(r->b + 16, f->b + 12, 4);
    memcpy(r->b + 20, f->b + 22, 2);
    memcpy(r->b + 22, f->b + 20, 2);
}

static void flood_packet(ntc_engine *e, uint64_t *ts, const frame *f)
{
    /* One packet a microsecond: 2 s in all, far from the 60 s idle timeout. */
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, (*ts)++, f->b, sizeof(f->b), 0), 0);
}

static void caps(void **state)
{
    (void)state;
    printf("# flood: %u new flows of 2 packets (the reply %u flows later), flow.max %u, "
           "host.max %u, DPI off\n",
           FLOOD_N, FLOOD_LAG, FLOOD_FLOWS, FLOOD_HOSTS);
    fflush(stdout);
    size_t heap0 = heap_in_use();
    counts c = {0};
    ntc_engine *e = engine(FLOOD_FLOWS, FLOOD_HOSTS, 0, &c);
    frame f, r;
    frame_init(&f);
    size_t heap_full = 0;
    uint64_t ts = T0;
    double t = now_s();
    for (uint32_t i = 0; i < FLOOD_N + FLOOD_LAG; i++) {
        if (i < FLOOD_N) {
            frame_set(&f, i);
            flood_packet(e, &ts, &f);
        }
        if (i >= FLOOD_LAG) {
            frame_set(&f, i - FLOOD_LAG);
            frame_reply(&f, &r);
            flood_packet(e, &ts, &r);
        }
        if ((i + 1) % (FLOOD_N / 10) == 0) {
            ntc_iface_stats st = stats(e);
            double t2 = now_s();
            printf("#   %3u %%: %6.0f ns/packet, flows %" PRIu64 " (evicted %" PRIu64 "), hosts %" PRIu64
                   " (evicted %" PRIu64 "), memory_bytes %" PRIu64 ", heap %zu\n",
                   (i + 1) / (FLOOD_N / 100), (t2 - t) * 1e9 / (2 * (FLOOD_N / 10)), st.flows_active,
                   st.flows_evicted, st.hosts_active, st.hosts_evicted, st.memory_bytes,
                   heap_in_use() - heap0);
            t = t2;
            assert_true(st.flows_active <= FLOOD_FLOWS);
            assert_true(st.hosts_active <= FLOOD_HOSTS);
        }
        /* Both tables are full from flow host.max / 2 on: the heap must not grow after that. */
        if (i + 1 == FLOOD_N / 4)
            heap_full = heap_in_use();
    }
    ntc_iface_stats st = stats(e);
    assert_int_equal(st.packets, 2ull * FLOOD_N);
    assert_int_equal(st.udp_packets, 2ull * FLOOD_N);
    assert_int_equal(st.flows_total, FLOOD_N);
    assert_int_equal(st.flows_active, FLOOD_FLOWS);
    assert_int_equal(st.flows_evicted, FLOOD_N - FLOOD_FLOWS);
    assert_int_equal(st.flows_expired, 0);
    assert_int_equal(c.evicted, FLOOD_N - FLOOD_FLOWS);
    assert_int_equal(c.other, 0);
    assert_int_equal(st.hosts_total, 2ull * FLOOD_N);
    assert_int_equal(st.hosts_active, FLOOD_HOSTS);
    assert_int_equal(st.hosts_evicted, 2ull * FLOOD_N - FLOOD_HOSTS);
    assert_int_equal(st.hosts_not_created, 0);
    assert_int_equal(c.hosts_ended, st.hosts_evicted);
    /* Memory: exactly the caps' worth of entries. */
    assert_int_equal(st.memory_bytes,
                     (uint64_t)FLOOD_FLOWS * st.flow_bytes + (uint64_t)FLOOD_HOSTS * st.host_bytes);
    size_t heap_end = heap_in_use();
    printf("# heap in use: %zu bytes when full, %zu at the end (memory_bytes %" PRIu64 ")\n",
           heap_full - heap0, heap_end - heap0, st.memory_bytes);
    assert_true(heap_end <= heap_full + 4096);
    /* Everything the engine holds besides its tables (fragment table, name cache, ...) is small. */
    /* (malloc adds up to 16 bytes of its own to each flow and host entry) */
    assert_true(heap_end - heap0 <= st.memory_bytes + 16u * (FLOOD_FLOWS + FLOOD_HOSTS) + (2u << 20));

    chains ch = flow_chains(e);
    printf("# flow chains at the end: %" PRIu64 " entries in %u buckets, longest %u, mean cost %.2f\n",
           ch.entries, e->flows.mask + 1, ch.longest, ch.mean_cost);
    assert_int_equal(ch.entries, FLOOD_FLOWS);
    assert_true(ch.mean_cost <= 2.0);
    assert_true(ch.longest <= 16);

    /* The flows left are the last ones, each with its two packets. */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(c.other, FLOOD_FLOWS);
    ntc_engine_free(e);
    /* What stays is the C library's own (stdio buffers allocated by the printf calls above and
     * the like); real leaks are LeakSanitizer's to find in the sanitizer build. */
    printf("# heap after free: %zd bytes above the start\n", (ssize_t)(heap_in_use() - heap0));
    assert_true(heap_in_use() <= heap0 + 16384);
}

/* ---- host cap --------------------------------------------------------------------------------- */

static void host_cap(void **state)
{
    (void)state;
    const uint32_t n = 200000, fmax = 4096, hmax = 1024;
    counts c = {0};
    ntc_engine *e = engine(fmax, hmax, 0, &c);
    frame f;
    frame_init(&f);
    for (uint32_t i = 0; i < n; i++) {
        frame_set(&f, i);
        assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, T0 + i, f.b, sizeof(f.b), 0), 0);
        if (i % 10007 == 0) {
            ntc_iface_stats st = stats(e);
            assert_true(st.hosts_active <= hmax);
            assert_true(st.memory_bytes <=
                        (uint64_t)fmax * st.flow_bytes + (uint64_t)hmax * st.host_bytes);
        }
    }
    ntc_iface_stats st = stats(e);
    printf("# host cap: %u flows, host.max %u: hosts created %" PRIu64 ", evicted %" PRIu64
           ", not created %" PRIu64 "\n",
           n, hmax, st.hosts_total, st.hosts_evicted, st.hosts_not_created);
    assert_int_equal(st.flows_total, n);
    assert_int_equal(st.flows_evicted, n - fmax);
    assert_int_equal(c.evicted, n - fmax);
    /* Two new addresses per flow: each one became a host or was counted as refused. */
    assert_int_equal(st.hosts_total + st.hosts_not_created, 2ull * n);
    assert_true(st.hosts_not_created > 0);
    assert_int_equal(st.hosts_active, hmax);
    assert_int_equal(st.hosts_evicted, st.hosts_total - st.hosts_active);
    assert_int_equal(c.hosts_ended, st.hosts_evicted);
    ntc_engine_free(e);
}

/* ---- collisions ------------------------------------------------------------------------------- */

#define COLL_MAX 4096u   /* flow.max: 4096 buckets */
#define COLL_KEYS 2048u
#define COLL_SEED 0x5eedf00dULL

/* Find COLL_KEYS 5-tuples whose flows land in bucket 0 of a flow table seeded with `seed`: what
 * an attacker who knows the seed (engine.hash_seed set and leaked) can do offline. */
static void colliding_keys(uint64_t seed, uint32_t *src, uint16_t *sport)
{
    ntc__flow_table t;
    assert_int_equal(ntc__flow_table_init(&t, COLL_MAX, SEC, SEC, seed), 0);
    ntc__pkt p;
    memset(&p, 0, sizeof(p));
    p.ip_version = 4;
    p.l4_proto = 17;
    p.dst[0] = 192, p.dst[1] = 0, p.dst[2] = 2, p.dst[3] = 1;
    p.dport = 53;
    uint32_t found = 0;
    for (uint32_t a = 0; found < COLL_KEYS; a++) {
        uint32_t s = 0x0a000000u + (a >> 4);
        put32(p.src, s);
        p.sport = (uint16_t)(1024 + (a & 15));
        if ((ntc__flow_hash(&t, &p) & t.mask) == 0) {
            src[found] = s;
            sport[found] = p.sport;
            found++;
        }
    }
    ntc__flow_table_destroy(&t);
}

/* Feed the colliding flows (two packets each: one creates, one looks up). Returns ns per packet. */
static double feed_keys(ntc_engine *e, const uint32_t *src, const uint16_t *sport)
{
    frame f;
    frame_init(&f);
    put32(f.b + 16, 0xc0000201u);
    f.b[22] = 0, f.b[23] = 53;
    double t = now_s();
    uint64_t ts = T0;
    for (int round = 0; round < 2; round++) {
        for (uint32_t i = 0; i < COLL_KEYS; i++) {
            put32(f.b + 12, src[i]);
            f.b[20] = (uint8_t)(sport[i] >> 8), f.b[21] = (uint8_t)sport[i];
            assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, ts++, f.b, sizeof(f.b), 0), 0);
        }
    }
    return (now_s() - t) * 1e9 / (2 * COLL_KEYS);
}

static void collisions(void **state)
{
    (void)state;
    uint32_t *src = calloc(COLL_KEYS, sizeof(*src));
    uint16_t *sport = calloc(COLL_KEYS, sizeof(*sport));
    assert_non_null(src);
    assert_non_null(sport);
    colliding_keys(COLL_SEED, src, sport);

    static const struct {
        uint64_t seed;
        const char *what;
    } runs[] = {
        {COLL_SEED, "the seed the keys were chosen for"},
        {COLL_SEED + 1, "another fixed seed"},
        {0, "a random seed (the default)"},
    };
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
        ntc_engine *e = engine(COLL_MAX, 2 * COLL_MAX, runs[r].seed, NULL);
        double ns = feed_keys(e, src, sport);
        ntc_iface_stats st = stats(e);
        assert_int_equal(st.flows_total, COLL_KEYS);
        assert_int_equal(st.flows_active, COLL_KEYS);
        chains ch = flow_chains(e);
        printf("# %u colliding keys, %s: longest chain %u, mean lookup cost %.1f entries, "
               "%.0f ns/packet\n",
               COLL_KEYS, runs[r].what, ch.longest, ch.mean_cost, ns);
        if (r == 0) {
            assert_int_equal(ch.longest, COLL_KEYS);
            assert_true(ch.mean_cost >= COLL_KEYS / 2.0);
        } else {
            assert_true(ch.longest <= 12);
            assert_true(ch.mean_cost <= 2.0);
        }
        ntc_engine_free(e);
    }
    free(src);
    free(sport);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(caps),
        cmocka_unit_test(host_cap),
        cmocka_unit_test(collisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
