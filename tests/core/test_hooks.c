/* Engine callbacks of version 2: the per-packet callback (every packet, its flow or NULL, the
 * direction, the frame as given) and flow_verdict (once per flow, before the packet that completed
 * the verdict is reported), and version-1 tables still accepted (read no further than they go). */
#include "ntc_harness.h"

#define MS 1000ULL
#define MAX_EV 256

enum { EV_PACKET = 1, EV_VERDICT, EV_END };

typedef struct ev {
    int kind;
    int dir;
    int has_flow;
    uint64_t flow_id;
    uint64_t flow_pkts;     /* the flow's packet count when the event came */
    int how;                /* the flow's verdict kind then */
    uint64_t ts;
    int linktype;
    const uint8_t *data;
    uint32_t caplen, wirelen;
} ev;

typedef struct rec {
    ev ev[MAX_EV];
    int n;
    ntc_engine *e;
    int reentry;            /* NTC_ESTATE answers to an ingest from inside the callback */
} rec;

static void note_flow(ev *v, const ntc_flow *f)
{
    v->has_flow = f != NULL;
    if (!f)
        return;
    ntc_flow_info fi = {.size = sizeof(fi)};
    assert_int_equal(ntc_flow_get_info(f, &fi), 0);
    v->flow_id = fi.id;
    v->flow_pkts = fi.cli2srv_packets + fi.srv2cli_packets;
    ntc_flow_l7 l = {.size = sizeof(l)};
    assert_int_equal(ntc_flow_get_l7(f, &l), 0);
    v->how = l.how;
}

static void on_packet(void *u, const ntc_flow *f, int dir, uint64_t ts, int lt, const uint8_t *data,
                      uint32_t caplen, uint32_t wirelen)
{
    rec *r = u;
    assert_true(r->n < MAX_EV);
    ev *v = &r->ev[r->n++];
    memset(v, 0, sizeof(*v));
    v->kind = EV_PACKET;
    v->dir = dir;
    v->ts = ts;
    v->linktype = lt;
    v->data = data;
    v->caplen = caplen;
    v->wirelen = wirelen;
    note_flow(v, f);
    if (r->e)
        r->reentry += ntc_engine_ingest(r->e, NTC_LINKTYPE_ETHERNET, ts, data, caplen, wirelen) ==
                      NTC_ESTATE;
}

static void on_verdict(void *u, const ntc_flow *f)
{
    rec *r = u;
    assert_true(r->n < MAX_EV);
    ev *v = &r->ev[r->n++];
    memset(v, 0, sizeof(*v));
    v->kind = EV_VERDICT;
    note_flow(v, f);
}

static void on_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    rec *r = u;
    (void)why;
    assert_true(r->n < MAX_EV);
    ev *v = &r->ev[r->n++];
    memset(v, 0, sizeof(*v));
    v->kind = EV_END;
    note_flow(v, f);
}

static ntc_engine *engine(rec *r, const char *dpi)
{
    ntc_engine *e = h_engine(NULL, "dpi.enable", dpi, NULL);
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_end, .packet = on_packet,
                        .flow_verdict = on_verdict};
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, r), 0);
    return e;
}

static int count(const rec *r, int kind)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->ev[i].kind == kind;
    return n;
}

