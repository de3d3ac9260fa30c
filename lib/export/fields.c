/* The field registry (one table per record kind) and records built from it.
 *
 * Adding a field is one entry in a table below: its nProbe/ntopng name, NetFlow/IPFIX element id
 * (0 if none), type, width, getter and a one-line doc. Every sink (JSON lines, CSV, SQLite,
 * ClickHouse, Elasticsearch) picks it up: columns and keys come from these tables. Entries appear
 * in JSON in table order, so new fields go where they should be printed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"
#include "flow/flow.h"
#include "host/host.h"
#include "ntopcore/error.h"
#include "util/util.h"

/* ntop's private element ids are 57472 + n (PEN 35632). */
#define NTOP_ID(n) (57472 + (n))

/* ---- getters ---- */

/* An unsigned member of the struct the entry points into (arg = offset, width = its size). */
static uint64_t read_member(const void *base, size_t off, unsigned width)
{
    const uint8_t *p = (const uint8_t *)base + off;
    switch (width) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static int get_fi(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = read_member(&s->fi, d->arg, d->width);
    return 1;
}

static int get_hi(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = read_member(&s->hi, d->arg, d->width);
    return 1;
}

static int get_app(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = read_member(s->app, d->arg, d->width);
    return 1;
}

static int put_addr(ntc__rout *o, int ipv, const uint8_t *addr)
{
    char a[64];
    ntc__addr_str(ipv, addr, a, sizeof(a));
    ntc__sbuf_put(o->text, a, strlen(a));
    return 1;
}

static int get_src4(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return s->fi.ip_version == 4 && put_addr(o, 4, s->fi.cli_addr);
}
static int get_src6(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return s->fi.ip_version == 6 && put_addr(o, 6, s->fi.cli_addr);
}
static int get_dst4(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return s->fi.ip_version == 4 && put_addr(o, 4, s->fi.srv_addr);
}
static int get_dst6(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return s->fi.ip_version == 6 && put_addr(o, 6, s->fi.srv_addr);
}

static int get_first_s(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->fi.first_us / 1000000;
    return 1;
}
static int get_last_s(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->fi.last_us / 1000000;
    return 1;
}
static int get_first_ms(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->fi.first_us / 1000;
    return 1;
}
static int get_last_ms(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->fi.last_us / 1000;
    return 1;
}

/* TCP flags: TCP flows only. */
static int get_tcp_flags(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = (uint64_t)(s->fi.cli_tcp_flags | s->fi.srv_tcp_flags);
    return s->fi.l4_proto == 6;
}
static int get_tcp_member(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return s->fi.l4_proto == 6 && get_fi(d, s, o);
}

/* L7 fields: only when DPI ran. */
static int l7_on(const ntc__rsrc *s)
{
    return s->l7.how != NTC_L7_OFF;
}

static int get_l7_proto(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    if (!l7_on(s))
        return 0;
    if (s->l7.master)
        ntc__sbuf_printf(o->text, "%u.%u", s->l7.master, s->l7.app);
    else
        ntc__sbuf_printf(o->text, "%u", s->l7.app);
    return 1;
}
static int get_l7_name(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    if (!l7_on(s))
        return 0;
    char b[96];
    ntc_flow_l7_name(s->flow, b, sizeof(b));
    ntc__sbuf_put(o->text, b, strlen(b));
    return 1;
}
static int put_str(ntc__rout *o, const char *v)
{
    if (!v)
        v = "";
    ntc__sbuf_put(o->text, v, strlen(v));
    return 1;
}
static int get_l7_category(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return l7_on(s) && put_str(o, ntc_l7_category_name(s->l7.category));
}
static int get_l7_breed(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return l7_on(s) && put_str(o, ntc_l7_breed_name(s->l7.breed));
}
static int get_l7_how(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return l7_on(s) && put_str(o, ntc_l7_how_name(s->l7.how));
}
static int get_risk(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->l7.risk;
    return l7_on(s) && s->l7.risk;
}
static int get_risk_name(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    if (!l7_on(s) || !s->l7.risk)
        return 0;
    int n = 0;
    for (unsigned b = 0; b < 64; b++) {
        const char *rn = (s->l7.risk >> b) & 1 ? ntc_l7_risk_name(b) : NULL;
        if (rn) {
            if (n++)
                ntc__sbuf_put(o->text, ",", 1);
            ntc__sbuf_put(o->text, rn, strlen(rn));
        }
    }
    return 1;
}
static int get_risk_score(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->l7.risk_score;
    return l7_on(s) && s->l7.risk;
}

/* Metadata (arg = ntc_meta key): text, or a decimal number for numeric entries. */
static int get_meta(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    const char *v = ntc_flow_meta(s->flow, (int)d->arg);
    if (!v)
        return 0;
    if (ntc__field_is_text(d->pub.type))
        return put_str(o, v);
    o->u = strtoull(v, NULL, 10);
    return 1;
}


/* ---- flow analytics (flow.analytics) ---- */

static int fa_on(const ntc__rsrc *s)
{
    return s->fa.available != 0;
}
static int fa_tcp(const ntc__rsrc *s)
{
    return fa_on(s) && s->fi.l4_proto == 6;
}

/* A counter of ntc_flow_analytics (arg = offset, width = size), TCP flows only. */
static int get_fa_tcp(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = read_member(&s->fa, d->arg, d->width);
    return fa_tcp(s);
}

static int get_flow_state(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return fa_on(s) && put_str(o, ntc_flow_state_text(s->flow));
}
static int get_conn_state(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return fa_on(s) && (s->fi.l4_proto == 6 || s->fi.l4_proto == 17) &&
           put_str(o, ntc_conn_state_name(s->fa.conn_state));
}
static int get_conn_history(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return fa_tcp(s) && put_str(o, s->fa.history);
}
static int get_community_id(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return fa_on(s) && s->fa.community_id[0] && put_str(o, s->fa.community_id);
}

/* Milliseconds (3 decimals) from a uint32 microsecond member (arg), when non-zero. */
static int ms_of(ntc__rout *o, uint64_t us)
{
    o->u = ntc__f2u((double)us / 1000.0);
    return us != 0;
}
static int get_fa_tcp_ms(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return fa_tcp(s) && ms_of(o, read_member(&s->fa, d->arg, d->width));
}
static int get_appl_latency(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return fa_on(s) && ms_of(o, s->fa.appl_latency_us);
}
static int get_longest_pkt(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = NTC__MAX(s->fa.len_max[0], s->fa.len_max[1]);
    return fa_on(s);
}
static int get_shortest_pkt(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    const ntc_flow_info *f = &s->fi;
    o->u = f->cli2srv_packets && f->srv2cli_packets ? NTC__MIN(s->fa.len_min[0], s->fa.len_min[1])
           : f->cli2srv_packets                     ? s->fa.len_min[0]
                                                    : s->fa.len_min[1];
    return fa_on(s);
}

/* Per direction: arg is 0 (client to server, SRC_TO_DST_) or 1 (DST_TO_SRC_). */
static uint64_t dir_pkts(const ntc__rsrc *s, size_t d)
{
    return d ? s->fi.srv2cli_packets : s->fi.cli2srv_packets;
}
static int get_max_tput(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = ntc__f2u(s->fa.peak_bps[d->arg]);
    return fa_on(s);
}
static int get_avg_tput(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    double dur = (double)(s->fi.last_us - s->fi.first_us) / 1e6;
    uint64_t bytes = d->arg ? s->fi.srv2cli_bytes : s->fi.cli2srv_bytes;
    o->u = ntc__f2u(dur > 0 ? (double)bytes * 8.0 / dur : 0);
    return fa_on(s);
}
static int get_len_min(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->fa.len_min[d->arg];
    return fa_on(s) && dir_pkts(s, d->arg);
}
static int get_len_max(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->fa.len_max[d->arg];
    return fa_on(s) && dir_pkts(s, d->arg);
}
static int get_len_avg(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = ntc__f2u(s->fa.len_mean[d->arg]);
    return fa_on(s) && dir_pkts(s, d->arg);
}
static int get_len_stddev(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = ntc__f2u(s->fa.len_stddev[d->arg]);
    return fa_on(s) && dir_pkts(s, d->arg);
}
static int get_iat_min(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = ntc__f2u((double)s->fa.iat_min_us[d->arg] / 1000.0);
    return fa_on(s) && dir_pkts(s, d->arg) >= 2;
}
static int get_iat_max(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = ntc__f2u((double)s->fa.iat_max_us[d->arg] / 1000.0);
    return fa_on(s) && dir_pkts(s, d->arg) >= 2;
}
static int get_iat_avg(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = ntc__f2u(s->fa.iat_mean_us[d->arg] / 1000.0);
    return fa_on(s) && dir_pkts(s, d->arg) >= 2;
}
static int get_iat_stddev(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = ntc__f2u(s->fa.iat_stddev_us[d->arg] / 1000.0);
    return fa_on(s) && dir_pkts(s, d->arg) >= 2;
}

/* The first packets (flow.first_packets) as JSON lists; arg 0 directions, 1 sizes, 2 gaps (ms). */
static int get_first_pkts(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    ntc_packet_sample ps[64];
    size_t n = fa_on(s) ? ntc_flow_first_packets(s->flow, ps, NTC__ARRAY_LEN(ps)) : 0;
    for (size_t i = 0; i < n; i++) {
        ntc__sbuf_put(o->text, i ? "," : "[", 1);
        if (d->arg == 0)
            ntc__sbuf_u64(o->text, ps[i].direction);
        else if (d->arg == 1)
            ntc__sbuf_u64(o->text, ps[i].ip_len);
        else
            ntc__sbuf_fixed_point(o->text, ps[i].iat_us / 1000.0, 3);
    }
    if (n)
        ntc__sbuf_put(o->text, "]", 1);
    return n != 0;
}

/* Local hosts: upload/download, peak throughput, TCP health of what they sent and received. */
static int get_hi_local(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = read_member(&s->hi, d->arg, d->width);
    return s->hi.is_local;
}
static int get_hi_local_float(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    double v;
    memcpy(&v, (const uint8_t *)&s->hi + d->arg, sizeof(v));
    o->u = ntc__f2u(v);
    return s->hi.is_local;
}

/* Hosts. */
static int get_host_addr(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return put_addr(o, s->hi.ip_version, s->hi.addr);
}
static int get_host_mac(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    if (!s->hi.has_mac)
        return 0;
    const uint8_t *m = s->hi.mac;
    ntc__sbuf_printf(o->text, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return 1;
}
static int get_host_first(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->hi.first_us / 1000000;
    return 1;
}
static int get_host_last(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->hi.last_us / 1000000;
    return 1;
}
static int get_host_name(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    const char *n = ntc_host_name(s->host);
    return n && put_str(o, n);
}

static void json_u(ntc__sbuf *t, const char *key, uint64_t v, int first)
{
    ntc__sbuf_put(t, ",\"" + !!first, 2 - !!first);
    ntc__sbuf_put(t, key, strlen(key));
    ntc__sbuf_put(t, "\":", 2);
    ntc__sbuf_u64(t, v);
}

/* Local hosts: their traffic per application, as a JSON list. */
static int get_host_apps(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    size_t napps = ntc_host_app_count(s->host);
    if (!napps)
        return 0;
    ntc__sbuf *t = o->text;
    ntc__sbuf_put(t, "[", 1);
    for (size_t i = 0; i < napps; i++) {
        ntc_app_stats a = {.size = sizeof(a)};
        ntc_host_get_app(s->host, i, &a);
        const char *an = ntc_l7_app_name(a.id);
        char idbuf[16];
        if (!an) {
            snprintf(idbuf, sizeof(idbuf), "%u", a.id);
            an = idbuf;
        }
        ntc__sbuf_put(t, i ? ",{\"L7_PROTO_NAME\":" : "{\"L7_PROTO_NAME\":", i ? 18 : 17);
        ntc__json_str(t, an, strlen(an));
        json_u(t, "FLOWS", a.flows, 0);
        json_u(t, "PKTS_SENT", a.cli2srv_packets, 0);
        json_u(t, "BYTES_SENT", a.cli2srv_bytes, 0);
        json_u(t, "PKTS_RCVD", a.srv2cli_packets, 0);
        json_u(t, "BYTES_RCVD", a.srv2cli_bytes, 0);
        ntc__sbuf_put(t, "}", 1);
    }
    ntc__sbuf_put(t, "]", 1);
    return 1;
}

/* Application rows. */
static int get_app_time(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->time_us / 1000000;
    return 1;
}
static int get_app_percent(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    uint64_t bytes = s->app->cli2srv_bytes + s->app->srv2cli_bytes;
    o->u = ntc__f2u(s->total_bytes ? 100.0 * (double)bytes / (double)s->total_bytes : 0.0);
    return 1;
}
static int get_app_name(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    if (s->app_name)
        return put_str(o, s->app_name);
    ntc__sbuf_printf(o->text, "%u", s->app->id);
    return 1;
}

/* Alerts. */
static int get_alert_id(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->ai.id;
    return 1;
}
static int get_alert_type_id(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = (uint64_t)s->ai.type;
    return 1;
}
static int get_alert_type(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    const char *n = ntc_alert_type_name(s->ai.type);
    return put_str(o, n ? n : "unknown");
}
static int get_alert_severity(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    const char *n = ntc_alert_severity_name(s->ai.severity);
    return put_str(o, n ? n : "unknown");
}
static int get_alert_entity(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    const char *n = ntc_alert_entity_name(s->ai.entity);
    return put_str(o, n ? n : "unknown");
}
static int get_alert_entity_id(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return put_str(o, ntc_alert_entity_id(s->alert));
}
static int get_alert_state(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    const char *n = ntc_alert_state_name(s->ai.state);
    return put_str(o, n ? n : "unknown");
}
static int get_alert_time(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = d->arg ? s->ai.time_us / 1000 : s->ai.time_us / 1000000;
    return 1;
}
static int get_alert_engaged(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = d->arg ? s->ai.engaged_us / 1000 : s->ai.engaged_us / 1000000;
    return s->ai.state == NTC_ALERT_RELEASED;
}
static int get_alert_suppressed(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->ai.suppressed;
    return s->ai.suppressed != 0;
}
static int get_alert_rule_line(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    o->u = s->ai.rule_line;
    return s->ai.rule_line != 0;
}
static int get_alert_desc(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    return put_str(o, ntc_alert_description(s->alert));
}
/* The structured details, as a JSON object (flow alerts use the flow field names). */
static int get_alert_details(const ntc__field_def *d, const ntc__rsrc *s, ntc__rout *o)
{
    ntc__sbuf *t = o->text;
    ntc__sbuf_put(t, "{", 1);
    size_t n = ntc_alert_detail_count(s->alert);
    for (size_t i = 0; i < n; i++) {
        ntc_alert_detail det = {.size = sizeof(det)};
        if (ntc_alert_get_detail(s->alert, i, &det) != 0)
            continue;
        if (i)
            ntc__sbuf_put(t, ",", 1);
        ntc__json_str(t, det.key, strlen(det.key));
        ntc__sbuf_put(t, ":", 1);
        if (det.type == NTC_ALERT_VALUE_STRING)
            ntc__json_str(t, det.str, strlen(det.str));
        else
            ntc__sbuf_printf(t, "%" PRId64, det.num);
    }
    ntc__sbuf_put(t, "}", 1);
    return 1;
}

/* ---- the tables ---- */

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)
/* An unsigned member of ntc_flow_info / ntc_host_info / ntc_app_stats. */
#define FI(name, id, bits, m, doc) \
    {{name, id, NTC_FIELD_UINT, bits, 0, doc}, get_fi, offsetof(ntc_flow_info, m), MEMBER_SIZE(ntc_flow_info, m)}
#define HI(name, bits, m, doc) \
    {{name, 0, NTC_FIELD_UINT, bits, 0, doc}, get_hi, offsetof(ntc_host_info, m), MEMBER_SIZE(ntc_host_info, m)}
#define AP(name, bits, m, doc) \
    {{name, 0, NTC_FIELD_UINT, bits, 0, doc}, get_app, offsetof(ntc_app_stats, m), MEMBER_SIZE(ntc_app_stats, m)}
/* A field with its own getter. */
#define FN(name, id, type, bits, get, doc) {{name, id, type, bits, 0, doc}, get, 0, 0}
/* A metadata key. */
#define META(key, name, id, type, bits, doc) {{name, id, type, bits, 0, doc}, get_meta, key, 0}

/* A TCP counter of ntc_flow_analytics, element [dir] of member m. */
#define FA_TCP(name, id, m, dir, doc) \
    {{name, id, NTC_FIELD_UINT, 32, 0, doc}, get_fa_tcp, offsetof(ntc_flow_analytics, m[dir]), \
     MEMBER_SIZE(ntc_flow_analytics, m[0])}
/* A microsecond member of ntc_flow_analytics as milliseconds (TCP flows, when non-zero). */
#define FA_TCP_MS(name, id, m, doc) \
    {{name, id, NTC_FIELD_FLOAT, 64, 3, doc}, get_fa_tcp_ms, offsetof(ntc_flow_analytics, m), \
     MEMBER_SIZE(ntc_flow_analytics, m)}
/* Per-direction statistics: prefix SRC_TO_DST_ (dir 0) or DST_TO_SRC_ (dir 1). */
#define DIR_STATS(pre, dir, max_id, avg_id)                                                      \
    {{pre "MAX_THROUGHPUT", max_id, NTC_FIELD_FLOAT, 64, 0, "peak bit/s over one second"},     \
     get_max_tput, dir, 0},                                                                    \
    {{pre "AVG_THROUGHPUT", avg_id, NTC_FIELD_FLOAT, 64, 0, "average bit/s"}, get_avg_tput, dir, 0}, \
    {{pre "PKT_LEN_MIN", 0, NTC_FIELD_UINT, 32, 0, "smallest packet, IP bytes"}, get_len_min, dir, 0}, \
    {{pre "PKT_LEN_MAX", 0, NTC_FIELD_UINT, 32, 0, "largest packet, IP bytes"}, get_len_max, dir, 0}, \
    {{pre "PKT_LEN_AVG", 0, NTC_FIELD_FLOAT, 64, 1, "mean packet size"}, get_len_avg, dir, 0},  \
    {{pre "PKT_LEN_STDDEV", 0, NTC_FIELD_FLOAT, 64, 1, "packet size deviation"}, get_len_stddev, dir, 0}, \
    {{pre "IAT_MIN_MS", 0, NTC_FIELD_FLOAT, 64, 3, "shortest gap between packets"}, get_iat_min, dir, 0}, \
    {{pre "IAT_MAX_MS", 0, NTC_FIELD_FLOAT, 64, 3, "longest gap between packets"}, get_iat_max, dir, 0}, \
    {{pre "IAT_AVG_MS", 0, NTC_FIELD_FLOAT, 64, 3, "mean gap between packets"}, get_iat_avg, dir, 0}, \
    {{pre "IAT_STDDEV_MS", 0, NTC_FIELD_FLOAT, 64, 3, "gap deviation"}, get_iat_stddev, dir, 0}
/* A member of ntc_host_info present for local hosts only. */
#define HI_LOCAL(name, m, doc) \
    {{name, 0, NTC_FIELD_UINT, 64, 0, doc}, get_hi_local, offsetof(ntc_host_info, m), \
     MEMBER_SIZE(ntc_host_info, m)}
#define HI_LOCAL_F(name, m, doc) \
    {{name, 0, NTC_FIELD_FLOAT, 64, 0, doc}, get_hi_local_float, offsetof(ntc_host_info, m), 8}
#define HOST_TCP(sfx, dir)                                                                         \
    HI_LOCAL("TCP_RETRANSMITTED_PKTS_" sfx, tcp_retransmissions[dir], "TCP retransmissions"),   \
    HI_LOCAL("TCP_OOORDER_PKTS_" sfx, tcp_out_of_order[dir], "TCP segments out of order"),      \
    HI_LOCAL("TCP_LOST_PKTS_" sfx, tcp_lost_segments[dir], "TCP segments after a gap"),         \
    HI_LOCAL("TCP_ZERO_WINDOW_PKTS_" sfx, tcp_zero_windows[dir], "TCP zero windows"),           \
    HI_LOCAL("TCP_KEEPALIVE_PKTS_" sfx, tcp_keepalives[dir], "TCP keep-alives")

static const ntc__field_def flow_fields[] = {
    FN("IPV4_SRC_ADDR", 8, NTC_FIELD_IPV4, 0, get_src4, "client address (IPv4 flows)"),
    FN("IPV6_SRC_ADDR", 27, NTC_FIELD_IPV6, 0, get_src6, "client address (IPv6 flows)"),
    FN("IPV4_DST_ADDR", 12, NTC_FIELD_IPV4, 0, get_dst4, "server address (IPv4 flows)"),
    FN("IPV6_DST_ADDR", 28, NTC_FIELD_IPV6, 0, get_dst6, "server address (IPv6 flows)"),
    FI("L4_SRC_PORT", 7, 16, cli_port, "client port"),
    FI("L4_DST_PORT", 11, 16, srv_port, "server port"),
    FI("PROTOCOL", 4, 8, l4_proto, "IP protocol number"),
    FI("IP_PROTOCOL_VERSION", 60, 8, ip_version, "4 or 6"),
    FI("SRC_VLAN", 58, 16, vlan, "innermost VLAN id, 0 if untagged"),
    FI("IN_PKTS", 2, 64, cli2srv_packets, "packets client to server"),
    FI("IN_BYTES", 1, 64, cli2srv_bytes, "IP bytes client to server"),
    FI("OUT_PKTS", 24, 64, srv2cli_packets, "packets server to client"),
    FI("OUT_BYTES", 23, 64, srv2cli_bytes, "IP bytes server to client"),
    FN("FIRST_SWITCHED", 22, NTC_FIELD_TIME, 32, get_first_s, "first packet, epoch seconds"),
    FN("LAST_SWITCHED", 21, NTC_FIELD_TIME, 32, get_last_s, "last packet, epoch seconds"),
    FN("FLOW_START_MILLISECONDS", 152, NTC_FIELD_UINT, 64, get_first_ms, "first packet, epoch ms"),
    FN("FLOW_END_MILLISECONDS", 153, NTC_FIELD_UINT, 64, get_last_ms, "last packet, epoch ms"),
    FN("TCP_FLAGS", 6, NTC_FIELD_UINT, 8, get_tcp_flags, "OR of the TCP flags both ways (TCP)"),
    {{"CLIENT_TCP_FLAGS", NTOP_ID(78), NTC_FIELD_UINT, 8, 0, "TCP flags sent by the client"},
     get_tcp_member, offsetof(ntc_flow_info, cli_tcp_flags), 1},
    {{"SERVER_TCP_FLAGS", NTOP_ID(79), NTC_FIELD_UINT, 8, 0, "TCP flags sent by the server"},
     get_tcp_member, offsetof(ntc_flow_info, srv_tcp_flags), 1},
    FN("L7_PROTO", NTOP_ID(118), NTC_FIELD_STRING, 0, get_l7_proto, "\"master.app\" ids"),
    FN("L7_PROTO_NAME", NTOP_ID(119), NTC_FIELD_STRING, 0, get_l7_name, "e.g. \"TLS.YouTube\""),
    FN("L7_PROTO_CATEGORY", 0, NTC_FIELD_STRING, 0, get_l7_category, "application category"),
    FN("L7_PROTO_BREED", 0, NTC_FIELD_STRING, 0, get_l7_breed, "application breed"),
    FN("L7_DETECTION", 0, NTC_FIELD_STRING, 0, get_l7_how, "dpi, guess or unknown"),
    FN("L7_PROTO_RISK", NTOP_ID(509), NTC_FIELD_UINT, 64, get_risk, "risk bitmap"),
    FN("L7_PROTO_RISK_NAME", 0, NTC_FIELD_STRING, 0, get_risk_name, "risk names, comma-separated"),
    FN("L7_RISK_SCORE", 0, NTC_FIELD_UINT, 16, get_risk_score, "sum of the risks' scores"),
    META(NTC_META_HTTP_METHOD, "HTTP_METHOD", NTOP_ID(360), NTC_FIELD_STRING, 0, "HTTP method"),
    META(NTC_META_HTTP_URL, "HTTP_URL", NTOP_ID(180), NTC_FIELD_STRING, 0, "HTTP URL"),
    META(NTC_META_HTTP_HOST, "HTTP_HOST", NTOP_ID(361), NTC_FIELD_STRING, 0, "HTTP Host header"),
    META(NTC_META_HTTP_USER_AGENT, "HTTP_USER_AGENT", NTOP_ID(183), NTC_FIELD_STRING, 0,
         "HTTP User-Agent"),
    META(NTC_META_HTTP_MIME, "HTTP_MIME", 0, NTC_FIELD_STRING, 0, "response Content-Type"),
    META(NTC_META_HTTP_RET_CODE, "HTTP_RET_CODE", NTOP_ID(181), NTC_FIELD_UINT, 16,
         "HTTP response status"),
    META(NTC_META_DNS_QUERY, "DNS_QUERY", NTOP_ID(205), NTC_FIELD_STRING, 0, "queried name"),
    META(NTC_META_DNS_QUERY_TYPE, "DNS_QUERY_TYPE", NTOP_ID(207), NTC_FIELD_UINT, 16,
         "DNS query type"),
    META(NTC_META_DNS_RET_CODE, "DNS_RET_CODE", NTOP_ID(208), NTC_FIELD_UINT, 16, "DNS rcode"),
    META(NTC_META_DNS_ANSWER, "DNS_ANSWER", 0, NTC_FIELD_STRING, 0, "first answered address"),
    META(NTC_META_TLS_SERVER_NAME, "TLS_SERVER_NAME", NTOP_ID(188), NTC_FIELD_STRING, 0,
         "TLS/QUIC SNI"),
    META(NTC_META_TLS_VERSION, "TLS_VERSION", 0, NTC_FIELD_STRING, 0, "TLS version"),
    META(NTC_META_JA3C_HASH, "JA3C_HASH", 0, NTC_FIELD_STRING, 0, "JA3 client fingerprint"),
    META(NTC_META_JA3S_HASH, "JA3S_HASH", 0, NTC_FIELD_STRING, 0, "JA3 server fingerprint"),
    META(NTC_META_TLS_ISSUER_DN, "TLS_ISSUER_DN", 0, NTC_FIELD_STRING, 0, "certificate issuer"),
    META(NTC_META_TLS_SUBJECT_DN, "TLS_SUBJECT_DN", 0, NTC_FIELD_STRING, 0,
         "certificate subject"),
    META(NTC_META_TLS_NOT_BEFORE, "TLS_NOT_BEFORE", 0, NTC_FIELD_TIME, 64,
         "certificate validity start"),
    META(NTC_META_TLS_NOT_AFTER, "TLS_NOT_AFTER", 0, NTC_FIELD_TIME, 64, "certificate validity end"),
    META(NTC_META_TLS_ALPN, "TLS_ALPN", 0, NTC_FIELD_STRING, 0, "offered ALPN list"),
    META(NTC_META_SSH_CLIENT, "SSH_CLIENT_SIGNATURE", 0, NTC_FIELD_STRING, 0, "SSH client banner"),
    META(NTC_META_SSH_SERVER, "SSH_SERVER_SIGNATURE", 0, NTC_FIELD_STRING, 0, "SSH server banner"),
    META(NTC_META_DHCP_HOST_NAME, "DHCP_HOST_NAME", 0, NTC_FIELD_STRING, 0,
         "host name a DHCP client announced"),
    META(NTC_META_HOST_NAME, "HOST_NAME", 0, NTC_FIELD_STRING, 0,
         "name read by DPI for other protocols"),
    META(NTC_META_FLOW_SOURCE, "FLOW_SOURCE", 0, NTC_FIELD_STRING, 0,
         "where a collected flow came from (ipfix:EXPORTER/DOMAIN, zmq:...)"),
    /* Flow analytics (flow.analytics). */
    FN("FLOW_STATE", 0, NTC_FIELD_STRING, 0, get_flow_state, "the flow's state in words"),
    FN("CONN_STATE", 0, NTC_FIELD_STRING, 0, get_conn_state, "Zeek conn_state (TCP, UDP)"),
    FN("CONN_HISTORY", 0, NTC_FIELD_STRING, 0, get_conn_history, "Zeek history (TCP)"),
    FN("COMMUNITY_ID", 0, NTC_FIELD_STRING, 0, get_community_id, "Community ID v1"),
    FA_TCP("RETRANSMITTED_IN_PKTS", NTOP_ID(109), retransmissions, 0, "retransmissions, client to server"),
    FA_TCP("RETRANSMITTED_OUT_PKTS", NTOP_ID(110), retransmissions, 1, "retransmissions, server to client"),
    FA_TCP("OOORDER_IN_PKTS", NTOP_ID(111), out_of_order, 0, "out of order, client to server"),
    FA_TCP("OOORDER_OUT_PKTS", NTOP_ID(112), out_of_order, 1, "out of order, server to client"),
    FA_TCP("TCP_LOST_IN_PKTS", 0, lost_segments, 0, "segments after a gap, client to server"),
    FA_TCP("TCP_LOST_OUT_PKTS", 0, lost_segments, 1, "segments after a gap, server to client"),
    FA_TCP("TCP_ZERO_WINDOW_IN_PKTS", 0, zero_windows, 0, "zero windows, client to server"),
    FA_TCP("TCP_ZERO_WINDOW_OUT_PKTS", 0, zero_windows, 1, "zero windows, server to client"),
    FA_TCP("TCP_KEEPALIVE_IN_PKTS", 0, keepalives, 0, "keep-alives, client to server"),
    FA_TCP("TCP_KEEPALIVE_OUT_PKTS", 0, keepalives, 1, "keep-alives, server to client"),
    FA_TCP("TCP_DUP_ACK_IN_PKTS", 0, duplicate_acks, 0, "duplicate ACKs, client to server"),
    FA_TCP("TCP_DUP_ACK_OUT_PKTS", 0, duplicate_acks, 1, "duplicate ACKs, server to client"),
    FA_TCP_MS("CLIENT_NW_LATENCY_MS", NTOP_ID(123), client_nw_latency_us, "SYN/ACK to ACK"),
    FA_TCP_MS("SERVER_NW_LATENCY_MS", NTOP_ID(124), server_nw_latency_us, "SYN to SYN/ACK"),
    FA_TCP_MS("TLS_HANDSHAKE_MS", 0, tls_handshake_us, "TLS handshake"),
    {{"APPL_LATENCY_MS", NTOP_ID(125), NTC_FIELD_FLOAT, 64, 3, "request to response"},
     get_appl_latency, 0, 0},
    FN("LONGEST_FLOW_PKT", NTOP_ID(107), NTC_FIELD_UINT, 32, get_longest_pkt, "largest packet"),
    FN("SHORTEST_FLOW_PKT", NTOP_ID(108), NTC_FIELD_UINT, 32, get_shortest_pkt, "smallest packet"),
    DIR_STATS("SRC_TO_DST_", 0, NTOP_ID(82), NTOP_ID(84)),
    DIR_STATS("DST_TO_SRC_", 1, NTOP_ID(85), NTOP_ID(87)),
    {{"FIRST_PKTS_DIR", 0, NTC_FIELD_JSON, 0, 0, "first packets: 0 client, 1 server"}, get_first_pkts, 0, 0},
    {{"FIRST_PKTS_LEN", 0, NTC_FIELD_JSON, 0, 0, "first packets: IP bytes"}, get_first_pkts, 1, 0},
    {{"FIRST_PKTS_IAT_MS", 0, NTC_FIELD_JSON, 0, 0, "first packets: gaps, ms"}, get_first_pkts, 2, 0},
};

static const ntc__field_def host_fields[] = {
    FN("IP_ADDR", 0, NTC_FIELD_STRING, 0, get_host_addr, "address (IPv4 or IPv6 text)"),
    HI("IP_PROTOCOL_VERSION", 8, ip_version, "4 or 6"),
    HI("VLAN", 16, vlan, "VLAN id, 0 if untagged"),
    HI("IS_LOCAL", 8, is_local, "1 for a local host"),
    HI("IS_SYSTEM", 8, is_system, "1 for an address of a capture interface"),
    FN("MAC", 0, NTC_FIELD_STRING, 0, get_host_mac, "last source MAC (local hosts)"),
    HI("PKTS_SENT", 64, packets_sent, "packets sent"),
    HI("BYTES_SENT", 64, bytes_sent, "IP bytes sent"),
    HI("PKTS_RCVD", 64, packets_rcvd, "packets received"),
    HI("BYTES_RCVD", 64, bytes_rcvd, "IP bytes received"),
    FN("FIRST_SEEN", 0, NTC_FIELD_TIME, 32, get_host_first, "first seen, epoch seconds"),
    FN("LAST_SEEN", 0, NTC_FIELD_TIME, 32, get_host_last, "last seen, epoch seconds"),
    HI("ACTIVE_FLOWS_AS_CLIENT", 32, active_flows_as_client, "open flows as client"),
    HI("ACTIVE_FLOWS_AS_SERVER", 32, active_flows_as_server, "open flows as server"),
    HI("TOTAL_FLOWS_AS_CLIENT", 64, total_flows_as_client, "flows as client since seen"),
    HI("TOTAL_FLOWS_AS_SERVER", 64, total_flows_as_server, "flows as server since seen"),
    FN("NAME", 0, NTC_FIELD_STRING, 0, get_host_name, "name learnt from the traffic"),
    HI_LOCAL("UPLOAD_BYTES", upload_bytes, "IP bytes sent outside the local networks"),
    HI_LOCAL("DOWNLOAD_BYTES", download_bytes, "IP bytes received from outside"),
    HI_LOCAL_F("PEAK_BPS_SENT", peak_bps[0], "peak bit/s sent over one second"),
    HI_LOCAL_F("PEAK_BPS_RCVD", peak_bps[1], "peak bit/s received over one second"),
    HOST_TCP("SENT", 0),
    HOST_TCP("RCVD", 1),
    FN("APPS", 0, NTC_FIELD_JSON, 0, get_host_apps, "traffic per application (local hosts)"),
};

#define APP_COUNTERS                                                                         \
    AP("FLOWS", 64, flows, "flows classified with it"),                                      \
    AP("IN_PKTS", 64, cli2srv_packets, "packets client to server"),                          \
    AP("IN_BYTES", 64, cli2srv_bytes, "IP bytes client to server"),                          \
    AP("OUT_PKTS", 64, srv2cli_packets, "packets server to client"),                         \
    AP("OUT_BYTES", 64, srv2cli_bytes, "IP bytes server to client"),                         \
    {{"BYTES_PERCENT", 0, NTC_FIELD_FLOAT, 64, 2, "share of the table's bytes, percent"},    \
     get_app_percent, 0, 0},                                                                 \
    FN("TIMESTAMP", 0, NTC_FIELD_TIME, 32, get_app_time, "time of the table, epoch seconds")

static const ntc__field_def app_fields[] = {
    AP("L7_PROTO", 16, id, "application id"),
    FN("L7_PROTO_NAME", 0, NTC_FIELD_STRING, 0, get_app_name, "application name"),
    APP_COUNTERS,
};

static const ntc__field_def category_fields[] = {
    AP("L7_PROTO_CATEGORY_ID", 16, id, "category id"),
    FN("L7_PROTO_CATEGORY", 0, NTC_FIELD_STRING, 0, get_app_name, "category name"),
    APP_COUNTERS,
};

/* Alerts: the same keys and order as ntc_alert_format_json(). */
static const ntc__field_def alert_fields[] = {
    FN("ALERT_ID", 0, NTC_FIELD_UINT, 64, get_alert_id, "engine-unique serial number"),
    FN("ALERT_TYPE", 0, NTC_FIELD_STRING, 0, get_alert_type, "syn_flood_attacker, flow_risk, ..."),
    FN("ALERT_TYPE_ID", 0, NTC_FIELD_UINT, 16, get_alert_type_id, "ntc_alert_type"),
    FN("SEVERITY", 0, NTC_FIELD_STRING, 0, get_alert_severity, "info, warning, error, critical"),
    FN("ENTITY", 0, NTC_FIELD_STRING, 0, get_alert_entity, "interface, host, network, flow"),
    FN("ENTITY_ID", 0, NTC_FIELD_STRING, 0, get_alert_entity_id, "address, CIDR or flow key"),
    FN("STATE", 0, NTC_FIELD_STRING, 0, get_alert_state, "engaged, released or event"),
    {{"ALERT_TIME", 0, NTC_FIELD_TIME, 64, 0, "packet time, epoch seconds"}, get_alert_time, 0, 0},
    {{"ALERT_TIME_MS", 0, NTC_FIELD_UINT, 64, 0, "packet time, epoch ms"}, get_alert_time, 1, 0},
    {{"ENGAGED_TIME", 0, NTC_FIELD_TIME, 64, 0, "released alerts: when the episode engaged"},
     get_alert_engaged, 0, 0},
    {{"ENGAGED_TIME_MS", 0, NTC_FIELD_UINT, 64, 0, "released alerts: the same in ms"},
     get_alert_engaged, 1, 0},
    FN("SUPPRESSED", 0, NTC_FIELD_UINT, 32, get_alert_suppressed, "repeats held back before it"),
    FN("RULE_LINE", 0, NTC_FIELD_UINT, 32, get_alert_rule_line, "line of the rule, if any"),
    FN("DESCRIPTION", 0, NTC_FIELD_STRING, 0, get_alert_desc, "one line for a person"),
    FN("DETAILS", 0, NTC_FIELD_JSON, 0, get_alert_details, "structured details (JSON object)"),
};

_Static_assert(NTC__ARRAY_LEN(flow_fields) <= NTC__FIELDS_MAX, "flow registry too large");

const ntc__field_def *ntc__registry(int kind, size_t *count)
{
    switch (kind) {
    case NTC_RECORD_FLOW:
        *count = NTC__ARRAY_LEN(flow_fields);
        return flow_fields;
    case NTC_RECORD_HOST:
        *count = NTC__ARRAY_LEN(host_fields);
        return host_fields;
    case NTC_RECORD_APP:
        *count = NTC__ARRAY_LEN(app_fields);
        return app_fields;
    case NTC_RECORD_CATEGORY:
        *count = NTC__ARRAY_LEN(category_fields);
        return category_fields;
    case NTC_RECORD_ALERT:
        *count = NTC__ARRAY_LEN(alert_fields);
        return alert_fields;
    default:
        *count = 0;
        return NULL;
    }
}

NTC_EXPORT size_t ntc_field_count(int kind)
{
    size_t n;
    ntc__registry(kind, &n);
    return n;
}

NTC_EXPORT const ntc_field *ntc_field_at(int kind, size_t i)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(kind, &n);
    return i < n ? &d[i].pub : NULL;
}

