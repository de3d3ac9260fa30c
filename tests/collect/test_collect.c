/* lib/collect and lib/export: NetFlow v5/v9 and IPFIX parsing with per-exporter templates, ZMQ
 * headers and payloads (JSON, TLV, zlib), limits and malformed input (counted, skipped), the
 * exporters' encoders read back by the collectors' parsers, and collected flows in the engine
 * (ntc_engine_ingest_flow: merging, new flows, hosts, applications, FLOW_SOURCE). */
#include "ntc_harness.h"

#include <json-c/json.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "collect/netflow.h"
#include "collect/record.h"
#include "collect/zmqmsg.h"
#include "export/elements.h"
#include "export/flow_exporter.h"

/* ---- byte builder ---- */

typedef struct bb {
    uint8_t d[65536];
    size_t n;
} bb;

static bb B, B2;

static void b8(bb *b, uint32_t v) { b->d[b->n++] = (uint8_t)v; }
static void b16(bb *b, uint32_t v) { b8(b, v >> 8); b8(b, v); }
static void b32(bb *b, uint32_t v) { b16(b, v >> 16); b16(b, v); }
static void b64(bb *b, uint64_t v) { b32(b, (uint32_t)(v >> 32)); b32(b, (uint32_t)v); }
static void bbytes(bb *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void bip(bb *b, const char *s)
{
    h_addr a = h_ip(s);
    bbytes(b, a.b, a.v == 4 ? 4 : 16);
}
static void bset16(bb *b, size_t off, uint32_t v)
{
    b->d[off] = (uint8_t)(v >> 8);
    b->d[off + 1] = (uint8_t)v;
}
static void bstr(bb *b, const char *s) /* IPFIX variable length */
{
    size_t l = strlen(s);
    if (l < 255) {
        b8(b, (uint32_t)l);
    } else {
        b8(b, 255);
        b16(b, (uint32_t)l);
    }
    bbytes(b, s, l);
}

/* ---- records handed out by the parsers ---- */

typedef struct got {
    ntc_flow_record r;
    char source[160];
    char l7_name[128];
    char meta[NTC_META_COUNT][1100];
} got;

#define GOT_MAX 256
static got G[GOT_MAX];
static int NG;

static void on_rec(void *u, const ntc_flow_record *r)
{
    (void)u;
    assert_true(NG < GOT_MAX);
    got *g = &G[NG++];
    memset(g, 0, sizeof(*g));
    g->r = *r;
    if (r->source)
        snprintf(g->source, sizeof(g->source), "%s", r->source);
    if (r->l7_name)
        snprintf(g->l7_name, sizeof(g->l7_name), "%s", r->l7_name);
    for (size_t i = 0; i < r->meta_count; i++) {
        assert_true(r->meta[i].key >= 0 && r->meta[i].key < NTC_META_COUNT);
        snprintf(g->meta[r->meta[i].key], sizeof(g->meta[0]), "%s", r->meta[i].value);
    }
    g->r.meta = NULL;
    g->r.source = NULL;
    g->r.l7_name = NULL;
}

static ntc_iface_stats ST;
static const uint8_t EXP_A[4] = {192, 0, 2, 1}, EXP_B[4] = {192, 0, 2, 2};

static ntc__nf *nf_new(uint32_t max_ex, uint32_t max_t)
{
    memset(&ST, 0, sizeof(ST));
    NG = 0;
    ntc__nf_limits lim = {.max_exporters = max_ex, .max_templates = max_t,
                          .timeout_us = 1800 * SEC, .seed = 42};
    ntc__nf *nf = ntc__nf_new(&lim, &ST);
    assert_non_null(nf);
    return nf;
}

static int feed(ntc__nf *nf, const uint8_t *a, uint16_t port, const bb *b, uint64_t now)
{
    return ntc__nf_datagram(nf, 4, a, port, b->d, b->n, now, on_rec, NULL);
}

/* ---- NetFlow v5 ---- */

static void v5_header(bb *b, uint16_t count, uint32_t uptime, uint32_t secs, uint32_t seq)
{
    b->n = 0;
    b16(b, 5);
    b16(b, count);
    b32(b, uptime);
    b32(b, secs);
    b32(b, 500000000); /* nsecs */
    b32(b, seq);
    b8(b, 0);
    b8(b, 7); /* engine id */
    b16(b, 0);
}

static void v5_record(bb *b, const char *src, const char *dst, uint32_t pkts, uint32_t bytes,
                      uint32_t first, uint32_t last, uint16_t sp, uint16_t dp, uint8_t flags,
                      uint8_t proto)
{
    bip(b, src);
    bip(b, dst);
    b32(b, 0);          /* next hop */
    b16(b, 1);
    b16(b, 2);          /* snmp in/out */
    b32(b, pkts);
    b32(b, bytes);
    b32(b, first);
    b32(b, last);
    b16(b, sp);
    b16(b, dp);
    b8(b, 0);
    b8(b, flags);
    b8(b, proto);
    b8(b, 0);           /* tos */
    b32(b, 0);          /* AS */
    b32(b, 0);          /* masks, pad */
}

static void test_v5_records(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(16, 16);
    /* Uptime 100 s at 1700000000.5: the exporter booted at 1699999900.5. */
    v5_header(&B, 2, 100000, 1700000000, 0);
    v5_record(&B, "10.0.0.1", "10.0.0.2", 5, 700, 90000, 95500, 40000, 80, 0x1b, 6);
    v5_record(&B, "10.0.0.2", "10.0.0.1", 4, 3000, 90010, 95400, 80, 40000, 0x1b, 6);
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), 2);
    assert_int_equal(NG, 2);
    const ntc_flow_record *r = &G[0].r;
    assert_int_equal(r->ip_version, 4);
    assert_true(h_addr_is(r->src_addr, "10.0.0.1") && h_addr_is(r->dst_addr, "10.0.0.2"));
    assert_int_equal(r->src_port, 40000);
    assert_int_equal(r->dst_port, 80);
    assert_int_equal(r->l4_proto, 6);
    assert_int_equal(r->packets, 5);
    assert_int_equal(r->bytes, 700);
    assert_int_equal(r->rev_packets, 0);
    assert_int_equal(r->src_tcp_flags, 0x1b);
    assert_int_equal(r->first_us, 1699999990500000ULL);
    assert_int_equal(r->last_us, 1699999996000000ULL);
    assert_int_equal(r->export_us, 1700000000500000ULL);
    assert_int_equal(r->l7_how, NTC_L7_OFF);
    assert_string_equal(G[0].source, "netflow5:192.0.2.1:2055/7");
    assert_int_equal(ST.collect_messages, 1);
    assert_int_equal(ST.collect_errors, 0);
    /* Sequence: 2 records so far; the next datagram says 5: 3 records lost. */
    v5_header(&B, 1, 101000, 1700000001, 5);
    v5_record(&B, "10.0.0.3", "10.0.0.4", 1, 60, 100000, 100000, 1, 2, 0, 17);
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), 1);
    assert_int_equal(ST.collect_lost, 3);
    /* An older sequence number (restart) is no loss. */
    v5_header(&B, 1, 1000, 1700000002, 0);
    v5_record(&B, "10.0.0.3", "10.0.0.4", 1, 60, 900, 900, 1, 2, 0, 17);
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), 1);
    assert_int_equal(ST.collect_lost, 3);
    ntc__nf_free(nf);
}

static void test_v5_malformed(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(16, 16);
    /* The header announces 3 records, 2 are there: the datagram is refused whole. */
    v5_header(&B, 3, 100000, 1700000000, 0);
    v5_record(&B, "10.0.0.1", "10.0.0.2", 5, 700, 90000, 95500, 1, 2, 0, 17);
    v5_record(&B, "10.0.0.1", "10.0.0.2", 5, 700, 90000, 95500, 1, 2, 0, 17);
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), -1);
    v5_header(&B, 0, 100000, 1700000000, 0); /* no record */
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), -1);
    B.n = 10; /* short header */
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), -1);
    B.n = 0;
    b16(&B, 7); /* unknown version */
    b16(&B, 0);
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), -1);
    /* A record whose last time is before its first: skipped, the other one kept. */
    v5_header(&B, 2, 100000, 1700000000, 0);
    v5_record(&B, "10.0.0.1", "10.0.0.2", 5, 700, 95500, 90000, 1, 2, 0, 17);
    v5_record(&B, "10.0.0.1", "10.0.0.2", 5, 700, 90000, 95500, 1, 2, 0, 17);
    assert_int_equal(feed(nf, EXP_A, 2055, &B, T0), 1);
    assert_int_equal(NG, 1);
    assert_int_equal(ST.collect_errors, 5);
    assert_int_equal(ST.collect_messages, 1);
    ntc__nf_free(nf);
}

