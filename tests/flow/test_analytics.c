/* Flow analytics (flow.analytics) through the engine API: crafted TCP/UDP/ICMP sequences with exact
 * packet times go in through ntc_engine_ingest(); what comes out (ntc_flow_get_analytics(), the
 * flow-end callback, host info, interface stats, JSON records) is compared with exact values.
 *
 * The TCP expectations follow Wireshark's expert analysis (tcp.analysis.*): each sequence here can
 * be written to a capture file (one per test, named in a_engine()) and checked with tshark —
 *     ANATEST_PCAP_DIR=/tmp/x ./test_analytics
 *     tshark -n -r /tmp/x/NAME.pcap -T fields -e frame.number -e tcp.stream \
 *            -e tcp.analysis.initial_rtt -e _ws.expert.message
 * Checked so with tshark 4.0.17: every retransmission, out-of-order, lost-segment, zero-window,
 * keep-alive and duplicate-ACK count asserted here is what tshark flags (the one exception is
 * explained at sequence_wrap_exactly_2_32); the handshake latencies add up to
 * tcp.analysis.initial_rtt; the HTTP and DNS latencies equal http.time and dns.time.
 * The connection states and history letters follow Zeek's conn.log documentation (conn_state,
 * history). The Community ID values were computed independently, with Python's hashlib, from the
 * Community ID v1 specification (see community_id_vectors below); tshark's communityid dissector
 * gives the same values for these flows (also with -o communityid.seed:4242 for the seeded one),
 * and community_id_vs_tshark checks that at run time when tshark is installed.
 *
 * IP bytes: TCP/IPv4 = 40 + payload, UDP/IPv4 = 28 + payload, UDP/IPv6 = 48 + payload. */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ntc_harness.h"

#define MS 1000ULL

/* ---- recording ------------------------------------------------------------------------------- */

typedef struct a_flow {
    ntc_flow_info fi;
    ntc_flow_analytics an;
    const char *text;         /* ntc_flow_state_text() */
    ntc_packet_sample first[64];
    size_t nfirst;
    char json[8192];
    int reason;
} a_flow;

#define A_MAX 64

typedef struct a_rec {
    a_flow flows[A_MAX];
    int n;
} a_rec;

static void a_capture(a_flow *a, const ntc_flow *f)
{
    memset(a, 0, sizeof(*a));
    a->fi.size = sizeof(a->fi);
    assert_int_equal(ntc_flow_get_info(f, &a->fi), 0);
    a->an.size = sizeof(a->an);
    assert_int_equal(ntc_flow_get_analytics(f, &a->an), 0);
    a->text = ntc_flow_state_text(f);
    assert_non_null(a->text);
    a->nfirst = ntc_flow_first_packets(f, a->first, 64);
    int n = ntc_flow_format_json(f, 0, a->json, sizeof(a->json));
    assert_true(n > 0 && (size_t)n < sizeof(a->json));
}

static void a_on_flow(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    a_rec *r = u;
    assert_true(r->n < A_MAX);
    a_capture(&r->flows[r->n], f);
    r->flows[r->n].reason = (int)why;
    r->n++;
}

/* The recorded flow whose client port is cport (asserts exactly one). */
static const a_flow *a_find(const a_rec *r, uint16_t cport)
{
    const a_flow *found = NULL;
    for (int i = 0; i < r->n; i++) {
        if (r->flows[i].fi.cli_port == cport) {
            assert_null(found);
            found = &r->flows[i];
        }
    }
    if (!found)
        fail_msg("no flow with client port %u", cport);
    return found;
}

static int a_collect(void *u, const ntc_flow *f)
{
    a_rec *r = u;
    assert_true(r->n < A_MAX);
    a_capture(&r->flows[r->n++], f);
    return 0;
}

/* The live flows, through ntc_engine_foreach_flow (throughput as of the engine clock). */
static void a_live(ntc_engine *e, a_rec *r)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(ntc_engine_foreach_flow(e, a_collect, r), 0);
}

/* ---- engine and capture file ----------------------------------------------------------------- */

/* When ANATEST_PCAP_DIR is set, every packet of a test also goes to DIR/<test>.pcap (to check the
 * expectations with tshark). One engine at a time writes. */
static pg_pcap *a_dump;

/* Engine with recording callbacks; the configuration is key/value text pairs, NULL-terminated.
 * DPI is off (nothing here depends on it) unless the pairs turn it on. */
static ntc_engine *a_engine(a_rec *r, const char *name, ...)
{
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    assert_int_equal(ntc_config_set(cfg, "dpi.enable", "false"), 0);
    va_list ap;
    va_start(ap, name);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (ntc_config_set(cfg, k, v))
            fail_msg("config %s = %s: %s", k, v, ntc_config_errmsg(cfg));
    }
    va_end(ap);
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(&e, cfg), 0);
    ntc_config_free(cfg);
    if (r) {
        memset(r, 0, sizeof(*r));
        ntc_callbacks cb;
        memset(&cb, 0, sizeof(cb));
        cb.version = NTC_CALLBACKS_VERSION;
        cb.flow_end = a_on_flow;
        assert_int_equal(ntc_engine_set_callbacks(e, &cb, r), 0);
    }
    const char *dir = getenv("ANATEST_PCAP_DIR");
    if (dir && a_dump) { /* left open by a test that failed */
        pg_pcap_close(a_dump);
        a_dump = NULL;
    }
    if (dir) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
        a_dump = pg_pcap_open(path, 1, 65535);
        assert_non_null(a_dump);
    }
    return e;
}

static void a_done(ntc_engine *e)
{
    ntc_engine_free(e);
    if (a_dump) {
        assert_int_equal(pg_pcap_close(a_dump), 0);
        a_dump = NULL;
    }
}

static void a_feed(ntc_engine *e, uint64_t ts, const pg_pkt *p)
{
    h_feed(e, ts, p);
    if (a_dump)
        assert_int_equal(pg_pcap_write_pkt(a_dump, ts, p), 0);
}

static a_rec *a_rec_new(void)
{
    a_rec *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    return r;
}

/* ---- TCP conversations ----------------------------------------------------------------------- */

static pg_pkt a_pkt;

/* One TCP connection: side 0 is the client, side 1 the server. */
typedef struct tconn {
    ntc_engine *e;
    const char *ip[2];
    uint16_t port[2];
    uint32_t nxt[2];  /* next sequence number each side sends */
    uint16_t win[2];  /* window each side advertises */
} tconn;

static tconn tc(ntc_engine *e, const char *cli, uint16_t cport, const char *srv, uint16_t sport,
                uint32_t cisn, uint32_t sisn)
{
    tconn c = {.e = e, .ip = {cli, srv}, .port = {cport, sport}, .nxt = {cisn, sisn},
               .win = {65535, 65535}};
    return c;
}

/* A segment from side d with explicit sequence, acknowledgment and window. data NULL: len 'x'. */
static void seg(tconn *c, uint64_t t, int d, uint8_t fl, uint32_t seq, uint32_t ack, uint16_t win,
                const void *data, size_t len)
{
    h_l2l3(&a_pkt, 0, c->ip[d], c->ip[1 - d], 0);
    pg_tcp_opt o;
    memset(&o, 0, sizeof(o));
    o.seq = seq;
    o.ack = ack;
    o.flags = fl;
    o.win = win;
    pg_tcp(&a_pkt, c->port[d], c->port[1 - d], &o);
    if (len && data)
        pg_data(&a_pkt, data, len);
    else if (len)
        pg_fill(&a_pkt, 'x', len);
    h_finish(&a_pkt);
    a_feed(c->e, t, &a_pkt);
}

/* The next segment in order from side d: sequence nxt[d], acknowledging nxt[1-d] when fl has
 * ACK, window win[d]. SYN and FIN count for one sequence number. */
static void snd(tconn *c, uint64_t t, int d, uint8_t fl, const void *data, size_t len)
{
    seg(c, t, d, fl, c->nxt[d], (fl & PG_ACK) ? c->nxt[1 - d] : 0, c->win[d], data, len);
    c->nxt[d] += (uint32_t)len + ((fl & (PG_SYN | PG_FIN)) ? 1u : 0u);
}

/* A string payload in order. */
static void snds(tconn *c, uint64_t t, int d, const char *s)
{
    snd(c, t, d, PG_ACK | PG_PSH, s, strlen(s));
}

/* SYN at t, SYN+ACK syn_synack later, ACK synack_ack after that; returns the time of the ACK. */
static uint64_t handshake(tconn *c, uint64_t t, uint64_t syn_synack, uint64_t synack_ack)
{
    snd(c, t, 0, PG_SYN, NULL, 0);
    snd(c, t += syn_synack, 1, PG_SYN | PG_ACK, NULL, 0);
    snd(c, t += synack_ack, 0, PG_ACK, NULL, 0);
    return t;
}

/* Close: FIN+ACK from the client, FIN+ACK from the server, last ACK, 1 ms apart. */
static uint64_t closing(tconn *c, uint64_t t)
{
    snd(c, t += MS, 0, PG_FIN | PG_ACK, NULL, 0);
    snd(c, t += MS, 1, PG_FIN | PG_ACK, NULL, 0);
    snd(c, t += MS, 0, PG_ACK, NULL, 0);
    return t;
}

static void udp(ntc_engine *e, uint64_t t, const char *src, uint16_t sport, const char *dst,
                uint16_t dport, const void *data, size_t len)
{
    h_l2l3(&a_pkt, 0, src, dst, 0);
    pg_udp(&a_pkt, sport, dport);
    if (len && data)
        pg_data(&a_pkt, data, len);
    else if (len)
        pg_fill(&a_pkt, 'u', len);
    h_finish(&a_pkt);
    a_feed(e, t, &a_pkt);
}

/* A field of a JSON record, exactly ("NAME":value followed by ',' or '}'). */
static void assert_json_field(const char *json, const char *name, const char *value)
{
    char want[256];
    snprintf(want, sizeof(want), "\"%s\":%s", name, value);
    const char *p = strstr(json, want);
    if (!p || (p[strlen(want)] != ',' && p[strlen(want)] != '}'))
        fail_msg("JSON lacks %s: %s", want, json);
}

