/* Flow table behaviour seen through the engine API: crafted Ethernet frames with explicit packet
 * times go in through ntc_engine_ingest(), flows come out through the flow_end callback and
 * ntc_engine_foreach_flow(). Every expectation is an exact value a user would see in a flow
 * record. IP bytes: UDP/IPv4 = 28 + payload, TCP/IPv4 = 40 + payload, UDP/IPv6 = 48 + payload. */
#include "ntc_harness.h"

#define MS 1000ULL

static const char *A = "10.0.0.1", *B = "10.0.0.2", *C = "10.0.0.3";

/* ---- accounting ---------------------------------------------------------------------------- */

static void flow_bidirectional_udp(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    for (int i = 0; i < 3; i++)
        h_udp(e, T0 + (uint64_t)i * 100 * MS, A, 40000, B, 9999, 100); /* 128 IP bytes */
    for (int i = 0; i < 2; i++)
        h_udp(e, T0 + 500 * MS + (uint64_t)i * 100 * MS, B, 9999, A, 40000, 50); /* 78 */
    assert_int_equal(r->nflows, 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 1);
    const ntc_flow_info *f = &r->flows[0].fi;
    assert_int_equal(r->flows[0].reason, NTC_FLOW_END_FLUSH);
    assert_int_equal(f->id, 1);
    assert_int_equal(f->ip_version, 4);
    assert_int_equal(f->l4_proto, 17);
    assert_int_equal(f->vlan, 0);
    h_assert_key(*f, A, 40000, B, 9999);
    assert_int_equal(f->cli2srv_packets, 3);
    assert_int_equal(f->cli2srv_bytes, 3 * 128);
    assert_int_equal(f->srv2cli_packets, 2);
    assert_int_equal(f->srv2cli_bytes, 2 * 78);
    assert_int_equal(f->first_us, T0);
    assert_int_equal(f->last_us, T0 + 600 * MS);
    assert_int_equal(f->tcp_state, NTC_TCP_NONE);
    assert_int_equal(f->tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(f->fragments, 0);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.flows_total, 1);
    assert_int_equal(st.flows_active, 0);
    ntc_engine_free(e);
    free(r);
}

static void flow_bidirectional_tcp(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    uint64_t t = T0;
    h_tcp(e, t, A, 40000, B, 80, PG_SYN, 0);                    /* c 40 */
    h_tcp(e, t += 10 * MS, B, 80, A, 40000, PG_SYN | PG_ACK, 0); /* s 40 */
    h_tcp(e, t += 10 * MS, A, 40000, B, 80, PG_ACK, 0);          /* c 40 */
    h_tcp(e, t += 10 * MS, A, 40000, B, 80, PG_PSH | PG_ACK, 100); /* c 140 */
    h_tcp(e, t += 10 * MS, B, 80, A, 40000, PG_PSH | PG_ACK, 1000); /* s 1040 */
    h_tcp(e, t += 10 * MS, A, 40000, B, 80, PG_FIN | PG_ACK, 0);  /* c 40 */
    h_tcp(e, t += 10 * MS, B, 80, A, 40000, PG_FIN | PG_ACK, 0);  /* s 40 */
    h_tcp(e, t += 10 * MS, A, 40000, B, 80, PG_ACK, 0);           /* c 40 */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 1);
    const ntc_flow_info *f = &r->flows[0].fi;
    h_assert_key(*f, A, 40000, B, 80);
    assert_int_equal(f->l4_proto, 6);
    assert_int_equal(f->cli2srv_packets, 5);
    assert_int_equal(f->cli2srv_bytes, 40 + 40 + 140 + 40 + 40);
    assert_int_equal(f->srv2cli_packets, 3);
    assert_int_equal(f->srv2cli_bytes, 40 + 1040 + 40);
    assert_int_equal(f->cli_tcp_flags, PG_SYN | PG_ACK | PG_PSH | PG_FIN);
    assert_int_equal(f->srv_tcp_flags, PG_SYN | PG_ACK | PG_PSH | PG_FIN);
    assert_int_equal(f->tcp_state, NTC_TCP_CLOSED);
    assert_int_equal(f->first_us, T0);
    assert_int_equal(f->last_us, t);
    ntc_engine_free(e);
    free(r);
}

/* ---- orientation --------------------------------------------------------------------------- */

/* The SYN+ACK is seen first: its sender is the server, whatever the ports. */
static void orient_synack_first(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    /* Neither port is a service port: only the SYN+ACK tells who the server is. */
    h_tcp(e, T0, B, 6000, A, 50000, PG_SYN | PG_ACK, 0);
    ntc_flow_info f = h_only_flow(e);
    h_assert_key(f, A, 50000, B, 6000);
    assert_int_equal(f.cli2srv_packets, 0);
    assert_int_equal(f.srv2cli_packets, 1);
    assert_int_equal(f.srv_tcp_flags, PG_SYN | PG_ACK);
    assert_int_equal(f.tcp_state, NTC_TCP_SYN_RCVD);
    /* The client's ACK completes the handshake without changing the orientation. */
    h_tcp(e, T0 + 10 * MS, A, 50000, B, 6000, PG_ACK, 0);
    f = h_only_flow(e);
    h_assert_key(f, A, 50000, B, 6000);
    assert_int_equal(f.cli2srv_packets, 1);
    assert_int_equal(f.srv2cli_packets, 1);
    assert_int_equal(f.tcp_state, NTC_TCP_ESTABLISHED);
    ntc_engine_free(e);
    free(r);
}