/* ---- NetFlow v9 ---- */

static size_t v9_header(bb *b, uint32_t uptime, uint32_t secs, uint32_t seq, uint32_t source)
{
    b->n = 0;
    b16(b, 9);
    b16(b, 0);
    b32(b, uptime);
    b32(b, secs);
    b32(b, seq);
    b32(b, source);
    return b->n;
}

/* Template 256: IPv4 src/dst, ports, proto, bytes (4), packets (4), first/last (uptime), flags. */
static void v9_template_a(bb *b, uint16_t id)
{
    size_t s = b->n;
    b16(b, 0);
    b16(b, 0);
    b16(b, id);
    b16(b, 9);
    uint16_t f[9][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {1, 4}, {2, 4}, {22, 4}, {21, 4}};
    for (int i = 0; i < 9; i++) {
        b16(b, f[i][0]);
        b16(b, f[i][1]);
    }
    bset16(b, s + 2, (uint32_t)(b->n - s));
}

static void v9_data_a(bb *b, uint16_t id, const char *src, const char *dst, uint16_t sp,
                      uint16_t dp, uint8_t proto, uint32_t bytes, uint32_t pkts, uint32_t first,
                      uint32_t last)
{
    size_t s = b->n;
    b16(b, id);
    b16(b, 0);
    bip(b, src);
    bip(b, dst);
    b16(b, sp);
    b16(b, dp);
    b8(b, proto);
    b32(b, bytes);
    b32(b, pkts);
    b32(b, first);
    b32(b, last);
    b8(b, 0); /* padding to 4 bytes */
    b8(b, 0);
    b8(b, 0);
    bset16(b, s + 2, (uint32_t)(b->n - s));
}

static void test_v9_template_then_data(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(16, 16);
    /* Data before its template: skipped and counted. */
    v9_header(&B, 50000, 1700000000, 0, 3);
    v9_data_a(&B, 256, "10.1.0.1", "10.1.0.2", 1234, 53, 17, 80, 1, 40000, 41000);
    assert_int_equal(feed(nf, EXP_A, 9995, &B, T0), 0);
    assert_int_equal(ST.collect_no_template, 1);
    /* Template and data in one datagram. */
    v9_header(&B, 50000, 1700000000, 1, 3);
    v9_template_a(&B, 256);
    v9_data_a(&B, 256, "10.1.0.1", "10.1.0.2", 1234, 53, 17, 80, 1, 40000, 41000);
    assert_int_equal(feed(nf, EXP_A, 9995, &B, T0), 1);
    const ntc_flow_record *r = &G[0].r;
    assert_true(h_addr_is(r->src_addr, "10.1.0.1"));
    assert_int_equal(r->dst_port, 53);
    assert_int_equal(r->bytes, 80);
    assert_int_equal(r->packets, 1);
    /* Boot at 1700000000 - 50 s; first at uptime 40 s. */
    assert_int_equal(r->first_us, 1699999990000000ULL);
    assert_int_equal(r->last_us, 1699999991000000ULL);
    assert_string_equal(G[0].source, "netflow9:192.0.2.1:9995/3");
    assert_int_equal(ntc__nf_template_count(nf), 1);
    /* v9 numbers packets: 1 then 4 means two export packets were lost. */
    v9_header(&B, 51000, 1700000001, 4, 3);
    v9_data_a(&B, 256, "10.1.0.3", "10.1.0.4", 1, 2, 17, 80, 1, 40000, 41000);
    assert_int_equal(feed(nf, EXP_A, 9995, &B, T0), 1);
    assert_int_equal(ST.collect_lost, 2);
    ntc__nf_free(nf);
}

/* The same template id means different layouts for different exporters and domains. */
static void test_templates_per_exporter(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(16, 16);
    /* Exporter A, source 3: layout a. */
    v9_header(&B, 50000, 1700000000, 0, 3);
    v9_template_a(&B, 300);
    assert_int_equal(feed(nf, EXP_A, 9995, &B, T0), 0);
    /* Exporter B (other address) and exporter A with source id 4: template 300 is
     * source and destination ports only (a layout a's data would not fit). */
    for (int k = 0; k < 2; k++) {
        v9_header(&B, 50000, 1700000000, 0, k == 0 ? 3 : 4);
        size_t s = B.n;
        b16(&B, 0);
        b16(&B, 0);
        b16(&B, 300);
        b16(&B, 4);
        b16(&B, 8); b16(&B, 4);
        b16(&B, 12); b16(&B, 4);
        b16(&B, 7); b16(&B, 2);
        b16(&B, 11); b16(&B, 2);
        bset16(&B, s + 2, (uint32_t)(B.n - s));
        assert_int_equal(feed(nf, k == 0 ? EXP_B : EXP_A, 9995, &B, T0), 0);
    }
    assert_int_equal(ntc__nf_template_count(nf), 3);
    assert_int_equal(ntc__nf_exporter_count(nf), 3);
    /* A/3 data with layout a. */
    v9_header(&B, 50000, 1700000000, 1, 3);
    v9_data_a(&B, 300, "10.2.0.1", "10.2.0.2", 1111, 2222, 6, 1000, 10, 45000, 46000);
    assert_int_equal(feed(nf, EXP_A, 9995, &B, T0), 1);
    assert_int_equal(G[0].r.bytes, 1000);
    assert_int_equal(G[0].r.l4_proto, 6);
    /* B data with its own layout: 12 bytes per record. */
    v9_header(&B, 50000, 1700000000, 1, 3);
    size_t s = B.n;
    b16(&B, 300);
    b16(&B, 0);
    bip(&B, "10.3.0.1");
    bip(&B, "10.3.0.2");
    b16(&B, 5000);
    b16(&B, 6000);
    bset16(&B, s + 2, (uint32_t)(B.n - s));
    assert_int_equal(feed(nf, EXP_B, 9995, &B, T0), 1);
    assert_int_equal(G[1].r.src_port, 5000);
    assert_int_equal(G[1].r.dst_port, 6000);
    assert_int_equal(G[1].r.bytes, 0);
    assert_string_equal(G[1].source, "netflow9:192.0.2.2:9995/3");
    /* The same exporter on another port is another transport session: no template there. */
    assert_int_equal(feed(nf, EXP_B, 9996, &B, T0), 0);
    assert_int_equal(ST.collect_no_template, 1);
    ntc__nf_free(nf);
}

/* ---- IPFIX ---- */

static size_t ipfix_header(bb *b, uint32_t secs, uint32_t seq, uint32_t domain)
{
    b->n = 0;
    b16(b, 10);
    b16(b, 0);
    b32(b, secs);
    b32(b, seq);
    b32(b, domain);
    return b->n;
}

static void ipfix_done(bb *b)
{
    bset16(b, 2, (uint32_t)b->n);
}

/* Template 400: IPv6 addresses, ports, proto, octets/packets (8), reverse octets/packets
 * (RFC 5103), flowStart/EndMilliseconds, ntop L7_PROTO and L7_PROTO_NAME (variable length),
 * ntop HTTP_URL (variable). */
static void ipfix_template_400(bb *b)
{
    size_t s = b->n;
    b16(b, 2);
    b16(b, 0);
    b16(b, 400);
    b16(b, 13);
    uint16_t f[8][2] = {{27, 16}, {28, 16}, {7, 2}, {11, 2}, {4, 1}, {1, 8}, {2, 8}, {152, 8}};
    for (int i = 0; i < 8; i++) {
        b16(b, f[i][0]);
        b16(b, f[i][1]);
    }
    b16(b, 0x8000 | 1); b16(b, 8); b32(b, 29305);   /* reverse octetDeltaCount */
    b16(b, 0x8000 | 2); b16(b, 8); b32(b, 29305);   /* reverse packetDeltaCount */
    b16(b, 153); b16(b, 8);
    b16(b, 0x8000 | 118); b16(b, 65535); b32(b, 35632);
    b16(b, 0x8000 | 180); b16(b, 65535); b32(b, 35632);
    bset16(b, s + 2, (uint32_t)(b->n - s));
}

static void ipfix_data_400(bb *b, const char *l7, const char *url)
{
    size_t s = b->n;
    b16(b, 400);
    b16(b, 0);
    bip(b, "2001:db8::1");
    bip(b, "2001:db8::2");
    b16(b, 50000);
    b16(b, 443);
    b8(b, 6);
    b64(b, 1500);
    b64(b, 12);
    b64(b, 1700000000123ULL);
    b64(b, 9000);
    b64(b, 20);
    b64(b, 1700000004567ULL);
    bstr(b, l7);
    bstr(b, url);
    bset16(b, s + 2, (uint32_t)(b->n - s));
}

