/* Threshold rules: at the end of each minute, 5 minutes, hour and day (engine clock), the delta of
 * every rule's metric over the period is compared with its threshold; a crossing engages the
 * rule's alert for that entity, the first period without one releases it.
 *
 * Where the values come from:
 * - interface: the interface counters (whole frames for bytes), its flow total, and its
 *   application and category tables;
 * - host: the host's counters (IP bytes, sent + received), its flows as client and server, and for
 *   local hosts their application table (remote hosts keep none: their L7 metrics stay 0); a
 *   category is the sum of the host's applications whose default category it is. The value at the
 *   end of the previous period is kept per (rule, host) in lib/alert's table, so a host first seen
 *   after the period started counts from 0, and one the table had no room for is skipped (counted
 *   in track_full); a host removed during the period (idle purge, eviction) leaves its last values
 *   there and is judged on them at the period's end;
 * - network: counters the per-packet path keeps for each network rule (packets whose flow has an
 *   end in the network, bytes of flows of the right application once the verdict is known, new
 *   flows), so traffic inside the network counts once.
 * P2P bytes are those of the peer-to-peer file sharing applications (BitTorrent, eDonkey,
 * Gnutella, FastTrack, OpenFT, DirectConnect, AppleJuice, Thunder, Stealthnet); DNS bytes those of
 * DNS. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "alert/alert.h"
#include "core/engine_int.h"
#include "dpi/l7_tables.h"
#include "ntopcore/error.h"

#define US 1000000ULL

static const char *const P2P_APPS[] = {"BitTorrent", "eDonkey", "Gnutella", "FastTrack", "OpenFT",
                                       "DirectConnect", "AppleJuice", "Thunder", "Stealthnet"};

static const uint32_t PERIOD_S[6] = {0, 1, 60, 300, 3600, 86400};
static const char *const PERIOD_TEXT[6] = {"", "second", "minute", "5 minutes", "hour", "day"};

static int bit(const uint8_t *set, uint16_t slot)
{
    return set && (set[slot / 8] >> (slot % 8) & 1);
}

static uint16_t slot_id(uint16_t slot)
{
    return slot < NTC__L7_APP_COUNT ? slot : (uint16_t)(NTC_L7_CUSTOM_BASE + slot - NTC__L7_APP_COUNT);
}

static int net_match(const ntc__rule *r, int ipv, const uint8_t *addr)
{
    if (ipv != r->ip_version)
        return 0;
    unsigned full = r->prefix / 8, rest = r->prefix % 8;
    if (memcmp(addr, r->addr, full))
        return 0;
    return !rest || ((addr[full] & (uint8_t)(0xFF00u >> rest)) == r->addr[full]);
}

/* Does a classified flow count for the L7 metric of rule r? */
static int l7_match(const ntc__alerts *a, const ntc__rule *r, const struct ntc_flow *f)
{
    switch (r->metric) {
    case NTC__M_DNS_BYTES: return f->l7.app == a->dns_id;
    case NTC__M_P2P_BYTES: return bit(a->p2p_apps, ntc__alert_app_slot(f->l7.app, a->napps));
    case NTC__M_APP_BYTES: return f->l7.app == r->id;
    case NTC__M_CATEGORY_BYTES: return f->l7.category == r->id;
    default: return 0;
    }
}

void ntc__thr_packet(ntc__alerts *a, struct ntc_flow *f, const ntc__pkt *p, int is_new)
{
    for (unsigned i = 0; i < a->rs.nnet; i++) {
        ntc__rule *r = a->rs.net[i];
        if (!net_match(r, f->key.ip_version, f->key.a) && !net_match(r, f->key.ip_version, f->key.b))
            continue;
        switch (r->metric) {
        case NTC__M_BYTES: r->acc += p->ip_len; break;
        case NTC__M_PACKETS: r->acc++; break;
        case NTC__M_FLOWS: r->acc += is_new; break;
        default:
            if (f->l7.how != NTC_L7_PENDING && l7_match(a, r, f))
                r->acc += p->ip_len;
            break;
        }
    }
}

