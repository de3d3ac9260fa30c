/* make-sample: write the demo capture of the quick start (classic pcap, Ethernet).
 *
 * About 150 s of a small home network, 192.168.1.0/24 behind the router 192.168.1.1:
 *   0 s   ARP request/reply (laptop asks for the router)
 *   0.5 s laptop: DNS A example.com, then HTTP GET / with the full TCP life (handshake .. FIN)
 *   5 s   phone: DNS A www.ntop.org, then TLS 1.3 on 443 (ClientHello with SNI, server flight)
 *   10 s  laptop: NTP to time.cloudflare.com; again at 100 s: idle 90 s, so the first flow
 *         expires mid-capture (60 s idle timeout) and a second one starts
 *   15 s  desktop: 4 ICMP echo requests/replies to 8.8.8.8
 *   20 s  laptop over IPv6: DNS AAAA example.com (UDP), then HTTP over TCP
 *   30 s  NAS on VLAN 10: SSH banners exchanged with a backup server, then closed
 *   45 s  desktop: TCP SYN to 203.0.113.50:8443, retried twice, never answered
 *   119 s desktop: DNS A example.com and another HTTP GET
 *   150 s ARP request from the phone
 * Everything is deterministic (fixed clock and pseudo-random bytes), so the file is the same on
 * every build. Usage: make-sample OUTPUT.pcap
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktgen.h"

#define T0_US 1715680800000000ull /* 2024-05-14 10:00:00 UTC */

typedef struct host {
    uint8_t mac[6];
    uint8_t ip[4];
    uint8_t ip6[16];
    uint16_t ip_id;
    uint8_t ttl;
    uint16_t vlan; /* 0: untagged */
} host;

typedef struct frame {
    uint64_t ts_us;
    uint32_t seq; /* insertion order, to keep the sort stable */
    uint32_t len;
    uint8_t *data;
} frame;

static frame *frames;
static size_t nframes, cap_frames;
static pg_pkt P;
static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static void die(const char *msg)
{
    fprintf(stderr, "make-sample: %s\n", msg);
    exit(1);
}

static uint8_t rnd8(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint8_t)(rnd_state >> 24);
}

static void rnd_bytes(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = rnd8();
}

static uint64_t at(double seconds)
{
    return T0_US + (uint64_t)(seconds * 1e6 + 0.5);
}

/* Finish P (pad to the Ethernet minimum) and keep it for time t. */
static void emit(double t)
{
    if (pg_finish(&P) != 0)
        die("packet too large");
    pg_pad(&P, 60);
    if (nframes == cap_frames) {
        cap_frames = cap_frames ? cap_frames * 2 : 256;
        frames = realloc(frames, cap_frames * sizeof(*frames));
        if (!frames)
            die("out of memory");
    }
    frame *f = &frames[nframes];
    f->ts_us = at(t);
    f->seq = (uint32_t)nframes;
    f->len = (uint32_t)P.len;
    f->data = malloc(P.len);
    if (!f->data)
        die("out of memory");
    memcpy(f->data, P.data, P.len);
    nframes++;
}

