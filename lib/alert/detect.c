/* Detectors: SYN and ICMP floods, TCP port and host scans, servers resetting new connections
 * (windowed counters per host or host pair, in lib/alert's own bounded table), and the flow
 * alerts raised at a flow's verdict (nDPI risks, dangerous breeds, blacklisted applications).
 *
 * Floods count TCP SYNs (without ACK) and ICMP/ICMPv6 echo requests, sent and received per host.
 * Windows are fixed, aligned on multiples of their length since the epoch, in packet time: the
 * counters of a window are judged when the engine clock leaves it (the one-second tick), and an
 * alert engages or is released at the window's end. A condition engages when a window's count
 * reaches the threshold and is released at the end of the first window below it.
 *
 * Scans: a connection attempt is a client's TCP SYN; it connects when the client's ACK completes
 * the handshake. Per scan window, a port scan counts the distinct ports of one host a client
 * tried minus those it connected to, a host scan the distinct hosts it tried minus those it
 * connected to (exactly, through a set of what was seen in the window; an answer coming in the
 * next window counts there). A server resetting new connections answers SYNs with a RST. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "alert/alert.h"
#include "core/engine_int.h"
#include "ntopcore/error.h"

#define US 1000000ULL

/* Engaged bits of host entries (pair entries use bit 1 for the port scan). */
enum {
    B_SYN_ATT = 1, B_SYN_VIC = 2, B_ICMP_ATT = 4, B_ICMP_VIC = 8, B_HOST_SCAN = 16,
    B_RESETS = 32, B_PORT_SCAN = 1
};
/* Counters of host entries; pair entries count ports attempted (0) and connected to (1). */
enum { C_SYN_SENT = 0, C_SYN_RCVD, C_ICMP_SENT, C_ICMP_RCVD, C_HOSTS, C_HOSTS_OK, C_RESETS };
/* Fingerprint kinds of the scan window's set. */
enum { FP_PORT = 1, FP_HOST = 2, FP_PORT_OK = 3, FP_HOST_OK = 4 };

/* ---- the entry table ---- */

static uint64_t ent_hash(const ntc__alerts *a, int kind, uint64_t rule, const uint8_t *x,
                         const uint8_t *y, uint16_t vlan, int ipv)
{
    uint64_t w[6] = {(uint64_t)kind | (uint64_t)ipv << 8 | (uint64_t)vlan << 16, rule, 0, 0, 0, 0};
    if (x)
        memcpy(&w[2], x, 16);
    if (y)
        memcpy(&w[4], y, 16);
    return ntc__hash_words(w, 6, a->seed);
}

uint64_t ntc__episode_key(const ntc__alerts *a, int type, uint64_t rule, const uint8_t *x,
                          const uint8_t *y, uint16_t vlan, int ipv)
{
    return ent_hash(a, 100 + type, rule, x, y, vlan, ipv) | 1;
}

ntc__aent *ntc__aent_get(ntc__alerts *a, ntc__list *list, int kind, uint64_t rule,
                         const uint8_t *x, const uint8_t *y, uint16_t vlan, int ipv, int create)
{
    if (!a->tab.buckets) {
        if (!create)
            return NULL;
        uint32_t n = ntc__pow2_ceil(a->track_max);
        if (!(a->tab.buckets = calloc(n, sizeof(*a->tab.buckets)))) {
            a->st.track_full++;
            return NULL;
        }
        a->tab.mask = n - 1;
        a->mem += (uint64_t)n * sizeof(*a->tab.buckets);
    }
    uint64_t h = ent_hash(a, kind, rule, x, y, vlan, ipv);
    static const uint8_t zero[16];
    if (!x)
        x = zero;
    if (!y)
        y = zero;
    ntc__aent **b = &a->tab.buckets[h & a->tab.mask];
    for (ntc__aent *e = *b; e; e = e->hnext) {
        if (e->hash == h && e->kind == kind && e->rule == rule && e->vlan == vlan &&
            e->ipv == ipv && !memcmp(e->a, x, 16) && !memcmp(e->b, y, 16))
            return e;
    }
    if (!create)
        return NULL;
    ntc__aent *e;
    if (a->nentries >= a->track_max || !(e = calloc(1, sizeof(*e)))) {
        a->st.track_full++;
        return NULL;
    }
    e->hash = h;
    e->kind = (uint8_t)kind;
    e->rule = rule;
    e->vlan = vlan;
    e->ipv = (uint8_t)ipv;
    memcpy(e->a, x, 16);
    memcpy(e->b, y, 16);
    e->hnext = *b;
    *b = e;
    ntc__list_push_tail(list, &e->node);
    a->nentries++;
    a->tab.count++;
    return e;
}

