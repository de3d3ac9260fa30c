/* ZMQ export in ntopng's format: 36-byte v3 header, TLV or JSON payload, optional zlib
 * (flow_exporter.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zmq.h>

#include "core/config_keys.h"
#include "export/elements.h"
#include "export/flow_exporter.h"
#include "ntopcore/error.h"
#include "ntopcore/export.h"

#define MAX_PAYLOAD (96u * 1024u)   /* ntopng truncates payloads over 128 KiB */
#define CLOSE_LINGER_MS 2000

/* ---- buffer ---- */

int ntc__buf_put(ntc__buf *b, const void *p, size_t n)
{
    if (b->fail)
        return -1;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->len + n)
            nc *= 2;
        if (b->max && nc > b->max)
            nc = b->max;
        if (nc < b->len + n) {
            b->fail = 1;
            return -1;
        }
        uint8_t *d = realloc(b->d, nc);
        if (!d) {
            b->fail = 1;
            return -1;
        }
        b->d = d;
        b->cap = nc;
    }
    memcpy(b->d + b->len, p, n);
    b->len += n;
    return 0;
}

void ntc__buf_free(ntc__buf *b)
{
    free(b->d);
    memset(b, 0, sizeof(*b));
}

/* ---- TLV (nDPI serializer) ---- */

enum { T_EOR = 1, T_U8 = 2, T_U16 = 3, T_U32 = 4, T_U64 = 5, T_STR = 11 };

void ntc__tlv_begin(ntc__buf *b)
{
    static const uint8_t hdr[2] = {1, 1}; /* version 1, TLV format */
    ntc__buf_put(b, hdr, 2);
}

/* Key: the element id when it has one (smallest width), else the name as a string key. */
static void tlv_key(ntc__buf *b, uint32_t el, int vtype)
{
    uint8_t k[8];
    size_t n;
    if (el < NTC__EL_NAMED) {
        if (el <= 0xff) {
            k[0] = (uint8_t)(T_U8 << 4 | vtype);
            k[1] = (uint8_t)el;
            n = 2;
        } else if (el <= 0xffff) {
            k[0] = (uint8_t)(T_U16 << 4 | vtype);
            k[1] = (uint8_t)(el >> 8);
            k[2] = (uint8_t)el;
            n = 3;
        } else {
            k[0] = (uint8_t)(T_U32 << 4 | vtype);
            k[1] = (uint8_t)(el >> 24);
            k[2] = (uint8_t)(el >> 16);
            k[3] = (uint8_t)(el >> 8);
            k[4] = (uint8_t)el;
            n = 5;
        }
        ntc__buf_put(b, k, n);
        return;
    }
    const char *name = ntc__element_name(el);
    size_t l = name ? strlen(name) : 0;
    k[0] = (uint8_t)(T_STR << 4 | vtype);
    k[1] = (uint8_t)(l >> 8);
    k[2] = (uint8_t)l;
    ntc__buf_put(b, k, 3);
    ntc__buf_put(b, name, l);
}