NTC_EXPORT int ntc_field_find(int kind, const char *name)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(kind, &n);
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(d[i].pub.name, name) == 0)
            return (int)i;
    return NTC_ENOKEY;
}

/* ---- records ---- */

/* Build a record of `kind` from s: one allocation holding the header, the slots, the values and
 * the string pool. */
static int record_build(int kind, const ntc__rsrc *s, uint64_t time_us, ntc_record **out)
{
    size_t n;
    const ntc__field_def *defs = ntc__registry(kind, &n);
    uint8_t slot[NTC__FIELDS_MAX];
    ntc__rval vals[NTC__FIELDS_MAX];
    char stack[2048];
    ntc__sbuf text = ntc__sbuf_growing(stack, sizeof(stack));
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        size_t start = text.len;
        ntc__rout o = {0, &text};
        slot[i] = 0;
        if (!defs[i].get(&defs[i], s, &o)) {
            text.len = start; /* a getter may have written before deciding */
            continue;
        }
        if (ntc__field_is_text(defs[i].pub.type)) {
            vals[nv].u = start;
            vals[nv].len = (uint32_t)(text.len - start);
            ntc__sbuf_put(&text, "", 1); /* NUL terminator in the pool */
        } else {
            vals[nv].u = o.u;
            vals[nv].len = 0;
        }
        slot[i] = (uint8_t)(++nv);
    }
    if (text.oom) {
        ntc__sbuf_free(&text);
        return NTC_ENOMEM;
    }
    size_t vals_off = (sizeof(ntc_record) + n + 7) & ~(size_t)7;
    size_t str_off = vals_off + nv * sizeof(ntc__rval);
    uint8_t *mem = malloc(str_off + text.len + 1);
    if (!mem) {
        ntc__sbuf_free(&text);
        return NTC_ENOMEM;
    }
    ntc_record *r = (ntc_record *)mem;
    atomic_init(&r->refs, 1);
    r->kind = (uint8_t)kind;
    r->nvals = (uint8_t)nv;
    r->nfields = (uint16_t)n;
    r->time_us = time_us;
    memcpy(mem + sizeof(ntc_record), slot, n);
    memcpy(mem + vals_off, vals, nv * sizeof(ntc__rval));
    if (text.len)
        memcpy(mem + str_off, text.buf, text.len);
    mem[str_off + text.len] = 0;
    r->slot = mem + sizeof(ntc_record);
    r->vals = (const ntc__rval *)(mem + vals_off);
    r->str = (const char *)mem + str_off;
    ntc__sbuf_free(&text);
    *out = r;
    return 0;
}