/* Every packet is reported once, with its flow and direction, or without a flow. */
static void packet_callback_every_packet(void **state)
{
    (void)state;
    rec *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    ntc_engine *e = engine(r, "false");
    pg_pkt *p = malloc(sizeof(*p));
    assert_non_null(p);

    /* 1, 2: a UDP exchange (client to server, then back) */
    h_build_udp(p, 0, "10.0.0.1", 40000, "10.0.0.2", 53, 20);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, T0, p->data, (uint32_t)p->len, 0), 0);
    const uint8_t *first_data = p->data;
    uint32_t first_len = (uint32_t)p->len;
    h_build_udp(p, 0, "10.0.0.2", 53, "10.0.0.1", 40000, 30);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, T0 + MS, p->data,
                                       (uint32_t)p->len, (uint32_t)p->len + 100), 0);
    /* 3: ARP (no flow) */
    pg_init(p);
    pg_eth(p, PG_MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), PG_MAC(2, 0, 0, 0, 0, 1), 0);
    pg_arp(p, 1, PG_MAC(2, 0, 0, 0, 0, 1), PG_IP4(10, 0, 0, 1), PG_MAC(0, 0, 0, 0, 0, 0),
           PG_IP4(10, 0, 0, 2));
    h_finish(p);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, T0 + 2 * MS, p->data, (uint32_t)p->len, 0), 0);
    /* 4: a truncated IPv4 header (malformed, no flow) */
    h_build_udp(p, 0, "10.0.0.1", 40000, "10.0.0.2", 53, 20);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, T0 + 3 * MS, p->data, 20, 60), 0);
    /* 5: an unknown link type (no flow; ingest says NTC_ENOTSUP) */
    assert_int_equal(ntc_engine_ingest(e, 147, T0 + 4 * MS, p->data, (uint32_t)p->len, 0),
                     NTC_ENOTSUP);
    /* 6: raw IP given as DLT_RAW (12): reported as NTC_LINKTYPE_RAW, in the UDP flow */
    assert_int_equal(ntc_engine_ingest(e, 12, T0 + 5 * MS, p->data + 14, (uint32_t)p->len - 14, 0), 0);

    assert_int_equal(r->n, 7); /* 6 packets + the verdict of the UDP flow (DPI off: at creation) */
    assert_int_equal(r->ev[0].kind, EV_VERDICT);
    assert_int_equal(r->ev[0].flow_pkts, 0); /* before its first packet is accounted */
    assert_int_equal(r->ev[0].how, NTC_L7_OFF);
    ev *v = &r->ev[1];
    assert_int_equal(v->kind, EV_PACKET);
    assert_true(v->has_flow);
    assert_int_equal(v->dir, 0);
    assert_int_equal(v->flow_pkts, 1); /* counters include the packet */
    assert_true(v->ts == T0);
    assert_int_equal(v->linktype, NTC_LINKTYPE_ETHERNET);
    assert_ptr_equal(v->data, first_data);
    assert_int_equal(v->caplen, first_len);
    assert_int_equal(v->wirelen, first_len); /* wirelen 0 means caplen */
    v = &r->ev[2];
    assert_true(v->has_flow);
    assert_true(v->flow_id == r->ev[1].flow_id);
    assert_int_equal(v->dir, 1);
    assert_int_equal(v->flow_pkts, 2);
    assert_int_equal(v->wirelen, v->caplen + 100);
    for (int i = 3; i <= 5; i++) {
        assert_int_equal(r->ev[i].kind, EV_PACKET);
        assert_false(r->ev[i].has_flow);
        assert_int_equal(r->ev[i].dir, -1);
    }
    assert_int_equal(r->ev[4].caplen, 20);
    assert_int_equal(r->ev[4].wirelen, 60);
    assert_int_equal(r->ev[5].linktype, 147);
    v = &r->ev[6];
    assert_int_equal(v->linktype, NTC_LINKTYPE_RAW);
    assert_true(v->has_flow);
    assert_true(v->flow_id == r->ev[1].flow_id);
    assert_int_equal(v->dir, 0);
    assert_int_equal(v->flow_pkts, 3);
    assert_int_equal(r->reentry, 0);

    /* Calls back into the engine from the packet callback are refused. */
    r->e = e;
    h_build_udp(p, 0, "10.0.0.1", 40000, "10.0.0.2", 53, 20);
    h_feed(e, T0 + 6 * MS, p);
    assert_int_equal(r->reentry, 1);
    assert_int_equal(h_stats(e).packets, 7);

    ntc_engine_free(e);
    free(p);
    free(r);
}

/* ---- a TCP conversation with DPI on ---- */

static pg_pkt g_pkt;

typedef struct conv {
    ntc_engine *e;
    const char *ip[2];
    uint16_t port[2];
    uint32_t seq[2];
    uint64_t ts;
} conv;

static void tcp_send(conv *c, int dir, uint8_t flags, const char *data)
{
    size_t len = data ? strlen(data) : 0;
    h_l2l3(&g_pkt, 0, c->ip[dir], c->ip[1 - dir], 0);
    pg_tcp_opt o;
    memset(&o, 0, sizeof(o));
    o.flags = flags;
    o.seq = c->seq[dir];
    o.ack = (flags & PG_ACK) ? c->seq[1 - dir] : 0;
    o.win = 65535;
    pg_tcp(&g_pkt, c->port[dir], c->port[1 - dir], &o);
    if (len)
        pg_data(&g_pkt, data, len);
    h_finish(&g_pkt);
    h_feed(c->e, c->ts, &g_pkt);
    c->ts += MS;
    c->seq[dir] += (uint32_t)len + ((flags & (PG_SYN | PG_FIN)) ? 1u : 0u);
}

/* flow_verdict comes once per flow: before the packet that completed the verdict is reported,
 * and before flow_end for a flow that ends undecided. */
