/* L7 accounting (per application and category, for the interface and each local host) and passive
 * host naming from flow metadata. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "core/engine_int.h"
#include "dpi/l7_tables.h"
#include "ntopcore/error.h"
#include "ntopcore/l7.h"

/* Slot of an application id in the interface table. */
static uint16_t app_slot(const ntc_engine *e, uint16_t id)
{
    uint16_t slot = id < NTC__L7_APP_COUNT ? id
                    : id >= NTC_L7_CUSTOM_BASE ? (uint16_t)(NTC__L7_APP_COUNT + id - NTC_L7_CUSTOM_BASE)
                                               : 0;
    return slot < e->napps ? slot : 0;
}

static uint16_t slot_id(uint16_t slot)
{
    return slot < NTC__L7_APP_COUNT ? slot : (uint16_t)(NTC_L7_CUSTOM_BASE + slot - NTC__L7_APP_COUNT);
}

/* The unspecified address (0.0.0.0, ::) is no host's name holder (DHCP clients use it). */
static int unspecified(const ntc_host *h)
{
    static const uint8_t zero[16];
    return memcmp(h->addr, zero, 16) == 0;
}

static void name_hosts(ntc_engine *e, struct ntc_flow *f)
{
    const ntc__flow_meta *m = f->meta;
    if (!m)
        return;
    const char *v;
    if ((v = ntc__meta_get(m, NTC_META_TLS_SERVER_NAME)) && f->host[1])
        ntc__host_set_name(&e->hosts, f->host[1], v, strlen(v));
    if ((v = ntc__meta_get(m, NTC_META_HTTP_HOST)) && f->host[1]) {
        const char *colon = strrchr(v, ':');
        ntc__host_set_name(&e->hosts, f->host[1], v, colon && !strchr(v, ']') ? (size_t)(colon - v) : strlen(v));
    }
    if ((v = ntc__meta_get(m, NTC_META_DHCP_HOST_NAME)) && f->host[0] && !unspecified(f->host[0]))
        ntc__host_set_name(&e->hosts, f->host[0], v, strlen(v));
    if ((v = ntc__meta_get(m, NTC_META_HOST_NAME)) && f->host[0] &&
        (f->l7.app == 10 /* NetBIOS */ || f->l7.master == 10))
        ntc__host_set_name(&e->hosts, f->host[0], v, strlen(v));
    const char *ans = ntc__meta_get(m, NTC_META_DNS_ANSWER), *q = ntc__meta_get(m, NTC_META_DNS_QUERY);
    if (ans && q) {
        uint8_t a[16] = {0};
        int ipv = strchr(ans, ':') ? 6 : 4;
        if (inet_pton(ipv == 6 ? AF_INET6 : AF_INET, ans, a) == 1)
            ntc__host_learn_name(&e->hosts, ipv, a, f->key.vlan, q);
    }
}

void ntc__l7_classified(ntc_engine *e, struct ntc_flow *f)
{
    if (!f->l7.app && f->l7.master) {
        f->l7.app = f->l7.master;
        f->l7.master = 0;
    }
    uint16_t id = f->l7.app;
    f->app_index = app_slot(e, id);
    ntc__app_acct *a = &e->apps[f->app_index];
    ntc__app_acct *c = &e->cats[f->l7.category < 64 ? f->l7.category : 0];
    a->flows++;
    c->flows++;
    for (int d = 0; d < 2; d++) {
        a->pkts[d] += f->pkts[d];
        a->bytes[d] += f->bytes[d];
        c->pkts[d] += f->pkts[d];
        c->bytes[d] += f->bytes[d];
    }
    for (int s = 0; s < 2; s++) {
        ntc_host *h = f->host[s];
        f->host_app[s] = UINT16_MAX;
        if (!h || !h->local)
            continue;
        uint16_t i = ntc__host_app_index(&e->hosts, h, id);
        f->host_app[s] = i;
        if (i == UINT16_MAX)
            continue;
        ntc__host_app *ha = &h->local->apps[i];
        ha->flows++;
        ha->pkts_sent += f->pkts[s];
        ha->bytes_sent += f->bytes[s];
        ha->pkts_rcvd += f->pkts[1 - s];
        ha->bytes_rcvd += f->bytes[1 - s];
    }
    if (f->meta)
        e->flows.meta_bytes += f->meta->size;
    name_hosts(e, f);
    if (e->cb.flow_verdict) { /* callbacks version 2 */
        e->in_cb++;
        e->cb.flow_verdict(e->cb_user, f);
        e->in_cb--;
    }
}

void ntc__l7_swapped(ntc_engine *e, struct ntc_flow *f)
{
    /* The flow's counters are already swapped: what was counted as [1] is now its [0]. Unsigned
     * wrap-around makes the differences exact. */
    uint64_t dp = f->pkts[0] - f->pkts[1], db = f->bytes[0] - f->bytes[1];
    ntc__app_acct *tabs[2] = {&e->apps[f->app_index], &e->cats[f->l7.category < 64 ? f->l7.category : 0]};
    for (int i = 0; i < 2; i++) {
        tabs[i]->pkts[0] += dp;
        tabs[i]->pkts[1] -= dp;
        tabs[i]->bytes[0] += db;
        tabs[i]->bytes[1] -= db;
    }
}