static void assert_json_no_field(const char *json, const char *name)
{
    char want[128];
    snprintf(want, sizeof(want), "\"%s\":", name);
    if (strstr(json, want))
        fail_msg("JSON has %s: %s", want, json);
}

#define assert_double(a, b)                                                                        \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (fabs(a_ - b_) > 1e-6 * (fabs(b_) > 1 ? fabs(b_) : 1))                                  \
            fail_msg("%s = %.9f, expected %.9f", #a, a_, b_);                                      \
    } while (0)

/* The TCP health counters of a flow: {retrans, ooo, lost, zero windows, keep-alives, dup ACKs},
 * client->server then server->client. */
static void assert_health(const ntc_flow_analytics *a, const uint32_t in[6], const uint32_t out[6])
{
    const uint32_t got[2][6] = {
        {a->retransmissions[0], a->out_of_order[0], a->lost_segments[0], a->zero_windows[0],
         a->keepalives[0], a->duplicate_acks[0]},
        {a->retransmissions[1], a->out_of_order[1], a->lost_segments[1], a->zero_windows[1],
         a->keepalives[1], a->duplicate_acks[1]}};
    static const char *names[6] = {"retransmissions", "out_of_order", "lost_segments",
                                   "zero_windows", "keepalives", "duplicate_acks"};
    for (int i = 0; i < 6; i++) {
        if (got[0][i] != in[i])
            fail_msg("%s[0] = %u, expected %u", names[i], got[0][i], in[i]);
        if (got[1][i] != out[i])
            fail_msg("%s[1] = %u, expected %u", names[i], got[1][i], out[i]);
    }
}

#define HEALTH(a, r0, o0, l0, z0, k0, d0, r1, o1, l1, z1, k1, d1)                                  \
    assert_health((a), (const uint32_t[6]){r0, o0, l0, z0, k0, d0},                                \
                  (const uint32_t[6]){r1, o1, l1, z1, k1, d1})

static const char *CLI = "10.0.0.1", *SRV = "192.0.2.80";

static const char HTTP_REQ[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
static const char HTTP_RSP[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

/* ---- a normal connection --------------------------------------------------------------------- */

/* SYN, SYN+ACK 10 ms later, ACK 2 ms later, an HTTP request, the server's ACK, its response 17 ms
 * after the request, FIN both ways: Zeek writes "ShADadFf" and SF for it. */
static void normal_connection(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "normal_connection", "dpi.enable", "true", NULL); /* as usual */
    tconn c = tc(e, CLI, 40000, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    snds(&c, t += MS, 0, HTTP_REQ);                /* D */
    snd(&c, t + 10 * MS, 1, PG_ACK, NULL, 0);      /* a */
    snds(&c, t += 17 * MS, 1, HTTP_RSP);           /* d */
    snd(&c, t += MS, 0, PG_ACK, NULL, 0);
    t = closing(&c, t);                            /* F f */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->n, 1);
    const a_flow *f = &r->flows[0];
    const ntc_flow_analytics *a = &f->an;
    assert_int_equal(a->available, 1);
    assert_int_equal(f->fi.tcp_state, NTC_TCP_CLOSED);
    assert_int_equal(a->conn_state, NTC_CONN_SF);
    assert_string_equal(ntc_conn_state_name(a->conn_state), "SF");
    assert_string_equal(a->history, "ShADadFf");
    assert_string_equal(f->text, "closed normally");
    HEALTH(a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_int_equal(a->server_nw_latency_us, 10000);
    assert_int_equal(a->client_nw_latency_us, 2000);
    assert_int_equal(a->appl_latency_kind, NTC_APPL_LATENCY_HTTP);
    assert_int_equal(a->appl_latency_us, 17000);
    assert_int_equal(a->tls_handshake_us, 0);
    /* python3: see community_id_vectors */
    assert_string_equal(a->community_id, "1:F8XoYKHgV/9QxD9b9qA9abCXdtI=");
    /* The record carries it all under the nProbe names. */
    const char *j = f->json;
    assert_json_field(j, "FLOW_STATE", "\"closed normally\"");
    assert_json_field(j, "CONN_STATE", "\"SF\"");
    assert_json_field(j, "CONN_HISTORY", "\"ShADadFf\"");
    assert_json_field(j, "COMMUNITY_ID", "\"1:F8XoYKHgV/9QxD9b9qA9abCXdtI=\"");
    assert_json_field(j, "RETRANSMITTED_IN_PKTS", "0");
    assert_json_field(j, "RETRANSMITTED_OUT_PKTS", "0");
    assert_json_field(j, "OOORDER_IN_PKTS", "0");
    assert_json_field(j, "OOORDER_OUT_PKTS", "0");
    assert_json_field(j, "SERVER_NW_LATENCY_MS", "10.000");
    assert_json_field(j, "CLIENT_NW_LATENCY_MS", "2.000");
    assert_json_field(j, "APPL_LATENCY_MS", "17.000");
    assert_json_no_field(j, "TLS_HANDSHAKE_MS");
    assert_json_field(j, "L7_PROTO_NAME", "\"HTTP\"");
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.tcp_retransmissions, 0);
    assert_int_equal(st.tcp_out_of_order, 0);
    assert_int_equal(st.tcp_lost_segments, 0);
    assert_int_equal(st.tcp_zero_windows, 0);
    assert_int_equal(st.tcp_keepalives, 0);
    a_done(e);
    free(r);
}

/* ---- retransmissions ------------------------------------------------------------------------- */

/* A data segment sent again 200 ms later, nothing acknowledged in between, in each direction. */
static void retransmission_plain(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "retransmission_plain", NULL);
    tconn c = tc(e, CLI, 40001, SRV, 8080, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    snd(&c, t += MS, 0, PG_ACK | PG_PSH, NULL, 100);                       /* [1001,1101) */
    seg(&c, t += 200 * MS, 0, PG_ACK | PG_PSH, 1001, 5001, 65535, NULL, 100); /* again */
    snd(&c, t += 10 * MS, 1, PG_ACK, NULL, 0);
    snd(&c, t += MS, 1, PG_ACK | PG_PSH, NULL, 300);                       /* [5001,5301) */
    seg(&c, t += 250 * MS, 1, PG_ACK | PG_PSH, 5001, 1101, 65535, NULL, 300);
    snd(&c, t += 10 * MS, 0, PG_ACK, NULL, 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    HEALTH(a, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0);
    assert_int_equal(a->conn_state, NTC_CONN_S1);
    /* T: retransmitted payload, upper case from the client. */
    assert_string_equal(a->history, "ShADTadt");
    assert_string_equal(r->flows[0].text, "established");
    assert_json_field(r->flows[0].json, "RETRANSMITTED_IN_PKTS", "1");
    assert_json_field(r->flows[0].json, "RETRANSMITTED_OUT_PKTS", "1");
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.tcp_retransmissions, 2);
    a_done(e);
    free(r);
}

/* The SYN sent again after 1 s: one retransmission; the server latency counts from the last SYN. */
static void retransmission_syn(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "retransmission_syn", NULL);
    tconn c = tc(e, CLI, 40002, SRV, 80, 7000, 9000);
    seg(&c, T0, 0, PG_SYN, 7000, 0, 65535, NULL, 0);
    uint64_t t = handshake(&c, T0 + SEC, 5 * MS, 3 * MS); /* same ISN: the SYN again */
    snds(&c, t += MS, 0, HTTP_REQ);
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    HEALTH(a, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_int_equal(a->server_nw_latency_us, 5000);
    assert_int_equal(a->client_nw_latency_us, 3000);
    assert_int_equal(a->conn_state, NTC_CONN_S1);
    a_done(e);
    free(r);
}

/* The SYN+ACK did not reach the client (captured near the server): the client sends its SYN again
 * after the SYN+ACK, the server answers it again, then the ACK comes. The latencies belong to the
 * exchange that completed the handshake: the last SYN -> its SYN+ACK (1 ms), that SYN+ACK -> the
 * ACK (1 ms); their sum is the handshake RTT (tcp.analysis.initial_rtt = 2 ms for this capture). */
static void latency_syn_again_after_synack(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "latency_syn_again", NULL);
    tconn c = tc(e, CLI, 40004, SRV, 80, 7000, 9000);
    seg(&c, T0, 0, PG_SYN, 7000, 0, 65535, NULL, 0);
    seg(&c, T0 + 3 * MS, 1, PG_SYN | PG_ACK, 9000, 7001, 65535, NULL, 0);
    seg(&c, T0 + SEC, 0, PG_SYN, 7000, 0, 65535, NULL, 0);
    seg(&c, T0 + SEC + MS, 1, PG_SYN | PG_ACK, 9000, 7001, 65535, NULL, 0);
    seg(&c, T0 + SEC + 2 * MS, 0, PG_ACK, 7001, 9001, 65535, NULL, 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    HEALTH(a, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0);
    if (a->server_nw_latency_us != 1000 || a->client_nw_latency_us != 1000)
        fail_msg("server latency %u us, client latency %u us; expected 1000 and 1000",
                 a->server_nw_latency_us, a->client_nw_latency_us);
    a_done(e);
    free(r);
}

/* Zeek's history letter T is a "packet with retransmitted payload": a SYN sent again (no payload)
 * adds no letter (the same SYN sequence number is no new 'S' either). */
static void history_syn_retransmission(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "history_syn_retransmission", NULL);
    tconn c = tc(e, CLI, 40003, SRV, 80, 7000, 9000);
    seg(&c, T0, 0, PG_SYN, 7000, 0, 65535, NULL, 0);
    handshake(&c, T0 + SEC, 5 * MS, 3 * MS);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->flows[0].an.retransmissions[0], 1);
    assert_string_equal(r->flows[0].an.history, "ShA");
    a_done(e);
    free(r);
}

/* Four segments, the server acknowledges the first and repeats that ACK (a window update first,
 * which is no duplicate), the client sends the second again: with two or more duplicate ACKs it is
 * a fast retransmission, even though it comes within the handshake RTT of the highest segment
 * (which would make it out of order otherwise). With a single duplicate ACK, it is out of order. */
