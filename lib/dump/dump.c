/* The packet dumper: selection (hosts, applications, categories, unknown, risky, marks, first
 * packets of each flow), packets held while their flow is being classified, marks with sampling,
 * and the outputs (files.c, tap.c). Fed from the engine's callbacks; see ntopcore/dump.h. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "core/config_keys.h"
#include "dump/dump.h"
#include "host/host.h"
#include "ntopcore/dump.h"
#include "ntopcore/error.h"
#include "ntopcore/l7.h"
#include "util/util.h"

/* ---- small hash table of chained entries keyed by 3 words ---- */

typedef struct hent {
    struct hent *hnext;
    uint64_t key[3];
} hent;

typedef struct htab {
    hent **b;
    uint32_t mask;   /* buckets - 1; 0 when not allocated */
    uint64_t count;
    uint64_t seed;
} htab;

static uint32_t hslot(const htab *t, const uint64_t key[3])
{
    return (uint32_t)ntc__hash_words(key, 3, t->seed) & t->mask;
}

static hent *hfind(const htab *t, const uint64_t key[3])
{
    if (!t->count)
        return NULL;
    for (hent *e = t->b[hslot(t, key)]; e; e = e->hnext)
        if (e->key[0] == key[0] && e->key[1] == key[1] && e->key[2] == key[2])
            return e;
    return NULL;
}

/* Insert e (its key set, not present). Grows at load 1. 0 or -1 (out of memory). */
static int hinsert(htab *t, hent *e)
{
    if (t->count + 1 > (uint64_t)t->mask + 1 || !t->b) {
        uint32_t n = t->b ? (t->mask + 1) * 2 : 64;
        hent **nb = calloc(n, sizeof(*nb));
        if (!nb)
            return -1;
        for (uint32_t i = 0; t->b && i <= t->mask; i++) {
            hent *x = t->b[i];
            while (x) {
                hent *next = x->hnext;
                uint32_t s = (uint32_t)ntc__hash_words(x->key, 3, t->seed) & (n - 1);
                x->hnext = nb[s];
                nb[s] = x;
                x = next;
            }
        }
        free(t->b);
        t->b = nb;
        t->mask = n - 1;
    }
    uint32_t s = hslot(t, e->key);
    e->hnext = t->b[s];
    t->b[s] = e;
    t->count++;
    return 0;
}