static int frame_cmp(const void *a, const void *b)
{
    const frame *x = a, *y = b;
    if (x->ts_us != y->ts_us)
        return x->ts_us < y->ts_us ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* ---- the network ---- */

static host router = {{0x00, 0x1a, 0x2b, 0x00, 0x00, 0x01}, {192, 168, 1, 1}, {0}, 100, 64, 0};
static host laptop = {{0x3c, 0x22, 0xfb, 0x10, 0x00, 0x10}, {192, 168, 1, 10}, {0}, 4000, 64, 0};
static host phone = {{0xa4, 0x83, 0xe7, 0x20, 0x00, 0x20}, {192, 168, 1, 20}, {0}, 9000, 64, 0};
static host desktop = {{0x00, 0x25, 0x90, 0x30, 0x00, 0x30}, {192, 168, 1, 30}, {0}, 20000, 128, 0};
static host nas = {{0x00, 0x11, 0x32, 0x40, 0x00, 0x40}, {192, 168, 1, 40}, {0}, 300, 64, 10};
/* Remote hosts: reached through the router's MAC. */
static host dns = {{0}, {8, 8, 8, 8}, {0}, 0, 118, 0};
static host web = {{0}, {93, 184, 216, 34}, {0}, 0, 55, 0};
static host ntop = {{0}, {167, 99, 215, 164}, {0}, 0, 51, 0};
static host ntp = {{0}, {162, 159, 200, 123}, {0}, 0, 57, 0};
static host backup = {{0}, {198, 51, 100, 20}, {0}, 0, 60, 0};
static host dark = {{0}, {203, 0, 113, 50}, {0}, 0, 64, 0};

static const uint8_t BROADCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Start a frame from a local host (local != NULL as sender) to/from a remote one. */
static void start(const host *local, int from_local, int v6)
{
    pg_init(&P);
    if (from_local)
        pg_eth(&P, router.mac, local->mac, 0);
    else
        pg_eth(&P, local->mac, router.mac, 0);
    if (local->vlan)
        pg_vlan(&P, 0, 0, local->vlan, 0);
    (void)v6;
}

static void ip_hdr(host *src, host *dst, int v6, int df)
{
    if (v6) {
        pg_ipv6_opt o = {.hop_limit = src->ttl};
        pg_ipv6(&P, src->ip6, dst->ip6, &o);
    } else {
        pg_ipv4_opt o = {.id = src->ip_id++, .ttl = src->ttl, .df = (uint8_t)df};
        pg_ipv4(&P, src->ip, dst->ip, &o);
    }
}

/* ---- TCP conversations ---- */

typedef struct tcp_conv {
    host *cli, *srv; /* cli is the local host */
    uint16_t cport, sport;
    uint32_t cseq, sseq; /* next sequence number of each side */
    int v6;
} tcp_conv;

static const uint8_t SYN_OPTS[12] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
static const uint8_t SYNACK_OPTS[12] = {2, 4, 0x05, 0x78, 1, 1, 4, 2, 1, 3, 3, 9};

static void tcp_send(tcp_conv *c, int from_cli, uint8_t flags, const void *data, size_t len,
                     double t)
{
    host *src = from_cli ? c->cli : c->srv;
    host *dst = from_cli ? c->srv : c->cli;
    start(c->cli, from_cli, c->v6);
    ip_hdr(src, dst, c->v6, 1);
    pg_tcp_opt o = {.seq = from_cli ? c->cseq : c->sseq,
                    .ack = (flags & PG_ACK) ? (from_cli ? c->sseq : c->cseq) : 0,
                    .flags = flags,
                    .win = from_cli ? 502 : 501};
    if (flags & PG_SYN) {
        o.options = from_cli ? SYN_OPTS : SYNACK_OPTS;
        o.options_len = 12;
        o.win = from_cli ? 64240 : 65160;
    }
    pg_tcp(&P, from_cli ? c->cport : c->sport, from_cli ? c->sport : c->cport, &o);
    if (len)
        pg_data(&P, data, len);
    emit(t);
    uint32_t adv = (uint32_t)len + ((flags & PG_SYN) ? 1 : 0) + ((flags & PG_FIN) ? 1 : 0);
    if (from_cli)
        c->cseq += adv;
    else
        c->sseq += adv;
}

/* Handshake at t with the given round-trip time. */
static void tcp_open(tcp_conv *c, double t, double rtt)
{
    tcp_send(c, 1, PG_SYN, NULL, 0, t);
    tcp_send(c, 0, PG_SYN | PG_ACK, NULL, 0, t + rtt);
    tcp_send(c, 1, PG_ACK, NULL, 0, t + rtt + 0.0001);
}

/* Client-initiated close. */
static void tcp_close(tcp_conv *c, double t, double rtt)
{
    tcp_send(c, 1, PG_FIN | PG_ACK, NULL, 0, t);
    tcp_send(c, 0, PG_FIN | PG_ACK, NULL, 0, t + rtt);
    tcp_send(c, 1, PG_ACK, NULL, 0, t + rtt + 0.0001);
}

/* ---- UDP: DNS and NTP ---- */

static size_t dns_name(uint8_t *b, const char *name)
{
    size_t n = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        b[n++] = (uint8_t)l;
        memcpy(b + n, name, l);
        n += l;
        name += l;
        if (*name == '.')
            name++;
    }
    b[n++] = 0;
    return n;
}