static void retransmission_fast_and_dup_acks(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "retransmission_fast", NULL);
    for (int k = 0; k < 2; k++) {
        int ndup = k == 0 ? 3 : 1;
        tconn c = tc(e, CLI, (uint16_t)(40010 + k), SRV, 80, 1000, 5000);
        uint64_t t = handshake(&c, T0 + (uint64_t)k * SEC, 40 * MS, 10 * MS); /* RTT 50 ms */
        for (int i = 0; i < 4; i++)
            snd(&c, t += MS, 0, PG_ACK, NULL, 100); /* up to 1401 */
        seg(&c, t += MS, 1, PG_ACK, 5001, 1101, 65535, NULL, 0); /* new ACK */
        seg(&c, t += MS, 1, PG_ACK, 5001, 1101, 60000, NULL, 0); /* window update */
        for (int i = 0; i < ndup; i++)
            seg(&c, t += MS, 1, PG_ACK, 5001, 1101, 60000, NULL, 0); /* duplicates */
        seg(&c, t += MS, 0, PG_ACK, 1101, 5001, 65535, NULL, 100); /* the 2nd segment again */
        seg(&c, t += MS, 1, PG_ACK, 5001, 1401, 60000, NULL, 0);
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *fast = &r->flows[0].an, *ooo = &r->flows[1].an;
    if (r->flows[0].fi.cli_port != 40010) {
        const ntc_flow_analytics *x = fast;
        fast = ooo;
        ooo = x;
    }
    HEALTH(fast, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3);
    HEALTH(ooo, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    assert_json_field(a_find(r, 40010)->json, "TCP_DUP_ACK_OUT_PKTS", "3");
    a_done(e);
    free(r);
}

/* Data the other side already acknowledged, sent again: a (spurious) retransmission, even within
 * the handshake RTT of the highest segment. */
static void retransmission_spurious(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "retransmission_spurious", NULL);
    tconn c = tc(e, CLI, 40020, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 40 * MS, 10 * MS); /* RTT 50 ms */
    snd(&c, t += MS, 0, PG_ACK, NULL, 100); /* [1001,1101) */
    snd(&c, t += MS, 0, PG_ACK, NULL, 100); /* [1101,1201) */
    snd(&c, t += MS, 1, PG_ACK, NULL, 0);   /* ACK 1201 */
    seg(&c, t += MS, 0, PG_ACK, 1001, 5001, 65535, NULL, 100);
    assert_int_equal(ntc_engine_flush(e), 0);
    HEALTH(&r->flows[0].an, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    a_done(e);
    free(r);
}

/* ---- out of order, lost segments ------------------------------------------------------------- */

/* With a handshake (RTT 50 ms), a segment that fills a gap less than 50 ms after the highest one
 * is out of order (10 ms, 49.999 ms), at 50 ms or later a retransmission. Each gap counts as a
 * lost segment (previous segment not captured) when it opens. */
static void out_of_order_handshake_rtt(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "out_of_order_rtt", NULL);
    tconn c = tc(e, CLI, 40030, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 40 * MS, 10 * MS);
    static const uint64_t delay[3] = {10 * MS, 50 * MS, 50 * MS - 1};
    uint32_t s = 1001;
    for (int i = 0; i < 3; i++) {
        seg(&c, t += 100 * MS, 0, PG_ACK, s + 100, 5001, 65535, NULL, 100); /* after a gap */
        seg(&c, t + delay[i], 0, PG_ACK, s, 5001, 65535, NULL, 100);        /* the gap */
        t += delay[i];
        s += 200;
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    assert_int_equal(a->server_nw_latency_us + a->client_nw_latency_us, 50000);
    HEALTH(a, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.tcp_out_of_order, 2);
    assert_int_equal(st.tcp_lost_segments, 3);
    assert_int_equal(st.tcp_retransmissions, 1);
    a_done(e);
    free(r);
}

/* Without a handshake (capture started mid-connection) the threshold is 3 ms: 2.999 ms is out of
 * order, 3 ms a retransmission. */
static void out_of_order_default_3ms(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "out_of_order_3ms", NULL);
    tconn c = tc(e, CLI, 40040, SRV, 80, 0, 0);
    seg(&c, T0, 0, PG_ACK, 1100, 5000, 65535, NULL, 100);                  /* first seen */
    seg(&c, T0 + 3 * MS - 1, 0, PG_ACK, 1000, 5000, 65535, NULL, 100);     /* out of order */
    seg(&c, T0 + 10 * MS, 0, PG_ACK, 1300, 5000, 65535, NULL, 100);        /* gap: lost */
    seg(&c, T0 + 13 * MS, 0, PG_ACK, 1200, 5000, 65535, NULL, 100);        /* retransmission */
    assert_int_equal(ntc_engine_flush(e), 0);
    const a_flow *f = &r->flows[0];
    HEALTH(&f->an, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_int_equal(f->fi.tcp_state, NTC_TCP_MIDSTREAM);
    assert_int_equal(f->an.conn_state, NTC_CONN_OTH);
    assert_int_equal(f->an.server_nw_latency_us, 0);
    assert_int_equal(f->an.client_nw_latency_us, 0);
    assert_string_equal(f->text, "no handshake seen (capture started mid-connection)");
    a_done(e);
    free(r);
}

/* Segments never captured, in each direction; the data after the gap is no retransmission. A RST
 * past the highest sequence is no lost segment. */
static void lost_segments(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "lost_segments", NULL);
    tconn c = tc(e, CLI, 40050, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    snd(&c, t += MS, 0, PG_ACK, NULL, 100);                   /* [1001,1101) */
    seg(&c, t += MS, 0, PG_ACK, 1201, 5001, 65535, NULL, 100); /* [1101,1201) not captured */
    seg(&c, t += MS, 1, PG_ACK, 5001, 1301, 65535, NULL, 0);   /* acknowledges all */
    seg(&c, t += MS, 1, PG_ACK, 5001, 1301, 65535, NULL, 500); /* [5001,5501) */
    seg(&c, t += MS, 1, PG_ACK, 6001, 1301, 65535, NULL, 500); /* [5501,6001) not captured */
    seg(&c, t += MS, 0, PG_ACK, 1301, 6501, 65535, NULL, 0);
    seg(&c, t += MS, 0, PG_RST, 2000, 0, 0, NULL, 0);          /* RST beyond: no loss */
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    HEALTH(a, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0);
    assert_int_equal(a->conn_state, NTC_CONN_RSTO);
    a_done(e);
    free(r);
}

/* ---- zero window, keep-alive ----------------------------------------------------------------- */

/* The server's window closes (three segments advertise 0: its ACK, and its ACKs of two probes);
 * the client's one-byte zero-window probes are neither retransmissions nor keep-alives, even the
 * second one at the same sequence; the probe ACKs are no duplicate ACKs. The window opens and the
 * data goes on from the probed byte. */
static void zero_window_and_probes(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "zero_window", NULL);
    tconn c = tc(e, CLI, 40060, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    snd(&c, t += MS, 0, PG_ACK, NULL, 1000);                   /* [1001,2001) */
    seg(&c, t += MS, 1, PG_ACK, 5001, 2001, 0, NULL, 0);        /* window 0 */
    seg(&c, t += 200 * MS, 0, PG_ACK, 2001, 5001, 65535, NULL, 1); /* probe */
    seg(&c, t += MS, 1, PG_ACK, 5001, 2001, 0, NULL, 0);        /* still 0 */
    seg(&c, t += 400 * MS, 0, PG_ACK, 2001, 5001, 65535, NULL, 1); /* probe again */
    seg(&c, t += MS, 1, PG_ACK, 5001, 2001, 0, NULL, 0);        /* still 0 */
    seg(&c, t += 100 * MS, 1, PG_ACK, 5001, 2001, 65535, NULL, 0); /* window update */
    seg(&c, t += MS, 0, PG_ACK, 2001, 5001, 65535, NULL, 1000);  /* [2001,3001) */
    seg(&c, t += MS, 1, PG_ACK, 5001, 3001, 65535, NULL, 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    HEALTH(a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0);
    /* W once: the letter repeats at the 10th, 100th ... zero window only. */
    assert_string_equal(a->history, "ShADaw");
    assert_json_field(r->flows[0].json, "TCP_ZERO_WINDOW_OUT_PKTS", "3");
    assert_int_equal(h_stats(e).tcp_zero_windows, 3);
    a_done(e);
    free(r);
}

/* Keep-alives (no data, and one garbage byte, one before the next sequence) are counted as such,
 * not as retransmissions; the server's ACKs of them repeat its last ACK but are no duplicate
 * ACKs. */
static void keepalives(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "keepalives", NULL);
    tconn c = tc(e, CLI, 40070, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    snd(&c, t += MS, 0, PG_ACK, NULL, 100);                      /* [1001,1101) */
    snd(&c, t += MS, 1, PG_ACK, NULL, 0);                        /* ACK 1101 */
    seg(&c, t += 10 * SEC, 0, PG_ACK, 1100, 5001, 65535, NULL, 0); /* keep-alive */
    seg(&c, t += MS, 1, PG_ACK, 5001, 1101, 65535, NULL, 0);       /* its ACK */
    seg(&c, t += 10 * SEC, 0, PG_ACK, 1100, 5001, 65535, NULL, 1); /* keep-alive, 1 byte */
    seg(&c, t += MS, 1, PG_ACK, 5001, 1101, 65535, NULL, 0);       /* its ACK */
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    HEALTH(a, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0);
    assert_json_field(r->flows[0].json, "TCP_KEEPALIVE_IN_PKTS", "2");
    assert_int_equal(h_stats(e).tcp_keepalives, 2);
    a_done(e);
    free(r);
}

/* ---- sequence numbers ------------------------------------------------------------------------ */

/* Sequence numbers wrap at 2^32. Data sent again, not acknowledged, after a segment that ends at
 * isn + 1 + len1 (retransmission after 500 ms), then the data goes on. */
static void wrap_flow(ntc_engine *e, uint64_t t, uint16_t cport, uint32_t isn, size_t len1)
{
    tconn c = tc(e, CLI, cport, SRV, 80, isn, 0xFFFFFFF0u);
    t = handshake(&c, t, 10 * MS, 2 * MS);
    uint32_t s1 = c.nxt[0], ack = c.nxt[0];
    snd(&c, t += MS, 0, PG_ACK, NULL, len1);
    seg(&c, t += 500 * MS, 0, PG_ACK, s1, c.nxt[1], 65535, NULL, len1); /* again */
    snd(&c, t += MS, 0, PG_ACK, NULL, 100);                             /* after it */
    /* The server's data crosses 2^32 too; it acknowledges nothing of the above. */
    seg(&c, t += MS, 1, PG_ACK, c.nxt[1], ack, 65535, NULL, 100);
    c.nxt[1] += 100;
    snd(&c, t += MS, 1, PG_ACK, NULL, 100);
    snd(&c, t += MS, 0, PG_ACK, NULL, 0);
}

/* A segment crossing 2^32 is in order, so is the one after it, and a copy of it is a plain
 * retransmission (neither out of order nor lost); the server's data crossing 2^32 has no
 * finding. */
static void sequence_wraparound(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "sequence_wrap", NULL);
    wrap_flow(e, T0, 40080, 0xFFFFFF00u, 200); /* [0xFFFFFF01, 0xC9) */
    assert_int_equal(ntc_engine_flush(e), 0);
    HEALTH(&a_find(r, 40080)->an, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    a_done(e);
    free(r);
}

/* The same when the first segment ends exactly at 2^32 (the next sequence number is 0): its copy
 * is still data that does not advance the sequence, a retransmission as flow.h defines it.
 * (tshark 4.0 does not flag this one: Wireshark also takes a next sequence number of 0 for "none
 * seen yet".) */
static void sequence_wrap_exactly_2_32(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "sequence_wrap_0", NULL);
    wrap_flow(e, T0, 40081, 0xFFFFFE00u, 0x1FF); /* [0xFFFFFE01, 0) */
    assert_int_equal(ntc_engine_flush(e), 0);
    HEALTH(&a_find(r, 40081)->an, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    a_done(e);
    free(r);
}

/* The ports reused by a new connection (a new SYN with another initial sequence number, lower than
 * the old one): the analysis starts over, so neither the SYN nor the new data counts as a
 * retransmission; the flow ends up established again. */
static void port_reuse(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "port_reuse", NULL);
    tconn c = tc(e, CLI, 40090, SRV, 80, 0x50000000u, 0x60000000u);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    snd(&c, t += MS, 0, PG_ACK, NULL, 1000);
    snd(&c, t += MS, 1, PG_ACK, NULL, 1000);
    t = closing(&c, t);
    c.nxt[0] = 0x10000000u;
    c.nxt[1] = 0x20000000u;
    t = handshake(&c, t + SEC, 10 * MS, 2 * MS);
    snd(&c, t += MS, 0, PG_ACK, NULL, 1000);
    snd(&c, t += MS, 1, PG_ACK, NULL, 1000);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->n, 1);
    const a_flow *f = &r->flows[0];
    HEALTH(&f->an, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_int_equal(f->fi.tcp_state, NTC_TCP_ESTABLISHED);
    assert_int_equal(f->an.conn_state, NTC_CONN_S1);
    a_done(e);
    free(r);
}

/* ---- latency --------------------------------------------------------------------------------- */

/* flow.max_latency_ms (default 5000): a latency of exactly 5 s is kept, 5 s + 1 us is dropped (0),
 * for both handshake latencies and the HTTP application latency. */
static void latency_cutoff_default(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "latency_cutoff", NULL);
    for (int k = 0; k < 2; k++) {
        uint64_t d = 5 * SEC + (uint64_t)k;
        tconn c = tc(e, CLI, (uint16_t)(40100 + k), SRV, 80, 1000, 5000);
        uint64_t t = handshake(&c, T0 + (uint64_t)k * 20 * SEC, d, d);
        snds(&c, t += MS, 0, HTTP_REQ);
        snds(&c, t += d, 1, HTTP_RSP);
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *in = &a_find(r, 40100)->an, *out = &a_find(r, 40101)->an;
    assert_int_equal(in->server_nw_latency_us, 5000000);
    assert_int_equal(in->client_nw_latency_us, 5000000);
    assert_int_equal(in->appl_latency_us, 5000000);
    assert_int_equal(in->appl_latency_kind, NTC_APPL_LATENCY_HTTP);
    assert_int_equal(out->server_nw_latency_us, 0);
    assert_int_equal(out->client_nw_latency_us, 0);
    assert_int_equal(out->appl_latency_us, 0);
    assert_json_field(a_find(r, 40100)->json, "SERVER_NW_LATENCY_MS", "5000.000");
    assert_json_no_field(a_find(r, 40101)->json, "SERVER_NW_LATENCY_MS");
    assert_json_no_field(a_find(r, 40101)->json, "CLIENT_NW_LATENCY_MS");
    assert_json_no_field(a_find(r, 40101)->json, "APPL_LATENCY_MS");
    a_done(e);
    free(r);
}

/* The cut-off follows flow.max_latency_ms. */
static void latency_cutoff_configured(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "latency_cutoff_100", "flow.max_latency_ms", "100", NULL);
    for (int k = 0; k < 2; k++) {
        uint64_t d = 100 * MS + (uint64_t)k;
        tconn c = tc(e, CLI, (uint16_t)(40110 + k), SRV, 80, 1000, 5000);
        handshake(&c, T0 + (uint64_t)k * SEC, d, 1 * MS);
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(a_find(r, 40110)->an.server_nw_latency_us, 100000);
    assert_int_equal(a_find(r, 40110)->an.client_nw_latency_us, 1000);
    assert_int_equal(a_find(r, 40111)->an.server_nw_latency_us, 0);
    assert_int_equal(a_find(r, 40111)->an.client_nw_latency_us, 1000);
    a_done(e);
    free(r);
}

/* HTTP: from the last segment of the request to the first segment of the response; a copy of a
 * request segment sent later (retransmission) does not move the start. */
static void latency_http(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "latency_http", NULL);
    tconn c = tc(e, CLI, 40120, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    static const char head[] =
        "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\n\r\n";
    snds(&c, t += MS, 0, head);                          /* request, first segment */
    uint32_t body_seq = c.nxt[0];
    snds(&c, t += MS, 0, "0123456789");                   /* request ends: the start */
    seg(&c, t += 300 * MS, 0, PG_ACK | PG_PSH, body_seq, 5001, 65535, "0123456789", 10);
    snd(&c, t += 10 * MS, 1, PG_ACK, NULL, 0);             /* ACK, no data */
    snds(&c, t += 40 * MS, 1, HTTP_RSP);                   /* first response segment */
    snds(&c, t += 100 * MS, 0, HTTP_REQ);                  /* a second exchange: not measured */
    snds(&c, t += MS, 1, HTTP_RSP);
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    assert_int_equal(a->retransmissions[0], 1);
    assert_int_equal(a->appl_latency_kind, NTC_APPL_LATENCY_HTTP);
    assert_int_equal(a->appl_latency_us, 300 * MS + 10 * MS + 40 * MS);
    a_done(e);
    free(r);
}

/* A DNS message: 12-byte header and one question for example.com A. */
static size_t dns_msg(uint8_t *b, uint16_t id, int response)
{
    static const uint8_t q[] = {7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
                                'c', 'o', 'm', 0,   0,   1,   0,   1};
    memset(b, 0, 12);
    b[0] = (uint8_t)(id >> 8);
    b[1] = (uint8_t)id;
    b[2] = response ? 0x81 : 0x01;
    b[3] = response ? 0x80 : 0x00;
    b[5] = 1; /* one question */
    memcpy(b + 12, q, sizeof(q));
    return 12 + sizeof(q);
}

static void dns_query(ntc_engine *e, uint64_t t, uint16_t cport, uint16_t id)
{
    uint8_t b[64];
    size_t n = dns_msg(b, id, 0);
    udp(e, t, CLI, cport, "192.0.2.53", 53, b, n);
}

static void dns_answer(ntc_engine *e, uint64_t t, uint16_t cport, uint16_t id)
{
    uint8_t b[64];
    size_t n = dns_msg(b, id, 1);
    udp(e, t, "192.0.2.53", 53, CLI, cport, b, n);
}

/* DNS: query -> the answer with the same transaction id (another id does not count). A query sent
 * again less than 5 s after the first keeps the first time; 5 s or more later it starts over. */
static void latency_dns(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "latency_dns", "flow.max_latency_ms", "60000", NULL);
    uint64_t t = T0; /* each flow 10 s after the previous one */
    dns_query(e, t, 50001, 0x1111);
    dns_answer(e, t + 5 * MS, 50001, 0x2222); /* not ours */
    dns_answer(e, t + 20 * MS, 50001, 0x1111);
    dns_query(e, t += 10 * SEC, 50002, 0x2222);
    dns_query(e, t + SEC, 50002, 0x2222);     /* again within 5 s */
    dns_answer(e, t + 1500 * MS, 50002, 0x2222);
    dns_query(e, t += 10 * SEC, 50003, 0x3333);
    dns_query(e, t + 5 * SEC - 1, 50003, 0x3333); /* 4.999999 s: still the first */
    dns_answer(e, t + 5 * SEC + MS - 1, 50003, 0x3333);
    dns_query(e, t += 10 * SEC, 50004, 0x4444);
    dns_query(e, t + 5 * SEC, 50004, 0x4444);     /* 5 s: a new attempt */
    dns_answer(e, t + 5 * SEC + MS, 50004, 0x4444);
    dns_query(e, t += 10 * SEC, 50005, 0x5555);
    dns_query(e, t + 6 * SEC, 50005, 0x5555);     /* 6 s: a new attempt */
    dns_answer(e, t + 6 * SEC + 2 * MS, 50005, 0x5555);
    assert_int_equal(ntc_engine_flush(e), 0);
    static const uint32_t want[5] = {20000, 1500000, 5001000 - 1, 1000, 2000};
    for (int i = 0; i < 5; i++) {
        const a_flow *f = a_find(r, (uint16_t)(50001 + i));
        assert_int_equal(f->an.appl_latency_kind, NTC_APPL_LATENCY_DNS);
        assert_int_equal(f->an.appl_latency_us, want[i]);
    }
    assert_json_field(a_find(r, 50001)->json, "APPL_LATENCY_MS", "20.000");
    a_done(e);
    free(r);
}

