/* lib/dpi through the public engine API: flows crafted frame by frame (TCP with consistent
 * sequence numbers, hand-built HTTP, DNS and TLS ClientHello payloads) are fed with
 * ntc_engine_ingest() and their verdicts, metadata, host names, L7 accounting, give-up limits,
 * custom protocol/category files and DPI memory counters are checked byte for byte.
 *
 * Exact values below (URL composition, ALPN text, categories, guesses) are what nDPI 4.2, the
 * version we link, produces; they were checked against it, not assumed.
 * Set NTC_DPI_TEST_DUMP=1 to print every ended flow as JSON. */
#include "ntc_harness.h"

#include <ctype.h>
#include <unistd.h>

#define MS 1000ULL

/* ---- recording callbacks ------------------------------------------------------------------- */

#define R_MAX 64
#define R_APPS 32

typedef struct rflow {
    ntc_flow_info fi;
    ntc_flow_l7 l7;
    int reason;
    char name[96];
    char *meta[NTC_META_COUNT]; /* copies, NULL when absent */
    char json[4096];
} rflow;

typedef struct rhost {
    ntc_host_info hi;
    char name[256];
    int has_name;
    size_t napps;
    ntc_app_stats apps[R_APPS];
} rhost;

typedef struct rec {
    rflow flows[R_MAX];
    int nflows;
    rhost hosts[R_MAX];
    int nhosts;
} rec;

static void copy_host(rhost *h, const ntc_host *host)
{
    memset(h, 0, sizeof(*h));
    h->hi.size = sizeof(h->hi);
    assert_int_equal(ntc_host_get_info(host, &h->hi), 0);
    const char *n = ntc_host_name(host);
    if (n) {
        h->has_name = 1;
        snprintf(h->name, sizeof(h->name), "%s", n);
    }
    h->napps = ntc_host_app_count(host);
    assert_true(h->napps <= R_APPS);
    for (size_t i = 0; i < h->napps; i++) {
        h->apps[i].size = sizeof(h->apps[i]);
        assert_int_equal(ntc_host_get_app(host, i, &h->apps[i]), 0);
    }
    ntc_app_stats past = {.size = sizeof(past)};
    assert_int_equal(ntc_host_get_app(host, h->napps, &past), NTC_EINVAL);
}

static void copy_flow(rflow *r, const ntc_flow *f)
{
    memset(r, 0, sizeof(*r));
    r->fi.size = sizeof(r->fi);
    assert_int_equal(ntc_flow_get_info(f, &r->fi), 0);
    r->l7.size = sizeof(r->l7);
    assert_int_equal(ntc_flow_get_l7(f, &r->l7), 0);
    int n = ntc_flow_l7_name(f, r->name, sizeof(r->name));
    assert_true(n > 0 && (size_t)n < sizeof(r->name));
    for (int k = 0; k < NTC_META_COUNT; k++) {
        const char *v = ntc_flow_meta(f, k);
        if (v) {
            r->meta[k] = strdup(v);
            assert_non_null(r->meta[k]);
        }
    }
    n = ntc_flow_format_json(f, 0, r->json, sizeof(r->json));
    assert_true(n > 0 && (size_t)n < sizeof(r->json));
    if (getenv("NTC_DPI_TEST_DUMP"))
        fprintf(stderr, "%s\n", r->json);
}

static void on_flow(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    rec *r = u;
    assert_true(r->nflows < R_MAX);
    rflow *rf = &r->flows[r->nflows++];
    copy_flow(rf, f);
    rf->reason = (int)why;
}

static void on_host(void *u, const ntc_host *h)
{
    rec *r = u;
    assert_true(r->nhosts < R_MAX);
    copy_host(&r->hosts[r->nhosts++], h);
}

static rec *rec_new(void)
{
    rec *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    return r;
}

static void rec_free(rec *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nflows; i++)
        for (int k = 0; k < NTC_META_COUNT; k++)
            free(r->flows[i].meta[k]);
    free(r);
}

static void attach(ntc_engine *e, rec *r)
{
    ntc_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.version = NTC_CALLBACKS_VERSION;
    cb.flow_end = on_flow;
    cb.host_end = on_host;
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, r), 0);
}

/* The recorded flow with this server port (asserts exactly one). */
static rflow *flow_by_port(rec *r, uint16_t srv_port)
{
    rflow *found = NULL;
    for (int i = 0; i < r->nflows; i++) {
        if (r->flows[i].fi.srv_port == srv_port) {
            assert_null(found);
            found = &r->flows[i];
        }
    }
    if (!found)
        fail_msg("no ended flow with server port %u", srv_port);
    return found;
}

static rhost *host_by_ip(rec *r, const char *ip)
{
    h_addr a = h_ip(ip);
    for (int i = 0; i < r->nhosts; i++)
        if (r->hosts[i].hi.ip_version == a.v && h_addr_is(r->hosts[i].hi.addr, ip))
            return &r->hosts[i];
    fail_msg("no ended host %s", ip);
    return NULL;
}

#define assert_meta(rf, key, want)                                                          \
    do {                                                                                    \
        const char *v_ = (rf)->meta[(key)];                                                 \
        if (!v_)                                                                            \
            fail_msg("%s absent, want \"%s\"", ntc_meta_name(key), (want));                 \
        if (strcmp(v_, (want)) != 0)                                                        \
            fail_msg("%s is \"%s\", want \"%s\"", ntc_meta_name(key), v_, (want));          \
    } while (0)

#define assert_no_meta(rf, key)                                                             \
    do {                                                                                    \
        if ((rf)->meta[(key)])                                                              \
            fail_msg("%s is \"%s\", want none", ntc_meta_name(key), (rf)->meta[(key)]);     \
    } while (0)

/* ---- live state ----------------------------------------------------------------------------- */

typedef struct live_l7 {
    uint16_t srv_port;
    int found;
    ntc_flow_l7 l7;
    char name[96];
} live_l7;

static int find_live(void *u, const ntc_flow *f)
{
    live_l7 *q = u;
    ntc_flow_info fi = {.size = sizeof(fi)};
    assert_int_equal(ntc_flow_get_info(f, &fi), 0);
    if (fi.srv_port != q->srv_port)
        return 0;
    q->found++;
    q->l7.size = sizeof(q->l7);
    assert_int_equal(ntc_flow_get_l7(f, &q->l7), 0);
    ntc_flow_l7_name(f, q->name, sizeof(q->name));
    return 0;
}

/* The L7 state of the live flow with this server port. */
static live_l7 live(ntc_engine *e, uint16_t srv_port)
{
    live_l7 q;
    memset(&q, 0, sizeof(q));
    q.srv_port = srv_port;
    assert_int_equal(ntc_engine_foreach_flow(e, find_live, &q), 0);
    assert_int_equal(q.found, 1);
    return q;
}

/* ---- traffic --------------------------------------------------------------------------------- */

static pg_pkt g_pkt;

/* A TCP or UDP conversation: dir 0 = client to server. TCP sequence numbers follow the bytes sent,
 * as nDPI's connection tracking expects. Every packet advances the clock by 1 ms. */
typedef struct conv {
    ntc_engine *e;
    const char *ip[2];
    uint16_t port[2];
    uint32_t seq[2];
    uint64_t ts;
} conv;

static conv conv_make(ntc_engine *e, uint64_t ts, const char *cli, uint16_t cport, const char *srv,
                      uint16_t sport)
{
    conv c;
    memset(&c, 0, sizeof(c));
    c.e = e;
    c.ip[0] = cli;
    c.ip[1] = srv;
    c.port[0] = cport;
    c.port[1] = sport;
    c.seq[0] = 0x10000000u;
    c.seq[1] = 0x20000000u;
    c.ts = ts;
    return c;
}

