/* NetFlow v5, v9 and IPFIX parsing with per-exporter template caches (netflow.h). */
#include "collect/netflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/record.h"
#include "export/elements.h"
#include "util/util.h"

#define V5_HEADER 24
#define V5_RECORD 48
#define V9_HEADER 20
#define IPFIX_HEADER 16
#define VARLEN 65535u

typedef struct nf_field {
    uint32_t el;       /* normalised element (0: not used) */
    uint16_t len;      /* VARLEN: variable length (IPFIX) */
} nf_field;

typedef struct nf_exporter nf_exporter;

typedef struct nf_tmpl {
    struct nf_tmpl *hnext;
    ntc__lnode lru;    /* in nf->t_lru, by last refresh */
    ntc__lnode own;    /* in its exporter's list */
    nf_exporter *ex;
    uint32_t hash;
    uint16_t id;
    uint16_t nfields;
    uint8_t options;
    uint8_t varlen;
    uint32_t min_len;  /* bytes of a record at least (a variable field counts 1) */
    uint64_t last_us;
    nf_field f[];
} nf_tmpl;

struct nf_exporter {
    nf_exporter *hnext;
    ntc__lnode lru;    /* in nf->ex_lru, by last datagram */
    ntc__list tmpls;
    uint32_t hash;
    uint8_t addr[16];
    uint16_t port;
    uint8_t ipv;
    uint8_t version;
    uint32_t domain;
    uint64_t last_us;
    uint32_t next_seq;
    uint8_t have_seq;
    uint8_t have_init;
    uint64_t init_ms;  /* IPFIX systemInitTimeMilliseconds (from options data) */
    char source[96];
};

struct ntc__nf {
    ntc__nf_limits lim;
    ntc_iface_stats *st;
    nf_exporter **ex_b;
    uint32_t ex_mask, nex;
    ntc__list ex_lru;
    nf_tmpl **t_b;
    uint32_t t_mask, nt;
    ntc__list t_lru;
    ntc__recb rb;      /* scratch record */
};

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

ntc__nf *ntc__nf_new(const ntc__nf_limits *lim, ntc_iface_stats *st)
{
    ntc__nf *nf = calloc(1, sizeof(*nf));
    if (!nf)
        return NULL;
    nf->lim = *lim;
    if (nf->lim.max_exporters < 1)
        nf->lim.max_exporters = 1;
    if (nf->lim.max_templates < 1)
        nf->lim.max_templates = 1;
    nf->st = st;
    uint32_t ne = ntc__pow2_ceil(nf->lim.max_exporters), nt = ntc__pow2_ceil(nf->lim.max_templates);
    nf->ex_b = calloc(ne, sizeof(*nf->ex_b));
    nf->t_b = calloc(nt, sizeof(*nf->t_b));
    if (!nf->ex_b || !nf->t_b) {
        ntc__nf_free(nf);
        return NULL;
    }
    nf->ex_mask = ne - 1;
    nf->t_mask = nt - 1;
    ntc__list_init(&nf->ex_lru);
    ntc__list_init(&nf->t_lru);
    return nf;
}

/* ---- templates ---- */

static uint32_t tmpl_hash(const ntc__nf *nf, const nf_exporter *ex, uint16_t id)
{
    uint64_t w[2] = {(uint64_t)(uintptr_t)ex, id};
    return (uint32_t)ntc__hash_words(w, 2, nf->lim.seed);
}

static nf_tmpl *tmpl_find(ntc__nf *nf, nf_exporter *ex, uint16_t id)
{
    uint32_t h = tmpl_hash(nf, ex, id);
    for (nf_tmpl *t = nf->t_b[h & nf->t_mask]; t; t = t->hnext)
        if (t->hash == h && t->ex == ex && t->id == id)
            return t;
    return NULL;
}

static void tmpl_remove(ntc__nf *nf, nf_tmpl *t)
{
    nf_tmpl **pp = &nf->t_b[t->hash & nf->t_mask];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    ntc__list_remove(&nf->t_lru, &t->lru);
    ntc__list_remove(&t->ex->tmpls, &t->own);
    nf->nt--;
    free(t);
}

