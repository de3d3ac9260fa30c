/* IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) export over UDP (flow_exporter.h, flow_exporter.h public). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config_keys.h"
#include "export/elements.h"
#include "export/flow_exporter.h"
#include "ntopcore/error.h"

#define VARLEN 65535u
#define MAX_TFIELDS 32
#define MAX_STRING 1024          /* longest string element written */
#define V9_L7_PROTO_LEN 12
#define V9_L7_NAME_LEN 32
#define BOOT_BEFORE_MS (24ULL * 86400 * 1000)   /* v9 uptime starts this long before the first export */
#define TEMPLATE_EVERY 100       /* datagrams */

enum { K_V4 = 0, K_V6 = 1, K_COUNT = 2 };

typedef struct tfield {
    uint32_t el;       /* element number (elements.h) */
    uint16_t len;
} tfield;

typedef struct tmpl {
    uint16_t id;
    uint16_t n;
    tfield f[MAX_TFIELDS];
} tmpl;

struct ntc__ipfix_w {
    ntc__ipfix_opts o;
    ntc__send_fn send;
    void *user;
    ntc_flow_exporter_stats *st;
    tmpl t[K_COUNT];
    uint8_t *buf;
    size_t len;
    int set_kind;          /* data set open in buf, -1 none */
    size_t set_off;
    uint32_t msg_records;  /* data records in this message */
    uint32_t msg_tmpls;    /* templates in this message */
    uint64_t msg_now;
    uint32_t seq;
    uint64_t last_tmpl_us;
    uint32_t since_tmpl;
    int tmpl_sent;
    uint64_t boot_ms;
    int have_boot;
};

static void add_field(tmpl *t, uint32_t el, uint16_t len)
{
    if (t->n < MAX_TFIELDS) {
        t->f[t->n].el = el;
        t->f[t->n].len = len;
        t->n++;
    }
}

static void build_template(ntc__ipfix_w *w, int kind)
{
    tmpl *t = &w->t[kind];
    int v6 = kind == K_V6, ipfix = w->o.version == 10, bi = w->o.biflow;
    t->id = (uint16_t)(256 + kind + (bi ? 0 : 2));
    t->n = 0;
    add_field(t, v6 ? NTC__EL_IPV6_SRC_ADDR : NTC__EL_IPV4_SRC_ADDR, v6 ? 16 : 4);
    add_field(t, v6 ? NTC__EL_IPV6_DST_ADDR : NTC__EL_IPV4_DST_ADDR, v6 ? 16 : 4);
    add_field(t, NTC__EL_L4_SRC_PORT, 2);
    add_field(t, NTC__EL_L4_DST_PORT, 2);
    add_field(t, NTC__EL_PROTOCOL, 1);
    add_field(t, NTC__EL_TCP_FLAGS, 1);
    add_field(t, NTC__EL_SRC_VLAN, 2);
    add_field(t, NTC__EL_IP_PROTOCOL_VERSION, 1);
    add_field(t, NTC__EL_IN_BYTES, 8);
    add_field(t, NTC__EL_IN_PKTS, 8);
    if (bi) {
        add_field(t, NTC__EL_OUT_BYTES, 8);
        add_field(t, NTC__EL_OUT_PKTS, 8);
    }
    if (ipfix) {
        add_field(t, NTC__EL_START_MS, 8);
        add_field(t, NTC__EL_END_MS, 8);
    } else {
        add_field(t, NTC__EL_FIRST_SWITCHED, 4);
        add_field(t, NTC__EL_LAST_SWITCHED, 4);
    }
    if (bi) {
        add_field(t, NTC__EL_CLIENT_TCP_FLAGS, 1);
        add_field(t, NTC__EL_SERVER_TCP_FLAGS, 1);
    }
    add_field(t, NTC__EL_L7_PROTO, ipfix ? VARLEN : V9_L7_PROTO_LEN);
    add_field(t, NTC__EL_L7_PROTO_NAME, ipfix ? VARLEN : V9_L7_NAME_LEN);
    if (ipfix) {
        add_field(t, NTC__EL_HTTP_URL, VARLEN);
        add_field(t, NTC__EL_HTTP_SITE, VARLEN);
        add_field(t, NTC__EL_DNS_QUERY, VARLEN);
        add_field(t, NTC__EL_TLS_SERVER_NAME, VARLEN);
    }
}

