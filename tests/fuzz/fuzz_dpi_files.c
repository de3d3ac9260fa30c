/* fuzz_dpi_files — the nDPI custom rule files the engine loads: dpi.protocols_file (port, host,
 * IP rules; risk masks; trusted issuers) and dpi.categories_file (host/IP to category), through
 * ntc_engine_new() (lib/dpi checks every line, then hands the file to nDPI 4.2), then a few
 * packets that the loaded rules may match (HTTP Host, DNS query, TLS SNI, ports, addresses).
 *
 * Input: [flags] [n: 2 bytes, big endian] [n bytes: protocols file] [rest: categories file]
 *   flags bit 0: set dpi.protocols_file; bit 1: set dpi.categories_file;
 *         bit 2: feed the packets when the engine was created;
 *         bit 3: only the line checker (lib/dpi/rules.c), no engine: hundreds of times faster,
 *                so the fuzzer explores the grammar there and nDPI with the bit clear.
 * (n past the end takes what is left, and the categories file is then empty.)
 *
 * Checked besides memory safety and hangs: ntc_engine_new() either succeeds or returns
 * NTC_EFORMAT with a message that names the option and the line; nothing else (the files are
 * readable). A new engine per input: the files are read at creation. That costs nDPI's
 * initialisation (~0.1 s under ASan) per input, so this target runs slowly (a few inputs per
 * second); its seeds cover the grammar nDPI documents (nDPI's own example files included). */
#include "fuzz_common.h"

#include <arpa/inet.h>

#include "dpi/rules.h"

static uint64_t now_us = 1700000000ull * 1000000;

/* A raw IPv4 packet: 20-byte header, then an L4 header and payload built by the caller. */
static size_t ipv4(uint8_t *b, const char *src, const char *dst, uint8_t proto, size_t l4len)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    b[2] = (uint8_t)((20 + l4len) >> 8);
    b[3] = (uint8_t)(20 + l4len);
    b[8] = 64;
    b[9] = proto;
    FZ_CHECK(inet_pton(AF_INET, src, b + 12) == 1);
    FZ_CHECK(inet_pton(AF_INET, dst, b + 16) == 1);
    return 20 + l4len;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void feed(ntc_engine *eng, const uint8_t *pkt, size_t len)
{
    now_us += 1000;
    FZ_CHECK(ntc_engine_ingest(eng, NTC_LINKTYPE_RAW, now_us, pkt, (uint32_t)len,
                               (uint32_t)len) == 0);
}

/* TCP segment with payload (flags PSH|ACK, or SYN when the payload is empty). */
static void tcp(ntc_engine *eng, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                const void *payload, size_t plen)
{
    uint8_t b[1500];
    FZ_CHECK(plen <= sizeof(b) - 40);
    size_t n = ipv4(b, src, dst, 6, 20 + plen);
    uint8_t *t = b + 20;
    memset(t, 0, 20);
    put16(t, sport);
    put16(t + 2, dport);
    t[12] = 5 << 4;
    t[13] = plen ? 0x18 : 0x02;
    put16(t + 14, 65535);
    if (plen)
        memcpy(t + 20, payload, plen);
    feed(eng, b, n);
}

static void udp(ntc_engine *eng, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                const void *payload, size_t plen)
{
    uint8_t b[1500];
    FZ_CHECK(plen <= sizeof(b) - 28);
    size_t n = ipv4(b, src, dst, 17, 8 + plen);
    uint8_t *u = b + 20;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(8 + plen));
    u[6] = u[7] = 0;
    if (plen)
        memcpy(u + 8, payload, plen);
    feed(eng, b, n);
}

/* DNS query for name (A record). */
static size_t dns_query(uint8_t *b, const char *name)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(b, hdr, 12);
    size_t n = 12;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        b[n++] = (uint8_t)l;
        memcpy(b + n, p, l);
        n += l;
        p += l + (dot ? 1 : 0);
    }
    b[n++] = 0;
    b[n++] = 0, b[n++] = 1; /* A */
    b[n++] = 0, b[n++] = 1; /* IN */
    return n;
}

/* TLS 1.2 ClientHello with one extension: server_name = sni. */
static size_t client_hello(uint8_t *b, const char *sni)
{
    size_t sl = strlen(sni);
    size_t ext = 9 + sl;                       /* SNI extension, header included */
    size_t body = 2 + 32 + 1 + 4 + 2 + 2 + ext; /* version .. extensions */
    size_t n = 0;
    b[n++] = 0x16, b[n++] = 3, b[n++] = 1;
    put16(b + n, (uint16_t)(4 + body)), n += 2;
    b[n++] = 1, b[n++] = 0;
    put16(b + n, (uint16_t)body), n += 2;
    b[n++] = 3, b[n++] = 3;
    memset(b + n, 0x42, 32), n += 32;
    b[n++] = 0;                                /* session id */
    put16(b + n, 2), n += 2;
    put16(b + n, 0x1301), n += 2;              /* one cipher suite */
    b[n++] = 1, b[n++] = 0;                    /* compression: null */
    put16(b + n, (uint16_t)ext), n += 2;
    put16(b + n, 0), n += 2;                   /* server_name */
    put16(b + n, (uint16_t)(5 + sl)), n += 2;
    put16(b + n, (uint16_t)(3 + sl)), n += 2;
    b[n++] = 0;
    put16(b + n, (uint16_t)sl), n += 2;
    memcpy(b + n, sni, sl), n += sl;
    return n;
}