static void test_ipfix_varlen_enterprise_reverse(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(16, 16);
    char longurl[400];
    memset(longurl, 'u', sizeof(longurl) - 1);
    longurl[sizeof(longurl) - 1] = 0;
    ipfix_header(&B, 1700000010, 0, 77);
    ipfix_template_400(&B);
    ipfix_data_400(&B, "91.124", "www.example.com/a");
    ipfix_data_400(&B, "7", longurl); /* a 3-byte length */
    ipfix_done(&B);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 2);
    const ntc_flow_record *r = &G[0].r;
    assert_int_equal(r->ip_version, 6);
    assert_true(h_addr_is(r->src_addr, "2001:db8::1") && h_addr_is(r->dst_addr, "2001:db8::2"));
    assert_int_equal(r->bytes, 1500);
    assert_int_equal(r->packets, 12);
    assert_int_equal(r->rev_bytes, 9000);
    assert_int_equal(r->rev_packets, 20);
    assert_int_equal(r->first_us, 1700000000123000ULL);
    assert_int_equal(r->last_us, 1700000004567000ULL);
    assert_int_equal(r->export_us, 1700000010000000ULL);
    assert_int_equal(r->l7_master, 91);
    assert_int_equal(r->l7_app, 124);
    assert_int_equal(r->l7_how, NTC_L7_DPI);
    assert_string_equal(G[0].meta[NTC_META_HTTP_URL], "www.example.com/a");
    assert_string_equal(G[0].source, "ipfix:192.0.2.1:4739/77");
    assert_int_equal(G[1].r.l7_app, 7);
    assert_int_equal(strlen(G[1].meta[NTC_META_HTTP_URL]), sizeof(longurl) - 1);
    /* IPFIX numbers records: 2 so far; a message starting at 5 lost 3. */
    ipfix_header(&B, 1700000011, 5, 77);
    ipfix_data_400(&B, "7", "x");
    ipfix_done(&B);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 1);
    assert_int_equal(ST.collect_lost, 3);
    /* Withdrawal (field count 0): later data has no template. */
    ipfix_header(&B, 1700000012, 6, 77);
    b16(&B, 2);
    b16(&B, 8);
    b16(&B, 400);
    b16(&B, 0);
    ipfix_data_400(&B, "7", "x");
    ipfix_done(&B);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 0);
    assert_int_equal(ST.collect_no_template, 1);
    assert_int_equal(ntc__nf_template_count(nf), 0);
    assert_int_equal(ST.collect_errors, 0);
    ntc__nf_free(nf);
}

/* Uptime-relative times need systemInitTimeMilliseconds from an options record. */
static void test_ipfix_options_init_time(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(16, 16);
    ipfix_header(&B, 1700000010, 0, 1);
    size_t s = B.n;
    b16(&B, 3);           /* options template set */
    b16(&B, 0);
    b16(&B, 500);
    b16(&B, 2);           /* 2 fields */
    b16(&B, 1);           /* 1 scope field */
    b16(&B, 149); b16(&B, 4);   /* scope: observationDomainId */
    b16(&B, 160); b16(&B, 8);   /* systemInitTimeMilliseconds */
    bset16(&B, s + 2, (uint32_t)(B.n - s));
    s = B.n;
    b16(&B, 2);
    b16(&B, 0);
    b16(&B, 501);
    b16(&B, 6);
    b16(&B, 8); b16(&B, 4);
    b16(&B, 12); b16(&B, 4);
    b16(&B, 4); b16(&B, 1);
    b16(&B, 22); b16(&B, 4);    /* flowStartSysUpTime */
    b16(&B, 21); b16(&B, 4);
    b16(&B, 2); b16(&B, 4);
    bset16(&B, s + 2, (uint32_t)(B.n - s));
    s = B.n;
    b16(&B, 500);
    b16(&B, 0);
    b32(&B, 1);
    b64(&B, 1699990000000ULL);
    bset16(&B, s + 2, (uint32_t)(B.n - s));
    s = B.n;
    b16(&B, 501);
    b16(&B, 0);
    bip(&B, "10.9.0.1");
    bip(&B, "10.9.0.2");
    b8(&B, 17);
    b32(&B, 1000);
    b32(&B, 2500);
    b32(&B, 3);
    bset16(&B, s + 2, (uint32_t)(B.n - s));
    ipfix_done(&B);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 1);
    assert_int_equal(G[0].r.first_us, 1699990001000000ULL);
    assert_int_equal(G[0].r.last_us, 1699990002500000ULL);
    assert_int_equal(G[0].r.packets, 3);
    assert_int_equal(G[0].r.l4_proto, 17);
    ntc__nf_free(nf);
}

static void test_nf_malformed(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(16, 16);
    uint64_t errs = 0;
    /* IPFIX length larger than the datagram. */
    ipfix_header(&B, 1700000010, 0, 1);
    ipfix_template_400(&B);
    bset16(&B, 2, (uint32_t)B.n + 10);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), -1);
    assert_int_equal(ST.collect_errors, ++errs);
    /* A set length below 4 or past the end. */
    ipfix_header(&B, 1700000010, 0, 1);
    b16(&B, 2);
    b16(&B, 2);
    ipfix_done(&B);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 0);
    assert_int_equal(ST.collect_errors, ++errs);
    ipfix_header(&B, 1700000010, 0, 1);
    b16(&B, 2);
    b16(&B, 400);
    ipfix_done(&B);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 0);
    assert_int_equal(ST.collect_errors, ++errs);
    /* Template id below 256, too many fields, a zero-length field, a field cut short. */
    const uint16_t bad[4][4] = {{255, 1, 8, 4}, {600, 300, 8, 4}, {601, 1, 8, 0}, {602, 2, 8, 4}};
    for (int i = 0; i < 4; i++) {
        ipfix_header(&B, 1700000010, 0, 1);
        size_t s = B.n;
        b16(&B, 2);
        b16(&B, 0);
        for (int k = 0; k < 4; k++)
            b16(&B, bad[i][k]);
        bset16(&B, s + 2, (uint32_t)(B.n - s));
        ipfix_done(&B);
        assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 0);
        assert_int_equal(ST.collect_errors, ++errs);
    }
    assert_int_equal(ntc__nf_template_count(nf), 0);
    /* A variable-length field running past its set: that record is dropped. */
    ipfix_header(&B, 1700000010, 0, 1);
    ipfix_template_400(&B);
    size_t s = B.n;
    ipfix_data_400(&B, "7", "abc");
    B.d[B.n - 4] = 200; /* the URL claims 200 bytes */
    bset16(&B, s + 2, (uint32_t)(B.n - s));
    ipfix_done(&B);
    assert_int_equal(feed(nf, EXP_A, 4739, &B, T0), 0);
    assert_int_equal(ST.collect_errors, ++errs);
    assert_int_equal(NG, 0);
    ntc__nf_free(nf);
}

/* Limits: templates and exporters are capped; a flood of either stays within them. */
static void test_nf_limits(void **state)
{
    (void)state;
    ntc__nf *nf = nf_new(4, 8);
    for (uint32_t i = 0; i < 100; i++) {
        v9_header(&B, 50000, 1700000000, i, i % 3);
        v9_template_a(&B, (uint16_t)(256 + i));
        uint8_t a[4] = {10, 0, (uint8_t)(i >> 8), (uint8_t)i};
        feed(nf, i < 50 ? EXP_A : a, 2055, &B, T0 + i);
    }
    assert_true(ntc__nf_template_count(nf) <= 8);
    assert_true(ntc__nf_exporter_count(nf) <= 4);
    assert_int_equal(ntc__nf_template_count(nf), 8);
    assert_true(ST.collect_refused >= 92);
    /* Past the timeout, the old templates and exporters are forgotten: room again. */
    v9_header(&B, 50000, 1700000000, 0, 9);
    v9_template_a(&B, 256);
    feed(nf, EXP_B, 2055, &B, T0 + 2000 * SEC);
    assert_int_equal(ntc__nf_template_count(nf), 1);
    assert_int_equal(ntc__nf_exporter_count(nf), 1);
    ntc__nf_free(nf);
}

/* ---- ZMQ ---- */

static ntc__zmqp *zp_new(size_t max_msg)
{
    memset(&ST, 0, sizeof(ST));
    NG = 0;
    ntc__zmqp *z = ntc__zmqp_new(8, max_msg, 1, &ST);
    assert_non_null(z);
    return z;
}

