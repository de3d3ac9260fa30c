/* Building ntc_flow_record from collected elements (record.h). */
#include "collect/record.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dpi/l7_tables.h"
#include "export/elements.h"

#define NTP_EPOCH_OFFSET 2208988800ULL   /* seconds from 1900 to 1970 */

void ntc__recb_init(ntc__recb *b, int switched_secs, int have_base, uint64_t uptime_base_ms)
{
    memset(b, 0, offsetof(ntc__recb, strbuf));
    memset(&b->strused, 0, sizeof(*b) - offsetof(ntc__recb, strused));
    b->rec.size = sizeof(b->rec);
    b->switched_secs = switched_secs;
    b->have_base = have_base;
    b->uptime_base_ms = uptime_base_ms;
}

static void set_time(ntc__recb *b, int last, uint64_t us, uint8_t rank)
{
    if (last) {
        if (rank >= b->rank_last) {
            b->rec.last_us = us;
            b->rank_last = rank;
        }
    } else if (rank >= b->rank_first) {
        b->rec.first_us = us;
        b->rank_first = rank;
    }
}

/* NTP timestamp (seconds since 1900 in the high 32 bits, binary fraction in the low 32 bits). */
static int ntp_to_us(uint64_t v, uint64_t *us)
{
    uint64_t sec = v >> 32, frac = v & 0xffffffffu;
    if (sec < NTP_EPOCH_OFFSET)
        return -1;
    *us = (sec - NTP_EPOCH_OFFSET) * 1000000u + ((frac * 1000000u) >> 32);
    return 0;
}

static void add_meta(ntc__recb *b, int key, const char *s, size_t n)
{
    if (key < 0 || key >= NTC_META_COUNT || key == NTC_META_FLOW_SOURCE || key == NTC_META_L7_NAME)
        return;
    const char *nul = memchr(s, 0, n);
    if (nul)
        n = (size_t)(nul - s);
    if (n == 0)
        return;
    if (n > NTC__RECB_MAX_STR)
        n = NTC__RECB_MAX_STR;
    for (size_t i = 0; i < b->rec.meta_count; i++)
        if (b->meta[i].key == key)
            return; /* the first value wins */
    if (b->rec.meta_count >= NTC_META_COUNT || b->strused + n + 1 > sizeof(b->strbuf)) {
        b->bad_fields++;
        return;
    }
    char *d = b->strbuf + b->strused;
    memcpy(d, s, n);
    d[n] = 0;
    b->strused += n + 1;
    b->meta[b->rec.meta_count].key = key;
    b->meta[b->rec.meta_count].value = d;
    b->rec.meta_count++;
}

static void set_addr(ntc__recb *b, int dst, int ipv, const uint8_t *a)
{
    if (ipv == 4) {
        memcpy(b->addr4[dst], a, 4);
        b->have_addr[dst] = 1;
    } else {
        memcpy(b->addr6[dst], a, 16);
        b->have_addr[2 + dst] = 1;
    }
}

static int is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