static void tcp_send(conv *c, int dir, uint8_t flags, const void *data, size_t len)
{
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

static void tcp_handshake(conv *c)
{
    tcp_send(c, 0, PG_SYN, NULL, 0);
    tcp_send(c, 1, PG_SYN | PG_ACK, NULL, 0);
    tcp_send(c, 0, PG_ACK, NULL, 0);
}

static void tcp_data(conv *c, int dir, const void *data, size_t len)
{
    tcp_send(c, dir, PG_PSH | PG_ACK, data, len);
}

static void tcp_close(conv *c)
{
    tcp_send(c, 0, PG_FIN | PG_ACK, NULL, 0);
    tcp_send(c, 1, PG_FIN | PG_ACK, NULL, 0);
    tcp_send(c, 0, PG_ACK, NULL, 0);
}

static void udp_send(conv *c, int dir, const void *data, size_t len)
{
    h_l2l3(&g_pkt, 0, c->ip[dir], c->ip[1 - dir], 0);
    pg_udp(&g_pkt, c->port[dir], c->port[1 - dir]);
    if (len)
        pg_data(&g_pkt, data, len);
    h_finish(&g_pkt);
    h_feed(c->e, c->ts, &g_pkt);
    c->ts += MS;
}

/* Deterministic bytes that look like nothing (xorshift). */
static void noise(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed ? seed : 0x9e3779b9u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 11);
    }
}

/* ---- payloads --------------------------------------------------------------------------------- */

typedef struct wbuf {
    uint8_t b[2048];
    size_t n;
} wbuf;

static void w8(wbuf *w, unsigned v)
{
    assert_true(w->n < sizeof(w->b));
    w->b[w->n++] = (uint8_t)v;
}

static void w16(wbuf *w, unsigned v)
{
    w8(w, v >> 8);
    w8(w, v);
}

static void w24(wbuf *w, unsigned v)
{
    w8(w, v >> 16);
    w16(w, v & 0xffff);
}

static void wmem(wbuf *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof(w->b));
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put16(wbuf *w, size_t at, size_t v)
{
    assert_true(v <= 0xffff);
    w->b[at] = (uint8_t)(v >> 8);
    w->b[at + 1] = (uint8_t)v;
}

static void put24(wbuf *w, size_t at, size_t v)
{
    assert_true(v <= 0xffffff);
    w->b[at] = (uint8_t)(v >> 16);
    put16(w, at + 1, v & 0xffff);
}

/* DNS name in labels ("a.b" -> 1 'a' 1 'b' 0). */
static void wname(wbuf *w, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        assert_true(l > 0 && l < 64);
        w8(w, (unsigned)l);
        wmem(w, name, l);
        name += l + (dot ? 1 : 0);
    }
    w8(w, 0);
}

/* A DNS message: a query (rcode < 0) or a response with rcode and the IPv4 answers. */
static void dns_msg(wbuf *w, uint16_t id, const char *qname, int rcode, const char *const *answers,
                    int nans)
{
    w->n = 0;
    w16(w, id);
    w16(w, rcode < 0 ? 0x0100 : 0x8180 | (unsigned)rcode); /* RD / QR RD RA rcode */
    w16(w, 1);
    w16(w, rcode < 0 ? 0 : (unsigned)nans);
    w16(w, 0);
    w16(w, 0);
    wname(w, qname);
    w16(w, 1); /* A */
    w16(w, 1); /* IN */
    for (int i = 0; rcode >= 0 && i < nans; i++) {
        w16(w, 0xc00c); /* pointer to the question's name */
        w16(w, 1);
        w16(w, 1);
        w16(w, 0);
        w16(w, 300); /* TTL */
        w16(w, 4);
        h_addr a = h_ip(answers[i]);
        wmem(w, a.b, 4);
    }
}

/* A TLS 1.2 ClientHello record: 7 cipher suites, extensions server_name, supported_groups,
 * ec_point_formats, signature_algorithms and ALPN (h2, http/1.1). */
static void tls_client_hello(wbuf *w, const char *sni)
{
    static const uint16_t suites[] = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0x009e, 0x002f, 0x0035};
    w->n = 0;
    w8(w, 0x16);
    w16(w, 0x0301);
    size_t rec_len = w->n;
    w16(w, 0);
    w8(w, 0x01); /* ClientHello */
    size_t hs_len = w->n;
    w24(w, 0);
    w16(w, 0x0303);
    uint8_t rnd[32];
    noise(rnd, sizeof(rnd), 42);
    wmem(w, rnd, sizeof(rnd));
    w8(w, 0); /* no session id */
    w16(w, sizeof(suites));
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        w16(w, suites[i]);
    w8(w, 1);
    w8(w, 0); /* null compression */
    size_t ext_len = w->n;
    w16(w, 0);
    /* server_name */
    size_t sl = strlen(sni);
    w16(w, 0x0000);
    w16(w, (unsigned)(sl + 5));
    w16(w, (unsigned)(sl + 3));
    w8(w, 0); /* host_name */
    w16(w, (unsigned)sl);
    wmem(w, sni, sl);
    /* supported_groups: x25519, secp256r1, secp384r1 */
    w16(w, 0x000a);
    w16(w, 8);
    w16(w, 6);
    w16(w, 0x001d);
    w16(w, 0x0017);
    w16(w, 0x0018);
    /* ec_point_formats: uncompressed */
    w16(w, 0x000b);
    w16(w, 2);
    w8(w, 1);
    w8(w, 0);
    /* signature_algorithms */
    w16(w, 0x000d);
    w16(w, 8);
    w16(w, 6);
    w16(w, 0x0403);
    w16(w, 0x0804);
    w16(w, 0x0401);
    /* ALPN */
    w16(w, 0x0010);
    w16(w, 14);
    w16(w, 12);
    w8(w, 2);
    wmem(w, "h2", 2);
    w8(w, 8);
    wmem(w, "http/1.1", 8);
    put16(w, ext_len, w->n - ext_len - 2);
    put24(w, hs_len, w->n - hs_len - 3);
    put16(w, rec_len, w->n - rec_len - 2);
}

static const char HTTP_REQ[] =
    "GET /path?q=1 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: ntc-test/1.0\r\n"
    "Accept: */*\r\n"
    "\r\n";