static size_t zhdr(uint8_t *h, int version, const char *topic, uint8_t vbyte, uint8_t flags,
                   uint32_t msg_id, uint32_t source)
{
    static const size_t sizes[4] = {40, 24, 28, 36};
    memset(h, 0, 40);
    memcpy(h, topic, strlen(topic));
    h[16] = vbyte;
    if (version == 1) {
        h[17] = (uint8_t)source;
    } else if (version == 3) {
        h[17] = flags;
    }
    if (version >= 1) {
        size_t o = version == 3 ? 28 : 20;
        h[o] = (uint8_t)(msg_id >> 24);
        h[o + 1] = (uint8_t)(msg_id >> 16);
        h[o + 2] = (uint8_t)(msg_id >> 8);
        h[o + 3] = (uint8_t)msg_id;
    }
    if (version >= 2) {
        size_t o = version == 3 ? 32 : 24; /* little-endian, as ntopng's struct on x86-64 */
        h[o + 3] = (uint8_t)(source >> 24);
        h[o + 2] = (uint8_t)(source >> 16);
        h[o + 1] = (uint8_t)(source >> 8);
        h[o] = (uint8_t)source;
    }
    return sizes[version];
}

static int zmsg(ntc__zmqp *z, const uint8_t *h, size_t hl, const char *payload)
{
    return ntc__zmqp_message(z, h, hl, (const uint8_t *)payload, strlen(payload), "tcp://p:1",
                             T0, on_rec, NULL);
}

static const char *J_NUMERIC = "{\"8\":\"192.12.193.11\",\"12\":\"192.168.1.92\",\"7\":3000,"
                               "\"11\":55174,\"4\":6,\"1\":406,\"2\":5,\"22\":1700000000,"
                               "\"21\":1700000003}";

static void test_zmq_headers_and_json(void **state)
{
    (void)state;
    ntc__zmqp *z = zp_new(1 << 20);
    uint8_t h[40];
    /* Every header version with the 2015 example (numeric keys). */
    for (int v = 0; v < 4; v++) {
        size_t hl = zhdr(h, v, "flow", v == 3 ? 4 : 2, 0, 1, (uint32_t)v);
        assert_int_equal(zmsg(z, h, hl, J_NUMERIC), 1);
    }
    assert_int_equal(NG, 4);
    const ntc_flow_record *r = &G[3].r;
    assert_true(h_addr_is(r->src_addr, "192.12.193.11") && h_addr_is(r->dst_addr, "192.168.1.92"));
    assert_int_equal(r->src_port, 3000);
    assert_int_equal(r->dst_port, 55174);
    assert_int_equal(r->l4_proto, 6);
    assert_int_equal(r->bytes, 406);
    assert_int_equal(r->packets, 5);
    assert_int_equal(r->first_us, 1700000000 * SEC);
    assert_int_equal(r->last_us, 1700000003 * SEC);
    assert_string_equal(G[3].source, "zmq:tcp://p:1/3");
    /* PEN.ID keys and names, numbers as strings, an array of two objects. */
    size_t hl = zhdr(h, 3, "flow", 4, 0, 2, 3);
    assert_int_equal(zmsg(z, h, hl,
                          "[{\"IPV4_SRC_ADDR\":\"10.0.0.1\",\"IPV4_DST_ADDR\":\"10.0.0.2\","
                          "\"L4_SRC_PORT\":\"1234\",\"L4_DST_PORT\":80,\"PROTOCOL\":\"6\","
                          "\"IN_BYTES\":100,\"OUT_BYTES\":200,\"IN_PKTS\":1,\"OUT_PKTS\":2,"
                          "\"35632.118\":\"7\",\"57591\":\"HTTP\",\"35632.180\":\"a.b/c\","
                          "\"HTTP_HOST\":\"a.b\",\"L7_PROTO_CATEGORY\":\"Web\"},"
                          "{\"IPV6_SRC_ADDR\":\"2001:db8::1\",\"IPV6_DST_ADDR\":\"2001:db8::2\","
                          "\"L7_PROTO_NAME\":\"TLS.YouTube\",\"SOMETHING_ELSE\":[1,2],"
                          "\"FLAG\":true}]"),
                     2);
    r = &G[4].r;
    assert_int_equal(r->src_port, 1234);
    assert_int_equal(r->l4_proto, 6);
    assert_int_equal(r->rev_bytes, 200);
    assert_int_equal(r->rev_packets, 2);
    assert_int_equal(r->l7_app, 7);
    assert_int_equal(r->l7_master, 0);
    assert_string_equal(ntc_l7_category_name(r->l7_category), "Web");
    assert_string_equal(G[4].meta[NTC_META_HTTP_URL], "a.b/c");
    assert_string_equal(G[4].meta[NTC_META_HTTP_HOST], "a.b");
    assert_int_equal(G[5].r.ip_version, 6);
    assert_string_equal(ntc_l7_app_name(G[5].r.l7_master), "TLS");
    assert_string_equal(ntc_l7_app_name(G[5].r.l7_app), "YouTube");
    /* A name we do not know is kept as the name. */
    assert_int_equal(zmsg(z, h, hl,
                          "{\"8\":\"1.1.1.1\",\"12\":\"2.2.2.2\",\"L7_PROTO_NAME\":\"NewProto\"}"),
                     1);
    assert_string_equal(G[6].l7_name, "NewProto");
    /* Other topics are accepted and carry no flows. */
    hl = zhdr(h, 3, "counter", 4, 0, 3, 3);
    assert_int_equal(zmsg(z, h, hl, "{\"x\":1}"), 0);
    assert_int_equal(ST.collect_errors, 0);
    assert_int_equal(ST.collect_messages, 7);
    ntc__zmqp_free(z);
}

static void test_zmq_msg_id_drops(void **state)
{
    (void)state;
    ntc__zmqp *z = zp_new(1 << 20);
    uint8_t h[40];
    uint32_t ids[] = {1, 2, 5, 6, 1, 2};
    for (size_t i = 0; i < NTC__ARRAY_LEN(ids); i++) {
        size_t hl = zhdr(h, 3, "flow", 4, 0, ids[i], 9);
        zmsg(z, h, hl, J_NUMERIC);
    }
    /* Another source id has its own counter. */
    size_t hl = zhdr(h, 3, "flow", 4, 0, 100, 10);
    zmsg(z, h, hl, J_NUMERIC);
    hl = zhdr(h, 3, "flow", 4, 0, 101, 10);
    zmsg(z, h, hl, J_NUMERIC);
    assert_int_equal(ST.collect_lost, 2); /* 3 and 4; 6 -> 1 is a restart */
    ntc__zmqp_free(z);
}

/* TLV payload: nDPI serializer items, two records, numeric and string keys. */
static void tlv_u(bb *b, uint32_t key, uint64_t v, int w)
{
    int kt = key <= 0xff ? 2 : key <= 0xffff ? 3 : 4, kw = kt == 2 ? 1 : kt == 3 ? 2 : 4;
    int vt = w == 1 ? 2 : w == 2 ? 3 : w == 4 ? 4 : 5;
    b8(b, (uint32_t)(kt << 4 | vt));
    for (int i = kw - 1; i >= 0; i--)
        b8(b, key >> (8 * i));
    for (int i = w - 1; i >= 0; i--)
        b8(b, (uint32_t)(v >> (8 * i)));
}

static void tlv_s(bb *b, const char *key, uint32_t nkey, const char *v)
{
    if (key) {
        b8(b, 11 << 4 | 11);
        b16(b, (uint32_t)strlen(key));
        bbytes(b, key, strlen(key));
    } else {
        b8(b, 2 << 4 | 11);
        b8(b, nkey);
    }
    b16(b, (uint32_t)strlen(v));
    bbytes(b, v, strlen(v));
}

static void make_tlv(bb *b)
{
    b->n = 0;
    b8(b, 1);
    b8(b, 1);
    tlv_s(b, NULL, 8, "10.5.0.1");
    tlv_s(b, "IPV4_DST_ADDR", 0, "10.5.0.2");
    tlv_u(b, 7, 5353, 2);
    tlv_u(b, 11, 53, 1);
    tlv_u(b, 4, 17, 1);
    tlv_u(b, 1, 70000, 4);
    tlv_u(b, 2, 3, 8);
    tlv_u(b, 57590, 5, 1);
    tlv_u(b, 22, 1700000000, 4);
    b8(b, 1); /* end of record */
    tlv_s(b, NULL, 8, "10.5.0.3");
    tlv_s(b, NULL, 12, "10.5.0.4");
    b8(b, 3 << 4 | 6); /* int8 value, uint16 key: a negative value is ignored */
    b16(b, 2);
    b8(b, 0xff);
}