/* Without a SYN the first sender is the client; a later SYN from the side taken as the server makes
 * that side the client, counters and host roles following. */
static void orient_syn_from_server_side_swaps(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_tcp(e, T0, A, 40000, B, 50000, PG_ACK, 10); /* 50 bytes, A taken as client */
    ntc_flow_info f = h_only_flow(e);
    h_assert_key(f, A, 40000, B, 50000);
    assert_int_equal(f.tcp_state, NTC_TCP_MIDSTREAM);
    h_tcp(e, T0 + 10 * MS, B, 50000, A, 40000, PG_SYN, 0); /* 40 bytes: B is the client */
    f = h_only_flow(e);
    h_assert_key(f, B, 50000, A, 40000);
    assert_int_equal(f.cli2srv_packets, 1);
    assert_int_equal(f.cli2srv_bytes, 40);
    assert_int_equal(f.srv2cli_packets, 1);
    assert_int_equal(f.srv2cli_bytes, 50);
    assert_int_equal(f.cli_tcp_flags, PG_SYN);
    assert_int_equal(f.srv_tcp_flags, PG_ACK);
    ntc_host_info hb, ha;
    assert_int_equal(h_find_host(e, B, 0, &hb), 1);
    assert_int_equal(h_find_host(e, A, 0, &ha), 1);
    assert_int_equal(hb.active_flows_as_client, 1);
    assert_int_equal(hb.active_flows_as_server, 0);
    assert_int_equal(hb.total_flows_as_client, 1);
    assert_int_equal(hb.total_flows_as_server, 0);
    assert_int_equal(ha.active_flows_as_client, 0);
    assert_int_equal(ha.active_flows_as_server, 1);
    assert_int_equal(ha.total_flows_as_client, 0);
    assert_int_equal(ha.total_flows_as_server, 1);
    /* A second SYN from the (new) client changes nothing. */
    h_tcp(e, T0 + 20 * MS, B, 50000, A, 40000, PG_SYN, 0);
    f = h_only_flow(e);
    h_assert_key(f, B, 50000, A, 40000);
    assert_int_equal(f.cli2srv_packets, 2);
    ntc_engine_free(e);
    free(r);
}

/* Without a SYN: the first sender is the client, unless only the other side uses a service port. */
static void orient_service_ports(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_udp(e, T0, B, 53, A, 40000, 10);             /* reply first: A:40000 is the client */
    h_udp(e, T0 + 1 * MS, A, 41000, B, 53, 10);    /* query first */
    h_udp(e, T0 + 2 * MS, A, 123, B, 123, 10);     /* both well-known: first sender */
    h_udp(e, T0 + 3 * MS, A, 42000, B, 43000, 10); /* neither: first sender */
    h_udp(e, T0 + 4 * MS, B, 8080, A, 44000, 10);  /* listed service port above 1024 */
    h_tcp(e, T0 + 5 * MS, B, 443, A, 45000, PG_ACK, 10); /* TCP without SYN: same rule */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 6);
    int seen = 0;
    for (int i = 0; i < r->nflows; i++) {
        const ntc_flow_info *f = &r->flows[i].fi;
        switch (f->id) {
        case 1:
            h_assert_key(*f, A, 40000, B, 53);
            assert_int_equal(f->cli2srv_packets, 0);
            assert_int_equal(f->srv2cli_packets, 1);
            assert_int_equal(f->srv2cli_bytes, 38);
            break;
        case 2:
            h_assert_key(*f, A, 41000, B, 53);
            assert_int_equal(f->cli2srv_packets, 1);
            break;
        case 3:
            h_assert_key(*f, A, 123, B, 123);
            assert_int_equal(f->cli2srv_packets, 1);
            break;
        case 4:
            h_assert_key(*f, A, 42000, B, 43000);
            break;
        case 5:
            h_assert_key(*f, A, 44000, B, 8080);
            assert_int_equal(f->srv2cli_packets, 1);
            break;
        case 6:
            h_assert_key(*f, A, 45000, B, 443);
            assert_int_equal(f->srv2cli_packets, 1);
            break;
        default:
            fail_msg("unexpected flow id %llu", (unsigned long long)f->id);
        }
        seen |= 1 << f->id;
    }
    assert_int_equal(seen, 0x7e);
    ntc_engine_free(e);
    free(r);
}

