/* Host table: local networks (the matcher directly, then through the engine), per-host counters,
 * MAC addresses, flow counts, idle purge, the host.max cap, and the host_end callback.
 * IP bytes: UDP/IPv4 = 28 + payload, UDP/IPv6 = 48 + payload. */
#include "ntc_harness.h"

#include "host/host.h"

#define MS 1000ULL

/* ---- the local-network matcher -------------------------------------------------------------- */

static int check(const char *text)
{
    char why[160];
    why[0] = 0;
    return ntc__localnets_check(text, why, sizeof(why));
}

static void localnets_check_valid(void **state)
{
    (void)state;
    static const char *ok[] = {
        "",
        "192.168.0.0/16",
        "192.168.0.0/16,fd00::/8",
        " 10.0.0.0/8 , 172.16.0.0/12 ",
        "10.0.0.1",
        "2001:db8::1",
        "0.0.0.0/0",
        "::/0",
        "10.1.2.3/32",
        "2001:db8::1/128",
        "192.168.1.99/24",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (check(ok[i]) != 0)
            fail_msg("'%s' should be accepted", ok[i]);
    }
}

static void localnets_check_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {
        "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8x",
        "300.1.1.1/8", "hello", "10.0.0.0/8,nonsense", "10.0.0.0/8/8", "/8",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (check(bad[i]) == 0)
            fail_msg("'%s' should be rejected", bad[i]);
    }
    /* The reason names the offending network. */
    char why[160];
    assert_int_equal(ntc__localnets_check("10.0.0.0/8,192.168.0.0/40", why, sizeof(why)),
                     NTC_EFORMAT);
    assert_non_null(strstr(why, "192.168.0.0"));
    assert_int_equal(ntc__localnets_check("10.0.0.0/8,bogus", why, sizeof(why)), NTC_EFORMAT);
    assert_non_null(strstr(why, "bogus"));
}

/* A negative prefix length is no prefix length at all. */
static void localnets_check_negative_prefix(void **state)
{
    (void)state;
    assert_int_not_equal(check("10.0.0.0/-1"), 0);
    assert_int_not_equal(check("fd00::/-8"), 0);
    assert_int_not_equal(check("192.168.0.0/16,10.0.0.0/-24"), 0);
}

static int match(const ntc__localnets *ln, const char *ip)
{
    h_addr a = h_ip(ip);
    return ntc__localnets_match(ln, a.v, a.b);
}

static void localnets_match(void **state)
{
    (void)state;
    ntc__localnets ln;
    memset(&ln, 0, sizeof(ln));
    assert_int_equal(ntc__localnets_parse(&ln, "192.168.1.99/24,172.16.0.0/20,10.1.2.3/32,"
                                               "2001:db8::1/128,fd00::/8"),
                     0);
    assert_int_equal(ln.count, 5);
    assert_int_equal(match(&ln, "192.168.1.1"), 1); /* host bits of the network are masked */
    assert_int_equal(match(&ln, "192.168.1.255"), 1);
    assert_int_equal(match(&ln, "192.168.2.1"), 0);
    assert_int_equal(match(&ln, "172.16.15.255"), 1); /* /20 ends inside a byte */
    assert_int_equal(match(&ln, "172.16.16.0"), 0);
    assert_int_equal(match(&ln, "10.1.2.3"), 1);
    assert_int_equal(match(&ln, "10.1.2.4"), 0);
    assert_int_equal(match(&ln, "10.1.2.2"), 0);
    assert_int_equal(match(&ln, "2001:db8::1"), 1);
    assert_int_equal(match(&ln, "2001:db8::2"), 0);
    assert_int_equal(match(&ln, "fdff:1::5"), 1);
    assert_int_equal(match(&ln, "fe00::1"), 0);
    assert_int_equal(match(&ln, "8.8.8.8"), 0);
    /* An IPv6 address whose first bytes look like a local IPv4 network is not local. */
    assert_int_equal(match(&ln, "c0a8:101::"), 0);
    ntc__localnets_free(&ln);
    assert_int_equal(ln.count, 0);
}

