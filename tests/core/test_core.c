/* lib/core: the option table and config files, interface counters, throughput, ticks, snapshots,
 * iteration, and capture files read through the engine. Frames are crafted with pktgen; packet
 * time is explicit. IP bytes: UDP/IPv4 = 28 + payload, TCP/IPv4 = 40 + payload. */
#include "ntc_harness.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MS 1000ULL

static char tmpdir[64];

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ntc-test-core-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* ---- configuration ------------------------------------------------------------------------- */

static void config_option_table(void **state)
{
    (void)state;
    size_t n = ntc_config_option_count();
    assert_true(n >= 17);
    assert_null(ntc_config_option_at(n));
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    for (size_t i = 0; i < n; i++) {
        const ntc_config_option *o = ntc_config_option_at(i);
        assert_non_null(o);
        assert_non_null(o->key);
        assert_non_null(strchr(o->key, '.')); /* dotted */
        assert_non_null(o->doc);
        if (strlen(o->doc) < 10)
            fail_msg("option %s has no real doc", o->key);
        assert_non_null(o->unit);
        assert_ptr_equal(ntc_config_option_find(o->key), o);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ntc_config_option_at(j)->key, o->key);
        int64_t v = -12345;
        switch (o->type) {
        case NTC_CONFIG_INT:
            if (o->min > o->max || o->def_int < o->min || o->def_int > o->max)
                fail_msg("option %s: default %" PRId64 " outside [%" PRId64 ", %" PRId64 "]",
                         o->key, o->def_int, o->min, o->max);
            assert_int_equal(ntc_config_get_int(cfg, o->key, &v), 0);
            assert_true(v == o->def_int);
            /* The bounds are enforced, and name the key. */
            if (o->max < INT64_MAX) {
                assert_int_equal(ntc_config_set_int(cfg, o->key, o->max + 1), NTC_ERANGE);
                assert_non_null(strstr(ntc_config_errmsg(cfg), o->key));
            }
            if (o->min > INT64_MIN) {
                assert_int_equal(ntc_config_set_int(cfg, o->key, o->min - 1), NTC_ERANGE);
                assert_non_null(strstr(ntc_config_errmsg(cfg), o->key));
            }
            assert_int_equal(ntc_config_set_int(cfg, o->key, o->min), 0);
            assert_int_equal(ntc_config_set_int(cfg, o->key, o->max), 0);
            break;
        case NTC_CONFIG_BOOL:
            if (o->def_int != 0 && o->def_int != 1)
                fail_msg("option %s: boolean default %" PRId64, o->key, o->def_int);
            assert_int_equal(ntc_config_get_int(cfg, o->key, &v), 0);
            assert_true(v == o->def_int);
            break;
        case NTC_CONFIG_STRING:
            assert_non_null(o->def_string);
            assert_non_null(ntc_config_get_string(cfg, o->key));
            assert_string_equal(ntc_config_get_string(cfg, o->key), o->def_string);
            break;
        default:
            fail_msg("option %s: unknown type %d", o->key, (int)o->type);
        }
    }
    ntc_config_free(cfg);
}

/* The defaults the design fixes (ntopng's). */
static void config_design_defaults(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        int64_t def;
    } want[] = {
        {"flow.idle_timeout", 60},        {"flow.closed_idle_timeout", 15},
        {"host.local_idle_timeout", 300}, {"host.remote_idle_timeout", 60},
        {"flow.active_timeout", 0},       {"engine.hash_seed", 0},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const ntc_config_option *o = ntc_config_option_find(want[i].key);
        assert_non_null(o);
        assert_int_equal(o->def_int, want[i].def);
    }
    assert_null(ntc_config_option_find("flow.nonexistent"));
    assert_null(ntc_config_option_find(NULL));
}

static void config_set_errors(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set_int(cfg, "flow.bogus", 1), NTC_ENOKEY);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "flow.bogus"));
    assert_int_equal(ntc_config_set_int(cfg, "flow.idle_timeout", 0), NTC_ERANGE);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "flow.idle_timeout"));
    assert_int_equal(ntc_config_set_string(cfg, "flow.idle_timeout", "5"), NTC_ETYPE);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "flow.idle_timeout"));
    assert_int_equal(ntc_config_set_int(cfg, "capture.promisc", 1), NTC_ETYPE);
    assert_int_equal(ntc_config_set(cfg, "flow.max", "12x"), NTC_ETYPE);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "flow.max"));
    assert_int_equal(ntc_config_set(cfg, "capture.promisc", "maybe"), NTC_ETYPE);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "capture.promisc"));
    assert_int_equal(ntc_config_set(cfg, "host.local_networks", "10.0.0.0/8,10.300.0.0/16"),
                     NTC_EFORMAT);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "host.local_networks"));
    /* Failed sets leave the previous values. */
    int64_t v;
    assert_int_equal(ntc_config_get_int(cfg, "flow.idle_timeout", &v), 0);
    assert_int_equal(v, 60);
    assert_string_equal(ntc_config_get_string(cfg, "host.local_networks"), "");
    /* Text forms. */
    assert_int_equal(ntc_config_set(cfg, "capture.promisc", "off"), 0);
    assert_int_equal(ntc_config_get_int(cfg, "capture.promisc", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(ntc_config_set(cfg, "flow.max", "1000"), 0);
    assert_int_equal(ntc_config_get_int(cfg, "flow.max", &v), 0);
    assert_int_equal(v, 1000);
    ntc_config_free(cfg);
}

static void config_load_file_ok(void **state)
{
    (void)state;
    char path[128];
    tmp_path(path, sizeof(path), "ok.conf");
    write_text(path, "# a comment\n"
                     "\n"
                     "flow.idle_timeout = 120\n"
                     "   flow.max=5000   # trailing comment\n"
                     "capture.promisc = no\n"
                     "host.local_networks = \"10.0.0.0/8, fd00::/8\"\n"
                     "capture.filter = \"tcp port 80 # not a comment\"\n");
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_load_file(cfg, path), 0);
    int64_t v;
    assert_int_equal(ntc_config_get_int(cfg, "flow.idle_timeout", &v), 0);
    assert_int_equal(v, 120);
    assert_int_equal(ntc_config_get_int(cfg, "flow.max", &v), 0);
    assert_int_equal(v, 5000);
    assert_int_equal(ntc_config_get_int(cfg, "capture.promisc", &v), 0);
    assert_int_equal(v, 0);
    assert_string_equal(ntc_config_get_string(cfg, "host.local_networks"), "10.0.0.0/8, fd00::/8");
    assert_string_equal(ntc_config_get_string(cfg, "capture.filter"), "tcp port 80 # not a comment");
    ntc_config_free(cfg);
}

