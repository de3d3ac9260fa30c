/* The engine: owns the tables, runs the per-packet path and the one-second housekeeping. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alert/alert.h"
#include "collect/collect.h"
#include "core/engine_int.h"
#include "ntopcore/error.h"
#include "ntopcore/l7.h"

#define US_PER_S 1000000ULL
/* Packets read from the sources per poll call (per source for live ones). */
#define NTC__POLL_BUDGET 4096u

void ntc__engine_log(ntc_engine *eng, ntc_log_level lvl, const char *fmt, ...)
{
    if (!eng->cb.log)
        return;
    char msg[NTC__ERRMSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    eng->in_cb++;
    eng->cb.log(eng->cb_user, lvl, msg);
    eng->in_cb--;
}

static void set_error(ntc_engine *eng, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(ntc_engine *eng, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(eng->errmsg, sizeof(eng->errmsg), fmt, ap);
    va_end(ap);
}

NTC_EXPORT int ntc_engine_new(ntc_engine **out, const ntc_config *cfg)
{
    if (!out)
        return NTC_EINVAL;
    *out = NULL;
    ntc_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NTC_ENOMEM;
    pthread_mutex_init(&e->snap_lock, NULL);
    int rc = NTC_ENOMEM;
    if (!(e->cfg = ntc__config_dup(cfg)))
        goto fail;
    const ntc_config *c = e->cfg;
    uint64_t seed = (uint64_t)ntc__config_int(c, NTC__CFG_ENGINE_HASH_SEED);
    if (seed == 0)
        seed = ntc__random_seed();
    e->dec = ntc__decoder_new((uint32_t)ntc__config_int(c, NTC__CFG_DECODE_FRAG_MAX),
                              (uint64_t)ntc__config_int(c, NTC__CFG_DECODE_FRAG_TIMEOUT) * US_PER_S);
    if (!e->dec)
        goto fail;
    if ((rc = ntc__flow_table_init(&e->flows, (uint32_t)ntc__config_int(c, NTC__CFG_FLOW_MAX),
                                   (uint64_t)ntc__config_int(c, NTC__CFG_FLOW_IDLE_TIMEOUT) * US_PER_S,
                                   (uint64_t)ntc__config_int(c, NTC__CFG_FLOW_CLOSED_IDLE_TIMEOUT) * US_PER_S,
                                   seed)))
        goto fail;
    ntc__ana_cfg ana = {
        .enabled = (uint8_t)ntc__config_int(c, NTC__CFG_FLOW_ANALYTICS),
        .first_max = (uint8_t)ntc__config_int(c, NTC__CFG_FLOW_FIRST_PACKETS),
        .cid_seed = (uint16_t)ntc__config_int(c, NTC__CFG_FLOW_COMMUNITY_ID_SEED),
        .max_latency_us = (uint32_t)ntc__config_int(c, NTC__CFG_FLOW_MAX_LATENCY_MS) * 1000u,
    };
    ntc__flow_table_set_analytics(&e->flows, &ana);
    if ((rc = ntc__host_table_init(&e->hosts, (uint32_t)ntc__config_int(c, NTC__CFG_HOST_MAX),
                                   (uint64_t)ntc__config_int(c, NTC__CFG_HOST_LOCAL_IDLE_TIMEOUT) * US_PER_S,
                                   (uint64_t)ntc__config_int(c, NTC__CFG_HOST_REMOTE_IDLE_TIMEOUT) * US_PER_S,
                                   ntc__mix64(seed + 1))))
        goto fail;
    if ((rc = ntc__host_names_init(&e->hosts, (uint32_t)ntc__config_int(c, NTC__CFG_HOST_NAME_CACHE))))
        goto fail;
    if ((rc = ntc__localnets_parse(&e->hosts.nets, ntc__config_str(c, NTC__CFG_HOST_LOCAL_NETWORKS))))
        goto fail;
    rc = NTC_ENOMEM;
    if (!(e->cap = ntc__capture_new()))
        goto fail;
    e->active_timeout_us = (uint64_t)ntc__config_int(c, NTC__CFG_FLOW_ACTIVE_TIMEOUT) * US_PER_S;
    e->dpi_idle_us = (uint64_t)ntc__config_int(c, NTC__CFG_DPI_IDLE_GIVEUP) * US_PER_S;
    e->resync_us = (uint64_t)ntc__config_int(c, NTC__CFG_ENGINE_CLOCK_RESYNC) * US_PER_S;
    e->replay_pct = (uint32_t)ntc__config_int(c, NTC__CFG_CAPTURE_REPLAY_SPEED);
    e->st.size = sizeof(e->st);
    ntc__list_init(&e->pending);
    if (ntc__config_int(c, NTC__CFG_DPI_ENABLE) &&
        (rc = ntc__dpi_new(&e->dpi, c, e->errmsg, sizeof(e->errmsg))) != 0) {
        /* Hand the engine back so the caller can read the message, then free it. */
        *out = e;
        return rc;
    }
    e->napps = ntc__dpi_app_count(e->dpi);
    if (!(e->apps = calloc(e->napps, sizeof(*e->apps)))) {
        rc = NTC_ENOMEM;
        goto fail;
    }
    if ((rc = ntc__alert_new(e)) != 0) {
        *out = e; /* errmsg names the key, or FILE:LINE of the rules */
        return rc;
    }
    *out = e;
    return 0;
fail:
    ntc_engine_free(e);
    return rc;
}

NTC_EXPORT void ntc_engine_free(ntc_engine *e)
{
    if (!e)
        return;
    ntc__capture_free(e->cap);
    ntc__alert_free(e->alerts);
    e->alerts = NULL;
    if (e->flows.buckets)
        ntc__flow_table_destroy(&e->flows);
    if (e->hosts.buckets)
        ntc__host_table_destroy(&e->hosts);
    ntc__decoder_free(e->dec);
    ntc__dpi_free(e->dpi);
    free(e->apps);
    ntc_config_free(e->cfg);
    pthread_mutex_lock(&e->snap_lock);
    ntc_snapshot *s = e->snap;
    e->snap = NULL;
    pthread_mutex_unlock(&e->snap_lock);
    ntc_snapshot_release(s);
    pthread_mutex_destroy(&e->snap_lock);
    free(e);
}

NTC_EXPORT const char *ntc_engine_errmsg(const ntc_engine *e)
{
    return e ? e->errmsg : "";
}

NTC_EXPORT int ntc_engine_set_callbacks(ntc_engine *e, const ntc_callbacks *cb, void *user)
{
    if (!e)
        return NTC_EINVAL;
    if (!cb) {
        memset(&e->cb, 0, sizeof(e->cb));
        e->cb_user = NULL;
        return 0;
    }
    if (cb->version == 0 || cb->version > NTC_CALLBACKS_VERSION) {
        set_error(e, "callback table version %u is not supported (this library knows %d)",
                  cb->version, NTC_CALLBACKS_VERSION);
        return NTC_EINVAL;
    }
    /* Copy only the members the caller's version has (an older table is shorter). */
    static const size_t cb_size[] = {0, offsetof(ntc_callbacks, packet),
                                     offsetof(ntc_callbacks, alert), sizeof(ntc_callbacks)};
    memset(&e->cb, 0, sizeof(e->cb));
    memcpy(&e->cb, cb, cb_size[cb->version]);
    e->cb_user = user;
    return 0;
}

/* ---- ending flows and hosts ---- */

static void host_end_cb(void *u, const ntc_host *h)
{
    ntc_engine *e = u;
    if (h->local)
        ntc__host_tp_settle(h->local, e->now_us);
    if (e->alerts)
        ntc__alert_host_end(e, h);
    if (e->cb.host_end) {
        e->in_cb++;
        e->cb.host_end(e->cb_user, h);
        e->in_cb--;
    }
}

/* A flow's verdict became final: it leaves the list of flows being inspected. */
static void verdict_done(ntc_engine *e, struct ntc_flow *f)
{
    ntc__list_remove(&e->pending, &f->plru);
    e->inspecting--;
    /* Flow alerts first: whoever acts on them (ntop-dump's marks) does so before the verdict
     * callback decides the flow's held packets. */
    if (e->alerts)
        ntc__alert_verdict(e, f);
    ntc__l7_classified(e, f);
}

/* Hand a flow out (it ends, or reached its active timeout): throughput settled to the clock, the
 * retransmission-rate detector, the flow_end callback. */
static void report_flow(ntc_engine *e, struct ntc_flow *f, ntc_flow_end_reason why)
{
    if (f->ana)
        ntc__ana_settle(f->ana, e->now_us);
    if (e->alerts)
        ntc__alert_flow_report(e, f);
    if (e->cb.flow_end) {
        e->in_cb++;
        e->cb.flow_end(e->cb_user, f, why);
        e->in_cb--;
    }
}

static void end_flow(ntc_engine *e, struct ntc_flow *f, ntc_flow_end_reason why)
{
    if (f->dpi) {
        ntc__dpi_finish(e->dpi, f);
        verdict_done(e, f);
    }
    report_flow(e, f, why);
    ntc__flow_remove(&e->flows, f);
}

static void expire_flows(ntc_engine *e)
{
    for (int k = 0; k < 2; k++) {
        struct ntc_flow *f;
        while ((f = ntc__flow_expired_head(&e->flows, k, e->now_us)) != NULL) {
            e->flows.expired++;
            end_flow(e, f, NTC_FLOW_END_IDLE);
        }
    }
}

/* Flows idle for dpi.idle_giveup seconds get their verdict now, so that their nDPI state (about
 * 700 bytes) does not stay until they expire. The lists are ordered by last activity: only the
 * flows idle that long are looked at. */
static void giveup_idle(ntc_engine *e)
{
    if (!e->dpi || !e->dpi_idle_us)
        return;
    ntc__lnode *n;
    while ((n = ntc__list_first(&e->pending)) != NULL) {
        struct ntc_flow *f = NTC__CONTAINER_OF(n, struct ntc_flow, plru);
        if (e->now_us <= f->last_us || e->now_us - f->last_us <= e->dpi_idle_us)
            break;
        ntc__dpi_finish(e->dpi, f);
        verdict_done(e, f);
    }
}

/* ---- ticks ---- */

/* The one-second boundary after `boundary`; UINT64_MAX (never a boundary) when it would not fit in
 * 64 bits (a capture file can date packets in the last second of the 64-bit clock). */
static uint64_t next_second(uint64_t boundary)
{
    return boundary <= UINT64_MAX - US_PER_S ? boundary + US_PER_S : UINT64_MAX;
}

static void fire_tick(ntc_engine *e, ntc_tick t)
{
    if (e->cb.tick) {
        e->in_cb++;
        e->in_tick++;
        e->cb.tick(e->cb_user, t, e->now_us);
        e->in_tick--;
        e->in_cb--;
    }
}

static void on_tick(ntc_engine *e)
{
    uint64_t boundary = e->now_us - e->now_us % US_PER_S;
    if (e->last_tick_us && boundary > e->last_tick_us) {
        double dt = (double)(boundary - e->last_tick_us) / (double)US_PER_S;
        e->st.bps = (double)(e->st.bytes - e->tick_bytes) * 8.0 / dt;
        e->st.pps = (double)(e->st.packets - e->tick_packets) / dt;
        if (e->st.bps > e->st.peak_bps)
            e->st.peak_bps = e->st.bps;
        if (e->st.pps > e->st.peak_pps)
            e->st.peak_pps = e->st.pps;
    }
    e->tick_bytes = e->st.bytes;
    e->tick_packets = e->st.packets;
    e->last_tick_us = boundary;
    e->next_tick_us = next_second(boundary);

    uint64_t s = boundary / US_PER_S;
    expire_flows(e);
    giveup_idle(e);
    if (e->alerts) /* after the verdicts that were due (L7 traffic counted), before hosts go */
        ntc__alert_tick(e, boundary, (s / 60 != e->minute) << NTC_TICK_MINUTE |
                                         (s / 300 != e->five_min) << NTC_TICK_FIVE_MINUTES |
                                         (s / 3600 != e->hour) << NTC_TICK_HOUR |
                                         (s / 86400 != e->day) << NTC_TICK_DAY);
    ntc__host_table_expire(&e->hosts, e->now_us, host_end_cb, e);
    if (ntc__capture_live_count(e->cap) > 0)
        ntc__capture_stats(e->cap, &e->st.kernel_received, &e->st.kernel_dropped, &e->st.ifdrops);

    fire_tick(e, NTC_TICK_SECOND);
    if (s / 60 != e->minute)
        fire_tick(e, NTC_TICK_MINUTE);
    if (s / 300 != e->five_min)
        fire_tick(e, NTC_TICK_FIVE_MINUTES);
    if (s / 3600 != e->hour)
        fire_tick(e, NTC_TICK_HOUR);
    if (s / 86400 != e->day)
        fire_tick(e, NTC_TICK_DAY);
    e->minute = s / 60;
    e->five_min = s / 300;
    e->hour = s / 3600;
    e->day = s / 86400;
    if (atomic_load_explicit(&e->snap_wanted, memory_order_relaxed))
        ntc__engine_publish_snapshot(e);
}

static void advance_clock(ntc_engine *e, uint64_t ts)
{
    if (ts > e->now_us) {
        e->now_us = ts;
        if (ts >= e->next_tick_us && e->next_tick_us != UINT64_MAX)
            on_tick(e);
    }
}

/* Set the clock and the tick boundaries to ts (first packet, resync). */
static void set_clock(ntc_engine *e, uint64_t ts)
{
    e->now_us = ts;
    e->next_tick_us = next_second(ts - ts % US_PER_S);
    e->last_tick_us = ts - ts % US_PER_S;
    e->tick_bytes = e->st.bytes;
    e->tick_packets = e->st.packets;
    uint64_t sec = ts / US_PER_S;
    e->minute = sec / 60;
    e->five_min = sec / 300;
    e->hour = sec / 3600;
    e->day = sec / 86400;
}

/* A packet far behind the clock (engine.clock_resync): the clock had been pulled forward by a
 * bogus timestamp, or the input went back in time. Following the old clock would stamp every
 * later packet with it and nothing would expire; so the flows and hosts of the old time end
 * (reason flush) and the clock restarts from this packet. Counted in clock_resyncs. */
static void resync_clock(ntc_engine *e, uint64_t ts)
{
    e->st.clock_resyncs++;
    ntc__engine_log(e, NTC_LOG_WARNING,
                    "packet time went back %.0f s (from %.6f to %.6f): flows and hosts of the "
                    "old time ended, clock restarted",
                    (double)(e->now_us - ts) / 1e6, (double)e->now_us / 1e6, (double)ts / 1e6);
    struct ntc_flow *f;
    while ((f = ntc__flow_oldest(&e->flows)) != NULL)
        end_flow(e, f, NTC_FLOW_END_FLUSH);
    ntc__host_table_clear(&e->hosts, host_end_cb, e);
    set_clock(e, ts);
    e->st.first_us = ts; /* uptime restarts with the clock */
}

/* ---- per-packet path ---- */

static ntc_host *attach_host(ntc_engine *e, const uint8_t *addr, int ipv, uint16_t vlan)
{
    return ntc__host_get(&e->hosts, ipv, addr, vlan, e->now_us, host_end_cb, e);
}

/* A new flow with its hosts, making room first when the table is full (packets and collected
 * records alike). NULL when out of memory. */
static struct ntc_flow *alloc_flow(ntc_engine *e, const ntc__pkt *p, uint32_t hash, int *dir)
{
    if (e->flows.count >= e->flows.max) {
        struct ntc_flow *old = ntc__flow_oldest(&e->flows);
        if (old) {
            e->flows.evicted++;
            end_flow(e, old, NTC_FLOW_END_EVICTED);
        }
    }
    struct ntc_flow *f = ntc__flow_create(&e->flows, p, hash, e->now_us, dir);
    if (!f)
        return NULL;
    /* Count the client's flow before looking up the server, so that making room for the server
     * can never evict the client. */
    ntc_host *c = attach_host(e, f->key.a, f->key.ip_version, f->key.vlan);
    if (c) {
        c->active_cli++;
        c->total_cli++;
    }
    f->host[0] = c;
    ntc_host *s = attach_host(e, f->key.b, f->key.ip_version, f->key.vlan);
    if (s) {
        s->active_srv++;
        s->total_srv++;
    }
    f->host[1] = s;
    return f;
}

static struct ntc_flow *new_flow(ntc_engine *e, const ntc__pkt *p, uint32_t hash, int *dir)
{
    struct ntc_flow *f = alloc_flow(e, p, hash, dir);
    if (!f)
        return NULL;
    if (e->dpi && ntc__dpi_flow_start(e->dpi, f) == 0) {
        f->l7.how = NTC_L7_PENDING;
        e->inspecting++;
        ntc__list_push_tail(&e->pending, &f->plru);
    } else {
        f->l7.how = NTC_L7_OFF;
        ntc__l7_classified(e, f);
    }
    return f;
}

static void account_l4(ntc_iface_stats *st, const ntc__pkt *p)
{
    switch (p->l4_proto) {
    case 6: st->tcp_packets++; st->tcp_bytes += p->ip_len; break;
    case 17: st->udp_packets++; st->udp_bytes += p->ip_len; break;
    case 1: case 58: st->icmp_packets++; st->icmp_bytes += p->ip_len; break;
    default: st->other_l4_packets++; st->other_l4_bytes += p->ip_len; break;
    }
}

/* A local host's share of a packet: TCP health findings and throughput. d = 0 when it sent the
 * packet; peer is the other end's host (NULL when it could not be created) at peer_addr. */
static void account_local(ntc_engine *e, ntc__host_local *l, int d, unsigned ta, const ntc__pkt *p,
                          const ntc_host *peer, const uint8_t *peer_addr)
{
    if (ta) {
        l->tcp[d][NTC__HTCP_RETRANS] += (ta & NTC__TA_RETRANS) != 0;
        l->tcp[d][NTC__HTCP_OOO] += (ta & NTC__TA_OOO) != 0;
        l->tcp[d][NTC__HTCP_LOST] += (ta & NTC__TA_LOST) != 0;
        l->tcp[d][NTC__HTCP_ZERO_WIN] += (ta & NTC__TA_ZERO_WIN) != 0;
        l->tcp[d][NTC__HTCP_KEEPALIVE] += (ta & NTC__TA_KEEPALIVE) != 0;
    }
    int remote = peer ? !(peer->flags & NTC__HOST_LOCAL)
                      : !ntc__localnets_match(&e->hosts.nets, p->ip_version, peer_addr);
    ntc__host_tp_packet(l, d, p->ip_len, remote, e->now_us);
}

static int process(ntc_engine *e, int lt, uint64_t ts, const uint8_t *data, uint32_t caplen,
                   uint32_t wirelen)
{
    if (wirelen < caplen)
        wirelen = caplen;
    if (e->st.packets == 0) {
        e->st.first_us = ts;
        set_clock(e, ts);
    } else if (ts < e->now_us && e->now_us - ts > e->resync_us) {
        resync_clock(e, ts);
    } else {
        advance_clock(e, ts);
    }
    ntc_iface_stats *st = &e->st;
    st->packets++;
    st->bytes += wirelen;

    ntc__pkt p;
    ntc__dec_result r = ntc__decode(e->dec, lt, e->now_us, data, caplen, wirelen, &p);
    if (r == NTC__DEC_NONIP) {
        st->nonip_packets++;
        st->nonip_bytes += wirelen;
        return 0;
    }
    if (r != NTC__DEC_IP) {
        unsigned why = p.error < NTC_DECODE_ERROR_SLOTS ? p.error : NTC_DECODE_ERROR_SLOTS - 1;
        st->decode_errors[why]++;
        st->decode_errors_total++;
        return p.error == NTC_DECODE_UNKNOWN_LINKTYPE ? NTC_ENOTSUP : 0;
    }
    /* Start fetching the flow's hash bucket while the counters below are updated. */
    uint32_t hash = ntc__flow_hash(&e->flows, &p);
    __builtin_prefetch(&e->flows.buckets[hash & e->flows.mask]);
    st->ip_packets++;
    st->ip_bytes += p.outer_ip_len;
    if (p.ip_version == 4)
        st->ipv4_packets++;
    else
        st->ipv6_packets++;
    account_l4(st, &p);
    st->fragments += p.frag != NTC__FRAG_NONE;
    st->tunnelled_packets += p.tunnel != 0;
    st->vlan_packets += p.has_vlan;
    st->mpls_packets += p.has_mpls;
    st->pppoe_packets += p.has_pppoe;
    if (p.frag_dropped) {
        st->decode_errors[NTC_DECODE_FRAG_DROPPED]++;
        st->decode_errors_total++;
    }

    int dir;
    struct ntc_flow *f = ntc__flow_find(&e->flows, &p, hash, &dir);
    if (!f && !(f = new_flow(e, &p, hash, &dir)))
        return NTC_ENOMEM;
    if (ntc__flow_orient(f, &p, &dir)) {
        uint16_t t = f->host_app[0];
        f->host_app[0] = f->host_app[1];
        f->host_app[1] = t;
        if (!f->dpi)
            ntc__l7_swapped(e, f);
    }
    e->pkt_flow = f, e->pkt_dir = dir; /* for the packet callback (process_hooked) */
    if (e->alerts)
        ntc__alert_packet(e, f, &p, dir);
    uint64_t prev_s = f->last_us / US_PER_S;
    unsigned ta = ntc__flow_update(&e->flows, f, &p, dir, e->now_us);
    if (f->dpi) {
        if (ntc__dpi_packet(e->dpi, f, &p, e->now_us)) {
            verdict_done(e, f);
        } else if (prev_s != e->now_us / US_PER_S && e->pending.head.prev != &f->plru) {
            ntc__list_remove(&e->pending, &f->plru);
            ntc__list_push_tail(&e->pending, &f->plru);
        }
    } else {
        ntc__l7_packet(e, f, dir, p.ip_len);
    }

    if (ta) {
        st->tcp_retransmissions += (ta & NTC__TA_RETRANS) != 0;
        st->tcp_out_of_order += (ta & NTC__TA_OOO) != 0;
        st->tcp_lost_segments += (ta & NTC__TA_LOST) != 0;
        st->tcp_zero_windows += (ta & NTC__TA_ZERO_WIN) != 0;
        st->tcp_keepalives += (ta & NTC__TA_KEEPALIVE) != 0;
    }

    ntc_host *src = f->host[dir], *dst = f->host[1 - dir];
    if (src) {
        src->packets_sent++;
        src->bytes_sent += p.ip_len;
        ntc__host_touch(&e->hosts, src, e->now_us);
        if (src->local) {
            if (p.src_mac) {
                memcpy(src->local->mac, p.src_mac, 6);
                src->local->has_mac = 1;
            }
            account_local(e, src->local, 0, ta, &p, dst, p.dst);
        }
    }
    if (dst) {
        dst->packets_rcvd++;
        dst->bytes_rcvd += p.ip_len;
        ntc__host_touch(&e->hosts, dst, e->now_us);
        if (dst->local)
            account_local(e, dst->local, 1, ta, &p, src, p.src);
    }
    if (e->active_timeout_us && e->now_us - f->last_report_us >= e->active_timeout_us) {
        f->last_report_us = e->now_us;
        report_flow(e, f, NTC_FLOW_END_ACTIVE);
    }
    return 0;
}

/* process(), then the packet callback (callbacks version 2) with the flow process() found. The
 * flow is still in the table when process() returns: flows end only before a packet's own flow is
 * looked up (clock, eviction). Without the callback this costs one test per packet. */
static int process_hooked(ntc_engine *e, int lt, uint64_t ts, const uint8_t *data, uint32_t caplen,
                          uint32_t wirelen)
{
    if (!e->cb.packet)
        return process(e, lt, ts, data, caplen, wirelen);
    e->pkt_flow = NULL;
    int rc = process(e, lt, ts, data, caplen, wirelen);
    struct ntc_flow *f = e->pkt_flow;
    e->pkt_flow = NULL;
    e->in_cb++;
    e->cb.packet(e->cb_user, f, f ? e->pkt_dir : -1, ts, lt, data, caplen,
                 wirelen < caplen ? caplen : wirelen);
    e->in_cb--;
    return rc;
}

NTC_EXPORT int ntc_engine_ingest(ntc_engine *e, int linktype, uint64_t ts_us, const uint8_t *data,
                                 uint32_t caplen, uint32_t wirelen)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || (!data && caplen))
        return NTC_EINVAL;
    static const uint8_t empty[1];
    if (linktype == 12 || linktype == 14)
        linktype = NTC_LINKTYPE_RAW; /* DLT_RAW as pcap_datalink() reports it */
    return process_hooked(e, linktype, ts_us, data ? data : empty, caplen, wirelen);
}