static void hremove(htab *t, hent *e)
{
    hent **pp = &t->b[hslot(t, e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp) {
        *pp = e->hnext;
        t->count--;
    }
}

/* ---- dumper ---- */

typedef struct held_pkt {
    struct held_pkt *next;
    uint64_t ts_us;
    uint32_t caplen, wirelen;
    int32_t linktype;
    int32_t dir;
    uint8_t data[];
} held_pkt;

typedef struct held_flow {
    hent h;                    /* key: {flow id, 0, 0} */
    held_pkt *head, *tail;
} held_flow;

typedef struct mark {
    hent h;                    /* key: flow {1, id, 0}; host {ip_version, addr[0..8), addr[8..16)} */
    uint32_t explicit_mark;    /* 1: marked explicitly */
    uint32_t alerts;           /* alert marks set and not yet removed (one per engaged alert) */
    uint64_t seen;             /* packets met while alert-only, for the sampling */
} mark;

/* Outcome of the marks stage. */
enum { MARKS_NONE = 0, MARKS_PASS = 1, MARKS_SAMPLED_OUT = 2 };

typedef struct l7_match {
    uint16_t master, app;      /* exact: master.app; else `app` is matched against either part */
    int exact;
} l7_match;

struct ntc_dump {
    char errmsg[NTC__ERRMSG_LEN];
    ntc__dump_files *files;    /* NULL without dump.path */
    ntc__dump_tap *tap;        /* NULL without dump.tap */
    int files_failed;

    uint32_t snaplen;          /* 0: whole packets */
    uint64_t flow_packets;
    ntc__localnets hosts;
    l7_match *l7;
    size_t nl7;
    uint16_t *cats;
    size_t ncats;
    int unknown, risky, marked_only;
    int need_l7;               /* an application selector is set */
    int need_flow;             /* a selector about flows is set */
    uint64_t sampling;
    uint64_t max_marks;
    uint64_t buffer_bytes;

    htab held;                 /* held_flow by flow id */
    htab marks;
    ntc_dump_stats st;
};

static int set_err(ntc_dump *d, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(ntc_dump *d, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->errmsg, sizeof(d->errmsg), fmt, ap);
    va_end(ap);
    return rc;
}

/* Application id of a name, case-insensitive: built-in, then the engine's custom ones; -1. */
static int app_id(const ntc_engine *eng, const char *name, size_t len)
{
    const char *n;
    for (uint16_t i = 0; (n = ntc_l7_app_name(i)) != NULL; i++)
        if (strlen(n) == len && strncasecmp(n, name, len) == 0)
            return i;
    for (uint32_t i = NTC_L7_CUSTOM_BASE; i <= UINT16_MAX && eng; i++) {
        if (!(n = ntc_engine_app_name(eng, (uint16_t)i)))
            break;
        if (strlen(n) == len && strncasecmp(n, name, len) == 0)
            return (int)i;
    }
    return -1;
}

/* Call fn for each item of a comma-separated list (spaces around items ignored). */
static int each_item(ntc_dump *d, const char *list, int (*fn)(ntc_dump *, const ntc_engine *,
                                                              const char *, size_t),
                     const ntc_engine *eng)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *e = p;
        while (e > s && e[-1] == ' ')
            e--;
        if (e > s) {
            int rc = fn(d, eng, s, (size_t)(e - s));
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int add_l7(ntc_dump *d, const ntc_engine *eng, const char *s, size_t len)
{
    l7_match m = {0, 0, 0};
    int id = app_id(eng, s, len);
    if (id >= 0) {
        m.app = (uint16_t)id;
    } else {
        /* master.app: try each dot (names themselves rarely hold one) */
        int found = 0;
        for (size_t k = 1; k + 1 < len && !found; k++) {
            if (s[k] != '.')
                continue;
            int a = app_id(eng, s, k), b = app_id(eng, s + k + 1, len - k - 1);
            if (a >= 0 && b >= 0) {
                m.master = (uint16_t)a;
                m.app = (uint16_t)b;
                m.exact = 1;
                found = 1;
            }
        }
        if (!found)
            return set_err(d, NTC_EINVAL, "'dump.l7': unknown application '%.*s'%s", (int)len, s,
                           eng ? "" : " (no engine given to resolve names)");
    }
    l7_match *n = realloc(d->l7, (d->nl7 + 1) * sizeof(*n));
    if (!n)
        return set_err(d, NTC_ENOMEM, "out of memory");
    d->l7 = n;
    d->l7[d->nl7++] = m;
    return 0;
}

static int add_cat(ntc_dump *d, const ntc_engine *eng, const char *s, size_t len)
{
    (void)eng;
    const char *n;
    for (uint16_t i = 0; (n = ntc_l7_category_name(i)) != NULL; i++) {
        if (strlen(n) == len && strncasecmp(n, s, len) == 0) {
            uint16_t *c = realloc(d->cats, (d->ncats + 1) * sizeof(*c));
            if (!c)
                return set_err(d, NTC_ENOMEM, "out of memory");
            d->cats = c;
            d->cats[d->ncats++] = i;
            return 0;
        }
    }
    return set_err(d, NTC_EINVAL, "'dump.categories': unknown category '%.*s'", (int)len, s);
}

NTC_EXPORT int ntc_dump_new(ntc_dump **out, const ntc_engine *eng, const ntc_config *cfg_in)
{
    if (!out)
        return NTC_EINVAL;
    *out = NULL;
    ntc_dump *d = calloc(1, sizeof(*d));
    if (!d)
        return NTC_ENOMEM;
    ntc_config *own = NULL;
    const ntc_config *cfg = cfg_in;
    if (!cfg && !(cfg = own = ntc_config_new())) {
        free(d);
        return NTC_ENOMEM;
    }
    int rc = 0;
    d->held.seed = ntc__random_seed();
    d->marks.seed = ntc__mix64(d->held.seed + 1);
    d->snaplen = (uint32_t)ntc__config_int(cfg, NTC__CFG_DUMP_SNAPLEN);
    d->flow_packets = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_FLOW_PACKETS);
    d->unknown = (int)ntc__config_int(cfg, NTC__CFG_DUMP_UNKNOWN);
    d->risky = (int)ntc__config_int(cfg, NTC__CFG_DUMP_RISKY);
    d->marked_only = (int)ntc__config_int(cfg, NTC__CFG_DUMP_MARKED_ONLY);
    d->sampling = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_ALERT_SAMPLING);
    d->max_marks = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_MAX_MARKS);
    d->buffer_bytes = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_BUFFER_BYTES);
    if ((rc = ntc__localnets_parse(&d->hosts, ntc__config_str(cfg, NTC__CFG_DUMP_HOSTS)))) {
        set_err(d, rc, "'dump.hosts' = '%s': not a list of networks",
                ntc__config_str(cfg, NTC__CFG_DUMP_HOSTS));
        goto out;
    }
    if ((rc = each_item(d, ntc__config_str(cfg, NTC__CFG_DUMP_L7), add_l7, eng)) ||
        (rc = each_item(d, ntc__config_str(cfg, NTC__CFG_DUMP_CATEGORIES), add_cat, eng)))
        goto out;
    d->need_l7 = d->nl7 || d->ncats || d->unknown || d->risky;
    d->need_flow = d->need_l7 || d->hosts.count || d->marked_only;
    if (d->need_l7 && !ntc__config_int(cfg, NTC__CFG_DPI_ENABLE)) {
        rc = set_err(d, NTC_EINVAL, "selecting by application (dump.l7, dump.categories, "
                                    "dump.unknown, dump.risky) needs dpi.enable");
        goto out;
    }
    const char *path = ntc__config_str(cfg, NTC__CFG_DUMP_PATH);
    const char *tap = ntc__config_str(cfg, NTC__CFG_DUMP_TAP);
    if (!path[0] && !tap[0]) {
        rc = set_err(d, NTC_EINVAL, "no output: set dump.path (files) or dump.tap (interface)");
        goto out;
    }
    if (path[0]) {
        uint64_t snap = d->snaplen ? d->snaplen : 262144;
        ntc__dump_files_cfg fc = {
            .pattern = path,
            .pcapng = (int)ntc__config_int(cfg, NTC__CFG_DUMP_PCAPNG),
            .snaplen = (uint32_t)snap,
            .file_packets = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_FILE_PACKETS),
            .file_us = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_FILE_SECONDS) * 1000000u,
            .file_bytes = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_FILE_BYTES),
            .ring_files = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_RING_FILES),
            .ring_bytes = (uint64_t)ntc__config_int(cfg, NTC__CFG_DUMP_RING_BYTES),
        };
        if ((rc = ntc__dump_files_new(&d->files, &fc, d->errmsg, sizeof(d->errmsg))))
            goto out;
    }
    if (tap[0] && (rc = ntc__dump_tap_open(&d->tap, tap, d->errmsg, sizeof(d->errmsg))))
        goto out;