void ntc__aent_del(ntc__alerts *a, ntc__list *list, ntc__aent *e)
{
    ntc__aent **pp = &a->tab.buckets[e->hash & a->tab.mask];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    ntc__list_remove(list, &e->node);
    a->nentries--;
    a->tab.count--;
    free(e);
}

const char *ntc__host_id(int ipv, const uint8_t *addr, uint16_t vlan, char *buf, size_t len)
{
    char s[64];
    ntc__addr_str(ipv, addr, s, sizeof(s));
    if (vlan)
        snprintf(buf, len, "%s@%u", s, vlan);
    else
        snprintf(buf, len, "%s", s);
    return buf;
}

int ntc__detect_init(ntc__alerts *a)
{
    ntc__list_init(&a->hosts);
    ntc__list_init(&a->pairs);
    for (size_t i = 0; i < NTC__ARRAY_LEN(a->thr); i++)
        ntc__list_init(&a->thr[i]);
    return 0;
}

static void free_list(ntc__alerts *a, ntc__list *l)
{
    ntc__lnode *n;
    while ((n = ntc__list_first(l)) != NULL)
        ntc__aent_del(a, l, NTC__CONTAINER_OF(n, ntc__aent, node));
}

void ntc__detect_free(ntc__alerts *a)
{
    free_list(a, &a->hosts);
    free_list(a, &a->pairs);
    for (size_t i = 0; i < NTC__ARRAY_LEN(a->thr); i++)
        free_list(a, &a->thr[i]);
    free(a->tab.buckets);
    free(a->seen);
}

/* ---- windowed host conditions ---- */

typedef struct hcond {
    int type;
    int counter;
    int minus;                /* counter subtracted from it (connections that succeeded), or -1 */
    uint8_t bit;
    int severity;
    const char *key;          /* detail key of the count */
    const char *on, *off;     /* "Host X <on|off> [<pre><count> <unit> in the last N sec]" */
    const char *pre, *unit;
} hcond;

static const hcond flood_conds[] = {
    {NTC_ALERT_SYN_FLOOD_ATTACKER, C_SYN_SENT, -1, B_SYN_ATT, NTC_ALERT_ERROR, "SYNS",
     "is a SYN flooder", "is no longer a SYN flooder", "", "SYNs sent"},
    {NTC_ALERT_SYN_FLOOD_VICTIM, C_SYN_RCVD, -1, B_SYN_VIC, NTC_ALERT_ERROR, "SYNS",
     "is under SYN flood attack", "is no longer under SYN flood attack", "", "SYNs received"},
    {NTC_ALERT_ICMP_FLOOD_ATTACKER, C_ICMP_SENT, -1, B_ICMP_ATT, NTC_ALERT_ERROR, "ECHO_REQUESTS",
     "is an ICMP flooder", "is no longer an ICMP flooder", "", "echo requests sent"},
    {NTC_ALERT_ICMP_FLOOD_VICTIM, C_ICMP_RCVD, -1, B_ICMP_VIC, NTC_ALERT_ERROR, "ECHO_REQUESTS",
     "is under ICMP flood attack", "is no longer under ICMP flood attack", "",
     "echo requests received"},
};

static const hcond scan_conds[] = {
    {NTC_ALERT_HOST_SCAN, C_HOSTS, C_HOSTS_OK, B_HOST_SCAN, NTC_ALERT_WARNING, "HOSTS",
     "is scanning hosts", "is no longer scanning hosts", "failed connections to ", "hosts"},
    {NTC_ALERT_SERVER_RESETS, C_RESETS, -1, B_RESETS, NTC_ALERT_WARNING, "RESETS",
     "is resetting new connections", "no longer resets new connections", "",
     "connections reset"},
};

static uint32_t cond_threshold(const ntc__alerts *a, int type)
{
    switch (type) {
    case NTC_ALERT_SYN_FLOOD_ATTACKER: case NTC_ALERT_SYN_FLOOD_VICTIM: return a->syn_thr;
    case NTC_ALERT_ICMP_FLOOD_ATTACKER: case NTC_ALERT_ICMP_FLOOD_VICTIM: return a->icmp_thr;
    case NTC_ALERT_HOST_SCAN: return a->host_scan_thr;
    case NTC_ALERT_SERVER_RESETS: return a->reset_thr;
    case NTC_ALERT_PORT_SCAN: return a->port_scan_thr;
    default: return 0;
    }
}