/* Load `text`; expect rc, a message starting with "path:line:" and containing `needle`. */
static void expect_load_error(const char *name, const char *text, int rc, int line, const char *needle)
{
    char path[128], prefix[160];
    tmp_path(path, sizeof(path), name);
    write_text(path, text);
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_load_file(cfg, path), rc);
    const char *msg = ntc_config_errmsg(cfg);
    snprintf(prefix, sizeof(prefix), "%s:%d:", path, line);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", msg, prefix);
    if (needle && !strstr(msg, needle))
        fail_msg("message '%s' does not name '%s'", msg, needle);
    /* Settings before the bad line stay applied. */
    int64_t v;
    assert_int_equal(ntc_config_get_int(cfg, "flow.max", &v), 0);
    assert_int_equal(v, 777);
    ntc_config_free(cfg);
}

static void config_load_file_errors(void **state)
{
    (void)state;
    expect_load_error("unknown.conf", "flow.max = 777\n# c\nflow.idle_timeuot = 5\n", NTC_ENOKEY, 3,
                      "flow.idle_timeuot");
    expect_load_error("range.conf", "flow.max = 777\nflow.idle_timeout = 0\nflow.max = 1\n",
                      NTC_ERANGE, 2, "flow.idle_timeout");
    expect_load_error("int.conf", "flow.max = 777\n\n\nhost.max = lots\n", NTC_ETYPE, 4, "host.max");
    expect_load_error("bool.conf", "flow.max = 777\ncapture.promisc = perhaps\n", NTC_ETYPE, 2,
                      "capture.promisc");
    expect_load_error("nets.conf", "flow.max = 777\nhost.local_networks = 10.0.0.0/99\n",
                      NTC_EFORMAT, 2, "host.local_networks");
    expect_load_error("noeq.conf", "flow.max = 777\nflow.idle_timeout 30\n", NTC_EFORMAT, 2, NULL);

    char path[128];
    tmp_path(path, sizeof(path), "does-not-exist.conf");
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_load_file(cfg, path), NTC_EIO);
    assert_non_null(strstr(ntc_config_errmsg(cfg), path));
    ntc_config_free(cfg);
}

/* ---- interface counters -------------------------------------------------------------------- */

typedef struct frame {
    uint64_t ts;
    uint8_t data[1600];
    uint32_t caplen, wirelen;
} frame;

static void put_frame(frame *f, uint64_t ts, const pg_pkt *p, uint32_t caplen)
{
    assert_true(p->len <= sizeof(f->data));
    f->ts = ts;
    memcpy(f->data, p->data, p->len);
    f->wirelen = (uint32_t)p->len;
    f->caplen = caplen && caplen < p->len ? caplen : (uint32_t)p->len;
}

static void put_raw(frame *f, uint64_t ts, const uint8_t *data, uint32_t len)
{
    f->ts = ts;
    memcpy(f->data, data, len);
    f->caplen = f->wirelen = len;
}

/* The mix of iface_counters_mix: 12 frames. */
static int build_mix(frame *fr, uint64_t t)
{
    static pg_pkt p;
    int n = 0;
    h_build_udp(&p, 0, "10.0.0.1", 40000, "10.0.0.2", 53, 10); /* 52 / 38 */
    put_frame(&fr[n++], t, &p, 0);
    h_build_tcp(&p, 0, "10.0.0.1", 40001, "10.0.0.2", 80, PG_SYN, 0); /* 54 / 40 */
    put_frame(&fr[n++], t + 1 * MS, &p, 0);
    h_build_icmp(&p, 0, "10.0.0.1", "10.0.0.2", 8, 1, 0); /* 42 / 28 */
    put_frame(&fr[n++], t + 2 * MS, &p, 0);
    h_build_udp(&p, 0, "2001:db8::1", 40000, "2001:db8::2", 53, 10); /* 72 / 58 */
    put_frame(&fr[n++], t + 3 * MS, &p, 0);
    h_build_icmp(&p, 0, "2001:db8::1", "2001:db8::2", 128, 1, 0); /* 62 / 48 */
    put_frame(&fr[n++], t + 4 * MS, &p, 0);
    h_l2l3(&p, 0, "10.0.0.1", "10.0.0.3", 132); /* SCTP: 46 / 32 */
    pg_fill(&p, 0, 12);
    h_finish(&p);
    put_frame(&fr[n++], t + 5 * MS, &p, 0);
    h_build_udp(&p, 5, "10.0.0.1", 40002, "10.0.0.2", 53, 10); /* VLAN 5: 56 / 38 */
    put_frame(&fr[n++], t + 6 * MS, &p, 0);
    h_build_udp(&p, 0, "10.0.0.1", 40003, "10.0.0.4", 9000, 1000); /* 1042 / 1028, cut at 64 */
    put_frame(&fr[n++], t + 7 * MS, &p, 64);
    pg_init(&p); /* ARP: 42, not IP */
    pg_eth(&p, PG_MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), PG_MAC(2, 0, 10, 0, 0, 1), 0);
    pg_arp(&p, 1, PG_MAC(2, 0, 10, 0, 0, 1), PG_IP4(10, 0, 0, 1), PG_MAC(0, 0, 0, 0, 0, 0),
           PG_IP4(10, 0, 0, 2));
    h_finish(&p);
    put_frame(&fr[n++], t + 8 * MS, &p, 0);
    static const uint8_t short_frame[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0};
    put_raw(&fr[n++], t + 9 * MS, short_frame, sizeof(short_frame)); /* truncated L2: 10 */
    uint8_t cut_ip[24];
    memset(cut_ip, 0, sizeof(cut_ip));
    cut_ip[12] = 0x08;
    cut_ip[14] = 0x45; /* IPv4 header cut after 10 bytes */
    put_raw(&fr[n++], t + 10 * MS, cut_ip, sizeof(cut_ip)); /* 24 */
    h_build_udp(&p, 0, "10.0.0.1", 40004, "10.0.0.2", 53, 10);
    pg_put8(&p, 14, 0x44); /* IHL 4: 16-byte header */
    put_frame(&fr[n++], t + 11 * MS, &p, 0); /* 52 */
    return n;
}