static const char HTTP_RSP[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/html\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";

/* HTTP exchange on an established connection, then close. */
static void http_exchange(conv *c, const char *req, const char *rsp)
{
    tcp_handshake(c);
    tcp_data(c, 0, req, strlen(req));
    tcp_send(c, 1, PG_ACK, NULL, 0);
    tcp_data(c, 1, rsp, strlen(rsp));
    tcp_send(c, 0, PG_ACK, NULL, 0);
    tcp_close(c);
}

/* ---- engine ------------------------------------------------------------------------------------ */

static ntc_engine *engine(rec *r, const char *local_nets, ...)
{
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    if (local_nets)
        assert_int_equal(ntc_config_set(cfg, "host.local_networks", local_nets), 0);
    va_list ap;
    va_start(ap, local_nets);
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
    if (r)
        attach(e, r);
    return e;
}

#define CLI "192.168.1.10"
#define WEB "93.184.216.34"
#define RESOLVER "192.168.1.1"

/* ---- HTTP ------------------------------------------------------------------------------------- */

/* Hostile bytes in metadata: the record stays valid JSON and valid UTF-8. A valid multi-byte
 * character is kept, an invalid byte (a lone 0xff, an overlong 0xc0 0xaf) becomes \\ufffd, a control
 * character is escaped. */
static void dpi_json_hostile_utf8(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    conv c = conv_make(e, T0, CLI, 40009, WEB, 80);
    tcp_handshake(&c);
    static const char req[] = "GET /caf\xc3\xa9/\xff/\xc0\xaf/\x01 HTTP/1.1\r\nHost: www.example.com\r\n"
                              "User-Agent: ntc-test/1.0\r\n\r\n";
    tcp_data(&c, 0, req, strlen(req));
    tcp_data(&c, 1, HTTP_RSP, strlen(HTTP_RSP));
    tcp_close(&c);
    assert_int_equal(ntc_engine_flush(e), 0);
    rflow *f = flow_by_port(r, 80);
    assert_non_null(f);
    assert_non_null(strstr(f->json, "\"HTTP_URL\":\"www.example.com/caf\xc3\xa9/\\ufffd/\\ufffd\\ufffd/\\u0001\""));
    ntc_engine_free(e);
    rec_free(r);
}

static void dpi_http(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    conv c = conv_make(e, T0, CLI, 40001, WEB, 80);
    tcp_handshake(&c);
    tcp_data(&c, 0, HTTP_REQ, strlen(HTTP_REQ));
    tcp_send(&c, 1, PG_ACK, NULL, 0);
    /* HTTP is known from the request, but nDPI waits for the response's status. */
    live_l7 q = live(e, 80);
    assert_int_equal(q.l7.how, NTC_L7_PENDING);
    assert_int_equal(h_stats(e).flows_inspecting, 1);
    tcp_data(&c, 1, HTTP_RSP, strlen(HTTP_RSP));
    /* Final once the status is read: no DPI state left; later packets are not inspected. */
    q = live(e, 80);
    assert_int_equal(q.l7.how, NTC_L7_DPI);
    assert_string_equal(q.name, "HTTP");
    assert_int_equal(h_stats(e).flows_inspecting, 0);
    tcp_send(&c, 0, PG_ACK, NULL, 0);
    tcp_close(&c);
    assert_int_equal(ntc_engine_flush(e), 0);

    assert_int_equal(r->nflows, 1);
    rflow *f = flow_by_port(r, 80);
    assert_string_equal(f->name, "HTTP");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_int_equal(f->l7.app, ntc_l7_app_id("HTTP"));
    assert_int_equal(f->l7.master, 0);
    assert_string_equal(ntc_l7_category_name(f->l7.category), "Web");
    assert_meta(f, NTC_META_HTTP_METHOD, "GET");
    /* nDPI composes the URL from the Host header and the request target. */
    assert_meta(f, NTC_META_HTTP_URL, "www.example.com/path?q=1");
    assert_meta(f, NTC_META_HTTP_HOST, "www.example.com");
    assert_meta(f, NTC_META_HTTP_USER_AGENT, "ntc-test/1.0");
    assert_meta(f, NTC_META_HTTP_MIME, "text/html");
    assert_meta(f, NTC_META_HTTP_RET_CODE, "200");
    assert_no_meta(f, NTC_META_DNS_QUERY);
    assert_no_meta(f, NTC_META_TLS_SERVER_NAME);
    assert_no_meta(f, NTC_META_HOST_NAME);
    /* The record carries them with their template names, the status as a number. */
    assert_non_null(strstr(f->json, "\"L7_PROTO_NAME\":\"HTTP\""));
    assert_non_null(strstr(f->json, "\"L7_DETECTION\":\"dpi\""));
    assert_non_null(strstr(f->json, "\"HTTP_URL\":\"www.example.com/path?q=1\""));
    assert_non_null(strstr(f->json, "\"HTTP_RET_CODE\":200"));
    /* dpi_packets: SYN, SYN+ACK, ACK, request, ACK, response. */
    assert_int_equal(f->l7.dpi_packets, 6);

    /* The server learnt its name from Host; the client has none. */
    assert_string_equal(host_by_ip(r, WEB)->name, "www.example.com");
    assert_false(host_by_ip(r, CLI)->has_name);
    ntc_engine_free(e);
    rec_free(r);
}

/* A Host header with a port: the host name drops it, HTTP_HOST keeps what nDPI read. */
static void dpi_http_host_port(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    conv c = conv_make(e, T0, CLI, 40002, WEB, 8080);
    http_exchange(&c,
                  "GET /x HTTP/1.1\r\nHost: api.example.com:8080\r\nUser-Agent: u\r\n\r\n",
                  HTTP_RSP);
    assert_int_equal(ntc_engine_flush(e), 0);
    rflow *f = flow_by_port(r, 8080);
    assert_string_equal(f->name, "HTTP");
    assert_meta(f, NTC_META_HTTP_HOST, "api.example.com");
    assert_meta(f, NTC_META_HTTP_URL, "api.example.com:8080/x");
    assert_string_equal(host_by_ip(r, WEB)->name, "api.example.com");
    ntc_engine_free(e);
    rec_free(r);
}

/* IPv6: the same HTTP exchange, the server named from Host. */
static void dpi_http_ipv6(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    conv c = conv_make(e, T0, "2001:db8::10", 40001, "2001:db8:1::80", 80);
    http_exchange(&c, HTTP_REQ, HTTP_RSP);
    assert_int_equal(ntc_engine_flush(e), 0);
    rflow *f = flow_by_port(r, 80);
    assert_int_equal(f->fi.ip_version, 6);
    assert_string_equal(f->name, "HTTP");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_meta(f, NTC_META_HTTP_URL, "www.example.com/path?q=1");
    assert_string_equal(host_by_ip(r, "2001:db8:1::80")->name, "www.example.com");
    ntc_engine_free(e);
    rec_free(r);
}

/* ---- DNS -------------------------------------------------------------------------------------- */

static void dpi_dns(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    /* The answered address appears in traffic first, so its host exists when the answer is read. */
    conv pre = conv_make(e, T0, CLI, 40100, "10.9.8.7", 9999);
    udp_send(&pre, 0, "x", 1);

    wbuf w;
    conv c = conv_make(e, T0 + SEC, CLI, 53001, RESOLVER, 53);
    dns_msg(&w, 0x1234, "files.example.net", -1, NULL, 0);
    udp_send(&c, 0, w.b, w.n);
    /* A query alone is DNS already, but nDPI waits for the answer. */
    assert_int_equal(live(e, 53).l7.how, NTC_L7_PENDING);
    static const char *const ans[] = {"10.9.8.7", "10.9.8.6"};
    dns_msg(&w, 0x1234, "files.example.net", 0, ans, 2);
    udp_send(&c, 1, w.b, w.n);
    assert_int_equal(live(e, 53).l7.how, NTC_L7_DPI);

    /* NXDOMAIN */
    conv c2 = conv_make(e, T0 + 2 * SEC, CLI, 53002, "192.168.1.2", 53);
    dns_msg(&w, 0x4321, "nothing.example.net", -1, NULL, 0);
    udp_send(&c2, 0, w.b, w.n);
    dns_msg(&w, 0x4321, "nothing.example.net", 3, NULL, 0);
    udp_send(&c2, 1, w.b, w.n);

    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 3);
    rflow *f = NULL, *fx = NULL;
    for (int i = 0; i < r->nflows; i++) {
        if (r->flows[i].fi.cli_port == 53001)
            f = &r->flows[i];
        if (r->flows[i].fi.cli_port == 53002)
            fx = &r->flows[i];
    }
    assert_non_null(f);
    assert_non_null(fx);
    assert_string_equal(f->name, "DNS");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_string_equal(ntc_l7_category_name(f->l7.category), "Network");
    assert_meta(f, NTC_META_DNS_QUERY, "files.example.net");
    assert_meta(f, NTC_META_DNS_QUERY_TYPE, "1");
    assert_meta(f, NTC_META_DNS_RET_CODE, "0");
    assert_meta(f, NTC_META_DNS_ANSWER, "10.9.8.7");
    assert_no_meta(f, NTC_META_HTTP_HOST);
    assert_no_meta(f, NTC_META_HOST_NAME);
    assert_int_equal(f->l7.dpi_packets, 2);
    assert_non_null(strstr(f->json, "\"DNS_QUERY\":\"files.example.net\""));
    assert_non_null(strstr(f->json, "\"DNS_QUERY_TYPE\":1"));

    assert_string_equal(fx->name, "DNS");
    assert_int_equal(fx->l7.how, NTC_L7_DPI);
    assert_meta(fx, NTC_META_DNS_QUERY, "nothing.example.net");
    assert_meta(fx, NTC_META_DNS_RET_CODE, "3");
    assert_no_meta(fx, NTC_META_DNS_ANSWER);

    /* The first answered address got the queried name; the second never appeared in traffic. */
    assert_string_equal(host_by_ip(r, "10.9.8.7")->name, "files.example.net");
    for (int i = 0; i < r->nhosts; i++)
        assert_false(h_addr_is(r->hosts[i].hi.addr, "10.9.8.6"));
    assert_false(host_by_ip(r, RESOLVER)->has_name);
    ntc_engine_free(e);
    rec_free(r);
}

/* ---- TLS -------------------------------------------------------------------------------------- */

static int is_hex32(const char *s)
{
    if (!s || strlen(s) != 32)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
            return 0;
    return 1;
}