/* Store a template (replacing one with the same id). Fields are copied. */
static void tmpl_add(ntc__nf *nf, nf_exporter *ex, uint16_t id, int options, const nf_field *f,
                     uint16_t nfields, uint64_t now)
{
    nf_tmpl *old = tmpl_find(nf, ex, id);
    if (old)
        tmpl_remove(nf, old);
    if (nf->nt >= nf->lim.max_templates) {
        nf->st->collect_refused++;
        return;
    }
    nf_tmpl *t = malloc(sizeof(*t) + (size_t)nfields * sizeof(nf_field));
    if (!t) {
        nf->st->collect_refused++;
        return;
    }
    memset(t, 0, sizeof(*t));
    t->ex = ex;
    t->id = id;
    t->nfields = nfields;
    t->options = (uint8_t)options;
    t->last_us = now;
    for (uint16_t i = 0; i < nfields; i++) {
        t->f[i] = f[i];
        if (f[i].len == VARLEN) {
            t->varlen = 1;
            t->min_len += 1;
        } else {
            t->min_len += f[i].len;
        }
    }
    t->hash = tmpl_hash(nf, ex, id);
    t->hnext = nf->t_b[t->hash & nf->t_mask];
    nf->t_b[t->hash & nf->t_mask] = t;
    ntc__list_push_tail(&nf->t_lru, &t->lru);
    ntc__list_push_tail(&ex->tmpls, &t->own);
    nf->nt++;
}

/* ---- exporters ---- */

static uint32_t ex_hash(const ntc__nf *nf, const uint8_t *addr, uint16_t port, uint8_t version,
                        uint32_t domain)
{
    uint64_t w[3];
    memcpy(w, addr, 16);
    w[2] = (uint64_t)port | (uint64_t)version << 16 | (uint64_t)domain << 32;
    return (uint32_t)ntc__hash_words(w, 3, nf->lim.seed ^ 0x5bd1e995u);
}

static void ex_remove(ntc__nf *nf, nf_exporter *ex)
{
    ntc__lnode *n;
    while ((n = ntc__list_first(&ex->tmpls)) != NULL)
        tmpl_remove(nf, NTC__CONTAINER_OF(n, nf_tmpl, own));
    nf_exporter **pp = &nf->ex_b[ex->hash & nf->ex_mask];
    while (*pp && *pp != ex)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = ex->hnext;
    ntc__list_remove(&nf->ex_lru, &ex->lru);
    nf->nex--;
    free(ex);
}

void ntc__nf_free(ntc__nf *nf)
{
    if (!nf)
        return;
    if (nf->ex_b && nf->t_b) {
        ntc__lnode *n;
        while ((n = ntc__list_first(&nf->ex_lru)) != NULL)
            ex_remove(nf, NTC__CONTAINER_OF(n, nf_exporter, lru));
    }
    free(nf->ex_b);
    free(nf->t_b);
    free(nf);
}

/* Forget the templates and exporters idle past the timeout (oldest first). */
static void expire(ntc__nf *nf, uint64_t now)
{
    ntc__lnode *n;
    while ((n = ntc__list_first(&nf->t_lru)) != NULL) {
        nf_tmpl *t = NTC__CONTAINER_OF(n, nf_tmpl, lru);
        if (now < t->last_us || now - t->last_us <= nf->lim.timeout_us)
            break;
        tmpl_remove(nf, t);
    }
    while ((n = ntc__list_first(&nf->ex_lru)) != NULL) {
        nf_exporter *ex = NTC__CONTAINER_OF(n, nf_exporter, lru);
        if (now < ex->last_us || now - ex->last_us <= nf->lim.timeout_us)
            break;
        ex_remove(nf, ex);
    }
}