/* TLS: ClientHello -> the client's ChangeCipherSpec after the server answered. */
static void latency_tls(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "latency_tls", NULL);
    tconn c = tc(e, CLI, 40130, SRV, 443, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    /* Record headers (type, version, length) and the handshake type; the rest is filler. */
    uint8_t ch[64] = {22, 3, 1, 0, 59, 1, 0, 0, 55, 3, 3};
    uint8_t sh[64] = {22, 3, 3, 0, 59, 2, 0, 0, 55, 3, 3};
    uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};
    snd(&c, t += MS, 0, PG_ACK | PG_PSH, ch, sizeof(ch));
    uint64_t hello = t;
    snd(&c, t += 20 * MS, 1, PG_ACK | PG_PSH, sh, sizeof(sh));
    snd(&c, t += 25 * MS, 0, PG_ACK | PG_PSH, ccs, sizeof(ccs));
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->flows[0].an.tls_handshake_us, t - hello);
    assert_int_equal(r->flows[0].an.tls_handshake_us, 45000);
    assert_json_field(r->flows[0].json, "TLS_HANDSHAKE_MS", "45.000");
    a_done(e);
    free(r);
}

/* ---- connection states ----------------------------------------------------------------------- */

typedef struct cs_case {
    uint16_t port;
    int state;
    const char *name, *history, *text;
} cs_case;