static void localnets_match_zero_prefix(void **state)
{
    (void)state;
    ntc__localnets ln;
    memset(&ln, 0, sizeof(ln));
    assert_int_equal(ntc__localnets_parse(&ln, "0.0.0.0/0"), 0);
    assert_int_equal(match(&ln, "1.2.3.4"), 1);
    assert_int_equal(match(&ln, "255.255.255.255"), 1);
    assert_int_equal(match(&ln, "::1"), 0);
    ntc__localnets_free(&ln);
    assert_int_equal(ntc__localnets_parse(&ln, "::/0"), 0);
    assert_int_equal(match(&ln, "2001:db8::1"), 1);
    assert_int_equal(match(&ln, "1.2.3.4"), 0);
    ntc__localnets_free(&ln);
    /* No networks: nothing is local. */
    assert_int_equal(ntc__localnets_parse(&ln, ""), 0);
    assert_int_equal(match(&ln, "10.0.0.1"), 0);
    ntc__localnets_free(&ln);
}

static void localnets_system_address(void **state)
{
    (void)state;
    ntc__localnets ln;
    memset(&ln, 0, sizeof(ln));
    assert_int_equal(ntc__localnets_parse(&ln, "10.0.0.0/8"), 0);
    h_addr a = h_ip("10.0.0.7");
    assert_int_equal(ntc__localnets_add(&ln, 4, a.b, 32, 1), 0);
    assert_int_equal(match(&ln, "10.0.0.7"), 2);
    assert_int_equal(match(&ln, "10.0.0.8"), 1);
    h_addr b = h_ip("2001:db8::7");
    assert_int_equal(ntc__localnets_add(&ln, 6, b.b, 128, 1), 0);
    assert_int_equal(match(&ln, "2001:db8::7"), 2);
    assert_int_equal(match(&ln, "2001:db8::8"), 0);
    ntc__localnets_free(&ln);
}

/* ---- local and remote hosts in the engine ------------------------------------------------------ */

static void host_local_remote(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, "host.local_networks", "192.168.1.0/24,fd00::/8,10.1.2.3/32",
                             NULL);
    h_udp(e, T0, "192.168.1.10", 40000, "8.8.8.8", 53, 10);
    h_udp(e, T0 + MS, "fd00::1", 40000, "2001:db8::1", 53, 10);
    h_udp(e, T0 + 2 * MS, "10.1.2.3", 40000, "10.1.2.4", 53, 10);
    ntc_host_info hi;
    assert_int_equal(h_find_host(e, "192.168.1.10", 0, &hi), 1);
    assert_int_equal(hi.is_local, 1);
    assert_int_equal(hi.is_system, 0);
    assert_int_equal(hi.ip_version, 4);
    assert_int_equal(h_find_host(e, "8.8.8.8", 0, &hi), 1);
    assert_int_equal(hi.is_local, 0);
    assert_int_equal(h_find_host(e, "fd00::1", 0, &hi), 1);
    assert_int_equal(hi.is_local, 1);
    assert_int_equal(hi.ip_version, 6);
    assert_int_equal(h_find_host(e, "2001:db8::1", 0, &hi), 1);
    assert_int_equal(hi.is_local, 0);
    assert_int_equal(h_find_host(e, "10.1.2.3", 0, &hi), 1);
    assert_int_equal(hi.is_local, 1);
    assert_int_equal(h_find_host(e, "10.1.2.4", 0, &hi), 1);
    assert_int_equal(hi.is_local, 0);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.hosts_active, 6);
    assert_int_equal(st.hosts_local, 3);
    assert_int_equal(st.hosts_total, 6);
    ntc_engine_free(e);
}

static void host_local_zero_prefix(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, "host.local_networks", "::/0", NULL);
    h_udp(e, T0, "1.2.3.4", 40000, "5.6.7.8", 53, 0);
    h_udp(e, T0 + MS, "2001:db8::1", 40000, "2600::1", 53, 0);
    ntc_host_info hi;
    assert_int_equal(h_find_host(e, "1.2.3.4", 0, &hi), 1);
    assert_int_equal(hi.is_local, 0);
    assert_int_equal(h_find_host(e, "2600::1", 0, &hi), 1);
    assert_int_equal(hi.is_local, 1);
    assert_int_equal(h_stats(e).hosts_local, 2);
    ntc_engine_free(e);
}