static void test_zmq_tlv_and_zlib(void **state)
{
    (void)state;
    ntc__zmqp *z = zp_new(1 << 20);
    uint8_t h[40];
    make_tlv(&B);
    size_t hl = zhdr(h, 3, "flow", 4, NTC__ZMQ_FLAG_TLV, 1, 0);
    assert_int_equal(ntc__zmqp_message(z, h, hl, B.d, B.n, "e", T0, on_rec, NULL), 2);
    const ntc_flow_record *r = &G[0].r;
    assert_true(h_addr_is(r->src_addr, "10.5.0.1") && h_addr_is(r->dst_addr, "10.5.0.2"));
    assert_int_equal(r->src_port, 5353);
    assert_int_equal(r->dst_port, 53);
    assert_int_equal(r->bytes, 70000);
    assert_int_equal(r->packets, 3);
    assert_int_equal(r->l7_app, 5);
    assert_int_equal(r->first_us, 1700000000 * SEC);
    assert_int_equal(G[1].r.packets, 0);
    /* The same, compressed (v3 flag), then an older header with version byte 3 (TLV) and the
     * zlib marker byte. */
    uLongf zl = sizeof(B2.d) - 1;
    assert_int_equal(compress2(B2.d + 1, &zl, B.d, B.n, 9), Z_OK);
    hl = zhdr(h, 3, "flow", 4, NTC__ZMQ_FLAG_TLV | NTC__ZMQ_FLAG_ZLIB, 2, 0);
    assert_int_equal(ntc__zmqp_message(z, h, hl, B2.d + 1, zl, "e", T0, on_rec, NULL), 2);
    B2.d[0] = 0;
    hl = zhdr(h, 2, "flow", 3, 0, 3, 0);
    assert_int_equal(ntc__zmqp_message(z, h, hl, B2.d, zl + 1, "e", T0, on_rec, NULL), 2);
    assert_int_equal(NG, 6);
    assert_int_equal(G[4].r.bytes, 70000);
    assert_int_equal(ST.collect_errors, 0);
    /* A compressed payload that inflates beyond the limit is refused. */
    ntc__zmqp_free(z);
    z = zp_new(1024);
    memset(B.d, 'a', 4000);
    zl = sizeof(B2.d);
    assert_int_equal(compress2(B2.d, &zl, B.d, 4000, 9), Z_OK);
    hl = zhdr(h, 3, "flow", 4, NTC__ZMQ_FLAG_ZLIB, 1, 0);
    assert_int_equal(ntc__zmqp_message(z, h, hl, B2.d, zl, "e", T0, on_rec, NULL), -1);
    assert_int_equal(ST.collect_errors, 1);
    ntc__zmqp_free(z);
}

static void test_zmq_malformed(void **state)
{
    (void)state;
    ntc__zmqp *z = zp_new(4096);
    uint8_t h[40];
    uint64_t errs = 0;
    size_t hl = zhdr(h, 3, "flow", 4, 0, 1, 0);
    assert_int_equal(zmsg(z, h, 30, J_NUMERIC), -1);                 /* no such header size */
    assert_int_equal(ST.collect_errors, ++errs);
    h[16] = 5;                                                        /* version above 4 */
    assert_int_equal(zmsg(z, h, hl, J_NUMERIC), -1);
    assert_int_equal(ST.collect_errors, ++errs);
    hl = zhdr(h, 3, "flow", 4, 0, 1, 0);
    const char *bad_json[] = {"{\"8\":\"1.1.1.1\"", "[1,2", "\"text\"", "{} x", "",
                              "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"};
    for (size_t i = 0; i < NTC__ARRAY_LEN(bad_json); i++) {
        assert_int_equal(zmsg(z, h, hl, bad_json[i]), -1);
        assert_int_equal(ST.collect_errors, ++errs);
    }
    /* Objects that are no flows: counted, the good one kept. */
    assert_int_equal(zmsg(z, h, hl, "[1,{\"8\":\"1.1.1.1\"},{\"8\":\"1.1.1.1\",\"12\":\"x\"},"
                                    "{\"8\":\"1.1.1.1\",\"12\":\"2.2.2.2\"}]"),
                     1);
    errs += 3;
    assert_int_equal(ST.collect_errors, errs);
    /* TLV cut in the middle of an item, bad header, unknown types, zlib garbage. */
    make_tlv(&B);
    hl = zhdr(h, 3, "flow", 4, NTC__ZMQ_FLAG_TLV, 2, 0);
    for (size_t cut = 2; cut < B.n; cut += 3) {
        NG = 0;
        ntc__zmqp_message(z, h, hl, B.d, cut, "e", T0, on_rec, NULL);
        assert_true(NG <= 2);
    }
    uint64_t before = ST.collect_errors;
    uint8_t bad1[] = {2, 1, 0x22, 8, 1}, bad2[] = {1, 1, 0xc2, 8, 1}, bad3[] = {1, 1, 0x2c, 8};
    assert_int_equal(ntc__zmqp_message(z, h, hl, bad1, sizeof(bad1), "e", T0, on_rec, NULL), -1);
    assert_int_equal(ntc__zmqp_message(z, h, hl, bad2, sizeof(bad2), "e", T0, on_rec, NULL), -1);
    assert_int_equal(ntc__zmqp_message(z, h, hl, bad3, sizeof(bad3), "e", T0, on_rec, NULL), -1);
    hl = zhdr(h, 3, "flow", 4, NTC__ZMQ_FLAG_ZLIB, 3, 0);
    assert_int_equal(ntc__zmqp_message(z, h, hl, bad1, sizeof(bad1), "e", T0, on_rec, NULL), -1);
    assert_int_equal(ST.collect_errors, before + 4);
    /* A payload over the limit. */
    memset(B.d, ' ', 5000);
    hl = zhdr(h, 3, "flow", 4, 0, 4, 0);
    assert_int_equal(ntc__zmqp_message(z, h, hl, B.d, 5000, "e", T0, on_rec, NULL), -1);
    ntc__zmqp_free(z);
}

/* ---- exporters' encoders, read back by the collectors ---- */

static const ntc_flow *CAP[64];
static int NCAP;
static ntc_flow_info CAPI[64];

static int capture_flow(void *u, const ntc_flow *f)
{
    (void)u;
    assert_true(NCAP < 64);
    CAPI[NCAP].size = sizeof(CAPI[0]);
    ntc_flow_get_info(f, &CAPI[NCAP]);
    CAP[NCAP++] = f;
    return 0;
}

/* An engine holding flows made from records (known values, L7, metadata). */
static ntc_engine *engine_with_flows(void)
{
    ntc_engine *e = h_engine(NULL, "dpi.enable", "false", NULL);
    ntc_flow_meta_value meta[] = {{NTC_META_HTTP_URL, "example.com/x"},
                                  {NTC_META_HTTP_HOST, "example.com"},
                                  {NTC_META_HTTP_RET_CODE, "200"}};
    ntc_flow_record r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.ip_version = 4;
    h_addr a = h_ip("192.168.1.10"), b = h_ip("93.184.216.34");
    memcpy(r.src_addr, a.b, 4);
    memcpy(r.dst_addr, b.b, 4);
    r.src_port = 51734;
    r.dst_port = 80;
    r.l4_proto = 6;
    r.vlan = 10;
    r.packets = 6;
    r.bytes = 327;
    r.rev_packets = 4;
    r.rev_bytes = 834;
    r.first_us = T0 + 530000;
    r.last_us = T0 + 636000;
    r.src_tcp_flags = 0x1b;
    r.dst_tcp_flags = 0x1a;
    r.l7_how = NTC_L7_DPI;
    r.l7_app = 7;
    r.l7_category = 5;
    r.meta = meta;
    r.meta_count = 3;
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    /* IPv6 UDP, one direction only, no L7. */
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.ip_version = 6;
    a = h_ip("2001:db8::10");
    b = h_ip("2001:db8::53");
    memcpy(r.src_addr, a.b, 16);
    memcpy(r.dst_addr, b.b, 16);
    r.src_port = 40000;
    r.dst_port = 53;
    r.l4_proto = 17;
    r.packets = 2;
    r.bytes = 150;
    r.first_us = T0 + 1000;
    r.last_us = T0 + 2000000;
    r.l7_how = NTC_L7_OFF;
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    NCAP = 0;
    ntc_engine_foreach_flow(e, capture_flow, NULL);
    assert_int_equal(NCAP, 2);
    return e;
}