/* Every Zeek conn_state from crafted TCP exchanges, with its history and the text for people. */
static void conn_states_tcp(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "conn_states", NULL);
    uint64_t t0 = T0;
    tconn c;
    /* S0: a SYN, no reply. Each case starts 2 s after the previous one. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41000, SRV, 80, 1000, 5000);
    snd(&c, t0, 0, PG_SYN, NULL, 0);
    /* S1: established. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41001, SRV, 80, 1000, 5000);
    handshake(&c, t0, MS, MS);
    /* SF: see normal_connection (data both ways); here without data. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41002, SRV, 80, 1000, 5000);
    closing(&c, handshake(&c, t0, MS, MS));
    /* REJ: SYN answered by RST+ACK. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41003, SRV, 80, 1000, 5000);
    snd(&c, t0, 0, PG_SYN, NULL, 0);
    snd(&c, t0 + MS, 1, PG_RST | PG_ACK, NULL, 0);
    /* S2: established, FIN from the client only. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41004, SRV, 80, 1000, 5000);
    snd(&c, handshake(&c, t0, MS, MS) + MS, 0, PG_FIN | PG_ACK, NULL, 0);
    /* S3: established, FIN from the server only. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41005, SRV, 80, 1000, 5000);
    snd(&c, handshake(&c, t0, MS, MS) + MS, 1, PG_FIN | PG_ACK, NULL, 0);
    /* RSTO: established, the client resets. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41006, SRV, 80, 1000, 5000);
    snd(&c, handshake(&c, t0, MS, MS) + MS, 0, PG_RST | PG_ACK, NULL, 0);
    /* RSTR: established, the server resets. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41007, SRV, 80, 1000, 5000);
    snd(&c, handshake(&c, t0, MS, MS) + MS, 1, PG_RST | PG_ACK, NULL, 0);
    /* RSTOS0: SYN then RST from the client, no SYN+ACK. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41008, SRV, 80, 1000, 5000);
    snd(&c, t0, 0, PG_SYN, NULL, 0);
    snd(&c, t0 + SEC, 0, PG_RST, NULL, 0);
    /* RSTRH: SYN+ACK then RST from the server, the client's SYN not seen. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41009, SRV, 80, 1000, 5000);
    snd(&c, t0, 1, PG_SYN | PG_ACK, NULL, 0);
    snd(&c, t0 + MS, 1, PG_RST, NULL, 0);
    /* SH: SYN then FIN from the client, no SYN+ACK. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41010, SRV, 80, 1000, 5000);
    snd(&c, t0, 0, PG_SYN, NULL, 0);
    snd(&c, t0 + MS, 0, PG_FIN, NULL, 0);
    /* SHR: SYN+ACK then FIN from the server, the client's SYN not seen. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41011, SRV, 80, 1000, 5000);
    snd(&c, t0, 1, PG_SYN | PG_ACK, NULL, 0);
    snd(&c, t0 + MS, 1, PG_FIN | PG_ACK, NULL, 0);
    /* OTH: mid-stream data both ways. */
    t0 += 2 * SEC;
    c = tc(e, CLI, 41012, SRV, 80, 1000, 5000);
    snd(&c, t0, 0, PG_ACK, NULL, 10);
    snd(&c, t0 + MS, 1, PG_ACK, NULL, 10);
    assert_int_equal(ntc_engine_flush(e), 0);
    static const cs_case cases[] = {
        {41000, NTC_CONN_S0, "S0", "S", "handshake incomplete: no reply from the server"},
        {41001, NTC_CONN_S1, "S1", "ShA", "established"},
        {41002, NTC_CONN_SF, "SF", "ShAFf", "closed normally"},
        {41003, NTC_CONN_REJ, "REJ", "Sr",
         "connection refused: the server reset it (application probably down)"},
        {41004, NTC_CONN_S2, "S2", "ShAF", "closing: the client closed, the server did not"},
        {41005, NTC_CONN_S3, "S3", "ShAf", "closing: the server closed, the client did not"},
        {41006, NTC_CONN_RSTO, "RSTO", "ShAR", "reset by the client"},
        {41007, NTC_CONN_RSTR, "RSTR", "ShAr", "reset by the server"},
        {41008, NTC_CONN_RSTOS0, "RSTOS0", "SR",
         "handshake incomplete: the client gave up (reset) before a reply"},
        {41009, NTC_CONN_RSTRH, "RSTRH", "hr", "reset by the server (client's SYN not seen)"},
        {41010, NTC_CONN_SH, "SH", "SF",
         "handshake incomplete: the client sent SYN then FIN, no reply"},
        {41011, NTC_CONN_SHR, "SHR", "hf",
         "the server answered then closed (client's SYN not seen)"},
        {41012, NTC_CONN_OTH, "OTH", "Dd", "no handshake seen (capture started mid-connection)"},
    };
    assert_int_equal(r->n, (int)(sizeof(cases) / sizeof(cases[0])));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const a_flow *f = a_find(r, cases[i].port);
        if (f->an.conn_state != cases[i].state || strcmp(f->an.history, cases[i].history) ||
            strcmp(f->text, cases[i].text))
            fail_msg("port %u: conn_state %s history \"%s\" text \"%s\"; expected %s \"%s\" \"%s\"",
                     cases[i].port, ntc_conn_state_name(f->an.conn_state), f->an.history, f->text,
                     cases[i].name, cases[i].history, cases[i].text);
        assert_string_equal(ntc_conn_state_name(f->an.conn_state), cases[i].name);
        char v[64];
        snprintf(v, sizeof(v), "\"%s\"", cases[i].name);
        assert_json_field(f->json, "CONN_STATE", v);
    }
    a_done(e);
    free(r);
}

/* Zeek's odd-flag letters: Q for a multi-flag packet (SYN+FIN), I for an inconsistent one
 * (FIN+RST, which resets the connection). */
static void history_odd_flags(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "history_odd_flags", NULL);
    tconn c = tc(e, CLI, 41100, SRV, 80, 1000, 5000);
    snd(&c, T0, 0, PG_SYN | PG_FIN, NULL, 0);
    c = tc(e, CLI, 41101, SRV, 80, 1000, 5000);
    snd(&c, handshake(&c, T0 + SEC, MS, MS) + MS, 0, PG_FIN | PG_RST | PG_ACK, NULL, 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_string_equal(a_find(r, 41100)->an.history, "Q");
    assert_string_equal(a_find(r, 41101)->an.history, "ShAI");
    assert_int_equal(a_find(r, 41101)->an.conn_state, NTC_CONN_RSTO);
    a_done(e);
    free(r);
}

/* T (retransmitted payload) is written again at the 10th retransmission, not in between; t for
 * the server's. */
static void history_scaled_letters(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "history_scaled", NULL);
    for (int k = 0; k < 2; k++) {
        int n = k == 0 ? 9 : 10;
        tconn c = tc(e, CLI, (uint16_t)(41200 + k), SRV, 80, 1000, 5000);
        uint64_t t = handshake(&c, T0 + (uint64_t)k * 30 * SEC, MS, MS);
        snd(&c, t += MS, 0, PG_ACK, NULL, 100);
        for (int i = 0; i < n; i++)
            seg(&c, t += SEC, 0, PG_ACK, 1001, 5001, 65535, NULL, 100);
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(a_find(r, 41200)->an.retransmissions[0], 9);
    assert_string_equal(a_find(r, 41200)->an.history, "ShADT");
    assert_int_equal(a_find(r, 41201)->an.retransmissions[0], 10);
    assert_string_equal(a_find(r, 41201)->an.history, "ShADTT");
    a_done(e);
    free(r);
}

/* A flow first taken the wrong way round (mid-stream data from A, no service port) is turned
 * round by a SYN from B: everything kept per direction follows (the retransmission A sent is now
 * the server's; A's sizes are the server's; the first packets' directions flip); the history
 * letters change case and start with '^' (Zeek: direction flipped). */