static void feed_frames(ntc_engine *e, const frame *fr, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, fr[i].ts, fr[i].data,
                                           fr[i].caplen, fr[i].wirelen),
                         0);
}

static void iface_counters_mix(void **state)
{
    (void)state;
    static frame fr[16];
    int n = build_mix(fr, T0);
    assert_int_equal(n, 12);
    ntc_engine *e = h_engine(NULL, NULL);
    feed_frames(e, fr, n);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.packets, 12);
    assert_int_equal(st.bytes, 52 + 54 + 42 + 72 + 62 + 46 + 56 + 1042 + 42 + 10 + 24 + 52);
    assert_int_equal(st.ip_packets, 8);
    assert_int_equal(st.ip_bytes, 38 + 40 + 28 + 58 + 48 + 32 + 38 + 1028);
    assert_int_equal(st.nonip_packets, 1);
    assert_int_equal(st.nonip_bytes, 42);
    assert_int_equal(st.ipv4_packets, 6);
    assert_int_equal(st.ipv6_packets, 2);
    assert_int_equal(st.tcp_packets, 1);
    assert_int_equal(st.tcp_bytes, 40);
    assert_int_equal(st.udp_packets, 4);
    assert_int_equal(st.udp_bytes, 38 + 58 + 38 + 1028);
    assert_int_equal(st.icmp_packets, 2);
    assert_int_equal(st.icmp_bytes, 28 + 48);
    assert_int_equal(st.other_l4_packets, 1);
    assert_int_equal(st.other_l4_bytes, 32);
    assert_int_equal(st.vlan_packets, 1);
    assert_int_equal(st.fragments, 0);
    assert_int_equal(st.tunnelled_packets, 0);
    assert_int_equal(st.decode_errors_total, 3);
    assert_int_equal(st.decode_errors[NTC_DECODE_TRUNCATED_L2], 1);
    assert_int_equal(st.decode_errors[NTC_DECODE_TRUNCATED_IP], 1);
    assert_int_equal(st.decode_errors[NTC_DECODE_BAD_IPV4_IHL], 1);
    for (int i = 0; i < NTC_DECODE_ERROR_SLOTS; i++) {
        if (i != NTC_DECODE_TRUNCATED_L2 && i != NTC_DECODE_TRUNCATED_IP &&
            i != NTC_DECODE_BAD_IPV4_IHL)
            assert_int_equal(st.decode_errors[i], 0);
    }
    assert_int_equal(st.flows_total, 8);
    assert_int_equal(st.flows_active, 8);
    assert_int_equal(st.first_us, T0);
    assert_int_equal(st.last_us, T0 + 11 * MS);
    assert_int_equal(st.uptime_us, 11 * MS);
    assert_string_equal(ntc_decode_error_name(NTC_DECODE_BAD_IPV4_IHL), "bad-ipv4-ihl");
    /* An unknown link type is counted and reported. */
    assert_int_equal(ntc_engine_ingest(e, 9999, T0 + 12 * MS, fr[0].data, fr[0].caplen, 0),
                     NTC_ENOTSUP);
    st = h_stats(e);
    assert_int_equal(st.packets, 13);
    assert_int_equal(st.decode_errors[NTC_DECODE_UNKNOWN_LINKTYPE], 1);
    ntc_engine_free(e);
}

/* ---- throughput ------------------------------------------------------------------------------ */

static void feed_rate(ntc_engine *e, uint64_t start, int seconds, int pps)
{
    static pg_pkt p;
    h_build_udp(&p, 0, "10.0.0.1", 40000, "10.0.0.2", 9000, 958);
    assert_int_equal(p.len, 1000);
    for (int s = 0; s < seconds; s++)
        for (int i = 0; i < pps; i++)
            h_feed(e, start + (uint64_t)s * SEC + (uint64_t)i * (SEC / (uint64_t)pps), &p);
}

static void iface_throughput(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    feed_rate(e, T0, 5, 100);
    h_advance(e, T0 + 5 * SEC);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.packets, 500);
    assert_int_equal(st.bytes, 500000);
    assert_true(fabs(st.bps - 800000.0) < 1e-6);
    assert_true(fabs(st.pps - 100.0) < 1e-9);
    assert_true(fabs(st.peak_bps - 800000.0) < 1e-6);
    assert_true(fabs(st.peak_pps - 100.0) < 1e-9);
    /* Slower: the rate follows, the peak stays. */
    feed_rate(e, T0 + 5 * SEC, 2, 50);
    h_advance(e, T0 + 7 * SEC);
    st = h_stats(e);
    assert_true(fabs(st.bps - 400000.0) < 1e-6);
    assert_true(fabs(st.pps - 50.0) < 1e-9);
    assert_true(fabs(st.peak_bps - 800000.0) < 1e-6);
    assert_true(fabs(st.peak_pps - 100.0) < 1e-9);
    /* Faster: a new peak. */
    feed_rate(e, T0 + 7 * SEC, 1, 200);
    h_advance(e, T0 + 8 * SEC);
    st = h_stats(e);
    assert_true(fabs(st.bps - 1600000.0) < 1e-6);
    assert_true(fabs(st.peak_bps - 1600000.0) < 1e-6);
    assert_true(fabs(st.peak_pps - 200.0) < 1e-9);
    ntc_engine_free(e);
}

/* ---- ticks ------------------------------------------------------------------------------------ */

static int count_ticks(const h_rec *r, int kind)
{
    int n = 0;
    for (int i = 0; i < r->nticks; i++)
        n += r->ticks[i].tick == kind;
    return n;
}

/* One packet per second for 40 s across one minute boundary (1700000040 = 28333334 * 60). */
static void ticks_second_and_minute(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    const uint64_t base = 1700000010ULL;
    for (uint64_t k = 0; k <= 40; k++)
        h_udp(e, (base + k) * SEC, "10.0.0.1", 40000, "10.0.0.2", 9000, 0);
    assert_int_equal(count_ticks(r, NTC_TICK_SECOND), 40);
    uint64_t want = base + 1;
    for (int i = 0; i < r->nticks; i++) {
        if (r->ticks[i].tick != NTC_TICK_SECOND)
            continue;
        assert_int_equal(r->ticks[i].now, want * SEC);
        want++;
    }
    assert_int_equal(count_ticks(r, NTC_TICK_MINUTE), 1);
    assert_int_equal(count_ticks(r, NTC_TICK_FIVE_MINUTES), 0);
    assert_int_equal(count_ticks(r, NTC_TICK_HOUR), 0);
    assert_int_equal(count_ticks(r, NTC_TICK_DAY), 0);
    for (int i = 0; i < r->nticks; i++) {
        if (r->ticks[i].tick == NTC_TICK_MINUTE) {
            assert_int_equal(r->ticks[i].now, 1700000040ULL * SEC);
            assert_true(i > 0);
            assert_int_equal(r->ticks[i - 1].tick, NTC_TICK_SECOND); /* second first */
            assert_int_equal(r->ticks[i - 1].now, 1700000040ULL * SEC);
        }
    }
    ntc_engine_free(e);
    free(r);
}

