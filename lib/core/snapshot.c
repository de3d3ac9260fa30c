/* Snapshots: immutable, reference-counted copies of an engine's state for reader threads.
 * The engine thread builds one at a tick when a reader has asked, then swaps it in under
 * snap_lock (held only for the pointer swap); readers take a reference under the same lock. */
#include <stdlib.h>

#include "core/engine_int.h"
#include "dpi/l7_tables.h"
#include "ntopcore/error.h"

static void snapshot_free(ntc_snapshot *s)
{
    free(s->anas);
    for (size_t i = 0; i < s->nflows; i++)
        free(s->flows[i].meta);
    for (size_t i = 0; i < s->nhosts; i++) {
        free(s->hosts[i].name);
        free(s->host_locals[i].apps);
    }
    free(s->flows);
    free(s->hosts);
    free(s->host_locals);
    free(s->apps);
    free(s->cats);
    free(s);
}

void ntc__engine_publish_snapshot(ntc_engine *e)
{
    atomic_store_explicit(&e->snap_wanted, 0, memory_order_relaxed);
    ntc_snapshot *s = calloc(1, sizeof(*s));
    if (!s)
        return;
    atomic_init(&s->refs, 1);
    s->time_us = e->now_us;
    ntc__engine_fill_stats(e, &s->iface);

    size_t maxf = (size_t)ntc__config_int(e->cfg, NTC__CFG_SNAPSHOT_MAX_FLOWS);
    size_t nf = NTC__MIN(maxf, (size_t)e->flows.count);
    size_t maxh = (size_t)ntc__config_int(e->cfg, NTC__CFG_SNAPSHOT_MAX_HOSTS);
    size_t nh = NTC__MIN(maxh, (size_t)(e->hosts.lru[0].count + e->hosts.lru[1].count));
    if ((nf && !(s->flows = calloc(nf, sizeof(*s->flows)))) ||
        (nh && (!(s->hosts = calloc(nh, sizeof(*s->hosts))) ||
                !(s->host_locals = calloc(nh, sizeof(*s->host_locals)))))) {
        snapshot_free(s);
        return;
    }
    size_t asz = e->flows.ana_size;
    if (nf && asz && !(s->anas = malloc(nf * asz))) {
        snapshot_free(s);
        return;
    }
    /* Most recently active first: walk both LRU lists from their tails, merging by last_us. */
    ntc__lnode *a = ntc__list_last(&e->flows.lru[0]), *b = ntc__list_last(&e->flows.lru[1]);
    while (s->nflows < nf && (a || b)) {
        struct ntc_flow *fa = a ? NTC__CONTAINER_OF(a, struct ntc_flow, lru) : NULL;
        struct ntc_flow *fb = b ? NTC__CONTAINER_OF(b, struct ntc_flow, lru) : NULL;
        struct ntc_flow *f;
        if (fa && (!fb || fa->last_us >= fb->last_us)) {
            f = fa;
            a = a->prev == &e->flows.lru[0].head ? NULL : a->prev;
        } else {
            f = fb;
            b = b->prev == &e->flows.lru[1].head ? NULL : b->prev;
        }
        if (f->ana)
            ntc__ana_settle(f->ana, e->now_us);
        struct ntc_flow *c = &s->flows[s->nflows++];
        *c = *f;
        if (f->ana) {
            c->ana = (ntc__flow_ana *)(void *)((char *)s->anas + (s->nflows - 1) * asz);
            memcpy(c->ana, f->ana, asz);
        }
        c->hnext = NULL;
        c->lru.prev = c->lru.next = NULL;
        c->host[0] = c->host[1] = NULL;
        c->dpi = NULL;
        c->plru.prev = c->plru.next = NULL;
        ntc__dpi_meta_dup(c, f); /* out of memory: the copy just has no metadata */
    }
    ntc__lnode *ha = ntc__list_last(&e->hosts.lru[0]), *hb = ntc__list_last(&e->hosts.lru[1]);
    while (s->nhosts < nh && (ha || hb)) {
        struct ntc_host *xa = ha ? NTC__CONTAINER_OF(ha, struct ntc_host, lru) : NULL;
        struct ntc_host *xb = hb ? NTC__CONTAINER_OF(hb, struct ntc_host, lru) : NULL;
        struct ntc_host *h;
        if (xa && (!xb || xa->last_us >= xb->last_us)) {
            h = xa;
            ha = ha->prev == &e->hosts.lru[0].head ? NULL : ha->prev;
        } else {
            h = xb;
            hb = hb->prev == &e->hosts.lru[1].head ? NULL : hb->prev;
        }
        struct ntc_host *c = &s->hosts[s->nhosts];
        *c = *h;
        c->hnext = NULL;
        c->lru.prev = c->lru.next = NULL;
        c->name = h->name ? strdup(h->name) : NULL;
        if (h->local) {
            ntc__host_tp_settle(h->local, e->now_us);
            ntc__host_local *l = &s->host_locals[s->nhosts];
            *l = *h->local;
            l->apps = NULL;
            if (h->local->napps && (l->apps = malloc(h->local->napps * sizeof(*l->apps))))
                memcpy(l->apps, h->local->apps, h->local->napps * sizeof(*l->apps));
            l->napps = l->capps = l->apps ? h->local->napps : 0;
            c->local = l;
        }
        s->nhosts++;
    }
    if ((s->apps = malloc(e->napps * sizeof(*s->apps)))) {
        memcpy(s->apps, e->apps, e->napps * sizeof(*s->apps));
        s->napps = e->napps;
    }
    if ((s->cats = malloc(sizeof(e->cats)))) {
        memcpy(s->cats, e->cats, sizeof(e->cats));
        s->ncats = NTC__L7_CATEGORY_COUNT;
    }
    pthread_mutex_lock(&e->snap_lock);
    ntc_snapshot *old = e->snap;
    e->snap = s;
    pthread_mutex_unlock(&e->snap_lock);
    ntc_snapshot_release(old);
}

