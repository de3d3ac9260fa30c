/* ntop-top model: rows from a snapshot, rates from successive snapshots, filter, sort. */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "top.h"

#define US 1000000.0

static const char *const flow_cols[FC_COUNT] = {"Application", "Proto", "Client", "Server",
                                                "Duration", "C<>S", "Thpt", "Bytes", "Info"};
static const char *const host_cols[HC_COUNT] = {"Host", "Loc", "Sent/s", "Rcvd/s", "Sent",
                                                "Rcvd", "Flows"};
static const char *const app_cols[AC_COUNT] = {"Application", "Category", "Breed", "Flows",
                                               "Thpt", "Bytes", "%"};

const char *col_name(int view, int col)
{
    if (col < 0 || col >= col_count(view))
        return "";
    return view == VIEW_FLOWS ? flow_cols[col] : view == VIEW_HOSTS ? host_cols[col] : app_cols[col];
}

int col_count(int view)
{
    return view == VIEW_FLOWS ? FC_COUNT : view == VIEW_HOSTS ? HC_COUNT : AC_COUNT;
}

/* ---- formatting ---- */

void fmt_bps(double bps, char *buf, size_t len)
{
    static const char *const u[] = {"b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s"};
    int i = 0;
    while (bps >= 1000.0 && i < 4) {
        bps /= 1000.0;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%.0f %s", bps, u[i]);
    else
        snprintf(buf, len, "%.*f %s", bps < 10 ? 2 : bps < 100 ? 1 : 0, bps, u[i]);
}

void fmt_bytes(uint64_t b, char *buf, size_t len)
{
    static const char *const u[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    double v = (double)b;
    int i = 0;
    while (v >= 1000.0 && i < 5) {
        v /= 1000.0;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%" PRIu64 " B", b);
    else
        snprintf(buf, len, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, u[i]);
}

void fmt_duration(double s, char *buf, size_t len)
{
    uint64_t t = s < 0 ? 0 : (uint64_t)s;
    if (t >= 3600)
        snprintf(buf, len, "%" PRIu64 ":%02u:%02u", t / 3600, (unsigned)(t / 60 % 60), (unsigned)(t % 60));
    else if (t >= 60)
        snprintf(buf, len, "%u:%02u", (unsigned)(t / 60), (unsigned)(t % 60));
    else
        snprintf(buf, len, "%us", (unsigned)t);
}

void fmt_time(uint64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000u);
    struct tm tm;
    if (!us || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, len, "-");
}

void fmt_tcp_flags(uint8_t f, char *buf, size_t len)
{
    static const char names[] = "FSRPAUEC"; /* bit 0 FIN .. bit 7 CWR */
    size_t k = 0;
    for (int i = 0; i < 8 && k + 1 < len; i++)
        if (f & (1u << i))
            buf[k++] = names[i];
    if (k == 0 && len > 1)
        buf[k++] = '-';
    buf[k < len ? k : len - 1] = 0;
}

const char *l4_name(uint8_t p)
{
    switch (p) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 47: return "GRE";
    case 50: return "ESP";
    case 58: return "ICMP6";
    case 132: return "SCTP";
    default: return "IP";
    }
}

static const char *port_name(uint16_t port, uint8_t proto)
{
    static const struct { uint16_t port; uint8_t proto; const char *name; } t[] = {
        {20, 6, "ftp-data"}, {21, 6, "ftp"}, {22, 6, "ssh"}, {23, 6, "telnet"}, {25, 6, "smtp"},
        {53, 0, "domain"}, {67, 17, "bootps"}, {68, 17, "bootpc"}, {80, 6, "http"},
        {110, 6, "pop3"}, {123, 17, "ntp"}, {137, 17, "netbios-ns"}, {143, 6, "imap"},
        {161, 17, "snmp"}, {389, 6, "ldap"}, {443, 0, "https"}, {445, 6, "microsoft-ds"},
        {465, 6, "smtps"}, {514, 17, "syslog"}, {587, 6, "submission"}, {853, 0, "domain-s"},
        {993, 6, "imaps"}, {995, 6, "pop3s"}, {1194, 0, "openvpn"}, {1900, 17, "ssdp"},
        {3306, 6, "mysql"}, {3389, 6, "rdp"}, {3478, 17, "stun"}, {5060, 0, "sip"},
        {5353, 17, "mdns"}, {5432, 6, "postgresql"}, {6379, 6, "redis"}, {8080, 6, "http-alt"},
        {8443, 6, "https-alt"}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].port == port && (t[i].proto == 0 || t[i].proto == proto))
            return t[i].name;
    return NULL;
}