NTC_EXPORT int ntc_record_from_flow(const ntc_flow *flow, ntc_record **out)
{
    if (!out)
        return NTC_EINVAL;
    *out = NULL;
    if (!flow)
        return NTC_EINVAL;
    ntc__rsrc s;
    memset(&s, 0, sizeof(s));
    s.flow = flow;
    s.fi.size = sizeof(s.fi);
    s.l7.size = sizeof(s.l7);
    s.fa.size = sizeof(s.fa);
    ntc_flow_get_info(flow, &s.fi);
    ntc_flow_get_l7(flow, &s.l7);
    if (ntc_flow_get_analytics(flow, &s.fa) != 0)
        s.fa.available = 0;
    return record_build(NTC_RECORD_FLOW, &s, s.fi.first_us, out);
}

NTC_EXPORT int ntc_record_from_alert(const ntc_alert *alert, ntc_record **out)
{
    if (!out)
        return NTC_EINVAL;
    *out = NULL;
    if (!alert)
        return NTC_EINVAL;
    ntc__rsrc s;
    memset(&s, 0, sizeof(s));
    s.alert = alert;
    s.ai.size = sizeof(s.ai);
    if (ntc_alert_get_info(alert, &s.ai) != 0)
        return NTC_EINVAL;
    return record_build(NTC_RECORD_ALERT, &s, s.ai.time_us, out);
}