static int send_to_bb(void *u, const uint8_t *d, size_t n)
{
    (void)u;
    assert_true(n <= sizeof(B.d));
    memcpy(B.d, d, n);
    B.n = n;
    /* Parse each datagram as the collector does. */
    ntc__nf *nf = u;
    ntc__nf_datagram(nf, 4, EXP_A, 4739, B.d, B.n, T0, on_rec, NULL);
    return 0;
}

static const ntc_flow_info *info_of(int ipv)
{
    for (int i = 0; i < NCAP; i++)
        if (CAPI[i].ip_version == ipv)
            return &CAPI[i];
    fail();
    return NULL;
}

static void check_back(const got *g, const ntc_flow_info *f, int rev)
{
    const ntc_flow_record *r = &g->r;
    assert_memory_equal(r->src_addr, rev ? f->srv_addr : f->cli_addr, 16);
    assert_memory_equal(r->dst_addr, rev ? f->cli_addr : f->srv_addr, 16);
    assert_int_equal(r->src_port, rev ? f->srv_port : f->cli_port);
    assert_int_equal(r->dst_port, rev ? f->cli_port : f->srv_port);
    assert_int_equal(r->l4_proto, f->l4_proto);
    assert_int_equal(r->vlan, f->vlan);
    assert_int_equal(r->packets, rev ? f->srv2cli_packets : f->cli2srv_packets);
    assert_int_equal(r->bytes, rev ? f->srv2cli_bytes : f->cli2srv_bytes);
    assert_int_equal(r->first_us / 1000, f->first_us / 1000);
    assert_int_equal(r->last_us / 1000, f->last_us / 1000);
}

static void roundtrip_ipfix(int version, int biflow)
{
    ntc_engine *e = engine_with_flows();
    ntc__nf *nf = nf_new(16, 16);
    ntc_flow_exporter_stats st = {.size = sizeof(st)};
    ntc__ipfix_opts o = {.version = version, .biflow = biflow, .domain = 5, .mtu = 1400,
                         .refresh_s = 60};
    ntc__ipfix_w *w = ntc__ipfix_w_new(&o, send_to_bb, nf, &st);
    assert_non_null(w);
    for (int i = 0; i < NCAP; i++) {
        ntc__flowx x;
        ntc__flowx_get(CAP[i], &x);
        assert_int_equal(ntc__ipfix_w_flow(w, &x, T0 + 5 * SEC), 0);
    }
    assert_int_equal(ntc__ipfix_w_flush(w, T0 + 5 * SEC), 0);
    const ntc_flow_info *f4 = info_of(4), *f6 = info_of(6);
    /* Biflow: two records; uniflows: three (the IPv6 flow had no answer). */
    assert_int_equal(NG, biflow ? 2 : 3);
    assert_int_equal(st.records, (uint64_t)NG);
    assert_int_equal(st.templates, 1);
    assert_int_equal(ST.collect_errors, 0);
    for (int i = 0; i < NG; i++) {
        const got *g = &G[i];
        int v6 = g->r.ip_version == 6;
        int rev = !v6 && !biflow && g->r.src_port == 80;
        check_back(g, v6 ? f6 : f4, rev);
        if (!v6 && biflow) {
            assert_int_equal(g->r.rev_packets, f4->srv2cli_packets);
            assert_int_equal(g->r.rev_bytes, f4->srv2cli_bytes);
            assert_int_equal(g->r.src_tcp_flags, 0x1b);
            assert_int_equal(g->r.dst_tcp_flags, 0x1a);
        }
        if (!v6) {
            assert_int_equal(g->r.l7_app, 7);
            if (version == 10)
                assert_string_equal(g->meta[NTC_META_HTTP_URL], "example.com/x");
        } else {
            assert_int_equal(g->r.l7_how, NTC_L7_OFF);
        }
        assert_string_equal(g->source, version == 10 ? "ipfix:192.0.2.1:4739/5"
                                                     : "netflow9:192.0.2.1:4739/5");
    }
    ntc__ipfix_w_free(w);
    ntc__nf_free(nf);
    ntc_engine_free(e);
}

static void test_ipfix_export_roundtrip(void **state)
{
    (void)state;
    roundtrip_ipfix(10, 1);
    roundtrip_ipfix(10, 0);
    roundtrip_ipfix(9, 1);
    roundtrip_ipfix(9, 0);
}

/* Templates go out again after the refresh time and every 100 datagrams. */
static void test_ipfix_template_refresh(void **state)
{
    (void)state;
    ntc_engine *e = engine_with_flows();
    ntc__nf *nf = nf_new(16, 16);
    ntc_flow_exporter_stats st = {.size = sizeof(st)};
    ntc__ipfix_opts o = {.version = 10, .biflow = 1, .mtu = 1400, .refresh_s = 10};
    ntc__ipfix_w *w = ntc__ipfix_w_new(&o, send_to_bb, nf, &st);
    ntc__flowx x;
    ntc__flowx_get(CAP[0], &x);
    for (int i = 0; i < 250; i++) {
        ntc__ipfix_w_flow(w, &x, T0);
        ntc__ipfix_w_flush(w, T0);
    }
    assert_int_equal(st.messages, 250);
    assert_int_equal(st.templates, 3); /* messages 1, 101, 201 */
    ntc__ipfix_w_flush(w, T0 + 11 * SEC); /* nothing batched: templates alone */
    assert_int_equal(st.templates, 4);
    assert_int_equal(NG, 250);
    ntc__ipfix_w_free(w);
    ntc__nf_free(nf);
    ntc_engine_free(e);
}

static void test_tlv_json_export_roundtrip(void **state)
{
    (void)state;
    ntc_engine *e = engine_with_flows();
    ntc__zmqp *z = zp_new(1 << 20);
    ntc__buf b = {0};
    ntc__tlv_begin(&b);
    for (int i = 0; i < NCAP; i++) {
        ntc__flowx x;
        ntc__flowx_get(CAP[i], &x);
        ntc__tlv_flow(&b, &x);
    }
    assert_false(b.fail);
    uint8_t h[36];
    ntc__zmq_header(h, NTC__ZMQ_FLAG_TLV, (uint32_t)b.len, 1, 7);
    assert_int_equal(ntc__zmqp_message(z, h, 36, b.d, b.len, "e", T0, on_rec, NULL), 2);
    /* JSON the way the exporter writes it: ntc_flow_format_json with numeric ids. */
    char json[8192];
    size_t n = 0;
    json[n++] = '[';
    for (int i = 0; i < NCAP; i++) {
        if (i)
            json[n++] = ',';
        n += (size_t)ntc_flow_format_json(CAP[i], NTC_JSON_NPROBE_IDS, json + n, sizeof(json) - n);
    }
    json[n++] = ']';
    ntc__zmq_header(h, 0, (uint32_t)n, 2, 7);
    assert_int_equal(ntc__zmqp_message(z, h, 36, (const uint8_t *)json, n, "e", T0, on_rec, NULL), 2);
    assert_int_equal(NG, 4);
    for (int i = 0; i < NG; i++) {
        const got *g = &G[i];
        const ntc_flow_info *f = info_of(g->r.ip_version);
        check_back(g, f, 0);
        assert_int_equal(g->r.rev_packets, f->srv2cli_packets);
        assert_int_equal(g->r.rev_bytes, f->srv2cli_bytes);
        assert_string_equal(g->source, "zmq:e/7");
        if (g->r.ip_version == 4) {
            assert_int_equal(g->r.src_tcp_flags, 0x1b);
            assert_int_equal(g->r.dst_tcp_flags, 0x1a);
            assert_int_equal(g->r.l7_app, 7);
            assert_int_equal(g->r.l7_category, 5);
            assert_int_equal(g->r.l7_how, NTC_L7_DPI);
            assert_string_equal(g->meta[NTC_META_HTTP_URL], "example.com/x");
            assert_string_equal(g->meta[NTC_META_HTTP_HOST], "example.com");
            assert_string_equal(g->meta[NTC_META_HTTP_RET_CODE], "200");
        }
    }
    assert_int_equal(ST.collect_errors, 0);
    assert_int_equal(ST.collect_lost, 0);
    ntc__buf_free(&b);
    ntc__zmqp_free(z);
    ntc_engine_free(e);
}

/* The element table agrees with lib/export/json.c: each field it writes by name has, in
 * NTC_JSON_NPROBE_IDS mode, the id the table gives that name (or its name when it has none). */