/* ---- sources ---- */

static void deliver(void *user, const ntc__cap_pkt *pkt)
{
    process_hooked(user, pkt->linktype, pkt->ts_us, pkt->data, pkt->caplen, pkt->wirelen);
}

NTC_EXPORT int ntc_engine_open_file(ntc_engine *e, const char *path)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !path)
        return NTC_EINVAL;
    return ntc__capture_add_file(e->cap, path, ntc__config_str(e->cfg, NTC__CFG_CAPTURE_FILTER),
                                 e->errmsg, sizeof(e->errmsg));
}

static void add_system_addr(void *user, int ipv, const uint8_t *addr)
{
    ntc_engine *e = user;
    ntc__localnets_add(&e->hosts.nets, ipv, addr, ipv == 4 ? 32 : 128, 1);
}

NTC_EXPORT int ntc_engine_open_live(ntc_engine *e, const char *ifname)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !ifname)
        return NTC_EINVAL;
    ntc__live_opts o = {
        .snaplen = (int)ntc__config_int(e->cfg, NTC__CFG_CAPTURE_SNAPLEN),
        .promisc = (int)ntc__config_int(e->cfg, NTC__CFG_CAPTURE_PROMISC),
        .buffer_mb = (int)ntc__config_int(e->cfg, NTC__CFG_CAPTURE_BUFFER_MB),
    };
    int rc = ntc__capture_add_live(e->cap, ifname, &o,
                                   ntc__config_str(e->cfg, NTC__CFG_CAPTURE_FILTER), e->errmsg,
                                   sizeof(e->errmsg));
    if (rc == 0)
        ntc__capture_iface_addresses(ifname, add_system_addr, e);
    return rc;
}