static void tls_flow(ntc_engine *e, uint64_t ts, uint16_t cport, const char *srv, const char *sni)
{
    wbuf w;
    conv c = conv_make(e, ts, CLI, cport, srv, 443);
    tcp_handshake(&c);
    tls_client_hello(&w, sni);
    tcp_data(&c, 0, w.b, w.n);
    tcp_send(&c, 1, PG_ACK, NULL, 0);
}

/* The usual order in real traffic: the DNS answer first, the connection to the answered address
 * afterwards. The host created later still gets the name (host.name_cache); with the cache off
 * (host.name_cache = 0) it stays unnamed. */
static void dpi_dns_name_before_host(void **state)
{
    (void)state;
    for (int cache = 1; cache >= 0; cache--) {
        rec *r = rec_new();
        ntc_engine *e = engine(r, NULL, "host.name_cache", cache ? "4096" : "0", NULL);
        wbuf w;
        conv c = conv_make(e, T0, CLI, 53001, RESOLVER, 53);
        dns_msg(&w, 0x1234, "later.example.net", -1, NULL, 0);
        udp_send(&c, 0, w.b, w.n);
        static const char *const ans[] = {"10.9.8.5"};
        dns_msg(&w, 0x1234, "later.example.net", 0, ans, 1);
        udp_send(&c, 1, w.b, w.n);
        conv after = conv_make(e, T0 + SEC, CLI, 40100, "10.9.8.5", 443);
        udp_send(&after, 0, "x", 1);
        assert_int_equal(ntc_engine_flush(e), 0);
        rhost *h = host_by_ip(r, "10.9.8.5");
        assert_non_null(h);
        if (cache) {
            assert_true(h->has_name);
            assert_string_equal(h->name, "later.example.net");
        } else {
            assert_false(h->has_name);
        }
        ntc_engine_free(e);
        rec_free(r);
    }
}

static void dpi_tls(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    tls_flow(e, T0, 40200, "198.51.100.7", "secure.example.com");
    /* TLS is named, but nDPI would read the server's certificate next: still inspecting. */
    live_l7 q = live(e, 443);
    assert_int_equal(q.l7.how, NTC_L7_PENDING);
    assert_int_equal(h_stats(e).flows_inspecting, 1);
    assert_int_equal(ntc_engine_flush(e), 0);

    rflow *f = flow_by_port(r, 443);
    assert_string_equal(f->name, "TLS");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_int_equal(f->l7.app, ntc_l7_app_id("TLS"));
    assert_string_equal(ntc_l7_category_name(f->l7.category), "Web");
    assert_meta(f, NTC_META_TLS_SERVER_NAME, "secure.example.com");
    assert_meta(f, NTC_META_TLS_VERSION, "TLSv1.2");
    assert_meta(f, NTC_META_TLS_ALPN, "h2,http/1.1");
    /* JA3 of this ClientHello: MD5 of "771,49195-49199-49196-49200-158-47-53,0-10-11-13-16,
     * 29-23-24,0" (version, ciphers, extensions, groups, point formats), computed apart. */
    assert_true(is_hex32(f->meta[NTC_META_JA3C_HASH]));
    assert_meta(f, NTC_META_JA3C_HASH, "6b2174c2fb7f19aa27a10407ab1de930");
    assert_no_meta(f, NTC_META_JA3S_HASH);
    assert_no_meta(f, NTC_META_HTTP_HOST);
    assert_no_meta(f, NTC_META_HOST_NAME);
    assert_string_equal(host_by_ip(r, "198.51.100.7")->name, "secure.example.com");
    assert_false(host_by_ip(r, CLI)->has_name);
    ntc_engine_free(e);
    rec_free(r);
}

/* An SNI nDPI knows gives the application on top of TLS, and its category. */
static void dpi_tls_known_app(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    tls_flow(e, T0, 40201, "198.51.100.8", "www.youtube.com");
    assert_int_equal(ntc_engine_flush(e), 0);
    rflow *f = flow_by_port(r, 443);
    assert_string_equal(f->name, "TLS.YouTube");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_int_equal(f->l7.master, ntc_l7_app_id("TLS"));
    assert_int_equal(f->l7.app, ntc_l7_app_id("YouTube"));
    assert_string_equal(ntc_l7_category_name(f->l7.category), "Media");
    assert_string_equal(ntc_l7_breed_name(f->l7.breed), "Fun");
    assert_meta(f, NTC_META_TLS_SERVER_NAME, "www.youtube.com");
    assert_non_null(strstr(f->json, "\"L7_PROTO_NAME\":\"TLS.YouTube\""));
    assert_non_null(strstr(f->json, "\"L7_PROTO_CATEGORY\":\"Media\""));
    char id[32];
    snprintf(id, sizeof(id), "\"L7_PROTO\":\"%d.%d\"", ntc_l7_app_id("TLS"), ntc_l7_app_id("YouTube"));
    assert_non_null(strstr(f->json, id));
    assert_string_equal(host_by_ip(r, "198.51.100.8")->name, "www.youtube.com");
    ntc_engine_free(e);
    rec_free(r);
}

/* ---- DHCP ------------------------------------------------------------------------------------- */

/* A DHCPDISCOVER: BOOTP header, magic cookie, options 53 (type 1), 12 (host name), 55, end. */
static void dhcp_discover(wbuf *w, const char *hostname)
{
    w->n = 0;
    w8(w, 1);    /* BOOTREQUEST */
    w8(w, 1);    /* Ethernet */
    w8(w, 6);
    w8(w, 0);
    w16(w, 0x3903);
    w16(w, 0xf326); /* xid */
    w16(w, 0);
    w16(w, 0x8000); /* broadcast */
    for (int i = 0; i < 16; i++)
        w8(w, 0); /* ciaddr yiaddr siaddr giaddr */
    static const uint8_t mac[6] = {0x02, 0x00, 0xc0, 0xa8, 0x01, 0x0a};
    wmem(w, mac, 6);
    for (int i = 0; i < 10 + 64 + 128; i++)
        w8(w, 0); /* chaddr padding, sname, file */
    w16(w, 0x6382);
    w16(w, 0x5363); /* magic cookie */
    w8(w, 53);
    w8(w, 1);
    w8(w, 1);
    size_t hl = strlen(hostname);
    w8(w, 12);
    w8(w, (unsigned)hl);
    wmem(w, hostname, hl);
    w8(w, 55);
    w8(w, 4);
    w8(w, 1);
    w8(w, 3);
    w8(w, 6);
    w8(w, 15);
    w8(w, 255);
    while (w->n < 300)
        w8(w, 0);
}

static rec *dhcp_run(void)
{
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    wbuf w;
    dhcp_discover(&w, "lucas-laptop");
    conv c = conv_make(e, T0, "0.0.0.0", 68, "255.255.255.255", 67);
    udp_send(&c, 0, w.b, w.n);
    assert_int_equal(ntc_engine_flush(e), 0);
    ntc_engine_free(e);
    return r;
}

static void dpi_dhcp(void **state)
{
    (void)state;
    rec *r = dhcp_run();
    rflow *f = flow_by_port(r, 67);
    assert_string_equal(f->name, "DHCP");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_string_equal(ntc_l7_category_name(f->l7.category), "Network");
    assert_meta(f, NTC_META_DHCP_HOST_NAME, "lucas-laptop");
    assert_no_meta(f, NTC_META_HOST_NAME);
    rec_free(r);
}

/* KNOWN BUG (lib/core/l7_account.c, name_hosts): DHCP_HOST_NAME names the flow's client host,
 * but a DHCPDISCOVER/REQUEST comes from 0.0.0.0, shared by every client still without an
 * address. ntop-export --what hosts on ../shared/pcaps/iphone.pcap names 0.0.0.0 "lucas-imac".
 * The unspecified address must never get a name. */
static void dpi_dhcp_no_name_for_unspecified(void **state)
{
    (void)state;
    rec *r = dhcp_run();
    int named = host_by_ip(r, "0.0.0.0")->has_name;
    rec_free(r);
    assert_false(named);
}

/* ---- give-up limits ------------------------------------------------------------------------- */