static void orientation_swap(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "orientation_swap", NULL);
    tconn c = tc(e, CLI, 40140, SRV, 50000, 1000, 5000); /* CLI taken as the client */
    seg(&c, T0, 0, PG_ACK, 1000, 5000, 65535, NULL, 100);
    seg(&c, T0 + 500 * MS, 0, PG_ACK, 1000, 5000, 65535, NULL, 100); /* retransmission */
    seg(&c, T0 + 600 * MS, 1, PG_SYN, 9000, 0, 65535, NULL, 0);       /* SRV is the client */
    assert_int_equal(ntc_engine_flush(e), 0);
    const a_flow *f = &r->flows[0];
    h_assert_key(f->fi, SRV, 50000, CLI, 40140);
    HEALTH(&f->an, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0);
    assert_int_equal(f->an.len_min[1], 140);
    assert_int_equal(f->an.len_max[1], 140);
    assert_int_equal(f->an.iat_min_us[1], 500000);
    assert_int_equal(f->an.len_min[0], 40);
    assert_int_equal(f->nfirst, 3);
    assert_int_equal(f->first[0].direction, 1);
    assert_int_equal(f->first[1].direction, 1);
    assert_int_equal(f->first[2].direction, 0);
    /* Where Zeek puts the '^' is not asserted: only that it is there once, and the letters. */
    char letters[32];
    size_t n = 0, carets = 0;
    for (const char *p = f->an.history; *p; p++) {
        if (*p == '^')
            carets++;
        else if (n + 1 < sizeof(letters))
            letters[n++] = *p;
    }
    letters[n] = 0;
    assert_int_equal(carets, 1);
    assert_string_equal(letters, "dtS");
    a_done(e);
    free(r);
}

/* UDP: S0 when only the client sent, SF when both did, SHR when only the server did. */
static void conn_states_udp(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "conn_states_udp", NULL);
    udp(e, T0, CLI, 42000, SRV, 53, NULL, 20);
    udp(e, T0, CLI, 42001, SRV, 53, NULL, 20);
    udp(e, T0 + MS, SRV, 53, CLI, 42001, NULL, 40);
    udp(e, T0 + 2 * MS, SRV, 53, CLI, 42002, NULL, 40); /* a reply alone: 42002 is the client */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(a_find(r, 42000)->an.conn_state, NTC_CONN_S0);
    assert_string_equal(a_find(r, 42000)->text, "no reply from the server");
    assert_json_field(a_find(r, 42000)->json, "CONN_STATE", "\"S0\"");
    assert_int_equal(a_find(r, 42001)->an.conn_state, NTC_CONN_SF);
    assert_string_equal(a_find(r, 42001)->text, "traffic both ways");
    assert_int_equal(a_find(r, 42002)->an.conn_state, NTC_CONN_SHR);
    assert_string_equal(a_find(r, 42002)->text, "only the server sent");
    /* No TCP fields in UDP records. */
    assert_json_no_field(a_find(r, 42001)->json, "CONN_HISTORY");
    assert_json_no_field(a_find(r, 42001)->json, "RETRANSMITTED_IN_PKTS");
    assert_string_equal(a_find(r, 42001)->an.history, "");
    a_done(e);
    free(r);
}

/* ---- Community ID ---------------------------------------------------------------------------- */

/* Expected values computed with this independent Python implementation of the Community ID v1
 * specification (github.com/corelight/community-id-spec), which reproduces the specification's own
 * vector (128.232.110.120:34855 -> 66.35.250.204:80 TCP = 1:LQU9qZlK+B5F3KDmev6m5PMibrg=):
 *
 *   import base64, hashlib, ipaddress, struct
 *   ICMP4 = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
 *   ICMP6 = {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130,
 *            139: 140, 140: 139, 144: 145, 145: 144}
 *   def cid(src, dst, proto, sport, dport, seed=0):   # ICMP: sport = type, dport = code
 *       s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
 *       one_way = False
 *       if proto in (1, 58):
 *           m = ICMP4 if proto == 1 else ICMP6
 *           if sport in m: dport = m[sport]
 *           else: one_way = True
 *       if not one_way and (s > d or (s == d and sport > dport)):
 *           s, d, sport, dport = d, s, dport, sport
 *       data = (struct.pack('!H', seed) + s + d + struct.pack('!BB', proto, 0)
 *               + struct.pack('!HH', sport, dport))
 *       return '1:' + base64.b64encode(hashlib.sha1(data).digest()).decode()
 *
 *   cid('10.0.0.1', '192.0.2.80', 6, 40000, 80)        1:F8XoYKHgV/9QxD9b9qA9abCXdtI=
 *   cid('10.0.0.1', '192.0.2.80', 6, 40000, 80, 4242)  1:6AL+5xXagYO7EOGI8rnDnzBgRHo=
 *   cid('2001:db8::1', '2001:db8::53', 17, 53000, 53)  1:p2WBFbz+SRMmv0mLBp8H+ZCQ/2M=
 *   cid('10.0.0.1', '192.0.2.80', 1, 8, 0)             1:heVWTTR0Si1fWFgHbFYARFY5Kr4=
 *   cid('192.0.2.80', '10.0.0.1', 1, 0, 0)             1:heVWTTR0Si1fWFgHbFYARFY5Kr4=
 *   cid('192.0.2.254', '10.0.0.1', 1, 3, 1)            1:qghCPbywEtLp6UOFpTorc3epBCA=
 *   cid('2001:db8::1', '2001:db8::53', 58, 128, 0)     1:vblZvuUgdYLq7p3Hc73wlvY78Y0=
 */
#define CID_TCP4 "1:F8XoYKHgV/9QxD9b9qA9abCXdtI="
#define CID_TCP4_SEED4242 "1:6AL+5xXagYO7EOGI8rnDnzBgRHo="
#define CID_UDP6 "1:p2WBFbz+SRMmv0mLBp8H+ZCQ/2M="
#define CID_ICMP_ECHO "1:heVWTTR0Si1fWFgHbFYARFY5Kr4="
#define CID_ICMP_UNREACH "1:qghCPbywEtLp6UOFpTorc3epBCA="
#define CID_ICMP6_ECHO "1:vblZvuUgdYLq7p3Hc73wlvY78Y0="

static void icmp(ntc_engine *e, uint64_t t, const char *src, const char *dst, uint8_t type,
                 uint8_t code, uint16_t id)
{
    h_l2l3(&a_pkt, 0, src, dst, 0);
    if (h_ip(src).v == 4)
        pg_icmp(&a_pkt, type, code, id, 1);
    else
        pg_icmp6(&a_pkt, type, code, id, 1);
    pg_fill(&a_pkt, 0x42, 28);
    h_finish(&a_pkt);
    a_feed(e, t, &a_pkt);
}

/* Feed the flows of the Community ID vectors (seed 0) into e. */
static void cid_traffic(ntc_engine *e)
{
    tconn c = tc(e, CLI, 40000, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, MS, MS);
    udp(e, t += MS, "2001:db8::53", 53, "2001:db8::1", 53000, NULL, 30); /* the answer first */
    udp(e, t += MS, "2001:db8::1", 53000, "2001:db8::53", 53, NULL, 30);
    icmp(e, t += MS, "192.0.2.254", CLI, 3, 1, 0); /* port unreachable: one-way */
    icmp(e, t += MS, "2001:db8::1", "2001:db8::53", 128, 0, 9);
    icmp(e, t += MS, "2001:db8::53", "2001:db8::1", 129, 0, 9);
}

static const a_flow *find_proto(const a_rec *r, int proto, int ipv)
{
    for (int i = 0; i < r->n; i++)
        if (r->flows[i].fi.l4_proto == proto && r->flows[i].fi.ip_version == ipv)
            return &r->flows[i];
    fail_msg("no flow of protocol %d IPv%d", proto, ipv);
    return NULL;
}

static void community_id_vectors(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "community_id", NULL);
    cid_traffic(e);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_string_equal(find_proto(r, 6, 4)->an.community_id, CID_TCP4);
    assert_string_equal(find_proto(r, 17, 6)->an.community_id, CID_UDP6);
    assert_string_equal(find_proto(r, 1, 4)->an.community_id, CID_ICMP_UNREACH);
    assert_string_equal(find_proto(r, 58, 6)->an.community_id, CID_ICMP6_ECHO);
    assert_json_field(find_proto(r, 17, 6)->json, "COMMUNITY_ID", "\"" CID_UDP6 "\"");
    a_done(e);

    /* An echo request alone and its reply alone (two engines): the same ID. */
    for (int k = 0; k < 2; k++) {
        e = a_engine(r, k ? "community_id_reply" : "community_id_request", NULL);
        if (k == 0)
            icmp(e, T0, CLI, SRV, 8, 0, 77);
        else
            icmp(e, T0, SRV, CLI, 0, 0, 77);
        assert_int_equal(ntc_engine_flush(e), 0);
        assert_int_equal(r->n, 1);
        assert_string_equal(r->flows[0].an.community_id, CID_ICMP_ECHO);
        a_done(e);
    }

    /* A non-zero seed. */
    e = a_engine(r, "community_id_seed", "flow.community_id_seed", "4242", NULL);
    tconn c = tc(e, CLI, 40000, SRV, 80, 1000, 5000);
    handshake(&c, T0, MS, MS);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_string_equal(r->flows[0].an.community_id, CID_TCP4_SEED4242);
    a_done(e);
    free(r);
}

/* The same flows written to a capture file: tshark's own Community ID (communityid dissector,
 * tshark --enable-protocol communityid) must give the values above. Skipped without tshark. */