NTC_EXPORT int ntc_engine_source_count(const ntc_engine *e)
{
    return e ? ntc__capture_count(e->cap) : 0;
}

/* Paced replay: let through the file packets due by now (wall time mapped to packet time from the
 * first packet), waiting up to timeout_ms for the next one when nothing else is to be read. While
 * the replay waits through a gap, the engine clock follows the paced time, so ticks (and snapshots)
 * happen as they did when the capture was recorded. Returns 0, or a source error. */
static int pace_files(ntc_engine *e, int timeout_ms, uint64_t *limit, char *err, size_t errlen)
{
    uint64_t next;
    int r = ntc__capture_next_file_ts(e->cap, &next, err, errlen);
    if (r <= 0) {
        ntc__capture_set_file_limit(e->cap, UINT64_MAX);
        return r;
    }
    uint64_t wall = ntc__mono_us();
    /* Start, or re-anchor after a jump of the input's time (a step back, or a gap longer than
     * engine.clock_resync): paced replay goes on from the packet after the jump. */
    if (!e->replay_started || (e->st.packets > 0 && (next + e->resync_us < e->now_us ||
                                                     next > e->now_us + e->resync_us))) {
        e->replay_started = 1;
        e->replay_origin_pkt = next;
        e->replay_origin_wall = wall;
    }
    *limit = e->replay_origin_pkt + (wall - e->replay_origin_wall) * e->replay_pct / 100u;
    if (next > *limit && ntc__capture_live_count(e->cap) == 0 && timeout_ms != 0) {
        uint64_t wait_us = (next - *limit) * 100u / e->replay_pct + 1;
        /* Never sleep long: ntc_engine_stop() is checked between polls. */
        uint64_t cap_us = timeout_ms > 0 ? (uint64_t)timeout_ms * 1000u : 100000u;
        if (wait_us > cap_us)
            wait_us = cap_us;
        if (e->st.packets > 0)
            advance_clock(e, *limit);
        struct timespec ts = {(time_t)(wait_us / US_PER_S), (long)(wait_us % US_PER_S) * 1000};
        nanosleep(&ts, NULL);
        wall = ntc__mono_us();
        *limit = e->replay_origin_pkt + (wall - e->replay_origin_wall) * e->replay_pct / 100u;
    }
    ntc__capture_set_file_limit(e->cap, *limit);
    return 0;
}