/* Build the alert of a host (or pair) condition; engage it, or release it. */
static void host_alert(ntc__alerts *a, ntc__aent *e, const hcond *c, int engage, uint32_t count,
                       uint32_t win_s, uint64_t t_us)
{
    char id[80], peer[80];
    ntc__host_id(e->ipv, e->a, e->vlan, id, sizeof(id));
    int is_pair = e->kind == NTC__E_PAIR;
    if (is_pair)
        ntc__host_id(e->ipv, e->b, e->vlan, peer, sizeof(peer));
    uint64_t key = ntc__episode_key(a, c->type, 0, e->a, is_pair ? e->b : NULL, e->vlan, e->ipv);
    ntc_alert *b;
    if (engage) {
        if (ntc__alert_is_engaged(a, key))
            return;
        b = ntc__ab_begin(a, c->type, c->severity, NTC_ALERT_ENTITY_HOST, NTC_ALERT_ENGAGED, t_us);
        ntc__ab_entity(b, "%s", id);
    } else if (!(b = ntc__alert_release_begin(a, key, t_us))) {
        return;
    }
    ntc__ab_desc(b, "Host %s %s%s%s [%s%u %s in the last %u sec]", id, engage ? c->on : c->off,
                 is_pair ? " " : "", is_pair ? peer : "", c->pre, count, c->unit, win_s);
    ntc__ab_int(b, c->key, count);
    if (is_pair)
        ntc__ab_str(b, "PEER", "%s", peer);
    ntc__ab_int(b, "WINDOW_S", win_s);
    ntc__ab_int(b, "THRESHOLD", cond_threshold(a, c->type));
    if (engage)
        ntc__alert_engage(a, key, b);
    else
        ntc__alert_release_done(a);
}

static const hcond port_scan_cond = {
    NTC_ALERT_PORT_SCAN, 0, 1, B_PORT_SCAN, NTC_ALERT_WARNING, "PORTS", "is scanning ports of",
    "is no longer scanning ports of", "failed connections to ", "ports"};

/* The count of a condition: failed attempts are attempts minus those that connected. */
static uint32_t cond_count(const ntc__aent *e, const hcond *c)
{
    uint32_t v = e->c[c->counter];
    if (c->minus >= 0)
        v -= NTC__MIN(v, e->c[c->minus]);
    return v;
}

/* Close the window `win` (length win_s) of the conditions conds[0..n) of entry e, now that the
 * clock is in window cw. Stage 1 judges the window's counts (alerts at its end) and clears them;
 * stage 2 releases what is still engaged when the next window had nothing at all (the clock
 * jumped past it: alerts at its end). Ticks run stage 1 over every entry before stage 2, so
 * alerts come in time order. */
static void close_window(ntc__alerts *a, ntc__aent *e, const hcond *conds, size_t n, uint32_t win,
                         uint32_t cw, uint32_t win_s, uint64_t now_us, int stage)
{
    for (size_t i = 0; i < n; i++) {
        const hcond *c = &conds[i];
        uint64_t end = ((uint64_t)win + 1) * win_s * US;
        if (stage & 1) {
            uint32_t thr = cond_threshold(a, c->type);
            uint32_t count = cond_count(e, c);
            if (win > cw) {
                /* The clock went back (restarted): end what was engaged now, forget the counts. */
                if (e->engaged & c->bit)
                    host_alert(a, e, c, 0, 0, win_s, now_us);
                e->engaged &= (uint8_t)~c->bit;
            } else if (thr && count >= thr) {
                if (!(e->engaged & c->bit))
                    host_alert(a, e, c, 1, count, win_s, end);
                e->engaged |= c->bit;
            } else if (e->engaged & c->bit) {
                host_alert(a, e, c, 0, count, win_s, end);
                e->engaged &= (uint8_t)~c->bit;
            }
            e->c[c->counter] = 0;
            if (c->minus >= 0)
                e->c[c->minus] = 0;
        }
        if ((stage & 2) && (e->engaged & c->bit) && win < cw && win + 1 < cw) {
            host_alert(a, e, c, 0, 0, win_s, end + (uint64_t)win_s * US);
            e->engaged &= (uint8_t)~c->bit;
        }
    }
}

static int entry_idle(const ntc__aent *e)
{
    if (e->engaged)
        return 0;
    for (size_t i = 0; i < NTC__ARRAY_LEN(e->c); i++)
        if (e->c[i])
            return 0;
    return 1;
}

static void roll_host_stage(ntc__alerts *a, ntc__aent *e, uint32_t cwf, uint32_t cws,
                            uint64_t now_us, int stage, int flood, int scan)
{
    if (flood && e->fwin != cwf) {
        close_window(a, e, flood_conds, NTC__ARRAY_LEN(flood_conds), e->fwin, cwf, a->flood_win_s,
                     now_us, stage);
        if (stage & 2)
            e->fwin = cwf;
    }
    if (scan && e->swin != cws) {
        close_window(a, e, scan_conds, NTC__ARRAY_LEN(scan_conds), e->swin, cws, a->scan_win_s,
                     now_us, stage);
        if (stage & 2)
            e->swin = cws;
    }
}