/* ICMP echo: the identifier is both ports; a reply seen first comes from the server. */
static void orient_icmp_echo(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_icmp(e, T0, A, B, 8, 0x1234, 56);           /* request: 28 + 56 = 84 */
    h_icmp(e, T0 + 1 * MS, B, A, 0, 0x1234, 56);  /* its reply */
    h_icmp(e, T0 + 2 * MS, C, A, 0, 0x0777, 0);   /* a reply seen first: C is the server */
    h_icmp(e, T0 + 3 * MS, A, C, 8, 0x0777, 0);   /* the request after it: same flow */
    h_icmp(e, T0 + 4 * MS, "2001:db8::2", "2001:db8::1", 129, 42, 0); /* ICMPv6 reply first */
    h_icmp(e, T0 + 5 * MS, B, A, 3, 0, 28);       /* unreachable: port 0 */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 4);
    for (int i = 0; i < r->nflows; i++) {
        const ntc_flow_info *f = &r->flows[i].fi;
        switch (f->id) {
        case 1:
            assert_int_equal(f->l4_proto, 1);
            h_assert_key(*f, A, 0x1234, B, 0x1234);
            assert_int_equal(f->cli2srv_packets, 1);
            assert_int_equal(f->cli2srv_bytes, 84);
            assert_int_equal(f->srv2cli_packets, 1);
            assert_int_equal(f->srv2cli_bytes, 84);
            break;
        case 2:
            h_assert_key(*f, A, 0x0777, C, 0x0777);
            assert_int_equal(f->cli2srv_packets, 1);
            assert_int_equal(f->srv2cli_packets, 1);
            break;
        case 3:
            assert_int_equal(f->ip_version, 6);
            assert_int_equal(f->l4_proto, 58);
            h_assert_key(*f, "2001:db8::1", 42, "2001:db8::2", 42);
            assert_int_equal(f->srv2cli_packets, 1);
            assert_int_equal(f->srv2cli_bytes, 48);
            break;
        case 4:
            h_assert_key(*f, B, 0, A, 0);
            assert_int_equal(f->cli2srv_packets, 1);
            assert_int_equal(f->cli2srv_bytes, 56);
            break;
        default:
            fail_msg("unexpected flow id %llu", (unsigned long long)f->id);
        }
    }
    ntc_engine_free(e);
    free(r);
}

/* ---- VLAN ------------------------------------------------------------------------------------ */

static void vlan_separates_flows(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_udp_vlan(e, T0, 10, A, 5000, B, 6000, 10);
    h_udp_vlan(e, T0 + 1 * MS, 20, A, 5000, B, 6000, 20);
    h_udp_vlan(e, T0 + 2 * MS, 20, B, 6000, A, 5000, 30);
    h_udp_vlan(e, T0 + 3 * MS, 10, A, 5000, B, 6000, 10);
    h_udp(e, T0 + 4 * MS, A, 5000, B, 6000, 0); /* untagged: a third flow */
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.flows_active, 3);
    assert_int_equal(st.vlan_packets, 4);
    assert_int_equal(st.hosts_active, 6); /* hosts are per VLAN too */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 3);
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        const ntc_flow_info *f = &r->flows[i].fi;
        h_assert_key(*f, A, 5000, B, 6000);
        if (f->vlan == 10) {
            assert_int_equal(f->cli2srv_packets, 2);
            assert_int_equal(f->cli2srv_bytes, 76);
            assert_int_equal(f->srv2cli_packets, 0);
            seen |= 1;
        } else if (f->vlan == 20) {
            assert_int_equal(f->cli2srv_packets, 1);
            assert_int_equal(f->cli2srv_bytes, 48);
            assert_int_equal(f->srv2cli_packets, 1);
            assert_int_equal(f->srv2cli_bytes, 58);
            seen |= 2;
        } else {
            assert_int_equal(f->vlan, 0);
            assert_int_equal(f->cli2srv_packets, 1);
            assert_int_equal(f->cli2srv_bytes, 28);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    ntc_engine_free(e);
    free(r);
}

/* ---- TCP state ------------------------------------------------------------------------------ */

static void tcp_state_handshake_and_close(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    uint64_t t = T0;
    h_tcp(e, t, A, 40000, B, 80, PG_SYN, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_SYN_SENT);
    h_tcp(e, t += MS, B, 80, A, 40000, PG_SYN | PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_SYN_RCVD);
    h_tcp(e, t += MS, A, 40000, B, 80, PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_ESTABLISHED);
    h_tcp(e, t += MS, B, 80, A, 40000, PG_PSH | PG_ACK, 100);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_ESTABLISHED);
    h_tcp(e, t += MS, A, 40000, B, 80, PG_FIN | PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_CLOSING);
    h_tcp(e, t += MS, B, 80, A, 40000, PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_CLOSING);
    h_tcp(e, t += MS, B, 80, A, 40000, PG_FIN | PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_CLOSED);
    h_tcp(e, t += MS, A, 40000, B, 80, PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_CLOSED);
    assert_string_equal(ntc_tcp_state_name(NTC_TCP_CLOSED), "CLOSED");
    ntc_engine_free(e);
}

static void tcp_state_reset(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    h_tcp(e, T0, A, 40000, B, 80, PG_SYN, 0);
    h_tcp(e, T0 + MS, B, 80, A, 40000, PG_RST | PG_ACK, 0);
    ntc_flow_info f = h_only_flow(e);
    assert_int_equal(f.tcp_state, NTC_TCP_RESET);
    h_assert_key(f, A, 40000, B, 80);
    /* Nothing after a reset brings the flow back. */
    h_tcp(e, T0 + 2 * MS, A, 40000, B, 80, PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_RESET);
    ntc_engine_free(e);
}

static void tcp_state_midstream(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    h_tcp(e, T0, A, 40000, B, 50000, PG_PSH | PG_ACK, 100);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_MIDSTREAM);
    h_tcp(e, T0 + MS, A, 40000, B, 50000, PG_FIN | PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_CLOSING);
    ntc_engine_free(e);
}

/* include/ntopcore/flow.h: ESTABLISHED = "three-way handshake seen, or data seen in both
 * directions". The SYN+ACK was not captured; data then flows both ways. */