static int poll_budget(ntc_engine *e, int timeout_ms, unsigned budget)
{
    if (ntc__capture_count(e->cap) == 0)
        return NTC_EOF;
    char err[NTC__ERRMSG_LEN];
    err[0] = 0;
    uint64_t limit = 0;
    int n = 0;
    if (e->replay_pct && ntc__capture_count(e->cap) > ntc__capture_live_count(e->cap))
        n = pace_files(e, timeout_ms, &limit, err, sizeof(err));
    if (n == 0)
        n = ntc__capture_poll(e->cap, timeout_ms, budget, deliver, e, err, sizeof(err));
    if (n == 0 && limit && e->st.packets > 0)
        advance_clock(e, limit);
    if (n < 0 && n != NTC_EOF) {
        memcpy(e->errmsg, err, sizeof(e->errmsg));
        ntc__engine_log(e, NTC_LOG_ERROR, "%s", err);
    } else if (n == 0 && ntc__capture_live_count(e->cap) > 0) {
        /* Idle live link: wall time moves the clock so flows still expire. */
        uint64_t wall = ntc__wall_us();
        if (e->st.packets > 0)
            advance_clock(e, wall);
    }
    if (n == NTC_EOF && ntc__capture_live_count(e->cap) == 0)
        ntc__capture_stats(e->cap, &e->st.kernel_received, &e->st.kernel_dropped, &e->st.ifdrops);
    return n;
}