static void roll_host(ntc__alerts *a, ntc__aent *e, uint32_t cwf, uint32_t cws, uint64_t now_us)
{
    roll_host_stage(a, e, cwf, cws, now_us, 3, 1, 1);
}

static void roll_pair_stage(ntc__alerts *a, ntc__aent *e, uint32_t cws, uint64_t now_us, int stage)
{
    if (e->swin != cws) {
        close_window(a, e, &port_scan_cond, 1, e->swin, cws, a->scan_win_s, now_us, stage);
        if (stage & 2)
            e->swin = cws;
    }
}

static void roll_pair(ntc__alerts *a, ntc__aent *e, uint32_t cws, uint64_t now_us)
{
    roll_pair_stage(a, e, cws, now_us, 3);
}

static uint32_t win_of(uint64_t t_us, uint32_t win_s)
{
    return (uint32_t)(t_us / US / win_s);
}

/* The host entry of an address, rolled to the current windows (created if asked). */
static ntc__aent *host_entry(ntc__alerts *a, const uint8_t *addr, uint16_t vlan, int ipv,
                             uint64_t now_us)
{
    uint32_t cwf = win_of(now_us, a->flood_win_s), cws = win_of(now_us, a->scan_win_s);
    ntc__aent *e = ntc__aent_get(a, &a->hosts, NTC__E_HOST, 0, addr, NULL, vlan, ipv, 0);
    if (!e) {
        if (!(e = ntc__aent_get(a, &a->hosts, NTC__E_HOST, 0, addr, NULL, vlan, ipv, 1)))
            return NULL;
        e->fwin = cwf;
        e->swin = cws;
        return e;
    }
    roll_host(a, e, cwf, cws, now_us);
    return e;
}

#define FOREACH_ENTRY(list, var, code)                                                       \
    do {                                                                                     \
        ntc__lnode *n_, *next_;                                                              \
        for (n_ = (list)->head.next; n_ != &(list)->head; n_ = next_) {                      \
            next_ = n_->next;                                                                \
            ntc__aent *var = NTC__CONTAINER_OF(n_, ntc__aent, node);                         \
            code;                                                                            \
        }                                                                                    \
    } while (0)

void ntc__detect_tick(ntc__alerts *a, uint64_t boundary_us)
{
    uint32_t cwf = win_of(boundary_us, a->flood_win_s), cws = win_of(boundary_us, a->scan_win_s);
    int fl = cwf != a->fwin, sc = cws != a->swin;
    if (!fl && !sc)
        return;
    a->fwin = cwf;
    a->swin = cws;
    /* In time order: the windows that ended, then the empty windows after them. */
    for (int stage = 1; stage <= 2; stage++) {
        if (fl)
            FOREACH_ENTRY(&a->hosts, e, roll_host_stage(a, e, cwf, cws, boundary_us, stage, 1, 0));
        if (sc) {
            FOREACH_ENTRY(&a->hosts, e, roll_host_stage(a, e, cwf, cws, boundary_us, stage, 0, 1));
            FOREACH_ENTRY(&a->pairs, e, roll_pair_stage(a, e, cws, boundary_us, stage));
        }
    }
    FOREACH_ENTRY(&a->hosts, e, if (entry_idle(e)) ntc__aent_del(a, &a->hosts, e));
    if (sc) {
        FOREACH_ENTRY(&a->pairs, e, if (entry_idle(e)) ntc__aent_del(a, &a->pairs, e));
        if (a->seen && a->seen_count) {
            memset(a->seen, 0, ((size_t)a->seen_mask + 1) * sizeof(*a->seen));
            a->seen_count = 0;
        }
    }
}

/* ---- events ---- */

static void flood(ntc__alerts *a, const ntc__pkt *p, int sent_counter, uint64_t now_us)
{
    ntc__aent *s = host_entry(a, p->src, p->vlan, p->ip_version, now_us);
    if (s)
        s->c[sent_counter]++;
    ntc__aent *d = host_entry(a, p->dst, p->vlan, p->ip_version, now_us);
    if (d)
        d->c[sent_counter + 1]++;
}

/* Insert into a table of n (a power of two) slots; 1 when new, 0 when there. */
static int seen_insert(uint64_t *t, uint32_t mask, uint64_t fp)
{
    for (uint32_t i = (uint32_t)(fp >> 20) & mask;; i = (i + 1) & mask) {
        if (t[i] == fp)
            return 0;
        if (!t[i]) {
            t[i] = fp;
            return 1;
        }
    }
}

/* Add a fingerprint to the scan window's set: 1 when new, 0 when seen (or the set is full). The
 * set starts small (it stays in cache when little happens) and doubles up to 4 slots per
 * alert.track_max; it is kept at most half full, so that linear probing stays short. */