out:
    ntc_config_free(own);
    *out = d;
    return rc;
}

static void free_held(ntc_dump *d, held_flow *h)
{
    held_pkt *p = h->head;
    while (p) {
        held_pkt *next = p->next;
        d->st.packets_held--;
        d->st.bytes_held -= sizeof(*p) + p->caplen;
        free(p);
        p = next;
    }
    d->st.bytes_held -= sizeof(*h);
    free(h);
}

static void clear_table(htab *t, void (*fn)(ntc_dump *, hent *), ntc_dump *d)
{
    for (uint32_t i = 0; t->b && i <= t->mask; i++) {
        hent *e = t->b[i];
        while (e) {
            hent *next = e->hnext;
            fn(d, e);
            e = next;
        }
        t->b[i] = NULL;
    }
    t->count = 0;
}

static void drop_held_entry(ntc_dump *d, hent *e)
{
    held_flow *h = (held_flow *)(void *)e;
    for (held_pkt *p = h->head; p; p = p->next)
        d->st.packets_discarded++;
    free_held(d, h);
}

static void free_mark(ntc_dump *d, hent *e)
{
    (void)d;
    free(e);
}

NTC_EXPORT void ntc_dump_free(ntc_dump *d)
{
    if (!d)
        return;
    ntc_dump_close(d);
    clear_table(&d->marks, free_mark, d);
    free(d->held.b);
    free(d->marks.b);
    ntc__dump_files_free(d->files);
    ntc__dump_tap_close(d->tap);
    ntc__localnets_free(&d->hosts);
    free(d->l7);
    free(d->cats);
    free(d);
}