static void host_counters(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    const char *a = "10.0.0.1", *b = "10.0.0.2", *c = "10.0.0.3";
    for (int i = 0; i < 3; i++)
        h_udp(e, T0 + (uint64_t)i * MS, a, 40000, b, 9999, 100); /* 128 */
    for (int i = 0; i < 2; i++)
        h_udp(e, T0 + 10 * MS + (uint64_t)i * MS, b, 9999, a, 40000, 50); /* 78 */
    h_udp(e, T0 + 20 * MS, a, 40001, c, 53, 20); /* 48 */
    ntc_host_info ha, hb, hc;
    assert_int_equal(h_find_host(e, a, 0, &ha), 1);
    assert_int_equal(h_find_host(e, b, 0, &hb), 1);
    assert_int_equal(h_find_host(e, c, 0, &hc), 1);
    assert_int_equal(ha.packets_sent, 4);
    assert_int_equal(ha.bytes_sent, 3 * 128 + 48);
    assert_int_equal(ha.packets_rcvd, 2);
    assert_int_equal(ha.bytes_rcvd, 2 * 78);
    assert_int_equal(hb.packets_sent, 2);
    assert_int_equal(hb.bytes_sent, 2 * 78);
    assert_int_equal(hb.packets_rcvd, 3);
    assert_int_equal(hb.bytes_rcvd, 3 * 128);
    assert_int_equal(hc.packets_sent, 0);
    assert_int_equal(hc.bytes_sent, 0);
    assert_int_equal(hc.packets_rcvd, 1);
    assert_int_equal(hc.bytes_rcvd, 48);
    assert_int_equal(ha.first_us, T0);
    assert_int_equal(ha.last_us, T0 + 20 * MS);
    assert_int_equal(hb.first_us, T0);
    assert_int_equal(hb.last_us, T0 + 11 * MS);
    assert_int_equal(hc.first_us, T0 + 20 * MS);
    ntc_engine_free(e);
}

static void host_mac_local_only(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, "host.local_networks", "192.168.1.0/24", NULL);
    /* The builders' MAC of a sender is 02:00 + its IPv4 address. */
    h_udp(e, T0, "192.168.1.10", 40000, "8.8.8.8", 53, 10);
    h_udp(e, T0 + MS, "8.8.8.8", 53, "192.168.1.10", 40000, 10);
    h_udp(e, T0 + 2 * MS, "8.8.8.8", 53, "192.168.1.20", 40000, 10); /* .20 only receives */
    ntc_host_info hi;
    assert_int_equal(h_find_host(e, "192.168.1.10", 0, &hi), 1);
    assert_int_equal(hi.has_mac, 1);
    assert_memory_equal(hi.mac, PG_MAC(0x02, 0x00, 192, 168, 1, 10), 6);
    assert_int_equal(h_find_host(e, "8.8.8.8", 0, &hi), 1);
    assert_int_equal(hi.has_mac, 0);
    assert_memory_equal(hi.mac, PG_MAC(0, 0, 0, 0, 0, 0), 6);
    assert_int_equal(h_find_host(e, "192.168.1.20", 0, &hi), 1);
    assert_int_equal(hi.has_mac, 0);
    /* The last source MAC wins. */
    static pg_pkt p;
    h_addr s = h_ip("192.168.1.10"), d = h_ip("8.8.8.8");
    pg_init(&p);
    pg_eth(&p, PG_MAC(2, 0, 8, 8, 8, 8), PG_MAC(0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f), 0);
    pg_ipv4(&p, s.b, d.b, NULL);
    pg_udp(&p, 40000, 53);
    h_finish(&p);
    h_feed(e, T0 + 3 * MS, &p);
    assert_int_equal(h_find_host(e, "192.168.1.10", 0, &hi), 1);
    assert_memory_equal(hi.mac, PG_MAC(0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f), 6);
    ntc_engine_free(e);
}

