/* The snapshot model under ThreadSanitizer (engine.h, "Thread-safety model").
 *
 * The main thread is the engine thread: it ingests hand-made DNS packets (UDP) for tens of thousands
 * of distinct flows over several seconds of packet time (so ticks run, flows expire and are evicted,
 * and snapshots are published), pausing briefly now and then so readers overlap with it. Two reader
 * threads loop: acquire the latest snapshot, read its interface counters, walk its flows and hosts
 * with the public accessors (counters, L7 verdicts, metadata strings, application tables), then
 * release the previous one (two references are held at times).
 *
 * Checked: snapshot times never go back and several distinct snapshots were seen; flow and host
 * counts are within snapshot.max_* and the interface's active counts; every copied flow is
 * internally consistent (no torn copy); every flow is reported exactly once through flow_end; a
 * snapshot held by a reader stays valid after ntc_engine_free(). Any TSan report fails the test
 * (TSAN_OPTIONS=halt_on_error=1 exitcode=66 in the meson test environment).
 * Exit: 0 ok, 1 a check failed. */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ntopcore/ntopcore.h>

#include "pkt.h"

#define T0 1700000000000000ull
#define SECONDS 12                /* packet time covered */
#define STEP_US 5000u             /* packet time between steps */
#define NEW_PER_STEP 10           /* new flows per step: 2000 per second, 24000 in all */
#define MAX_FLOWS_SNAP 500
#define MAX_HOSTS_SNAP 300
#define N_READERS 2