NTC_EXPORT const char *ntc_dump_errmsg(const ntc_dump *d)
{
    return d ? d->errmsg : "";
}

/* ---- output ---- */

static int emit(ntc_dump *d, int dir, uint64_t ts, int lt, const uint8_t *data, uint32_t caplen,
                uint32_t wirelen)
{
    if (d->snaplen && caplen > d->snaplen)
        caplen = d->snaplen;
    int rc = 0, written = 0;
    if (d->files) {
        if (d->files_failed)
            return NTC_EIO;
        int r = ntc__dump_files_write(d->files, ts, lt, data, caplen, wirelen, d->errmsg,
                                      sizeof(d->errmsg));
        if (r < 0) {
            d->files_failed = 1;
            d->st.write_errors++;
            rc = NTC_EIO;
        } else {
            written = r == 0;
        }
    }
    if (d->tap) {
        if (ntc__dump_tap_send(d->tap, dir, lt, data, caplen) == 0)
            d->st.tap_packets++;
        else
            d->st.tap_dropped++;
        if (!d->files)
            written = 1;
    }
    d->st.packets_written += (uint64_t)written;
    return rc;
}

/* ---- marks ---- */

static void host_key(uint64_t key[3], int ipv, const uint8_t *addr)
{
    uint8_t a[16] = {0};
    memcpy(a, addr, ipv == 4 ? 4 : 16);
    key[0] = (uint64_t)ipv;
    memcpy(&key[1], a, 8);
    memcpy(&key[2], a + 8, 8);
}

static void flow_key(uint64_t key[3], uint64_t id)
{
    key[0] = 1; /* ip_version 1: no host */
    key[1] = id;
    key[2] = 0;
}

static int add_mark(ntc_dump *d, const uint64_t key[3], ntc_dump_mark_kind kind)
{
    if (kind != NTC_DUMP_MARK_EXPLICIT && kind != NTC_DUMP_MARK_ALERT)
        return NTC_EINVAL;
    mark *m = (mark *)(void *)hfind(&d->marks, key);
    if (m) {
        if (kind == NTC_DUMP_MARK_EXPLICIT)
            m->explicit_mark = 1;
        else if (m->alerts < UINT32_MAX)
            m->alerts++;
        return 0;
    }
    if (d->marks.count >= d->max_marks) {
        d->st.marks_refused++;
        return set_err(d, NTC_EFULL, "dump.max_marks (%llu) marks are held already",
                       (unsigned long long)d->max_marks);
    }
    if (!(m = calloc(1, sizeof(*m))))
        return NTC_ENOMEM;
    memcpy(m->h.key, key, sizeof(m->h.key));
    m->explicit_mark = kind == NTC_DUMP_MARK_EXPLICIT;
    m->alerts = kind == NTC_DUMP_MARK_ALERT;
    if (hinsert(&d->marks, &m->h) != 0) {
        free(m);
        return NTC_ENOMEM;
    }
    return 0;
}

static int del_mark(ntc_dump *d, const uint64_t key[3], ntc_dump_mark_kind kind)
{
    if (kind != NTC_DUMP_MARK_EXPLICIT && kind != NTC_DUMP_MARK_ALERT)
        return NTC_EINVAL;
    mark *m = (mark *)(void *)hfind(&d->marks, key);
    if (!m)
        return 0;
    if (kind == NTC_DUMP_MARK_EXPLICIT)
        m->explicit_mark = 0;
    else if (m->alerts > 0)
        m->alerts--;
    if (!m->explicit_mark && !m->alerts) {
        hremove(&d->marks, &m->h);
        free(m);
    }
    return 0;
}