static void host_flow_counts(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.idle_timeout", "10", NULL);
    const char *a = "10.0.0.1", *b = "10.0.0.2", *c = "10.0.0.3";
    h_udp(e, T0, a, 40000, b, 5001, 0);
    h_udp(e, T0 + MS, a, 40001, b, 5002, 0);
    h_udp(e, T0 + 2 * MS, a, 40002, c, 5003, 0);
    h_udp(e, T0 + 3 * MS, c, 40003, a, 5004, 0);
    h_udp(e, T0 + 4 * MS, b, 5001, a, 40000, 0); /* reply: no new flow */
    ntc_host_info ha, hb, hc;
    assert_int_equal(h_find_host(e, a, 0, &ha), 1);
    assert_int_equal(h_find_host(e, b, 0, &hb), 1);
    assert_int_equal(h_find_host(e, c, 0, &hc), 1);
    assert_int_equal(ha.active_flows_as_client, 3);
    assert_int_equal(ha.active_flows_as_server, 1);
    assert_int_equal(hb.active_flows_as_client, 0);
    assert_int_equal(hb.active_flows_as_server, 2);
    assert_int_equal(hc.active_flows_as_client, 1);
    assert_int_equal(hc.active_flows_as_server, 1);
    /* Flows end after 10 s; hosts stay (60 s) with their totals. */
    h_advance(e, T0 + 11 * SEC);
    assert_int_equal(r->nflows, 4);
    assert_int_equal(r->nhosts, 0);
    assert_int_equal(h_find_host(e, a, 0, &ha), 1);
    assert_int_equal(h_find_host(e, b, 0, &hb), 1);
    assert_int_equal(h_find_host(e, c, 0, &hc), 1);
    assert_int_equal(ha.active_flows_as_client, 0);
    assert_int_equal(ha.active_flows_as_server, 0);
    assert_int_equal(ha.total_flows_as_client, 3);
    assert_int_equal(ha.total_flows_as_server, 1);
    assert_int_equal(hb.active_flows_as_client, 0);
    assert_int_equal(hb.active_flows_as_server, 0);
    assert_int_equal(hb.total_flows_as_client, 0);
    assert_int_equal(hb.total_flows_as_server, 2);
    assert_int_equal(hc.total_flows_as_client, 1);
    assert_int_equal(hc.total_flows_as_server, 1);
    /* A new flow adds to the totals. */
    h_udp(e, T0 + 12 * SEC, b, 40000, c, 53, 0);
    assert_int_equal(h_find_host(e, b, 0, &hb), 1);
    assert_int_equal(hb.active_flows_as_client, 1);
    assert_int_equal(hb.total_flows_as_client, 1);
    assert_int_equal(hb.total_flows_as_server, 2);
    ntc_engine_free(e);
    free(r);
}

/* ---- idle purge ------------------------------------------------------------------------------- */

static void host_purge_remote_60s(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.idle_timeout", "10", NULL);
    h_udp(e, T0, "8.8.8.8", 53, "9.9.9.9", 40000, 0);
    h_advance(e, T0 + 60 * SEC);
    assert_int_equal(r->nflows, 1); /* the flow ended after 10 s */
    assert_int_equal(r->nhosts, 0);
    assert_int_equal(h_stats(e).hosts_active, 2);
    h_advance(e, T0 + 61 * SEC);
    assert_int_equal(r->nhosts, 2);
    assert_true(h_host_ended(r, "8.8.8.8") >= 0);
    assert_true(h_host_ended(r, "9.9.9.9") >= 0);
    ntc_host_info *hi = &r->hosts[h_host_ended(r, "9.9.9.9")].hi;
    assert_int_equal(hi->packets_rcvd, 1);
    assert_int_equal(hi->bytes_rcvd, 28);
    assert_int_equal(hi->total_flows_as_client, 1);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.hosts_active, 0);
    assert_int_equal(st.hosts_purged, 2);
    assert_int_equal(st.hosts_total, 2);
    ntc_engine_free(e);
    free(r);
}

static void host_purge_local_300s(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "host.local_networks", "10.0.0.0/8", NULL);
    h_udp(e, T0, "10.0.0.5", 40000, "8.8.8.8", 53, 0);
    h_advance(e, T0 + 61 * SEC);
    assert_int_equal(r->nflows, 1);
    assert_int_equal(r->nhosts, 1);
    assert_true(h_host_ended(r, "8.8.8.8") >= 0);
    assert_int_equal(h_find_host(e, "10.0.0.5", 0, NULL), 1);
    h_advance(e, T0 + 300 * SEC);
    assert_int_equal(r->nhosts, 1);
    assert_int_equal(h_stats(e).hosts_local, 1);
    h_advance(e, T0 + 301 * SEC);
    assert_int_equal(r->nhosts, 2);
    assert_true(h_host_ended(r, "10.0.0.5") >= 0);
    assert_int_equal(r->hosts[h_host_ended(r, "10.0.0.5")].hi.is_local, 1);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.hosts_active, 0);
    assert_int_equal(st.hosts_local, 0);
    assert_int_equal(st.hosts_purged, 2);
    ntc_engine_free(e);
    free(r);
}

