/* Host table: chained hash with a seeded hash (bucket count fixed at the next power of two of
 * host.max, so lookups stay O(1) and memory is bounded by the cap) and two LRU lists (remote,
 * local) ordered by last activity, so idle purge and eviction only look at list heads. */
#include <stdlib.h>

#include "host/host.h"
#include "ntopcore/error.h"

/* Hosts with active flows are never purged; when the oldest hosts still have flows they are moved
 * to the tail, and at most this many are looked at per call. */
#define NTC__HOST_SCAN_LIMIT 64

int ntc__host_table_init(ntc__host_table *t, uint32_t max, uint64_t local_idle_us,
                         uint64_t remote_idle_us, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    uint32_t n = ntc__pow2_ceil(max < 16 ? 16 : max);
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets)
        return NTC_ENOMEM;
    t->mask = n - 1;
    t->max = max;
    t->seed = seed;
    t->idle_us[1] = local_idle_us;
    t->idle_us[0] = remote_idle_us;
    ntc__list_init(&t->lru[0]);
    ntc__list_init(&t->lru[1]);
    return 0;
}

static uint32_t host_hash(const ntc__host_table *t, int ipv, const uint8_t *addr, uint16_t vlan)
{
    uint64_t w[3];
    memcpy(w, addr, 16);
    w[2] = ((uint64_t)vlan << 8) | (uint64_t)ipv;
    return (uint32_t)ntc__hash_words(w, 3, t->seed);
}

static void unlink_host(ntc__host_table *t, ntc_host *h)
{
    ntc_host **pp = &t->buckets[h->hash & t->mask];
    while (*pp && *pp != h)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = h->hnext;
    ntc__list_remove(&t->lru[(h->flags & NTC__HOST_LOCAL) ? 1 : 0], &h->lru);
    if (h->flags & NTC__HOST_LOCAL)
        t->local_count--;
}

static void free_host(ntc_host *h)
{
    free(h->local);
    free(h);
}

void ntc__host_table_clear(ntc__host_table *t, void (*fn)(void *u, const ntc_host *h), void *u)
{
    for (int k = 0; k < 2; k++) {
        ntc__lnode *n;
        while ((n = ntc__list_first(&t->lru[k])) != NULL) {
            ntc_host *h = NTC__CONTAINER_OF(n, ntc_host, lru);
            if (fn)
                fn(u, h);
            unlink_host(t, h);
            free_host(h);
        }
    }
}

void ntc__host_table_destroy(ntc__host_table *t)
{
    ntc__host_table_clear(t, NULL, NULL);
    free(t->buckets);
    ntc__localnets_free(&t->nets);
    t->buckets = NULL;
}

/* Remove the longest-idle host of list k that has no active flow. 1 if one was removed. */
static int evict_one(ntc__host_table *t, int k, void (*end_fn)(void *u, const ntc_host *h), void *u)
{
    int scanned = 0;
    ntc__lnode *n = ntc__list_first(&t->lru[k]);
    while (n && scanned++ < NTC__HOST_SCAN_LIMIT) {
        ntc_host *h = NTC__CONTAINER_OF(n, ntc_host, lru);
        if (h->active_cli == 0 && h->active_srv == 0) {
            if (end_fn)
                end_fn(u, h);
            unlink_host(t, h);
            free_host(h);
            t->evicted++;
            return 1;
        }
        n = n->next == &t->lru[k].head ? NULL : n->next;
    }
    return 0;
}