/* A DNS query for name (qtype 1 or 28); with answer != NULL, the response with one record. */
static size_t dns_msg(uint8_t *b, uint16_t id, const char *name, uint16_t qtype,
                      const uint8_t *answer)
{
    size_t n = 0;
    b[n++] = (uint8_t)(id >> 8);
    b[n++] = (uint8_t)id;
    b[n++] = answer ? 0x81 : 0x01; /* QR, RD */
    b[n++] = answer ? 0x80 : 0x00; /* RA, NOERROR */
    static const uint8_t counts_q[8] = {0, 1, 0, 0, 0, 0, 0, 0};
    static const uint8_t counts_r[8] = {0, 1, 0, 1, 0, 0, 0, 0};
    memcpy(b + n, answer ? counts_r : counts_q, 8);
    n += 8;
    n += dns_name(b + n, name);
    b[n++] = 0;
    b[n++] = (uint8_t)qtype;
    b[n++] = 0;
    b[n++] = 1;
    if (answer) {
        size_t alen = qtype == 28 ? 16 : 4;
        static const uint8_t rr[10] = {0xc0, 0x0c, 0, 0, 0, 1, 0, 0, 0x0e, 0x10}; /* TTL 3600 */
        memcpy(b + n, rr, sizeof(rr));
        b[n + 3] = (uint8_t)qtype;
        n += sizeof(rr);
        b[n++] = 0;
        b[n++] = (uint8_t)alen;
        memcpy(b + n, answer, alen);
        n += alen;
    }
    return n;
}

static void dns_lookup(host *cli, uint16_t cport, host *server, int v6, uint16_t id,
                       const char *name, uint16_t qtype, const uint8_t *addr, double t, double rtt)
{
    uint8_t msg[512];
    size_t n = dns_msg(msg, id, name, qtype, NULL);
    start(cli, 1, v6);
    ip_hdr(cli, server, v6, 0);
    pg_udp(&P, cport, 53);
    pg_data(&P, msg, n);
    emit(t);
    n = dns_msg(msg, id, name, qtype, addr);
    start(cli, 0, v6);
    ip_hdr(server, cli, v6, 0);
    pg_udp(&P, 53, cport);
    pg_data(&P, msg, n);
    emit(t + rtt);
}

static void put_ntp_ts(uint8_t *b, double t)
{
    uint64_t us = at(t);
    uint32_t sec = (uint32_t)(us / 1000000 + 2208988800ull);
    uint32_t frac = (uint32_t)(((us % 1000000) << 32) / 1000000);
    for (int i = 0; i < 4; i++) {
        b[i] = (uint8_t)(sec >> (24 - 8 * i));
        b[4 + i] = (uint8_t)(frac >> (24 - 8 * i));
    }
}

static void ntp_exchange(host *cli, host *server, double t, double rtt)
{
    uint8_t m[48] = {0};
    m[0] = 0x23; /* NTPv4, client */
    put_ntp_ts(m + 40, t);
    start(cli, 1, 0);
    ip_hdr(cli, server, 0, 0);
    pg_udp(&P, 123, 123);
    pg_data(&P, m, 48);
    emit(t);
    uint8_t r[48] = {0};
    r[0] = 0x24; /* NTPv4, server */
    r[1] = 3;    /* stratum */
    r[2] = 0;
    r[3] = 0xe9; /* precision */
    r[12] = 10; /* reference id 10.x.x.x */
    put_ntp_ts(r + 16, t - 30);          /* reference */
    memcpy(r + 24, m + 40, 8);           /* origin */
    put_ntp_ts(r + 32, t + rtt / 2);     /* receive */
    put_ntp_ts(r + 40, t + rtt / 2 + 1e-5); /* transmit */
    start(cli, 0, 0);
    ip_hdr(server, cli, 0, 0);
    pg_udp(&P, 123, 123);
    pg_data(&P, r, 48);
    emit(t + rtt);
}