/* Host idle timeouts are configurable. */
static void host_purge_configured(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "host.local_networks", "10.0.0.0/8", "flow.idle_timeout", "1",
                             "host.local_idle_timeout", "20", "host.remote_idle_timeout", "5",
                             NULL);
    h_udp(e, T0, "10.0.0.5", 40000, "8.8.8.8", 53, 0);
    h_advance(e, T0 + 5 * SEC);
    assert_int_equal(r->nhosts, 0);
    h_advance(e, T0 + 6 * SEC);
    assert_int_equal(r->nhosts, 1);
    assert_true(h_host_ended(r, "8.8.8.8") >= 0);
    h_advance(e, T0 + 20 * SEC);
    assert_int_equal(r->nhosts, 1);
    h_advance(e, T0 + 21 * SEC);
    assert_int_equal(r->nhosts, 2);
    ntc_engine_free(e);
    free(r);
}

/* A host is never purged while one of its flows is active. */
static void host_kept_while_flow_active(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.idle_timeout", "600", "host.remote_idle_timeout", "60",
                             NULL);
    h_udp(e, T0, "8.8.8.8", 40000, "9.9.9.9", 5000, 0);
    static const uint64_t at[] = {61, 120, 300, 599, 600};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        h_advance(e, T0 + at[i] * SEC);
        assert_int_equal(r->nflows, 0);
        assert_int_equal(r->nhosts, 0);
        assert_int_equal(h_stats(e).hosts_active, 2);
    }
    assert_int_equal(h_find_host(e, "8.8.8.8", 0, NULL), 1);
    h_advance(e, T0 + 601 * SEC);
    assert_int_equal(r->nflows, 1);
    assert_int_equal(r->flows[0].reason, NTC_FLOW_END_IDLE);
    assert_int_equal(r->nhosts, 2);
    for (int i = 0; i < 2; i++) {
        assert_true(r->hosts[i].order > r->flows[0].order);
        assert_int_equal(r->hosts[i].hi.active_flows_as_client, 0);
        assert_int_equal(r->hosts[i].hi.active_flows_as_server, 0);
    }
    assert_int_equal(h_stats(e).hosts_purged, 2);
    ntc_engine_free(e);
    free(r);
}

/* A host kept because it was busy does not wait, once free, behind hosts that are not idle yet:
 * it is purged at the first tick where it is idle longer than its timeout with no flow. */
static void host_purge_not_blocked_by_busy_host(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.idle_timeout", "100", NULL);
    h_udp(e, T0, "8.8.8.8", 40000, "9.9.9.9", 5000, 0);         /* flow 1: ends at 101 s */
    h_udp(e, T0 + 50 * SEC, "1.1.1.1", 40000, "2.2.2.2", 5000, 0); /* flow 2: ends at 151 s */
    h_advance(e, T0 + 61 * SEC); /* 8.8.8.8 and 9.9.9.9 idle but busy: kept */
    assert_int_equal(r->nhosts, 0);
    h_advance(e, T0 + 101 * SEC);
    assert_int_equal(r->nflows, 1);
    /* 8.8.8.8 and 9.9.9.9: idle 101 s > 60 s, no flow left. */
    assert_true(h_host_ended(r, "8.8.8.8") >= 0);
    assert_true(h_host_ended(r, "9.9.9.9") >= 0);
    assert_int_equal(r->nhosts, 2);
    assert_int_equal(h_stats(e).hosts_active, 2);
    h_advance(e, T0 + 151 * SEC);
    assert_int_equal(r->nflows, 2);
    assert_int_equal(r->nhosts, 4);
    ntc_engine_free(e);
    free(r);
}

/* ---- host.max ---------------------------------------------------------------------------------- */

