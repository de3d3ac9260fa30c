/* lib/alert through the public API: crafted traffic fed with ntc_engine_ingest() (packet time)
 * must produce exactly the expected alerts — type, state, entity, engage and release times,
 * description — and nothing else: SYN flood, ICMP flood, port scan, host scan, servers resetting
 * connections, threshold rules on hosts, networks and the interface (crossing, then calming
 * down), rules files with errors (exact messages), reload at run time, rate limiting, flow alerts
 * (nDPI risks, dangerous breeds, blacklist), the pull queue, the callback table versions, and
 * the sinks (JSON lines, syslog on a local socket, exec hook).
 *
 * Times: B is a whole number of 5 minutes, so flood windows (3 s), scan windows (60 s) and the
 * minute and 5-minute periods all start at B. */
#include "ntc_harness.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define B (1700000100ULL * SEC)
#define MS 1000ULL

/* ---- recording ------------------------------------------------------------------------------ */

#define A_MAX 512

typedef struct arec {
    ntc_alert *al[A_MAX];
    int n;
    char log[8192];
    size_t loglen;
    ntc_engine *eng; /* for callbacks that call the engine */
} arec;

static void on_alert(void *u, const ntc_alert *a)
{
    arec *r = u;
    assert_true(r->n < A_MAX);
    r->al[r->n] = ntc_alert_dup(a);
    assert_non_null(r->al[r->n]);
    r->n++;
}

static void on_log(void *u, ntc_log_level lvl, const char *msg)
{
    arec *r = u;
    int n = snprintf(r->log + r->loglen, sizeof(r->log) - r->loglen, "%d %s\n", (int)lvl, msg);
    if (n > 0)
        r->loglen = r->loglen + (size_t)n < sizeof(r->log) ? r->loglen + (size_t)n : sizeof(r->log) - 1;
}

static arec *arec_new(void)
{
    arec *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    return r;
}

static void arec_free(arec *r)
{
    for (int i = 0; i < r->n; i++)
        ntc_alert_free(r->al[i]);
    free(r);
}

/* An engine with DPI off (unless a pair sets dpi.enable), from key/value pairs ending in NULL,
 * with the alert and log callbacks recording into r. */
static ntc_engine *a_engine(arec *r, ...)
{
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    assert_int_equal(ntc_config_set(cfg, "dpi.enable", "false"), 0);
    assert_int_equal(ntc_config_set(cfg, "engine.hash_seed", "12345"), 0);
    va_list ap;
    va_start(ap, r);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (ntc_config_set(cfg, k, v))
            fail_msg("config %s = %s: %s", k, v, ntc_config_errmsg(cfg));
    }
    va_end(ap);
    ntc_engine *e = NULL;
    int rc = ntc_engine_new(&e, cfg);
    if (rc)
        fail_msg("ntc_engine_new: %s (%s)", ntc_strerror(rc), e ? ntc_engine_errmsg(e) : "");
    ntc_config_free(cfg);
    ntc_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.version = NTC_CALLBACKS_VERSION;
    cb.alert = on_alert;
    cb.log = on_log;
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, r), 0);
    return e;
}

static ntc_alert_info info_of(const ntc_alert *a)
{
    ntc_alert_info i;
    memset(&i, 0, sizeof(i));
    i.size = sizeof(i);
    assert_int_equal(ntc_alert_get_info(a, &i), 0);
    return i;
}

static void dump(const arec *r)
{
    for (int i = 0; i < r->n; i++) {
        ntc_alert_info in = info_of(r->al[i]);
        fprintf(stderr, "  #%d %s %s t=%+.3f '%s' %s\n", i, ntc_alert_type_name(in.type),
                ntc_alert_state_name(in.state), ((double)in.time_us - (double)B) / 1e6,
                ntc_alert_entity_id(r->al[i]), ntc_alert_description(r->al[i]));
    }
}

/* Alert i is (type, state) about entity, at time t (engaged at te for released ones), with this
 * description. */
static void expect(const arec *r, int i, int type, int state, const char *entity, uint64_t t,
                   uint64_t te, const char *desc)
{
    if (i >= r->n) {
        dump(r);
        fail_msg("alert #%d missing (%d recorded)", i, r->n);
    }
    const ntc_alert *a = r->al[i];
    ntc_alert_info in = info_of(a);
    if (in.type != type || in.state != state || strcmp(ntc_alert_entity_id(a), entity) ||
        in.time_us != t || in.engaged_us != (state == NTC_ALERT_RELEASED ? te : t) ||
        (desc && strcmp(ntc_alert_description(a), desc))) {
        dump(r);
        fail_msg("alert #%d: expected %s %s '%s' t=%+.3f '%s'", i, ntc_alert_type_name(type),
                 ntc_alert_state_name(state), entity, ((double)t - (double)B) / 1e6,
                 desc ? desc : "*");
    }
    assert_int_equal(in.id, (uint64_t)i + 1);
}

static void expect_count(const arec *r, int n)
{
    if (r->n != n) {
        dump(r);
        fail_msg("%d alerts, expected %d", r->n, n);
    }
}

/* Detail `key` of an alert: its integer value (asserts it exists and is an integer). */
static int64_t detail_int(const ntc_alert *a, const char *key)
{
    size_t n = ntc_alert_detail_count(a);
    for (size_t i = 0; i < n; i++) {
        ntc_alert_detail d;
        memset(&d, 0, sizeof(d));
        d.size = sizeof(d);
        assert_int_equal(ntc_alert_get_detail(a, i, &d), 0);
        if (!strcmp(d.key, key)) {
            assert_int_equal(d.type, NTC_ALERT_VALUE_INT);
            return d.num;
        }
    }
    fail_msg("no detail %s", key);
    return 0;
}

static const char *detail_str(const ntc_alert *a, const char *key)
{
    size_t n = ntc_alert_detail_count(a);
    for (size_t i = 0; i < n; i++) {
        ntc_alert_detail d;
        memset(&d, 0, sizeof(d));
        d.size = sizeof(d);
        assert_int_equal(ntc_alert_get_detail(a, i, &d), 0);
        if (!strcmp(d.key, key)) {
            assert_int_equal(d.type, NTC_ALERT_VALUE_STRING);
            return d.str;
        }
    }
    return NULL;
}

static ntc_alert_stats astats(ntc_engine *e)
{
    ntc_alert_stats s;
    memset(&s, 0, sizeof(s));
    s.size = sizeof(s);
    assert_int_equal(ntc_engine_get_alert_stats(e, &s), 0);
    return s;
}

static void syn(ntc_engine *e, uint64_t ts, const char *src, uint16_t sport, const char *dst,
                uint16_t dport)
{
    h_tcp(e, ts, src, sport, dst, dport, PG_SYN, 0);
}

/* A packet between two bystanders, to move the clock (and run the ticks) at ts. */
static void tick_at(ntc_engine *e, uint64_t ts)
{
    h_udp(e, ts, "192.0.2.200", 5000, "192.0.2.201", 5001, 10);
}