/* Traffic that the seeds' rules name: hosts, ports and addresses. */
static void traffic(ntc_engine *eng)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: fz\r\n\r\n";
    uint8_t b[512];
    tcp(eng, "192.168.1.2", 40000, "93.184.216.34", 80, NULL, 0);
    tcp(eng, "192.168.1.2", 40000, "93.184.216.34", 80, http, sizeof(http) - 1);
    udp(eng, "192.168.1.2", 40001, "192.168.1.1", 53, b, dns_query(b, "api.netflix.com"));
    tcp(eng, "192.168.1.2", 40002, "54.80.47.130", 443, b, client_hello(b, "disneyplus.com"));
    tcp(eng, "192.168.1.2", 40003, "8.248.73.247", 443, b, client_hello(b, "x.home"));
    tcp(eng, "192.168.1.2", 40004, "10.1.2.3", 3000, "hello", 5);
    udp(eng, "192.168.1.2", 40005, "10.1.2.4", 5061, "INVITE sip:x SIP/2.0\r\n", 22);
    tcp(eng, "192.168.1.2", 40006, "144.139.247.220", 8181, NULL, 0);
    udp(eng, "192.168.1.2", 40007, "192.168.1.1", 53, b, dns_query(b, "internetbadguys.com"));
    FZ_CHECK(ntc_engine_flush(eng) == 0);
}

static int any_category(void *u, unsigned long id)
{
    (void)u;
    return id <= 108;
}

/* The checker alone: what it accepts, it accepts again unchanged once normalised (so nDPI reads
 * exactly the lines that were checked), and every normalised line ends in a newline. */
static void check_only(int kind, const uint8_t *text, size_t len)
{
    char *out = NULL, *again = NULL;
    size_t outlen = 0, againlen = 0;
    unsigned line = 0;
    char why[256];
    int rc = ntc__rules_check(kind, (const char *)text, len, any_category, NULL, &out, &outlen,
                              &line, why, sizeof(why));
    if (rc != 0) {
        FZ_CHECK(rc == NTC_EFORMAT && line >= 1 && why[0] && out == NULL);
        return;
    }
    FZ_CHECK(out && strlen(out) == outlen && (outlen == 0 || out[outlen - 1] == '\n'));
    FZ_CHECK(ntc__rules_check(kind, out, outlen, any_category, NULL, &again, &againlen, &line, why,
                              sizeof(why)) == 0);
    FZ_CHECK(againlen == outlen && memcmp(again, out, outlen) == 0);
    free(out);
    free(again);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader r = {data, size};
    uint8_t flags = fz_u8(&r);
    size_t plen = fz_u16(&r), got;
    const uint8_t *protos = fz_bytes(&r, plen, &got);
    plen = got;
    const uint8_t *cats = fz_bytes(&r, r.left, &got);
    size_t clen = got;

    if (flags & 8) {
        check_only(NTC__RULES_PROTOCOLS, protos, plen);
        check_only(NTC__RULES_CATEGORIES, cats, clen);
        return 0;
    }
    fz_memfile pf, cf;
    FZ_CHECK(fz_memfile_open(&pf, "protos.txt", protos, plen) == 0);
    FZ_CHECK(fz_memfile_open(&cf, "categories.txt", cats, clen) == 0);

    ntc_config *cfg = ntc_config_new();
    FZ_CHECK(cfg);
    FZ_CHECK(ntc_config_set_int(cfg, "engine.hash_seed", 0x5eed) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "flow.max", 64) == 0);
    if (flags & 1)
        FZ_CHECK(ntc_config_set_string(cfg, "dpi.protocols_file", pf.path) == 0);
    if (flags & 2)
        FZ_CHECK(ntc_config_set_string(cfg, "dpi.categories_file", cf.path) == 0);

    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, cfg);
    ntc_config_free(cfg);
    if (rc == 0) {
        FZ_CHECK(ntc_engine_set_callbacks(eng, &fz_callbacks, NULL) == 0);
        if (flags & 4)
            traffic(eng);
        /* Custom protocol names are readable and stable. */
        for (uint16_t id = NTC_L7_CUSTOM_BASE; id < NTC_L7_CUSTOM_BASE + 300; id++) {
            const char *name = ntc_engine_app_name(eng, id);
            if (!name)
                break;
            (void)strlen(name);
        }
    } else {
        /* The files exist and are readable: only their content can be refused, and the message
         * names the option and the line. */
        const char *msg = ntc_engine_errmsg(eng);
        if (rc != NTC_EFORMAT || !msg ||
            (!strstr(msg, "dpi.protocols_file") && !strstr(msg, "dpi.categories_file")) ||
            !strstr(msg, "line ")) {
            fprintf(stderr, "fuzz: ntc_engine_new: %d (%s): %s\n", rc, ntc_strerror(rc),
                    msg ? msg : "(null)");
            abort();
        }
    }
    ntc_engine_free(eng);
    fz_memfile_close(&pf);
    fz_memfile_close(&cf);
    return 0;
}