static nf_exporter *ex_get(ntc__nf *nf, int ipv, const uint8_t *addr, uint16_t port,
                           uint8_t version, uint32_t domain, uint64_t now)
{
    uint8_t a[16] = {0};
    memcpy(a, addr, ipv == 4 ? 4 : 16);
    uint32_t h = ex_hash(nf, a, port, version, domain);
    nf_exporter *ex;
    for (ex = nf->ex_b[h & nf->ex_mask]; ex; ex = ex->hnext)
        if (ex->hash == h && ex->port == port && ex->version == version && ex->domain == domain &&
            memcmp(ex->addr, a, 16) == 0)
            break;
    if (!ex) {
        if (nf->nex >= nf->lim.max_exporters || !(ex = calloc(1, sizeof(*ex)))) {
            nf->st->collect_refused++;
            return NULL;
        }
        memcpy(ex->addr, a, 16);
        ex->port = port;
        ex->ipv = (uint8_t)ipv;
        ex->version = version;
        ex->domain = domain;
        ex->hash = h;
        ntc__list_init(&ex->tmpls);
        char as[64];
        ntc__addr_str(ipv, a, as, sizeof(as));
        const char *proto = version == 5 ? "netflow5" : version == 9 ? "netflow9" : "ipfix";
        snprintf(ex->source, sizeof(ex->source), ipv == 6 ? "%s:[%s]:%u/%u" : "%s:%s:%u/%u", proto,
                 as, port, domain);
        ex->hnext = nf->ex_b[h & nf->ex_mask];
        nf->ex_b[h & nf->ex_mask] = ex;
        ntc__list_push_tail(&nf->ex_lru, &ex->lru);
        nf->nex++;
    } else {
        ntc__list_remove(&nf->ex_lru, &ex->lru);
        ntc__list_push_tail(&nf->ex_lru, &ex->lru);
    }
    ex->last_us = now;
    return ex;
}

/* Sequence check: seq is what the exporter says comes now; advance: what this message holds. */
static void check_seq(ntc__nf *nf, nf_exporter *ex, uint32_t seq, uint32_t advance, int known)
{
    if (ex->have_seq) {
        uint32_t gap = seq - ex->next_seq;
        if (gap != 0 && gap < 0x80000000u)
            nf->st->collect_lost += gap;
        /* A step back (reordering, restart) is not a loss. */
    }
    ex->next_seq = seq + advance;
    ex->have_seq = (uint8_t)known;
}

/* ---- NetFlow v5 ---- */

static int parse_v5(ntc__nf *nf, int ipv, const uint8_t *addr, uint16_t port, const uint8_t *d,
                    size_t n, uint64_t now, ntc__record_fn fn, void *user)
{
    if (n < V5_HEADER)
        goto bad;
    uint16_t count = rd16(d + 2);
    if (count == 0 || (size_t)V5_HEADER + (size_t)count * V5_RECORD > n)
        goto bad;
    uint32_t uptime = rd32(d + 4), secs = rd32(d + 8), nsecs = rd32(d + 12), seq = rd32(d + 16);
    nf_exporter *ex = ex_get(nf, ipv, addr, port, 5, (uint32_t)d[20] << 8 | d[21], now);
    if (!ex)
        return 0;
    nf->st->collect_messages++;
    check_seq(nf, ex, seq, count, 1);
    uint64_t unix_ms = (uint64_t)secs * 1000u + nsecs / 1000000u;
    uint64_t export_us = (uint64_t)secs * 1000000u + (nsecs % 1000000000u) / 1000u;
    int have_base = unix_ms >= uptime;
    int out = 0;
    for (uint16_t i = 0; i < count; i++) {
        const uint8_t *r = d + V5_HEADER + (size_t)i * V5_RECORD;
        ntc__recb *b = &nf->rb;
        ntc__recb_init(b, 0, have_base, unix_ms - uptime);
        b->icmp_port_convention = 1;
        ntc__recb_raw(b, NTC__EL_IPV4_SRC_ADDR, r, 4);
        ntc__recb_raw(b, NTC__EL_IPV4_DST_ADDR, r + 4, 4);
        ntc__recb_num(b, NTC__EL_IN_PKTS, rd32(r + 16));
        ntc__recb_num(b, NTC__EL_IN_BYTES, rd32(r + 20));
        ntc__recb_num(b, NTC__EL_FIRST_SWITCHED, rd32(r + 24));
        ntc__recb_num(b, NTC__EL_LAST_SWITCHED, rd32(r + 28));
        ntc__recb_num(b, NTC__EL_L4_SRC_PORT, rd16(r + 32));
        ntc__recb_num(b, NTC__EL_L4_DST_PORT, rd16(r + 34));
        ntc__recb_num(b, NTC__EL_TCP_FLAGS, r[37]);
        ntc__recb_num(b, NTC__EL_PROTOCOL, r[38]);
        if (ntc__recb_finish(b, ex->source, export_us, export_us) != 0) {
            nf->st->collect_errors++;
            continue;
        }
        fn(user, &b->rec);
        out++;
    }
    return out;
bad:
    nf->st->collect_errors++;
    return -1;
}