void ntc__thr_verdict(ntc__alerts *a, struct ntc_flow *f)
{
    for (unsigned i = 0; i < a->rs.nnet; i++) {
        ntc__rule *r = a->rs.net[i];
        if (r->metric < NTC__M_DNS_BYTES)
            continue;
        if ((net_match(r, f->key.ip_version, f->key.a) || net_match(r, f->key.ip_version, f->key.b)) &&
            l7_match(a, r, f))
            r->acc += f->bytes[0] + f->bytes[1]; /* the packets seen before the verdict */
    }
}

/* ---- values ---- */

static uint64_t app_bytes(const ntc__app_acct *t, uint16_t slot)
{
    return t[slot].bytes[0] + t[slot].bytes[1];
}

static uint64_t iface_value(ntc__alerts *a, const ntc__rule *r)
{
    ntc_engine *e = a->eng;
    uint64_t v = 0;
    switch (r->metric) {
    case NTC__M_BYTES: return e->st.bytes;
    case NTC__M_PACKETS: return e->st.packets;
    case NTC__M_FLOWS: return e->flows.total;
    case NTC__M_DNS_BYTES: return app_bytes(e->apps, ntc__alert_app_slot(a->dns_id, e->napps));
    case NTC__M_APP_BYTES: return app_bytes(e->apps, ntc__alert_app_slot(r->id, e->napps));
    case NTC__M_CATEGORY_BYTES: return r->id < 64 ? app_bytes(e->cats, r->id) : 0;
    case NTC__M_P2P_BYTES:
        for (uint16_t s = 0; s < e->napps && s < a->napps; s++)
            if (bit(a->p2p_apps, s))
                v += app_bytes(e->apps, s);
        return v;
    default: return 0;
    }
}

static uint64_t host_value(ntc__alerts *a, const ntc_host *h, const ntc__rule *r)
{
    switch (r->metric) {
    case NTC__M_BYTES: return h->bytes_sent + h->bytes_rcvd;
    case NTC__M_PACKETS: return h->packets_sent + h->packets_rcvd;
    case NTC__M_FLOWS: return (uint64_t)h->total_cli + h->total_srv;
    default: break;
    }
    if (!h->local)
        return 0;
    uint64_t v = 0;
    for (uint16_t i = 0; i < h->local->napps; i++) {
        const ntc__host_app *ap = &h->local->apps[i];
        uint16_t slot = ntc__alert_app_slot(ap->id, a->napps);
        int in;
        switch (r->metric) {
        case NTC__M_DNS_BYTES: in = ap->id == a->dns_id; break;
        case NTC__M_APP_BYTES: in = ap->id == r->id; break;
        case NTC__M_P2P_BYTES: in = bit(a->p2p_apps, slot); break;
        case NTC__M_CATEGORY_BYTES: in = bit(r->apps, slot); break;
        default: in = 0; break;
        }
        if (in)
            v += ap->bytes_sent + ap->bytes_rcvd;
    }
    return v;
}

static int host_matches(const ntc__rule *r, const ntc_host *h)
{
    switch (r->target) {
    case NTC__T_ADDR: return h->ip_version == r->ip_version && !memcmp(h->addr, r->addr, 16);
    case NTC__T_CIDR: return net_match(r, h->ip_version, h->addr);
    case NTC__T_LOCAL: return (h->flags & NTC__HOST_LOCAL) != 0;
    case NTC__T_REMOTE: return !(h->flags & NTC__HOST_LOCAL);
    case NTC__T_ANY: return 1;
    default: return 0;
    }
}

/* ---- alerts ---- */