ntc__ipfix_w *ntc__ipfix_w_new(const ntc__ipfix_opts *o, ntc__send_fn send, void *user,
                               ntc_flow_exporter_stats *st)
{
    ntc__ipfix_w *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->o = *o;
    if (w->o.mtu < 512)
        w->o.mtu = 512;
    if (w->o.mtu > 65000)
        w->o.mtu = 65000;
    if (!(w->buf = malloc(w->o.mtu))) {
        free(w);
        return NULL;
    }
    w->send = send;
    w->user = user;
    w->st = st;
    w->set_kind = -1;
    for (int k = 0; k < K_COUNT; k++)
        build_template(w, k);
    return w;
}

void ntc__ipfix_w_free(ntc__ipfix_w *w)
{
    if (!w)
        return;
    free(w->buf);
    free(w);
}

static inline void w16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void w32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void w64(uint8_t *p, uint64_t v)
{
    w32(p, (uint32_t)(v >> 32));
    w32(p + 4, (uint32_t)v);
}

static size_t header_len(const ntc__ipfix_w *w)
{
    return w->o.version == 10 ? 16 : 20;
}

/* Template set: header and both templates (bytes written, 0 if it did not fit). */
static size_t put_templates(ntc__ipfix_w *w, uint8_t *p, size_t room)
{
    int ipfix = w->o.version == 10;
    size_t need = 4;
    for (int k = 0; k < K_COUNT; k++) {
        need += 4;
        for (int i = 0; i < w->t[k].n; i++)
            need += (ipfix && w->t[k].f[i].el >= NTC__NTOP_BASE) ? 8 : 4;
    }
    if (need > room)
        return 0;
    w16(p, ipfix ? 2 : 0);
    w16(p + 2, (uint32_t)need);
    size_t o = 4;
    for (int k = 0; k < K_COUNT; k++) {
        const tmpl *t = &w->t[k];
        w16(p + o, t->id);
        w16(p + o + 2, t->n);
        o += 4;
        for (int i = 0; i < t->n; i++) {
            uint32_t el = t->f[i].el;
            if (ipfix && el >= NTC__NTOP_BASE) {
                w16(p + o, 0x8000u | (el - NTC__NTOP_BASE));
                w16(p + o + 2, t->f[i].len);
                w32(p + o + 4, NTC__PEN_NTOP);
                o += 8;
            } else {
                w16(p + o, el);
                w16(p + o + 2, t->f[i].len);
                o += 4;
            }
        }
    }
    return o;
}

static void start_message(ntc__ipfix_w *w, uint64_t now_us)
{
    w->len = header_len(w);
    w->set_kind = -1;
    w->msg_records = 0;
    w->msg_tmpls = 0;
    w->msg_now = now_us;
    if (!w->tmpl_sent || w->since_tmpl >= TEMPLATE_EVERY ||
        now_us < w->last_tmpl_us || now_us - w->last_tmpl_us >= (uint64_t)w->o.refresh_s * 1000000u) {
        size_t n = put_templates(w, w->buf + w->len, w->o.mtu - w->len);
        if (n) {
            w->len += n;
            w->msg_tmpls = K_COUNT;
            w->tmpl_sent = 1;
            w->last_tmpl_us = now_us;
            w->since_tmpl = 0;
            w->st->templates++;
        }
    }
}

static void close_set(ntc__ipfix_w *w)
{
    if (w->set_kind >= 0) {
        w16(w->buf + w->set_off + 2, (uint32_t)(w->len - w->set_off));
        w->set_kind = -1;
    }
}