static void tcp_state_established_by_data_both_ways(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    h_tcp(e, T0, A, 40000, B, 80, PG_SYN, 0);
    h_tcp(e, T0 + 2 * MS, A, 40000, B, 80, PG_ACK, 0);
    h_tcp(e, T0 + 3 * MS, A, 40000, B, 80, PG_PSH | PG_ACK, 200);
    h_tcp(e, T0 + 4 * MS, B, 80, A, 40000, PG_PSH | PG_ACK, 1000);
    h_tcp(e, T0 + 5 * MS, A, 40000, B, 80, PG_ACK, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_ESTABLISHED);
    ntc_engine_free(e);
}

/* ---- idle timeouts ------------------------------------------------------------------------- */

static void idle_udp_exact_timeout(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_udp(e, T0, A, 40000, B, 9999, 10);
    h_advance(e, T0 + 60 * SEC);
    assert_int_equal(r->nflows, 0);
    assert_int_equal(h_stats(e).flows_active, 1);
    h_advance(e, T0 + 61 * SEC);
    assert_int_equal(r->nflows, 1);
    assert_int_equal(r->flows[0].reason, NTC_FLOW_END_IDLE);
    h_assert_key(r->flows[0].fi, A, 40000, B, 9999);
    assert_int_equal(r->flows[0].fi.last_us, T0);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.flows_active, 0);
    assert_int_equal(st.flows_expired, 1);
    ntc_engine_free(e);
    free(r);
}

/* The clock moves with the packets of other flows; flow.idle_timeout is honoured. */
static void idle_advanced_by_other_flow(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.idle_timeout", "30", NULL);
    h_udp(e, T0, A, 40000, B, 9999, 10);
    for (int s = 10; s <= 30; s += 10)
        h_udp(e, T0 + (uint64_t)s * SEC, C, 5555, B, 7777, 10);
    assert_int_equal(r->nflows, 0);
    assert_int_equal(h_stats(e).flows_active, 2);
    h_udp(e, T0 + 31 * SEC, C, 5555, B, 7777, 10);
    assert_int_equal(r->nflows, 1);
    assert_int_equal(r->flows[0].reason, NTC_FLOW_END_IDLE);
    h_assert_key(r->flows[0].fi, A, 40000, B, 9999);
    ntc_flow_info f = h_only_flow(e);
    h_assert_key(f, C, 5555, B, 7777);
    assert_int_equal(f.cli2srv_packets, 4);
    ntc_engine_free(e);
    free(r);
}

/* A TCP flow ends `idle` seconds after last_s of idleness (not before), with the given state. */
static void expect_tcp_expiry(ntc_engine *e, h_rec *r, uint64_t last, uint64_t idle_s, int tcp_state)
{
    if (idle_s > 15) {
        h_advance(e, last + 16 * SEC);
        assert_int_equal(r->nflows, 0);
    }
    h_advance(e, last + idle_s * SEC);
    assert_int_equal(r->nflows, 0);
    assert_int_equal(h_only_flow(e).tcp_state, tcp_state);
    h_advance(e, last + (idle_s + 1) * SEC);
    assert_int_equal(r->nflows, 1);
    assert_int_equal(r->flows[0].reason, NTC_FLOW_END_IDLE);
    assert_int_equal(r->flows[0].fi.tcp_state, tcp_state);
    assert_int_equal(r->flows[0].fi.last_us, last);
    assert_int_equal(h_stats(e).flows_active, 0);
}

static void idle_tcp_lone_syn(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_tcp(e, T0, A, 40000, B, 80, PG_SYN, 0);
    expect_tcp_expiry(e, r, T0, 15, NTC_TCP_SYN_SENT);
    ntc_engine_free(e);
    free(r);
}

static void idle_tcp_syn_rcvd(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_tcp(e, T0, A, 40000, B, 80, PG_SYN, 0);
    h_tcp(e, T0 + SEC, B, 80, A, 40000, PG_SYN | PG_ACK, 0);
    expect_tcp_expiry(e, r, T0 + SEC, 15, NTC_TCP_SYN_RCVD);
    ntc_engine_free(e);
    free(r);
}

static void handshake(ntc_engine *e, uint64_t t)
{
    h_tcp(e, t, A, 40000, B, 80, PG_SYN, 0);
    h_tcp(e, t + 10 * MS, B, 80, A, 40000, PG_SYN | PG_ACK, 0);
    h_tcp(e, t + 20 * MS, A, 40000, B, 80, PG_ACK, 0);
    h_tcp(e, t + 30 * MS, A, 40000, B, 80, PG_PSH | PG_ACK, 100);
}

static void idle_tcp_closed(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    handshake(e, T0);
    h_tcp(e, T0 + 500 * MS, A, 40000, B, 80, PG_FIN | PG_ACK, 0);
    h_tcp(e, T0 + 600 * MS, B, 80, A, 40000, PG_FIN | PG_ACK, 0);
    h_tcp(e, T0 + SEC, A, 40000, B, 80, PG_ACK, 0);
    expect_tcp_expiry(e, r, T0 + SEC, 15, NTC_TCP_CLOSED);
    ntc_engine_free(e);
    free(r);
}

static void idle_tcp_reset(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    handshake(e, T0);
    h_tcp(e, T0 + SEC, B, 80, A, 40000, PG_RST, 0);
    expect_tcp_expiry(e, r, T0 + SEC, 15, NTC_TCP_RESET);
    ntc_engine_free(e);
    free(r);
}