static void tlv_u(ntc__buf *b, uint32_t el, uint64_t v)
{
    uint8_t d[8];
    int w = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
    tlv_key(b, el, w == 1 ? T_U8 : w == 2 ? T_U16 : w == 4 ? T_U32 : T_U64);
    for (int i = 0; i < w; i++)
        d[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
    ntc__buf_put(b, d, (size_t)w);
}

static void tlv_s(ntc__buf *b, uint32_t el, const char *s)
{
    size_t l = strnlen(s, 0xffff);
    uint8_t n[2] = {(uint8_t)(l >> 8), (uint8_t)l};
    tlv_key(b, el, T_STR);
    ntc__buf_put(b, n, 2);
    ntc__buf_put(b, s, l);
}

static int meta_is_number(int key)
{
    return key == NTC_META_HTTP_RET_CODE || key == NTC_META_DNS_QUERY_TYPE ||
           key == NTC_META_DNS_RET_CODE || key == NTC_META_TLS_NOT_BEFORE ||
           key == NTC_META_TLS_NOT_AFTER;
}

/* The fields of lib/export/json.c, in the same order, as TLV items. */
void ntc__tlv_flow(ntc__buf *b, const ntc__flowx *x)
{
    const ntc_flow_info *f = &x->i;
    char a[64];
    int v6 = f->ip_version == 6;
    tlv_s(b, v6 ? NTC__EL_IPV6_SRC_ADDR : NTC__EL_IPV4_SRC_ADDR,
          ntc__addr_str(f->ip_version, f->cli_addr, a, sizeof(a)));
    tlv_s(b, v6 ? NTC__EL_IPV6_DST_ADDR : NTC__EL_IPV4_DST_ADDR,
          ntc__addr_str(f->ip_version, f->srv_addr, a, sizeof(a)));
    tlv_u(b, NTC__EL_L4_SRC_PORT, f->cli_port);
    tlv_u(b, NTC__EL_L4_DST_PORT, f->srv_port);
    tlv_u(b, NTC__EL_PROTOCOL, f->l4_proto);
    tlv_u(b, NTC__EL_IP_PROTOCOL_VERSION, f->ip_version);
    tlv_u(b, NTC__EL_SRC_VLAN, f->vlan);
    tlv_u(b, NTC__EL_IN_PKTS, f->cli2srv_packets);
    tlv_u(b, NTC__EL_IN_BYTES, f->cli2srv_bytes);
    tlv_u(b, NTC__EL_OUT_PKTS, f->srv2cli_packets);
    tlv_u(b, NTC__EL_OUT_BYTES, f->srv2cli_bytes);
    tlv_u(b, NTC__EL_FIRST_SWITCHED, f->first_us / 1000000u);
    tlv_u(b, NTC__EL_LAST_SWITCHED, f->last_us / 1000000u);
    tlv_u(b, NTC__EL_START_MS, f->first_us / 1000u);
    tlv_u(b, NTC__EL_END_MS, f->last_us / 1000u);
    if (f->l4_proto == 6) {
        tlv_u(b, NTC__EL_TCP_FLAGS, (uint64_t)(f->cli_tcp_flags | f->srv_tcp_flags));
        tlv_u(b, NTC__EL_CLIENT_TCP_FLAGS, f->cli_tcp_flags);
        tlv_u(b, NTC__EL_SERVER_TCP_FLAGS, f->srv_tcp_flags);
    }
    if (x->l.how != NTC_L7_OFF) {
        tlv_s(b, NTC__EL_L7_PROTO, x->l7_proto);
        tlv_s(b, NTC__EL_L7_PROTO_NAME, x->l7_name);
        const char *s = ntc_l7_category_name(x->l.category);
        tlv_s(b, NTC__EL_L7_PROTO_CATEGORY, s ? s : "");
        s = ntc_l7_breed_name(x->l.breed);
        tlv_s(b, NTC__EL_L7_PROTO_BREED, s ? s : "");
        tlv_s(b, NTC__EL_L7_DETECTION, ntc_l7_how_name(x->l.how));
        if (x->l.risk) {
            tlv_u(b, NTC__EL_L7_PROTO_RISK, x->l.risk);
            tlv_u(b, NTC__EL_L7_RISK_SCORE, x->l.risk_score);
        }
    }
    for (int k = 0; k < NTC_META_COUNT; k++) {
        const char *v = x->meta[k];
        if (!v)
            continue;
        if (meta_is_number(k))
            tlv_u(b, ntc__meta_element(k), strtoull(v, NULL, 10));
        else
            tlv_s(b, ntc__meta_element(k), v);
    }
    uint8_t eor = T_EOR;
    ntc__buf_put(b, &eor, 1);
}

void ntc__zmq_header(uint8_t h[36], uint8_t flags, uint32_t size, uint32_t msg_id,
                     uint32_t source_id)
{
    memset(h, 0, 36);
    memcpy(h, "flow", 4);
    h[16] = 4; /* version byte of the current header */
    h[17] = flags;
    /* The header is ntopng's C struct as laid out on x86-64: the sizes and source_id little-endian,
     * msg_id in network byte order (the one field ntopng converts). ntopng sizes its inflate
     * buffer from compressed_size: both size fields carry the uncompressed size. */
    for (int i = 0; i < 4; i++) {
        h[20 + i] = (uint8_t)(size >> (8 * i));
        h[24 + i] = (uint8_t)(size >> (8 * i));
        h[28 + i] = (uint8_t)(msg_id >> (24 - 8 * i));
        h[32 + i] = (uint8_t)(source_id >> (8 * i));
    }
}

/* ---- the exporter ---- */

typedef struct zmq_exp {
    struct ntc_flow_exporter *x;
    void *ctx, *sock;
    int json, compress, xpub;
    uint32_t per_msg, source_id, msg_id;
    int wait_ms, waited, subscribed;
    ntc__buf payload;
    uint32_t nflows;     /* in payload */
    ntc__buf z;          /* compression scratch */
    char *jbuf;
    size_t jcap;
} zmq_exp;

/* Read subscription messages of the XPUB socket (they would fill its receive queue); the first
 * byte is 1 for a subscription, 0 for an unsubscription. */
static void drain_subscriptions(zmq_exp *e)
{
    char b[256];
    int n;
    while ((n = zmq_recv(e->sock, b, sizeof(b), ZMQ_DONTWAIT)) >= 0)
        if (n > 0 && b[0] == 1)
            e->subscribed = 1;
}

static int zsend(zmq_exp *e)
{
    if (e->nflows == 0)
        return 0;
    struct ntc_flow_exporter *x = e->x;
    if (!e->json) {
        /* TLV payload is complete as it is. */
    } else if (ntc__buf_put(&e->payload, "]", 1) != 0) {
        e->payload.fail = 1;
    }
    int rc = 0;
    if (e->payload.fail) {
        x->st.dropped += e->nflows;
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "ZMQ message larger than its limit");
        rc = NTC_EFULL;
        goto out;
    }
    const uint8_t *data = e->payload.d;
    size_t len = e->payload.len;
    uint8_t flags = e->json ? 0 : 2;
    if (e->compress) {
        uLongf zl = compressBound((uLong)len);
        e->z.len = 0;
        e->z.max = 0;
        if (e->z.cap < zl) {
            uint8_t *d = realloc(e->z.d, zl);
            if (!d) {
                x->st.dropped += e->nflows;
                rc = NTC_ENOMEM;
                goto out;
            }
            e->z.d = d;
            e->z.cap = zl;
        }
        if (compress2(e->z.d, &zl, data, (uLong)len, Z_DEFAULT_COMPRESSION) != Z_OK) {
            x->st.dropped += e->nflows;
            rc = NTC_EIO;
            goto out;
        }
        data = e->z.d;
        flags |= 4;
        x->st.bytes += len;
        len = zl;
    } else {
        x->st.bytes += len;
    }
    drain_subscriptions(e);
    if (!e->waited && !e->subscribed && e->wait_ms > 0) {
        /* Once: give a subscriber time to appear (its subscription is a message on XPUB). */
        zmq_pollitem_t it = {e->sock, 0, ZMQ_POLLIN, 0};
        zmq_poll(&it, 1, e->wait_ms);
        drain_subscriptions(e);
    }
    e->waited = 1;
    uint8_t h[36];
    ntc__zmq_header(h, flags, (uint32_t)e->payload.len, ++e->msg_id, e->source_id);
    if (zmq_send(e->sock, h, sizeof(h), ZMQ_SNDMORE | ZMQ_DONTWAIT) != (int)sizeof(h) ||
        zmq_send(e->sock, data, len, ZMQ_DONTWAIT) != (int)len) {
        /* Queue full (XPUB_NODROP): the message is dropped, capture goes on. */
        x->st.dropped += e->nflows;
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "ZMQ send: %s", zmq_strerror(zmq_errno()));
        rc = NTC_EIO;
        goto out;
    }
    x->st.messages++;
