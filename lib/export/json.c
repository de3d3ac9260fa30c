/* Flow and host records as one-line JSON objects (nProbe/ntopng element names or numeric ids). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "flow/flow.h"
#include "host/host.h"
#include "ntopcore/error.h"
#include "ntopcore/export.h"

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

static void jkey(jbuf *j, const char *name, int id)
{
    jraw(j, j->first ? "\"" : ",\"");
    j->first = 0;
    if (j->ids)
        jraw(j, "%d\":", id);
    else
        jraw(j, "%s\":", name);
}

static void jnum(jbuf *j, const char *name, int id, uint64_t v)
{
    jkey(j, name, id);
    jraw(j, "%" PRIu64, v);
}

static void jstr(jbuf *j, const char *name, int id, const char *s)
{
    jkey(j, name, id);
    jraw(j, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            jraw(j, "\\%c", *p);
        else if (*p < 0x20)
            jraw(j, "\\u%04x", *p);
        else
            jraw(j, "%c", *p);
    }
    jraw(j, "\"");
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
    return jfinish(&j);
}