NTC_EXPORT int ntc_record_from_host(const ntc_host *host, ntc_record **out)
{
    if (!out)
        return NTC_EINVAL;
    *out = NULL;
    if (!host)
        return NTC_EINVAL;
    ntc__rsrc s;
    memset(&s, 0, sizeof(s));
    s.host = host;
    s.hi.size = sizeof(s.hi);
    ntc_host_get_info(host, &s.hi);
    return record_build(NTC_RECORD_HOST, &s, s.hi.first_us, out);
}

NTC_EXPORT int ntc_record_from_app(int kind, const ntc_app_stats *st, const char *name,
                                   uint64_t total_bytes, uint64_t time_us, ntc_record **out)
{
    if (!out)
        return NTC_EINVAL;
    *out = NULL;
    if (!st || st->size < sizeof(ntc_app_stats) ||
        (kind != NTC_RECORD_APP && kind != NTC_RECORD_CATEGORY))
        return NTC_EINVAL;
    ntc__rsrc s;
    memset(&s, 0, sizeof(s));
    s.app = st;
    s.app_name = name;
    s.total_bytes = total_bytes;
    s.time_us = time_us;
    return record_build(kind, &s, time_us, out);
}

NTC_EXPORT ntc_record *ntc_record_acquire(ntc_record *rec)
{
    if (rec)
        atomic_fetch_add_explicit(&rec->refs, 1, memory_order_relaxed);
    return rec;
}