void ntc__l7_packet(ntc_engine *e, struct ntc_flow *f, int dir, uint32_t bytes)
{
    ntc__app_acct *a = &e->apps[f->app_index];
    ntc__app_acct *c = &e->cats[f->l7.category < 64 ? f->l7.category : 0];
    a->pkts[dir]++;
    a->bytes[dir] += bytes;
    c->pkts[dir]++;
    c->bytes[dir] += bytes;
    for (int s = 0; s < 2; s++) {
        ntc_host *h = f->host[s];
        if (!h || !h->local || f->host_app[s] == UINT16_MAX)
            continue;
        ntc__host_app *ha = &h->local->apps[f->host_app[s]];
        if (s == dir) {
            ha->pkts_sent++;
            ha->bytes_sent += bytes;
        } else {
            ha->pkts_rcvd++;
            ha->bytes_rcvd += bytes;
        }
    }
}

void ntc__l7_add(ntc_engine *e, struct ntc_flow *f, int dir, uint64_t pkts, uint64_t bytes)
{
    if (!pkts && !bytes)
        return;
    ntc__app_acct *a = &e->apps[f->app_index];
    ntc__app_acct *c = &e->cats[f->l7.category < 64 ? f->l7.category : 0];
    a->pkts[dir] += pkts;
    a->bytes[dir] += bytes;
    c->pkts[dir] += pkts;
    c->bytes[dir] += bytes;
    for (int s = 0; s < 2; s++) {
        ntc_host *h = f->host[s];
        if (!h || !h->local || f->host_app[s] == UINT16_MAX)
            continue;
        ntc__host_app *ha = &h->local->apps[f->host_app[s]];
        if (s == dir) {
            ha->pkts_sent += pkts;
            ha->bytes_sent += bytes;
        } else {
            ha->pkts_rcvd += pkts;
            ha->bytes_rcvd += bytes;
        }
    }
}

static int fill_app(const ntc__app_acct *a, uint16_t id, ntc_app_stats *out)
{
    ntc_app_stats st = {.size = out->size, .id = id, .flows = a->flows,
                        .cli2srv_packets = a->pkts[0], .cli2srv_bytes = a->bytes[0],
                        .srv2cli_packets = a->pkts[1], .srv2cli_bytes = a->bytes[1]};
    memcpy(out, &st, NTC__MIN(out->size, sizeof(st)));
    return 0;
}

/* Iterate the non-empty entries of a table (apps: ids from slots; categories: the index). */
static int walk(const ntc__app_acct *t, uint16_t n, int cats,
                int (*fn)(void *user, const ntc_app_stats *st), void *user)
{
    for (uint16_t i = 0; i < n; i++) {
        if (!t[i].flows && !t[i].pkts[0] && !t[i].pkts[1])
            continue;
        ntc_app_stats st = {.size = sizeof(st)};
        fill_app(&t[i], cats ? i : slot_id(i), &st);
        if (fn(user, &st))
            break;
    }
    return 0;
}

NTC_EXPORT int ntc_engine_foreach_app(ntc_engine *e, int categories,
                                      int (*fn)(void *user, const ntc_app_stats *st), void *user)
{
    if (!e || !fn)
        return NTC_EINVAL;
    e->in_cb++;
    int rc = categories ? walk(e->cats, NTC__L7_CATEGORY_COUNT, 1, fn, user)
                        : walk(e->apps, e->napps, 0, fn, user);
    e->in_cb--;
    return rc;
}

NTC_EXPORT int ntc_snapshot_foreach_app(const ntc_snapshot *s, int categories,
                                        int (*fn)(void *user, const ntc_app_stats *st), void *user)
{
    if (!s || !fn)
        return NTC_EINVAL;
    if (categories)
        return s->cats ? walk(s->cats, s->ncats, 1, fn, user) : 0;
    return s->apps ? walk(s->apps, s->napps, 0, fn, user) : 0;
}

NTC_EXPORT const char *ntc_engine_app_name(const ntc_engine *e, uint16_t id)
{
    if (id < NTC__L7_APP_COUNT)
        return ntc__l7_app_names[id];
    return e ? ntc__dpi_app_name(e->dpi, id) : NULL;
}

NTC_EXPORT int ntc_engine_app_info(const ntc_engine *e, uint16_t id, uint16_t *category,
                                   int *breed)
{
    if (!e || !category || !breed)
        return NTC_EINVAL;
    if (!e->dpi)
        return NTC_ENOTSUP;
    int b = ntc__dpi_app_breed(e->dpi, id);
    if (b < 0)
        return NTC_ENOKEY;
    *breed = b;
    *category = ntc__dpi_app_category(e->dpi, id);
    return 0;
}