static char g_dir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A fresh temporary directory for the test (the previous one is removed). */
static void make_dir(void)
{
    if (g_dir[0])
        nftw(g_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    snprintf(g_dir, sizeof(g_dir), "/tmp/ntc-alert-test.XXXXXX");
    assert_non_null(mkdtemp(g_dir));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

typedef struct engaged_list {
    uint64_t id[16];
    int n;
} engaged_list;

static int collect_engaged(void *u, const ntc_alert *a)
{
    engaged_list *l = u;
    assert_true(l->n < 16);
    assert_int_equal(info_of(a).state, NTC_ALERT_ENGAGED);
    l->id[l->n++] = info_of(a).id;
    return 0;
}

/* ---- SYN flood ------------------------------------------------------------------------------ */

/* 60 SYNs in the window [B, B+3), 10 in the next: both ends engage at B+3 and are released at
 * B+6, with the window's counts; nothing else (one port, one host: no scan). */
static void syn_flood(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, NULL);
    for (int i = 0; i < 60; i++)
        syn(e, B + 100 * MS + (uint64_t)i * 40 * MS, "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.2", 80);
    expect_count(r, 0);
    for (int i = 0; i < 10; i++)
        syn(e, B + 3 * SEC + 500 * MS + (uint64_t)i * 100 * MS, "10.0.0.1", (uint16_t)(41000 + i),
            "10.0.0.2", 80);
    /* Window [B, B+3) judged by the first packet past B+3. */
    expect_count(r, 2);
    expect(r, 0, NTC_ALERT_SYN_FLOOD_ATTACKER, NTC_ALERT_ENGAGED, "10.0.0.1", B + 3 * SEC, 0,
           "Host 10.0.0.1 is a SYN flooder [60 SYNs sent in the last 3 sec]");
    expect(r, 1, NTC_ALERT_SYN_FLOOD_VICTIM, NTC_ALERT_ENGAGED, "10.0.0.2", B + 3 * SEC, 0,
           "Host 10.0.0.2 is under SYN flood attack [60 SYNs received in the last 3 sec]");
    ntc_alert_info i0 = info_of(r->al[0]);
    assert_int_equal(i0.severity, NTC_ALERT_ERROR);
    assert_int_equal(i0.entity, NTC_ALERT_ENTITY_HOST);
    assert_int_equal(detail_int(r->al[0], "SYNS"), 60);
    assert_int_equal(detail_int(r->al[0], "WINDOW_S"), 3);
    assert_int_equal(detail_int(r->al[0], "THRESHOLD"), 50);
    assert_int_equal(astats(e).engaged, 2);
    engaged_list el;
    memset(&el, 0, sizeof(el));
    assert_int_equal(ntc_engine_foreach_engaged_alert(e, collect_engaged, &el), 0);
    assert_int_equal(el.n, 2);
    assert_int_equal(el.id[0], 1);
    assert_int_equal(el.id[1], 2);

    tick_at(e, B + 6 * SEC + 200 * MS);
    expect_count(r, 4);
    expect(r, 2, NTC_ALERT_SYN_FLOOD_ATTACKER, NTC_ALERT_RELEASED, "10.0.0.1", B + 6 * SEC,
           B + 3 * SEC, "Host 10.0.0.1 is no longer a SYN flooder [10 SYNs sent in the last 3 sec]");
    expect(r, 3, NTC_ALERT_SYN_FLOOD_VICTIM, NTC_ALERT_RELEASED, "10.0.0.2", B + 6 * SEC,
           B + 3 * SEC,
           "Host 10.0.0.2 is no longer under SYN flood attack [10 SYNs received in the last 3 sec]");
    assert_int_equal(astats(e).engaged, 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    h_advance(e, B + 200 * SEC);
    expect_count(r, 4);
    ntc_alert_stats st = astats(e);
    assert_int_equal(st.delivered, 4);
    assert_int_equal(st.suppressed, 0);
    ntc_engine_free(e);
    arec_free(r);
}

/* The clock restarting (a packet more than engine.clock_resync behind it: a new capture of an
 * earlier time) ends what was engaged, but the release is never dated before the engagement
 * (found by fuzz_pcap_file: a release at 67 s of an alert engaged at 1700000004 s). */
static void release_not_before_engagement(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, NULL);
    for (int i = 0; i < 60; i++)
        syn(e, B + 100 * MS + (uint64_t)i * 40 * MS, "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.2", 80);
    syn(e, B + 3 * SEC + 500 * MS, "10.0.0.1", 41000, "10.0.0.2", 80);
    expect_count(r, 2);
    syn(e, 67 * SEC, "10.0.0.1", 41001, "10.0.0.2", 80); /* the clock restarts at 67 s */
    tick_at(e, 80 * SEC);
    expect_count(r, 4);
    for (int i = 0; i < r->n; i++) {
        ntc_alert_info in = info_of(r->al[i]);
        if (in.engaged_us > in.time_us) {
            dump(r);
            fail_msg("alert #%d released before it engaged", i);
        }
    }
    assert_int_equal(astats(e).engaged, 0);
    ntc_engine_free(e);
    arec_free(r);
}

/* A flood in a window followed by nothing at all: released at the end of the next window, whose
 * count is 0, even though no packet came then (the clock jumps). An ICMP echo flood the same way;
 * the echo replies make nobody a flooder. */
static void icmp_flood_and_gap(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, NULL);
    for (int i = 0; i < 80; i++) {
        h_icmp(e, B + 1 * SEC + (uint64_t)i * 10 * MS, "10.0.0.3", "10.0.0.4", 8, 7, 56);
        h_icmp(e, B + 1 * SEC + (uint64_t)i * 10 * MS + 1 * MS, "10.0.0.4", "10.0.0.3", 0, 7, 56);
    }
    tick_at(e, B + 20 * SEC);
    expect_count(r, 4);
    expect(r, 0, NTC_ALERT_ICMP_FLOOD_ATTACKER, NTC_ALERT_ENGAGED, "10.0.0.3", B + 3 * SEC, 0,
           "Host 10.0.0.3 is an ICMP flooder [80 echo requests sent in the last 3 sec]");
    expect(r, 1, NTC_ALERT_ICMP_FLOOD_VICTIM, NTC_ALERT_ENGAGED, "10.0.0.4", B + 3 * SEC, 0,
           "Host 10.0.0.4 is under ICMP flood attack [80 echo requests received in the last 3 sec]");
    expect(r, 2, NTC_ALERT_ICMP_FLOOD_ATTACKER, NTC_ALERT_RELEASED, "10.0.0.3", B + 6 * SEC,
           B + 3 * SEC, "Host 10.0.0.3 is no longer an ICMP flooder [0 echo requests sent in the last 3 sec]");
    expect(r, 3, NTC_ALERT_ICMP_FLOOD_VICTIM, NTC_ALERT_RELEASED, "10.0.0.4", B + 6 * SEC,
           B + 3 * SEC,
           "Host 10.0.0.4 is no longer under ICMP flood attack [0 echo requests received in the last 3 sec]");
    ntc_engine_free(e);
    arec_free(r);
}

/* Bounded state: a SYN flood from 2000 spoofed sources with alert.track_max = 64 keeps at most
 * 64 entries (the rest is counted in track_full), and the victim, tracked from the first SYN, is
 * still reported. */
static void bounded_state(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.track_max", "64", NULL);
    char ip[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(ip, sizeof(ip), "172.16.%d.%d", i / 250, i % 250 + 1);
        syn(e, B + 100 * MS + (uint64_t)i * MS, ip, (uint16_t)(1024 + i), "10.0.0.2", 80);
    }
    ntc_alert_stats st = astats(e);
    assert_true(st.track_full > 0);
    /* 64 entries of about 140 bytes, the scan set, the buckets: well under 1 MiB. */
    assert_true(st.memory_bytes > 64 * 100 && st.memory_bytes < 1024 * 1024);
    tick_at(e, B + 3 * SEC + 500 * MS);
    expect_count(r, 1);
    expect(r, 0, NTC_ALERT_SYN_FLOOD_VICTIM, NTC_ALERT_ENGAGED, "10.0.0.2", B + 3 * SEC, 0,
           "Host 10.0.0.2 is under SYN flood attack [2000 SYNs received in the last 3 sec]");
    ntc_engine_free(e);
    arec_free(r);
}

/* ---- scans ---------------------------------------------------------------------------------- */

/* 10.0.0.1 tries ports 1..30 of 10.0.0.2, which resets each, and connects to 3 more (full
 * handshake): 30 failed ports, 30 resets; engaged at the end of the scan window [B, B+60),
 * released at the end of the next (quiet) one. No host scan (one host), no SYN flood (1 SYN/s). */
static void port_scan(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, NULL);
    uint64_t t = B + 1 * SEC;
    for (int p = 1; p <= 30; p++, t += SEC) {
        syn(e, t, "10.0.0.1", 33333, "10.0.0.2", (uint16_t)p);
        h_tcp(e, t + 1 * MS, "10.0.0.2", (uint16_t)p, "10.0.0.1", 33333, PG_RST | PG_ACK, 0);
    }
    for (int p = 100; p < 103; p++, t += SEC) {
        syn(e, t, "10.0.0.1", 33334, "10.0.0.2", (uint16_t)p);
        h_tcp(e, t + 1 * MS, "10.0.0.2", (uint16_t)p, "10.0.0.1", 33334, PG_SYN | PG_ACK, 0);
        h_tcp(e, t + 2 * MS, "10.0.0.1", 33334, "10.0.0.2", (uint16_t)p, PG_ACK, 0);
    }
    expect_count(r, 0);
    h_advance(e, B + 60 * SEC);
    expect_count(r, 2);
    expect(r, 0, NTC_ALERT_SERVER_RESETS, NTC_ALERT_ENGAGED, "10.0.0.2", B + 60 * SEC, 0,
           "Host 10.0.0.2 is resetting new connections [30 connections reset in the last 60 sec]");
    expect(r, 1, NTC_ALERT_PORT_SCAN, NTC_ALERT_ENGAGED, "10.0.0.1", B + 60 * SEC, 0,
           "Host 10.0.0.1 is scanning ports of 10.0.0.2 [failed connections to 30 ports in the last 60 sec]");
    assert_string_equal(detail_str(r->al[1], "PEER"), "10.0.0.2");
    assert_int_equal(detail_int(r->al[1], "PORTS"), 30);
    assert_int_equal(info_of(r->al[1]).severity, NTC_ALERT_WARNING);
    h_advance(e, B + 125 * SEC);
    expect_count(r, 4);
    expect(r, 2, NTC_ALERT_SERVER_RESETS, NTC_ALERT_RELEASED, "10.0.0.2", B + 120 * SEC, B + 60 * SEC,
           "Host 10.0.0.2 no longer resets new connections [0 connections reset in the last 60 sec]");
    expect(r, 3, NTC_ALERT_PORT_SCAN, NTC_ALERT_RELEASED, "10.0.0.1", B + 120 * SEC, B + 60 * SEC,
           "Host 10.0.0.1 is no longer scanning ports of 10.0.0.2 [failed connections to 0 ports in the last 60 sec]");
    ntc_engine_free(e);
    arec_free(r);
}

/* SYNs to 30 hosts, never answered (the flows expire meanwhile), and 5 hosts it connects to: a
 * host scan of 30 hosts, engaged at B+60, released at B+120. A host connecting to many ports of
 * one server (24 successful connections: FTP data, say) raises nothing. */
