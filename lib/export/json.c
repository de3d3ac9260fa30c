/* Flow and host records as one-line JSON objects (nProbe/ntopng element names or numeric ids). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "flow/flow.h"
#include "host/host.h"
#include "ntopcore/error.h"
#include "ntopcore/export.h"
#include "ntopcore/l7.h"

/* snprintf-style appender: keeps counting the needed length after the buffer is full. */
typedef struct jbuf {
    char *buf;
    size_t cap, len;
    int ids;     /* numeric keys */
    int first;
} jbuf;

static void jraw(jbuf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jraw(jbuf *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = j->len < j->cap ? j->cap - j->len : 0;
    int n = vsnprintf(room ? j->buf + j->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        j->len += (size_t)n;
}

/* A key: the element id in NTC_JSON_NPROBE_IDS mode when it has one (id != 0), else the name
 * (ntopng's collector accepts both in one object). */
static void jkey(jbuf *j, const char *name, int id)
{
    jraw(j, j->first ? "\"" : ",\"");
    j->first = 0;
    if (j->ids && id)
        jraw(j, "%d\":", id);
    else
        jraw(j, "%s\":", name);
}

static void jnum(jbuf *j, const char *name, int id, uint64_t v)
{
    jkey(j, name, id);
    jraw(j, "%" PRIu64, v);
}

static int utf8_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of the valid UTF-8 sequence starting at p (n bytes left), or 0 when it is invalid
 * (stray continuation byte, overlong form, surrogate, above U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && utf8_cont(p[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || !utf8_cont(p[1]) || !utf8_cont(p[2]))
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
            return 0; /* overlong, or a UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || !utf8_cont(p[1]) || !utf8_cont(p[2]) || !utf8_cont(p[3]))
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return 0; /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

/* A JSON string. Traffic is hostile: the output stays valid JSON and valid UTF-8 (RFC 8259)
 * whatever the bytes — control characters are escaped, and each byte that is not part of a valid
 * UTF-8 sequence becomes U+FFFD. */
static void jstr_value(jbuf *j, const char *s)
{
    jraw(j, "\"");
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), run = 0, i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t l = (c >= 0x20 && c != '"' && c != '\\') ? utf8_len(p + i, n - i) : 0;
        if (l) {
            i += l;
            run += l;
            continue;
        }
        if (run)
            jraw(j, "%.*s", (int)run, (const char *)p + i - run);
        run = 0;
        if (c == '"' || c == '\\')
            jraw(j, "\\%c", c);
        else if (c < 0x20)
            jraw(j, "\\u%04x", c);
        else
            jraw(j, "\\ufffd");
        i++;
    }
    if (run)
        jraw(j, "%.*s", (int)run, (const char *)p + n - run);
    jraw(j, "\"");
}

static void jstr(jbuf *j, const char *name, int id, const char *s)
{
    jkey(j, name, id);
    jstr_value(j, s);
}

static void jaddr(jbuf *j, int ipv, const char *v4name, int v4id, const char *v6name, int v6id,
                  const uint8_t *addr)
{
    char s[64];
    ntc__addr_str(ipv, addr, s, sizeof(s));
    if (ipv == 4)
        jstr(j, v4name, v4id, s);
    else
        jstr(j, v6name, v6id, s);
}

static int jfinish(jbuf *j)
{
    jraw(j, "}");
    if (j->cap)
        j->buf[j->len < j->cap ? j->len : j->cap - 1] = 0;
    return j->len > INT32_MAX ? INT32_MAX : (int)j->len;
}

/* ntop's private element ids are 57472 + n (PEN 35632). */
#define NTOP_ID(n) (57472 + (n))

/* Element ids of the metadata keys (0: none known, the name is used). */
static const int meta_ids[NTC_META_COUNT] = {
    [NTC_META_HTTP_METHOD] = NTOP_ID(360), [NTC_META_HTTP_URL] = NTOP_ID(180),
    [NTC_META_HTTP_HOST] = NTOP_ID(361), [NTC_META_HTTP_USER_AGENT] = NTOP_ID(183),
    [NTC_META_HTTP_RET_CODE] = NTOP_ID(181), [NTC_META_DNS_QUERY] = NTOP_ID(205),
    [NTC_META_DNS_QUERY_TYPE] = NTOP_ID(207), [NTC_META_DNS_RET_CODE] = NTOP_ID(208),
    [NTC_META_TLS_SERVER_NAME] = NTOP_ID(188)};

static int meta_is_number(int key)
{
    return key == NTC_META_HTTP_RET_CODE || key == NTC_META_DNS_QUERY_TYPE ||
           key == NTC_META_DNS_RET_CODE || key == NTC_META_TLS_NOT_BEFORE ||
           key == NTC_META_TLS_NOT_AFTER;
}

static void json_l7(jbuf *j, const ntc_flow *flow)
{
    ntc_flow_l7 l = {.size = sizeof(l)};
    ntc_flow_get_l7(flow, &l);
    if (l.how == NTC_L7_OFF)
        goto meta; /* a collected flow without application may still have metadata */
    char buf[96];
    if (l.master)
        snprintf(buf, sizeof(buf), "%u.%u", l.master, l.app);
    else
        snprintf(buf, sizeof(buf), "%u", l.app);
    jstr(j, "L7_PROTO", NTOP_ID(118), buf);
    ntc_flow_l7_name(flow, buf, sizeof(buf));
    jstr(j, "L7_PROTO_NAME", NTOP_ID(119), buf);
    const char *s = ntc_l7_category_name(l.category);
    jstr(j, "L7_PROTO_CATEGORY", 0, s ? s : "");
    s = ntc_l7_breed_name(l.breed);
    jstr(j, "L7_PROTO_BREED", 0, s ? s : "");
    jstr(j, "L7_DETECTION", 0, ntc_l7_how_name(l.how));
    if (l.risk) {
        jnum(j, "L7_PROTO_RISK", NTOP_ID(509), l.risk);
        jkey(j, "L7_PROTO_RISK_NAME", 0);
        jraw(j, "\"");
        int n = 0;
        for (unsigned b = 0; b < 64; b++) {
            const char *rn = (l.risk >> b) & 1 ? ntc_l7_risk_name(b) : NULL;
            if (rn)
                jraw(j, "%s%s", n++ ? "," : "", rn);
        }
        jraw(j, "\"");
        jnum(j, "L7_RISK_SCORE", 0, l.risk_score);
    }
meta:
    for (int k = 0; k < NTC_META_COUNT; k++) {
        const char *v = ntc_flow_meta(flow, k);
        if (!v)
            continue;
        if (meta_is_number(k)) {
            jnum(j, ntc_meta_name(k), meta_ids[k], strtoull(v, NULL, 10));
        } else {
            jstr(j, ntc_meta_name(k), meta_ids[k], v);
        }
    }
}

NTC_EXPORT int ntc_flow_format_json(const ntc_flow *flow, unsigned flags, char *buf, size_t bufsize)
{
    if (!flow || (!buf && bufsize))
        return NTC_EINVAL;
    ntc_flow_info f = {.size = sizeof(f)};
    ntc_flow_get_info(flow, &f);
    jbuf j = {buf, bufsize, 0, (flags & NTC_JSON_NPROBE_IDS) != 0, 1};
    jraw(&j, "{");
    jaddr(&j, f.ip_version, "IPV4_SRC_ADDR", 8, "IPV6_SRC_ADDR", 27, f.cli_addr);
    jaddr(&j, f.ip_version, "IPV4_DST_ADDR", 12, "IPV6_DST_ADDR", 28, f.srv_addr);
    jnum(&j, "L4_SRC_PORT", 7, f.cli_port);
    jnum(&j, "L4_DST_PORT", 11, f.srv_port);
    jnum(&j, "PROTOCOL", 4, f.l4_proto);
    jnum(&j, "IP_PROTOCOL_VERSION", 60, f.ip_version);
    jnum(&j, "SRC_VLAN", 58, f.vlan);
    jnum(&j, "IN_PKTS", 2, f.cli2srv_packets);
    jnum(&j, "IN_BYTES", 1, f.cli2srv_bytes);
    jnum(&j, "OUT_PKTS", 24, f.srv2cli_packets);
    jnum(&j, "OUT_BYTES", 23, f.srv2cli_bytes);
    jnum(&j, "FIRST_SWITCHED", 22, f.first_us / 1000000);
    jnum(&j, "LAST_SWITCHED", 21, f.last_us / 1000000);
    jnum(&j, "FLOW_START_MILLISECONDS", 152, f.first_us / 1000);
    jnum(&j, "FLOW_END_MILLISECONDS", 153, f.last_us / 1000);
    if (f.l4_proto == 6) {
        jnum(&j, "TCP_FLAGS", 6, (uint64_t)(f.cli_tcp_flags | f.srv_tcp_flags));
        jnum(&j, "CLIENT_TCP_FLAGS", NTOP_ID(78), f.cli_tcp_flags);
        jnum(&j, "SERVER_TCP_FLAGS", NTOP_ID(79), f.srv_tcp_flags);
    }
    json_l7(&j, flow);
    return jfinish(&j);
}

NTC_EXPORT int ntc_host_format_json(const ntc_host *host, unsigned flags, char *buf, size_t bufsize)
{
    if (!host || (!buf && bufsize))
        return NTC_EINVAL;
    ntc_host_info h = {.size = sizeof(h)};
    ntc_host_get_info(host, &h);
    /* Hosts have no standard element ids: ids mode uses the names too. */
    (void)flags;
    jbuf j = {buf, bufsize, 0, 0, 1};
    char s[64];
    jraw(&j, "{");
    jstr(&j, "IP_ADDR", 0, ntc__addr_str(h.ip_version, h.addr, s, sizeof(s)));
    jnum(&j, "IP_PROTOCOL_VERSION", 0, h.ip_version);
    jnum(&j, "VLAN", 0, h.vlan);
    jnum(&j, "IS_LOCAL", 0, h.is_local);
    jnum(&j, "IS_SYSTEM", 0, h.is_system);
    if (h.has_mac) {
        snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", h.mac[0], h.mac[1], h.mac[2],
                 h.mac[3], h.mac[4], h.mac[5]);
        jstr(&j, "MAC", 0, s);
    }
    jnum(&j, "PKTS_SENT", 0, h.packets_sent);
    jnum(&j, "BYTES_SENT", 0, h.bytes_sent);
    jnum(&j, "PKTS_RCVD", 0, h.packets_rcvd);
    jnum(&j, "BYTES_RCVD", 0, h.bytes_rcvd);
    jnum(&j, "FIRST_SEEN", 0, h.first_us / 1000000);
    jnum(&j, "LAST_SEEN", 0, h.last_us / 1000000);
    jnum(&j, "ACTIVE_FLOWS_AS_CLIENT", 0, h.active_flows_as_client);
    jnum(&j, "ACTIVE_FLOWS_AS_SERVER", 0, h.active_flows_as_server);
    jnum(&j, "TOTAL_FLOWS_AS_CLIENT", 0, h.total_flows_as_client);
    jnum(&j, "TOTAL_FLOWS_AS_SERVER", 0, h.total_flows_as_server);
    const char *name = ntc_host_name(host);
    if (name)
        jstr(&j, "NAME", 0, name);
    size_t napps = ntc_host_app_count(host);
    if (napps) {
        /* Local hosts: traffic per application, from the host's side. */
        jkey(&j, "APPS", 0);
        jraw(&j, "[");
        for (size_t i = 0; i < napps; i++) {
            ntc_app_stats a = {.size = sizeof(a)};
            ntc_host_get_app(host, i, &a);
            const char *an = ntc_l7_app_name(a.id);
            char idbuf[16];
            if (!an) {
                snprintf(idbuf, sizeof(idbuf), "%u", a.id);
                an = idbuf;
            }
            jraw(&j, "%s{", i ? "," : "");
            j.first = 1;
            jstr(&j, "L7_PROTO_NAME", 0, an);
            jnum(&j, "FLOWS", 0, a.flows);
            jnum(&j, "PKTS_SENT", 0, a.cli2srv_packets);
            jnum(&j, "BYTES_SENT", 0, a.cli2srv_bytes);
            jnum(&j, "PKTS_RCVD", 0, a.srv2cli_packets);
            jnum(&j, "BYTES_RCVD", 0, a.srv2cli_bytes);
            jraw(&j, "}");
        }
        jraw(&j, "]");
        j.first = 0;
    }
    return jfinish(&j);
}

NTC_EXPORT int ntc_json_string(const char *s, char *buf, size_t bufsize)
{
    if (!s || (!buf && bufsize))
        return NTC_EINVAL;
    jbuf j = {buf, bufsize, 0, 0, 1};
    jstr_value(&j, s);
    if (j.cap)
        j.buf[j.len < j.cap ? j.len : j.cap - 1] = 0;
    return j.len > INT32_MAX ? INT32_MAX : (int)j.len;
}
