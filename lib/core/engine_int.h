/* Private: the engine's state, shared by engine.c and snapshot.c. */
#ifndef NTC_LIB_ENGINE_INT_H
#define NTC_LIB_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "capture/capture.h"
#include "core/config_keys.h"
#include "decode/decode.h"
#include "dpi/dpi.h"
#include "flow/flow.h"
#include "host/host.h"
#include "ntopcore/engine.h"

struct ntc__alerts;

/** Per-application (or per-category) traffic since start. Index: see ntc__app_slot(). */
typedef struct ntc__app_acct {
    uint64_t flows;
    uint64_t pkts[2], bytes[2];   /* [0] client->server, [1] server->client */
} ntc__app_acct;

struct ntc_snapshot {
    atomic_int refs;
    uint64_t time_us;
    ntc_iface_stats iface;
    size_t nflows, nhosts;
    struct ntc_flow *flows;
    void *anas;                   /* the flows' analytics blocks, flows.ana_size bytes each */
    struct ntc_host *hosts;
    ntc__host_local *host_locals;
    ntc__app_acct *apps, *cats;   /* copies of the interface tables */
    uint16_t napps, ncats;
};

struct ntc_engine {
    ntc_config *cfg;
    ntc_callbacks cb;
    void *cb_user;
    char errmsg[NTC__ERRMSG_LEN];

    ntc__decoder *dec;
    ntc__flow_table flows;
    ntc__host_table hosts;
    ntc__capture *cap;
    ntc__dpi *dpi;              /* NULL when dpi.enable is false */
    struct ntc__alerts *alerts; /* NULL when alert.enable is false (lib/alert) */
    ntc__app_acct *apps;        /* interface L7 table, ntc__dpi_app_count() slots */
    uint16_t napps;
    uint64_t inspecting;        /* flows with DPI state */
    ntc__list pending;          /* those flows, by last activity (one-second precision) */
    ntc__app_acct cats[64];     /* interface table per category */
    uint64_t active_timeout_us;
    uint64_t dpi_idle_us;       /* dpi.idle_giveup, 0: off */
    uint64_t resync_us;         /* engine.clock_resync */

    /* Clock and ticks (packet time). */
    uint64_t now_us;
    uint64_t next_tick_us;      /* next one-second boundary */
    uint64_t last_tick_us;      /* the boundary last crossed */
    uint64_t tick_bytes, tick_packets; /* interface totals at the last tick */
    uint64_t minute, five_min, hour, day;

    ntc_iface_stats st;         /* counters kept directly in the public layout */

    /* Paced replay of files (capture.replay_speed): packet time origin_pkt is due at wall time
     * origin_wall (monotonic), and later packets at speed_pct % of their recorded pace. */
    uint32_t replay_pct;        /* 0: as fast as possible */
    int replay_started;
    uint64_t replay_origin_pkt, replay_origin_wall;

    int in_cb;                  /* > 0 while one of the caller's callbacks runs */
    struct ntc_flow *pkt_flow;  /* flow of the packet being processed, for the packet callback */
    int pkt_dir;
    int in_tick;                /* > 0 while the tick callback runs (tables are consistent) */
    atomic_int stop;

    /* Snapshots for reader threads. */
    pthread_mutex_t snap_lock;
    ntc_snapshot *snap;
    atomic_int snap_wanted;
};

/** A flow's verdict is final: account its traffic so far, name hosts from its metadata, call
 * flow_verdict. */
void ntc__l7_classified(ntc_engine *eng, struct ntc_flow *f);
/** A classified flow swapped client and server: move its traffic between the directions of the
 * interface tables (host tables keep each host's own view and need nothing). */
void ntc__l7_swapped(ntc_engine *eng, struct ntc_flow *f);
/** Account one packet of a classified flow (direction dir). */
void ntc__l7_packet(ntc_engine *eng, struct ntc_flow *f, int dir, uint32_t bytes);
/** Account traffic of a classified flow in bulk (a collected record's counters). */
void ntc__l7_add(ntc_engine *eng, struct ntc_flow *f, int dir, uint64_t pkts, uint64_t bytes);

/** Inside a callback, the tables may be walked only from the tick callback (nothing else of the
 * engine runs then: they are consistent). */
static inline int ntc__engine_walk_allowed(const ntc_engine *e)
{
    return e->in_tick && e->in_cb == e->in_tick;
}

void ntc__engine_fill_stats(const ntc_engine *eng, ntc_iface_stats *st);
void ntc__engine_publish_snapshot(ntc_engine *eng);
void ntc__engine_log(ntc_engine *eng, ntc_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