NTC_EXPORT int ntc_dump_mark_host(ntc_dump *d, int ip_version, const uint8_t *addr,
                                  ntc_dump_mark_kind kind)
{
    if (!d || !addr || (ip_version != 4 && ip_version != 6))
        return NTC_EINVAL;
    uint64_t key[3];
    host_key(key, ip_version, addr);
    return add_mark(d, key, kind);
}

NTC_EXPORT int ntc_dump_unmark_host(ntc_dump *d, int ip_version, const uint8_t *addr,
                                    ntc_dump_mark_kind kind)
{
    if (!d || !addr || (ip_version != 4 && ip_version != 6))
        return NTC_EINVAL;
    uint64_t key[3];
    host_key(key, ip_version, addr);
    return del_mark(d, key, kind);
}

static int flow_id(const ntc_flow *flow, uint64_t *id)
{
    ntc_flow_info fi = {.size = sizeof(fi)};
    if (ntc_flow_get_info(flow, &fi) != 0)
        return -1;
    *id = fi.id;
    return 0;
}

NTC_EXPORT int ntc_dump_mark_flow(ntc_dump *d, const ntc_flow *flow, ntc_dump_mark_kind kind)
{
    uint64_t id, key[3];
    if (!d || !flow || flow_id(flow, &id) != 0)
        return NTC_EINVAL;
    flow_key(key, id);
    return add_mark(d, key, kind);
}

NTC_EXPORT int ntc_dump_unmark_flow(ntc_dump *d, const ntc_flow *flow, ntc_dump_mark_kind kind)
{
    uint64_t id, key[3];
    if (!d || !flow || flow_id(flow, &id) != 0)
        return NTC_EINVAL;
    flow_key(key, id);
    return del_mark(d, key, kind);
}

/* The marks stage (dump.marked_only): MARKS_PASS when the flow, its client or its server is
 * marked (explicitly, or for an alert and this packet is the 1 of dump.alert_sampling the
 * sampling keeps), MARKS_SAMPLED_OUT, or MARKS_NONE (no mark). */
static int marks_stage(ntc_dump *d, const ntc_flow_info *fi)
{
    if (!d->marked_only)
        return MARKS_PASS;
    if (!d->marks.count)
        return MARKS_NONE;
    uint64_t key[3];
    mark *m[3];
    flow_key(key, fi->id);
    m[0] = (mark *)(void *)hfind(&d->marks, key);
    host_key(key, fi->ip_version, fi->cli_addr);
    m[1] = (mark *)(void *)hfind(&d->marks, key);
    host_key(key, fi->ip_version, fi->srv_addr);
    m[2] = (mark *)(void *)hfind(&d->marks, key);
    mark *alert = NULL;
    for (int i = 0; i < 3; i++) {
        if (!m[i])
            continue;
        if (m[i]->explicit_mark)
            return MARKS_PASS; /* never sampled */
        if (!alert)
            alert = m[i];
    }
    if (!alert)
        return MARKS_NONE;
    return alert->seen++ % d->sampling == 0 ? MARKS_PASS : MARKS_SAMPLED_OUT;
}

/* ---- application selection and held packets ---- */

static int l7_selected(const ntc_dump *d, const ntc_flow *flow)
{
    ntc_flow_l7 l = {.size = sizeof(l)};
    if (ntc_flow_get_l7(flow, &l) != 0)
        return 0;
    if (d->nl7) {
        int any = 0;
        for (size_t i = 0; i < d->nl7 && !any; i++) {
            const l7_match *m = &d->l7[i];
            if (m->exact)
                any = l.master == m->master && l.app == m->app;
            else if (m->app == 0)
                any = l.master == 0 && l.app == 0;
            else
                any = l.app == m->app || l.master == m->app;
        }
        if (!any)
            return 0;
    }
    if (d->ncats) {
        int any = 0;
        for (size_t i = 0; i < d->ncats && !any; i++)
            any = l.category == d->cats[i];
        if (!any)
            return 0;
    }
    if (d->unknown && (l.master != 0 || l.app != 0))
        return 0;
    if (d->risky && l.risk == 0)
        return 0;
    return 1;
}