/* Engage or release the threshold alert of rule r for an entity (host addr, or NULL). */
static void thr_alert(ntc__alerts *a, const ntc__rule *r, const ntc_host *h, int engage,
                      uint64_t delta, uint64_t t_us)
{
    char id[80] = "";
    int entity = NTC_ALERT_ENTITY_INTERFACE;
    char what[100];
    if (r->entity == NTC__R_HOST) {
        ntc__host_id(h->ip_version, h->addr, h->vlan, id, sizeof(id));
        entity = NTC_ALERT_ENTITY_HOST;
        snprintf(what, sizeof(what), "Host %s", id);
    } else if (r->entity == NTC__R_NETWORK) {
        snprintf(id, sizeof(id), "%s", r->target_text);
        entity = NTC_ALERT_ENTITY_NETWORK;
        snprintf(what, sizeof(what), "Network %s", id);
    } else {
        snprintf(what, sizeof(what), "Interface");
    }
    uint64_t key = ntc__episode_key(a, NTC_ALERT_THRESHOLD, r->key, h ? h->addr : NULL, NULL,
                                    h ? h->vlan : 0, h ? h->ip_version : 0);
    ntc_alert *b;
    if (engage) {
        if (ntc__alert_is_engaged(a, key))
            return;
        b = ntc__ab_begin(a, NTC_ALERT_THRESHOLD, r->severity, entity, NTC_ALERT_ENGAGED, t_us);
        b->rule_line = r->line;
        ntc__ab_entity(b, "%s", id);
        ntc__ab_desc(b, "%s crossed a threshold [%s %" PRIu64 " %c %" PRIu64 " in the last %s]",
                     what, r->metric_text, delta, r->op, r->threshold, PERIOD_TEXT[r->period]);
    } else {
        if (!(b = ntc__alert_release_begin(a, key, t_us)))
            return;
        ntc__ab_desc(b, "%s is back within a threshold [%s %" PRIu64 ", not %c %" PRIu64
                     ", in the last %s]", what, r->metric_text, delta, r->op, r->threshold,
                     PERIOD_TEXT[r->period]);
    }
    ntc__ab_str(b, "METRIC", "%s", r->metric_text);
    ntc__ab_int(b, "VALUE", delta > INT64_MAX ? INT64_MAX : (int64_t)delta);
    ntc__ab_str(b, "OPERATOR", "%c", r->op);
    ntc__ab_int(b, "THRESHOLD", r->threshold > INT64_MAX ? INT64_MAX : (int64_t)r->threshold);
    ntc__ab_str(b, "PERIOD", "%s", PERIOD_TEXT[r->period]);
    if (r->entity == NTC__R_HOST)
        ntc__ab_str(b, "RULE_TARGET", "%s", r->target_text);
    if (engage)
        ntc__alert_engage(a, key, b);
    else
        ntc__alert_release_done(a);
}

static int crossed(const ntc__rule *r, uint64_t delta)
{
    return r->op == '>' ? delta > r->threshold : delta < r->threshold;
}

/* Judge one delta; *engaged is the entity's state. */
static void judge(ntc__alerts *a, const ntc__rule *r, const ntc_host *h, uint8_t *engaged,
                  uint64_t delta, uint64_t t_us)
{
    if (crossed(r, delta)) {
        if (!*engaged)
            thr_alert(a, r, h, 1, delta, t_us);
        *engaged = 1;
    } else if (*engaged) {
        thr_alert(a, r, h, 0, delta, t_us);
        *engaged = 0;
    }
}

static uint64_t delta_of(uint64_t v, uint64_t last)
{
    return v >= last ? v - last : v; /* counters restarted (host purged and seen again) */
}

/* Release the alert of a host no longer in the table. */
static void gone_release(ntc__alerts *a, const ntc__rule *r, const ntc__aent *x, uint64_t t_us)
{
    struct ntc_host gone;
    memset(&gone, 0, sizeof(gone));
    gone.ip_version = x->ipv;
    gone.vlan = x->vlan;
    memcpy(gone.addr, x->a, 16);
    thr_alert(a, r, &gone, 0, 0, t_us);
}