static int seen_add(ntc__alerts *a, uint64_t fp)
{
    uint32_t max = ntc__pow2_ceil(a->track_max) * 4u;
    if (!a->seen || (a->seen_count >= a->seen_mask / 2 && a->seen_mask + 1 < max)) {
        uint32_t n = a->seen ? (a->seen_mask + 1) * 2 : NTC__MIN(4096u, max);
        uint64_t *t = calloc(n, sizeof(*t));
        if (!t) {
            a->st.track_full++;
            return 0;
        }
        if (a->seen) {
            for (uint32_t i = 0; i <= a->seen_mask; i++)
                if (a->seen[i])
                    seen_insert(t, n - 1, a->seen[i]);
            a->mem -= ((uint64_t)a->seen_mask + 1) * sizeof(*a->seen);
            free(a->seen);
        }
        a->seen = t;
        a->seen_mask = n - 1;
        a->mem += (uint64_t)n * sizeof(*t);
    }
    /* Full: nothing new can be counted, and "seen" is the right answer for what was. */
    if (a->seen_count >= a->seen_mask / 2) {
        a->st.track_full++;
        return 0;
    }
    if (!seen_insert(a->seen, a->seen_mask, fp | 1))
        return 0;
    a->seen_count++;
    return 1;
}

/* Count a fingerprint's first time in the scan window on the pair (src, dst) or host entry. */
static void count_pair(ntc__alerts *a, const ntc__flow_key *k, int counter, uint64_t now_us)
{
    uint32_t cws = win_of(now_us, a->scan_win_s);
    ntc__aent *e = ntc__aent_get(a, &a->pairs, NTC__E_PAIR, 0, k->a, k->b, k->vlan, k->ip_version, 0);
    if (e) {
        roll_pair(a, e, cws, now_us);
    } else if (counter == 0 && (e = ntc__aent_get(a, &a->pairs, NTC__E_PAIR, 0, k->a, k->b,
                                                  k->vlan, k->ip_version, 1)) != NULL) {
        e->swin = cws;
    }
    if (e)
        e->c[counter]++;
}

/* A TCP connection attempt (client SYN) of flow f, or (ok) its handshake completing. Scans
 * count, per scan window, the distinct ports (of one host) and hosts a client tried, minus those
 * it connected to. */
static void attempt(ntc__alerts *a, const struct ntc_flow *f, int ok, uint64_t now_us)
{
    const ntc__flow_key *k = &f->key;
    if (a->port_scan_thr) {
        if (!seen_add(a, ent_hash(a, ok ? FP_PORT_OK : FP_PORT, k->pb, k->a, k->b, k->vlan,
                                  k->ip_version)))
            return; /* this port of this host was seen in the window: so was the host */
        count_pair(a, k, ok ? 1 : 0, now_us);
    }
    if (a->host_scan_thr &&
        seen_add(a, ent_hash(a, ok ? FP_HOST_OK : FP_HOST, 0, k->a, k->b, k->vlan, k->ip_version))) {
        ntc__aent *e = ok ? ntc__aent_get(a, &a->hosts, NTC__E_HOST, 0, k->a, NULL, k->vlan,
                                          k->ip_version, 0)
                          : host_entry(a, k->a, k->vlan, k->ip_version, now_us);
        if (e && ok)
            roll_host(a, e, win_of(now_us, a->flood_win_s), win_of(now_us, a->scan_win_s), now_us);
        if (e)
            e->c[ok ? C_HOSTS_OK : C_HOSTS]++;
    }
}

void ntc__alert_packet(ntc_engine *eng, struct ntc_flow *f, const ntc__pkt *p, int dir)
{
    ntc__alerts *a = eng->alerts;
    if (a->rs.nnet)
        ntc__thr_packet(a, f, p, f->pkts[0] + f->pkts[1] == 0);
    if (p->l4_proto == 6) {
        uint8_t fl = p->tcp_flags;
        if ((fl & 0x12) == 0x02) {
            if (a->syn_thr)
                flood(a, p, C_SYN_SENT, eng->now_us);
            if (dir == 0 && (a->port_scan_thr || a->host_scan_thr))
                attempt(a, f, 0, eng->now_us);
        } else if ((fl & 0x14) == 0x10) {
            /* The client's ACK completing the handshake: the attempt connected. */
            if (dir == 0 && f->tcp_state == NTC_TCP_SYN_RCVD && (f->flags & NTC__FLOW_CLI_SYN) &&
                (a->port_scan_thr || a->host_scan_thr))
                attempt(a, f, 1, eng->now_us);
        } else if ((fl & 0x04) && dir == 1 && f->tcp_state == NTC_TCP_SYN_SENT &&
                   (f->flags & NTC__FLOW_CLI_SYN) && a->reset_thr) {
            /* The server's first answer to a SYN is a reset: a rejected connection. */
            ntc__aent *e = host_entry(a, f->key.b, f->key.vlan, f->key.ip_version, eng->now_us);
            if (e)
                e->c[C_RESETS]++;
        }
    } else if (((p->l4_proto == 1 && p->icmp_type == 8) || (p->l4_proto == 58 && p->icmp_type == 128)) &&
               a->icmp_thr) {
        flood(a, p, C_ICMP_SENT, eng->now_us); /* echo requests: a ping flood */
    }
}