static void host_scan(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, NULL);
    char ip[32];
    uint64_t t = B + 5 * SEC;
    for (int i = 1; i <= 30; i++, t += SEC) {
        snprintf(ip, sizeof(ip), "10.0.1.%d", i);
        syn(e, t, "10.0.0.1", (uint16_t)(50000 + i), ip, 445);
    }
    for (int i = 100; i < 105; i++, t += 100 * MS) {
        snprintf(ip, sizeof(ip), "10.0.1.%d", i);
        syn(e, t, "10.0.0.1", (uint16_t)(51000 + i), ip, 445);
        h_tcp(e, t + 1 * MS, ip, 445, "10.0.0.1", (uint16_t)(51000 + i), PG_SYN | PG_ACK, 0);
        h_tcp(e, t + 2 * MS, "10.0.0.1", (uint16_t)(51000 + i), ip, 445, PG_ACK, 0);
    }
    for (int p = 0; p < 24; p++, t += 50 * MS) {
        syn(e, t, "10.0.0.9", (uint16_t)(52000 + p), "10.0.2.1", (uint16_t)(20000 + p));
        h_tcp(e, t + 1 * MS, "10.0.2.1", (uint16_t)(20000 + p), "10.0.0.9", (uint16_t)(52000 + p),
              PG_SYN | PG_ACK, 0);
        h_tcp(e, t + 2 * MS, "10.0.0.9", (uint16_t)(52000 + p), "10.0.2.1", (uint16_t)(20000 + p),
              PG_ACK, 0);
    }
    h_advance(e, B + 60 * SEC + 500 * MS);
    expect_count(r, 1);
    expect(r, 0, NTC_ALERT_HOST_SCAN, NTC_ALERT_ENGAGED, "10.0.0.1", B + 60 * SEC, 0,
           "Host 10.0.0.1 is scanning hosts [failed connections to 30 hosts in the last 60 sec]");
    assert_int_equal(detail_int(r->al[0], "HOSTS"), 30);
    h_advance(e, B + 121 * SEC);
    expect_count(r, 2);
    expect(r, 1, NTC_ALERT_HOST_SCAN, NTC_ALERT_RELEASED, "10.0.0.1", B + 120 * SEC, B + 60 * SEC,
           "Host 10.0.0.1 is no longer scanning hosts [failed connections to 0 hosts in the last 60 sec]");
    ntc_engine_free(e);
    arec_free(r);
}

/* At the end of the input (flush) the windows in progress are judged: a scan in the last seconds
 * of a capture is reported at the flush's time, and stays engaged. */