static uint64_t uptime_ms(ntc__ipfix_w *w, uint64_t t_us)
{
    uint64_t ms = t_us / 1000u;
    return ms > w->boot_ms ? ms - w->boot_ms : 0;
}

/* Finish the message in buf and send it. */
static int send_message(ntc__ipfix_w *w)
{
    if (w->len <= header_len(w)) {
        w->len = 0;
        return 0;
    }
    close_set(w);
    uint8_t *h = w->buf;
    uint32_t secs = (uint32_t)(w->msg_now / 1000000u);
    if (w->o.version == 10) {
        w16(h, 10);
        w16(h + 2, (uint32_t)w->len);
        w32(h + 4, secs);
        w32(h + 8, w->seq);
        w32(h + 12, w->o.domain);
    } else {
        w16(h, 9);
        w16(h + 2, w->msg_records + w->msg_tmpls);
        /* Collectors take a flow's time as unix_secs - (sysUptime - uptime of the flow): the
         * uptime in the header is that of the whole second unix_secs names. */
        w32(h + 4, (uint32_t)uptime_ms(w, (uint64_t)secs * 1000000u));
        w32(h + 8, secs);
        w32(h + 12, w->seq);
        w32(h + 16, w->o.domain);
    }
    int rc = w->send(w->user, w->buf, w->len);
    w->seq += w->o.version == 10 ? w->msg_records : 1;
    w->since_tmpl++;
    if (rc == 0) {
        w->st->messages++;
        w->st->bytes += w->len;
    } else {
        w->st->dropped += w->msg_records;
    }
    w->len = 0;
    return rc;
}

/* Variable-length (IPFIX) or fixed-length (v9) string. */
static size_t put_string(uint8_t *p, const char *s, uint16_t flen)
{
    size_t n = s ? strnlen(s, MAX_STRING) : 0;
    if (flen != VARLEN) {
        size_t c = n < flen ? n : flen;
        memcpy(p, s ? s : "", c);
        memset(p + c, 0, flen - c);
        return flen;
    }
    if (n < 255) {
        p[0] = (uint8_t)n;
        if (n)
            memcpy(p + 1, s, n);
        return n + 1;
    }
    p[0] = 255;
    w16(p + 1, (uint32_t)n);
    memcpy(p + 3, s, n);
    return n + 3;
}

/* Encode one record (rev: the server-to-client uniflow) into p; returns its length. */
static size_t encode(ntc__ipfix_w *w, const tmpl *t, const ntc__flowx *x, int rev, uint8_t *p)
{
    const ntc_flow_info *i = &x->i;
    size_t o = 0;
    for (int k = 0; k < t->n; k++) {
        uint32_t el = t->f[k].el;
        uint16_t len = t->f[k].len;
        switch (el) {
        case NTC__EL_IPV4_SRC_ADDR: case NTC__EL_IPV6_SRC_ADDR:
            memcpy(p + o, rev ? i->srv_addr : i->cli_addr, len);
            break;
        case NTC__EL_IPV4_DST_ADDR: case NTC__EL_IPV6_DST_ADDR:
            memcpy(p + o, rev ? i->cli_addr : i->srv_addr, len);
            break;
        case NTC__EL_L4_SRC_PORT: w16(p + o, rev ? i->srv_port : i->cli_port); break;
        case NTC__EL_L4_DST_PORT: w16(p + o, rev ? i->cli_port : i->srv_port); break;
        case NTC__EL_PROTOCOL: p[o] = i->l4_proto; break;
        case NTC__EL_TCP_FLAGS:
            p[o] = w->o.biflow ? (uint8_t)(i->cli_tcp_flags | i->srv_tcp_flags)
                               : rev ? i->srv_tcp_flags : i->cli_tcp_flags;
            break;
        case NTC__EL_SRC_VLAN: w16(p + o, i->vlan); break;
        case NTC__EL_IP_PROTOCOL_VERSION: p[o] = i->ip_version; break;
        case NTC__EL_IN_BYTES: w64(p + o, rev ? i->srv2cli_bytes : i->cli2srv_bytes); break;
        case NTC__EL_IN_PKTS: w64(p + o, rev ? i->srv2cli_packets : i->cli2srv_packets); break;
        case NTC__EL_OUT_BYTES: w64(p + o, i->srv2cli_bytes); break;
        case NTC__EL_OUT_PKTS: w64(p + o, i->srv2cli_packets); break;
        case NTC__EL_START_MS: w64(p + o, i->first_us / 1000u); break;
        case NTC__EL_END_MS: w64(p + o, i->last_us / 1000u); break;
        case NTC__EL_FIRST_SWITCHED: w32(p + o, (uint32_t)uptime_ms(w, i->first_us)); break;
        case NTC__EL_LAST_SWITCHED: w32(p + o, (uint32_t)uptime_ms(w, i->last_us)); break;
        case NTC__EL_CLIENT_TCP_FLAGS: p[o] = i->cli_tcp_flags; break;
        case NTC__EL_SERVER_TCP_FLAGS: p[o] = i->srv_tcp_flags; break;
        case NTC__EL_L7_PROTO: o += put_string(p + o, x->l7_proto, len); continue;
        case NTC__EL_L7_PROTO_NAME: o += put_string(p + o, x->l7_name, len); continue;
        default: {
            int key = ntc__element_meta(el);
            o += put_string(p + o, key >= 0 ? x->meta[key] : NULL, len);
            continue;
        }
        }
        o += len;
    }
    return o;
}