static void verdict_order(void **state)
{
    (void)state;
    rec *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    ntc_engine *e = engine(r, "true");
    conv c = {e, {"192.168.1.10", "93.184.216.34"}, {40001, 80}, {0x10000000u, 0x20000000u}, T0};
    tcp_send(&c, 0, PG_SYN, NULL);
    tcp_send(&c, 1, PG_SYN | PG_ACK, NULL);
    tcp_send(&c, 0, PG_ACK, NULL);
    tcp_send(&c, 0, PG_PSH | PG_ACK,
             "GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: t\r\n\r\n");
    tcp_send(&c, 1, PG_ACK, NULL);
    tcp_send(&c, 1, PG_PSH | PG_ACK,
             "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi");
    tcp_send(&c, 0, PG_ACK, NULL);
    /* a UDP flow nDPI cannot name: pending until the flush gives up */
    h_udp(e, c.ts, "192.168.1.10", 50000, "10.9.9.9", 40404, 16);
    assert_int_equal(ntc_engine_flush(e), 0);

    assert_int_equal(count(r, EV_VERDICT), 2);
    assert_int_equal(count(r, EV_PACKET), 8);
    /* HTTP: 5 packets pending, then the verdict, then the response that completed it. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r->ev[i].kind, EV_PACKET);
        assert_int_equal(r->ev[i].how, NTC_L7_PENDING);
    }
    assert_int_equal(r->ev[5].kind, EV_VERDICT);
    assert_int_equal(r->ev[5].how, NTC_L7_DPI);
    assert_int_equal(r->ev[5].flow_pkts, 6);
    assert_int_equal(r->ev[6].kind, EV_PACKET);
    assert_int_equal(r->ev[6].how, NTC_L7_DPI);
    assert_int_equal(r->ev[6].dir, 1);
    assert_int_equal(r->ev[7].kind, EV_PACKET);
    /* UDP: its packet pending, then at the flush its verdict before its end. */
    assert_int_equal(r->ev[8].kind, EV_PACKET);
    assert_int_equal(r->ev[8].how, NTC_L7_PENDING);
    int verdict_at = -1, end_at = -1;
    for (int i = 9; i < r->n; i++) {
        if (r->ev[i].flow_id != r->ev[8].flow_id)
            continue;
        if (r->ev[i].kind == EV_VERDICT)
            verdict_at = i;
        if (r->ev[i].kind == EV_END)
            end_at = i;
    }
    assert_true(verdict_at > 0 && end_at == verdict_at + 1);
    assert_int_not_equal(r->ev[verdict_at].how, NTC_L7_PENDING);
    ntc_engine_free(e);
    free(r);
}

static int v1_flow_ends;

static void v1_on_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    (void)u, (void)f, (void)why;
    v1_flow_ends++;
}

/* The table a program built against the version-1 header passes. */
typedef struct v1_callbacks {
    uint32_t version;
    void (*flow_end)(void *user, const ntc_flow *flow, ntc_flow_end_reason reason);
    void (*host_end)(void *user, const ntc_host *host);
    void (*tick)(void *user, ntc_tick tick, uint64_t now_us);
    void (*log)(void *user, ntc_log_level level, const char *message);
} v1_callbacks;

/* A version-1 table is shorter than today's: only its members are read (ASan would report a read
 * past this exact-size allocation), and the version-2 members stay off. */
static void version1_table(void **state)
{
    (void)state;
    rec *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    ntc_engine *e = engine(r, "false"); /* version-2 callbacks first, then replaced */
    /* the version-1 members are where they were */
    assert_int_equal(offsetof(ntc_callbacks, log) + sizeof(void (*)(void)), sizeof(v1_callbacks));
    v1_callbacks *cb = malloc(sizeof(*cb));
    assert_non_null(cb);
    memset(cb, 0, sizeof(*cb));
    cb->version = 1;
    cb->flow_end = v1_on_end;
    assert_int_equal(ntc_engine_set_callbacks(e, (const ntc_callbacks *)(void *)cb, NULL), 0);
    free(cb);
    v1_flow_ends = 0;
    h_udp(e, T0, "10.0.0.1", 1000, "10.0.0.2", 2000, 10);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(v1_flow_ends, 1);
    assert_int_equal(r->n, 0); /* packet and flow_verdict of the old table are gone */
    ntc_callbacks bad = {.version = NTC_CALLBACKS_VERSION + 1};
    assert_int_equal(ntc_engine_set_callbacks(e, &bad, NULL), NTC_EINVAL);
    ntc_engine_free(e);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(packet_callback_every_packet),
        cmocka_unit_test(verdict_order),
        cmocka_unit_test(version1_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