/* Across a day boundary (1700006400 = 19676 * 86400) every tick fires once, in order. */
static void ticks_day_boundary(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    const uint64_t base = 1700006398ULL;
    for (uint64_t k = 0; k <= 3; k++)
        h_udp(e, (base + k) * SEC, "10.0.0.1", 40000, "10.0.0.2", 9000, 0);
    static const struct {
        int tick;
        uint64_t s;
    } want[] = {
        {NTC_TICK_SECOND, 1700006399ULL},       {NTC_TICK_SECOND, 1700006400ULL},
        {NTC_TICK_MINUTE, 1700006400ULL},       {NTC_TICK_FIVE_MINUTES, 1700006400ULL},
        {NTC_TICK_HOUR, 1700006400ULL},         {NTC_TICK_DAY, 1700006400ULL},
        {NTC_TICK_SECOND, 1700006401ULL},
    };
    assert_int_equal(r->nticks, 7);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(r->ticks[i].tick, want[i].tick);
        assert_int_equal(r->ticks[i].now, want[i].s * SEC);
    }
    ntc_engine_free(e);
    free(r);
}

/* ---- snapshots ------------------------------------------------------------------------------ */

static int find_live_flow(const h_flow_list *l, uint64_t id)
{
    for (int i = 0; i < l->n; i++)
        if (l->fi[i].id == id)
            return i;
    return -1;
}

static void snapshot_matches_engine_at_tick(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    assert_null(ntc_engine_snapshot_acquire(e));
    h_udp(e, T0, "10.0.0.1", 40000, "10.0.0.2", 53, 10);
    h_udp(e, T0 + 100 * MS, "10.0.0.2", 53, "10.0.0.1", 40000, 50);
    h_tcp(e, T0 + 500 * MS, "10.0.0.1", 40001, "10.0.0.3", 80, PG_SYN, 0);
    assert_null(ntc_engine_snapshot_acquire(e)); /* nothing published before the next tick */
    h_advance(e, T0 + SEC);
    ntc_iface_stats st = h_stats(e);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);
    assert_int_equal(ntc_snapshot_time(s), T0 + SEC);
    assert_int_equal(ntc_snapshot_flow_count(s), st.flows_active);
    assert_int_equal(ntc_snapshot_flow_count(s), 2);
    assert_int_equal(ntc_snapshot_host_count(s), st.hosts_active);
    assert_int_equal(ntc_snapshot_host_count(s), 3);
    ntc_iface_stats ss;
    memset(&ss, 0, sizeof(ss));
    ss.size = sizeof(ss);
    assert_int_equal(ntc_snapshot_iface_stats(s, &ss), 0);
    assert_int_equal(ss.packets, 3);
    assert_int_equal(ss.packets, st.packets);
    assert_int_equal(ss.bytes, st.bytes);
    assert_int_equal(ss.flows_total, st.flows_total);
    /* Flows are copies of the live ones. */
    h_flow_list *l = malloc(sizeof(*l));
    assert_non_null(l);
    h_live_flows(e, l);
    for (size_t i = 0; i < ntc_snapshot_flow_count(s); i++) {
        ntc_flow_info fi;
        memset(&fi, 0, sizeof(fi));
        fi.size = sizeof(fi);
        assert_int_equal(ntc_flow_get_info(ntc_snapshot_flow(s, i), &fi), 0);
        int k = find_live_flow(l, fi.id);
        assert_true(k >= 0);
        assert_memory_equal(&fi, &l->fi[k], sizeof(fi));
    }
    assert_null(ntc_snapshot_flow(s, 2));
    assert_null(ntc_snapshot_host(s, 3));
    /* Most recently active first. */
    ntc_host_info hi;
    memset(&hi, 0, sizeof(hi));
    hi.size = sizeof(hi);
    assert_int_equal(ntc_host_get_info(ntc_snapshot_host(s, 0), &hi), 0);
    assert_true(h_addr_is(hi.addr, "10.0.0.1") || h_addr_is(hi.addr, "10.0.0.3"));

    /* The snapshot does not move with the engine. */
    h_udp(e, T0 + 1500 * MS, "10.0.0.5", 1000, "10.0.0.6", 2000, 0);
    assert_int_equal(ntc_snapshot_flow_count(s), 2);
    assert_int_equal(ntc_snapshot_iface_stats(s, &ss), 0);
    assert_int_equal(ss.packets, 3);
    ntc_snapshot *s2 = ntc_engine_snapshot_acquire(e); /* still the same one: no tick yet */
    assert_ptr_equal(s2, s);
    ntc_snapshot_release(s2);
    h_advance(e, T0 + 2 * SEC);
    s2 = ntc_engine_snapshot_acquire(e);
    assert_non_null(s2);
    assert_ptr_not_equal(s2, s);
    assert_int_equal(ntc_snapshot_time(s2), T0 + 2 * SEC);
    assert_int_equal(ntc_snapshot_flow_count(s2), 3);
    assert_int_equal(ntc_snapshot_host_count(s2), 5);
    assert_int_equal(ntc_snapshot_iface_stats(s2, &ss), 0);
    assert_int_equal(ss.packets, 4);
    /* The old one is still readable. */
    assert_int_equal(ntc_snapshot_flow_count(s), 2);
    ntc_snapshot_release(s);
    ntc_snapshot_release(s2);
    ntc_snapshot_release(NULL);
    free(l);
    ntc_engine_free(e);
}