/* ---- ICMP, ARP ---- */

static void ping(host *cli, host *server, uint16_t id, uint16_t seq, double t, double rtt)
{
    uint8_t data[56];
    for (int i = 0; i < 56; i++)
        data[i] = (uint8_t)(i < 16 ? rnd8() : i);
    for (int dir = 0; dir < 2; dir++) {
        start(cli, dir == 0, 0);
        ip_hdr(dir == 0 ? cli : server, dir == 0 ? server : cli, 0, 0);
        pg_icmp(&P, dir == 0 ? 8 : 0, 0, id, seq);
        pg_data(&P, data, sizeof(data));
        emit(t + (dir ? rtt : 0));
    }
}

static void arp(host *asker, const uint8_t target_ip[4], host *answerer, double t)
{
    static const uint8_t zero[6] = {0};
    pg_init(&P);
    pg_eth(&P, BROADCAST, asker->mac, 0);
    pg_arp(&P, 1, asker->mac, asker->ip, zero, target_ip);
    emit(t);
    if (!answerer)
        return;
    pg_init(&P);
    pg_eth(&P, asker->mac, answerer->mac, 0);
    pg_arp(&P, 2, answerer->mac, answerer->ip, asker->mac, asker->ip);
    emit(t + 0.0003);
}

/* ---- HTTP ---- */

static const char HTML[] =
    "<!doctype html>\n<html>\n<head>\n    <title>Example Domain</title>\n"
    "    <meta charset=\"utf-8\" />\n"
    "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
    "</head>\n<body>\n<div>\n    <h1>Example Domain</h1>\n"
    "    <p>This domain is for use in illustrative examples in documents. You may use this\n"
    "    domain in literature without prior coordination or asking for permission.</p>\n"
    "    <p><a href=\"https://www.iana.org/domains/example\">More information...</a></p>\n"
    "</div>\n</body>\n</html>\n";

static void http_get(tcp_conv *c, const char *hostname, const char *ua, double t, double rtt)
{
    char req[512], resp[2048];
    tcp_open(c, t, rtt);
    t += rtt + 0.0002;
    int n = snprintf(req, sizeof(req),
                     "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n\r\n",
                     hostname, ua);
    tcp_send(c, 1, PG_PSH | PG_ACK, req, (size_t)n, t);
    tcp_send(c, 0, PG_ACK, NULL, 0, t + rtt);
    int m = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n"
                     "Date: Tue, 14 May 2024 10:00:00 GMT\r\nServer: ECS (nyd/D184)\r\n"
                     "Cache-Control: max-age=604800\r\nContent-Length: %zu\r\n\r\n%s",
                     sizeof(HTML) - 1, HTML);
    tcp_send(c, 0, PG_PSH | PG_ACK, resp, (size_t)m, t + rtt + 0.0008);
    tcp_send(c, 1, PG_ACK, NULL, 0, t + 2 * rtt + 0.0008);
    tcp_close(c, t + 2 * rtt + 0.01, rtt);
}

/* ---- TLS 1.3 ---- */

static size_t put16(uint8_t *b, size_t n, uint16_t v)
{
    b[n] = (uint8_t)(v >> 8);
    b[n + 1] = (uint8_t)v;
    return n + 2;
}