static void addr_str(int ipv, const uint8_t *a, char *buf, size_t len)
{
    if (!inet_ntop(ipv == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

/* ---- keys and history ---- */

static uint64_t host_key(int ipv, const uint8_t *addr, uint16_t vlan)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < (ipv == 6 ? 16 : 4); i++)
        h = (h ^ addr[i]) * 1099511628211ull;
    h = (h ^ vlan) * 1099511628211ull;
    h = (h ^ (uint64_t)ipv) * 1099511628211ull;
    return (h & ~(3ull << 62)) | (1ull << 62) | 1; /* kind 1, never 0 */
}
static uint64_t flow_key(uint64_t id) { return (id & ~(3ull << 62)) | 0; }
static uint64_t app_key(uint16_t id) { return (2ull << 62) | (uint64_t)id | (1ull << 20); }

static hist_ent *hist_find(hist_tab *t, uint64_t key)
{
    if (!t->cap)
        return NULL;
    size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (t->cap - 1);
    while (t->e[i].key) {
        if (t->e[i].key == key)
            return &t->e[i];
        i = (i + 1) & (t->cap - 1);
    }
    return NULL;
}

static hist_ent *hist_insert(hist_tab *t, uint64_t key)
{
    size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (t->cap - 1);
    while (t->e[i].key) {
        if (t->e[i].key == key)
            return &t->e[i];
        i = (i + 1) & (t->cap - 1);
    }
    t->n++;
    t->e[i].key = key;
    return &t->e[i];
}

/* Record the counters of key at sequence seq (copying its past from the previous table) and
 * return its rates over 2 s (bits/s) for both counters. first_us/last_us: activity of the object
 * (0 when unknown), used when its history is shorter than the window. */
typedef struct rate_ctx {
    model *m;
    hist_tab *old, *cur;
} rate_ctx;

static double window_rate(const model *m, const hist_ent *e, int k, double window_s,
                          uint64_t first_us, uint64_t last_us)
{
    uint64_t s = m->seq, now = m->times[s % HIST_LEN];
    uint64_t win = (uint64_t)(window_s * US);
    uint64_t v = e->v[s % HIST_LEN][k];
    if (last_us && now >= win && last_us < now - win)
        return 0; /* nothing since the window started */
    uint64_t lo = s >= HIST_LEN - 1 ? s - (HIST_LEN - 1) : 0;
    if (e->first_seq > lo)
        lo = e->first_seq;
    for (uint64_t j = s; j-- > lo;) {
        uint64_t tj = m->times[j % HIST_LEN];
        if (tj == 0)
            break; /* the empty snapshot published before the first packet: no sample */
        if (tj + win <= now)
            return (double)(v - e->v[j % HIST_LEN][k]) * 8.0 / ((double)(now - tj) / US);
    }
    /* History shorter than the window. */
    if (first_us && first_us + win >= now)
        return (double)v * 8.0 / window_s; /* all of it happened within the window */
    if (first_us && now > first_us)
        return (double)v * 8.0 / ((double)(now - first_us) / US); /* lifetime average */
    return (double)v * 8.0 / window_s;
}

static hist_ent *hist_record(rate_ctx *c, uint64_t key, uint64_t v0, uint64_t v1)
{
    model *m = c->m;
    hist_ent *o = hist_find(c->old, key);
    hist_ent *e = hist_insert(c->cur, key);
    uint64_t s = m->seq;
    /* A counter that went down belongs to a new entry with the same key (a host purged and seen
     * again, a clock resync): its history starts afresh. */
    if (o && o->last_seq + HIST_LEN > s && v0 >= o->v[o->last_seq % HIST_LEN][0] &&
        v1 >= o->v[o->last_seq % HIST_LEN][1]) {
        *e = *o;
        for (uint64_t j = o->last_seq + 1; j < s; j++) { /* absent meanwhile: unchanged */
            e->v[j % HIST_LEN][0] = o->v[o->last_seq % HIST_LEN][0];
            e->v[j % HIST_LEN][1] = o->v[o->last_seq % HIST_LEN][1];
        }
    } else {
        e->key = key;
        e->first_seq = s;
    }
    e->last_seq = s;
    e->v[s % HIST_LEN][0] = v0;
    e->v[s % HIST_LEN][1] = v1;
    return e;
}

/* ---- names ---- */

typedef struct name_ent { uint64_t key; const char *name; } name_ent;

static const char *name_of(const name_ent *t, size_t cap, uint64_t key)
{
    if (!cap)
        return NULL;
    size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
    while (t[i].key) {
        if (t[i].key == key)
            return t[i].name;
        i = (i + 1) & (cap - 1);
    }
    return NULL;
}

/* ---- building rows ---- */

void model_init(model *m, ntc_engine *eng)
{
    memset(m, 0, sizeof(*m));
    m->eng = eng;
    m->sort_col[VIEW_FLOWS] = FC_THPT;
    m->sort_col[VIEW_HOSTS] = HC_SENT; /* sent + received: see cmp */
    m->sort_col[VIEW_APPS] = AC_BYTES;
    m->resolve_names = 1;
    m->port_names = 0;
}

void model_free(model *m)
{
    ntc_snapshot_release(m->snap);
    free(m->hist.e);
    free(m->app_cat);
    free(m->app_breed);
    free(m->app_known);
    free(m->flows);
    free(m->hosts);
    free(m->apps);
    for (int v = 0; v < VIEW_COUNT; v++)
        free(m->vis[v]);
    memset(m, 0, sizeof(*m));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static void endpoint(const model *m, const name_ent *names, size_t ncap, const ntc_flow_info *fi,
                     int srv, char *buf, size_t len)
{
    const uint8_t *a = srv ? fi->srv_addr : fi->cli_addr;
    uint16_t port = srv ? fi->srv_port : fi->cli_port;
    char as[48];
    const char *shown = NULL;
    if (m->resolve_names)
        shown = name_of(names, ncap, host_key(fi->ip_version, a, fi->vlan));
    addr_str(fi->ip_version, a, as, sizeof(as));
    if (!shown)
        shown = as;
    int has_port = fi->l4_proto == 6 || fi->l4_proto == 17 || fi->l4_proto == 132;
    if (!has_port) {
        snprintf(buf, len, "%s", shown);
        return;
    }
    const char *pn = m->port_names ? port_name(port, fi->l4_proto) : NULL;
    int brackets = shown == as && fi->ip_version == 6;
    if (pn)
        snprintf(buf, len, "%s%s%s:%s", brackets ? "[" : "", shown, brackets ? "]" : "", pn);
    else
        snprintf(buf, len, "%s%s%s:%u", brackets ? "[" : "", shown, brackets ? "]" : "", port);
}

static void flow_info_text(const ntc_flow *f, char *buf, size_t len)
{
    const char *v;
    buf[0] = 0;
    if ((v = ntc_flow_meta(f, NTC_META_TLS_SERVER_NAME)))
        snprintf(buf, len, "%s", v);
    else if ((v = ntc_flow_meta(f, NTC_META_HTTP_URL))) {
        const char *meth = ntc_flow_meta(f, NTC_META_HTTP_METHOD);
        const char *host = ntc_flow_meta(f, NTC_META_HTTP_HOST);
        /* HTTP_URL may already start with the host. */
        int has_host = host && strncmp(v, host, strlen(host)) == 0;
        snprintf(buf, len, "%s%s%s%s", meth ? meth : "", meth ? " " : "",
                 host && !has_host ? host : "", v);
    } else if ((v = ntc_flow_meta(f, NTC_META_HTTP_HOST)))
        snprintf(buf, len, "%s", v);
    else if ((v = ntc_flow_meta(f, NTC_META_DNS_QUERY)))
        snprintf(buf, len, "%s", v);
    else if ((v = ntc_flow_meta(f, NTC_META_SSH_CLIENT)))
        snprintf(buf, len, "%s", v);
    else if ((v = ntc_flow_meta(f, NTC_META_SSH_SERVER)))
        snprintf(buf, len, "%s", v);
    else if ((v = ntc_flow_meta(f, NTC_META_DHCP_HOST_NAME)) || (v = ntc_flow_meta(f, NTC_META_HOST_NAME)))
        snprintf(buf, len, "%s", v);
    for (char *p = buf; *p; p++) /* one line on screen, whatever the capture says */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

static void build_names(model *m, name_ent **out, size_t *cap_out)
{
    size_t nh = m->snap ? ntc_snapshot_host_count(m->snap) : 0, cap = 16;
    while (cap < nh * 2)
        cap *= 2;
    name_ent *t = calloc(cap, sizeof(*t));
    *out = t;
    *cap_out = t ? cap : 0;
    if (!t)
        return;
    for (size_t i = 0; i < nh; i++) {
        const ntc_host *h = ntc_snapshot_host(m->snap, i);
        const char *n = ntc_host_name(h);
        if (!n || !*n)
            continue;
        ntc_host_info hi = {.size = sizeof(hi)};
        ntc_host_get_info(h, &hi);
        uint64_t key = host_key(hi.ip_version, hi.addr, hi.vlan);
        size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
        while (t[j].key && t[j].key != key)
            j = (j + 1) & (cap - 1);
        t[j].key = key;
        t[j].name = n;
    }
}

void model_relabel(model *m)
{
    name_ent *names;
    size_t ncap;
    build_names(m, &names, &ncap);
    for (size_t i = 0; i < m->nflows; i++) {
        flow_row *r = &m->flows[i];
        endpoint(m, names, ncap, &r->fi, 0, r->cli, sizeof(r->cli));
        endpoint(m, names, ncap, &r->fi, 1, r->srv, sizeof(r->srv));
    }
    for (size_t i = 0; i < m->nhosts; i++) {
        host_row *r = &m->hosts[i];
        snprintf(r->shown, sizeof(r->shown), "%s", m->resolve_names && r->name ? r->name : r->addr);
    }
    free(names);
    model_refresh(m);
}

typedef struct app_acc {
    model *m;
    rate_ctx *rc;
} app_acc;

static int add_app(void *user, const ntc_app_stats *st)
{
    app_acc *a = user;
    model *m = a->m;
    if (grow((void **)&m->apps, &m->apps_cap, m->napps + 1, sizeof(*m->apps)))
        return 1;
    app_row *r = &m->apps[m->napps++];
    memset(r, 0, sizeof(*r));
    r->id = st->id;
    const char *n = ntc_engine_app_name(m->eng, st->id);
    snprintf(r->name, sizeof(r->name), "%s", n ? n : "?");
    r->flows = st->flows;
    r->bytes = st->cli2srv_bytes + st->srv2cli_bytes;
    r->packets = st->cli2srv_packets + st->srv2cli_packets;
    r->category = "";
    r->breed = "";
    m->app_total_bytes += r->bytes;
    hist_ent *e = hist_record(a->rc, app_key(st->id), r->bytes, 0);
    r->thpt = window_rate(m, e, 0, 2, m->st.first_us, 0);
    return 0;
}

int model_update(model *m, ntc_snapshot *snap)
{
    if (!snap)
        return 0;
    ntc_snapshot_release(m->snap);
    m->snap = snap;
    m->seq++;
    uint64_t now = ntc_snapshot_time(snap);
    m->times[m->seq % HIST_LEN] = now;
    memset(&m->st, 0, sizeof(m->st));
    m->st.size = sizeof(m->st);
    ntc_snapshot_iface_stats(snap, &m->st);
    m->ifbytes[m->seq % HIST_LEN] = m->st.bytes;

    /* Interface rates over 2/10/40 s from the previous snapshots. */
    double *rates[3] = {&m->rate2, &m->rate10, &m->rate40};
    static const double wins[3] = {2, 10, 40};
    for (int w = 0; w < 3; w++) {
        uint64_t win = (uint64_t)(wins[w] * US);
        uint64_t lo = m->seq > HIST_LEN - 1 ? m->seq - (HIST_LEN - 1) : 1;
        double r = -1;
        for (uint64_t j = m->seq; j-- > lo;) {
            uint64_t tj = m->times[j % HIST_LEN];
            if (tj == 0)
                break; /* the empty snapshot published before the first packet: no sample */
            if (tj + win <= now) {
                r = (double)(m->st.bytes - m->ifbytes[j % HIST_LEN]) * 8.0 / ((double)(now - tj) / US);
                break;
            }
        }
        if (r < 0) { /* history shorter than the window: average since the first packet */
            double span = m->st.first_us && now > m->st.first_us ? (double)(now - m->st.first_us) / US : 0;
            if (span < 1)
                span = 1;
            r = (double)m->st.bytes * 8.0 / (span < wins[w] ? span : wins[w]);
            if (span > wins[w])
                r = (double)m->st.bytes * 8.0 / span;
        }
        *rates[w] = r;
    }

    /* New history table sized for this snapshot. */
    size_t nf = ntc_snapshot_flow_count(snap), nh = ntc_snapshot_host_count(snap);
    size_t need = (nf + nh + 1024) * 2, cap = 1024;
    while (cap < need)
        cap *= 2;
    hist_tab cur = {calloc(cap, sizeof(hist_ent)), cap, 0};
    if (!cur.e) {
        /* The rows point into the snapshot just released: show nothing rather than freed memory. */
        m->nflows = m->nhosts = m->napps = 0;
        return -1;
    }
    rate_ctx rc = {m, &m->hist, &cur};

    name_ent *names;
    size_t ncap;
    build_names(m, &names, &ncap);

    m->nflows = 0;
    if (grow((void **)&m->flows, &m->flows_cap, nf, sizeof(*m->flows)) == 0) {
        for (size_t i = 0; i < nf; i++) {
            const ntc_flow *f = ntc_snapshot_flow(snap, i);
            flow_row *r = &m->flows[m->nflows++];
            memset(r, 0, sizeof(*r));
            r->flow = f;
            r->fi.size = sizeof(r->fi);
            ntc_flow_get_info(f, &r->fi);
            ntc_flow_l7_name(f, r->app, sizeof(r->app));
            ntc_flow_l7 l7 = {.size = sizeof(l7)};
            r->how = ntc_flow_get_l7(f, &l7) == 0 ? l7.how : NTC_L7_UNKNOWN;
            r->proto = l4_name(r->fi.l4_proto);
            addr_str(r->fi.ip_version, r->fi.cli_addr, r->cli_addr, sizeof(r->cli_addr));
            addr_str(r->fi.ip_version, r->fi.srv_addr, r->srv_addr, sizeof(r->srv_addr));
            endpoint(m, names, ncap, &r->fi, 0, r->cli, sizeof(r->cli));
            endpoint(m, names, ncap, &r->fi, 1, r->srv, sizeof(r->srv));
            r->bytes = r->fi.cli2srv_bytes + r->fi.srv2cli_bytes;
            r->packets = r->fi.cli2srv_packets + r->fi.srv2cli_packets;
            r->duration = (double)(r->fi.last_us - r->fi.first_us) / US;
            hist_ent *e = hist_record(&rc, flow_key(r->fi.id), r->bytes, 0);
            r->thpt = window_rate(m, e, 0, 2, r->fi.first_us, r->fi.last_us);
            flow_info_text(f, r->info, sizeof(r->info));
        }
    }
    m->nhosts = 0;
    if (grow((void **)&m->hosts, &m->hosts_cap, nh, sizeof(*m->hosts)) == 0) {
        for (size_t i = 0; i < nh; i++) {
            const ntc_host *h = ntc_snapshot_host(snap, i);
            host_row *r = &m->hosts[m->nhosts++];
            memset(r, 0, sizeof(*r));
            r->host = h;
            r->hi.size = sizeof(r->hi);
            ntc_host_get_info(h, &r->hi);
            addr_str(r->hi.ip_version, r->hi.addr, r->addr, sizeof(r->addr));
            r->name = ntc_host_name(h);
            if (r->name && !*r->name)
                r->name = NULL;
            snprintf(r->shown, sizeof(r->shown), "%s", m->resolve_names && r->name ? r->name : r->addr);
            r->flows = r->hi.active_flows_as_client + r->hi.active_flows_as_server;
            hist_ent *e = hist_record(&rc, host_key(r->hi.ip_version, r->hi.addr, r->hi.vlan),
                                      r->hi.bytes_sent, r->hi.bytes_rcvd);
            r->sent_bps = window_rate(m, e, 0, 2, r->hi.first_us, r->hi.last_us);
            r->rcvd_bps = window_rate(m, e, 1, 2, r->hi.first_us, r->hi.last_us);
        }
    }
    m->napps = 0;
    m->app_total_bytes = 0;
    app_acc aa = {m, &rc};
    ntc_snapshot_foreach_app(snap, 0, add_app, &aa);
    if (!m->app_known) {
        m->app_cat = calloc(65536, sizeof(*m->app_cat));
        m->app_breed = calloc(65536, 1);
        m->app_known = calloc(65536, 1);
    }
    if (m->app_cat && m->app_breed && m->app_known) {
        for (size_t j = 0; j < m->nflows; j++) {
            ntc_flow_l7 l7 = {.size = sizeof(l7)};
            if (ntc_flow_get_l7(m->flows[j].flow, &l7) || l7.how == NTC_L7_PENDING)
                continue;
            uint16_t id = l7.app ? l7.app : l7.master;
            m->app_known[id] = 1;
            m->app_cat[id] = l7.category;
            m->app_breed[id] = l7.breed;
        }
    }
    for (size_t i = 0; i < m->napps; i++) {
        app_row *a = &m->apps[i];
        a->percent = m->app_total_bytes ? 100.0 * (double)a->bytes / (double)m->app_total_bytes : 0;
        if (m->app_known && !m->app_known[a->id]) {
            /* No flow of it in the table now (they all ended): nDPI's default for the id. */
            uint16_t cat;
            int breed;
            if (ntc_engine_app_info(m->eng, a->id, &cat, &breed) == 0) {
                m->app_known[a->id] = 1;
                m->app_cat[a->id] = cat;
                m->app_breed[a->id] = (uint8_t)breed;
            }
        }
        if (m->app_known && m->app_known[a->id]) {
            const char *c = ntc_l7_category_name(m->app_cat[a->id]);
            const char *b = ntc_l7_breed_name(m->app_breed[a->id]);
            a->category = c ? c : "";
            a->breed = b ? b : "";
        }
    }
    free(names);
    free(m->hist.e);
    m->hist = cur;
    model_refresh(m);
    return 0;
}

/* ---- filter and sort ---- */

static int contains(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static int flow_match(const model *m, const flow_row *r)
{
    const char *f = m->filter;
    if (!*f)
        return 1;
    char ports[32];
    snprintf(ports, sizeof(ports), ":%u :%u", r->fi.cli_port, r->fi.srv_port);
    return contains(r->app, f) || contains(r->proto, f) || contains(r->cli, f) ||
           contains(r->srv, f) || contains(r->cli_addr, f) || contains(r->srv_addr, f) ||
           contains(r->info, f) || contains(ports, f);
}

static int host_match(const model *m, const host_row *r)
{
    return !*m->filter || contains(r->addr, m->filter) || contains(r->name, m->filter);
}

static int app_match(const model *m, const app_row *r)
{
    return !*m->filter || contains(r->name, m->filter) || contains(r->category, m->filter) ||
           contains(r->breed, m->filter);
}

static const model *g_sort_model; /* qsort has no user pointer; the model's thread only */

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int cmp_flow(const void *pa, const void *pb)
{
    const model *m = g_sort_model;
    const flow_row *a = &m->flows[*(const size_t *)pa], *b = &m->flows[*(const size_t *)pb];
    int c = 0;
    switch (m->sort_col[VIEW_FLOWS]) {
    case FC_APP: c = strcasecmp(a->app, b->app); break;
    case FC_PROTO: c = strcmp(a->proto, b->proto); break;
    case FC_CLIENT: c = strcmp(a->cli, b->cli); break;
    case FC_SERVER: c = strcmp(a->srv, b->srv); break;
    case FC_DURATION: c = CMP(a->duration, b->duration); break;
    case FC_BREAKDOWN: {
        double x = a->bytes ? (double)a->fi.cli2srv_bytes / (double)a->bytes : 0;
        double y = b->bytes ? (double)b->fi.cli2srv_bytes / (double)b->bytes : 0;
        c = CMP(x, y);
        break;
    }
    case FC_THPT: c = CMP(a->thpt, b->thpt); if (!c) c = CMP(a->bytes, b->bytes); break;
    case FC_BYTES: c = CMP(a->bytes, b->bytes); break;
    case FC_INFO: c = strcmp(a->info, b->info); break;
    }
    if (!m->sort_asc[VIEW_FLOWS])
        c = -c;
    return c ? c : CMP(a->fi.id, b->fi.id);
}

static int cmp_host(const void *pa, const void *pb)
{
    const model *m = g_sort_model;
    const host_row *a = &m->hosts[*(const size_t *)pa], *b = &m->hosts[*(const size_t *)pb];
    int c = 0;
    switch (m->sort_col[VIEW_HOSTS]) {
    case HC_HOST: c = strcmp(a->shown, b->shown); break;
    case HC_LOCAL: c = CMP(a->hi.is_local, b->hi.is_local); break;
    case HC_SENT_BPS: c = CMP(a->sent_bps, b->sent_bps); break;
    case HC_RCVD_BPS: c = CMP(a->rcvd_bps, b->rcvd_bps); break;
    case HC_SENT: c = CMP(a->hi.bytes_sent, b->hi.bytes_sent); break;
    case HC_RCVD: c = CMP(a->hi.bytes_rcvd, b->hi.bytes_rcvd); break;
    case HC_FLOWS: c = CMP(a->flows, b->flows); break;
    }
    if (!m->sort_asc[VIEW_HOSTS])
        c = -c;
    if (!c)
        c = strcmp(a->addr, b->addr);
    return c ? c : CMP(a->hi.vlan, b->hi.vlan);
}

static int cmp_app(const void *pa, const void *pb)
{
    const model *m = g_sort_model;
    const app_row *a = &m->apps[*(const size_t *)pa], *b = &m->apps[*(const size_t *)pb];
    int c = 0;
    switch (m->sort_col[VIEW_APPS]) {
    case AC_APP: c = strcasecmp(a->name, b->name); break;
    case AC_CATEGORY: c = strcmp(a->category, b->category); break;
    case AC_BREED: c = strcmp(a->breed, b->breed); break;
    case AC_FLOWS: c = CMP(a->flows, b->flows); break;
    case AC_THPT: c = CMP(a->thpt, b->thpt); break;
    case AC_BYTES: case AC_PERCENT: c = CMP(a->bytes, b->bytes); break;
    }
    if (!m->sort_asc[VIEW_APPS])
        c = -c;
    return c ? c : CMP(a->id, b->id);
}

void model_refresh(model *m)
{
    size_t n[VIEW_COUNT] = {m->nflows, m->nhosts, m->napps};
    for (int v = 0; v < VIEW_COUNT; v++) {
        m->nvis[v] = 0;
        if (grow((void **)&m->vis[v], &m->vis_cap[v], n[v] ? n[v] : 1, sizeof(size_t)))
            continue;
        for (size_t i = 0; i < n[v]; i++) {
            int ok = v == VIEW_FLOWS ? flow_match(m, &m->flows[i])
                     : v == VIEW_HOSTS ? host_match(m, &m->hosts[i]) : app_match(m, &m->apps[i]);
            if (ok)
                m->vis[v][m->nvis[v]++] = i;
        }
        g_sort_model = m;
        qsort(m->vis[v], m->nvis[v], sizeof(size_t),
              v == VIEW_FLOWS ? cmp_flow : v == VIEW_HOSTS ? cmp_host : cmp_app);
    }
}