NTC_EXPORT int ntc_engine_poll(ntc_engine *e, int timeout_ms)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e)
        return NTC_EINVAL;
    return poll_budget(e, timeout_ms, NTC__POLL_BUDGET);
}

NTC_EXPORT int ntc_engine_run(ntc_engine *e, uint64_t max_packets)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e)
        return NTC_EINVAL;
    uint64_t done = 0;
    int first_err = 0;
    while (!atomic_load(&e->stop)) {
        unsigned budget = NTC__POLL_BUDGET;
        if (max_packets && max_packets - done < budget)
            budget = (unsigned)(max_packets - done);
        int live = ntc__capture_live_count(e->cap) > 0;
        int n = poll_budget(e, live || e->replay_pct ? 100 : 0, budget);
        if (n == NTC_EOF)
            break;
        if (n < 0) {
            if (!first_err)
                first_err = n;
            continue;
        }
        done += (uint64_t)n;
        if (max_packets && done >= max_packets)
            break;
    }
    atomic_store(&e->stop, 0);
    return first_err;
}

NTC_EXPORT void ntc_engine_stop(ntc_engine *e)
{
    if (e)
        atomic_store(&e->stop, 1);
}

NTC_EXPORT int ntc_engine_advance(ntc_engine *e, uint64_t now_us)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e)
        return NTC_EINVAL;
    if (e->st.packets == 0)
        return 0;
    advance_clock(e, now_us);
    return 0;
}