static void snapshot_max_flows(void **state)
{
    (void)state;
    /* "Most recently active" has one-second precision (the LRU order the engine keeps). */
    ntc_engine *e = h_engine(NULL, "snapshot.max_flows", "2", "snapshot.max_hosts", "1", NULL);
    h_udp(e, T0, "10.0.0.1", 1001, "10.0.0.2", 2001, 0);                 /* flow 1 */
    h_tcp(e, T0 + 1 * SEC, "10.0.0.1", 1002, "10.0.0.2", 2002, PG_SYN, 0); /* flow 2 */
    h_udp(e, T0 + 2 * SEC, "10.0.0.1", 1003, "10.0.0.2", 2003, 0);      /* flow 3 */
    h_udp(e, T0 + 3 * SEC, "10.0.0.1", 1001, "10.0.0.2", 2001, 0);      /* flow 1 again */
    h_tcp(e, T0 + 4 * SEC, "10.0.0.4", 1004, "10.0.0.2", 2004, PG_SYN, 0); /* flow 4 */
    h_udp(e, T0 + 5 * SEC, "10.0.0.1", 1003, "10.0.0.2", 2003, 0);      /* flow 3 again */
    assert_null(ntc_engine_snapshot_acquire(e));
    h_advance(e, T0 + 6 * SEC);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);
    assert_int_equal(h_stats(e).flows_active, 4);
    assert_int_equal(ntc_snapshot_flow_count(s), 2);
    ntc_flow_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.size = sizeof(fi);
    assert_int_equal(ntc_flow_get_info(ntc_snapshot_flow(s, 0), &fi), 0);
    assert_int_equal(fi.id, 3);
    assert_int_equal(ntc_flow_get_info(ntc_snapshot_flow(s, 1), &fi), 0);
    assert_int_equal(fi.id, 4);
    assert_null(ntc_snapshot_flow(s, 2));
    assert_int_equal(ntc_snapshot_host_count(s), 1);
    ntc_host_info hi;
    memset(&hi, 0, sizeof(hi));
    hi.size = sizeof(hi);
    assert_int_equal(ntc_host_get_info(ntc_snapshot_host(s, 0), &hi), 0);
    assert_int_equal(hi.last_us, T0 + 5 * SEC);
    ntc_snapshot_release(s);
    ntc_engine_free(e);
}

static void snapshot_outlives_engine(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, "host.local_networks", "10.0.0.0/24", NULL);
    h_udp(e, T0, "10.0.0.1", 40000, "8.8.8.8", 53, 10);
    h_udp(e, T0 + MS, "8.8.8.8", 53, "10.0.0.1", 40000, 20);
    assert_null(ntc_engine_snapshot_acquire(e));
    h_advance(e, T0 + SEC);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    ntc_snapshot *s_again = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);
    assert_ptr_equal(s, s_again);
    ntc_engine_free(e);
    assert_int_equal(ntc_snapshot_flow_count(s), 1);
    ntc_flow_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.size = sizeof(fi);
    assert_int_equal(ntc_flow_get_info(ntc_snapshot_flow(s, 0), &fi), 0);
    assert_int_equal(fi.cli2srv_bytes, 38);
    assert_int_equal(fi.srv2cli_bytes, 48);
    ntc_snapshot_release(s_again);
    /* One reference left: still valid. */
    assert_int_equal(ntc_snapshot_host_count(s), 2);
    int local_with_mac = 0;
    for (size_t i = 0; i < ntc_snapshot_host_count(s); i++) {
        ntc_host_info hi;
        memset(&hi, 0, sizeof(hi));
        hi.size = sizeof(hi);
        assert_int_equal(ntc_host_get_info(ntc_snapshot_host(s, i), &hi), 0);
        if (hi.is_local) {
            assert_int_equal(hi.has_mac, 1);
            assert_memory_equal(hi.mac, PG_MAC(2, 0, 10, 0, 0, 1), 6);
            local_with_mac++;
        }
    }
    assert_int_equal(local_with_mac, 1);
    ntc_iface_stats ss;
    memset(&ss, 0, sizeof(ss));
    ss.size = sizeof(ss);
    assert_int_equal(ntc_snapshot_iface_stats(s, &ss), 0);
    assert_int_equal(ss.packets, 2);
    ntc_snapshot_release(s);
}

/* ---- iteration -------------------------------------------------------------------------------- */

static int stop_after_one(void *u, const ntc_flow *f)
{
    (void)f;
    ++*(int *)u;
    return 1;
}

static int stop_after_one_host(void *u, const ntc_host *h)
{
    (void)h;
    ++*(int *)u;
    return 1;
}