static void idle_tcp_established(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    handshake(e, T0);
    h_tcp(e, T0 + SEC, B, 80, A, 40000, PG_PSH | PG_ACK, 100);
    expect_tcp_expiry(e, r, T0 + SEC, 60, NTC_TCP_ESTABLISHED);
    ntc_engine_free(e);
    free(r);
}

static void idle_tcp_midstream(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_tcp(e, T0, A, 40000, B, 50000, PG_PSH | PG_ACK, 100);
    h_tcp(e, T0 + SEC, B, 50000, A, 40000, PG_ACK, 0);
    expect_tcp_expiry(e, r, T0 + SEC, 60, NTC_TCP_MIDSTREAM);
    ntc_engine_free(e);
    free(r);
}

/* flow.closed_idle_timeout is configurable. */
static void idle_tcp_closed_configured(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.closed_idle_timeout", "5", NULL);
    h_tcp(e, T0, A, 40000, B, 80, PG_SYN, 0);
    h_advance(e, T0 + 5 * SEC);
    assert_int_equal(r->nflows, 0);
    h_advance(e, T0 + 6 * SEC);
    assert_int_equal(r->nflows, 1);
    ntc_engine_free(e);
    free(r);
}

/* ---- active timeout -------------------------------------------------------------------------- */

static void active_timeout_reports(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.active_timeout", "10", NULL);
    for (int s = 0; s < 35; s++)
        h_udp(e, T0 + (uint64_t)s * SEC, A, 40000, B, 9999, 72); /* 100 IP bytes */
    assert_int_equal(r->nflows, 3);
    for (int k = 0; k < 3; k++) {
        const h_flow_ev *ev = &r->flows[k];
        assert_int_equal(ev->reason, NTC_FLOW_END_ACTIVE);
        assert_int_equal(ev->fi.id, 1);
        assert_int_equal(ev->fi.first_us, T0);
        assert_int_equal(ev->fi.last_us, T0 + (uint64_t)(k + 1) * 10 * SEC);
        assert_int_equal(ev->fi.cli2srv_packets, (uint64_t)(k + 1) * 10 + 1);
        assert_int_equal(ev->fi.cli2srv_bytes, ((uint64_t)(k + 1) * 10 + 1) * 100);
    }
    assert_int_equal(h_stats(e).flows_active, 1); /* the flow goes on */
    h_advance(e, T0 + 34 * SEC + 61 * SEC);
    assert_int_equal(r->nflows, 4);
    assert_int_equal(r->flows[3].reason, NTC_FLOW_END_IDLE);
    assert_int_equal(r->flows[3].fi.id, 1);
    assert_int_equal(r->flows[3].fi.cli2srv_packets, 35);
    assert_int_equal(r->flows[3].fi.cli2srv_bytes, 3500);
    assert_int_equal(r->flows[3].fi.last_us, T0 + 34 * SEC);
    ntc_engine_free(e);
    free(r);
}

static void active_timeout_then_flush(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.active_timeout", "10", NULL);
    for (int s = 0; s <= 12; s++)
        h_udp(e, T0 + (uint64_t)s * SEC, A, 40000, B, 9999, 0);
    assert_int_equal(r->nflows, 1);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 2);
    assert_int_equal(r->flows[1].reason, NTC_FLOW_END_FLUSH);
    assert_int_equal(r->flows[1].fi.cli2srv_packets, 13);
    ntc_engine_free(e);
    free(r);
}

/* ---- limits and flush -------------------------------------------------------------------- */

static void evict_longest_idle(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "flow.max", "3", NULL);
    h_udp(e, T0, A, 1001, B, 2001, 0);                     /* flow 1 */
    h_tcp(e, T0 + 1 * SEC, A, 1002, B, 2002, PG_SYN, 0);   /* flow 2 (short-timeout list) */
    h_udp(e, T0 + 2 * SEC, A, 1003, B, 2003, 0);           /* flow 3 */
    h_udp(e, T0 + 3 * SEC, A, 1001, B, 2001, 0);           /* flow 1 active again */
    assert_int_equal(r->nflows, 0);
    h_udp(e, T0 + 4 * SEC, A, 1004, B, 2004, 0);           /* flow 4: flow 2 goes */
    assert_int_equal(r->nflows, 1);
    assert_int_equal(r->flows[0].reason, NTC_FLOW_END_EVICTED);
    assert_int_equal(r->flows[0].fi.id, 2);
    assert_int_equal(r->flows[0].fi.cli_port, 1002);
    assert_int_equal(r->flows[0].fi.cli2srv_packets, 1);
    h_udp(e, T0 + 5 * SEC, A, 1005, B, 2005, 0);           /* flow 5: flow 3 goes */
    assert_int_equal(r->nflows, 2);
    assert_int_equal(r->flows[1].reason, NTC_FLOW_END_EVICTED);
    assert_int_equal(r->flows[1].fi.id, 3);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.flows_evicted, 2);
    assert_int_equal(st.flows_active, 3);
    assert_int_equal(st.flows_total, 5);
    assert_int_equal(st.flows_expired, 0);
    h_flow_list *l = malloc(sizeof(*l));
    assert_non_null(l);
    assert_int_equal(h_live_flows(e, l), 3);
    int ids = 0;
    for (int i = 0; i < l->n; i++)
        ids |= 1 << l->fi[i].id;
    assert_int_equal(ids, (1 << 1) | (1 << 4) | (1 << 5));
    free(l);
    ntc_engine_free(e);
    free(r);
}