NTC_EXPORT int ntc_engine_flush(ntc_engine *e)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e)
        return NTC_EINVAL;
    if (e->alerts)
        ntc__alert_flush(e);
    struct ntc_flow *f;
    while ((f = ntc__flow_oldest(&e->flows)) != NULL)
        end_flow(e, f, NTC_FLOW_END_FLUSH);
    ntc__host_table_clear(&e->hosts, host_end_cb, e);
    return 0;
}

NTC_EXPORT int ntc_engine_flush_some(ntc_engine *e, size_t max_flows)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e)
        return NTC_EINVAL;
    struct ntc_flow *f;
    size_t n = 0;
    while ((max_flows == 0 || n < max_flows) && (f = ntc__flow_oldest(&e->flows)) != NULL) {
        end_flow(e, f, NTC_FLOW_END_FLUSH);
        n++;
    }
    if (e->flows.count == 0) {
        ntc__host_table_clear(&e->hosts, host_end_cb, e);
        return 0;
    }
    return e->flows.count > INT32_MAX ? INT32_MAX : (int)e->flows.count;
}

/* ---- reading ---- */

void ntc__engine_fill_stats(const ntc_engine *e, ntc_iface_stats *st)
{
    *st = e->st;
    st->size = sizeof(*st);
    st->last_us = e->now_us;
    st->uptime_us = e->st.packets ? e->now_us - e->st.first_us : 0;
    st->flows_active = e->flows.count;
    st->flows_total = e->flows.total;
    st->flows_expired = e->flows.expired;
    st->flows_evicted = e->flows.evicted;
    st->hosts_active = e->hosts.lru[0].count + e->hosts.lru[1].count;
    st->hosts_local = e->hosts.local_count;
    st->hosts_total = e->hosts.total;
    st->hosts_purged = e->hosts.purged;
    st->hosts_evicted = e->hosts.evicted;
    st->hosts_not_created = e->hosts.not_created;
    st->flow_bytes = ntc__flow_entry_bytes(&e->flows);
    st->host_bytes = ntc__host_entry_bytes(0);
    st->flows_inspecting = e->inspecting;
    st->dpi_state_bytes = e->dpi ? ntc__dpi_state_bytes() : 0;
    st->memory_bytes = ntc__alert_memory(e->alerts) +
                       (uint64_t)e->inspecting * st->dpi_state_bytes + e->flows.meta_bytes +
                       e->hosts.extra_bytes +
                       (uint64_t)e->flows.count * (sizeof(struct ntc_flow) + e->flows.ana_size) +
                       ((uint64_t)e->flows.mask + 1) * sizeof(struct ntc_flow *) +
                       (uint64_t)(st->hosts_active) * sizeof(struct ntc_host) +
                       ((uint64_t)e->hosts.mask + 1) * sizeof(struct ntc_host *);
}