static void test_elements_agree_with_json(void **state)
{
    (void)state;
    ntc_engine *e = engine_with_flows();
    for (int i = 0; i < NCAP; i++) {
        char names[4096], ids[4096];
        ntc_flow_format_json(CAP[i], 0, names, sizeof(names));
        ntc_flow_format_json(CAP[i], NTC_JSON_NPROBE_IDS, ids, sizeof(ids));
        json_object *jn = json_tokener_parse(names), *ji = json_tokener_parse(ids);
        assert_non_null(jn);
        assert_non_null(ji);
        struct json_object_iterator a = json_object_iter_begin(jn), ae = json_object_iter_end(jn);
        struct json_object_iterator b = json_object_iter_begin(ji);
        int n = 0;
        for (; !json_object_iter_equal(&a, &ae); json_object_iter_next(&a), json_object_iter_next(&b)) {
            const char *name = json_object_iter_peek_name(&a), *key = json_object_iter_peek_name(&b);
            uint32_t el = ntc__element_by_name(name, strlen(name));
            if (key[0] >= '0' && key[0] <= '9') {
                assert_int_equal(strtoul(key, NULL, 10), el);
                assert_string_equal(ntc__element_name(el), name);
            } else {
                assert_string_equal(key, name);
            }
            n++;
        }
        assert_true(n > 10);
        json_object_put(jn);
        json_object_put(ji);
    }
    ntc_engine_free(e);
}

/* ---- collected flows in the engine ---- */

static ntc_flow_record rec4(const char *src, uint16_t sp, const char *dst, uint16_t dp,
                            uint8_t proto, uint64_t pkts, uint64_t bytes, uint64_t first,
                            uint64_t last)
{
    ntc_flow_record r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    h_addr a = h_ip(src), b = h_ip(dst);
    r.ip_version = (uint8_t)a.v;
    memcpy(r.src_addr, a.b, 16);
    memcpy(r.dst_addr, b.b, 16);
    r.src_port = sp;
    r.dst_port = dp;
    r.l4_proto = proto;
    r.packets = pkts;
    r.bytes = bytes;
    r.first_us = first;
    r.last_us = last;
    r.source = "netflow9:192.0.2.1:2055/0";
    return r;
}

static char JS[4096];

static int capture_json(void *u, const ntc_flow *f)
{
    (void)u;
    ntc_flow_format_json(f, 0, JS, sizeof(JS));
    return 1;
}

static void test_ingest_uniflows_merge(void **state)
{
    (void)state;
    h_rec *hr = h_rec_new();
    ntc_engine *e = h_engine(hr, "host.local_networks", "10.0.0.0/8", NULL);
    /* The answer first (from the service port): the flow table makes the asker the client. */
    ntc_flow_record r = rec4("8.8.8.8", 53, "10.0.0.5", 40000, 17, 1, 120, T0 + 20000, T0 + 20000);
    r.l7_how = NTC_L7_DPI;
    r.l7_app = 5;
    r.l7_category = 14;
    ntc_flow_meta_value m[] = {{NTC_META_DNS_QUERY, "example.org"}};
    r.meta = m;
    r.meta_count = 1;
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    r = rec4("10.0.0.5", 40000, "8.8.8.8", 53, 17, 1, 60, T0, T0);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    ntc_flow_info f = h_only_flow(e);
    assert_true(h_addr_is(f.cli_addr, "10.0.0.5"));
    assert_int_equal(f.cli_port, 40000);
    assert_int_equal(f.cli2srv_packets, 1);
    assert_int_equal(f.cli2srv_bytes, 60);
    assert_int_equal(f.srv2cli_packets, 1);
    assert_int_equal(f.srv2cli_bytes, 120);
    assert_int_equal(f.first_us, T0);
    assert_int_equal(f.last_us, T0 + 20000);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.flows_collected, 2);
    assert_int_equal(st.packets, 2);
    assert_int_equal(st.bytes, 180);
    assert_int_equal(st.udp_bytes, 180);
    assert_int_equal(st.flows_total, 1);
    /* Hosts count the traffic; the local one has the application. */
    ntc_host_info hi;
    assert_true(h_find_host(e, "10.0.0.5", 0, &hi));
    assert_int_equal(hi.bytes_sent, 60);
    assert_int_equal(hi.bytes_rcvd, 120);
    assert_int_equal(hi.total_flows_as_client, 1);
    /* The flow's JSON says where it came from, and the record's application. */
    NCAP = 0;
    ntc_engine_foreach_flow(e, capture_json, NULL);
    const char *js = JS;
    assert_non_null(strstr(js, "\"FLOW_SOURCE\":\"netflow9:192.0.2.1:2055/0\""));
    assert_non_null(strstr(js, "\"L7_PROTO_NAME\":\"DNS\""));
    assert_non_null(strstr(js, "\"DNS_QUERY\":\"example.org\""));
    assert_non_null(strstr(js, "\"IN_BYTES\":60"));
    ntc_engine_flush(e);
    ntc_engine_free(e);
    free(hr);
}

static void test_ingest_new_flow_after_idle(void **state)
{
    (void)state;
    h_rec *hr = h_rec_new();
    ntc_engine *e = h_engine(hr, "flow.idle_timeout", "60", NULL);
    ntc_flow_record r = rec4("10.0.0.1", 5000, "10.0.0.2", 6000, 17, 3, 300, T0, T0 + SEC);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    /* Same key, starting 30 s after: the same flow. */
    r = rec4("10.0.0.1", 5000, "10.0.0.2", 6000, 17, 1, 100, T0 + 31 * SEC, T0 + 31 * SEC);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    assert_int_equal(h_only_flow(e).cli2srv_packets, 4);
    assert_int_equal(hr->nflows, 0);
    /* A cumulative update (same start, counters including ours) adds only the difference; a
     * duplicate adds nothing. */
    r = rec4("10.0.0.1", 5000, "10.0.0.2", 6000, 17, 6, 600, T0, T0 + 35 * SEC);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    assert_int_equal(h_only_flow(e).cli2srv_packets, 6);
    assert_int_equal(h_only_flow(e).cli2srv_bytes, 600);
    assert_int_equal(h_stats(e).packets, 6);
    assert_int_equal(h_stats(e).udp_bytes, 600);
    /* 70 s after its last packet: the old flow ended; a new one starts. */
    r = rec4("10.0.0.1", 5000, "10.0.0.2", 6000, 17, 2, 200, T0 + 106 * SEC, T0 + 107 * SEC);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    assert_true(hr->nflows >= 1);
    assert_int_equal(hr->flows[0].fi.cli2srv_packets, 6);
    assert_int_equal(hr->flows[0].reason, NTC_FLOW_END_IDLE);
    assert_int_equal(h_only_flow(e).cli2srv_packets, 2);
    /* Bad records are refused and counted. */
    r.ip_version = 5;
    assert_int_equal(ntc_engine_ingest_flow(e, &r), NTC_EINVAL);
    r = rec4("10.0.0.1", 1, "10.0.0.2", 2, 17, 1, 1, T0 + 200 * SEC, T0 + 100 * SEC);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), NTC_EINVAL);
    r = rec4("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, 0, T0 + 200 * SEC, T0 + 200 * SEC);
    assert_int_equal(ntc_engine_ingest_flow(e, &r), NTC_EINVAL); /* no packets */
    assert_int_equal(h_stats(e).collect_errors, 3);
    assert_int_equal(ntc_engine_ingest_flow(NULL, &r), NTC_EINVAL);
    assert_int_equal(ntc_engine_ingest_flow(e, NULL), NTC_EINVAL);
    ntc_engine_flush(e);
    ntc_engine_free(e);
    free(hr);
}

/* Collected flows feed the application tables as inspected ones do. */
static int app_bytes(void *u, const ntc_app_stats *st)
{
    uint64_t *want = u;
    if (st->id == want[0])
        want[1] += st->cli2srv_bytes + st->srv2cli_bytes;
    return 0;
}

static void test_ingest_app_table(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    ntc_flow_record r = rec4("10.0.0.1", 5000, "1.2.3.4", 443, 6, 10, 1000, T0, T0 + SEC);
    r.rev_packets = 8;
    r.rev_bytes = 8000;
    r.src_tcp_flags = 0x1b;
    r.dst_tcp_flags = 0x1b;
    r.l7_master = 91;
    r.l7_app = 124;
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    r.packets = 1;
    r.bytes = 100;
    r.rev_packets = 0;
    r.rev_bytes = 0;
    assert_int_equal(ntc_engine_ingest_flow(e, &r), 0);
    uint64_t want[2] = {124, 0};
    ntc_engine_foreach_app(e, 0, app_bytes, want);
    assert_int_equal(want[1], 9100);
    ntc_flow_info f = h_only_flow(e);
    assert_int_equal(f.tcp_state, NTC_TCP_CLOSED);
    ntc_engine_free(e);
}