static int add_record(ntc__ipfix_w *w, int kind, const uint8_t *rec, size_t rlen, uint64_t now_us)
{
    if (w->len == 0)
        start_message(w, now_us);
    if (now_us > w->msg_now)
        w->msg_now = now_us;
    size_t need = rlen + (w->set_kind == kind ? 0 : 4);
    if (w->len + need > w->o.mtu) {
        send_message(w);
        start_message(w, now_us);
        need = rlen + 4;
        if (w->len + need > w->o.mtu) {
            w->st->dropped++;
            return NTC_EFULL;
        }
    }
    if (w->set_kind != kind) {
        close_set(w);
        w->set_off = w->len;
        w16(w->buf + w->len, w->t[kind].id);
        w->len += 4;
        w->set_kind = kind;
    }
    memcpy(w->buf + w->len, rec, rlen);
    w->len += rlen;
    w->msg_records++;
    w->st->records++;
    return 0;
}

int ntc__ipfix_w_flow(ntc__ipfix_w *w, const ntc__flowx *x, uint64_t now_us)
{
    if (!w->have_boot) {
        /* NetFlow v9 uptime: from 24 days before the first export (flows that started up to 24
         * days earlier, and exports for 24 days after, fit its 32 bits of milliseconds). */
        uint64_t ms = now_us / 1000u;
        w->boot_ms = ms > BOOT_BEFORE_MS ? ms - BOOT_BEFORE_MS : 0;
        w->have_boot = 1;
    }
    int kind = x->i.ip_version == 6 ? K_V6 : K_V4;
    const tmpl *t = &w->t[kind];
    /* Largest record: fixed fields plus six strings of MAX_STRING + 3 bytes. */
    uint8_t rec[256 + 6 * (MAX_STRING + 3)];
    w->st->flows++;
    size_t n = encode(w, t, x, 0, rec);
    int rc = add_record(w, kind, rec, n, now_us);
    if (!w->o.biflow && (x->i.srv2cli_packets || x->i.srv2cli_bytes)) {
        n = encode(w, t, x, 1, rec);
        int rc2 = add_record(w, kind, rec, n, now_us);
        if (rc2)
            rc = rc2;
    }
    return rc;
}

int ntc__ipfix_w_flush(ntc__ipfix_w *w, uint64_t now_us)
{
    if (w->len == 0 && w->tmpl_sent &&
        (now_us < w->last_tmpl_us || now_us - w->last_tmpl_us >= (uint64_t)w->o.refresh_s * 1000000u)) {
        /* Nothing to send but the templates are due: keep the collector's copy alive. */
        start_message(w, now_us);
    }
    return send_message(w) == 0 ? 0 : NTC_EIO;
}