static void eval_period(ntc__alerts *a, int per, uint64_t boundary_us)
{
    uint64_t len = (uint64_t)PERIOD_S[per] * US;
    uint64_t t_us = boundary_us - boundary_us % len;
    size_t nh = 0;
    for (size_t i = 0; i < a->rs.nrules; i++) {
        ntc__rule *r = &a->rs.rules[i];
        if (r->period != per)
            continue;
        if (r->entity == NTC__R_HOST) {
            nh++;
            continue;
        }
        uint64_t v = r->entity == NTC__R_NETWORK ? r->acc : iface_value(a, r);
        uint64_t d = delta_of(v, r->last);
        r->last = v;
        judge(a, r, NULL, &r->engaged, d, t_us);
    }
    if (nh) {
        uint32_t pass = ++a->pass;
        ntc_engine *e = a->eng;
        uint64_t start = a->period_start_us[per];
        for (int k = 0; k < 2; k++) {
            ntc__list *l = &e->hosts.lru[k];
            for (ntc__lnode *n = ntc__list_first(l); n && n != &l->head; n = n->next) {
                const ntc_host *h = NTC__CONTAINER_OF(n, struct ntc_host, lru);
                for (size_t i = 0; i < a->rs.nrules; i++) {
                    const ntc__rule *r = &a->rs.rules[i];
                    if (r->period != per || r->entity != NTC__R_HOST || !host_matches(r, h))
                        continue;
                    uint64_t v = host_value(a, h, r);
                    ntc__aent *x = ntc__aent_get(a, &a->thr[per], NTC__E_THR, r->key, h->addr,
                                                 NULL, h->vlan, h->ip_version, 0);
                    uint64_t d;
                    if (x && x->gone == 1) {
                        /* Removed and seen again in the period: both lives count. */
                        d = delta_of(x->final, x->last) + v;
                        x->gone = 0;
                    } else if (x) {
                        x->gone = 0;
                        d = delta_of(v, x->last);
                    } else {
                        x = ntc__aent_get(a, &a->thr[per], NTC__E_THR, r->key, h->addr, NULL,
                                          h->vlan, h->ip_version, 1);
                        if (!x)
                            continue;
                        d = v;
                        /* A host seen before the period started without a value kept for it
                         * (rules loaded since, or no room): only a baseline this time. */
                        if (h->first_us < start) {
                            x->last = v;
                            x->pass = pass;
                            continue;
                        }
                    }
                    x->last = v;
                    x->pass = pass;
                    judge(a, r, h, &x->engaged, d, t_us);
                }
            }
        }
        /* Hosts removed during the period are judged on their last values; in the period after,
         * what they still have engaged is released and they are forgotten. */
        ntc__lnode *n, *next;
        for (n = a->thr[per].head.next; n != &a->thr[per].head; n = next) {
            next = n->next;
            ntc__aent *x = NTC__CONTAINER_OF(n, ntc__aent, node);
            if (x->pass == pass)
                continue;
            const ntc__rule *r = NULL;
            for (size_t i = 0; i < a->rs.nrules && !r; i++)
                if (a->rs.rules[i].key == x->rule)
                    r = &a->rs.rules[i];
            if (r && x->gone == 1) {
                struct ntc_host gone;
                memset(&gone, 0, sizeof(gone));
                gone.ip_version = x->ipv;
                gone.vlan = x->vlan;
                memcpy(gone.addr, x->a, 16);
                judge(a, r, &gone, &x->engaged, delta_of(x->final, x->last), t_us);
                x->gone = 2;
                x->last = x->final;
                if (x->engaged)
                    continue;
            } else if (r && x->engaged) {
                gone_release(a, r, x, t_us);
            }
            ntc__aent_del(a, &a->thr[per], x);
        }
    }
    a->period_start_us[per] = t_us;
}

void ntc__alert_host_end(ntc_engine *eng, const struct ntc_host *h)
{
    ntc__alerts *a = eng->alerts;
    for (size_t i = 0; i < a->rs.nrules; i++) {
        const ntc__rule *r = &a->rs.rules[i];
        if (r->entity != NTC__R_HOST || !host_matches(r, h))
            continue;
        ntc__list *l = &a->thr[r->period];
        ntc__aent *x = ntc__aent_get(a, l, NTC__E_THR, r->key, h->addr, NULL, h->vlan,
                                     h->ip_version, 0);
        if (!x) {
            /* Seen only during this period: all its traffic is the delta. */
            if (h->first_us < a->period_start_us[r->period] ||
                !(x = ntc__aent_get(a, l, NTC__E_THR, r->key, h->addr, NULL, h->vlan,
                                    h->ip_version, 1)))
                continue;
            x->last = 0;
            x->pass = a->pass; /* not this period's pass: judged at its end */
        } else if (x->gone == 1) {
            /* Removed twice in one period: add this life to the last one. */
            x->final = x->final - NTC__MIN(x->final, x->last) + host_value(a, h, r);
            x->last = 0;
            continue;
        }
        x->final = host_value(a, h, r);
        x->gone = 1;
    }
}