ntc_host *ntc__host_get(ntc__host_table *t, int ip_version, const uint8_t *addr, uint16_t vlan,
                        uint64_t now, void (*end_fn)(void *u, const ntc_host *h), void *u)
{
    uint32_t hv = host_hash(t, ip_version, addr, vlan);
    for (ntc_host *h = t->buckets[hv & t->mask]; h; h = h->hnext) {
        if (h->hash == hv && h->vlan == vlan && h->ip_version == ip_version &&
            memcmp(h->addr, addr, 16) == 0)
            return h;
    }
    if (t->lru[0].count + t->lru[1].count >= t->max) {
        /* The longest-idle host of either list goes first. */
        ntc__lnode *r = ntc__list_first(&t->lru[0]), *l = ntc__list_first(&t->lru[1]);
        int first = r ? 0 : 1;
        if (r && l && NTC__CONTAINER_OF(l, ntc_host, lru)->last_us <
                          NTC__CONTAINER_OF(r, ntc_host, lru)->last_us)
            first = 1;
        if (!evict_one(t, first, end_fn, u) && !evict_one(t, 1 - first, end_fn, u)) {
            t->not_created++;
            return NULL;
        }
    }
    ntc_host *h = calloc(1, sizeof(*h));
    if (!h) {
        t->not_created++;
        return NULL;
    }
    int kind = ntc__localnets_match(&t->nets, ip_version, addr);
    if (kind) {
        h->local = calloc(1, sizeof(*h->local));
        if (!h->local) {
            free(h);
            t->not_created++;
            return NULL;
        }
        h->flags = NTC__HOST_LOCAL | (kind == 2 ? NTC__HOST_SYSTEM : 0);
        t->local_count++;
    }
    h->hash = hv;
    h->vlan = vlan;
    h->ip_version = (uint8_t)ip_version;
    memcpy(h->addr, addr, 16);
    h->first_us = h->last_us = now;
    h->hnext = t->buckets[hv & t->mask];
    t->buckets[hv & t->mask] = h;
    ntc__list_push_tail(&t->lru[kind ? 1 : 0], &h->lru);
    t->total++;
    return h;
}

void ntc__host_table_expire(ntc__host_table *t, uint64_t now,
                            void (*end_fn)(void *u, const ntc_host *h), void *u)
{
    for (int k = 0; k < 2; k++) {
        int busy = 0;
        ntc__lnode *n;
        while ((n = ntc__list_first(&t->lru[k])) != NULL && busy < NTC__HOST_SCAN_LIMIT) {
            ntc_host *h = NTC__CONTAINER_OF(n, ntc_host, lru);
            if (now <= h->last_us || now - h->last_us <= t->idle_us[k])
                break;
            if (h->active_cli || h->active_srv) {
                /* Still referenced by a flow: keep it, look again after the others. */
                ntc__list_remove(&t->lru[k], n);
                ntc__list_push_tail(&t->lru[k], n);
                busy++;
                continue;
            }
            if (end_fn)
                end_fn(u, h);
            unlink_host(t, h);
            free_host(h);
            t->purged++;
        }
    }
}

size_t ntc__host_entry_bytes(int local)
{
    /* struct + bucket share (one pointer per host at full table) + local extension. */
    return sizeof(ntc_host) + sizeof(ntc_host *) + (local ? sizeof(ntc__host_local) : 0);
}

NTC_EXPORT int ntc_host_get_info(const ntc_host *h, ntc_host_info *out)
{
    if (!h || !out || out->size < offsetof(ntc_host_info, packets_sent))
        return NTC_EINVAL;
    ntc_host_info i;
    memset(&i, 0, sizeof(i));
    i.size = out->size;
    i.ip_version = h->ip_version;
    i.is_local = (h->flags & NTC__HOST_LOCAL) ? 1 : 0;
    i.is_system = (h->flags & NTC__HOST_SYSTEM) ? 1 : 0;
    i.vlan = h->vlan;
    memcpy(i.addr, h->addr, 16);
    if (h->local && h->local->has_mac) {
        i.has_mac = 1;
        memcpy(i.mac, h->local->mac, 6);
    }
    i.packets_sent = h->packets_sent;
    i.bytes_sent = h->bytes_sent;
    i.packets_rcvd = h->packets_rcvd;
    i.bytes_rcvd = h->bytes_rcvd;
    i.first_us = h->first_us;
    i.last_us = h->last_us;
    i.active_flows_as_client = h->active_cli;
    i.active_flows_as_server = h->active_srv;
    i.total_flows_as_client = h->total_cli;
    i.total_flows_as_server = h->total_srv;
    memcpy(out, &i, NTC__MIN(out->size, sizeof(i)));
    return 0;
}