NTC_EXPORT void ntc_record_release(ntc_record *rec)
{
    if (rec && atomic_fetch_sub_explicit(&rec->refs, 1, memory_order_acq_rel) == 1)
        free(rec);
}

NTC_EXPORT int ntc_record_get_kind(const ntc_record *rec)
{
    return rec ? rec->kind : NTC_EINVAL;
}

NTC_EXPORT uint64_t ntc_record_time(const ntc_record *rec)
{
    return rec ? rec->time_us : 0;
}

NTC_EXPORT int ntc_record_has(const ntc_record *rec, size_t field)
{
    return rec && field < rec->nfields && rec->slot[field] != 0;
}

NTC_EXPORT int ntc_record_get_uint(const ntc_record *rec, size_t field, uint64_t *out)
{
    if (!rec || !out || field >= rec->nfields)
        return NTC_EINVAL;
    if (!rec->slot[field])
        return NTC_ENOKEY;
    size_t n;
    const ntc__field_def *d = ntc__registry(rec->kind, &n);
    if (ntc__field_is_text(d[field].pub.type) || d[field].pub.type == NTC_FIELD_FLOAT)
        return NTC_ETYPE;
    *out = rec->vals[rec->slot[field] - 1].u;
    return 0;
}

NTC_EXPORT int ntc_record_get_double(const ntc_record *rec, size_t field, double *out)
{
    if (!rec || !out || field >= rec->nfields)
        return NTC_EINVAL;
    if (!rec->slot[field])
        return NTC_ENOKEY;
    size_t n;
    const ntc__field_def *d = ntc__registry(rec->kind, &n);
    if (d[field].pub.type != NTC_FIELD_FLOAT)
        return NTC_ETYPE;
    *out = ntc__u2f(rec->vals[rec->slot[field] - 1].u);
    return 0;
}

NTC_EXPORT const char *ntc_record_get_string(const ntc_record *rec, size_t field)
{
    if (!rec || field >= rec->nfields || !rec->slot[field])
        return NULL;
    size_t n;
    const ntc__field_def *d = ntc__registry(rec->kind, &n);
    if (!ntc__field_is_text(d[field].pub.type))
        return NULL;
    return ntc__rec_text(rec, field, NULL);
}