#define UNK_SRV "10.20.30.40"

/* Feed n noise datagrams of flow cport->47000, alternating directions, from packet `from`. */
static void noise_udp(conv *c, int from, int n)
{
    uint8_t buf[120];
    for (int i = from; i < from + n; i++) {
        noise(buf, sizeof(buf), 1000u + (uint32_t)i);
        udp_send(c, i & 1, buf, sizeof(buf));
    }
}

static void dpi_unknown_udp_gives_up(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    conv c = conv_make(e, T0, CLI, 45000, UNK_SRV, 47000);
    noise_udp(&c, 0, 24);
    /* 24 packets (dpi.udp_max_packets): still inspecting. */
    assert_int_equal(h_stats(e).flows_inspecting, 1);
    live_l7 q = live(e, 47000);
    assert_int_equal(q.l7.how, NTC_L7_PENDING);
    assert_int_equal(q.l7.dpi_packets, 24);
    /* The next packet passes the limit: nDPI gives up and its state is freed, before the flow
     * ends (like nDPI's own reader, the packet that passes the limit is still inspected). */
    noise_udp(&c, 24, 1);
    assert_int_equal(h_stats(e).flows_inspecting, 0);
    q = live(e, 47000);
    assert_int_equal(q.l7.how, NTC_L7_UNKNOWN);
    assert_int_equal(q.l7.dpi_packets, 25);
    assert_string_equal(q.name, "Unknown");
    noise_udp(&c, 25, 5);
    q = live(e, 47000);
    assert_int_equal(q.l7.dpi_packets, 25);
    assert_int_equal(h_stats(e).flows_inspecting, 0);

    assert_int_equal(ntc_engine_flush(e), 0);
    rflow *f = flow_by_port(r, 47000);
    assert_int_equal(f->fi.cli2srv_packets + f->fi.srv2cli_packets, 30);
    assert_string_equal(f->name, "Unknown");
    assert_int_equal(f->l7.app, 0);
    assert_int_equal(f->l7.master, 0);
    assert_int_equal(f->l7.how, NTC_L7_UNKNOWN);
    assert_int_equal(f->l7.dpi_packets, 25);
    assert_string_equal(ntc_l7_category_name(f->l7.category), "Unspecified");
    for (int k = 0; k < NTC_META_COUNT; k++)
        assert_no_meta(f, k);
    assert_non_null(strstr(f->json, "\"L7_PROTO_NAME\":\"Unknown\""));
    assert_non_null(strstr(f->json, "\"L7_DETECTION\":\"unknown\""));
    ntc_engine_free(e);
    rec_free(r);
}

static void dpi_udp_max_packets(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, "dpi.udp_max_packets", "5", NULL);
    conv c = conv_make(e, T0, CLI, 45001, UNK_SRV, 47000);
    noise_udp(&c, 0, 5);
    assert_int_equal(h_stats(e).flows_inspecting, 1);
    assert_int_equal(live(e, 47000).l7.dpi_packets, 5);
    noise_udp(&c, 5, 1);
    assert_int_equal(h_stats(e).flows_inspecting, 0);
    live_l7 q = live(e, 47000);
    assert_int_equal(q.l7.how, NTC_L7_UNKNOWN);
    assert_int_equal(q.l7.dpi_packets, 6);
    noise_udp(&c, 6, 24);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(flow_by_port(r, 47000)->l7.dpi_packets, 6);
    ntc_engine_free(e);
    rec_free(r);
}

/* A flow that ends before its verdict is final is concluded then: flushed noise gives up,
 * an idle DNS query keeps the DNS nDPI named (no give-up on a named flow). */
static void dpi_verdict_at_flow_end(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    wbuf w;
    conv d = conv_make(e, T0, CLI, 53001, RESOLVER, 53);
    dns_msg(&w, 5, "files.example.net", -1, NULL, 0);
    udp_send(&d, 0, w.b, w.n);
    assert_int_equal(h_stats(e).flows_inspecting, 1);
    h_advance(e, T0 + 200 * SEC);
    assert_int_equal(h_stats(e).flows_inspecting, 0);
    assert_int_equal(r->nflows, 1);
    rflow *f = flow_by_port(r, 53);
    assert_int_equal(f->reason, NTC_FLOW_END_IDLE);
    assert_string_equal(f->name, "DNS");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_meta(f, NTC_META_DNS_QUERY, "files.example.net");
    assert_no_meta(f, NTC_META_DNS_RET_CODE);
    assert_no_meta(f, NTC_META_DNS_ANSWER);

    conv c = conv_make(e, T0 + 201 * SEC, CLI, 45002, UNK_SRV, 47000);
    noise_udp(&c, 0, 3);
    assert_int_equal(h_stats(e).flows_inspecting, 1);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(h_stats(e).flows_inspecting, 0);
    f = flow_by_port(r, 47000);
    assert_int_equal(f->reason, NTC_FLOW_END_FLUSH);
    assert_int_equal(f->l7.how, NTC_L7_UNKNOWN);
    assert_int_equal(f->l7.dpi_packets, 3);
    assert_string_equal(f->name, "Unknown");
    ntc_engine_free(e);
    rec_free(r);
}

/* Feed n noise segments on an established TCP connection to srv_port, then flush. */
static rflow *tcp_noise_flow(ntc_engine *e, rec *r, uint16_t srv_port, int n)
{
    conv c = conv_make(e, T0, CLI, 40300, UNK_SRV, srv_port);
    tcp_handshake(&c);
    uint8_t buf[160];
    for (int i = 0; i < n; i++) {
        noise(buf, sizeof(buf), 500u + (uint32_t)i);
        tcp_data(&c, i & 1, buf, sizeof(buf));
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    return flow_by_port(r, srv_port);
}

/* Inspection gives up on noise to a port nDPI associates with an application: dpi.guess names
 * it from the port (VNC for 5900), and says so; without dpi.guess it stays Unknown. */
static void dpi_guess(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    rflow *f = tcp_noise_flow(e, r, 5900, 4);
    assert_string_equal(f->name, "VNC");
    assert_int_equal(f->l7.how, NTC_L7_GUESS);
    assert_non_null(strstr(f->json, "\"L7_DETECTION\":\"guess\""));
    ntc_engine_free(e);
    rec_free(r);

    r = rec_new();
    e = engine(r, NULL, "dpi.guess", "false", NULL);
    f = tcp_noise_flow(e, r, 5900, 4);
    assert_string_equal(f->name, "Unknown");
    assert_int_equal(f->l7.how, NTC_L7_UNKNOWN);
    ntc_engine_free(e);
    rec_free(r);
}

/* ---- DPI off --------------------------------------------------------------------------------- */

static void dpi_disabled(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, "192.168.1.0/24", "dpi.enable", "false", NULL);
    ntc_iface_stats st = h_stats(e);
    assert_int_equal(st.dpi_state_bytes, 0);
    conv c = conv_make(e, T0, CLI, 40001, WEB, 80);
    http_exchange(&c, HTTP_REQ, HTTP_RSP);
    wbuf w;
    conv d = conv_make(e, T0 + SEC, CLI, 53001, RESOLVER, 53);
    dns_msg(&w, 1, "files.example.net", -1, NULL, 0);
    udp_send(&d, 0, w.b, w.n);
    st = h_stats(e);
    assert_int_equal(st.flows_active, 2);
    assert_int_equal(st.flows_total, 2);
    assert_int_equal(st.flows_inspecting, 0);
    assert_int_equal(st.dpi_state_bytes, 0);
    assert_int_equal(live(e, 80).l7.how, NTC_L7_OFF);
    assert_int_equal(ntc_engine_flush(e), 0);

    assert_int_equal(r->nflows, 2);
    for (int i = 0; i < r->nflows; i++) {
        rflow *f = &r->flows[i];
        assert_int_equal(f->l7.how, NTC_L7_OFF);
        assert_int_equal(f->l7.dpi_packets, 0);
        assert_int_equal(f->l7.app, 0);
        assert_string_equal(f->name, "Unknown");
        for (int k = 0; k < NTC_META_COUNT; k++)
            assert_no_meta(f, k);
        /* No L7 field at all in the record. */
        assert_null(strstr(f->json, "L7_"));
        assert_null(strstr(f->json, "HTTP_"));
        assert_null(strstr(f->json, "DNS_"));
        assert_non_null(strstr(f->json, "\"IN_PKTS\":"));
    }
    rflow *f = flow_by_port(r, 80);
    assert_int_equal(f->fi.cli2srv_packets, 6);
    assert_int_equal(f->fi.srv2cli_packets, 4);
    /* No names learnt; the local client's application table has its two flows as Unknown. */
    assert_false(host_by_ip(r, WEB)->has_name);
    rhost *h = host_by_ip(r, CLI);
    assert_int_equal(h->napps, 1);
    assert_int_equal(h->apps[0].id, 0);
    assert_int_equal(h->apps[0].flows, 2);
    assert_int_equal(h->apps[0].cli2srv_packets, 7);
    assert_int_equal(h->apps[0].srv2cli_packets, 4);
    ntc_engine_free(e);
    rec_free(r);
}