static int is_pending(const ntc_flow *flow)
{
    ntc_flow_l7 l = {.size = offsetof(ntc_flow_l7, risk)};
    return ntc_flow_get_l7(flow, &l) == 0 && l.how == NTC_L7_PENDING;
}

static int hold(ntc_dump *d, uint64_t id, int dir, uint64_t ts, int lt, const uint8_t *data,
                uint32_t caplen, uint32_t wirelen)
{
    if (d->snaplen && caplen > d->snaplen)
        caplen = d->snaplen;
    uint64_t key[3];
    flow_key(key, id);
    held_flow *h = (held_flow *)(void *)hfind(&d->held, key);
    uint64_t need = sizeof(held_pkt) + caplen + (h ? 0 : sizeof(held_flow));
    if (d->st.bytes_held + need > d->buffer_bytes) {
        d->st.packets_buffer_full++;
        return 0;
    }
    held_pkt *p = malloc(sizeof(*p) + caplen);
    if (!p) {
        d->st.packets_buffer_full++;
        return 0;
    }
    if (!h) {
        if (!(h = calloc(1, sizeof(*h)))) {
            free(p);
            d->st.packets_buffer_full++;
            return 0;
        }
        memcpy(h->h.key, key, sizeof(key));
        if (hinsert(&d->held, &h->h) != 0) {
            free(h);
            free(p);
            d->st.packets_buffer_full++;
            return 0;
        }
    }
    *p = (held_pkt){NULL, ts, caplen, wirelen, lt, dir};
    memcpy(p->data, data, caplen);
    if (h->tail)
        h->tail->next = p;
    else
        h->head = p;
    h->tail = p;
    d->st.packets_held++;
    d->st.bytes_held += need;
    return 0;
}

NTC_EXPORT int ntc_dump_packet(ntc_dump *d, const ntc_flow *flow, int dir, uint64_t ts_us,
                               int linktype, const uint8_t *data, uint32_t caplen,
                               uint32_t wirelen)
{
    if (!d || (!data && caplen))
        return NTC_EINVAL;
    d->st.packets_seen++;
    if (wirelen < caplen)
        wirelen = caplen;
    if (!flow) {
        if (d->need_flow) {
            d->st.packets_not_selected++;
            return d->files_failed ? NTC_EIO : 0;
        }
        return emit(d, dir, ts_us, linktype, data, caplen, wirelen);
    }
    if (!d->need_flow && !d->flow_packets)
        return emit(d, dir, ts_us, linktype, data, caplen, wirelen);
    ntc_flow_info fi = {.size = sizeof(fi)};
    if (ntc_flow_get_info(flow, &fi) != 0)
        return NTC_EINVAL;
    if (d->hosts.count && !ntc__localnets_match(&d->hosts, fi.ip_version, fi.cli_addr) &&
        !ntc__localnets_match(&d->hosts, fi.ip_version, fi.srv_addr)) {
        d->st.packets_not_selected++;
        return d->files_failed ? NTC_EIO : 0;
    }
    if (d->flow_packets && fi.cli2srv_packets + fi.srv2cli_packets > d->flow_packets) {
        d->st.packets_over_flow_limit++;
        return d->files_failed ? NTC_EIO : 0;
    }
    int pending = (d->need_l7 || d->marked_only) && is_pending(flow);
    if (d->need_l7) {
        if (pending)
            return hold(d, fi.id, dir, ts_us, linktype, data, caplen, wirelen);
        if (!l7_selected(d, flow)) {
            d->st.packets_not_selected++;
            return d->files_failed ? NTC_EIO : 0;
        }
    }
    if (pending && d->held.count) {
        /* Packets of this flow already wait for its verdict: this one waits too, in order. */
        uint64_t key[3];
        flow_key(key, fi.id);
        if (hfind(&d->held, key))
            return hold(d, fi.id, dir, ts_us, linktype, data, caplen, wirelen);
    }
    switch (marks_stage(d, &fi)) {
    case MARKS_PASS:
        return emit(d, dir, ts_us, linktype, data, caplen, wirelen);
    case MARKS_SAMPLED_OUT:
        d->st.packets_sampled_out++;
        return d->files_failed ? NTC_EIO : 0;
    default:
        /* Not marked (yet): a flow being classified may be marked at its verdict (flow alerts
         * come then), so its packets wait for it. */
        if (pending)
            return hold(d, fi.id, dir, ts_us, linktype, data, caplen, wirelen);
        d->st.packets_not_selected++;
        return d->files_failed ? NTC_EIO : 0;
    }
}