static void flush_reports_every_flow(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    h_udp(e, T0, A, 1001, B, 53, 10);
    h_tcp(e, T0 + MS, A, 1002, B, 80, PG_SYN, 0);
    h_icmp(e, T0 + 2 * MS, A, B, 8, 9, 0);
    h_udp(e, T0 + 3 * MS, "2001:db8::1", 1003, "2001:db8::2", 53, 10);
    h_tcp(e, T0 + 4 * MS, C, 1004, B, 22, PG_ACK, 10);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 5);
    int ids = 0;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r->flows[i].reason, NTC_FLOW_END_FLUSH);
        ids |= 1 << r->flows[i].fi.id;
    }
    assert_int_equal(ids, 0x3e);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.flows_active, 0);
    assert_int_equal(st.flows_total, 5);
    assert_int_equal(st.flows_expired, 0);
    assert_int_equal(st.packets, 5); /* interface counters stay */
    h_flow_list *l = malloc(sizeof(*l));
    assert_non_null(l);
    assert_int_equal(h_live_flows(e, l), 0);
    free(l);
    /* A second flush has nothing left to report. */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 5);
    ntc_engine_free(e);
    free(r);
}

/* ---- fragments and tunnels ----------------------------------------------------------------- */

static void fragments_ipv4(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    static pg_pkt whole, frags[4];
    h_addr a = h_ip(A), b = h_ip(B), c = h_ip(C);
    pg_ipv4_opt o;
    memset(&o, 0, sizeof(o));
    o.id = 0x4242;
    pg_init(&whole);
    pg_eth(&whole, PG_MAC(2, 0, 0, 0, 0, 2), PG_MAC(2, 0, 0, 0, 0, 1), 0);
    pg_ipv4(&whole, a.b, b.b, &o);
    pg_udp(&whole, 5000, 6000);
    pg_fill(&whole, 0x11, 200); /* 208 bytes of IP payload: 72 + 72 + 64 */
    h_finish(&whole);
    assert_int_equal(pg_ipv4_fragment(&whole, 14, 72, frags, 4), 3);
    for (int i = 0; i < 3; i++)
        h_feed(e, T0 + (uint64_t)i * MS, &frags[i]);
    /* A later fragment whose first fragment was never seen: a port-0 flow. */
    o.id = 0x5151;
    pg_init(&whole);
    pg_eth(&whole, PG_MAC(2, 0, 0, 0, 0, 2), PG_MAC(2, 0, 0, 0, 0, 3), 0);
    pg_ipv4(&whole, c.b, b.b, &o);
    pg_udp(&whole, 7000, 8000);
    pg_fill(&whole, 0x22, 200);
    h_finish(&whole);
    assert_int_equal(pg_ipv4_fragment(&whole, 14, 72, frags, 4), 3);
    h_feed(e, T0 + 10 * MS, &frags[1]);

    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.fragments, 4);
    assert_int_equal(st.udp_packets, 4);
    assert_int_equal(st.flows_total, 2);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 2);
    for (int i = 0; i < 2; i++) {
        const ntc_flow_info *f = &r->flows[i].fi;
        assert_int_equal(f->l4_proto, 17);
        if (f->id == 1) {
            h_assert_key(*f, A, 5000, B, 6000);
            assert_int_equal(f->cli2srv_packets, 3);
            assert_int_equal(f->cli2srv_bytes, 92 + 92 + 84);
            assert_int_equal(f->fragments, 3);
        } else {
            h_assert_key(*f, C, 0, B, 0);
            assert_int_equal(f->cli2srv_packets, 1);
            assert_int_equal(f->cli2srv_bytes, 92);
            assert_int_equal(f->fragments, 1);
        }
    }
    ntc_engine_free(e);
    free(r);
}

static void fragments_ipv6(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    static pg_pkt whole, frags[4];
    h_build_udp(&whole, 0, "2001:db8::1", 5000, "2001:db8::2", 6000, 200); /* 208 payload */
    assert_int_equal(pg_ipv6_fragment(&whole, 14, 104, 77, frags, 4), 2);
    h_feed(e, T0, &frags[0]);
    h_feed(e, T0 + MS, &frags[1]);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 1);
    const ntc_flow_info *f = &r->flows[0].fi;
    assert_int_equal(f->ip_version, 6);
    assert_int_equal(f->l4_proto, 17);
    h_assert_key(*f, "2001:db8::1", 5000, "2001:db8::2", 6000);
    assert_int_equal(f->cli2srv_packets, 2);
    assert_int_equal(f->cli2srv_bytes, 2 * (40 + 8 + 104));
    assert_int_equal(f->fragments, 2);
    ntc_engine_free(e);
    free(r);
}

static void build_gre_tcp(pg_pkt *p, const char *osrc, const char *odst, const char *isrc,
                          uint16_t sport, const char *idst, uint16_t dport, uint8_t flags,
                          size_t payload)
{
    h_l2l3(p, 0, osrc, odst, 0);
    pg_gre(p, NULL);
    h_addr s = h_ip(isrc), d = h_ip(idst);
    pg_ipv4(p, s.b, d.b, NULL);
    pg_tcp_opt o;
    memset(&o, 0, sizeof(o));
    o.flags = flags;
    o.win = 1000;
    pg_tcp(p, sport, dport, &o);
    if (payload)
        pg_fill(p, 0x33, payload);
    h_finish(p);
}