/* ---- NetFlow v9 and IPFIX: templates ---- */

/* Template set (v9 flowset 0/1, IPFIX set 2/3). Returns 0, or -1 on a malformed record (counted;
 * the rest of the set is skipped). */
static int parse_templates(ntc__nf *nf, nf_exporter *ex, int ipfix, int options, const uint8_t *p,
                           const uint8_t *end, uint64_t now)
{
    nf_field f[NTC__NF_MAX_FIELDS];
    while (end - p >= 4) {
        uint16_t id = rd16(p), cnt, nscope = 0;
        if (!ipfix && options) {
            /* v9 options template: id, scope length, option length (bytes). */
            if (end - p < 6)
                goto bad;
            uint16_t sl = rd16(p + 2), ol = rd16(p + 4);
            if (sl % 4 || ol % 4)
                goto bad;
            nscope = sl / 4;
            cnt = (uint16_t)(nscope + ol / 4);
            p += 6;
        } else {
            cnt = rd16(p + 2);
            p += 4;
            if (ipfix && options && cnt > 0) {
                if (end - p < 2)
                    goto bad;
                nscope = rd16(p);
                p += 2;
                if (nscope == 0 || nscope > cnt)
                    goto bad;
            }
        }
        if (id < 256)
            goto bad;
        if (cnt == 0) {
            if (!ipfix)
                goto bad;
            nf_tmpl *t = tmpl_find(nf, ex, id); /* IPFIX template withdrawal */
            if (t)
                tmpl_remove(nf, t);
            continue;
        }
        if (cnt > NTC__NF_MAX_FIELDS)
            goto bad;
        for (uint16_t i = 0; i < cnt; i++) {
            if (end - p < 4)
                goto bad;
            uint16_t type = rd16(p), len = rd16(p + 2);
            uint32_t pen = 0;
            p += 4;
            if (ipfix && (type & 0x8000)) {
                if (end - p < 4)
                    goto bad;
                pen = rd32(p);
                p += 4;
                type &= 0x7fff;
            }
            if (len == 0 || (!ipfix && len == VARLEN))
                goto bad;
            f[i].el = i < nscope ? 0 : ntc__element_normalize(pen, type);
            f[i].len = len;
        }
        tmpl_add(nf, ex, id, options, f, cnt, now);
    }
    return 0;
bad:
    nf->st->collect_errors++;
    return -1;
}

/* Data set under template t. Returns the records handed to fn; *nrec counts the records read. */
static int parse_data(ntc__nf *nf, nf_exporter *ex, nf_tmpl *t, const uint8_t *p,
                      const uint8_t *end, int have_base, uint64_t base_ms, uint64_t export_us,
                      ntc__record_fn fn, void *user, uint32_t *nrec)
{
    int out = 0;
    if (ex->version == 10 && ex->have_init) {
        /* IPFIX uptimes count from systemInitTimeMilliseconds (options data, maybe just read). */
        have_base = 1;
        base_ms = ex->init_ms;
    }
    t->last_us = ex->last_us;
    ntc__list_remove(&nf->t_lru, &t->lru);
    ntc__list_push_tail(&nf->t_lru, &t->lru);
    if (t->min_len == 0)
        return 0;
    /* Bytes left shorter than a record are padding. */
    while ((size_t)(end - p) >= t->min_len) {
        ntc__recb *b = &nf->rb;
        if (!t->options) {
            ntc__recb_init(b, 0, have_base, base_ms);
            b->icmp_port_convention = 1;
        }
        for (uint16_t i = 0; i < t->nfields; i++) {
            size_t len = t->f[i].len;
            if (len == VARLEN) {
                if (end - p < 1)
                    goto bad;
                len = *p++;
                if (len == 255) {
                    if (end - p < 2)
                        goto bad;
                    len = rd16(p);
                    p += 2;
                }
            }
            if ((size_t)(end - p) < len)
                goto bad;
            uint32_t el = t->f[i].el;
            if (t->options) {
                if (el == NTC__EL_SYSTEM_INIT_MS && len == 8) {
                    ex->init_ms = (uint64_t)rd32(p) << 32 | rd32(p + 4);
                    ex->have_init = 1;
                }
            } else if (el) {
                ntc__recb_raw(b, el, p, len);
            }
            p += len;
        }
        (*nrec)++;
        if (t->options)
            continue;
        if (ntc__recb_finish(b, ex->source, export_us, export_us) != 0) {
            nf->st->collect_errors++;
            continue;
        }
        fn(user, &b->rec);
        out++;
    }
    return out;
bad:
    nf->st->collect_errors++;
    return out;
}