static void flush_judges_windows(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.syn_flood_threshold", "0", NULL);
    for (int p = 1; p <= 26; p++)
        syn(e, B + 10 * SEC + (uint64_t)p * 10 * MS, "10.0.0.7", 40000, "10.0.0.8", (uint16_t)p);
    expect_count(r, 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    expect_count(r, 1);
    expect(r, 0, NTC_ALERT_PORT_SCAN, NTC_ALERT_ENGAGED, "10.0.0.7", B + 10 * SEC + 260 * MS, 0,
           "Host 10.0.0.7 is scanning ports of 10.0.0.8 [failed connections to 26 ports in the last 60 sec]");
    /* Later windows go on as usual: the window [B, B+60) still had the scan (engaged), the quiet
     * one after releases it at its end. */
    h_advance(e, B + 130 * SEC);
    expect_count(r, 2);
    expect(r, 1, NTC_ALERT_PORT_SCAN, NTC_ALERT_RELEASED, "10.0.0.7", B + 120 * SEC,
           B + 10 * SEC + 260 * MS, NULL);
    ntc_engine_free(e);
    arec_free(r);
}

/* ---- thresholds ----------------------------------------------------------------------------- */

static const char *rules_path(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    write_file(path, text);
    return path;
}

/* A host crossing a byte threshold in one minute, then calming down: engaged at the end of the
 * minute with its delta, released at the end of the next one. */
static void threshold_host(void **state)
{
    (void)state;
    make_dir();
    const char *path = rules_path("host.rules",
                                  "# per-host volume\n"
                                  "\n"
                                  "host 10.0.0.5 bytes > 100k per minute   # 100000 bytes\n");
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.rules_file", path, NULL);
    /* 100 UDP datagrams of 1200 bytes of payload: 100 * (20 + 8 + 1200) = 122800 IP bytes. */
    for (int i = 0; i < 100; i++)
        h_udp(e, B + 1 * SEC + (uint64_t)i * 100 * MS, "10.0.0.5", 4000, "10.0.0.6", 53, 1200);
    expect_count(r, 0);
    for (int i = 0; i < 10; i++)
        h_udp(e, B + 61 * SEC + (uint64_t)i * SEC, "10.0.0.5", 4000, "10.0.0.6", 53, 1200);
    expect_count(r, 1);
    expect(r, 0, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.0.0.5", B + 60 * SEC, 0,
           "Host 10.0.0.5 crossed a threshold [bytes 122800 > 100000 in the last minute]");
    ntc_alert_info in = info_of(r->al[0]);
    assert_int_equal(in.rule_line, 3);
    assert_int_equal(in.severity, NTC_ALERT_WARNING);
    assert_int_equal(detail_int(r->al[0], "VALUE"), 122800);
    assert_int_equal(detail_int(r->al[0], "THRESHOLD"), 100000);
    assert_string_equal(detail_str(r->al[0], "METRIC"), "bytes");
    assert_string_equal(detail_str(r->al[0], "PERIOD"), "minute");
    tick_at(e, B + 120 * SEC + 300 * MS);
    expect_count(r, 2);
    expect(r, 1, NTC_ALERT_THRESHOLD, NTC_ALERT_RELEASED, "10.0.0.5", B + 120 * SEC, B + 60 * SEC,
           "Host 10.0.0.5 is back within a threshold [bytes 12280, not > 100000, in the last minute]");
    assert_int_equal(info_of(r->al[1]).rule_line, 3);
    tick_at(e, B + 180 * SEC + 300 * MS);
    expect_count(r, 2);
    ntc_engine_free(e);
    arec_free(r);
}

/* Network, interface and CIDR host rules, packets and flows, '<', severities, 5-minute period. */
static void threshold_network_interface(void **state)
{
    (void)state;
    make_dir();
    const char *path = rules_path("net.rules",
                                  "network 10.1.0.0/16 packets > 40 per minute severity error\n"
                                  "interface flows > 5 per minute\n"
                                  "host 10.1.0.0/24 flows > 3 per 5min severity critical\n"
                                  "interface packets < 1 per minute severity info\n");
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.rules_file", path, NULL);
    /* Minute [B, B+60): 10.1.0.1 opens 6 flows to 10.1.0.2 with 5 packets each (30 packets in
     * the network) and 10.1.5.5 one flow of 11 packets to 192.0.2.1 (in the /16, not the /24):
     * 41 packets > 40; 7 flows > 5; 10.1.0.1 and 10.1.0.2 have 6 flows each in 5 minutes. */
    for (int f = 0; f < 6; f++)
        for (int k = 0; k < 5; k++)
            h_udp(e, B + 1 * SEC + (uint64_t)(f * 5 + k) * 100 * MS, "10.1.0.1",
                  (uint16_t)(6000 + f), "10.1.0.2", 7000, 10);
    for (int k = 0; k < 11; k++)
        h_udp(e, B + 10 * SEC + (uint64_t)k * SEC, "10.1.5.5", 6100, "192.0.2.1", 7000, 10);
    h_advance(e, B + 60 * SEC);
    expect_count(r, 2);
    expect(r, 0, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.1.0.0/16", B + 60 * SEC, 0,
           "Network 10.1.0.0/16 crossed a threshold [packets 41 > 40 in the last minute]");
    expect(r, 1, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "", B + 60 * SEC, 0,
           "Interface crossed a threshold [flows 7 > 5 in the last minute]");
    assert_int_equal(info_of(r->al[0]).entity, NTC_ALERT_ENTITY_NETWORK);
    assert_int_equal(info_of(r->al[0]).severity, NTC_ALERT_ERROR);
    assert_int_equal(info_of(r->al[1]).entity, NTC_ALERT_ENTITY_INTERFACE);
    /* Minute [B+60, B+120): no packet at all: the interface rule '< 1' engages, the others are
     * released. */
    h_advance(e, B + 120 * SEC);
    expect_count(r, 5);
    expect(r, 2, NTC_ALERT_THRESHOLD, NTC_ALERT_RELEASED, "10.1.0.0/16", B + 120 * SEC, B + 60 * SEC,
           "Network 10.1.0.0/16 is back within a threshold [packets 0, not > 40, in the last minute]");
    expect(r, 3, NTC_ALERT_THRESHOLD, NTC_ALERT_RELEASED, "", B + 120 * SEC, B + 60 * SEC,
           "Interface is back within a threshold [flows 0, not > 5, in the last minute]");
    expect(r, 4, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "", B + 120 * SEC, 0,
           "Interface crossed a threshold [packets 0 < 1 in the last minute]");
    assert_int_equal(info_of(r->al[4]).severity, NTC_ALERT_INFO);
    tick_at(e, B + 150 * SEC);
    /* 5 minutes: hosts of 10.1.0.0/24 with more than 3 flows. 10.1.0.1 and 10.1.0.2 (6 flows
     * each) were purged (remote hosts, idle 60 s) long before the period ended: they are judged on
     * their last values, as 10.1.0.9 (4 flows), present at the end. */
    for (int f = 0; f < 4; f++)
        h_udp(e, B + 280 * SEC + (uint64_t)f * SEC, "10.1.0.9", (uint16_t)(6200 + f), "192.0.2.9", 53, 10);
    h_advance(e, B + 300 * SEC);
    const char *want[] = {"10.1.0.9", "10.1.0.1", "10.1.0.2"};
    const int want_flows[] = {4, 6, 6};
    int found[3] = {0, 0, 0};
    for (int i = 5; i < r->n; i++) {
        ntc_alert_info in = info_of(r->al[i]);
        if (in.entity == NTC_ALERT_ENTITY_INTERFACE)
            continue; /* the interface rules, released / engaged again by the packets of B+150.. */
        int k = 0;
        while (k < 3 && strcmp(ntc_alert_entity_id(r->al[i]), want[k]))
            k++;
        if (k == 3) {
            dump(r);
            fail_msg("unexpected alert #%d", i);
        }
        char d[200];
        snprintf(d, sizeof(d), "Host %s crossed a threshold [flows %d > 3 in the last 5 minutes]",
                 want[k], want_flows[k]);
        expect(r, i, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, want[k], B + 300 * SEC, 0, d);
        assert_int_equal(in.severity, NTC_ALERT_CRITICAL);
        assert_string_equal(detail_str(r->al[i], "RULE_TARGET"), "10.1.0.0/24");
        found[k]++;
    }
    assert_int_equal(found[0] + found[1] * 10 + found[2] * 100, 111);
    /* The next 5 minutes: 10.1.0.9 is quiet (still there: its idle purge is later), the others are
     * gone: all three released at B+600. */
    int before = r->n;
    h_advance(e, B + 600 * SEC);
    int released = 0;
    for (int i = before; i < r->n; i++) {
        ntc_alert_info in = info_of(r->al[i]);
        if (in.entity != NTC_ALERT_ENTITY_HOST)
            continue;
        assert_int_equal(in.state, NTC_ALERT_RELEASED);
        assert_int_equal(in.time_us, B + 600 * SEC);
        released++;
    }
    assert_int_equal(released, 3);
    ntc_engine_free(e);
    arec_free(r);
}

/* A host whose traffic crosses an application threshold (local host, DPI on): DNS bytes. */
static void threshold_dns_bytes(void **state)
{
    (void)state;
    make_dir();
    const char *path = rules_path("dns.rules", "host local dns_bytes > 1000 per minute\n"
                                               "host local app:DNS > 1000 per minute\n");
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "dpi.enable", "true", "host.local_networks", "10.2.0.0/16",
                             "alert.rules_file", path, NULL);
    /* 20 DNS queries (a minimal query for example.com, 29 bytes of DNS + 28 of headers). */
    static const uint8_t q[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm',
                                0x00, 0x00, 0x01, 0x00, 0x01};
    for (int i = 0; i < 20; i++) {
        h_l2l3(&h_scratch, 0, "10.2.0.1", "10.2.0.53", 0);
        pg_udp(&h_scratch, (uint16_t)(30000 + i), 53);
        pg_data(&h_scratch, q, sizeof(q));
        h_finish(&h_scratch);
        h_feed(e, B + 1 * SEC + (uint64_t)i * SEC, &h_scratch);
    }
    h_advance(e, B + 60 * SEC);
    /* 20 * 57 = 1140 bytes, for both hosts (both local), for both rules. */
    expect_count(r, 4);
    expect(r, 0, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.2.0.1", B + 60 * SEC, 0,
           "Host 10.2.0.1 crossed a threshold [dns_bytes 1140 > 1000 in the last minute]");
    expect(r, 1, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.2.0.1", B + 60 * SEC, 0,
           "Host 10.2.0.1 crossed a threshold [app:DNS 1140 > 1000 in the last minute]");
    expect(r, 2, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.2.0.53", B + 60 * SEC, 0,
           "Host 10.2.0.53 crossed a threshold [dns_bytes 1140 > 1000 in the last minute]");
    expect(r, 3, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.2.0.53", B + 60 * SEC, 0, NULL);
    ntc_engine_free(e);
    arec_free(r);
}

/* ---- the rules file ------------------------------------------------------------------------- */

/* Every kind of mistake, each on its own line: one message per line, naming line and problem. */
static void rules_errors(void **state)
{
    (void)state;
    make_dir();
    const char *path = rules_path("bad.rules",
                                  "host 10.0.0.1 bytes > 1M per minute\n"            /* 1: fine */
                                  "hots 10.0.0.1 bytes > 1M per minute\n"            /* 2 */
                                  "host 10.0.0.300 bytes > 1M per minute\n"          /* 3 */
                                  "network 10.0.0.0 bytes > 1M per minute\n"         /* 4 */
                                  "host any byts > 1M per minute\n"                  /* 5 */
                                  "host any app:Youtub > 1M per minute\n"            /* 6 */
                                  "host any bytes >= 1M per minute\n"                /* 7 */
                                  "host any bytes > ten per minute\n"                /* 8 */
                                  "host any bytes > 1M each minute\n");              /* 9 */
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set(cfg, "dpi.enable", "false"), 0);
    assert_int_equal(ntc_config_set(cfg, "alert.rules_file", path), 0);
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(&e, cfg), NTC_EFORMAT);
    assert_non_null(e);
    char expected[4096];
    snprintf(expected, sizeof(expected),
             "alert.rules_file: %1$s:2: unknown rule kind 'hots' (expected host, network, interface or blacklist)\n"
             "%1$s:3: bad host target '10.0.0.300' (expected an address, a CIDR network, local, remote or any)\n"
             "%1$s:4: bad network '10.0.0.0' (expected a CIDR network such as 10.0.0.0/8)\n"
             "%1$s:5: unknown metric 'byts' (expected bytes, packets, flows, dns_bytes, p2p_bytes, app:NAME or category:NAME)\n"
             "%1$s:6: unknown application 'Youtub' in 'app:Youtub'\n"
             "%1$s:7: expected '>' or '<' after 'bytes', found '>='\n"
             "%1$s:8: bad threshold 'ten' (expected a number such as 500, 10M, 1.5G or 64Ki)\n"
             "%1$s:9: expected 'per' after the threshold, found 'each'",
             path);
    if (strcmp(ntc_engine_errmsg(e), expected))
        fail_msg("message:\n%s\nexpected:\n%s", ntc_engine_errmsg(e), expected);
    ntc_engine_free(e);
    ntc_config_free(cfg);

    /* The rest of the messages, through a reload of an engine without rules (no prefix). */
    arec *r = arec_new();
    e = a_engine(r, NULL);
    const char *rest = rules_path("rest.rules",
                                  "host any bytes > 1M per week\n"
                                  "interface packets > 5 per hour severity high\n"
                                  "host any bytes > 1M per minute extra\n"
                                  "host 10.0.0.1 bytes > 1M per minute\n"
                                  "host 10.0.0.1 bytes > 1000k per minute\n"
                                  "blacklist protocol Tor\n"
                                  "host any bytes > 1.5 per minute\n"
                                  "host any category:Nothing > 1 per day\n"
                                  "host any bytes\n"
                                  "blacklist app\n"
                                  "host \"any bytes > 1 per day\n");
    assert_int_equal(ntc_engine_alert_load_rules(e, rest), NTC_EFORMAT);
    snprintf(expected, sizeof(expected),
             "%1$s:1: unknown period 'week' (expected minute, 5min, hour or day)\n"
             "%1$s:2: unknown severity high (expected info, warning, error or critical)\n"
             "%1$s:3: unexpected 'extra' after the rule\n"
             "%1$s:5: same rule as line 4\n"
             "%1$s:6: expected 'app' or 'category' after 'blacklist', found 'protocol'\n"
             "%1$s:7: bad threshold '1.5' (expected a number such as 500, 10M, 1.5G or 64Ki)\n"
             "%1$s:8: unknown category 'Nothing' in 'category:Nothing'\n"
             "%1$s:9: incomplete rule: missing '>' or '<' after 'bytes'\n"
             "%1$s:10: incomplete entry: missing the application name after 'blacklist app'\n"
             "%1$s:11: unterminated '\"'",
             rest);
    if (strcmp(ntc_engine_errmsg(e), expected))
        fail_msg("message:\n%s\nexpected:\n%s", ntc_engine_errmsg(e), expected);
    /* More errors than a message holds: the first ones, then how many more. */
    char big[8192] = "";
    for (int i = 0; i < 100; i++)
        strcat(big, "host any bytes > 1 per fortnight\n");
    const char *many = rules_path("many.rules", big);
    assert_int_equal(ntc_engine_alert_load_rules(e, many), NTC_EFORMAT);
    const char *msg = ntc_engine_errmsg(e);
    snprintf(expected, sizeof(expected),
             "%s:1: unknown period 'fortnight' (expected minute, 5min, hour or day)\n", many);
    assert_memory_equal(msg, expected, strlen(expected));
    const char *last = strrchr(msg, '\n');
    assert_non_null(last);
    unsigned more = 0, shown = 0;
    assert_int_equal(sscanf(last, "\n(%u more errors)", &more), 1);
    for (const char *p = msg; (p = strstr(p, "unknown period")); p++)
        shown++;
    assert_int_equal(shown + more, 100);
    assert_true(shown >= 10);
    /* Unreadable file. */
    assert_int_equal(ntc_engine_alert_load_rules(e, "/nonexistent/rules"), NTC_EIO);
    assert_string_equal(ntc_engine_errmsg(e), "/nonexistent/rules: No such file or directory");
    assert_int_equal(astats(e).rules, 0);
    /* A good file: numbers with multipliers, quotes, comments, case. */
    const char *good = rules_path("good.rules",
                                  "# comment\n"
                                  "HOST 10.0.0.0/8 Bytes > 1.5G per HOUR\n"
                                  "host fd00::/8 packets < 64Ki per day severity CRITICAL\n"
                                  "host \"local\" p2p_bytes > 0 per 5min # trailing comment\n"
                                  "network 192.168.0.0/16 category:Web > 2T per day\r\n"
                                  "blacklist category Mining severity warning\n");
    assert_int_equal(ntc_engine_alert_load_rules(e, good), 0);
    ntc_alert_stats st = astats(e);
    assert_int_equal(st.rules, 4);
    assert_int_equal(st.blacklist, 1);
    ntc_engine_free(e);
    arec_free(r);
}