static size_t client_hello(uint8_t *b, const char *sni)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                      0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
                                      0x0035};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
                                       0x0601};
    size_t n = 0, sni_len = strlen(sni);
    b[n++] = 0x16; /* handshake record */
    n = put16(b, n, 0x0301);
    size_t rec_len = n;
    n += 2;
    b[n++] = 1; /* ClientHello */
    size_t hs_len = n;
    n += 3;
    n = put16(b, n, 0x0303);
    rnd_bytes(b + n, 32);
    n += 32;
    b[n++] = 32;
    rnd_bytes(b + n, 32);
    n += 32;
    n = put16(b, n, (uint16_t)(sizeof(suites)));
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        n = put16(b, n, suites[i]);
    b[n++] = 1;
    b[n++] = 0;
    size_t ext_len = n;
    n += 2;
    /* server_name */
    n = put16(b, n, 0x0000);
    n = put16(b, n, (uint16_t)(sni_len + 5));
    n = put16(b, n, (uint16_t)(sni_len + 3));
    b[n++] = 0;
    n = put16(b, n, (uint16_t)sni_len);
    memcpy(b + n, sni, sni_len);
    n += sni_len;
    /* extended_master_secret, ec_point_formats, supported_groups, session_ticket */
    n = put16(b, n, 0x0017);
    n = put16(b, n, 0);
    n = put16(b, n, 0x000b);
    n = put16(b, n, 2);
    b[n++] = 1;
    b[n++] = 0;
    n = put16(b, n, 0x000a);
    n = put16(b, n, 8);
    n = put16(b, n, 6);
    n = put16(b, n, 0x001d);
    n = put16(b, n, 0x0017);
    n = put16(b, n, 0x0018);
    n = put16(b, n, 0x0023);
    n = put16(b, n, 0);
    /* ALPN h2, http/1.1 */
    n = put16(b, n, 0x0010);
    n = put16(b, n, 14);
    n = put16(b, n, 12);
    b[n++] = 2;
    memcpy(b + n, "h2", 2);
    n += 2;
    b[n++] = 8;
    memcpy(b + n, "http/1.1", 8);
    n += 8;
    /* signature_algorithms */
    n = put16(b, n, 0x000d);
    n = put16(b, n, (uint16_t)(sizeof(sigalgs) + 2));
    n = put16(b, n, (uint16_t)sizeof(sigalgs));
    for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
        n = put16(b, n, sigalgs[i]);
    /* supported_versions: 1.3, 1.2 */
    n = put16(b, n, 0x002b);
    n = put16(b, n, 5);
    b[n++] = 4;
    n = put16(b, n, 0x0304);
    n = put16(b, n, 0x0303);
    /* psk_key_exchange_modes */
    n = put16(b, n, 0x002d);
    n = put16(b, n, 2);
    b[n++] = 1;
    b[n++] = 1;
    /* key_share x25519 */
    n = put16(b, n, 0x0033);
    n = put16(b, n, 38);
    n = put16(b, n, 36);
    n = put16(b, n, 0x001d);
    n = put16(b, n, 32);
    rnd_bytes(b + n, 32);
    n += 32;
    put16(b, ext_len, (uint16_t)(n - ext_len - 2));
    size_t hl = n - hs_len - 3;
    b[hs_len] = (uint8_t)(hl >> 16);
    b[hs_len + 1] = (uint8_t)(hl >> 8);
    b[hs_len + 2] = (uint8_t)hl;
    put16(b, rec_len, (uint16_t)(n - rec_len - 2));
    return n;
}