static void community_id_vs_tshark(void **state)
{
    (void)state;
    if (access("/usr/bin/tshark", X_OK) != 0) {
        print_message("tshark not installed: skipped\n");
        skip();
    }
    char dir[] = "/tmp/ntc-anatest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], cmd[512];
    snprintf(path, sizeof(path), "%s/cid.pcap", dir);
    ntc_engine *e = a_engine(NULL, "community_id_tshark", NULL);
    if (a_dump) /* ANATEST_PCAP_DIR: this capture goes to our file instead */
        assert_int_equal(pg_pcap_close(a_dump), 0);
    a_dump = pg_pcap_open(path, 1, 65535);
    assert_non_null(a_dump);
    cid_traffic(e);
    a_done(e);
    snprintf(cmd, sizeof(cmd),
             "/usr/bin/tshark -n -r %s --enable-protocol communityid -T fields -e communityid "
             "2>/dev/null | sort -u",
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[128], got[8][128];
    int n = 0;
    while (n < 8 && fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\r\n")] = 0;
        snprintf(got[n++], sizeof(got[0]), "%s", line);
    }
    assert_int_equal(pclose(p), 0);
    unlink(path);
    rmdir(dir);
    /* sort -u of the four IDs: */
    const char *want[4] = {CID_TCP4, CID_ICMP6_ECHO, CID_UDP6, CID_ICMP_UNREACH};
    assert_int_equal(n, 4);
    for (int i = 0; i < 4; i++) {
        int found = 0;
        for (int k = 0; k < n; k++)
            found |= strcmp(got[k], want[i]) == 0;
        if (!found)
            fail_msg("tshark did not give %s", want[i]);
    }
}

/* ---- statistics ------------------------------------------------------------------------------ */

/* Sizes 38, 58, 78 (IP bytes) at 0, 100, 400 ms from the client, one 128-byte answer: mean 58,
 * population standard deviation sqrt(800/3); gaps 100 and 300 ms: mean 200, deviation 100. */
static void size_and_iat_stats(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "size_iat", NULL);
    udp(e, T0, CLI, 43000, SRV, 9999, NULL, 10);
    udp(e, T0 + 100 * MS, CLI, 43000, SRV, 9999, NULL, 30);
    udp(e, T0 + 250 * MS, SRV, 9999, CLI, 43000, NULL, 100);
    udp(e, T0 + 400 * MS, CLI, 43000, SRV, 9999, NULL, 50);
    assert_int_equal(ntc_engine_flush(e), 0);
    const ntc_flow_analytics *a = &r->flows[0].an;
    assert_int_equal(a->len_min[0], 38);
    assert_int_equal(a->len_max[0], 78);
    assert_double(a->len_mean[0], 58.0);
    assert_double(a->len_stddev[0], sqrt(800.0 / 3.0));
    assert_int_equal(a->iat_min_us[0], 100000);
    assert_int_equal(a->iat_max_us[0], 300000);
    assert_double(a->iat_mean_us[0], 200000.0);
    assert_double(a->iat_stddev_us[0], 100000.0);
    assert_int_equal(a->len_min[1], 128);
    assert_int_equal(a->len_max[1], 128);
    assert_double(a->len_mean[1], 128.0);
    assert_double(a->len_stddev[1], 0.0);
    assert_int_equal(a->iat_min_us[1], 0); /* one packet: no gap */
    assert_int_equal(a->iat_max_us[1], 0);
    assert_double(a->iat_mean_us[1], 0.0);
    const char *j = r->flows[0].json;
    assert_json_field(j, "SRC_TO_DST_PKT_LEN_MIN", "38");
    assert_json_field(j, "SRC_TO_DST_PKT_LEN_MAX", "78");
    assert_json_field(j, "SRC_TO_DST_PKT_LEN_AVG", "58.0");
    assert_json_field(j, "SRC_TO_DST_PKT_LEN_STDDEV", "16.3");
    assert_json_field(j, "SRC_TO_DST_IAT_MIN_MS", "100.000");
    assert_json_field(j, "SRC_TO_DST_IAT_MAX_MS", "300.000");
    assert_json_field(j, "SRC_TO_DST_IAT_AVG_MS", "200.000");
    assert_json_field(j, "SRC_TO_DST_IAT_STDDEV_MS", "100.000");
    assert_json_field(j, "DST_TO_SRC_PKT_LEN_MIN", "128");
    assert_json_no_field(j, "DST_TO_SRC_IAT_MIN_MS");
    assert_json_field(j, "LONGEST_FLOW_PKT", "128");
    assert_json_field(j, "SHORTEST_FLOW_PKT", "38");
    a_done(e);
    free(r);
}

/* flow.first_packets = 3: the first three packets' sizes, directions and gaps (to the flow's
 * previous packet, whatever its direction). */
static void first_packets(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "first_packets", "flow.first_packets", "3", NULL);
    udp(e, T0, CLI, 43100, SRV, 9999, NULL, 10);              /* 38 */
    udp(e, T0 + 7 * MS, SRV, 9999, CLI, 43100, NULL, 200);   /* 228 */
    udp(e, T0 + 7 * MS + 250, CLI, 43100, SRV, 9999, NULL, 0); /* 28 */
    udp(e, T0 + 20 * MS, CLI, 43100, SRV, 9999, NULL, 5);
    udp(e, T0 + 30 * MS, SRV, 9999, CLI, 43100, NULL, 5);
    assert_int_equal(ntc_engine_flush(e), 0);
    const a_flow *f = &r->flows[0];
    assert_int_equal(f->an.first_count, 3);
    assert_int_equal(f->nfirst, 3);
    static const ntc_packet_sample want[3] = {{0, 38, 0, 0}, {7000, 228, 1, 0}, {250, 28, 0, 0}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f->first[i].iat_us, want[i].iat_us);
        assert_int_equal(f->first[i].ip_len, want[i].ip_len);
        assert_int_equal(f->first[i].direction, want[i].direction);
    }
    assert_json_field(f->json, "FIRST_PKTS_DIR", "[0,1,0]");
    assert_json_field(f->json, "FIRST_PKTS_LEN", "[38,228,28]");
    assert_json_field(f->json, "FIRST_PKTS_IAT_MS", "[0.000,7.000,0.250]");
    a_done(e);
    free(r);
}

/* The default keeps 10; a caller's smaller array gets fewer. */
static void first_packets_default(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "first_packets_default", NULL);
    for (int i = 0; i < 12; i++)
        udp(e, T0 + (uint64_t)i * MS, CLI, 43200, SRV, 9999, NULL, (size_t)i);
    a_rec *live = a_rec_new();
    a_live(e, live);
    assert_int_equal(live->n, 1);
    assert_int_equal(live->flows[0].an.first_count, 10);
    assert_int_equal(live->flows[0].nfirst, 10);
    assert_int_equal(live->flows[0].first[9].ip_len, 28 + 9);
    assert_int_equal(live->flows[0].first[9].iat_us, 1000);
    a_done(e);
    free(live);
    free(r);
}

/* Throughput: the rate of the last whole second of packet time and the highest one, per direction,
 * as of the engine clock when the flow is handed out. */
static void throughput(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "throughput", NULL);
    /* second 0: client 3 x 100 bytes, server 1 x 1000; second 1: client 1 x 100. */
    for (int i = 0; i < 3; i++)
        udp(e, T0 + (uint64_t)i * 100 * MS, CLI, 43300, SRV, 9999, NULL, 72);
    udp(e, T0 + 500 * MS, SRV, 9999, CLI, 43300, NULL, 972);
    udp(e, T0 + SEC + 200 * MS, CLI, 43300, SRV, 9999, NULL, 72);
    a_rec *live = a_rec_new();
    h_advance(e, T0 + 1500 * MS);
    a_live(e, live);
    const ntc_flow_analytics *a = &live->flows[0].an;
    assert_double(a->bps[0], 300 * 8);
    assert_double(a->pps[0], 3);
    assert_double(a->bps[1], 1000 * 8);
    assert_double(a->pps[1], 1);
    assert_double(a->peak_bps[0], 300 * 8);
    assert_double(a->peak_pps[0], 3);
    assert_double(a->peak_bps[1], 1000 * 8);
    assert_double(a->peak_pps[1], 1);
    h_advance(e, T0 + 2500 * MS);
    a_live(e, live);
    assert_double(a->bps[0], 100 * 8);
    assert_double(a->pps[0], 1);
    assert_double(a->bps[1], 0);
    assert_double(a->pps[1], 0);
    assert_double(a->peak_bps[0], 300 * 8);
    assert_double(a->peak_pps[0], 3);
    assert_double(a->peak_bps[1], 1000 * 8);
    h_advance(e, T0 + 5 * SEC);
    a_live(e, live);
    assert_double(a->bps[0], 0);
    assert_double(a->peak_bps[0], 300 * 8);
    /* A busier second later raises the peak. */
    for (int i = 0; i < 5; i++)
        udp(e, T0 + 6 * SEC + (uint64_t)i * MS, CLI, 43300, SRV, 9999, NULL, 72);
    h_advance(e, T0 + 7 * SEC);
    a_live(e, live);
    assert_double(a->bps[0], 500 * 8);
    assert_double(a->pps[0], 5);
    assert_double(a->peak_bps[0], 500 * 8);
    assert_double(a->peak_pps[0], 5);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_json_field(r->flows[0].json, "SRC_TO_DST_MAX_THROUGHPUT", "4000");
    assert_json_field(r->flows[0].json, "DST_TO_SRC_MAX_THROUGHPUT", "8000");
    a_done(e);
    free(live);
    free(r);
}

/* ---- hosts and interface --------------------------------------------------------------------- */

/* Local host 10.0.0.1 talks to remote 192.0.2.80 (a retransmission each way, a zero window and a
 * keep-alive from the server, a lost segment from the client) and to local 10.0.0.2 (one
 * retransmission from 10.0.0.2). Each local host counts what it sent [0] and received [1]; the
 * remote host keeps nothing; upload/download is only the traffic with the remote host. */