/* Reload at run time: a bad file changes nothing; a rule kept keeps its episode; a rule removed
 * has its episode released at the reload; ntc_engine_alert_reload() re-reads at the next tick. */
static void rules_reload(void **state)
{
    (void)state;
    make_dir();
    char path[128];
    snprintf(path, sizeof(path), "%s/live.rules", g_dir);
    write_file(path, "host 10.0.0.5 packets > 10 per minute\n"
                     "host 10.0.0.6 packets > 10 per minute\n");
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.rules_file", path, NULL);
    for (int i = 0; i < 20; i++)
        h_udp(e, B + 1 * SEC + (uint64_t)i * SEC, "10.0.0.5", 4000, "10.0.0.6", 53, 10);
    tick_at(e, B + 60 * SEC + 100 * MS);
    expect_count(r, 2);
    expect(r, 0, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.0.0.5", B + 60 * SEC, 0, NULL);
    expect(r, 1, NTC_ALERT_THRESHOLD, NTC_ALERT_ENGAGED, "10.0.0.6", B + 60 * SEC, 0, NULL);

    write_file(path, "host 10.0.0.5 packets > 10 per minute\nhost 10.0.0.6 packetz > 10 per minute\n");
    assert_int_equal(ntc_engine_alert_load_rules(e, NULL), NTC_EFORMAT);
    expect_count(r, 2);
    assert_int_equal(astats(e).rules, 2);

    /* Keep the first rule, drop the second: its episode is released now (B+60.1). */
    write_file(path, "host 10.0.0.5 packets > 10 per minute\n");
    assert_int_equal(ntc_engine_alert_load_rules(e, NULL), 0);
    expect_count(r, 3);
    expect(r, 2, NTC_ALERT_THRESHOLD, NTC_ALERT_RELEASED, "10.0.0.6", B + 60 * SEC + 100 * MS,
           B + 60 * SEC, "Host 10.0.0.6 is back within a threshold [packets 0, not > 10, in the last minute]");
    assert_int_equal(astats(e).engaged, 1);

    /* Still heavy in the next minute: the kept episode goes on (no new alert). */
    for (int i = 0; i < 20; i++)
        h_udp(e, B + 61 * SEC + (uint64_t)i * SEC, "10.0.0.5", 4000, "10.0.0.6", 53, 10);
    /* Asynchronous reload (as from SIGHUP) of a file that now has no rules at all: done at the
     * next tick, which also ends minute [B+60, B+120) first? No: the reload comes first, so the
     * episode is released at the tick's time by the reload. */
    write_file(path, "# nothing\n");
    ntc_engine_alert_reload(e);
    expect_count(r, 3);
    tick_at(e, B + 120 * SEC + 500 * MS);
    expect_count(r, 4);
    expect(r, 3, NTC_ALERT_THRESHOLD, NTC_ALERT_RELEASED, "10.0.0.5", B + 120 * SEC + 500 * MS,
           B + 60 * SEC, NULL);
    assert_int_equal(astats(e).rules, 0);
    assert_non_null(strstr(r->log, "alert rules reloaded from "));
    ntc_engine_free(e);
    arec_free(r);
}

/* ---- rate limit ----------------------------------------------------------------------------- */

/* A SYN flood flapping every window: the second episode comes less than alert.repeat_interval
 * after the first was released: it is neither engaged nor released visibly; the next one after
 * the interval is delivered with SUPPRESSED = 1. */
static void rate_limit_episodes(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.repeat_interval", "30", "alert.port_scan_threshold", "0",
                             NULL);
    /* Floods in the windows starting at B, B+6 and B+42 (each followed by a quiet window). */
    static const unsigned starts[] = {0, 6, 42};
    for (size_t w = 0; w < 3; w++)
        for (int i = 0; i < 55; i++)
            syn(e, B + starts[w] * SEC + 100 * MS + (uint64_t)i * 20 * MS, "10.0.0.1",
                (uint16_t)(20000 + i), "10.0.0.2", 80);
    h_advance(e, B + 100 * SEC);
    /* Delivered: engaged B+3, released B+6; (engaged B+9, released B+12: held back);
     * engaged B+45 (more than 30 s after B+6) with SUPPRESSED 1, released B+48. For both ends. */
    expect_count(r, 8);
    expect(r, 0, NTC_ALERT_SYN_FLOOD_ATTACKER, NTC_ALERT_ENGAGED, "10.0.0.1", B + 3 * SEC, 0, NULL);
    expect(r, 2, NTC_ALERT_SYN_FLOOD_ATTACKER, NTC_ALERT_RELEASED, "10.0.0.1", B + 6 * SEC,
           B + 3 * SEC, NULL);
    expect(r, 4, NTC_ALERT_SYN_FLOOD_ATTACKER, NTC_ALERT_ENGAGED, "10.0.0.1", B + 45 * SEC, 0,
           "Host 10.0.0.1 is a SYN flooder [55 SYNs sent in the last 3 sec]");
    expect(r, 6, NTC_ALERT_SYN_FLOOD_ATTACKER, NTC_ALERT_RELEASED, "10.0.0.1", B + 48 * SEC,
           B + 45 * SEC, NULL);
    assert_int_equal(info_of(r->al[0]).suppressed, 0);
    assert_int_equal(info_of(r->al[4]).suppressed, 1);
    assert_int_equal(info_of(r->al[5]).suppressed, 1);
    assert_int_equal(astats(e).suppressed, 2);
    char json[2048];
    int n = ntc_alert_format_json(r->al[4], json, sizeof(json));
    assert_true(n > 0 && (size_t)n < sizeof(json));
    assert_non_null(strstr(json, "\"SUPPRESSED\":1,"));
    ntc_engine_free(e);
    arec_free(r);
}

/* ---- flow alerts ---------------------------------------------------------------------------- */

static const ntc_alert *find_alert(const arec *r, int type, int nth)
{
    for (int i = 0; i < r->n; i++)
        if (info_of(r->al[i]).type == type && nth-- == 0)
            return r->al[i];
    return NULL;
}

static int count_type(const arec *r, int type)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += info_of(r->al[i]).type == type;
    return n;
}

/* A TCP conversation with consistent sequence numbers (dir 0: client to server), 1 ms a packet. */
typedef struct conv {
    ntc_engine *e;
    const char *ip[2];
    uint16_t port[2];
    uint32_t seq[2];
    uint64_t ts;
} conv;

static void conv_send(conv *c, int dir, uint8_t flags, const char *data)
{
    size_t len = data ? strlen(data) : 0;
    h_l2l3(&h_scratch, 0, c->ip[dir], c->ip[1 - dir], 0);
    pg_tcp_opt o;
    memset(&o, 0, sizeof(o));
    o.flags = flags;
    o.seq = c->seq[dir];
    o.ack = (flags & PG_ACK) ? c->seq[1 - dir] : 0;
    o.win = 65535;
    pg_tcp(&h_scratch, c->port[dir], c->port[1 - dir], &o);
    if (len)
        pg_data(&h_scratch, data, len);
    h_finish(&h_scratch);
    h_feed(c->e, c->ts, &h_scratch);
    c->ts += MS;
    c->seq[dir] += (uint32_t)len + ((flags & (PG_SYN | PG_FIN)) ? 1u : 0u);
}