void ntc__recb_num(ntc__recb *b, uint32_t el, uint64_t v)
{
    ntc_flow_record *r = &b->rec;
    switch (el) {
    case NTC__EL_IN_BYTES: r->bytes = v; b->have_in_bytes = 1; break;
    case NTC__EL_OCTET_TOTAL: if (!b->have_in_bytes) r->bytes = v; break;
    case NTC__EL_IN_PKTS: r->packets = v; b->have_in_pkts = 1; break;
    case NTC__EL_PACKET_TOTAL: if (!b->have_in_pkts) r->packets = v; break;
    case NTC__EL_OUT_BYTES: r->rev_bytes = v; break;
    case NTC__EL_OUT_PKTS: r->rev_packets = v; break;
    case NTC__EL_PROTOCOL:
        if (v > 255) { b->bad_fields++; break; }
        r->l4_proto = (uint8_t)v;
        break;
    case NTC__EL_TCP_FLAGS: b->tcp_flags = (uint8_t)v; break;
    case NTC__EL_CLIENT_TCP_FLAGS: r->src_tcp_flags = (uint8_t)v; b->have_cli_flags = 1; break;
    case NTC__EL_SERVER_TCP_FLAGS: r->dst_tcp_flags = (uint8_t)v; b->have_srv_flags = 1; break;
    case NTC__EL_L4_SRC_PORT:
    case NTC__EL_L4_DST_PORT:
        if (v > 65535) { b->bad_fields++; break; }
        if (el == NTC__EL_L4_SRC_PORT)
            r->src_port = (uint16_t)v;
        else
            r->dst_port = (uint16_t)v;
        break;
    case NTC__EL_IPV4_SRC_ADDR:
    case NTC__EL_IPV4_DST_ADDR: {
        if (v > 0xffffffffu) { b->bad_fields++; break; }
        uint8_t a[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        set_addr(b, el == NTC__EL_IPV4_DST_ADDR, 4, a);
        break;
    }
    case NTC__EL_FIRST_SWITCHED:
    case NTC__EL_LAST_SWITCHED:
        if (b->switched_secs) {
            if (v > 0xffffffffu) { b->bad_fields++; break; }
            set_time(b, el == NTC__EL_LAST_SWITCHED, v * 1000000u, 1);
        } else if (el == NTC__EL_FIRST_SWITCHED) {
            b->uptime_first = v;
            b->have_uptime_first = 1;
        } else {
            b->uptime_last = v;
            b->have_uptime_last = 1;
        }
        break;
    case NTC__EL_START_SEC:
    case NTC__EL_END_SEC:
        if (v > 0xffffffffu) { b->bad_fields++; break; }
        set_time(b, el == NTC__EL_END_SEC, v * 1000000u, 1);
        break;
    case NTC__EL_START_MS:
    case NTC__EL_END_MS:
        if (v > UINT64_MAX / 1000u) { b->bad_fields++; break; }
        set_time(b, el == NTC__EL_END_MS, v * 1000u, 2);
        break;
    case NTC__EL_START_US:
    case NTC__EL_END_US:
    case NTC__EL_START_NS:
    case NTC__EL_END_NS: {
        uint64_t us = v;
        if (v >= (1ULL << 62) && ntp_to_us(v, &us) != 0) { b->bad_fields++; break; }
        if (v < (1ULL << 62) && (el == NTC__EL_START_NS || el == NTC__EL_END_NS))
            us = v / 1000u;
        set_time(b, el == NTC__EL_END_US || el == NTC__EL_END_NS, us, 3);
        break;
    }
    case NTC__EL_SYSTEM_INIT_MS:
        b->have_base = 1;
        b->uptime_base_ms = v;
        break;
    case NTC__EL_SRC_VLAN:
    case NTC__EL_DOT1Q_VLAN:
    case NTC__EL_DST_VLAN: {
        uint8_t prio = el == NTC__EL_SRC_VLAN ? 3 : el == NTC__EL_DOT1Q_VLAN ? 2 : 1;
        if (v > 4095) { b->bad_fields++; break; }
        if (prio > b->have_vlan && (v || prio != 1)) {
            r->vlan = (uint16_t)v;
            b->have_vlan = prio;
        }
        break;
    }
    case NTC__EL_IP_PROTOCOL_VERSION:
        if (v != 4 && v != 6) { b->bad_fields++; break; }
        b->ipver_field = (uint8_t)v;
        break;
    case NTC__EL_L7_PROTO:
        if (v > 65535) { b->bad_fields++; break; }
        b->l7_master = 0;
        b->l7_app = (uint16_t)v;
        b->have_l7_ids = 1;
        break;
    case NTC__EL_ICMP_TYPE:
    case NTC__EL_ICMP_TYPE_V6:
        b->icmp_type_code = (uint16_t)v;
        b->have_icmp = 2;
        break;
    case NTC__EL_ICMP_TYPE4:
    case NTC__EL_ICMP_TYPE6:
        if (b->have_icmp < 2) {
            b->icmp_type_code = (uint16_t)((v & 0xff) << 8);
            b->have_icmp = 1;
        }
        break;
    case NTC__EL_L7_PROTO_RISK: r->l7_risk = v; break;
    case NTC__EL_L7_RISK_SCORE: r->l7_risk_score = v > 65535 ? 65535 : (uint16_t)v; break;
    default: {
        int key = ntc__element_meta(el);
        if (key >= 0) {
            char t[24];
            int n = snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
            add_meta(b, key, t, (size_t)n);
        }
        break;
    }
    }
}

static uint64_t be_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Text-valued elements (names and strings). */
static int is_text_element(uint32_t el)
{
    return el == NTC__EL_L7_PROTO_NAME || el == NTC__EL_L7_PROTO_CATEGORY ||
           el == NTC__EL_L7_PROTO_BREED || el == NTC__EL_L7_DETECTION || el == NTC__EL_FLOW_SOURCE ||
           (ntc__element_meta(el) >= 0 && el != NTC__EL_HTTP_RET_CODE &&
            el != NTC__EL_DNS_QUERY_TYPE && el != NTC__EL_DNS_RET_CODE);
}

void ntc__recb_raw(ntc__recb *b, uint32_t el, const uint8_t *p, size_t n)
{
    switch (el) {
    case NTC__EL_IPV4_SRC_ADDR:
    case NTC__EL_IPV4_DST_ADDR:
        if (n != 4) { b->bad_fields++; return; }
        set_addr(b, el == NTC__EL_IPV4_DST_ADDR, 4, p);
        return;
    case NTC__EL_IPV6_SRC_ADDR:
    case NTC__EL_IPV6_DST_ADDR:
        if (n != 16) { b->bad_fields++; return; }
        set_addr(b, el == NTC__EL_IPV6_DST_ADDR, 6, p);
        return;
    case NTC__EL_L7_PROTO: {
        /* A string "master.app" (our exports, JSON) or a number (nProbe's NetFlow v9). */
        int text = n > 0 && p[0] >= '0' && p[0] <= '9';
        for (size_t i = 0; text && i < n && p[i]; i++)
            text = (p[i] >= '0' && p[i] <= '9') || p[i] == '.';
        if (text) {
            const uint8_t *nul = memchr(p, 0, n);
            ntc__recb_text(b, el, (const char *)p, nul ? (size_t)(nul - p) : n);
            return;
        }
        break;
    }
    default:
        break;
    }
    if (is_text_element(el)) {
        const uint8_t *nul = memchr(p, 0, n);
        ntc__recb_text(b, el, (const char *)p, nul ? (size_t)(nul - p) : n);
        return;
    }
    if (el == 0 || (ntc__element_name(el) == NULL && el != NTC__EL_SYSTEM_INIT_MS &&
                    el != NTC__EL_ICMP_TYPE4 && el != NTC__EL_ICMP_TYPE6 &&
                    el != NTC__EL_ICMP_TYPE_V6 &&
                    el != NTC__EL_START_NS && el != NTC__EL_END_NS && el != NTC__EL_DOT1Q_VLAN &&
                    el != NTC__EL_OCTET_TOTAL && el != NTC__EL_PACKET_TOTAL))
        return; /* an element we do not use */
    if (n == 0 || n > 8) {
        b->bad_fields++;
        return;
    }
    ntc__recb_num(b, el, be_uint(p, n));
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int find_name(const char *s, size_t n, const char *(*name_of)(int), int count)
{
    for (int i = 0; i < count; i++) {
        const char *nm = name_of(i);
        if (nm && strlen(nm) == n && memcmp(nm, s, n) == 0)
            return i;
    }
    return -1;
}

static const char *category_name(int i)
{
    return ntc_l7_category_name((uint16_t)i);
}

static const char *how_name(int i)
{
    return i < NTC_L7_OFF + 1 ? ntc_l7_how_name(i) : NULL;
}

void ntc__recb_text(ntc__recb *b, uint32_t el, const char *s, size_t n)
{
    ntc_flow_record *r = &b->rec;
    switch (el) {
    case NTC__EL_IPV4_SRC_ADDR:
    case NTC__EL_IPV4_DST_ADDR:
    case NTC__EL_IPV6_SRC_ADDR:
    case NTC__EL_IPV6_DST_ADDR: {
        char t[64];
        uint8_t a[16];
        if (n == 0 || n >= sizeof(t)) { b->bad_fields++; return; }
        memcpy(t, s, n);
        t[n] = 0;
        int dst = el == NTC__EL_IPV4_DST_ADDR || el == NTC__EL_IPV6_DST_ADDR;
        if (inet_pton(AF_INET, t, a) == 1)
            set_addr(b, dst, 4, a);
        else if (inet_pton(AF_INET6, t, a) == 1)
            set_addr(b, dst, 6, a);
        else
            b->bad_fields++;
        return;
    }
    case NTC__EL_L7_PROTO: {
        const char *dot = memchr(s, '.', n);
        uint64_t m = 0, a = 0;
        if (dot ? (parse_u64(s, (size_t)(dot - s), &m) || parse_u64(dot + 1, n - (size_t)(dot - s) - 1, &a))
                : parse_u64(s, n, &a)) {
            b->bad_fields++;
            return;
        }
        if (m > 65535 || a > 65535) { b->bad_fields++; return; }
        b->l7_master = (uint16_t)m;
        b->l7_app = (uint16_t)a;
        b->have_l7_ids = 1;
        return;
    }
    case NTC__EL_L7_PROTO_NAME:
        if (n == 0 || n >= sizeof(b->l7_proto_name)) { b->bad_fields++; return; }
        memcpy(b->l7_proto_name, s, n);
        b->l7_proto_name[n] = 0;
        return;
    case NTC__EL_L7_PROTO_CATEGORY: {
        int c = find_name(s, n, category_name, NTC__L7_CATEGORY_COUNT);
        if (c < 0) { b->bad_fields++; return; }
        r->l7_category = (uint16_t)c;
        return;
    }
    case NTC__EL_L7_PROTO_BREED: {
        int c = find_name(s, n, ntc_l7_breed_name, 8);
        if (c < 0) { b->bad_fields++; return; }
        r->l7_breed = (uint8_t)c;
        return;
    }
    case NTC__EL_L7_DETECTION: {
        int c = find_name(s, n, how_name, NTC_L7_OFF + 1);
        if (c < 0 || c == NTC_L7_PENDING) { b->bad_fields++; return; }
        b->how = (uint8_t)c;
        b->have_how = 1;
        return;
    }
    case NTC__EL_FLOW_SOURCE:
        return; /* where the record came from is where we got it */
    default:
        break;
    }
    if (is_text_element(el)) {
        add_meta(b, ntc__element_meta(el), s, n);
        return;
    }
    uint64_t v;
    if (parse_u64(s, n, &v) != 0) {
        if (ntc__element_name(el) != NULL)
            b->bad_fields++;
        return;
    }
    ntc__recb_num(b, el, v);
}

/* Application ids of a name "Master.App" or "App" from our table; 0 when every part is known. */
static int ids_from_name(const char *name, uint16_t *master, uint16_t *app)
{
    int id = ntc_l7_app_id(name);
    if (id >= 0) {
        *master = 0;
        *app = (uint16_t)id;
        return 0;
    }
    const char *dot = strchr(name, '.');
    while (dot) {
        char m[128];
        size_t ml = (size_t)(dot - name);
        if (ml < sizeof(m)) {
            memcpy(m, name, ml);
            m[ml] = 0;
            int mi = ntc_l7_app_id(m), ai = ntc_l7_app_id(dot + 1);
            if (mi >= 0 && ai >= 0) {
                *master = (uint16_t)mi;
                *app = (uint16_t)ai;
                return 0;
            }
        }
        dot = strchr(dot + 1, '.');
    }
    return -1;
}

int ntc__recb_finish(ntc__recb *b, const char *source, uint64_t export_us, uint64_t default_us)
{
    ntc_flow_record *r = &b->rec;
    /* Exporters with IPv4 and IPv6 fields in one template zero those a flow does not use. */
    int v4 = b->have_addr[0] && b->have_addr[1], v6 = b->have_addr[2] && b->have_addr[3];
    if (v4 && v6 && is_zero(b->addr4[0], 4) && is_zero(b->addr4[1], 4))
        v4 = 0;
    if (v4) {
        r->ip_version = 4;
        memcpy(r->src_addr, b->addr4[0], 4);
        memcpy(r->dst_addr, b->addr4[1], 4);
    } else if (v6) {
        r->ip_version = 6;
        memcpy(r->src_addr, b->addr6[0], 16);
        memcpy(r->dst_addr, b->addr6[1], 16);
    } else {
        return -1;
    }
    /* Uptime-relative times once the base is known. */
    if (b->have_base) {
        if (b->have_uptime_first)
            set_time(b, 0, (b->uptime_base_ms + b->uptime_first) * 1000u, 2);
        if (b->have_uptime_last)
            set_time(b, 1, (b->uptime_base_ms + b->uptime_last) * 1000u, 2);
    }
    if (!b->rank_first && !b->rank_last)
        r->first_us = r->last_us = default_us;
    else if (!b->rank_first)
        r->first_us = r->last_us;
    else if (!b->rank_last)
        r->last_us = r->first_us;
    if (r->last_us < r->first_us)
        return -1;
    if (!b->have_cli_flags)
        r->src_tcp_flags = b->tcp_flags;
    /* An ICMP echo reply sent as a uniflow: its destination asked, so it is the client. The type
     * is in an ICMP element, else (NetFlow v5 style) in the destination port. */
    if ((r->l4_proto == 1 || r->l4_proto == 58) && !r->rev_packets && !r->rev_bytes) {
        uint16_t tc = b->have_icmp ? b->icmp_type_code
                      : b->icmp_port_convention && r->src_port == 0 ? r->dst_port : 0xffff;
        if ((r->l4_proto == 1 && tc >> 8 == 0) || (r->l4_proto == 58 && tc >> 8 == 129)) {
            uint8_t a[16];
            memcpy(a, r->src_addr, 16);
            memcpy(r->src_addr, r->dst_addr, 16);
            memcpy(r->dst_addr, a, 16);
            uint16_t pt = r->src_port;
            r->src_port = r->dst_port;
            r->dst_port = pt;
            r->rev_packets = r->packets;
            r->rev_bytes = r->bytes;
            r->packets = r->bytes = 0;
            r->dst_tcp_flags = r->src_tcp_flags;
            r->src_tcp_flags = 0;
        }
    }
    /* Application: names win over numbers (another nDPI may number protocols differently). */
    uint16_t m = b->l7_master, a = b->l7_app;
    int known = b->have_l7_ids;
    if (b->l7_proto_name[0]) {
        /* Our own exports carry ids and name: when the ids say the name, no search is needed. */
        const char *mn = m ? ntc_l7_app_name(m) : NULL, *an = ntc_l7_app_name(a);
        size_t ml = mn ? strlen(mn) : 0;
        const char *nm = b->l7_proto_name;
        int same = b->have_l7_ids && an && (m ? mn && strncmp(nm, mn, ml) == 0 && nm[ml] == '.' &&
                                                    strcmp(nm + ml + 1, an) == 0
                                              : strcmp(nm, an) == 0);
        if (same) {
            known = 1;
        } else if (ids_from_name(b->l7_proto_name, &m, &a) == 0) {
            known = 1;
        } else {
            r->l7_name = b->l7_proto_name;
            known = 1;
        }
    }
    if (known) {
        r->l7_master = m;
        r->l7_app = a;
        r->l7_how = b->have_how ? b->how : (m || a || r->l7_name) ? NTC_L7_DPI : NTC_L7_UNKNOWN;
    } else {
        r->l7_how = NTC_L7_OFF;
    }
    r->meta = r->meta_count ? b->meta : NULL;
    r->source = source;
    r->export_us = export_us;
    return 0;
}