/* ServerHello + ChangeCipherSpec + an encrypted record of enc_len bytes. */
static size_t server_flight(uint8_t *b, const uint8_t *session_id, size_t enc_len)
{
    size_t n = 0;
    b[n++] = 0x16;
    n = put16(b, n, 0x0303);
    size_t rec_len = n;
    n += 2;
    b[n++] = 2; /* ServerHello */
    size_t hs_len = n;
    n += 3;
    n = put16(b, n, 0x0303);
    rnd_bytes(b + n, 32);
    n += 32;
    b[n++] = 32;
    memcpy(b + n, session_id, 32);
    n += 32;
    n = put16(b, n, 0x1301);
    b[n++] = 0;
    n = put16(b, n, 46);
    n = put16(b, n, 0x002b);
    n = put16(b, n, 2);
    n = put16(b, n, 0x0304);
    n = put16(b, n, 0x0033);
    n = put16(b, n, 36);
    n = put16(b, n, 0x001d);
    n = put16(b, n, 32);
    rnd_bytes(b + n, 32);
    n += 32;
    size_t hl = n - hs_len - 3;
    b[hs_len] = 0;
    b[hs_len + 1] = (uint8_t)(hl >> 8);
    b[hs_len + 2] = (uint8_t)hl;
    put16(b, rec_len, (uint16_t)(n - rec_len - 2));
    static const uint8_t ccs[6] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    memcpy(b + n, ccs, 6);
    n += 6;
    b[n++] = 0x17;
    n = put16(b, n, 0x0303);
    n = put16(b, n, (uint16_t)enc_len);
    rnd_bytes(b + n, enc_len);
    return n + enc_len;
}

/* One or more application data records of the given sizes, back to back. */
static size_t app_data(uint8_t *b, const size_t *sizes, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        b[n++] = 0x17;
        n = put16(b, n, 0x0303);
        n = put16(b, n, (uint16_t)sizes[i]);
        rnd_bytes(b + n, sizes[i]);
        n += sizes[i];
    }
    return n;
}

static void tls_session(tcp_conv *c, const char *sni, double t, double rtt)
{
    static uint8_t buf[4096];
    tcp_open(c, t, rtt);
    t += rtt + 0.0003;
    size_t n = client_hello(buf, sni);
    uint8_t sid[32];
    memcpy(sid, buf + 5 + 4 + 2 + 32 + 1, 32);
    tcp_send(c, 1, PG_PSH | PG_ACK, buf, n, t);
    tcp_send(c, 0, PG_ACK, NULL, 0, t + rtt);
    n = server_flight(buf, sid, 1150);
    tcp_send(c, 0, PG_PSH | PG_ACK, buf, n, t + rtt + 0.004);
    t += 2 * rtt + 0.004;
    static const uint8_t ccs[6] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    memcpy(buf, ccs, 6);
    static const size_t client_recs[2] = {53, 92}; /* Finished, then the request */
    n = 6 + app_data(buf + 6, client_recs, 2);
    tcp_send(c, 1, PG_PSH | PG_ACK, buf, n, t);
    static const size_t tickets[2] = {250, 250};
    n = app_data(buf, tickets, 2);
    tcp_send(c, 0, PG_PSH | PG_ACK, buf, n, t + rtt);
    static const size_t response[1] = {1180};
    n = app_data(buf, response, 1);
    tcp_send(c, 0, PG_PSH | PG_ACK, buf, n, t + rtt + 0.02);
    tcp_send(c, 1, PG_ACK, NULL, 0, t + 2 * rtt + 0.02);
    static const size_t alert[1] = {19}; /* close_notify */
    n = app_data(buf, alert, 1);
    tcp_send(c, 1, PG_PSH | PG_ACK, buf, n, t + 1.5);
    tcp_send(c, 0, PG_ACK, NULL, 0, t + 1.5 + rtt);
    tcp_close(c, t + 1.5 + rtt + 0.001, rtt);
}

/* ---- SSH banners over VLAN ---- */