/* An anonymous FTP login on the control connection, recognised by DPI as FTP_CONTROL. */
static void ftp_session(ntc_engine *e, uint64_t ts, uint16_t cport)
{
    conv c = {e, {"10.0.0.1", "10.0.0.2"}, {cport, 21}, {1000, 5000}, ts};
    conv_send(&c, 0, PG_SYN, NULL);
    conv_send(&c, 1, PG_SYN | PG_ACK, NULL);
    conv_send(&c, 0, PG_ACK, NULL);
    conv_send(&c, 1, PG_ACK | PG_PSH, "220 ProFTPD Server ready.\r\n");
    conv_send(&c, 0, PG_ACK | PG_PSH, "USER anonymous\r\n");
    conv_send(&c, 1, PG_ACK | PG_PSH, "331 Anonymous login ok, send your email address as password\r\n");
    conv_send(&c, 0, PG_ACK | PG_PSH, "PASS guest@example.com\r\n");
    conv_send(&c, 1, PG_ACK | PG_PSH, "230 Anonymous access granted\r\n");
    conv_send(&c, 0, PG_ACK | PG_PSH, "QUIT\r\n");
    conv_send(&c, 1, PG_ACK | PG_PSH, "221 Goodbye.\r\n");
    conv_send(&c, 0, PG_FIN | PG_ACK, NULL);
    conv_send(&c, 1, PG_FIN | PG_ACK, NULL);
    conv_send(&c, 0, PG_ACK, NULL);
}

/* FTP (recognised by DPI, of the Unsafe breed, with nDPI's "Unsafe Protocol" and "Clear-Text
 * Credentials" risks) blacklisted: three flow events per flow. Equal events within
 * alert.repeat_interval (same endpoints and server port) are counted, not delivered; the next one
 * delivered carries the count. A Telnet port only guessed (a lone SYN) has nDPI's risk, but is no
 * dangerous or blacklisted traffic. */
static void flow_alerts(void **state)
{
    (void)state;
    make_dir();
    const char *path = rules_path("black.rules", "# no clear-text logins here\n"
                                                 "blacklist app FTP_CONTROL\nblacklist app Telnet\n");
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "dpi.enable", "true", "alert.rules_file", path,
                             "alert.repeat_interval", "60", NULL);
    ftp_session(e, B + 1 * SEC, 40001);
    ftp_session(e, B + 2 * SEC, 40002);
    tick_at(e, B + 3 * SEC);
    expect_count(r, 3);
    const ntc_alert *risk = find_alert(r, NTC_ALERT_FLOW_RISK, 0);
    ntc_alert_info in = info_of(risk);
    assert_int_equal(in.state, NTC_ALERT_EVENT);
    assert_int_equal(in.entity, NTC_ALERT_ENTITY_FLOW);
    assert_int_equal(in.severity, NTC_ALERT_ERROR); /* the worst risk scores 100 */
    assert_string_equal(ntc_alert_entity_id(risk), "TCP 10.0.0.1:40001 -> 10.0.0.2:21");
    assert_string_equal(ntc_alert_description(risk),
                        "Flow TCP 10.0.0.1:40001 -> 10.0.0.2:21 (FTP_CONTROL) has risks: Unsafe Protocol, "
                        "Clear-Text Credentials [score 110]");
    assert_string_equal(detail_str(risk, "L7_PROTO_RISK_NAME"), "Unsafe Protocol,Clear-Text Credentials");
    assert_int_equal(detail_int(risk, "L7_RISK_SCORE"), 110);
    assert_string_equal(detail_str(risk, "L7_RISK_SCORES"), "Unsafe Protocol=10,Clear-Text Credentials=100");
    assert_int_equal(detail_int(risk, "L4_DST_PORT"), 21);
    assert_string_equal(detail_str(risk, "IPV4_SRC_ADDR"), "10.0.0.1");
    assert_string_equal(detail_str(risk, "L7_PROTO_BREED"), "Unsafe");
    const ntc_alert *dang = find_alert(r, NTC_ALERT_DANGEROUS_APP, 0);
    assert_non_null(dang);
    assert_string_equal(ntc_alert_description(dang),
                        "Flow TCP 10.0.0.1:40001 -> 10.0.0.2:21 carries FTP_CONTROL, an application of the Unsafe breed");
    assert_int_equal(info_of(dang).severity, NTC_ALERT_WARNING);
    const ntc_alert *bl = find_alert(r, NTC_ALERT_BLACKLISTED_APP, 0);
    assert_non_null(bl);
    assert_string_equal(ntc_alert_description(bl),
                        "Flow TCP 10.0.0.1:40001 -> 10.0.0.2:21 carries the blacklisted application FTP_CONTROL");
    assert_int_equal(info_of(bl).rule_line, 2);
    assert_int_equal(info_of(bl).severity, NTC_ALERT_ERROR);
    assert_int_equal(astats(e).suppressed, 3);

    /* More than 60 s later, the same again: delivered, carrying the count held back. */
    ftp_session(e, B + 100 * SEC, 40003);
    tick_at(e, B + 101 * SEC);
    expect_count(r, 6);
    for (int t = NTC_ALERT_FLOW_RISK; t <= NTC_ALERT_BLACKLISTED_APP; t++)
        assert_int_equal(info_of(find_alert(r, t, 1)).suppressed, 1);

    /* Lone SYNs to the Telnet port end (closed idle timeout, 15 s) at the tick of B+130 and are
     * guessed Telnet: nDPI's risk, nothing else. */
    syn(e, B + 110 * SEC, "10.0.0.1", 40004, "10.0.0.2", 23);
    tick_at(e, B + 130 * SEC);
    expect_count(r, 7);
    const ntc_alert *guess = r->al[6];
    assert_int_equal(info_of(guess).type, NTC_ALERT_FLOW_RISK);
    assert_int_equal(info_of(guess).time_us, B + 130 * SEC);
    assert_int_equal(info_of(guess).severity, NTC_ALERT_INFO);
    assert_string_equal(ntc_alert_description(guess),
                        "Flow TCP 10.0.0.1:40004 -> 10.0.0.2:23 (Telnet) has risks: Unsafe Protocol [score 10]");
    ntc_engine_free(e);
    arec_free(r);
}

/* An HTTP request to a numeric address: nDPI's "HTTP Numeric IP Address" risk; with
 * alert.repeat_interval 0 every flow is delivered. */
static void flow_risk_http(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "dpi.enable", "true", "alert.repeat_interval", "0", NULL);
    static const char req[] = "GET /x HTTP/1.1\r\nHost: 198.51.100.7\r\nUser-Agent: curl/7.88\r\n"
                              "Accept: */*\r\n\r\n";
    for (int k = 0; k < 2; k++) {
        uint16_t cp = (uint16_t)(45000 + k);
        uint64_t t = B + (uint64_t)k * SEC;
        uint32_t cs = 1000, ss = 5000;
        h_l2l3(&h_scratch, 0, "10.0.0.1", "198.51.100.7", 0);
        pg_tcp(&h_scratch, cp, 80, &(pg_tcp_opt){.seq = cs, .flags = PG_SYN, .win = 65535});
        h_finish(&h_scratch);
        h_feed(e, t, &h_scratch);
        h_l2l3(&h_scratch, 0, "198.51.100.7", "10.0.0.1", 0);
        pg_tcp(&h_scratch, 80, cp, &(pg_tcp_opt){.seq = ss, .ack = cs + 1, .flags = PG_SYN | PG_ACK, .win = 65535});
        h_finish(&h_scratch);
        h_feed(e, t + 1 * MS, &h_scratch);
        h_l2l3(&h_scratch, 0, "10.0.0.1", "198.51.100.7", 0);
        pg_tcp(&h_scratch, cp, 80, &(pg_tcp_opt){.seq = cs + 1, .ack = ss + 1, .flags = PG_ACK, .win = 65535});
        h_finish(&h_scratch);
        h_feed(e, t + 2 * MS, &h_scratch);
        h_l2l3(&h_scratch, 0, "10.0.0.1", "198.51.100.7", 0);
        pg_tcp(&h_scratch, cp, 80, &(pg_tcp_opt){.seq = cs + 1, .ack = ss + 1, .flags = PG_ACK | PG_PSH, .win = 65535});
        pg_data(&h_scratch, req, strlen(req));
        h_finish(&h_scratch);
        h_feed(e, t + 3 * MS, &h_scratch);
    }
    ntc_engine_flush(e);
    assert_int_equal(count_type(r, NTC_ALERT_FLOW_RISK), 2);
    const ntc_alert *a = find_alert(r, NTC_ALERT_FLOW_RISK, 0);
    assert_string_equal(detail_str(a, "L7_PROTO_RISK_NAME"), "HTTP Numeric IP Address");
    assert_string_equal(detail_str(a, "HTTP_HOST"), "198.51.100.7");
    assert_string_equal(detail_str(a, "L7_PROTO_NAME"), "HTTP");
    assert_int_equal(info_of(a).suppressed, 0);
    ntc_engine_free(e);
    arec_free(r);
}

/* ---- delivery ------------------------------------------------------------------------------- */

typedef struct popper {
    ntc_engine *e;
    int got;
    atomic_int done;
    char desc[4][200];
} popper;


/* A TCP flow that retransmits more than alert.retrans_percent (10 %) of a direction's packets
 * (with at least alert.retrans_min_packets, 20) raises one flow event when it ends; a flow at
 * exactly 10 % does not. */