/* ---- collectors and exporters as sockets (loopback) ---- */

static uint16_t free_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

static void send_udp(uint16_t port, const bb *b)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(sendto(fd, b->d, b->n, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)b->n);
    close(fd);
}

/* Poll until the engine counted `want` collected flows (or 2 s passed). */
static ntc_iface_stats poll_until(ntc_engine *e, uint64_t want)
{
    ntc_iface_stats st = h_stats(e);
    for (int i = 0; i < 200 && st.flows_collected < want; i++) {
        assert_true(ntc_engine_poll(e, 10) >= 0);
        st = h_stats(e);
    }
    return st;
}

static void test_udp_collector(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, "collect.max_templates", "4", NULL);
    uint16_t port = free_udp_port();
    char uri[64];
    snprintf(uri, sizeof(uri), "netflow:udp://127.0.0.1:%u", port);
    assert_int_equal(ntc_engine_open_collector(e, uri), 0);
    assert_int_equal(ntc_engine_source_count(e), 1);
    /* The same port again: cannot bind, and the message names the URI. */
    assert_int_equal(ntc_engine_open_collector(e, uri), NTC_EIO);
    assert_non_null(strstr(ntc_engine_errmsg(e), uri));
    v5_header(&B, 2, 100000, 1700000000, 0);
    v5_record(&B, "10.0.0.1", "10.0.0.2", 5, 700, 90000, 95500, 40000, 80, 0x1b, 6);
    v5_record(&B, "10.0.0.2", "10.0.0.1", 4, 3000, 90010, 95400, 80, 40000, 0x1b, 6);
    send_udp(port, &B);
    ntc_iface_stats st = poll_until(e, 2);
    assert_int_equal(st.flows_collected, 2);
    ntc_flow_info f = h_only_flow(e);
    assert_int_equal(f.cli2srv_bytes, 700);
    assert_int_equal(f.srv2cli_bytes, 3000);
    /* A flood of garbage and of templates: counted, skipped, the template cap holds. */
    for (int i = 0; i < 200; i++) {
        B.n = 0;
        for (int k = 0; k < 100; k++)
            b8(&B, (uint32_t)(i * 31 + k * 7));
        B.d[0] = 0;
        B.d[1] = (uint8_t)(i % 3 == 0 ? 9 : 10);
        send_udp(port, &B);
        v9_header(&B, 50000, 1700000000, (uint32_t)i, 3);
        v9_template_a(&B, (uint16_t)(256 + i));
        send_udp(port, &B);
    }
    for (int i = 0; i < 50; i++)
        ntc_engine_poll(e, 5);
    st = h_stats(e);
    assert_true(st.collect_errors > 0);
    assert_true(st.collect_refused >= 196);
    assert_int_equal(st.flows_collected, 2);
    ntc_engine_free(e);
}

static void test_zmq_collector_and_exporter(void **state)
{
    (void)state;
    ntc_engine *src = engine_with_flows();
    ntc_engine *e = h_engine(NULL, NULL);
    uint16_t port = free_udp_port(); /* a free number; TCP on it is free as well in practice */
    char in[64], out[64];
    snprintf(in, sizeof(in), "zmq:tcp://127.0.0.1:%uc", port);
    snprintf(out, sizeof(out), "zmq:tcp://127.0.0.1:%uc", port);
    assert_int_equal(ntc_engine_open_collector(e, in), 0);
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set(cfg, "export.zmq_format", "json"), 0);
    assert_int_equal(ntc_config_set(cfg, "export.zmq_compress", "true"), 0);
    assert_int_equal(ntc_config_set(cfg, "export.zmq_wait", "2000"), 0);
    assert_int_equal(ntc_config_set(cfg, "export.source_id", "9"), 0);
    ntc_flow_exporter *x = NULL;
    assert_int_equal(ntc_flow_exporter_new(&x, out, cfg), 0);
    /* Let the subscription reach the publisher. */
    for (int i = 0; i < 30; i++)
        ntc_engine_poll(e, 10);
    for (int i = 0; i < NCAP; i++)
        assert_int_equal(ntc_flow_exporter_flow(x, CAP[i], T0 + 5 * SEC), 0);
    assert_int_equal(ntc_flow_exporter_flush(x, T0 + 5 * SEC), 0);
    ntc_iface_stats st = poll_until(e, 2);
    assert_int_equal(st.flows_collected, 2);
    assert_int_equal(st.collect_messages, 1);
    assert_int_equal(st.packets, 12); /* 6 + 4, and 2 */
    ntc_flow_exporter_stats xs = {.size = sizeof(xs)};
    assert_int_equal(ntc_flow_exporter_get_stats(x, &xs), 0);
    assert_int_equal(xs.flows, 2);
    assert_int_equal(xs.messages, 1);
    assert_int_equal(xs.dropped, 0);
    NCAP = 0;
    ntc_engine_foreach_flow(e, capture_json, NULL);
    char want[96];
    snprintf(want, sizeof(want), "\"FLOW_SOURCE\":\"zmq:tcp://127.0.0.1:%uc/9\"", port);
    assert_non_null(strstr(JS, want));
    ntc_flow_exporter_free(x);
    ntc_config_free(cfg);
    ntc_engine_free(e);
    ntc_engine_free(src);
}

static void test_bad_uris(void **state)
{
    (void)state;
    ntc_engine *e = h_engine(NULL, NULL);
    assert_int_equal(ntc_engine_open_collector(e, "sflow:udp://0.0.0.0:6343"), NTC_ENOTSUP);
    assert_int_equal(ntc_engine_open_collector(e, "netflow:udp://127.0.0.1"), NTC_EINVAL);
    assert_int_equal(ntc_engine_open_collector(e, "netflow:udp://127.0.0.1:99999"), NTC_EINVAL);
    assert_int_equal(ntc_engine_open_collector(e, "zmq:udp://127.0.0.1:5556"), NTC_EINVAL);
    assert_int_equal(ntc_engine_open_collector(e, NULL), NTC_EINVAL);
    assert_int_equal(ntc_engine_source_count(e), 0);
    ntc_flow_exporter *x = NULL;
    assert_int_equal(ntc_flow_exporter_new(&x, "sflow:udp://127.0.0.1:1", NULL), NTC_ENOTSUP);
    assert_non_null(strstr(ntc_flow_exporter_errmsg(x), "sflow:udp://127.0.0.1:1"));
    ntc_flow_exporter_free(x);
    assert_int_equal(ntc_flow_exporter_new(&x, "ipfix:udp://127.0.0.1", NULL), NTC_EINVAL);
    ntc_flow_exporter_free(x);
    assert_int_equal(ntc_flow_exporter_new(&x, "zmq:tcp://127.0.0.1:notaport", NULL), NTC_EINVAL);
    ntc_flow_exporter_free(x);
    assert_int_equal(ntc_flow_exporter_new(NULL, "zmq:tcp://127.0.0.1:1", NULL), NTC_EINVAL);
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set(cfg, "export.zmq_format", "xml"), NTC_EFORMAT);
    assert_non_null(strstr(ntc_config_errmsg(cfg), "export.zmq_format"));
    ntc_config_free(cfg);
    ntc_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v5_records),
        cmocka_unit_test(test_v5_malformed),
        cmocka_unit_test(test_v9_template_then_data),
        cmocka_unit_test(test_templates_per_exporter),
        cmocka_unit_test(test_ipfix_varlen_enterprise_reverse),
        cmocka_unit_test(test_ipfix_options_init_time),
        cmocka_unit_test(test_nf_malformed),
        cmocka_unit_test(test_nf_limits),
        cmocka_unit_test(test_zmq_headers_and_json),
        cmocka_unit_test(test_zmq_msg_id_drops),
        cmocka_unit_test(test_zmq_tlv_and_zlib),
        cmocka_unit_test(test_zmq_malformed),
        cmocka_unit_test(test_ipfix_export_roundtrip),
        cmocka_unit_test(test_ipfix_template_refresh),
        cmocka_unit_test(test_tlv_json_export_roundtrip),
        cmocka_unit_test(test_elements_agree_with_json),
        cmocka_unit_test(test_ingest_uniflows_merge),
        cmocka_unit_test(test_ingest_new_flow_after_idle),
        cmocka_unit_test(test_ingest_app_table),
        cmocka_unit_test(test_udp_collector),
        cmocka_unit_test(test_zmq_collector_and_exporter),
        cmocka_unit_test(test_bad_uris),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