static atomic_int failed; /* number of failed checks; the first 20 are printed */

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        if (!(cond) && atomic_fetch_add(&failed, 1) < 20) {                               \
            fprintf(stderr, "snapshot-tsan: %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                          \
        }                                                                                 \
    } while (0)

/* Flow k: client 10.0.x.y (3000 hosts) port 20000+k/3000 -> server 192.0.2.(1..50) port 53. */
static void flow_addr(uint32_t k, uint32_t *cli, uint32_t *srv, uint16_t *sport)
{
    *cli = 0x0a000000u | (k % 3000u + 1u);
    *srv = 0xc0000200u | (k % 50u + 1u);
    *sport = (uint16_t)(20000u + k / 3000u);
}

/* Flow k carries DNS queries for "hNNNNN.example.com" (all names the same length, so every query
 * packet has the same size, and every response). Sizes are IP bytes. */
static size_t req_bytes, rep_bytes;

static size_t dns_packet(uint8_t *buf, uint32_t k, int reply)
{
    uint8_t dns[128];
    char name[32];
    uint32_t cli, srv;
    uint16_t sport;
    flow_addr(k, &cli, &srv, &sport);
    snprintf(name, sizeof(name), "h%05u.example.com", (unsigned)(k % 100000u));
    size_t d = pkt_dns(dns, (uint16_t)k, name, reply, 0xc6336401u /* 198.51.100.1 */);
    return reply ? pkt_udp4_data(buf, srv, cli, 53, sport, dns, d)
                 : pkt_udp4_data(buf, cli, srv, sport, 53, dns, d);
}

static void send_udp(ntc_engine *e, uint64_t ts, uint32_t k, int reply)
{
    uint8_t buf[256];
    size_t n = dns_packet(buf, k, reply);
    int rc = ntc_engine_ingest(e, NTC_LINKTYPE_RAW, ts, buf, (uint32_t)n, (uint32_t)n);
    CHECK(rc == 0, "ingest returned %d", rc);
}

/* ---- engine-thread callbacks ---- */

typedef struct ended {
    uint64_t by_reason[5];
    uint64_t ticks;
} ended;

static void on_flow_end(void *user, const ntc_flow *flow, ntc_flow_end_reason reason)
{
    ended *x = user;
    (void)flow;
    if (reason >= 1 && reason <= 4)
        x->by_reason[reason]++;
}

static void on_tick(void *user, ntc_tick tick, uint64_t now_us)
{
    ended *x = user;
    (void)now_us;
    if (tick == NTC_TICK_SECOND)
        x->ticks++;
}

/* ---- readers ---- */

typedef struct reader {
    ntc_engine *eng;
    atomic_int *done;
    uint64_t acquired, distinct, flows_read, hosts_read, with_meta, app_entries;
    uint64_t last_time, last_packets;
    ntc_snapshot *kept;          /* the last snapshot, still held at the end */
} reader;

static int count_app(void *user, const ntc_app_stats *a);

static void check_snapshot(reader *r, ntc_snapshot *s)
{
    uint64_t t = ntc_snapshot_time(s);
    CHECK(t >= r->last_time, "snapshot time went back: %" PRIu64 " < %" PRIu64, t, r->last_time);
    if (t > r->last_time)
        r->distinct++;
    r->last_time = t;

    ntc_iface_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    CHECK(ntc_snapshot_iface_stats(s, &st) == 0, "iface stats");
    CHECK(st.last_us <= t, "iface last_us %" PRIu64 " after snapshot time", st.last_us);
    CHECK(st.packets >= r->last_packets, "packet count went back");
    r->last_packets = st.packets;
    CHECK(st.decode_errors_total == 0, "%" PRIu64 " decode errors", st.decode_errors_total);

    size_t nf = ntc_snapshot_flow_count(s);
    CHECK(nf <= MAX_FLOWS_SNAP, "%zu flows > snapshot.max_flows", nf);
    CHECK(nf <= st.flows_active, "%zu flows > flows_active %" PRIu64, nf, st.flows_active);
    CHECK(ntc_snapshot_flow(s, nf) == NULL, "flow past the end");
    for (size_t i = 0; i < nf; i++) {
        const ntc_flow *f = ntc_snapshot_flow(s, i);
        ntc_flow_info fi;
        memset(&fi, 0, sizeof(fi));
        fi.size = sizeof(fi);
        if (!f || ntc_flow_get_info(f, &fi) != 0) {
            CHECK(0, "flow %zu unreadable", i);
            break;
        }
        CHECK(fi.ip_version == 4 && fi.l4_proto == 17 && fi.srv_port == 53,
              "flow %zu: v%u proto %u port %u", i, fi.ip_version, fi.l4_proto, fi.srv_port);
        CHECK(fi.cli2srv_packets + fi.srv2cli_packets >= 1, "flow %zu without packets", i);
        CHECK(fi.cli2srv_bytes == fi.cli2srv_packets * req_bytes &&
                  fi.srv2cli_bytes == fi.srv2cli_packets * rep_bytes,
              "flow %zu: inconsistent counters %" PRIu64 "/%" PRIu64 " %" PRIu64 "/%" PRIu64, i,
              fi.cli2srv_packets, fi.cli2srv_bytes, fi.srv2cli_packets, fi.srv2cli_bytes);
        CHECK(fi.first_us <= fi.last_us && fi.last_us <= t, "flow %zu: times", i);
        ntc_flow_l7 l7;
        memset(&l7, 0, sizeof(l7));
        l7.size = sizeof(l7);
        CHECK(ntc_flow_get_l7(f, &l7) == 0 && l7.how <= NTC_L7_OFF, "flow %zu: l7", i);
        const char *q = ntc_flow_meta(f, NTC_META_DNS_QUERY);
        if (q) {
            size_t ql = strlen(q);
            CHECK(ql == 18 && strcmp(q + 6, ".example.com") == 0, "flow %zu: DNS_QUERY '%s'", i, q);
            r->with_meta++;
        }
        if ((r->acquired + i) % 97 == 0) {
            char json[1024], name[64];
            CHECK(ntc_flow_format_json(f, 0, json, sizeof(json)) > 0, "flow json");
            CHECK(ntc_flow_l7_name(f, name, sizeof(name)) > 0, "flow l7 name");
            CHECK(l7.how != NTC_L7_DPI || strcmp(name, "DNS") == 0, "flow %zu: l7 name %s", i, name);
        }
        r->flows_read++;
    }

    size_t nh = ntc_snapshot_host_count(s);
    CHECK(nh <= MAX_HOSTS_SNAP, "%zu hosts > snapshot.max_hosts", nh);
    CHECK(nh <= st.hosts_active, "%zu hosts > hosts_active %" PRIu64, nh, st.hosts_active);
    CHECK(ntc_snapshot_host(s, nh) == NULL, "host past the end");
    for (size_t i = 0; i < nh; i++) {
        ntc_host_info hi;
        memset(&hi, 0, sizeof(hi));
        hi.size = sizeof(hi);
        if (ntc_host_get_info(ntc_snapshot_host(s, i), &hi) != 0) {
            CHECK(0, "host %zu unreadable", i);
            break;
        }
        CHECK(hi.ip_version == 4, "host %zu: v%u", i, hi.ip_version);
        CHECK(hi.first_us <= hi.last_us && hi.last_us <= t, "host %zu: times", i);
        const ntc_host *h = ntc_snapshot_host(s, i);
        size_t na = ntc_host_app_count(h);
        for (size_t a = 0; a < na; a++) {
            ntc_app_stats as;
            memset(&as, 0, sizeof(as));
            as.size = sizeof(as);
            CHECK(ntc_host_get_app(h, a, &as) == 0, "host %zu app %zu", i, a);
        }
        const char *hn = ntc_host_name(h);
        CHECK(!hn || strlen(hn) < 256, "host name");
        r->hosts_read++;
    }

    /* The application and category tables of the snapshot; names from any thread. */
    for (int cat = 0; cat < 2; cat++)
        CHECK(ntc_snapshot_foreach_app(s, cat, count_app, r) == 0, "foreach_app");
    CHECK(ntc_engine_app_name(r->eng, 0) != NULL, "app name from a reader thread");
}

static int count_app(void *user, const ntc_app_stats *a)
{
    reader *r = user;
    CHECK(a->flows >= 1 || a->cli2srv_packets + a->srv2cli_packets >= 1, "empty app entry %u", a->id);
    r->app_entries++;
    return 0;
}

static void *reader_main(void *arg)
{
    reader *r = arg;
    ntc_snapshot *prev = NULL;
    while (!atomic_load(r->done)) {
        ntc_snapshot *s = ntc_engine_snapshot_acquire(r->eng);
        if (!s) {
            sched_yield();
            continue;
        }
        r->acquired++;
        check_snapshot(r, s);
        ntc_snapshot_release(prev);  /* hold two for a while: the new one and the previous */
        prev = s;
        sched_yield();
    }
    r->kept = prev;
    return NULL;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

int main(void)
{
    uint8_t tmp[256];
    req_bytes = dns_packet(tmp, 0, 0);
    rep_bytes = dns_packet(tmp, 0, 1);

    ntc_config *cfg = ntc_config_new();
    CHECK(cfg != NULL, "config");
    if (!cfg)
        return 1;
    CHECK(ntc_config_set_int(cfg, "snapshot.max_flows", MAX_FLOWS_SNAP) == 0, "max_flows");
    CHECK(ntc_config_set_int(cfg, "snapshot.max_hosts", MAX_HOSTS_SNAP) == 0, "max_hosts");
    CHECK(ntc_config_set_int(cfg, "flow.idle_timeout", 3) == 0, "idle");
    CHECK(ntc_config_set_int(cfg, "flow.max", 5000) == 0, "flow.max");   /* evictions too */
    CHECK(ntc_config_set_int(cfg, "host.remote_idle_timeout", 2) == 0, "host idle");
    CHECK(ntc_config_set(cfg, "host.local_networks", "10.0.0.0/24") == 0, "nets");

    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, cfg);
    ntc_config_free(cfg);
    if (rc != 0) {
        fprintf(stderr, "snapshot-tsan: ntc_engine_new: %s\n", ntc_strerror(rc));
        return 1;
    }
    ended x;
    memset(&x, 0, sizeof(x));
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow_end, .tick = on_tick};
    CHECK(ntc_engine_set_callbacks(eng, &cb, &x) == 0, "callbacks");

    atomic_int done;
    atomic_init(&done, 0);
    reader readers[N_READERS];
    pthread_t tids[N_READERS];
    for (int i = 0; i < N_READERS; i++) {
        memset(&readers[i], 0, sizeof(readers[i]));
        readers[i].eng = eng;
        readers[i].done = &done;
        if (pthread_create(&tids[i], NULL, reader_main, &readers[i]) != 0) {
            fprintf(stderr, "snapshot-tsan: pthread_create failed\n");
            return 1;
        }
    }

    /* Engine thread: each step opens NEW_PER_STEP flows, answers the previous step's, and
     * revisits an older flow (which may have expired or been evicted: then it starts again). */
    const uint32_t steps = SECONDS * 1000000u / STEP_US;
    uint32_t next = 0;
    for (uint32_t s = 0; s < steps; s++) {
        uint64_t ts = T0 + (uint64_t)s * STEP_US;
        for (int j = 0; j < NEW_PER_STEP; j++)
            send_udp(eng, ts + (uint64_t)j, next + (uint32_t)j, 0);
        if (next >= NEW_PER_STEP)
            for (int j = 0; j < NEW_PER_STEP; j++)
                send_udp(eng, ts + 100 + (uint64_t)j, next - NEW_PER_STEP + (uint32_t)j, 1);
        if (next >= 4000)
            send_udp(eng, ts + 200, next - 4000, s & 1);
        next += NEW_PER_STEP;
        if (s % 20 == 19)    /* every 100 ms of packet time, let the readers run */
            sleep_us(2000);
    }
    /* One more second so the last state is published, then end every flow. */
    ntc_engine_advance(eng, T0 + (uint64_t)(SECONDS + 1) * 1000000u);
    sleep_us(20000);
    ntc_iface_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    CHECK(ntc_engine_get_iface_stats(eng, &st) == 0, "engine stats");
    CHECK(ntc_engine_flush(eng) == 0, "flush");
    ntc_engine_advance(eng, T0 + (uint64_t)(SECONDS + 2) * 1000000u);
    sleep_us(20000);

    atomic_store(&done, 1);
    for (int i = 0; i < N_READERS; i++)
        pthread_join(tids[i], NULL);

    uint64_t reported = x.by_reason[NTC_FLOW_END_IDLE] + x.by_reason[NTC_FLOW_END_EVICTED] +
                        x.by_reason[NTC_FLOW_END_FLUSH];
    CHECK(st.flows_total >= steps * NEW_PER_STEP, "flows_total %" PRIu64, st.flows_total);
    CHECK(reported == st.flows_total, "%" PRIu64 " flows reported, %" PRIu64 " created", reported,
          st.flows_total);
    CHECK(x.by_reason[NTC_FLOW_END_IDLE] > 0 && x.by_reason[NTC_FLOW_END_EVICTED] > 0,
          "expected both idle and evicted flows (%" PRIu64 ", %" PRIu64 ")",
          x.by_reason[NTC_FLOW_END_IDLE], x.by_reason[NTC_FLOW_END_EVICTED]);
    CHECK(x.ticks >= SECONDS, "%" PRIu64 " ticks", x.ticks);
    for (int i = 0; i < N_READERS; i++) {
        reader *r = &readers[i];
        printf("reader %d: %" PRIu64 " acquisitions, %" PRIu64 " distinct snapshots, %" PRIu64
               " flows (%" PRIu64 " with DNS_QUERY), %" PRIu64 " hosts, %" PRIu64
               " application entries read\n",
               i, r->acquired, r->distinct, r->flows_read, r->with_meta, r->hosts_read,
               r->app_entries);
        CHECK(r->distinct >= 3, "reader %d saw only %" PRIu64 " distinct snapshots", i, r->distinct);
        CHECK(r->flows_read > 0 && r->hosts_read > 0, "reader %d read nothing", i);
        CHECK(r->with_meta > 0 && r->app_entries > 0, "reader %d saw no DPI results", i);
    }

    /* Snapshots still held stay valid after the engine is gone. */
    ntc_engine_free(eng);
    for (int i = 0; i < N_READERS; i++) {
        ntc_snapshot *s = readers[i].kept;
        CHECK(s != NULL, "reader %d kept no snapshot", i);
        if (!s)
            continue;
        CHECK(ntc_snapshot_time(s) == readers[i].last_time, "kept snapshot time");
        for (size_t k = 0; k < ntc_snapshot_flow_count(s); k++) {
            ntc_flow_info fi = {.size = sizeof(fi)};
            CHECK(ntc_flow_get_info(ntc_snapshot_flow(s, k), &fi) == 0, "kept flow");
        }
        ntc_snapshot_release(s);
    }
    printf("flows: %" PRIu64 " created, %" PRIu64 " idle, %" PRIu64 " evicted, %" PRIu64
           " flushed; %" PRIu64 " ticks\n",
           st.flows_total, x.by_reason[NTC_FLOW_END_IDLE], x.by_reason[NTC_FLOW_END_EVICTED],
           x.by_reason[NTC_FLOW_END_FLUSH], x.ticks);
    if (atomic_load(&failed)) {
        fprintf(stderr, "snapshot-tsan: FAILED (%d failed checks)\n", atomic_load(&failed));
        return 1;
    }
    printf("snapshot-tsan: ok\n");
    return 0;
}