NTC_EXPORT int ntc_dump_flow_verdict(ntc_dump *d, const ntc_flow *flow)
{
    if (!d || !flow)
        return NTC_EINVAL;
    if (!d->held.count)
        return 0;
    ntc_flow_info fi = {.size = sizeof(fi)};
    if (ntc_flow_get_info(flow, &fi) != 0)
        return NTC_EINVAL;
    uint64_t key[3];
    flow_key(key, fi.id);
    held_flow *h = (held_flow *)(void *)hfind(&d->held, key);
    if (!h)
        return 0;
    hremove(&d->held, &h->h);
    int selected = !d->need_l7 || l7_selected(d, flow), rc = 0;
    for (held_pkt *p = h->head; p; p = p->next) {
        int m = selected ? marks_stage(d, &fi) : MARKS_NONE;
        if (m == MARKS_SAMPLED_OUT) {
            d->st.packets_sampled_out++;
            continue;
        }
        if (m != MARKS_PASS) {
            d->st.packets_discarded++;
            continue;
        }
        d->st.packets_released++;
        int r = emit(d, p->dir, p->ts_us, p->linktype, p->data, p->caplen, p->wirelen);
        if (r && !rc)
            rc = r;
    }
    free_held(d, h);
    return rc;
}

NTC_EXPORT int ntc_dump_flow_end(ntc_dump *d, const ntc_flow *flow, ntc_flow_end_reason reason)
{
    if (!d || !flow)
        return NTC_EINVAL;
    if (reason == NTC_FLOW_END_ACTIVE)
        return 0;
    int rc = ntc_dump_flow_verdict(d, flow);
    if (d->marks.count) {
        uint64_t id, key[3];
        if (flow_id(flow, &id) == 0) {
            flow_key(key, id);
            hent *m = hfind(&d->marks, key);
            if (m) {
                hremove(&d->marks, m);
                free(m);
            }
        }
    }
    return rc;
}

NTC_EXPORT int ntc_dump_close(ntc_dump *d)
{
    if (!d)
        return NTC_EINVAL;
    clear_table(&d->held, drop_held_entry, d);
    if (d->files && !d->files_failed &&
        ntc__dump_files_close(d->files, d->errmsg, sizeof(d->errmsg)) != 0) {
        d->files_failed = 1;
        d->st.write_errors++;
    }
    return d->files_failed ? NTC_EIO : 0;
}

NTC_EXPORT int ntc_dump_get_stats(const ntc_dump *d, ntc_dump_stats *out)
{
    if (!d || !out || out->size < offsetof(ntc_dump_stats, packets_seen))
        return NTC_EINVAL;
    ntc_dump_stats st = d->st;
    if (d->files) {
        ntc__dump_files_stats fs;
        ntc__dump_files_stats_get(d->files, &fs);
        st.files_opened = fs.opened;
        st.files_deleted = fs.deleted;
        st.file_bytes = fs.bytes;
        st.ring_files = fs.ring_files;
        st.ring_bytes = fs.ring_bytes;
        st.ring_bytes_peak = fs.ring_peak;
        st.packets_too_big = fs.too_big;
    }
    st.marks = d->marks.count;
    st.size = out->size;
    memcpy(out, &st, NTC__MIN(out->size, sizeof(st)));
    return 0;
}

NTC_EXPORT const char *ntc_dump_current_file(const ntc_dump *d)
{
    return d ? ntc__dump_files_current(d->files) : "";
}
