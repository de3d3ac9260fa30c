/* Private: the engine's state, shared by engine.c and snapshot.c. */
#ifndef NTC_LIB_ENGINE_INT_H
#define NTC_LIB_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "capture/capture.h"
#include "core/config_keys.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "host/host.h"
#include "ntopcore/engine.h"

struct ntc_snapshot {
    atomic_int refs;
    uint64_t time_us;
    ntc_iface_stats iface;
    size_t nflows, nhosts;
    struct ntc_flow *flows;
    struct ntc_host *hosts;
    ntc__host_local *host_locals;
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
    uint64_t active_timeout_us;

    /* Clock and ticks (packet time). */
    uint64_t now_us;
    uint64_t next_tick_us;      /* next one-second boundary */
    uint64_t last_tick_us;      /* the boundary last crossed */
    uint64_t tick_bytes, tick_packets; /* interface totals at the last tick */
    uint64_t minute, five_min, hour, day;

    ntc_iface_stats st;         /* counters kept directly in the public layout */

    atomic_int stop;
    int first_error;

    /* Snapshots for reader threads. */
    pthread_mutex_t snap_lock;
    ntc_snapshot *snap;
    atomic_int snap_wanted;
};

void ntc__engine_fill_stats(const ntc_engine *eng, ntc_iface_stats *st);
void ntc__engine_publish_snapshot(ntc_engine *eng);
void ntc__engine_log(ntc_engine *eng, ntc_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
