/* The engine: owns the tables, runs the per-packet path and the one-second housekeeping. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
    e->cb = *cb;
    e->cb_user = user;
    return 0;
}

/* ---- ending flows and hosts ---- */

static void host_end_cb(void *u, const ntc_host *h)
{
    ntc_engine *e = u;
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
    ntc__l7_classified(e, f);
}

static void end_flow(ntc_engine *e, struct ntc_flow *f, ntc_flow_end_reason why)
{

    if (f->dpi) {
        ntc__dpi_finish(e->dpi, f);
        verdict_done(e, f);
    }
    if (e->cb.flow_end) {
        e->in_cb++;
        e->cb.flow_end(e->cb_user, f, why);
        e->in_cb--;
    }
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
    e->next_tick_us = boundary + US_PER_S;

    expire_flows(e);
    giveup_idle(e);
    ntc__host_table_expire(&e->hosts, e->now_us, host_end_cb, e);
    if (ntc__capture_live_count(e->cap) > 0)
        ntc__capture_stats(e->cap, &e->st.kernel_received, &e->st.kernel_dropped, &e->st.ifdrops);

    uint64_t s = boundary / US_PER_S;
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
        if (ts >= e->next_tick_us)
            on_tick(e);
    }
}

/* Set the clock and the tick boundaries to ts (first packet, resync). */
static void set_clock(ntc_engine *e, uint64_t ts)
{
    e->now_us = ts;
    e->next_tick_us = ts - ts % US_PER_S + US_PER_S;
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

static struct ntc_flow *new_flow(ntc_engine *e, const ntc__pkt *p, uint32_t hash, int *dir)
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
    uint64_t prev_s = f->last_us / US_PER_S;
    ntc__flow_update(&e->flows, f, &p, dir, e->now_us);
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

    ntc_host *src = f->host[dir], *dst = f->host[1 - dir];
    if (src) {
        src->packets_sent++;
        src->bytes_sent += p.ip_len;
        ntc__host_touch(&e->hosts, src, e->now_us);
        if (src->local && p.src_mac) {
            memcpy(src->local->mac, p.src_mac, 6);
            src->local->has_mac = 1;
        }
    }
    if (dst) {
        dst->packets_rcvd++;
        dst->bytes_rcvd += p.ip_len;
        ntc__host_touch(&e->hosts, dst, e->now_us);
    }
    if (e->active_timeout_us && e->now_us - f->last_report_us >= e->active_timeout_us) {
        f->last_report_us = e->now_us;
        if (e->cb.flow_end) {
            e->in_cb++;
            e->cb.flow_end(e->cb_user, f, NTC_FLOW_END_ACTIVE);
            e->in_cb--;
        }
    }
    return 0;
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
    return process(e, linktype, ts_us, data ? data : empty, caplen, wirelen);
}

/* ---- sources ---- */

static void deliver(void *user, const ntc__cap_pkt *pkt)
{
    process(user, pkt->linktype, pkt->ts_us, pkt->data, pkt->caplen, pkt->wirelen);
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
    st->flow_bytes = ntc__flow_entry_bytes();
    st->host_bytes = ntc__host_entry_bytes(0);
    st->flows_inspecting = e->inspecting;
    st->dpi_state_bytes = e->dpi ? ntc__dpi_state_bytes() : 0;
    st->memory_bytes = (uint64_t)e->inspecting * st->dpi_state_bytes + e->flows.meta_bytes +
                       e->hosts.extra_bytes +
                       (uint64_t)e->flows.count * sizeof(struct ntc_flow) +
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
static int walk_allowed(const ntc_engine *e)
{
    return e->in_tick && e->in_cb == e->in_tick;
}

NTC_EXPORT int ntc_engine_foreach_flow(ntc_engine *e, int (*fn)(void *user, const ntc_flow *flow),
                                       void *user)
{
    if (e && e->in_cb && !walk_allowed(e))
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !fn)
        return NTC_EINVAL;
    e->in_cb++;
    for (int k = 0; k < 2; k++) {
        for (ntc__lnode *n = ntc__list_first(&e->flows.lru[k]); n && n != &e->flows.lru[k].head;
             n = n->next) {
            if (fn(user, NTC__CONTAINER_OF(n, struct ntc_flow, lru)))
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
    if (e && e->in_cb && !walk_allowed(e))
        return NTC_ESTATE; /* called from one of this engine's callbacks */
    if (!e || !fn)
        return NTC_EINVAL;
    e->in_cb++;
    for (int k = 0; k < 2; k++) {
        for (ntc__lnode *n = ntc__list_first(&e->hosts.lru[k]); n && n != &e->hosts.lru[k].head;
             n = n->next) {
            if (fn(user, NTC__CONTAINER_OF(n, struct ntc_host, lru)))
                goto out;
        }
    }
out:
    e->in_cb--;
    return 0;
}