/* ---- L7 accounting -------------------------------------------------------------------------- */

typedef struct app_sum {
    ntc_app_stats t[256];
    int n;
} app_sum;

static int collect_app(void *u, const ntc_app_stats *st)
{
    app_sum *s = u;
    assert_true(s->n < 256);
    assert_int_equal(st->size, sizeof(*st));
    s->t[s->n++] = *st;
    return 0;
}

static const ntc_app_stats *find_app(const app_sum *s, uint16_t id)
{
    for (int i = 0; i < s->n; i++)
        if (s->t[i].id == id)
            return &s->t[i];
    return NULL;
}

/* Sum the recorded flows into per-id stats (app id, or category when cats). */
static void sum_flows(const rec *r, int cats, app_sum *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < r->nflows; i++) {
        const rflow *f = &r->flows[i];
        uint16_t id = cats ? f->l7.category : f->l7.app;
        ntc_app_stats *a = (ntc_app_stats *)find_app(out, id);
        if (!a) {
            a = &out->t[out->n++];
            a->size = sizeof(*a);
            a->id = id;
        }
        a->flows++;
        a->cli2srv_packets += f->fi.cli2srv_packets;
        a->cli2srv_bytes += f->fi.cli2srv_bytes;
        a->srv2cli_packets += f->fi.srv2cli_packets;
        a->srv2cli_bytes += f->fi.srv2cli_bytes;
    }
}

static void assert_same_stats(const ntc_app_stats *a, const ntc_app_stats *b)
{
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->flows, b->flows);
    assert_int_equal(a->cli2srv_packets, b->cli2srv_packets);
    assert_int_equal(a->cli2srv_bytes, b->cli2srv_bytes);
    assert_int_equal(a->srv2cli_packets, b->srv2cli_packets);
    assert_int_equal(a->srv2cli_bytes, b->srv2cli_bytes);
}

static void assert_tables_equal(const app_sum *got, const app_sum *want)
{
    assert_int_equal(got->n, want->n);
    for (int i = 0; i < want->n; i++) {
        const ntc_app_stats *g = find_app(got, want->t[i].id);
        if (!g)
            fail_msg("id %u missing from the engine's table", want->t[i].id);
        assert_same_stats(g, &want->t[i]);
    }
}

static void dpi_l7_accounting(void **state)
{
    (void)state;
    rec *r = rec_new();
    ntc_engine *e = engine(r, "192.168.1.0/24", NULL);
    /* HTTP from the local client to a remote server (final after the response, then more
     * packets: FIN, ACK), two DNS lookups to a local resolver, one second HTTP flow from another
     * local client. */
    conv c = conv_make(e, T0, CLI, 40001, WEB, 80);
    http_exchange(&c, HTTP_REQ, HTTP_RSP);
    conv c2 = conv_make(e, T0 + 100 * MS, "192.168.1.11", 40002, WEB, 80);
    http_exchange(&c2, HTTP_REQ, HTTP_RSP);
    wbuf w;
    static const char *const ans[] = {"10.9.8.7"};
    for (int i = 0; i < 2; i++) {
        conv d = conv_make(e, T0 + SEC + (uint64_t)i * MS * 10, CLI, (uint16_t)(53001 + i), RESOLVER,
                           53);
        dns_msg(&w, (uint16_t)(7 + i), "files.example.net", -1, NULL, 0);
        udp_send(&d, 0, w.b, w.n);
        dns_msg(&w, (uint16_t)(7 + i), "files.example.net", 0, ans, 1);
        udp_send(&d, 1, w.b, w.n);
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 4);

    /* Interface tables: exactly the sums of the flows. */
    app_sum *got = calloc(1, sizeof(*got)), *want = calloc(1, sizeof(*want));
    assert_non_null(got);
    assert_non_null(want);
    assert_int_equal(ntc_engine_foreach_app(e, 0, collect_app, got), 0);
    sum_flows(r, 0, want);
    assert_int_equal(want->n, 2);
    assert_tables_equal(got, want);
    const ntc_app_stats *http = find_app(got, (uint16_t)ntc_l7_app_id("HTTP"));
    const ntc_app_stats *dns = find_app(got, (uint16_t)ntc_l7_app_id("DNS"));
    assert_non_null(http);
    assert_non_null(dns);
    assert_int_equal(http->flows, 2);
    assert_int_equal(http->cli2srv_packets, 12);
    assert_int_equal(http->srv2cli_packets, 8);
    assert_int_equal(dns->flows, 2);
    assert_int_equal(dns->cli2srv_packets, 2);
    assert_int_equal(dns->srv2cli_packets, 2);

    memset(got, 0, sizeof(*got));
    assert_int_equal(ntc_engine_foreach_app(e, 1, collect_app, got), 0);
    sum_flows(r, 1, want);
    assert_tables_equal(got, want);
    for (int i = 0; i < got->n; i++)
        assert_non_null(ntc_l7_category_name(got->t[i].id));

    free(got);
    free(want);

    /* Local host tables: per app, sent = what the host sent. */
    rhost *h = host_by_ip(r, CLI);
    assert_int_equal(h->napps, 2);
    rflow *fh = NULL;
    for (int i = 0; i < r->nflows; i++)
        if (r->flows[i].fi.cli_port == 40001)
            fh = &r->flows[i];
    assert_non_null(fh);
    uint64_t dns_sent_p = 0, dns_sent_b = 0, dns_rcvd_p = 0, dns_rcvd_b = 0;
    for (int i = 0; i < r->nflows; i++) {
        if (r->flows[i].fi.srv_port != 53)
            continue;
        dns_sent_p += r->flows[i].fi.cli2srv_packets;
        dns_sent_b += r->flows[i].fi.cli2srv_bytes;
        dns_rcvd_p += r->flows[i].fi.srv2cli_packets;
        dns_rcvd_b += r->flows[i].fi.srv2cli_bytes;
    }
    for (size_t i = 0; i < h->napps; i++) {
        const ntc_app_stats *a = &h->apps[i];
        if (a->id == ntc_l7_app_id("HTTP")) {
            assert_int_equal(a->flows, 1);
            assert_int_equal(a->cli2srv_packets, fh->fi.cli2srv_packets);
            assert_int_equal(a->cli2srv_bytes, fh->fi.cli2srv_bytes);
            assert_int_equal(a->srv2cli_packets, fh->fi.srv2cli_packets);
            assert_int_equal(a->srv2cli_bytes, fh->fi.srv2cli_bytes);
        } else if (a->id == ntc_l7_app_id("DNS")) {
            assert_int_equal(a->flows, 2);
            assert_int_equal(a->cli2srv_packets, dns_sent_p);
            assert_int_equal(a->cli2srv_bytes, dns_sent_b);
            assert_int_equal(a->srv2cli_packets, dns_rcvd_p);
            assert_int_equal(a->srv2cli_bytes, dns_rcvd_b);
        } else {
            fail_msg("unexpected app %u in the client's table", a->id);
        }
    }
    /* The local resolver served DNS: what it sent is what the clients received. */
    rhost *res = host_by_ip(r, RESOLVER);
    assert_int_equal(res->napps, 1);
    assert_int_equal(res->apps[0].id, ntc_l7_app_id("DNS"));
    assert_int_equal(res->apps[0].flows, 2);
    assert_int_equal(res->apps[0].cli2srv_packets, dns_rcvd_p);
    assert_int_equal(res->apps[0].cli2srv_bytes, dns_rcvd_b);
    assert_int_equal(res->apps[0].srv2cli_packets, dns_sent_p);
    assert_int_equal(res->apps[0].srv2cli_bytes, dns_sent_b);
    /* The second client has HTTP only. */
    rhost *h2 = host_by_ip(r, "192.168.1.11");
    assert_int_equal(h2->napps, 1);
    assert_int_equal(h2->apps[0].id, ntc_l7_app_id("HTTP"));
    assert_int_equal(h2->apps[0].flows, 1);
    /* Remote hosts keep no application table. */
    rhost *web = host_by_ip(r, WEB);
    assert_int_equal(web->hi.is_local, 0);
    assert_int_equal(web->napps, 0);
    ntc_engine_free(e);
    rec_free(r);
}