static void retransmissions(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, NULL);
    /* Flow 1: handshake, 17 new data segments and 3 sent again from the client: 21 of its
     * packets, 3 retransmissions = 14.3 %. Flow 2: 18 new, 2 again: 21 packets, 9.5 %. */
    for (int k = 0; k < 2; k++) {
        conv c = {e, {"10.0.0.1", "10.0.0.2"}, {(uint16_t)(40000 + k), 80}, {1000, 5000},
                  B + (uint64_t)k * 100 * MS};
        conv_send(&c, 0, PG_SYN, NULL);
        conv_send(&c, 1, PG_SYN | PG_ACK, NULL);
        int again = k == 0 ? 3 : 2;
        for (int i = 0; i < 20 - again; i++) {
            conv_send(&c, 0, PG_ACK | PG_PSH, "0123456789");
            if (i < again) { /* the same segment again, 50 ms later: a retransmission */
                c.seq[0] -= 10;
                c.ts += 50 * MS;
                conv_send(&c, 0, PG_ACK | PG_PSH, "0123456789");
            }
        }
    }
    ntc_engine_flush(e);
    assert_int_equal(count_type(r, NTC_ALERT_TCP_RETRANSMISSIONS), 1);
    const ntc_alert *a = find_alert(r, NTC_ALERT_TCP_RETRANSMISSIONS, 0);
    assert_string_equal(ntc_alert_entity_id(a), "TCP 10.0.0.1:40000 -> 10.0.0.2:80");
    assert_string_equal(ntc_alert_description(a),
                        "Flow TCP 10.0.0.1:40000 -> 10.0.0.2:80 (TCP) retransmits 14.3% of its "
                        "client-to-server packets [3 of 21]");
    assert_int_equal(detail_int(a, "RETRANSMITTED_IN_PKTS"), 3);
    assert_int_equal(detail_int(a, "IN_PKTS"), 21);
    assert_int_equal(info_of(a).severity, NTC_ALERT_WARNING);
    ntc_engine_free(e);
    arec_free(r);
}

/* ntc_engine_alert_raise: a user alert, delivered as an event at the engine clock, rate limited
 * like the others; bad arguments and calls from the alert callback refused. */
static int g_raise_rc = 1;
static void raise_in_alert(void *u, const ntc_alert *a)
{
    on_alert(u, a);
    g_raise_rc = ntc_engine_alert_raise(((arec *)u)->eng, NTC_ALERT_INFO,
                                        NTC_ALERT_ENTITY_INTERFACE, NULL, "nested");
}

static void user_alerts(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, NULL);
    r->eng = e;
    tick_at(e, B);
    assert_int_equal(ntc_engine_alert_raise(e, NTC_ALERT_ERROR, NTC_ALERT_ENTITY_HOST, "10.0.0.9",
                                            "backup server unreachable"), 0);
    expect(r, 0, NTC_ALERT_USER, NTC_ALERT_EVENT, "10.0.0.9", B,
           B, "backup server unreachable");
    assert_int_equal(info_of(r->al[0]).severity, NTC_ALERT_ERROR);
    /* the same again within alert.repeat_interval: counted, not delivered */
    assert_int_equal(ntc_engine_alert_raise(e, NTC_ALERT_ERROR, NTC_ALERT_ENTITY_HOST, "10.0.0.9",
                                            "backup server unreachable"), 0);
    expect_count(r, 1);
    assert_int_equal(ntc_engine_alert_raise(e, 7, NTC_ALERT_ENTITY_HOST, "x", "y"), NTC_EINVAL);
    assert_int_equal(ntc_engine_alert_raise(e, 0, 9, "x", "y"), NTC_EINVAL);
    assert_int_equal(ntc_engine_alert_raise(e, 0, 0, NULL, NULL), NTC_EINVAL);
    /* from the alert callback: refused */
    ntc_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.version = NTC_CALLBACKS_VERSION;
    cb.alert = raise_in_alert;
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, r), 0);
    assert_int_equal(ntc_engine_alert_raise(e, NTC_ALERT_INFO, NTC_ALERT_ENTITY_INTERFACE, "",
                                            "outer"), 0);
    expect_count(r, 2);
    assert_int_equal(g_raise_rc, NTC_ESTATE);
    ntc_engine_free(e);
    arec_free(r);
    /* alerts off */
    arec *r2 = arec_new();
    ntc_engine *e2 = a_engine(r2, "alert.enable", "false", NULL);
    assert_int_equal(ntc_engine_alert_raise(e2, 0, 0, "", "x"), NTC_ESTATE);
    ntc_engine_free(e2);
    arec_free(r2);
}

static void *pop_thread(void *u)
{
    popper *p = u;
    while (!atomic_load(&p->done) || p->got < 2) {
        ntc_alert *a = NULL;
        assert_int_equal(ntc_engine_alert_pop(p->e, &a), 0);
        if (!a) {
            usleep(1000);
            continue;
        }
        if (p->got < 4)
            snprintf(p->desc[p->got], sizeof(p->desc[0]), "%s", ntc_alert_description(a));
        p->got++;
        ntc_alert_free(a);
        if (p->got >= 2 && atomic_load(&p->done))
            break;
    }
    return NULL;
}

/* The pull queue: bounded (drops counted), read from another thread while the engine runs. */
static void pull_queue(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.queue_max", "2", NULL);
    for (int i = 0; i < 60; i++)
        syn(e, B + 100 * MS + (uint64_t)i * 10 * MS, "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.2", 80);
    tick_at(e, B + 20 * SEC);
    expect_count(r, 4);
    ntc_alert_stats st = astats(e);
    assert_int_equal(st.queued, 2);
    assert_int_equal(st.queue_dropped, 2);
    popper p;
    memset(&p, 0, sizeof(p));
    p.e = e;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pop_thread, &p), 0);
    /* The engine goes on meanwhile: a second flood, its alerts queue as room appears. */
    for (int i = 0; i < 60; i++)
        syn(e, B + 30 * SEC + (uint64_t)i * 10 * MS, "10.0.0.3", (uint16_t)(40000 + i), "10.0.0.2", 80);
    atomic_store(&p.done, 1);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(p.got >= 2);
    assert_string_equal(p.desc[0], "Host 10.0.0.1 is a SYN flooder [60 SYNs sent in the last 3 sec]");
    assert_string_equal(p.desc[1], "Host 10.0.0.2 is under SYN flood attack [60 SYNs received in the last 3 sec]");
    ntc_alert *a = (ntc_alert *)1;
    while (a) {
        assert_int_equal(ntc_engine_alert_pop(e, &a), 0);
        ntc_alert_free(a);
    }
    ntc_engine_free(e);
    arec_free(r);
}

/* A version 1 callback table (without the alert member) still works; a newer one is refused. */
typedef struct v1_callbacks {
    uint32_t version;
    void (*flow_end)(void *user, const ntc_flow *flow, ntc_flow_end_reason reason);
    void (*host_end)(void *user, const ntc_host *host);
    void (*tick)(void *user, ntc_tick tick, uint64_t now_us);
    void (*log)(void *user, ntc_log_level level, const char *message);
} v1_callbacks;

static int g_v1_flows;
static void v1_flow(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    (void)u, (void)f, (void)why;
    g_v1_flows++;
}

static void callbacks_v1(void **state)
{
    (void)state;
    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.queue_max", "8", NULL);
    /* Heap-allocated at its exact size, so that reading past it would be caught. */
    v1_callbacks *cb = calloc(1, sizeof(*cb));
    assert_non_null(cb);
    cb->version = 1;
    cb->flow_end = v1_flow;
    assert_int_equal(ntc_engine_set_callbacks(e, (const ntc_callbacks *)(void *)cb, NULL), 0);
    free(cb);
    for (int i = 0; i < 60; i++)
        syn(e, B + 100 * MS + (uint64_t)i * 10 * MS, "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.2", 80);
    tick_at(e, B + 5 * SEC);
    ntc_engine_flush(e);
    assert_int_equal(r->n, 0);          /* no alert callback in a v1 table */
    assert_int_equal(astats(e).queued, 2); /* the queue still has them */
    assert_int_equal(g_v1_flows, 61);
    ntc_callbacks bad;
    memset(&bad, 0, sizeof(bad));
    bad.version = NTC_CALLBACKS_VERSION + 1;
    assert_int_equal(ntc_engine_set_callbacks(e, &bad, NULL), NTC_EINVAL);
    ntc_engine_free(e);
    arec_free(r);
}

/* JSON lines file, syslog (RFC 5424) on a local datagram socket the test binds, and a command
 * run per alert with the alert on stdin and in its environment. */