static void foreach_visits_live_ones(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    h_tcp(e, T0, "10.0.0.1", 40000, "10.0.0.2", 80, PG_SYN, 0); /* flow 1: 15 s */
    h_udp(e, T0, "10.0.0.1", 40001, "10.0.0.2", 53, 0);         /* flow 2: 60 s */
    h_udp(e, T0 + SEC, "10.0.0.3", 40002, "10.0.0.4", 53, 0);   /* flow 3: 60 s */
    h_flow_list *fl = malloc(sizeof(*fl));
    h_host_list *hl = malloc(sizeof(*hl));
    assert_non_null(fl);
    assert_non_null(hl);
    assert_int_equal(h_live_flows(e, fl), 3);
    assert_int_equal(h_live_hosts(e, hl), 4);
    h_advance(e, T0 + 16 * SEC);
    assert_int_equal(h_live_flows(e, fl), 2);
    assert_true(find_live_flow(fl, 2) >= 0 && find_live_flow(fl, 3) >= 0);
    assert_int_equal(h_live_hosts(e, hl), 4);
    h_advance(e, T0 + 61 * SEC);
    assert_int_equal(h_live_flows(e, fl), 1);
    assert_int_equal(fl->fi[0].id, 3);
    assert_int_equal(h_live_hosts(e, hl), 2);
    for (int i = 0; i < 2; i++)
        assert_true(h_addr_is(hl->hi[i].addr, "10.0.0.3") || h_addr_is(hl->hi[i].addr, "10.0.0.4"));
    int n = 0;
    assert_int_equal(ntc_engine_foreach_flow(e, stop_after_one, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(ntc_engine_foreach_host(e, stop_after_one_host, &n), 0);
    assert_int_equal(n, 1);
    h_advance(e, T0 + 62 * SEC);
    assert_int_equal(h_live_flows(e, fl), 0);
    assert_int_equal(h_live_hosts(e, hl), 0);
    assert_int_equal(ntc_engine_foreach_flow(e, NULL, NULL), NTC_EINVAL);
    free(fl);
    free(hl);
    ntc_engine_free(e);
}

/* ---- capture files ------------------------------------------------------------------------- */

/* The mix, then 70 s of traffic so that ticks, rates and expiry happen. */
static int build_capture(frame *fr)
{
    static pg_pkt p;
    int n = build_mix(fr, T0);
    for (int s = 0; s < 70; s++) {
        h_build_udp(&p, 0, "10.0.1.1", 40000, "10.0.1.2", 9000, (size_t)(100 + s));
        put_frame(&fr[n++], T0 + (uint64_t)(s + 1) * SEC, &p, 0);
        if (s % 10 == 0) {
            h_build_tcp(&p, 0, "10.0.1.3", (uint16_t)(50000 + s), "10.0.1.4", 443, PG_SYN, 0);
            put_frame(&fr[n++], T0 + (uint64_t)(s + 1) * SEC + 500 * MS, &p, 0);
        }
    }
    return n;
}

static void compare_engines(ntc_engine *a, h_rec *ra, ntc_engine *b, h_rec *rb)
{
    ntc_iface_stats x = h_stats(a), y = h_stats(b);
    assert_true(x.packets > 80);
    assert_int_equal(x.packets, y.packets);
    assert_int_equal(x.bytes, y.bytes);
    assert_int_equal(x.ip_packets, y.ip_packets);
    assert_int_equal(x.ip_bytes, y.ip_bytes);
    assert_int_equal(x.nonip_packets, y.nonip_packets);
    assert_int_equal(x.nonip_bytes, y.nonip_bytes);
    assert_int_equal(x.ipv4_packets, y.ipv4_packets);
    assert_int_equal(x.ipv6_packets, y.ipv6_packets);
    assert_int_equal(x.tcp_packets, y.tcp_packets);
    assert_int_equal(x.tcp_bytes, y.tcp_bytes);
    assert_int_equal(x.udp_packets, y.udp_packets);
    assert_int_equal(x.udp_bytes, y.udp_bytes);
    assert_int_equal(x.icmp_packets, y.icmp_packets);
    assert_int_equal(x.other_l4_packets, y.other_l4_packets);
    assert_int_equal(x.vlan_packets, y.vlan_packets);
    assert_int_equal(x.decode_errors_total, y.decode_errors_total);
    assert_memory_equal(x.decode_errors, y.decode_errors, sizeof(x.decode_errors));
    assert_int_equal(x.flows_total, y.flows_total);
    assert_int_equal(x.flows_active, y.flows_active);
    assert_int_equal(x.flows_expired, y.flows_expired);
    assert_int_equal(x.hosts_total, y.hosts_total);
    assert_int_equal(x.hosts_active, y.hosts_active);
    assert_int_equal(x.hosts_purged, y.hosts_purged);
    assert_int_equal(x.first_us, y.first_us);
    assert_int_equal(x.last_us, y.last_us);
    assert_true(x.bps == y.bps && x.pps == y.pps);
    assert_true(x.peak_bps == y.peak_bps && x.peak_pps == y.peak_pps);
    assert_true(x.flows_expired > 0);
    assert_int_equal(ntc_engine_flush(a), 0);
    assert_int_equal(ntc_engine_flush(b), 0);
    assert_int_equal(ra->nflows, rb->nflows);
    for (int i = 0; i < ra->nflows; i++) {
        assert_int_equal(ra->flows[i].reason, rb->flows[i].reason);
        assert_memory_equal(&ra->flows[i].fi, &rb->flows[i].fi, sizeof(ntc_flow_info));
    }
    assert_int_equal(ra->nhosts, rb->nhosts);
    assert_int_equal(ra->nticks, rb->nticks);
}

static void file_same_as_ingest(int ng)
{
    static frame fr[128];
    int n = build_capture(fr);
    char path[128];
    tmp_path(path, sizeof(path), ng ? "mix.pcapng" : "mix.pcap");
    pg_pcap *w = ng ? pg_pcapng_open(path, NTC_LINKTYPE_ETHERNET, 65535)
                    : pg_pcap_open(path, NTC_LINKTYPE_ETHERNET, 65535);
    assert_non_null(w);
    for (int i = 0; i < n; i++)
        assert_int_equal(pg_pcap_write(w, fr[i].ts, fr[i].data, fr[i].caplen, fr[i].wirelen), 0);
    assert_int_equal(pg_pcap_close(w), 0);

    h_rec *ra = h_rec_new(), *rb = h_rec_new();
    ntc_engine *a = h_engine(ra, NULL), *b = h_engine(rb, NULL);
    feed_frames(a, fr, n);
    assert_int_equal(ntc_engine_open_file(b, path), 0);
    assert_int_equal(ntc_engine_source_count(b), 1);
    assert_int_equal(ntc_engine_run(b, 0), 0);
    assert_int_equal(ntc_engine_source_count(b), 0);
    assert_int_equal(ntc_engine_poll(b, 0), NTC_EOF);
    compare_engines(a, ra, b, rb);
    ntc_engine_free(a);
    ntc_engine_free(b);
    free(ra);
    free(rb);
}

static void file_pcap_same_as_ingest(void **state)
{
    (void)state;
    file_same_as_ingest(0);
}

static void file_pcapng_same_as_ingest(void **state)
{
    (void)state;
    file_same_as_ingest(1);
}

static void file_missing(void **state)
{
    (void)state;
    char path[128];
    tmp_path(path, sizeof(path), "no-such-dir/missing.pcap");
    ntc_engine *e = h_engine(NULL, NULL);
    assert_int_equal(ntc_engine_open_file(e, path), NTC_EIO);
    assert_non_null(strstr(ntc_engine_errmsg(e), path));
    assert_int_equal(ntc_engine_source_count(e), 0);
    assert_int_equal(ntc_engine_run(e, 0), 0);
    assert_int_equal(h_stats(e).packets, 0);
    ntc_engine_free(e);
}

/* capture.replay_speed: a 5-second capture replayed at 1000 % takes about 0.5 s of wall time, the
 * packets and their times are those of the file, and the engine clock moves through the gap while
 * the replay waits (so ticks and snapshots happen during a paced replay). */
static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void file_replay_paced(void **state)
{
    (void)state;
    static pg_pkt p;
    char path[128];
    tmp_path(path, sizeof(path), "paced.pcap");
    pg_pcap *w = pg_pcap_open(path, NTC_LINKTYPE_ETHERNET, 65535);
    assert_non_null(w);
    static const int at_s[] = {0, 1, 5};
    for (int i = 0; i < 3; i++) {
        h_build_udp(&p, 0, "10.0.1.1", 40000, "10.0.1.2", 9000, 100);
        assert_int_equal(pg_pcap_write(w, T0 + (uint64_t)at_s[i] * SEC, p.data, (uint32_t)p.len,
                                       (uint32_t)p.len), 0);
    }
    assert_int_equal(pg_pcap_close(w), 0);

    /* Out of range values are refused by name. */
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set(cfg, "capture.replay_speed", "100001"), NTC_ERANGE);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "capture.replay_speed"));
    ntc_config_free(cfg);

    /* run(): 5 s of packet time at 10x. */
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "capture.replay_speed", "1000", NULL);
    assert_int_equal(ntc_engine_open_file(e, path), 0);
    double t0 = mono_now();
    assert_int_equal(ntc_engine_run(e, 0), 0);
    double took = mono_now() - t0;
    assert_true(took >= 0.45);
    assert_true(took < 1.5);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.packets, 3);
    assert_int_equal(st.first_us, T0);
    assert_int_equal(st.last_us, T0 + 5 * SEC);
    assert_int_equal(r->nticks, 5);
    ntc_engine_free(e);
    free(r);

    /* poll(): after about 0.25 s of a 10x replay the clock is about 2.5 s into the capture, past
     * the second packet and before the third, and a snapshot published at a tick is there. */
    e = h_engine(NULL, "capture.replay_speed", "1000", NULL);
    assert_int_equal(ntc_engine_open_file(e, path), 0);
    assert_null(ntc_engine_snapshot_acquire(e)); /* ask for snapshots */
    t0 = mono_now();
    while (mono_now() - t0 < 0.25) {
        assert_true(ntc_engine_poll(e, 20) >= 0);
        ntc_snapshot_release(ntc_engine_snapshot_acquire(e)); /* a reader keeps asking */
    }
    st = h_stats(e);
    assert_int_equal(st.packets, 2);
    assert_true(st.last_us >= T0 + 2 * SEC);
    assert_true(st.last_us < T0 + 4 * SEC);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);
    assert_true(ntc_snapshot_time(s) >= T0 + 2 * SEC);
    ntc_snapshot_release(s);
    /* poll(0) never sleeps. */
    t0 = mono_now();
    assert_true(ntc_engine_poll(e, 0) >= 0);
    assert_true(mono_now() - t0 < 0.05);
    ntc_engine_free(e);
}