/* Judge the windows in progress now (end of input), engaging what already reached a threshold;
 * nothing is released (the windows are not over). */
static void judge_partial(ntc__alerts *a, ntc__aent *e, const hcond *conds, size_t n, uint32_t win_s,
                          uint64_t now_us)
{
    for (size_t i = 0; i < n; i++) {
        const hcond *c = &conds[i];
        uint32_t thr = cond_threshold(a, c->type), count = cond_count(e, c);
        if (thr && count >= thr && !(e->engaged & c->bit)) {
            host_alert(a, e, c, 1, count, win_s, now_us);
            e->engaged |= c->bit;
        }
    }
}

void ntc__alert_flush(ntc_engine *eng)
{
    ntc__alerts *a = eng->alerts;
    uint64_t now = eng->now_us;
    ntc__detect_tick(a, now - now % US);
    for (ntc__lnode *n = ntc__list_first(&a->hosts); n && n != &a->hosts.head; n = n->next) {
        ntc__aent *e = NTC__CONTAINER_OF(n, ntc__aent, node);
        judge_partial(a, e, flood_conds, NTC__ARRAY_LEN(flood_conds), a->flood_win_s, now);
        judge_partial(a, e, scan_conds, NTC__ARRAY_LEN(scan_conds), a->scan_win_s, now);
    }
    for (ntc__lnode *n = ntc__list_first(&a->pairs); n && n != &a->pairs.head; n = n->next)
        judge_partial(a, NTC__CONTAINER_OF(n, ntc__aent, node), &port_scan_cond, 1,
                      a->scan_win_s, now);
}

/* ---- flow alerts ---- */

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "ICMPv6";
    case 132: return "SCTP";
    default: snprintf(buf, len, "IP/%u", proto); return buf;
    }
}

/* Entity id and the details every flow alert carries. */
static void flow_common(ntc_alert *b, const struct ntc_flow *f, const char *l7name)
{
    const ntc__flow_key *k = &f->key;
    char ca[64], sa[64], pb[16];
    ntc__addr_str(k->ip_version, k->a, ca, sizeof(ca));
    ntc__addr_str(k->ip_version, k->b, sa, sizeof(sa));
    const char *pn = proto_name(k->proto, pb, sizeof(pb));
    int ports = k->proto == 6 || k->proto == 17 || k->proto == 132;
    int v6 = k->ip_version == 6;
    char vl[16] = "";
    if (k->vlan)
        snprintf(vl, sizeof(vl), " vlan %u", k->vlan);
    if (ports)
        ntc__ab_entity(b, "%s %s%s%s:%u -> %s%s%s:%u%s", pn, v6 ? "[" : "", ca, v6 ? "]" : "",
                       k->pa, v6 ? "[" : "", sa, v6 ? "]" : "", k->pb, vl);
    else
        ntc__ab_entity(b, "%s %s -> %s%s", pn, ca, sa, vl);
    ntc__ab_int(b, "FLOW_ID", (int64_t)f->id);
    ntc__ab_int(b, "PROTOCOL", k->proto);
    ntc__ab_str(b, v6 ? "IPV6_SRC_ADDR" : "IPV4_SRC_ADDR", "%s", ca);
    ntc__ab_int(b, "L4_SRC_PORT", k->pa);
    ntc__ab_str(b, v6 ? "IPV6_DST_ADDR" : "IPV4_DST_ADDR", "%s", sa);
    ntc__ab_int(b, "L4_DST_PORT", k->pb);
    if (k->vlan)
        ntc__ab_int(b, "SRC_VLAN", k->vlan);
    ntc__ab_str(b, "L7_PROTO_NAME", "%s", l7name);
    const char *cat = ntc_l7_category_name(f->l7.category), *br = ntc_l7_breed_name(f->l7.breed);
    ntc__ab_str(b, "L7_PROTO_CATEGORY", "%s", cat ? cat : "");
    ntc__ab_str(b, "L7_PROTO_BREED", "%s", br ? br : "");
    static const int meta[] = {NTC_META_TLS_SERVER_NAME, NTC_META_HTTP_HOST, NTC_META_HTTP_URL,
                               NTC_META_DNS_QUERY};
    for (size_t i = 0; i < NTC__ARRAY_LEN(meta); i++) {
        const char *v = ntc__meta_get(f->meta, meta[i]);
        if (v)
            ntc__ab_str(b, ntc_meta_name(meta[i]), "%.512s", v);
    }
}