static void sinks(void **state)
{
    (void)state;
    make_dir();
    char jsonl[128], sock[128], cmd[512];
    snprintf(jsonl, sizeof(jsonl), "%s/alerts.json", g_dir);
    snprintf(sock, sizeof(sock), "unix:%s/log.sock", g_dir);
    snprintf(cmd, sizeof(cmd),
             "cat > %1$s/in.$NTC_ALERT_ID; printf '%%s|%%s|%%s|%%s|%%s|%%s\\n' \"$NTC_ALERT_TYPE\" "
             "\"$NTC_ALERT_STATE\" \"$NTC_ALERT_SEVERITY\" \"$NTC_ALERT_ENTITY\" \"$NTC_ALERT_ENTITY_ID\" "
             "\"$NTC_ALERT_DESCRIPTION\" > %1$s/env.$NTC_ALERT_ID; echo to-stdout; exit $((NTC_ALERT_ID - 1))",
             g_dir);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    assert_true(strlen(sock + 5) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, sock + 5, strlen(sock + 5) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

    arec *r = arec_new();
    ntc_engine *e = a_engine(r, "alert.jsonl", jsonl, "alert.syslog", sock,
                             "alert.syslog_facility", "16", "alert.exec", cmd, NULL);
    for (int i = 0; i < 60; i++)
        syn(e, B + 100 * MS + (uint64_t)i * 10 * MS, "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.2", 80);
    tick_at(e, B + 10 * SEC);
    expect_count(r, 4);
    /* Let the commands finish, then a tick reaps them (their exit statuses are 0, 1, 2, 3). */
    for (int i = 0; i < 200 && astats(e).exec_failed < 3; i++) {
        usleep(20000);
        tick_at(e, B + 11 * SEC + (uint64_t)i * SEC);
    }
    ntc_alert_stats st = astats(e);
    assert_int_equal(st.exec_started, 4);
    assert_int_equal(st.exec_failed, 3);
    assert_int_equal(st.sink_errors, 0);
    assert_non_null(strstr(r->log, "alert.exec: command exited with status 3"));
    ntc_engine_free(e);

    /* JSON lines: exactly what ntc_alert_format_json() gives for each delivered alert. */
    char *text = read_file(jsonl);
    assert_non_null(text);
    char want[8192] = "";
    for (int i = 0; i < r->n; i++) {
        char line[2048];
        int n = ntc_alert_format_json(r->al[i], line, sizeof(line));
        assert_true(n > 0 && (size_t)n < sizeof(line));
        strcat(want, line);
        strcat(want, "\n");
    }
    assert_string_equal(text, want);
    assert_non_null(strstr(text, "{\"ALERT_ID\":1,\"ALERT_TYPE\":\"syn_flood_attacker\",\"ALERT_TYPE_ID\":2,"
                                 "\"SEVERITY\":\"error\",\"ENTITY\":\"host\",\"ENTITY_ID\":\"10.0.0.1\","
                                 "\"STATE\":\"engaged\",\"ALERT_TIME\":1700000103,\"ALERT_TIME_MS\":1700000103000,"
                                 "\"DESCRIPTION\":\"Host 10.0.0.1 is a SYN flooder [60 SYNs sent in the last 3 sec]\","
                                 "\"DETAILS\":{\"SYNS\":60,\"WINDOW_S\":3,\"THRESHOLD\":50}}\n"));

    /* syslog: facility local0 (16), severity err (3): PRI 131; timestamp = packet time. */
    char host[256];
    assert_int_equal(gethostname(host, sizeof(host)), 0);
    for (int i = 0; i < 4; i++) {
        char msg[2048];
        ssize_t n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
        assert_true(n > 0);
        msg[n] = 0;
        ntc_alert_info in = info_of(r->al[i]);
        char want1[2048];
        snprintf(want1, sizeof(want1),
                 "<131>1 2023-11-14T22:15:%02u.000000Z %s ntopcore %d %s [ntopcore@35632 id=\"%d\" "
                 "state=\"%s\" severity=\"error\" entity=\"host\" entity_id=\"%s\"] %s",
                 (unsigned)((in.time_us / SEC) % 60), host, (int)getpid(), ntc_alert_type_name(in.type),
                 i + 1, ntc_alert_state_name(in.state), ntc_alert_entity_id(r->al[i]),
                 ntc_alert_description(r->al[i]));
        assert_string_equal(msg, want1);
    }
    close(fd);

    /* exec: stdin is the JSON line, the environment has the fields. */
    for (int i = 0; i < 4; i++) {
        char p[160], line[2048];
        snprintf(p, sizeof(p), "%s/in.%d", g_dir, i + 1);
        char *in = read_file(p);
        assert_non_null(in);
        int n = ntc_alert_format_json(r->al[i], line, sizeof(line));
        assert_true(n > 0);
        strcat(line, "\n");
        assert_string_equal(in, line);
        snprintf(p, sizeof(p), "%s/env.%d", g_dir, i + 1);
        char *env = read_file(p);
        assert_non_null(env);
        ntc_alert_info inf = info_of(r->al[i]);
        snprintf(line, sizeof(line), "%s|%s|error|host|%s|%s\n", ntc_alert_type_name(inf.type),
                 ntc_alert_state_name(inf.state), ntc_alert_entity_id(r->al[i]),
                 ntc_alert_description(r->al[i]));
        assert_string_equal(env, line);
    }
    ntc_engine_free(NULL);
    arec_free(r);
}

/* Sink problems: bad syntax is refused by the configuration; an unreachable target or
 * unwritable file makes engine creation fail with a message naming the key. */
static void sink_errors(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set(cfg, "alert.syslog", "tcp:1.2.3.4:514"), NTC_EFORMAT);
    assert_string_equal(ntc_config_errmsg(cfg),
                        "'alert.syslog': 'tcp:1.2.3.4:514' is neither unix:PATH nor udp:HOST:PORT");
    assert_int_equal(ntc_config_set(cfg, "alert.syslog", "udp:::1:514"), NTC_EFORMAT);
    assert_int_equal(ntc_config_set(cfg, "alert.syslog", "udp:[::1]:514"), 0);
    assert_int_equal(ntc_config_set(cfg, "alert.syslog", "udp:127.0.0.1:0"), NTC_EFORMAT);
    assert_int_equal(ntc_config_set(cfg, "alert.syslog", "unix:/nonexistent/sock"), 0);
    assert_int_equal(ntc_config_set(cfg, "dpi.enable", "false"), 0);
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(&e, cfg), NTC_EIO);
    assert_string_equal(ntc_engine_errmsg(e),
                        "alert.syslog: cannot connect to unix:/nonexistent/sock: No such file or directory");
    ntc_engine_free(e);
    assert_int_equal(ntc_config_set(cfg, "alert.syslog", ""), 0);
    assert_int_equal(ntc_config_set(cfg, "alert.jsonl", "/nonexistent/dir/a.json"), 0);
    assert_int_equal(ntc_engine_new(&e, cfg), NTC_EIO);
    assert_string_equal(ntc_engine_errmsg(e),
                        "alert.jsonl: cannot open /nonexistent/dir/a.json: No such file or directory");
    ntc_engine_free(e);
    /* alert.enable false: nothing is raised, the API answers. */
    assert_int_equal(ntc_config_set(cfg, "alert.jsonl", ""), 0);
    assert_int_equal(ntc_config_set(cfg, "alert.enable", "false"), 0);
    assert_int_equal(ntc_engine_new(&e, cfg), 0);
    ntc_alert *a = (ntc_alert *)1;
    assert_int_equal(ntc_engine_alert_pop(e, &a), 0);
    assert_null(a);
    assert_int_equal(ntc_engine_alert_load_rules(e, "/x"), NTC_ESTATE);
    ntc_engine_free(e);
    ntc_config_free(cfg);
}

/* Names and JSON of the enums; JSON stays valid with hostile entity text. */
static void names(void **state)
{
    (void)state;
    assert_string_equal(ntc_alert_type_name(NTC_ALERT_BLACKLISTED_APP), "blacklisted_app");
    assert_null(ntc_alert_type_name(0));
    assert_string_equal(ntc_alert_type_name(NTC_ALERT_TCP_RETRANSMISSIONS), "tcp_retransmissions");
    assert_string_equal(ntc_alert_type_name(NTC_ALERT_USER), "user");
    assert_null(ntc_alert_type_name(14));
    assert_string_equal(ntc_alert_severity_name(NTC_ALERT_CRITICAL), "critical");
    assert_null(ntc_alert_severity_name(4));
    assert_string_equal(ntc_alert_entity_name(NTC_ALERT_ENTITY_NETWORK), "network");
    assert_string_equal(ntc_alert_state_name(NTC_ALERT_EVENT), "event");
    assert_null(ntc_alert_dup(NULL));
    ntc_alert_free(NULL);
    assert_int_equal(ntc_alert_format_json(NULL, NULL, 0), NTC_EINVAL);
    assert_string_equal(ntc_alert_description(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(syn_flood),
        cmocka_unit_test(release_not_before_engagement),
        cmocka_unit_test(icmp_flood_and_gap),
        cmocka_unit_test(bounded_state),
        cmocka_unit_test(port_scan),
        cmocka_unit_test(host_scan),
        cmocka_unit_test(flush_judges_windows),
        cmocka_unit_test(threshold_host),
        cmocka_unit_test(threshold_network_interface),
        cmocka_unit_test(threshold_dns_bytes),
        cmocka_unit_test(rules_errors),
        cmocka_unit_test(rules_reload),
        cmocka_unit_test(rate_limit_episodes),
        cmocka_unit_test(flow_alerts),
        cmocka_unit_test(flow_risk_http),
        cmocka_unit_test(retransmissions),
        cmocka_unit_test(user_alerts),
        cmocka_unit_test(pull_queue),
        cmocka_unit_test(callbacks_v1),
        cmocka_unit_test(sinks),
        cmocka_unit_test(sink_errors),
        cmocka_unit_test(names),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_dir[0])
        nftw(g_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    return rc;
}