/* ntc_engine_snapshot_publish(): a snapshot now, without a tick or a reader asking. */
static void snapshot_publish_now(void **state)
{
    (void)state;
    static pg_pkt p;
    ntc_engine *e = h_engine(NULL, NULL);
    assert_int_equal(ntc_engine_snapshot_publish(NULL), NTC_EINVAL);
    h_build_udp(&p, 0, "10.0.1.1", 40000, "10.0.1.2", 9000, 100);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, T0 + 100 * MS, p.data,
                                       (uint32_t)p.len, 0), 0);
    assert_int_equal(ntc_engine_snapshot_publish(e), 0);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);
    assert_int_equal(ntc_snapshot_time(s), T0 + 100 * MS);
    assert_int_equal(ntc_snapshot_flow_count(s), 1);
    assert_int_equal(ntc_snapshot_host_count(s), 2);
    ntc_snapshot_release(s);
    ntc_engine_free(e);
}


/* Calling back into the engine from its callbacks is refused (NTC_ESTATE) instead of freeing the
 * flow the engine is working on; reading stays allowed. */
typedef struct reent {
    ntc_engine *e;
    int calls, estate, stats_ok;
} reent;

static void reent_flow_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    (void)f;
    (void)why;
    reent *r = u;
    r->calls++;
    static const uint8_t pkt[1];
    r->estate += ntc_engine_flush(r->e) == NTC_ESTATE;
    r->estate += ntc_engine_ingest(r->e, NTC_LINKTYPE_RAW, T0, pkt, 1, 1) == NTC_ESTATE;
    r->estate += ntc_engine_advance(r->e, T0 + 1000 * SEC) == NTC_ESTATE;
    ntc_iface_stats st = {.size = sizeof(st)};
    r->stats_ok += ntc_engine_get_iface_stats(r->e, &st) == 0;
}

static int reent_foreach(void *u, const ntc_flow *f)
{
    (void)f;
    reent *r = u;
    r->estate += ntc_engine_flush(r->e) == NTC_ESTATE;
    return 0;
}

static void reentrancy_refused(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, "flow.max", "2", NULL);
    reent r = {e, 0, 0, 0};
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = reent_flow_end};
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, &r), 0);
    h_udp(e, T0, "10.0.0.1", 1001, "10.0.0.2", 2001, 0);
    h_udp(e, T0, "10.0.0.1", 1002, "10.0.0.2", 2002, 0);
    assert_int_equal(ntc_engine_foreach_flow(e, reent_foreach, &r), 0);
    assert_int_equal(r.estate, 2);
    h_udp(e, T0, "10.0.0.1", 1003, "10.0.0.2", 2003, 0); /* evicts one: callback runs */
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.estate, 2 + 3);
    assert_int_equal(r.stats_ok, 1);
    assert_int_equal(ntc_engine_flush(e), 0); /* outside callbacks it works */
    assert_int_equal(r.calls, 3);
    assert_int_equal(h_stats(e).flows_active, 0);
    ntc_engine_free(e);
}


/* The tick callback may walk the flow and host tables (periodic scripts do), but not nested walks;
 * the flow-end callback still may not (the flow is being removed). */
typedef struct tick_walk {
    ntc_engine *e;
    int ticks, flows, hosts, nested_refused, flow_end_refused;
} tick_walk;

static int tw_nested(void *u, const ntc_flow *f)
{
    (void)f;
    (void)u;
    return 0;
}

static int tw_flow(void *u, const ntc_flow *f)
{
    (void)f;
    tick_walk *w = u;
    w->flows++;
    w->nested_refused += ntc_engine_foreach_flow(w->e, tw_nested, w) == NTC_ESTATE;
    return 0;
}

static int tw_host(void *u, const ntc_host *h)
{
    (void)h;
    tick_walk *w = u;
    w->hosts++;
    return 0;
}

static void tw_tick(void *u, ntc_tick t, uint64_t now)
{
    (void)now;
    tick_walk *w = u;
    if (t != NTC_TICK_SECOND)
        return;
    w->ticks++;
    assert_int_equal(ntc_engine_foreach_flow(w->e, tw_flow, w), 0);
    assert_int_equal(ntc_engine_foreach_host(w->e, tw_host, w), 0);
}