/* Rate-limit key of a flow event: type, endpoints, server port, and what it is about. */
static uint64_t flow_rl_key(const ntc__alerts *a, int type, const struct ntc_flow *f, uint64_t what)
{
    const ntc__flow_key *k = &f->key;
    uint64_t rule = what ^ ((uint64_t)k->pb << 48) ^ ((uint64_t)k->proto << 40);
    return ntc__episode_key(a, type, rule, k->a, k->b, k->vlan, k->ip_version);
}

static int score_severity(unsigned score)
{
    return score >= 250 ? NTC_ALERT_CRITICAL : score >= 100 ? NTC_ALERT_ERROR
           : score >= 50 ? NTC_ALERT_WARNING : NTC_ALERT_INFO;
}

static void flow_risk(ntc__alerts *a, const struct ntc_flow *f, const char *l7name, uint64_t now)
{
    uint64_t risk = f->l7.risk;
    uint32_t held;
    if (!ntc__alert_admit(a, flow_rl_key(a, NTC_ALERT_FLOW_RISK, f, risk), now, &held))
        return;
    char names[1024], scores[1400];
    size_t nl = 0, sl = 0;
    unsigned worst = 0;
    names[0] = scores[0] = 0;
    for (unsigned r = 0; r < 64; r++) {
        if (!(risk >> r & 1))
            continue;
        const char *rn = ntc_l7_risk_name(r);
        char num[16];
        if (!rn) {
            snprintf(num, sizeof(num), "risk %u", r);
            rn = num;
        }
        unsigned sc = ntc__dpi_risk_score(r);
        worst = NTC__MAX(worst, sc);
        int n1 = snprintf(names + nl, sizeof(names) - nl, "%s%s", nl ? ", " : "", rn);
        int n2 = snprintf(scores + sl, sizeof(scores) - sl, "%s%s=%u", sl ? "," : "", rn, sc);
        if (n1 > 0)
            nl = NTC__MIN(nl + (size_t)n1, sizeof(names) - 1);
        if (n2 > 0)
            sl = NTC__MIN(sl + (size_t)n2, sizeof(scores) - 1);
    }
    ntc_alert *b = ntc__ab_begin(a, NTC_ALERT_FLOW_RISK, score_severity(worst),
                                 NTC_ALERT_ENTITY_FLOW, NTC_ALERT_EVENT, now);
    b->suppressed = held;
    flow_common(b, f, l7name);
    ntc__ab_desc(b, "Flow %s (%s) has risks: %s [score %u]", ntc_alert_entity_id(b), l7name, names,
                 f->l7.risk_score);
    ntc__ab_int(b, "L7_PROTO_RISK", (int64_t)risk);
    /* The flow records' L7_PROTO_RISK_NAME: names separated by commas alone. */
    char csv[1024];
    size_t k = 0;
    for (size_t i = 0; names[i] && k + 1 < sizeof(csv); i++) {
        if (names[i] == ',' && names[i + 1] == ' ') {
            csv[k++] = ',';
            i++;
        } else {
            csv[k++] = names[i];
        }
    }
    csv[k] = 0;
    ntc__ab_str(b, "L7_PROTO_RISK_NAME", "%s", csv);
    ntc__ab_int(b, "L7_RISK_SCORE", f->l7.risk_score);
    ntc__ab_str(b, "L7_RISK_SCORES", "%s", scores);
    ntc__alert_deliver(a, b);
}

