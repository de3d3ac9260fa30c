/* Host table: chained hash with a seeded hash (bucket count fixed at the next power of two of
 * host.max, so lookups stay O(1) and memory is bounded by the cap) and two LRU lists (remote,
 * local) ordered by last activity, so idle purge and eviction only look at list heads. */
#include <stdlib.h>

#include "host/host.h"
#include "ntopcore/error.h"
#include "ntopcore/l7.h"

/* Hosts with active flows are never purged or evicted; at most this many of them are stepped over
 * per purge or eviction. */
#define NTC__HOST_SCAN_LIMIT 1024

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

static size_t host_extra(const ntc_host *h)
{
    size_t n = h->name ? strlen(h->name) + 1 : 0;
    if (h->local)
        n += sizeof(*h->local) + (size_t)h->local->capps * sizeof(ntc__host_app);
    return n;
}

void ntc__host_free(ntc__host_table *t, ntc_host *h)
{
    if (!h)
        return;
    t->extra_bytes -= host_extra(h);
    if (h->local)
        free(h->local->apps);
    free(h->local);
    free(h->name);
    free(h);
}

static ntc_host *find_hashed(ntc__host_table *t, uint32_t hv, int ip_version, const uint8_t *addr,
                             uint16_t vlan)
{
    for (ntc_host *h = t->buckets[hv & t->mask]; h; h = h->hnext)
        if (h->hash == hv && h->vlan == vlan && h->ip_version == ip_version &&
            memcmp(h->addr, addr, 16) == 0)
            return h;
    return NULL;
}

ntc_host *ntc__host_find(ntc__host_table *t, int ip_version, const uint8_t *addr, uint16_t vlan)
{
    return find_hashed(t, host_hash(t, ip_version, addr, vlan), ip_version, addr, vlan);
}

void ntc__host_set_name(ntc__host_table *t, ntc_host *h, const char *name, size_t len)
{
    if (!name || len == 0 || len > 253)
        return;
    if (h->name && strlen(h->name) == len && memcmp(h->name, name, len) == 0)
        return;
    char *n = malloc(len + 1);
    if (!n)
        return;
    /* Names come from traffic: no control characters (they would reach terminals and logs). */
    for (size_t i = 0; i < len; i++)
        n[i] = ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) ? '?' : name[i];
    n[len] = 0;
    t->extra_bytes -= h->name ? strlen(h->name) + 1 : 0;
    free(h->name);
    h->name = n;
    t->extra_bytes += len + 1;
}

uint16_t ntc__host_app_index(ntc__host_table *t, ntc_host *h, uint16_t id)
{
    ntc__host_local *l = h->local;
    if (!l)
        return UINT16_MAX;
    for (uint16_t i = 0; i < l->napps; i++)
        if (l->apps[i].id == id)
            return i;
    if (l->napps == l->capps) {
        if (l->capps >= UINT16_MAX / 2)
            return UINT16_MAX;
        uint16_t cap = l->capps ? (uint16_t)(l->capps * 2) : 4;
        ntc__host_app *a = realloc(l->apps, cap * sizeof(*a));
        if (!a)
            return UINT16_MAX;
        t->extra_bytes += (size_t)(cap - l->capps) * sizeof(*a);
        l->apps = a;
        l->capps = cap;
    }
    memset(&l->apps[l->napps], 0, sizeof(l->apps[0]));
    l->apps[l->napps].id = id;
    return l->napps++;
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
            ntc__host_free(t, h);
        }
    }
}

int ntc__host_names_init(ntc__host_table *t, uint32_t slots)
{
    if (slots == 0)
        return 0;
    uint32_t n = ntc__pow2_ceil(slots);
    t->names = calloc(n, sizeof(*t->names));
    if (!t->names)
        return NTC_ENOMEM;
    t->names_mask = n - 1;
    return 0;
}

static ntc__name_ent *name_slot(const ntc__host_table *t, int ipv, const uint8_t *addr,
                                uint16_t vlan)
{
    return t->names ? &t->names[host_hash(t, ipv, addr, vlan) & t->names_mask] : NULL;
}

void ntc__host_learn_name(ntc__host_table *t, int ip_version, const uint8_t *addr, uint16_t vlan,
                          const char *name)
{
    size_t len = strnlen(name, 254);
    if (len == 0 || len > 253)
        return;
    ntc_host *h = ntc__host_find(t, ip_version, addr, vlan);
    if (h)
        ntc__host_set_name(t, h, name, len);
    ntc__name_ent *e = name_slot(t, ip_version, addr, vlan);
    if (!e)
        return;
    char *copy = strndup(name, len);
    if (!copy)
        return;
    free(e->name);
    e->name = copy;
    e->ip_version = (uint8_t)ip_version;
    e->vlan = vlan;
    memcpy(e->addr, addr, 16);
}