static void tw_flow_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    (void)f;
    (void)why;
    tick_walk *w = u;
    w->flow_end_refused += ntc_engine_foreach_flow(w->e, tw_nested, w) == NTC_ESTATE;
}

static void walk_from_tick(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    tick_walk w = {.e = e};
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .tick = tw_tick, .flow_end = tw_flow_end};
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, &w), 0);
    h_udp(e, T0, "10.0.0.1", 1001, "10.0.0.2", 2001, 0);
    h_udp(e, T0, "10.0.0.1", 1002, "10.0.0.3", 2002, 0);
    h_udp(e, T0 + 1 * SEC, "10.0.0.1", 1001, "10.0.0.2", 2001, 0); /* tick: 2 flows, 3 hosts */
    assert_int_equal(w.ticks, 1);
    assert_int_equal(w.flows, 2);
    assert_int_equal(w.hosts, 3);
    assert_int_equal(w.nested_refused, 2);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(w.flow_end_refused, 2);
    ntc_engine_free(e);
}

/* ntc_engine_flush_some() ends the open flows in portions, in the order ntc_engine_flush() would,
 * and purges the hosts with the last portion. */
static void flush_in_portions(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    for (int i = 0; i < 5; i++)
        h_udp(e, T0 + (uint64_t)i * MS, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, 0);
    assert_int_equal(ntc_engine_flush_some(e, 2), 3);
    assert_int_equal(r->nflows, 2);
    assert_int_equal(r->nhosts, 0);
    assert_int_equal(h_stats(e).hosts_active, 2);
    assert_int_equal(ntc_engine_flush_some(e, 2), 1);
    assert_int_equal(ntc_engine_flush_some(e, 2), 0);
    assert_int_equal(r->nflows, 5);
    assert_int_equal(r->nhosts, 2);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r->flows[i].fi.cli_port, 1000 + i); /* oldest first */
        assert_int_equal(r->flows[i].reason, NTC_FLOW_END_FLUSH);
    }
    assert_int_equal(ntc_engine_flush_some(e, 0), 0);
    ntc_engine_free(e);
    free(r);
}

/* One packet stamped years ahead must not freeze the clock for the rest of the input: the next
 * packet far behind the clock restarts it (counted), the flows of the bogus time end, and later
 * flows get their own times and expire normally. */
static void clock_resync_after_bogus_future(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_udp(e, T0, "10.0.0.1", 1001, "10.0.0.2", 2001, 0);
    h_udp(e, T0 + 400000000ULL * SEC, "10.0.0.1", 1002, "10.0.0.2", 2002, 0); /* bogus */
    assert_int_equal(h_stats(e).clock_resyncs, 0);
    h_udp(e, T0 + 2 * SEC, "10.0.0.1", 1003, "10.0.0.2", 2003, 0);
    assert_int_equal(h_stats(e).clock_resyncs, 1);
    /* The first flow ended idle at the bogus time's tick; the bogus flow at the resync. */
    assert_int_equal(r->nflows, 2);
    assert_int_equal(h_count_reason(r, NTC_FLOW_END_FLUSH), 1);
    h_udp(e, T0 + 3 * SEC, "10.0.0.1", 1004, "10.0.0.2", 2004, 0);
    h_advance(e, T0 + 70 * SEC);
    assert_int_equal(r->nflows, 4);
    assert_int_equal(r->flows[2].fi.first_us, T0 + 2 * SEC);
    assert_int_equal(r->flows[3].fi.first_us, T0 + 3 * SEC);
    assert_int_equal(r->flows[2].reason, NTC_FLOW_END_IDLE);
    /* A small step back (below engine.clock_resync) is just a late packet. */
    h_udp(e, T0 + 60 * SEC, "10.0.0.1", 1005, "10.0.0.2", 2005, 0);
    assert_int_equal(h_stats(e).clock_resyncs, 1);
    ntc_engine_free(e);
    free(r);
}


/* Error codes of the config API, one per kind of mistake. */
static void config_error_codes(void **state)
{
    (void)state;
    ntc_config *c = ntc_config_new();
    int64_t v;
    assert_int_equal(ntc_config_set(c, NULL, "1"), NTC_EINVAL);
    assert_int_equal(ntc_config_set_int(c, NULL, 1), NTC_EINVAL);
    assert_int_equal(ntc_config_set(c, "no.such", "1"), NTC_ENOKEY);
    assert_int_equal(ntc_config_set(c, "flow.max", "abc"), NTC_ETYPE);
    assert_int_equal(ntc_config_set(c, "flow.max", "99999999999999999999999"), NTC_ERANGE);
    assert_non_null(strstr(ntc_config_errmsg(c), "flow.max"));
    assert_int_equal(ntc_config_set(c, "flow.max", "0"), NTC_ERANGE);
    assert_int_equal(ntc_config_get_int(c, "host.local_networks", &v), NTC_ETYPE);
    assert_int_equal(ntc_config_get_int(c, "no.such", &v), NTC_ENOKEY);
    assert_int_equal(ntc_config_get_int(c, NULL, &v), NTC_EINVAL);
    assert_int_equal(ntc_config_get_int(c, "flow.max", &v), 0);
    assert_int_equal(v, 131072);
    ntc_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_option_table),
        cmocka_unit_test(config_design_defaults),
        cmocka_unit_test(config_set_errors),
        cmocka_unit_test(config_load_file_ok),
        cmocka_unit_test(config_load_file_errors),
        cmocka_unit_test(iface_counters_mix),
        cmocka_unit_test(iface_throughput),
        cmocka_unit_test(ticks_second_and_minute),
        cmocka_unit_test(ticks_day_boundary),
        cmocka_unit_test(snapshot_matches_engine_at_tick),
        cmocka_unit_test(snapshot_max_flows),
        cmocka_unit_test(reentrancy_refused),
        cmocka_unit_test(walk_from_tick),
        cmocka_unit_test(flush_in_portions),
        cmocka_unit_test(config_error_codes),
        cmocka_unit_test(clock_resync_after_bogus_future),
        cmocka_unit_test(snapshot_outlives_engine),
        cmocka_unit_test(foreach_visits_live_ones),
        cmocka_unit_test(file_pcap_same_as_ingest),
        cmocka_unit_test(file_pcapng_same_as_ingest),
        cmocka_unit_test(file_missing),
        cmocka_unit_test(file_replay_paced),
        cmocka_unit_test(snapshot_publish_now),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