out:
    e->payload.len = 0;
    e->payload.fail = 0;
    e->nflows = 0;
    return rc;
}

static int zexp_flow(void *impl, const ntc_flow *f, uint64_t now_us)
{
    zmq_exp *e = impl;
    struct ntc_flow_exporter *x = e->x;
    (void)now_us;
    if (e->nflows == 0) {
        e->payload.len = 0;
        if (e->json)
            ntc__buf_put(&e->payload, "[", 1);
        else
            ntc__tlv_begin(&e->payload);
    }
    size_t before = e->payload.len;
    if (e->json) {
        int n = ntc_flow_format_json(f, NTC_JSON_NPROBE_IDS, e->jbuf, e->jcap);
        if (n >= 0 && (size_t)n >= e->jcap) {
            char *nb = realloc(e->jbuf, (size_t)n + 1);
            if (nb) {
                e->jbuf = nb;
                e->jcap = (size_t)n + 1;
                n = ntc_flow_format_json(f, NTC_JSON_NPROBE_IDS, e->jbuf, e->jcap);
            }
        }
        if (n < 0 || (size_t)n >= e->jcap) {
            x->st.dropped++;
            return NTC_ENOMEM;
        }
        if (e->nflows)
            ntc__buf_put(&e->payload, ",", 1);
        ntc__buf_put(&e->payload, e->jbuf, (size_t)n);
    } else {
        ntc__flowx fx;
        ntc__flowx_get(f, &fx);
        ntc__tlv_flow(&e->payload, &fx);
    }
    if (e->payload.fail) {
        /* Did not fit: send what was there, then this flow alone. */
        e->payload.fail = 0;
        e->payload.len = before;
        if (e->nflows == 0) {
            x->st.dropped++;
            return NTC_EFULL;
        }
        zsend(e);
        return zexp_flow(impl, f, now_us);
    }
    e->nflows++;
    x->st.flows++;
    x->st.records++;
    if (e->nflows >= e->per_msg || e->payload.len >= MAX_PAYLOAD / 2)
        return zsend(e);
    return 0;
}

