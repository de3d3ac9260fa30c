/* Private: flow collectors as engine sources (ntc_engine_open_collector()), and the metadata block
 * of a collected flow. A collector is an external source of lib/capture (a descriptor polled with
 * the live interfaces); what it reads goes through the parsers (netflow.h, zmqmsg.h) into
 * ntc_engine_ingest_flow(). */
#ifndef NTC_LIB_COLLECT_COLLECT_H
#define NTC_LIB_COLLECT_COLLECT_H

#include <stddef.h>

#include "capture/capture.h"
#include "dpi/dpi.h"
#include "ntopcore/config.h"
#include "ntopcore/engine.h"

/** Open the collector named by uri (see ntc_engine_open_collector()) and add it to cap. Counters
 * go to st. On error, a negative code and a message naming the URI in err. */
int ntc__collect_open(ntc_engine *eng, ntc__capture *cap, const ntc_config *cfg,
                      ntc_iface_stats *st, uint64_t seed, const char *uri, char *err,
                      size_t errlen);

/** The metadata block of a collected flow: the record's metadata values (known keys, the first of
 * each, at most 1024 bytes each), its l7_name (NTC_META_L7_NAME) and its source
 * (NTC_META_FLOW_SOURCE). NULL when there is none (or out of memory). Freed with the flow. */
ntc__flow_meta *ntc__collect_meta(const ntc_flow_record *rec);

#endif