/* ---- UDP ---- */

typedef struct ipfix_exp {
    ntc__ipfix_w *w;
    int fd;
    struct ntc_flow_exporter *x;
} ipfix_exp;

static int udp_send(void *user, const uint8_t *d, size_t n)
{
    ipfix_exp *e = user;
    ssize_t r = send(e->fd, d, n, MSG_DONTWAIT);
    if (r == (ssize_t)n)
        return 0;
    ntc__fmt(e->x->errmsg, sizeof(e->x->errmsg), "send: %s", r < 0 ? strerror(errno) : "short write");
    return NTC_EIO;
}

static int ipfix_flow(void *impl, const ntc_flow *f, uint64_t now_us)
{
    ipfix_exp *e = impl;
    ntc__flowx x;
    ntc__flowx_get(f, &x);
    return ntc__ipfix_w_flow(e->w, &x, now_us);
}

static int ipfix_flush(void *impl, uint64_t now_us)
{
    ipfix_exp *e = impl;
    return ntc__ipfix_w_flush(e->w, now_us);
}

static void ipfix_close(void *impl)
{
    ipfix_exp *e = impl;
    if (!e)
        return;
    if (e->w)
        send_message(e->w);
    ntc__ipfix_w_free(e->w);
    if (e->fd >= 0)
        close(e->fd);
    free(e);
}

static const ntc__exp_ops ipfix_ops = {ipfix_flow, ipfix_flush, ipfix_close};

int ntc__ipfix_open(struct ntc_flow_exporter *x, int version, const char *uri, const char *hostport,
                    const ntc_config *cfg)
{
    char host[256], port[16];
    const char *colon = strrchr(hostport, ':');
    size_t hl = colon ? (size_t)(colon - hostport) : 0;
    if (!colon || hl == 0 || hl >= sizeof(host) || !colon[1] || strlen(colon + 1) >= sizeof(port)) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: expected udp://HOST:PORT", uri);
        return NTC_EINVAL;
    }
    if (hostport[0] == '[' && hostport[hl - 1] == ']') {
        memcpy(host, hostport + 1, hl - 2);
        host[hl - 2] = 0;
    } else {
        memcpy(host, hostport, hl);
        host[hl] = 0;
    }
    strcpy(port, colon + 1);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_DGRAM;
    int gr = getaddrinfo(host, port, &hints, &res);
    if (gr != 0 || !res) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: %s", uri, gai_strerror(gr));
        return NTC_EINVAL;
    }
    ipfix_exp *e = calloc(1, sizeof(*e));
    if (!e) {
        freeaddrinfo(res);
        return NTC_ENOMEM;
    }
    e->x = x;
    e->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (e->fd < 0 || connect(e->fd, res->ai_addr, res->ai_addrlen) != 0) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: %s", uri, strerror(errno));
        freeaddrinfo(res);
        ipfix_close(e);
        return NTC_EIO;
    }
    freeaddrinfo(res);
    ntc__ipfix_opts o = {
        .version = version,
        .biflow = (int)ntc__config_int(cfg, NTC__CFG_EXPORT_BIFLOW),
        .domain = (uint32_t)ntc__config_int(cfg, NTC__CFG_EXPORT_SOURCE_ID),
        .mtu = (uint32_t)ntc__config_int(cfg, NTC__CFG_EXPORT_MTU),
        .refresh_s = (uint32_t)ntc__config_int(cfg, NTC__CFG_EXPORT_TEMPLATE_REFRESH)};
    if (!(e->w = ntc__ipfix_w_new(&o, udp_send, e, &x->st))) {
        ipfix_close(e);
        return NTC_ENOMEM;
    }
    x->ops = &ipfix_ops;
    x->impl = e;
    return 0;
}