static int zexp_flush(void *impl, uint64_t now_us)
{
    zmq_exp *e = impl;
    (void)now_us;
    int rc = zsend(e);
    drain_subscriptions(e);
    return rc;
}

static void zexp_close(void *impl)
{
    zmq_exp *e = impl;
    if (!e)
        return;
    if (e->sock) {
        zsend(e);
        int linger = CLOSE_LINGER_MS;
        zmq_setsockopt(e->sock, ZMQ_LINGER, &linger, sizeof(linger));
        zmq_close(e->sock);
    }
    if (e->ctx)
        zmq_ctx_term(e->ctx);
    ntc__buf_free(&e->payload);
    ntc__buf_free(&e->z);
    free(e->jbuf);
    free(e);
}

static const ntc__exp_ops zmq_ops = {zexp_flow, zexp_flush, zexp_close};

int ntc__zmq_export_open(struct ntc_flow_exporter *x, const char *uri, const char *endpoints,
                         const ntc_config *cfg)
{
    zmq_exp *e = calloc(1, sizeof(*e));
    if (!e)
        return NTC_ENOMEM;
    e->x = x;
    e->json = strcmp(ntc__config_str(cfg, NTC__CFG_EXPORT_ZMQ_FORMAT), "json") == 0;
    e->compress = (int)ntc__config_int(cfg, NTC__CFG_EXPORT_ZMQ_COMPRESS);
    e->per_msg = (uint32_t)ntc__config_int(cfg, NTC__CFG_EXPORT_ZMQ_FLOWS);
    e->source_id = (uint32_t)ntc__config_int(cfg, NTC__CFG_EXPORT_SOURCE_ID);
    e->wait_ms = (int)ntc__config_int(cfg, NTC__CFG_EXPORT_ZMQ_WAIT);
    e->payload.max = MAX_PAYLOAD;
    e->jcap = 4096;
    if (!(e->jbuf = malloc(e->jcap)) || !(e->ctx = zmq_ctx_new()) ||
        !(e->sock = zmq_socket(e->ctx, ZMQ_XPUB))) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: cannot create a ZMQ socket", uri);
        zexp_close(e);
        return NTC_EIO;
    }
    int hwm = (int)ntc__config_int(cfg, NTC__CFG_EXPORT_ZMQ_QUEUE), one = 1, linger = 0;
    zmq_setsockopt(e->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(e->sock, ZMQ_XPUB_NODROP, &one, sizeof(one));
    zmq_setsockopt(e->sock, ZMQ_LINGER, &linger, sizeof(linger));
    char list[512];
    if (strlen(endpoints) >= sizeof(list)) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: endpoint list too long", uri);
        zexp_close(e);
        return NTC_EINVAL;
    }
    strcpy(list, endpoints);
    char *save = NULL;
    int n = 0;
    for (char *ep = strtok_r(list, ",", &save); ep; ep = strtok_r(NULL, ",", &save), n++) {
        size_t l = strlen(ep);
        int connect_there = l > 0 && ep[l - 1] == 'c';
        if (connect_there)
            ep[l - 1] = 0;
        if (strncmp(ep, "tcp://", 6) != 0 && strncmp(ep, "ipc://", 6) != 0) {
            ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: endpoint '%s' is not tcp://ADDRESS:PORT", uri, ep);
            zexp_close(e);
            return NTC_EINVAL;
        }
        int rc = connect_there ? zmq_connect(e->sock, ep) : zmq_bind(e->sock, ep);
        if (rc != 0) {
            int err = zmq_errno();
            ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: cannot %s %s: %s", uri,
                     connect_there ? "connect to" : "bind", ep, zmq_strerror(err));
            zexp_close(e);
            return err == EINVAL ? NTC_EINVAL : NTC_EIO;
        }
    }
    if (n == 0) {
        ntc__fmt(x->errmsg, sizeof(x->errmsg), "%s: no endpoint", uri);
        zexp_close(e);
        return NTC_EINVAL;
    }
    x->ops = &zmq_ops;
    x->impl = e;
    return 0;
}