static int stop_first(void *u, const ntc_app_stats *st)
{
    (void)st;
    (*(int *)u)++;
    return 1;
}

/* Traffic counts in the tables a few packets late for inspected flows, never twice. */
static void dpi_l7_accounting_live(void **state)
{
    (void)state;
    ntc_engine *e = engine(NULL, "192.168.1.0/24", NULL);
    app_sum *got = calloc(1, sizeof(*got));
    assert_non_null(got);
    conv c = conv_make(e, T0, CLI, 40001, WEB, 80);
    tcp_handshake(&c);
    tcp_data(&c, 0, HTTP_REQ, strlen(HTTP_REQ));
    /* Pending: nothing in the table yet. */
    assert_int_equal(ntc_engine_foreach_app(e, 0, collect_app, got), 0);
    assert_int_equal(got->n, 0);
    tcp_data(&c, 1, HTTP_RSP, strlen(HTTP_RSP));
    memset(got, 0, sizeof(*got));
    assert_int_equal(ntc_engine_foreach_app(e, 0, collect_app, got), 0);
    assert_int_equal(got->n, 1);
    assert_int_equal(got->t[0].id, ntc_l7_app_id("HTTP"));
    assert_int_equal(got->t[0].flows, 1);
    assert_int_equal(got->t[0].cli2srv_packets, 3);
    assert_int_equal(got->t[0].srv2cli_packets, 2);
    tcp_close(&c);
    memset(got, 0, sizeof(*got));
    assert_int_equal(ntc_engine_foreach_app(e, 0, collect_app, got), 0);
    assert_int_equal(got->t[0].flows, 1);
    assert_int_equal(got->t[0].cli2srv_packets, 5);
    assert_int_equal(got->t[0].srv2cli_packets, 3);
    int calls = 0;
    assert_int_equal(ntc_engine_foreach_app(e, 1, stop_first, &calls), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(ntc_engine_foreach_app(e, 0, NULL, NULL), NTC_EINVAL);
    free(got);
    ntc_engine_free(e);
}

/* ---- custom protocols and categories ---------------------------------------------------------- */

typedef struct tmpdir {
    char dir[64];
    char path[3][128];
} tmpdir;

static void tmp_make(tmpdir *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/ntc-dpi-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
}

static const char *tmp_file(tmpdir *t, int i, const char *name, const char *text)
{
    snprintf(t->path[i], sizeof(t->path[i]), "%s/%s", t->dir, name);
    FILE *f = fopen(t->path[i], "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return t->path[i];
}

static void tmp_clean(tmpdir *t)
{
    for (int i = 0; i < 3; i++)
        if (t->path[i][0])
            unlink(t->path[i]);
    rmdir(t->dir);
}

#define ORG_REQ "GET / HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: u\r\n\r\n"

/* Run the two probe flows (HTTP to www.example.org, noise to TCP/8081) through an engine. */
static void custom_flows(ntc_engine *e, rec *r)
{
    conv c = conv_make(e, T0, CLI, 40001, WEB, 80);
    http_exchange(&c, ORG_REQ, HTTP_RSP);
    conv p = conv_make(e, T0 + SEC, CLI, 40002, "203.0.113.9", 8081);
    tcp_handshake(&p);
    uint8_t buf[200];
    for (int i = 0; i < 4; i++) {
        noise(buf, sizeof(buf), 77u + (uint32_t)i);
        tcp_data(&p, i & 1, buf, sizeof(buf));
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(r->nflows, 2);
}

static void dpi_custom_protocols(void **state)
{
    (void)state;
    tmpdir t;
    tmp_make(&t);
    const char *protos = tmp_file(&t, 0, "protos.txt",
                                  "# custom rules\n"
                                  "host:\"example.org\"@MyProto\n"
                                  "tcp:8081@MyPort\n");
    /* Without the file: plain HTTP, and nothing on 8081. */
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    custom_flows(e, r);
    assert_string_equal(flow_by_port(r, 80)->name, "HTTP");
    assert_string_equal(flow_by_port(r, 8081)->name, "Unknown");
    assert_int_equal(flow_by_port(r, 8081)->l7.how, NTC_L7_UNKNOWN);
    ntc_engine_free(e);
    rec_free(r);

    /* With it: the rules decide. */
    r = rec_new();
    e = engine(r, NULL, "dpi.protocols_file", protos, NULL);
    custom_flows(e, r);
    rflow *f = flow_by_port(r, 80);
    assert_string_equal(f->name, "HTTP.MyProto");
    assert_int_equal(f->l7.how, NTC_L7_DPI);
    assert_true(f->l7.app >= NTC_L7_CUSTOM_BASE);
    assert_int_equal(f->l7.master, ntc_l7_app_id("HTTP"));
    assert_string_equal(ntc_engine_app_name(e, f->l7.app), "MyProto");
    assert_null(ntc_l7_app_name(f->l7.app));
    assert_meta(f, NTC_META_HTTP_HOST, "www.example.org");
    assert_non_null(strstr(f->json, "\"L7_PROTO_NAME\":\"HTTP.MyProto\""));
    rflow *p = flow_by_port(r, 8081);
    assert_string_equal(p->name, "MyPort");
    assert_true(p->l7.app >= NTC_L7_CUSTOM_BASE);
    assert_int_equal(p->l7.master, 0);
    assert_string_equal(ntc_engine_app_name(e, p->l7.app), "MyPort");
    assert_int_not_equal(p->l7.app, f->l7.app);
    /* Custom ids are accounted like built-in ones. */
    app_sum *got = calloc(1, sizeof(*got));
    assert_non_null(got);
    assert_int_equal(ntc_engine_foreach_app(e, 0, collect_app, got), 0);
    assert_non_null(find_app(got, f->l7.app));
    assert_non_null(find_app(got, p->l7.app));
    assert_int_equal(find_app(got, p->l7.app)->flows, 1);
    free(got);
    assert_null(ntc_engine_app_name(e, (uint16_t)(NTC_L7_CUSTOM_BASE + 1000)));
    /* Default category and breed of an id, whether or not a flow carries it now. */
    uint16_t cat = 0;
    int breed = -1;
    assert_int_equal(ntc_engine_app_info(e, (uint16_t)ntc_l7_app_id("HTTP"), &cat, &breed), 0);
    assert_string_equal(ntc_l7_category_name(cat), "Web");
    assert_string_equal(ntc_l7_breed_name(breed), "Acceptable");
    assert_int_equal(ntc_engine_app_info(e, (uint16_t)ntc_l7_app_id("SSH"), &cat, &breed), 0);
    assert_string_equal(ntc_l7_category_name(cat), "RemoteAccess");
    assert_int_equal(ntc_engine_app_info(e, p->l7.app, &cat, &breed), 0); /* a custom id */
    assert_int_equal(ntc_engine_app_info(e, (uint16_t)(NTC_L7_CUSTOM_BASE + 1000), &cat, &breed),
                     NTC_ENOKEY);
    assert_int_equal(ntc_engine_app_info(e, 7, NULL, &breed), NTC_EINVAL);
    ntc_engine_free(e);
    rec_free(r);
    e = engine(NULL, NULL, "dpi.enable", "false", NULL);
    assert_int_equal(ntc_engine_app_info(e, (uint16_t)ntc_l7_app_id("HTTP"), &cat, &breed),
                     NTC_ENOTSUP);
    ntc_engine_free(e);

    /* A missing file: ntc_engine_new fails and says which key and which path. */
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/no-such-protos.txt", t.dir);
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    assert_int_equal(ntc_config_set(cfg, "dpi.protocols_file", missing), 0);
    e = NULL;
    int rc = ntc_engine_new(&e, cfg);
    assert_true(rc < 0);
    assert_non_null(e);
    const char *msg = ntc_engine_errmsg(e);
    assert_non_null(strstr(msg, "dpi.protocols_file"));
    assert_non_null(strstr(msg, missing));
    ntc_engine_free(e);
    ntc_config_free(cfg);
    tmp_clean(&t);
}

/* KNOWN BUG (lib/dpi/dpi.c): the categories of dpi.categories_file are lost. nDPI 4.2's
 * ndpi_load_categories_file() already calls ndpi_enable_loaded_categories(); dpi.c calls it again
 * after ndpi_finalize_initialization(), which swaps the loaded automaton for the empty shadow one.
 * ndpiReader -c with the same file gives this flow "cat: Game/8". */
static void dpi_custom_categories(void **state)
{
    (void)state;
    tmpdir t;
    tmp_make(&t);
    /* nDPI format: name<TAB>category id; 8 is nDPI's "Game". */
    const char *cats = tmp_file(&t, 0, "cats.txt", "example.org\t8\n");
    rec *r = rec_new();
    ntc_engine *e = engine(r, NULL, NULL);
    custom_flows(e, r);
    assert_string_equal(ntc_l7_category_name(flow_by_port(r, 80)->l7.category), "Web");
    ntc_engine_free(e);
    rec_free(r);

    r = rec_new();
    e = engine(r, NULL, "dpi.categories_file", cats, NULL);
    custom_flows(e, r);
    rflow *f = flow_by_port(r, 80);
    assert_string_equal(f->name, "HTTP");
    ntc_engine_free(e);
    tmp_clean(&t);
    uint16_t cat = f->l7.category;
    rec_free(r);
    assert_string_equal(ntc_l7_category_name(cat), "Game");
}

static void dpi_categories_file_missing(void **state)
{
    (void)state;
    tmpdir t;
    tmp_make(&t);
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/none.txt", t.dir);
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    assert_int_equal(ntc_config_set(cfg, "dpi.categories_file", missing), 0);
    ntc_engine *e = NULL;
    assert_true(ntc_engine_new(&e, cfg) < 0);
    assert_non_null(e);
    assert_non_null(strstr(ntc_engine_errmsg(e), "dpi.categories_file"));
    assert_non_null(strstr(ntc_engine_errmsg(e), missing));
    ntc_engine_free(e);
    ntc_config_free(cfg);
    tmp_clean(&t);
}

/* ---- memory ------------------------------------------------------------------------------- */

/* A flow idle for dpi.idle_giveup seconds gets its verdict and loses its DPI state before it
 * expires; with 0 the state stays until the flow ends. */
static void dpi_idle_giveup(void **state)
{
    (void)state;
    for (int giveup = 1; giveup >= 0; giveup--) {
        rec *r = rec_new();
        ntc_engine *e = engine(r, NULL, "dpi.idle_giveup", giveup ? "30" : "0", NULL);
        conv u = conv_make(e, T0, CLI, 45000, UNK_SRV, 47000);
        noise_udp(&u, 0, 3);
        assert_int_equal(h_stats(e).flows_inspecting, 1);
        h_advance(e, T0 + 30 * SEC);
        assert_int_equal(h_stats(e).flows_inspecting, 1);
        h_advance(e, T0 + 32 * SEC);
        assert_int_equal(h_stats(e).flows_inspecting, giveup ? 0 : 1);
        assert_int_equal(h_stats(e).flows_active, 1);
        assert_int_equal(r->nflows, 0);
        h_advance(e, T0 + 62 * SEC);
        assert_int_equal(r->nflows, 1);
        assert_int_equal(r->flows[0].l7.how, NTC_L7_UNKNOWN);
        assert_int_equal(h_stats(e).flows_inspecting, 0);
        ntc_engine_free(e);
        rec_free(r);
    }
}

static void dpi_memory(void **state)
{
    (void)state;
    ntc_engine *e = engine(NULL, NULL, NULL);
    ntc_iface_stats st = h_stats(e);
    assert_true(st.dpi_state_bytes > 0);
    assert_int_equal(st.flows_inspecting, 0);
    uint64_t per = st.dpi_state_bytes;

    /* Three pending flows: a TLS ClientHello (waits for the certificate), a DNS query (waits
     * for the answer), UDP noise (below the limit). */
    tls_flow(e, T0, 40200, "198.51.100.7", "secure.example.com");
    wbuf w;
    conv d = conv_make(e, T0 + SEC, CLI, 53001, RESOLVER, 53);
    dns_msg(&w, 9, "files.example.net", -1, NULL, 0);
    udp_send(&d, 0, w.b, w.n);
    conv u = conv_make(e, T0 + SEC, CLI, 45000, UNK_SRV, 47000);
    noise_udp(&u, 0, 3);
    st = h_stats(e);
    assert_int_equal(st.flows_active, 3);
    assert_int_equal(st.flows_inspecting, 3);
    assert_int_equal(st.dpi_state_bytes, per);
    uint64_t mem3 = st.memory_bytes;

    /* The DNS answer ends one inspection: exactly one flow's DPI state less, plus the flow's
     * metadata block (query, type, code, answer: a few dozen bytes), which is counted too. */
    static const char *const ans[] = {"10.9.8.7"};
    dns_msg(&w, 9, "files.example.net", 0, ans, 1);
    udp_send(&d, 1, w.b, w.n);
    st = h_stats(e);
    assert_int_equal(st.flows_active, 3);
    assert_int_equal(st.flows_inspecting, 2);
    uint64_t meta = st.memory_bytes - (mem3 - per);
    assert_true(meta >= sizeof("files.example.net") + sizeof("10.9.8.7"));
    assert_true(meta < 128);

    /* The noise flow passes the limit: no metadata, exactly its DPI state less. */
    noise_udp(&u, 3, 30);
    st = h_stats(e);
    assert_int_equal(st.flows_inspecting, 1);
    assert_int_equal(st.memory_bytes, mem3 - 2 * per + meta);

    /* A finished flow with no further packet concludes when it ends. */
    assert_int_equal(ntc_engine_flush(e), 0);
    st = h_stats(e);
    assert_int_equal(st.flows_active, 0);
    assert_int_equal(st.flows_inspecting, 0);
    ntc_engine_free(e);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dpi_http),
        cmocka_unit_test(dpi_json_hostile_utf8),
        cmocka_unit_test(dpi_http_host_port),
        cmocka_unit_test(dpi_http_ipv6),
        cmocka_unit_test(dpi_dns),
        cmocka_unit_test(dpi_dns_name_before_host),
        cmocka_unit_test(dpi_tls),
        cmocka_unit_test(dpi_tls_known_app),
        cmocka_unit_test(dpi_dhcp),
        cmocka_unit_test(dpi_unknown_udp_gives_up),
        cmocka_unit_test(dpi_udp_max_packets),
        cmocka_unit_test(dpi_verdict_at_flow_end),
        cmocka_unit_test(dpi_guess),
        cmocka_unit_test(dpi_disabled),
        cmocka_unit_test(dpi_l7_accounting),
        cmocka_unit_test(dpi_l7_accounting_live),
        cmocka_unit_test(dpi_custom_protocols),
        cmocka_unit_test(dpi_categories_file_missing),
        cmocka_unit_test(dpi_memory),
        cmocka_unit_test(dpi_idle_giveup),
        cmocka_unit_test(dpi_custom_categories),
        cmocka_unit_test(dpi_dhcp_no_name_for_unspecified),
    };
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: test_dpi\n");
        return 99;
    }
    return cmocka_run_group_tests_name("dpi", tests, NULL, NULL);
}