static void tunnel_gre_inner_flow(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    static pg_pkt p;
    build_gre_tcp(&p, "192.0.2.1", "192.0.2.2", "10.1.0.1", 40000, "10.1.0.2", 80, PG_SYN, 0);
    h_feed(e, T0, &p);
    build_gre_tcp(&p, "192.0.2.2", "192.0.2.1", "10.1.0.2", 80, "10.1.0.1", 40000,
                  PG_SYN | PG_ACK, 10);
    h_feed(e, T0 + MS, &p);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.ip_packets, 2);
    assert_int_equal(st.ip_bytes, (20 + 4 + 40) + (20 + 4 + 50)); /* outer IP lengths */
    assert_int_equal(st.tunnelled_packets, 2);
    assert_int_equal(st.flows_total, 1);
    assert_int_equal(h_find_host(e, "10.1.0.1", 0, NULL), 1);
    assert_int_equal(h_find_host(e, "192.0.2.1", 0, NULL), 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 1);
    const ntc_flow_info *f = &r->flows[0].fi;
    assert_int_equal(f->l4_proto, 6);
    assert_int_equal(f->tunnel, NTC_TUNNEL_GRE);
    h_assert_key(*f, "10.1.0.1", 40000, "10.1.0.2", 80);
    assert_int_equal(f->cli2srv_packets, 1);
    assert_int_equal(f->cli2srv_bytes, 40);
    assert_int_equal(f->srv2cli_packets, 1);
    assert_int_equal(f->srv2cli_bytes, 50);
    assert_int_equal(f->tcp_state, NTC_TCP_SYN_RCVD);
    assert_string_equal(ntc_tunnel_name(f->tunnel), "GRE");
    ntc_engine_free(e);
    free(r);
}

/* ---- hash seed --------------------------------------------------------------------------------- */

static void run_mix(ntc_engine *e)
{
    char a[32], b[32];
    for (int i = 0; i < 200; i++) {
        int f = (i * 7) % 40;
        snprintf(a, sizeof(a), "10.0.%d.%d", f / 10, f % 10 + 1);
        snprintf(b, sizeof(b), "172.16.0.%d", f % 5 + 1);
        uint64_t t = T0 + (uint64_t)i * 250 * MS;
        if (f % 3 == 0)
            h_tcp(e, t, a, (uint16_t)(30000 + f), b, 443, i < 40 ? PG_SYN : PG_ACK, (size_t)i);
        else if (i % 2)
            h_udp(e, t, b, 53, a, (uint16_t)(30000 + f), (size_t)f);
        else
            h_udp(e, t, a, (uint16_t)(30000 + f), b, 53, (size_t)f);
    }
    h_advance(e, T0 + 120 * SEC); /* some expire */
    for (int i = 0; i < 40; i++) {
        snprintf(a, sizeof(a), "10.9.%d.1", i);
        h_udp(e, T0 + 121 * SEC + (uint64_t)i * MS, a, 1234, "172.16.0.9", 4321, 1);
    }
    assert_int_equal(ntc_engine_flush(e), 0);
}

static void hash_seed_independent(void **state)
{
    (void)state;
    h_rec *r1 = h_rec_new(), *r2 = h_rec_new();
    ntc_engine *e1 = h_engine(r1, "engine.hash_seed", "1", NULL);
    ntc_engine *e2 = h_engine(r2, "engine.hash_seed", "9876543210987", NULL);
    run_mix(e1);
    run_mix(e2);
    assert_true(r1->nflows > 40);
    assert_int_equal(r1->nflows, r2->nflows);
    for (int i = 0; i < r1->nflows; i++) {
        assert_int_equal(r1->flows[i].reason, r2->flows[i].reason);
        assert_memory_equal(&r1->flows[i].fi, &r2->flows[i].fi, sizeof(ntc_flow_info));
    }
    assert_int_equal(r1->nhosts, r2->nhosts);
    ntc_iface_stats s1 = h_stats(e1), s2 = h_stats(e2);
    assert_int_equal(s1.packets, s2.packets);
    assert_int_equal(s1.flows_total, s2.flows_total);
    assert_int_equal(s1.flows_expired, s2.flows_expired);
    assert_int_equal(s1.hosts_total, s2.hosts_total);
    assert_true(s1.flows_expired > 0);
    ntc_engine_free(e1);
    ntc_engine_free(e2);
    free(r1);
    free(r2);
}


/* A retransmitted SYN+ACK on an established flow leaves its 60 s idle timeout alone. */
static void idle_tcp_established_synack_retransmit(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    handshake(e, T0);
    h_tcp(e, T0 + SEC, B, 80, A, 40000, PG_PSH | PG_ACK, 100);
    h_tcp(e, T0 + 2 * SEC, B, 80, A, 40000, PG_SYN | PG_ACK, 0);
    expect_tcp_expiry(e, r, T0 + 2 * SEC, 60, NTC_TCP_ESTABLISHED);
    ntc_engine_free(e);
    free(r);
}