NTC_EXPORT ntc_snapshot *ntc_engine_snapshot_acquire(ntc_engine *e)
{
    if (!e)
        return NULL;
    atomic_store_explicit(&e->snap_wanted, 1, memory_order_relaxed);
    pthread_mutex_lock(&e->snap_lock);
    ntc_snapshot *s = e->snap;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&e->snap_lock);
    return s;
}

NTC_EXPORT void ntc_snapshot_release(ntc_snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snapshot_free(s);
}

NTC_EXPORT uint64_t ntc_snapshot_time(const ntc_snapshot *s)
{
    return s ? s->time_us : 0;
}

NTC_EXPORT int ntc_snapshot_iface_stats(const ntc_snapshot *s, ntc_iface_stats *out)
{
    if (!s || !out || out->size < offsetof(ntc_iface_stats, packets))
        return NTC_EINVAL;
    ntc_iface_stats st = s->iface;
    st.size = out->size;
    memcpy(out, &st, NTC__MIN(out->size, sizeof(st)));
    return 0;
}

NTC_EXPORT size_t ntc_snapshot_flow_count(const ntc_snapshot *s)
{
    return s ? s->nflows : 0;
}

NTC_EXPORT const ntc_flow *ntc_snapshot_flow(const ntc_snapshot *s, size_t i)
{
    return s && i < s->nflows ? &s->flows[i] : NULL;
}

NTC_EXPORT size_t ntc_snapshot_host_count(const ntc_snapshot *s)
{
    return s ? s->nhosts : 0;
}

NTC_EXPORT const ntc_host *ntc_snapshot_host(const ntc_snapshot *s, size_t i)
{
    return s && i < s->nhosts ? &s->hosts[i] : NULL;
}

NTC_EXPORT int ntc_engine_snapshot_publish(ntc_engine *e)
{
    /* Only reads the tables: allowed from callbacks too (e.g. a tick callback). */
    if (!e)
        return NTC_EINVAL;
    ntc_snapshot *before;
    pthread_mutex_lock(&e->snap_lock);
    before = e->snap;
    pthread_mutex_unlock(&e->snap_lock);
    ntc__engine_publish_snapshot(e);
    /* Only the engine thread swaps e->snap, so reading it again without the lock is safe here. */
    return e->snap != before ? 0 : NTC_ENOMEM;
}