/* NetFlow v9 (version 9) or IPFIX (version 10). */
static int parse_v9_ipfix(ntc__nf *nf, int ipv, const uint8_t *addr, uint16_t port,
                          const uint8_t *d, size_t n, uint64_t now, ntc__record_fn fn, void *user)
{
    int ipfix = rd16(d) == 10;
    size_t hlen = ipfix ? IPFIX_HEADER : V9_HEADER;
    if (n < hlen)
        goto bad;
    if (ipfix) {
        size_t len = rd16(d + 2);
        if (len < hlen || len > n)
            goto bad;
        n = len;
    }
    uint32_t seq = ipfix ? rd32(d + 8) : rd32(d + 12);
    uint32_t domain = ipfix ? rd32(d + 12) : rd32(d + 16);
    uint64_t secs = ipfix ? rd32(d + 4) : rd32(d + 8);
    uint64_t export_us = secs * 1000000u;
    int have_base = 0;
    uint64_t base_ms = 0;
    if (!ipfix) {
        uint32_t up = rd32(d + 4);
        have_base = secs * 1000u >= up;
        base_ms = secs * 1000u - (have_base ? up : 0);
    }
    nf_exporter *ex = ex_get(nf, ipv, addr, port, ipfix ? 10 : 9, domain, now);
    if (!ex)
        return 0;
    nf->st->collect_messages++;
    const uint8_t *p = d + hlen, *end = d + n;
    int out = 0, complete = 1;
    uint32_t nrec = 0;
    while (end - p >= 4) {
        uint16_t sid = rd16(p), slen = rd16(p + 2);
        if (slen < 4 || slen > end - p) {
            nf->st->collect_errors++;
            complete = 0;
            break;
        }
        const uint8_t *body = p + 4, *send = p + slen;
        p = send;
        if (sid == (ipfix ? 2 : 0) || sid == (ipfix ? 3 : 1)) {
            parse_templates(nf, ex, ipfix, sid == (ipfix ? 3 : 1), body, send, now);
        } else if (sid >= 256) {
            nf_tmpl *t = tmpl_find(nf, ex, sid);
            if (!t) {
                nf->st->collect_no_template++;
                complete = 0;
                continue;
            }
            out += parse_data(nf, ex, t, body, send, have_base, base_ms, export_us, fn, user, &nrec);
        }
        /* Other set ids are reserved: skipped. */
    }
    /* v9 numbers export packets, IPFIX numbers data records. */
    if (ipfix)
        check_seq(nf, ex, seq, nrec, complete);
    else
        check_seq(nf, ex, seq, 1, 1);
    return out;
bad:
    nf->st->collect_errors++;
    return -1;
}

int ntc__nf_datagram(ntc__nf *nf, int ip_version, const uint8_t *addr, uint16_t port,
                     const uint8_t *d, size_t n, uint64_t now_us, ntc__record_fn fn, void *user)
{
    expire(nf, now_us);
    if (n < 2 || (ip_version != 4 && ip_version != 6)) {
        nf->st->collect_errors++;
        return -1;
    }
    switch (rd16(d)) {
    case 5: return parse_v5(nf, ip_version, addr, port, d, n, now_us, fn, user);
    case 9:
    case 10: return parse_v9_ipfix(nf, ip_version, addr, port, d, n, now_us, fn, user);
    default:
        nf->st->collect_errors++;
        return -1;
    }
}

size_t ntc__nf_template_count(const ntc__nf *nf)
{
    return nf->nt;
}

size_t ntc__nf_exporter_count(const ntc__nf *nf)
{
    return nf->nex;
}