void ntc__alert_verdict(ntc_engine *eng, struct ntc_flow *f)
{
    ntc__alerts *a = eng->alerts;
    if (a->rs.nnet)
        ntc__thr_verdict(a, f);
    if (f->l7.how == NTC_L7_OFF)
        return;
    int risk = a->flow_risk && f->l7.risk;
    /* An application only guessed from a port when inspection gave up (a SYN to port 23 is no
     * Telnet traffic) is no reason for these two: recognised traffic is. */
    int seen = f->l7.how == NTC_L7_DPI;
    int dangerous = seen && a->dangerous && (f->l7.breed == NTC_BREED_UNSAFE ||
                                             f->l7.breed == NTC_BREED_POTENTIALLY_DANGEROUS ||
                                             f->l7.breed == NTC_BREED_DANGEROUS);
    const ntc__blacklist *bl = NULL;
    for (size_t i = 0; seen && i < a->rs.nblack && !bl; i++) {
        const ntc__blacklist *x = &a->rs.black[i];
        if (x->is_category ? f->l7.category == x->id
                           : (f->l7.app == x->id || (f->l7.master && f->l7.master == x->id)))
            bl = x;
    }
    if (!risk && !dangerous && !bl)
        return;
    char l7name[96];
    ntc_flow_l7_name(f, l7name, sizeof(l7name));
    uint64_t now = eng->now_us;
    if (risk)
        flow_risk(a, f, l7name, now);
    uint32_t held;
    if (dangerous && ntc__alert_admit(a, flow_rl_key(a, NTC_ALERT_DANGEROUS_APP, f,
                                                     (uint64_t)f->l7.app << 16 | f->l7.master),
                                      now, &held)) {
        const char *br = ntc_l7_breed_name(f->l7.breed);
        ntc_alert *b = ntc__ab_begin(a, NTC_ALERT_DANGEROUS_APP,
                                     f->l7.breed == NTC_BREED_DANGEROUS ? NTC_ALERT_ERROR
                                                                        : NTC_ALERT_WARNING,
                                     NTC_ALERT_ENTITY_FLOW, NTC_ALERT_EVENT, now);
        b->suppressed = held;
        flow_common(b, f, l7name);
        ntc__ab_desc(b, "Flow %s carries %s, an application of the %s breed",
                     ntc_alert_entity_id(b), l7name, br ? br : "?");
        ntc__alert_deliver(a, b);
    }
    if (bl && ntc__alert_admit(a, flow_rl_key(a, NTC_ALERT_BLACKLISTED_APP, f,
                                              (uint64_t)bl->line << 1 | bl->is_category),
                               now, &held)) {
        ntc_alert *b = ntc__ab_begin(a, NTC_ALERT_BLACKLISTED_APP, bl->severity,
                                     NTC_ALERT_ENTITY_FLOW, NTC_ALERT_EVENT, now);
        b->suppressed = held;
        b->rule_line = bl->line;
        flow_common(b, f, l7name);
        if (bl->is_category) {
            const char *cn = ntc_l7_category_name(bl->id);
            ntc__ab_desc(b, "Flow %s carries %s, of the blacklisted category %s",
                         ntc_alert_entity_id(b), l7name, cn ? cn : "?");
        } else {
            const char *an = ntc__dpi_app_name(eng->dpi, bl->id);
            ntc__ab_desc(b, "Flow %s carries the blacklisted application %s",
                         ntc_alert_entity_id(b), an ? an : l7name);
        }
        ntc__alert_deliver(a, b);
    }
}

/* ---- flows that retransmit too much (flow analytics) ---- */

void ntc__alert_flow_report(ntc_engine *eng, const struct ntc_flow *f)
{
    ntc__alerts *a = eng->alerts;
    if (!a->retrans_pct || !f->ana || f->key.proto != 6)
        return;
    int worst = -1;
    double worst_pct = 0;
    for (int d = 0; d < 2; d++) {
        uint64_t n = f->pkts[d], r = f->ana->retrans[d];
        if (n < a->retrans_min || r * 100 <= n * a->retrans_pct)
            continue;
        double pct = 100.0 * (double)r / (double)n;
        if (pct > worst_pct) {
            worst_pct = pct;
            worst = d;
        }
    }
    if (worst < 0)
        return;
    uint64_t now = eng->now_us;
    uint32_t held;
    if (!ntc__alert_admit(a, flow_rl_key(a, NTC_ALERT_TCP_RETRANSMISSIONS, f, 0), now, &held))
        return;
    char l7name[96];
    if (f->l7.how == NTC_L7_OFF)
        snprintf(l7name, sizeof(l7name), "TCP");
    else
        ntc_flow_l7_name(f, l7name, sizeof(l7name));
    ntc_alert *b = ntc__ab_begin(a, NTC_ALERT_TCP_RETRANSMISSIONS,
                                 worst_pct >= 3.0 * a->retrans_pct ? NTC_ALERT_ERROR
                                                                   : NTC_ALERT_WARNING,
                                 NTC_ALERT_ENTITY_FLOW, NTC_ALERT_EVENT, now);
    b->suppressed = held;
    flow_common(b, f, l7name);
    ntc__ab_desc(b, "Flow %s (%s) retransmits %.1f%% of its %s packets [%u of %" PRIu64 "]",
                 ntc_alert_entity_id(b), l7name, worst_pct,
                 worst == 0 ? "client-to-server" : "server-to-client", f->ana->retrans[worst],
                 f->pkts[worst]);
    ntc__ab_int(b, "RETRANSMITTED_IN_PKTS", f->ana->retrans[0]);
    ntc__ab_int(b, "RETRANSMITTED_OUT_PKTS", f->ana->retrans[1]);
    ntc__ab_int(b, "IN_PKTS", (int64_t)f->pkts[0]);
    ntc__ab_int(b, "OUT_PKTS", (int64_t)f->pkts[1]);
    ntc__alert_deliver(a, b);
}