static void host_max_evicts_and_counts(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "host.max", "2", "flow.idle_timeout", "10", NULL);
    h_udp(e, T0, "10.0.0.1", 40000, "10.0.0.2", 53, 0);
    /* Both hosts have an active flow: the next two cannot be created; the flow still is. */
    h_udp(e, T0 + 5 * SEC, "10.0.0.3", 40000, "10.0.0.4", 53, 0);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.hosts_active, 2);
    assert_int_equal(st.hosts_not_created, 2);
    assert_int_equal(st.hosts_evicted, 0);
    assert_int_equal(st.flows_active, 2);
    assert_int_equal(h_find_host(e, "10.0.0.3", 0, NULL), 0);
    assert_int_equal(r->nhosts, 0);
    /* At 11 s the first flow ends; its hosts stay (remote timeout 60 s) but have no flow. */
    h_advance(e, T0 + 11 * SEC);
    assert_int_equal(r->nflows, 1);
    assert_int_equal(h_stats(e).hosts_active, 2);
    h_udp(e, T0 + 12 * SEC, "10.0.0.5", 40000, "10.0.0.6", 53, 0);
    assert_int_equal(r->nhosts, 2);
    assert_true(h_host_ended(r, "10.0.0.1") >= 0);
    assert_true(h_host_ended(r, "10.0.0.2") >= 0);
    assert_int_equal(h_find_host(e, "10.0.0.5", 0, NULL), 1);
    assert_int_equal(h_find_host(e, "10.0.0.6", 0, NULL), 1);
    st = h_stats(e);
    assert_int_equal(st.hosts_active, 2);
    assert_int_equal(st.hosts_evicted, 2);
    assert_int_equal(st.hosts_not_created, 2);
    assert_int_equal(st.hosts_total, 4);
    assert_int_equal(st.hosts_purged, 0);
    /* The flow without hosts is still accounted. */
    assert_int_equal(ntc_engine_flush(e), 0);
    int found = 0;
    for (int i = 0; i < r->nflows; i++) {
        if (h_addr_is(r->flows[i].fi.cli_addr, "10.0.0.3")) {
            found = 1;
            assert_int_equal(r->flows[i].fi.cli2srv_packets, 1);
            assert_int_equal(r->flows[i].fi.cli2srv_bytes, 28);
        }
    }
    assert_int_equal(found, 1);
    ntc_engine_free(e);
    free(r);
}

/* ---- host_end ------------------------------------------------------------------------------ */

static void host_end_on_flush(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "host.local_networks", "10.0.0.0/8", NULL);
    h_udp(e, T0, "10.0.0.1", 40000, "8.8.8.8", 53, 10);
    h_udp(e, T0 + MS, "10.0.0.2", 40000, "8.8.4.4", 53, 10);
    h_udp(e, T0 + 2 * MS, "2001:db8::1", 40000, "2001:db8::2", 53, 10);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 3);
    assert_int_equal(r->nhosts, 6);
    static const char *ips[] = {"10.0.0.1", "8.8.8.8", "10.0.0.2", "8.8.4.4", "2001:db8::1",
                                "2001:db8::2"};
    for (size_t i = 0; i < 6; i++) {
        int k = h_host_ended(r, ips[i]);
        assert_true(k >= 0);
        /* Flows end before their hosts. */
        for (int j = 0; j < r->nflows; j++)
            assert_true(r->hosts[k].order > r->flows[j].order);
        assert_int_equal(r->hosts[k].hi.packets_sent + r->hosts[k].hi.packets_rcvd, 1);
    }
    assert_int_equal(r->hosts[h_host_ended(r, "10.0.0.1")].hi.is_local, 1);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.hosts_active, 0);
    assert_int_equal(st.hosts_local, 0);
    ntc_engine_free(e);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(localnets_check_valid),
        cmocka_unit_test(localnets_check_invalid),
        cmocka_unit_test(localnets_check_negative_prefix),
        cmocka_unit_test(localnets_match),
        cmocka_unit_test(localnets_match_zero_prefix),
        cmocka_unit_test(localnets_system_address),
        cmocka_unit_test(host_local_remote),
        cmocka_unit_test(host_local_zero_prefix),
        cmocka_unit_test(host_counters),
        cmocka_unit_test(host_mac_local_only),
        cmocka_unit_test(host_flow_counts),
        cmocka_unit_test(host_purge_remote_60s),
        cmocka_unit_test(host_purge_local_300s),
        cmocka_unit_test(host_purge_configured),
        cmocka_unit_test(host_kept_while_flow_active),
        cmocka_unit_test(host_purge_not_blocked_by_busy_host),
        cmocka_unit_test(host_max_evicts_and_counts),
        cmocka_unit_test(host_end_on_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