/* A reset flow reused by a new SYN starts a new handshake. */
static void tcp_state_reset_then_syn(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, NULL);
    handshake(e, T0);
    h_tcp(e, T0 + SEC, A, 40000, B, 80, PG_RST, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_RESET);
    h_tcp(e, T0 + 2 * SEC, A, 40000, B, 80, PG_SYN, 0);
    assert_int_equal(h_only_flow(e).tcp_state, NTC_TCP_SYN_SENT);
    ntc_engine_free(e);
    free(r);
}

typedef struct app_sum {
    uint64_t pkts[2], bytes[2];
} app_sum;

static int sum_apps(void *u, const ntc_app_stats *st)
{
    app_sum *a = u;
    a->pkts[0] += st->cli2srv_packets;
    a->pkts[1] += st->srv2cli_packets;
    a->bytes[0] += st->cli2srv_bytes;
    a->bytes[1] += st->srv2cli_bytes;
    return 0;
}

/* A flow already classified swaps client and server (a SYN from the side taken as server): the
 * interface's application table follows the flow's directions exactly, and both local hosts'
 * tables stay consistent (this once wrote past a host's table). */
static void swap_after_classification(void **state)
{
    (void)state;
    h_rec *r = h_rec_new();
    ntc_engine *e = h_engine(r, "host.local_networks", "10.0.0.0/8", "dpi.tcp_max_packets", "1",
                             NULL);
    /* Give the first host a bigger application table than the second. */
    h_udp(e, T0, "10.0.0.1", 5000, "10.0.0.9", 6000, 20);
    h_icmp(e, T0, "10.0.0.1", "10.0.0.9", 8, 7, 0);
    /* Mid-stream: 10.0.0.2 is taken as the client, the verdict is final after 2 packets. */
    for (int i = 0; i < 3; i++)
        h_tcp(e, T0 + SEC, "10.0.0.2", 40000, "10.0.0.1", 50000, PG_PSH | PG_ACK, 10);
    h_tcp(e, T0 + 2 * SEC, "10.0.0.1", 50000, "10.0.0.2", 40000, PG_SYN, 0);
    for (int i = 0; i < 4; i++)
        h_tcp(e, T0 + 3 * SEC, "10.0.0.1", 50000, "10.0.0.2", 40000, PG_PSH | PG_ACK, 30);
    assert_int_equal(ntc_engine_flush(e), 0);
    app_sum a;
    memset(&a, 0, sizeof(a));
    ntc_engine_foreach_app(e, 0, sum_apps, &a);
    uint64_t want_p[2] = {0, 0}, want_b[2] = {0, 0};
    int seen = 0;
    for (int i = 0; i < r->nflows; i++) {
        const ntc_flow_info *fi = &r->flows[i].fi;
        want_p[0] += fi->cli2srv_packets;
        want_p[1] += fi->srv2cli_packets;
        want_b[0] += fi->cli2srv_bytes;
        want_b[1] += fi->srv2cli_bytes;
        if (fi->l4_proto == 6) {
            seen = 1;
            h_assert_key(*fi, "10.0.0.1", 50000, "10.0.0.2", 40000);
            assert_int_equal(fi->cli2srv_packets, 5);
            assert_int_equal(fi->srv2cli_packets, 3);
        }
    }
    assert_true(seen);
    assert_int_equal(a.pkts[0], want_p[0]);
    assert_int_equal(a.pkts[1], want_p[1]);
    assert_int_equal(a.bytes[0], want_b[0]);
    assert_int_equal(a.bytes[1], want_b[1]);
    ntc_engine_free(e);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flow_bidirectional_udp),
        cmocka_unit_test(flow_bidirectional_tcp),
        cmocka_unit_test(orient_synack_first),
        cmocka_unit_test(orient_syn_from_server_side_swaps),
        cmocka_unit_test(orient_service_ports),
        cmocka_unit_test(orient_icmp_echo),
        cmocka_unit_test(vlan_separates_flows),
        cmocka_unit_test(tcp_state_handshake_and_close),
        cmocka_unit_test(tcp_state_reset),
        cmocka_unit_test(tcp_state_midstream),
        cmocka_unit_test(tcp_state_established_by_data_both_ways),
        cmocka_unit_test(idle_udp_exact_timeout),
        cmocka_unit_test(idle_advanced_by_other_flow),
        cmocka_unit_test(idle_tcp_lone_syn),
        cmocka_unit_test(idle_tcp_syn_rcvd),
        cmocka_unit_test(idle_tcp_closed),
        cmocka_unit_test(idle_tcp_reset),
        cmocka_unit_test(idle_tcp_established),
        cmocka_unit_test(idle_tcp_established_synack_retransmit),
        cmocka_unit_test(tcp_state_reset_then_syn),
        cmocka_unit_test(swap_after_classification),
        cmocka_unit_test(idle_tcp_midstream),
        cmocka_unit_test(idle_tcp_closed_configured),
        cmocka_unit_test(active_timeout_reports),
        cmocka_unit_test(active_timeout_then_flush),
        cmocka_unit_test(evict_longest_idle),
        cmocka_unit_test(flush_reports_every_flow),
        cmocka_unit_test(fragments_ipv4),
        cmocka_unit_test(fragments_ipv6),
        cmocka_unit_test(tunnel_gre_inner_flow),
        cmocka_unit_test(hash_seed_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