NTC_EXPORT int ntc_engine_get_iface_stats(const ntc_engine *e, ntc_iface_stats *out)
{
    if (!e || !out || out->size < offsetof(ntc_iface_stats, packets))
        return NTC_EINVAL;
    ntc_iface_stats st;
    ntc__engine_fill_stats(e, &st);
    size_t n = NTC__MIN(out->size, sizeof(st));
    st.size = out->size;
    memcpy(out, &st, n);
    return 0;
}

/* The tables may be walked from the tick callback itself (not from a walk, nor from the other
 * callbacks, which run while a flow or host is being removed). */
NTC_EXPORT int ntc_engine_foreach_flow(ntc_engine *e, int (*fn)(void *user, const ntc_flow *flow),
                                       void *user)
{
    if (e && e->in_cb && !ntc__engine_walk_allowed(e))
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !fn)
        return NTC_EINVAL;
    e->in_cb++;
    for (int k = 0; k < 2; k++) {
        for (ntc__lnode *n = ntc__list_first(&e->flows.lru[k]); n && n != &e->flows.lru[k].head;
             n = n->next) {
            struct ntc_flow *f = NTC__CONTAINER_OF(n, struct ntc_flow, lru);
            if (f->ana)
                ntc__ana_settle(f->ana, e->now_us);
            if (fn(user, f))
                goto out;
        }
    }
out:
    e->in_cb--;
    return 0;
}

NTC_EXPORT int ntc_engine_foreach_host(ntc_engine *e, int (*fn)(void *user, const ntc_host *host),
                                       void *user)
{
    if (e && e->in_cb && !ntc__engine_walk_allowed(e))
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !fn)
        return NTC_EINVAL;
    e->in_cb++;
    for (int k = 0; k < 2; k++) {
        for (ntc__lnode *n = ntc__list_first(&e->hosts.lru[k]); n && n != &e->hosts.lru[k].head;
             n = n->next) {
            struct ntc_host *h = NTC__CONTAINER_OF(n, struct ntc_host, lru);
            if (h->local)
                ntc__host_tp_settle(h->local, e->now_us);
            if (fn(user, h))
                goto out;
        }
    }
out:
    e->in_cb--;
    return 0;
}

/* ---- flows learnt from elsewhere: collectors and ntc_engine_ingest_flow() ---- */

NTC_EXPORT int ntc_engine_open_collector(ntc_engine *e, const char *uri)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !uri)
        return NTC_EINVAL;
    return ntc__collect_open(e, e->cap, e->cfg, &e->st, ntc__mix64(e->flows.seed + 7), uri,
                             e->errmsg, sizeof(e->errmsg));
}

/* TCP state from the flags each side sent (a collected flow has no packets to follow). */
static uint8_t collected_tcp_state(uint8_t cli, uint8_t srv)
{
    uint8_t all = cli | srv;
    if (all & 0x04)
        return NTC_TCP_RESET;
    if ((cli & 0x01) && (srv & 0x01))
        return NTC_TCP_CLOSED;
    if (all & 0x01)
        return NTC_TCP_CLOSING;
    if ((cli & 0x02) && (srv & 0x12) == 0x12)
        return NTC_TCP_ESTABLISHED;
    if ((cli & 0x02) && !srv)
        return NTC_TCP_SYN_SENT;
    return NTC_TCP_MIDSTREAM;
}

static struct ntc_flow *new_collected_flow(ntc_engine *e, const ntc__pkt *p, uint32_t hash,
                                           int *dir)
{
    struct ntc_flow *f = alloc_flow(e, p, hash, dir);
    /* No packets are seen: flow analytics (TCP health, latency, ...) do not apply. */
    if (f)
        f->ana = NULL;
    return f;
}

static void collected_l7(struct ntc_flow *f, const ntc_flow_record *r)
{
    int how = r->l7_how;
    if (how == NTC_L7_PENDING)
        how = (r->l7_app || r->l7_master || r->l7_name) ? NTC_L7_DPI : NTC_L7_OFF;
    if (how > NTC_L7_OFF)
        how = NTC_L7_OFF;
    f->l7.how = (uint8_t)how;
    if (how == NTC_L7_OFF)
        return;
    f->l7.master = r->l7_master;
    f->l7.app = r->l7_app;
    f->l7.category = r->l7_category;
    f->l7.breed = r->l7_breed <= NTC_BREED_UNRATED ? r->l7_breed : NTC_BREED_UNRATED;
    f->l7.risk = r->l7_risk;
    f->l7.risk_score = r->l7_risk_score;
}