void ntc__host_table_destroy(ntc__host_table *t)
{
    ntc__host_table_clear(t, NULL, NULL);
    if (t->names) {
        for (uint32_t i = 0; i <= t->names_mask; i++)
            free(t->names[i].name);
        free(t->names);
        t->names = NULL;
    }
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
            ntc__host_free(t, h);
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
    ntc_host *found = find_hashed(t, hv, ip_version, addr, vlan);
    if (found)
        return found;
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
        t->extra_bytes += sizeof(*h->local);
        t->local_count++;
    }
    h->hash = hv;
    h->vlan = vlan;
    h->ip_version = (uint8_t)ip_version;
    memcpy(h->addr, addr, 16);
    h->first_us = h->last_us = now;
    ntc__name_ent *ne = name_slot(t, ip_version, addr, vlan);
    if (ne && ne->name && ne->ip_version == ip_version && ne->vlan == vlan &&
        memcmp(ne->addr, addr, 16) == 0)
        ntc__host_set_name(t, h, ne->name, strlen(ne->name));
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
        /* The list is ordered by last activity: stop at the first host that is not idle. Idle
         * hosts that still have flows (only when flow timeouts exceed host timeouts) are skipped
         * in place, so the order stays true; at most NTC__HOST_SCAN_LIMIT of them per tick. */
        int busy = 0;
        ntc__lnode *n = ntc__list_first(&t->lru[k]);
        while (n && n != &t->lru[k].head && busy < NTC__HOST_SCAN_LIMIT) {
            ntc_host *h = NTC__CONTAINER_OF(n, ntc_host, lru);
            if (now <= h->last_us || now - h->last_us <= t->idle_us[k])
                break;
            ntc__lnode *next = n->next;
            if (h->active_cli || h->active_srv) {
                busy++;
            } else {
                if (end_fn)
                    end_fn(u, h);
                unlink_host(t, h);
                ntc__host_free(t, h);
                t->purged++;
            }
            n = next;
        }
    }
}

size_t ntc__host_entry_bytes(int local)
{
    /* struct + bucket share (one pointer per host at full table) + local extension. */
    return sizeof(ntc_host) + sizeof(ntc_host *) + (local ? sizeof(ntc__host_local) : 0);
}

void ntc__host_tp_settle(ntc__host_local *l, uint64_t now)
{
    uint32_t sec = (uint32_t)(now / 1000000u);
    if (sec <= l->tp_sec)
        return;
    for (int d = 0; d < 2; d++) {
        if (l->tp_bytes[d] > l->peak_bytes[d])
            l->peak_bytes[d] = l->tp_bytes[d];
        if (l->tp_pkts[d] > l->peak_pkts[d])
            l->peak_pkts[d] = l->tp_pkts[d];
        l->last_bytes[d] = sec == l->tp_sec + 1 ? l->tp_bytes[d] : 0;
        l->last_pkts[d] = sec == l->tp_sec + 1 ? l->tp_pkts[d] : 0;
        l->tp_bytes[d] = 0;
        l->tp_pkts[d] = 0;
    }
    l->tp_sec = sec;
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
    if (h->local) {
        const ntc__host_local *l = h->local;
        for (int d = 0; d < 2; d++) {
            i.tcp_retransmissions[d] = l->tcp[d][NTC__HTCP_RETRANS];
            i.tcp_out_of_order[d] = l->tcp[d][NTC__HTCP_OOO];
            i.tcp_lost_segments[d] = l->tcp[d][NTC__HTCP_LOST];
            i.tcp_zero_windows[d] = l->tcp[d][NTC__HTCP_ZERO_WIN];
            i.tcp_keepalives[d] = l->tcp[d][NTC__HTCP_KEEPALIVE];
            i.bps[d] = (double)l->last_bytes[d] * 8.0;
            i.pps[d] = (double)l->last_pkts[d];
            i.peak_bps[d] = (double)l->peak_bytes[d] * 8.0;
            i.peak_pps[d] = (double)l->peak_pkts[d];
        }
        i.upload_bytes = l->upload_bytes;
        i.download_bytes = l->download_bytes;
    }
    memcpy(out, &i, NTC__MIN(out->size, sizeof(i)));
    return 0;
}

NTC_EXPORT size_t ntc_host_app_count(const ntc_host *h)
{
    return h && h->local ? h->local->napps : 0;
}

NTC_EXPORT int ntc_host_get_app(const ntc_host *h, size_t i, ntc_app_stats *out)
{
    if (!h || !out || !h->local || i >= h->local->napps || out->size < offsetof(ntc_app_stats, flows))
        return NTC_EINVAL;
    const ntc__host_app *a = &h->local->apps[i];
    ntc_app_stats st = {.size = out->size, .id = a->id, .flows = a->flows,
                        .cli2srv_packets = a->pkts_sent, .cli2srv_bytes = a->bytes_sent,
                        .srv2cli_packets = a->pkts_rcvd, .srv2cli_bytes = a->bytes_rcvd};
    memcpy(out, &st, NTC__MIN(out->size, sizeof(st)));
    return 0;
}

NTC_EXPORT const char *ntc_host_name(const ntc_host *h)
{
    return h ? h->name : NULL;
}