static void host_and_iface_rollups(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "host_rollups", "host.local_networks", "10.0.0.0/24", NULL);
    tconn c = tc(e, CLI, 44000, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);               /* c 40+40, s 40 */
    snd(&c, t += MS, 0, PG_ACK, NULL, 100);                         /* c 140 */
    seg(&c, t += 300 * MS, 0, PG_ACK, 1001, 5001, 65535, NULL, 100); /* c 140 retrans */
    seg(&c, t += MS, 0, PG_ACK, 1201, 5001, 65535, NULL, 100);      /* c 140 lost */
    seg(&c, t += MS, 1, PG_ACK, 5001, 1301, 0, NULL, 0);            /* s 40 zero window */
    seg(&c, t += MS, 1, PG_ACK, 5001, 1301, 65535, NULL, 200);      /* s 240 */
    seg(&c, t += 300 * MS, 1, PG_ACK, 5001, 1301, 65535, NULL, 200); /* s 240 retrans */
    seg(&c, t += 10 * SEC, 1, PG_ACK, 5200, 1301, 65535, NULL, 0);   /* s 40 keep-alive */
    tconn l = tc(e, CLI, 44001, "10.0.0.2", 22, 1000, 5000);
    t = handshake(&l, t + MS, 10 * MS, 2 * MS);                     /* 10.0.0.1 80, .2 40 */
    snd(&l, t += MS, 1, PG_ACK, NULL, 60);                          /* .2 100 */
    seg(&l, t += 300 * MS, 1, PG_ACK, 5001, 1001, 65535, NULL, 60); /* .2 100 retrans */
    ntc_host_info hc, hl, hr;
    assert_int_equal(h_find_host(e, CLI, 0, &hc), 1);
    assert_int_equal(h_find_host(e, "10.0.0.2", 0, &hl), 1);
    assert_int_equal(h_find_host(e, SRV, 0, &hr), 1);
    assert_int_equal(hc.is_local, 1);
    assert_int_equal(hr.is_local, 0);
    /* 10.0.0.1 sent: 1 retransmission, 1 lost; received: 1+1 retransmissions, 1 zero window, 1
     * keep-alive. */
    assert_int_equal(hc.tcp_retransmissions[0], 1);
    assert_int_equal(hc.tcp_retransmissions[1], 2);
    assert_int_equal(hc.tcp_lost_segments[0], 1);
    assert_int_equal(hc.tcp_lost_segments[1], 0);
    assert_int_equal(hc.tcp_zero_windows[0], 0);
    assert_int_equal(hc.tcp_zero_windows[1], 1);
    assert_int_equal(hc.tcp_keepalives[0], 0);
    assert_int_equal(hc.tcp_keepalives[1], 1);
    assert_int_equal(hc.tcp_out_of_order[0], 0);
    assert_int_equal(hc.tcp_out_of_order[1], 0);
    assert_int_equal(hl.tcp_retransmissions[0], 1);
    assert_int_equal(hl.tcp_retransmissions[1], 0);
    assert_int_equal(hl.tcp_zero_windows[1], 0);
    /* The remote host keeps none of it. */
    assert_int_equal(hr.tcp_retransmissions[0], 0);
    assert_int_equal(hr.tcp_retransmissions[1], 0);
    assert_int_equal(hr.tcp_zero_windows[0], 0);
    assert_int_equal(hr.upload_bytes, 0);
    assert_int_equal(hr.download_bytes, 0);
    /* Upload: 10.0.0.1 to the remote host 40+40+140*3 = 500; download: 40+40+240*2+40 = 600. */
    assert_int_equal(hc.upload_bytes, 500);
    assert_int_equal(hc.download_bytes, 600);
    assert_int_equal(hc.bytes_sent, 500 + 80);
    assert_int_equal(hl.upload_bytes, 0);
    assert_int_equal(hl.download_bytes, 0);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.tcp_retransmissions, 3);
    assert_int_equal(st.tcp_lost_segments, 1);
    assert_int_equal(st.tcp_zero_windows, 1);
    assert_int_equal(st.tcp_keepalives, 1);
    assert_int_equal(st.tcp_out_of_order, 0);
    a_done(e);
    free(r);
}

/* Host throughput: what a local host sent and received in the last whole second, and its peak. */
static void host_throughput(void **state)
{
    (void)state;
    ntc_engine *e = a_engine(NULL, "host_throughput", "host.local_networks", "10.0.0.0/24", NULL);
    for (int i = 0; i < 4; i++)
        udp(e, T0 + (uint64_t)i * 10 * MS, CLI, 43400, SRV, 9999, NULL, 72); /* 4 x 100 */
    udp(e, T0 + 50 * MS, SRV, 9999, CLI, 43400, NULL, 472);                 /* 500 */
    udp(e, T0 + SEC, CLI, 43400, SRV, 9999, NULL, 72);                      /* 100 */
    h_advance(e, T0 + 1500 * MS);
    ntc_host_info h;
    assert_int_equal(h_find_host(e, CLI, 0, &h), 1);
    assert_double(h.bps[0], 400 * 8);
    assert_double(h.pps[0], 4);
    assert_double(h.bps[1], 500 * 8);
    assert_double(h.pps[1], 1);
    assert_double(h.peak_bps[0], 400 * 8);
    assert_double(h.peak_pps[1], 1);
    h_advance(e, T0 + 2500 * MS);
    assert_int_equal(h_find_host(e, CLI, 0, &h), 1);
    assert_double(h.bps[0], 100 * 8);
    assert_double(h.pps[0], 1);
    assert_double(h.bps[1], 0);
    assert_double(h.peak_bps[0], 400 * 8);
    assert_double(h.peak_bps[1], 500 * 8);
    assert_int_equal(h.upload_bytes, 500);
    assert_int_equal(h.download_bytes, 500);
    a_done(e);
}

/* ---- analytics off --------------------------------------------------------------------------- */

static void analytics_off(void **state)
{
    (void)state;
    a_rec *r = a_rec_new();
    ntc_engine *e = a_engine(r, "analytics_off", "flow.analytics", "false",
                             "host.local_networks", "10.0.0.0/24", NULL);
    tconn c = tc(e, CLI, 40000, SRV, 80, 1000, 5000);
    uint64_t t = handshake(&c, T0, 10 * MS, 2 * MS);
    snd(&c, t += MS, 0, PG_ACK, NULL, 100);
    seg(&c, t += 300 * MS, 0, PG_ACK, 1001, 5001, 65535, NULL, 100); /* retransmission */
    udp(e, t += MS, CLI, 45000, SRV, 53, NULL, 20);
    ntc_host_info hc;
    assert_int_equal(h_find_host(e, CLI, 0, &hc), 1);
    assert_int_equal(hc.tcp_retransmissions[0], 0);
    assert_int_equal(hc.bytes_sent, 40 + 40 + 140 + 140 + 48);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->n, 2);
    for (int i = 0; i < 2; i++) {
        const a_flow *f = &r->flows[i];
        ntc_flow_analytics zero;
        memset(&zero, 0, sizeof(zero));
        zero.size = sizeof(zero);
        assert_int_equal(f->an.available, 0);
        assert_memory_equal(&f->an, &zero, sizeof(zero));
        assert_int_equal(f->nfirst, 0);
        static const char *const absent[] = {
            "FLOW_STATE", "CONN_STATE", "CONN_HISTORY", "COMMUNITY_ID", "RETRANSMITTED_IN_PKTS",
            "OOORDER_IN_PKTS", "CLIENT_NW_LATENCY_MS", "SERVER_NW_LATENCY_MS", "LONGEST_FLOW_PKT",
            "SRC_TO_DST_MAX_THROUGHPUT", "FIRST_PKTS_LEN", "SRC_TO_DST_PKT_LEN_MIN"};
        for (size_t k = 0; k < sizeof(absent) / sizeof(absent[0]); k++)
            assert_json_no_field(f->json, absent[k]);
        assert_json_field(f->json, "IN_PKTS", f->fi.l4_proto == 6 ? "4" : "1");
    }
    /* Flow state text still answers, from the TCP state. */
    assert_string_equal(a_find(r, 40000)->text, "established");
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.tcp_retransmissions, 0);
    a_done(e);
    free(r);
}

/* An output struct shorter than the current one is filled up to its size only; one shorter than
 * the fields before the counters is refused. */
static int short_struct_cb(void *u, const ntc_flow *f)
{
    (void)u;
    ntc_flow_analytics a;
    memset(&a, 0x5a, sizeof(a));
    a.size = offsetof(ntc_flow_analytics, history);
    assert_int_equal(ntc_flow_get_analytics(f, &a), 0);
    assert_int_equal(a.size, offsetof(ntc_flow_analytics, history));
    assert_int_equal(a.available, 1);
    assert_int_equal(a.conn_state, NTC_CONN_S0);
    for (size_t i = offsetof(ntc_flow_analytics, history); i < sizeof(a); i++)
        assert_int_equal(((const uint8_t *)&a)[i], 0x5a);
    a.size = offsetof(ntc_flow_analytics, retransmissions) - 1;
    assert_int_equal(ntc_flow_get_analytics(f, &a), NTC_EINVAL);
    assert_int_equal(ntc_flow_get_analytics(NULL, &a), NTC_EINVAL);
    assert_int_equal(ntc_flow_first_packets(f, NULL, 4), 0);
    return 0;
}

static void analytics_short_struct(void **state)
{
    (void)state;
    ntc_engine *e = a_engine(NULL, "analytics_short", NULL);
    udp(e, T0, CLI, 45100, SRV, 53, NULL, 20);
    assert_int_equal(ntc_engine_foreach_flow(e, short_struct_cb, NULL), 0);
    a_done(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_connection),
        cmocka_unit_test(retransmission_plain),
        cmocka_unit_test(retransmission_syn),
        cmocka_unit_test(history_syn_retransmission),
        cmocka_unit_test(latency_syn_again_after_synack),
        cmocka_unit_test(retransmission_fast_and_dup_acks),
        cmocka_unit_test(retransmission_spurious),
        cmocka_unit_test(out_of_order_handshake_rtt),
        cmocka_unit_test(out_of_order_default_3ms),
        cmocka_unit_test(lost_segments),
        cmocka_unit_test(zero_window_and_probes),
        cmocka_unit_test(keepalives),
        cmocka_unit_test(sequence_wraparound),
        cmocka_unit_test(sequence_wrap_exactly_2_32),
        cmocka_unit_test(port_reuse),
        cmocka_unit_test(latency_cutoff_default),
        cmocka_unit_test(latency_cutoff_configured),
        cmocka_unit_test(latency_http),
        cmocka_unit_test(latency_dns),
        cmocka_unit_test(latency_tls),
        cmocka_unit_test(conn_states_tcp),
        cmocka_unit_test(conn_states_udp),
        cmocka_unit_test(history_odd_flags),
        cmocka_unit_test(history_scaled_letters),
        cmocka_unit_test(orientation_swap),
        cmocka_unit_test(community_id_vectors),
        cmocka_unit_test(community_id_vs_tshark),
        cmocka_unit_test(size_and_iat_stats),
        cmocka_unit_test(first_packets),
        cmocka_unit_test(first_packets_default),
        cmocka_unit_test(throughput),
        cmocka_unit_test(host_and_iface_rollups),
        cmocka_unit_test(host_throughput),
        cmocka_unit_test(analytics_off),
        cmocka_unit_test(analytics_short_struct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