NTC_EXPORT int ntc_engine_ingest_flow(ntc_engine *e, const ntc_flow_record *rec)
{
    if (e && e->in_cb)
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !rec || rec->size < offsetof(ntc_flow_record, export_us))
        return NTC_EINVAL;
    ntc_flow_record r;
    memset(&r, 0, sizeof(r));
    memcpy(&r, rec, NTC__MIN(rec->size, sizeof(r)));
    const char *bad = (r.ip_version != 4 && r.ip_version != 6) ? "IP version is neither 4 nor 6"
                      : r.last_us < r.first_us                    ? "last_us before first_us"
                      : !r.packets && !r.rev_packets              ? "no packets"
                                                                  : NULL;
    if (bad) {
        e->st.collect_errors++;
        set_error(e, "flow record: %s", bad);
        return NTC_EINVAL;
    }
    /* The clock: the export time, and at least the flow's last packet. */
    uint64_t ts = r.export_us > r.last_us ? r.export_us : r.last_us;
    if (e->st.packets == 0 && e->st.flows_collected == 0) {
        e->st.first_us = ts;
        set_clock(e, ts);
    } else if (ts < e->now_us && e->now_us - ts > e->resync_us) {
        resync_clock(e, ts);
    } else {
        advance_clock(e, ts);
    }
    e->st.flows_collected++;

    /* Find the flow as a packet of the record's source would; the flow table orients new flows
     * (a biflow's source is its client: TCP as if it sent the SYN, ICMP the echo request). */
    int biflow = r.rev_packets || r.rev_bytes || r.dst_tcp_flags;
    ntc__pkt p;
    memset(&p, 0, sizeof(p));
    p.ip_version = r.ip_version;
    memcpy(p.src, r.src_addr, r.ip_version == 4 ? 4 : 16);
    memcpy(p.dst, r.dst_addr, r.ip_version == 4 ? 4 : 16);
    p.sport = r.src_port;
    p.dport = r.dst_port;
    p.l4_proto = r.l4_proto;
    p.vlan = r.vlan & 0x0fff;
    if (r.l4_proto == 6)
        p.tcp_flags = biflow || (r.src_tcp_flags & 0x12) == 0x02 ? 0x02 : 0;
    else if (r.l4_proto == 1)
        p.icmp_type = 8;     /* an echo request: its sender is the client */
    else if (r.l4_proto == 58)
        p.icmp_type = 128;
    uint32_t hash = ntc__flow_hash(&e->flows, &p);
    int dir;
    struct ntc_flow *f = ntc__flow_find(&e->flows, &p, hash, &dir);
    if (f && r.first_us > f->last_us && r.first_us - f->last_us > e->flows.idle_us[f->lru_id]) {
        /* The exporter's flow started after ours would have expired: a new flow. */
        e->flows.expired++;
        end_flow(e, f, NTC_FLOW_END_IDLE);
        f = NULL;
    }
    int created = 0;
    if (!f) {
        if (!(f = new_collected_flow(e, &p, hash, &dir))) {
            set_error(e, "flow record: out of memory");
            return NTC_ENOMEM;
        }
        created = 1;
        f->first_us = r.first_us;
        f->last_us = r.last_us;
        f->last_report_us = e->now_us;
        f->tcp_state = NTC_TCP_NONE;
    }
    int d = dir;   /* the flow's side of the record's source */
    if (!created && r.first_us == f->first_us && r.packets >= f->pkts[d] &&
        r.bytes >= f->bytes[d] && r.rev_packets >= f->pkts[1 - d] &&
        r.rev_bytes >= f->bytes[1 - d]) {
        /* The same start and counters that include ours: a cumulative update of this flow (an
         * active-timeout report, as ntc_exporter sends them); only the difference is new. */
        r.packets -= f->pkts[d];
        r.bytes -= f->bytes[d];
        r.rev_packets -= f->pkts[1 - d];
        r.rev_bytes -= f->bytes[1 - d];
    }
    /* Interface counters: the record's (new) traffic, as IP bytes. */
    ntc_iface_stats *st = &e->st;
    uint64_t pk = r.packets + r.rev_packets, by = r.bytes + r.rev_bytes;
    st->packets += pk;
    st->bytes += by;
    st->ip_packets += pk;
    st->ip_bytes += by;
    if (r.ip_version == 4)
        st->ipv4_packets += pk;
    else
        st->ipv6_packets += pk;
    switch (r.l4_proto) {
    case 6: st->tcp_packets += pk; st->tcp_bytes += by; break;
    case 17: st->udp_packets += pk; st->udp_bytes += by; break;
    case 1: case 58: st->icmp_packets += pk; st->icmp_bytes += by; break;
    default: st->other_l4_packets += pk; st->other_l4_bytes += by; break;
    }
    f->pkts[d] += r.packets;
    f->bytes[d] += r.bytes;
    f->pkts[1 - d] += r.rev_packets;
    f->bytes[1 - d] += r.rev_bytes;
    f->tcp_flags[d] |= r.src_tcp_flags;
    f->tcp_flags[1 - d] |= r.dst_tcp_flags;
    if (r.first_us < f->first_us)
        f->first_us = r.first_us;
    if (r.last_us > f->last_us)
        f->last_us = r.last_us;
    int k = f->lru_id;
    if (r.l4_proto == 6) {
        f->tcp_state = collected_tcp_state(f->tcp_flags[0], f->tcp_flags[1]);
        uint8_t s = f->tcp_state;
        k = (s == NTC_TCP_SYN_SENT || s == NTC_TCP_SYN_RCVD || s == NTC_TCP_CLOSED ||
             s == NTC_TCP_RESET) ? NTC__FLOW_LRU_SHORT : NTC__FLOW_LRU_NORMAL;
    }
    /* Most recently heard of: the tail of its idle list. */
    ntc__list_remove(&e->flows.lru[f->lru_id], &f->lru);
    f->lru_id = (uint8_t)k;
    ntc__list_push_tail(&e->flows.lru[k], &f->lru);

    for (int side = 0; side < 2; side++) {
        ntc_host *h = f->host[side == 0 ? d : 1 - d];
        if (!h)
            continue;
        h->packets_sent += side == 0 ? r.packets : r.rev_packets;
        h->bytes_sent += side == 0 ? r.bytes : r.rev_bytes;
        h->packets_rcvd += side == 0 ? r.rev_packets : r.packets;
        h->bytes_rcvd += side == 0 ? r.rev_bytes : r.bytes;
        ntc__host_touch(&e->hosts, h, e->now_us);
    }
    if (created) {
        collected_l7(f, &r);
        f->meta = ntc__collect_meta(&r);
        ntc__l7_classified(e, f);   /* accounts the counters above */
        if (e->alerts)
            ntc__alert_verdict(e, f); /* flow risks, dangerous and blacklisted applications */
    } else if (!f->dpi) {
        ntc__l7_add(e, f, d, r.packets, r.bytes);
        ntc__l7_add(e, f, 1 - d, r.rev_packets, r.rev_bytes);
    }
    return 0;
}