void ntc__thr_tick(ntc__alerts *a, uint64_t boundary_us, unsigned periods)
{
    if (!a->rs.nrules) {
        for (int per = NTC_TICK_MINUTE; per <= NTC_TICK_DAY; per++)
            if (periods & (1u << per))
                a->period_start_us[per] = boundary_us - boundary_us % ((uint64_t)PERIOD_S[per] * US);
        return;
    }
    for (int per = NTC_TICK_MINUTE; per <= NTC_TICK_DAY; per++)
        if (periods & (1u << per))
            eval_period(a, per, boundary_us);
}

/* ---- installing rules ---- */

static uint8_t *app_set(ntc__alerts *a)
{
    return calloc((size_t)a->napps / 8 + 1, 1);
}

static int build_sets(ntc__alerts *a, ntc__ruleset *rs)
{
    if (!a->p2p_apps) {
        if (!(a->p2p_apps = app_set(a)))
            return NTC_ENOMEM;
        for (size_t i = 0; i < NTC__ARRAY_LEN(P2P_APPS); i++) {
            int id = ntc_l7_app_id(P2P_APPS[i]);
            if (id > 0) {
                uint16_t s = ntc__alert_app_slot((uint16_t)id, a->napps);
                a->p2p_apps[s / 8] |= (uint8_t)(1u << (s % 8));
            }
        }
        int dns = ntc_l7_app_id("DNS");
        a->dns_id = dns > 0 ? (uint16_t)dns : 0;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        ntc__rule *r = &rs->rules[i];
        if (r->metric != NTC__M_CATEGORY_BYTES || r->entity != NTC__R_HOST || r->apps)
            continue;
        if (!(r->apps = app_set(a)))
            return NTC_ENOMEM;
        for (uint16_t s = 1; s < a->napps; s++)
            if (ntc__dpi_app_category(a->eng->dpi, slot_id(s)) == r->id)
                r->apps[s / 8] |= (uint8_t)(1u << (s % 8));
    }
    return 0;
}

void ntc__detect_rule_gone(ntc__alerts *a, const ntc__rule *r, uint64_t time_us)
{
    if (r->entity != NTC__R_HOST) {
        if (r->engaged)
            thr_alert(a, r, NULL, 0, 0, time_us);
        return;
    }
    ntc__list *l = &a->thr[r->period];
    ntc__lnode *n, *next;
    for (n = l->head.next; n != &l->head; n = next) {
        next = n->next;
        ntc__aent *x = NTC__CONTAINER_OF(n, ntc__aent, node);
        if (x->rule != r->key)
            continue;
        if (x->engaged)
            gone_release(a, r, x, time_us);
        ntc__aent_del(a, l, x);
    }
}

void ntc__thr_install(ntc__alerts *a, ntc__ruleset *rs, uint64_t now_us)
{
    if (build_sets(a, rs) != 0) {
        /* Without the application sets, category rules of hosts would count nothing. */
        ntc__alert_log(a, NTC_LOG_WARNING, "out of memory building alert rule sets");
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        ntc__rule *r = &rs->rules[i];
        const ntc__rule *old = NULL;
        for (size_t k = 0; k < a->rs.nrules && !old; k++)
            if (a->rs.rules[k].key == r->key)
                old = &a->rs.rules[k];
        if (old) {
            r->acc = old->acc;
            r->last = old->last;
            r->engaged = old->engaged;
        } else if (r->entity == NTC__R_IFACE) {
            r->last = iface_value(a, r); /* deltas count from now */
        }
    }
    for (size_t k = 0; k < a->rs.nrules; k++) {
        const ntc__rule *old = &a->rs.rules[k];
        int kept = 0;
        for (size_t i = 0; i < rs->nrules && !kept; i++)
            kept = rs->rules[i].key == old->key;
        if (!kept)
            ntc__detect_rule_gone(a, old, now_us);
    }
    /* Released alerts of removed rules read the old set: swap only now. */
    ntc__ruleset_free(&a->rs);
    a->rs = *rs;
    memset(rs, 0, sizeof(*rs));
    /* The per-packet path walks the network rules only. */
    for (size_t i = 0, k = 0; i < a->rs.nrules && k < a->rs.nnet; i++)
        if (a->rs.rules[i].entity == NTC__R_NETWORK)
            a->rs.net[k++] = &a->rs.rules[i];
}