static void ssh_session(tcp_conv *c, double t, double rtt)
{
    static const char srv[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n";
    static const char cli[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n";
    tcp_open(c, t, rtt);
    t += rtt + 0.001;
    tcp_send(c, 0, PG_PSH | PG_ACK, srv, sizeof(srv) - 1, t);
    tcp_send(c, 1, PG_ACK, NULL, 0, t + 0.0001);
    tcp_send(c, 1, PG_PSH | PG_ACK, cli, sizeof(cli) - 1, t + 0.002);
    tcp_send(c, 0, PG_ACK, NULL, 0, t + 0.002 + rtt);
    tcp_close(c, t + 3.0, rtt);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make-sample OUTPUT.pcap\n");
        return 2;
    }
    if (pg_in6("2001:db8:1::10", laptop.ip6) || pg_in6("2001:4860:4860::8888", dns.ip6) ||
        pg_in6("2606:2800:220:1:248:1893:25c8:1946", web.ip6))
        die("bad IPv6 literal");

    /* ARP: the laptop looks for the router */
    arp(&laptop, router.ip, &router, 0.0);

    /* laptop: DNS + HTTP to example.com */
    dns_lookup(&laptop, 41523, &dns, 0, 0x3a7e, "example.com", 1, web.ip, 0.5, 0.018);
    tcp_conv http1 = {&laptop, &web, 51734, 80, 0x1f3a8c21, 0x7b0e44d5, 0};
    http_get(&http1, "example.com", "curl/7.88.1", 0.53, 0.024);

    /* phone: DNS + TLS to www.ntop.org */
    dns_lookup(&phone, 60211, &dns, 0, 0x91c2, "www.ntop.org", 1, ntop.ip, 5.0, 0.021);
    tcp_conv tls = {&phone, &ntop, 49822, 443, 0x5d21b7a0, 0x0c4e9911, 0};
    tls_session(&tls, "www.ntop.org", 5.03, 0.032);

    /* laptop: NTP, then again after 90 s of silence */
    ntp_exchange(&laptop, &ntp, 10.0, 0.011);
    ntp_exchange(&laptop, &ntp, 100.0, 0.012);

    /* desktop: ping 8.8.8.8 */
    for (uint16_t i = 0; i < 4; i++)
        ping(&desktop, &dns, 0x1a2b, (uint16_t)(i + 1), 15.0 + i, 0.0175 + 0.0004 * i);

    /* laptop over IPv6: DNS AAAA + HTTP */
    dns.ttl = 118;
    laptop.ttl = 64;
    dns_lookup(&laptop, 53100, &dns, 1, 0x6b0f, "example.com", 28, web.ip6, 20.0, 0.016);
    tcp_conv http6 = {&laptop, &web, 40418, 80, 0xa1b2c3d4, 0x10203040, 1};
    http_get(&http6, "example.com", "Wget/1.21.3", 20.03, 0.022);

    /* NAS on VLAN 10: SSH to the backup server */
    tcp_conv ssh = {&nas, &backup, 38022, 22, 0x33445566, 0x77889900, 0};
    ssh_session(&ssh, 30.0, 0.009);

    /* desktop: a SYN nobody answers (and its retries) */
    tcp_conv syn = {&desktop, &dark, 50500, 8443, 0x0badf00d, 0, 0};
    for (int i = 0; i < 3; i++) {
        syn.cseq = 0x0badf00d;
        tcp_send(&syn, 1, PG_SYN, NULL, 0, 45.0 + (double)((1 << i) - 1));
    }

    /* desktop: DNS + HTTP later on */
    dns_lookup(&desktop, 62001, &dns, 0, 0x0d0e, "example.com", 1, web.ip, 119.0, 0.019);
    tcp_conv http2 = {&desktop, &web, 50123, 80, 0x44332211, 0x99887766, 0};
    http_get(&http2, "example.com",
             "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
             119.03, 0.025);

    /* phone: ARP at the end */
    arp(&phone, router.ip, &router, 150.0);

    qsort(frames, nframes, sizeof(*frames), frame_cmp);
    pg_pcap *w = pg_pcap_open(argv[1], 1, 262144);
    if (!w) {
        perror(argv[1]);
        return 1;
    }
    int err = 0;
    for (size_t i = 0; i < nframes; i++) {
        err |= pg_pcap_write(w, frames[i].ts_us, frames[i].data, frames[i].len, frames[i].len);
        free(frames[i].data);
    }
    free(frames);
    if (pg_pcap_close(w) != 0 || err) {
        fprintf(stderr, "make-sample: %s: write error\n", argv[1]);
        return 1;
    }
    return 0;
}
