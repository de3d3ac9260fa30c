/* ntop-export: flow exporters (-o zmq:..., -o ipfix:udp://..., -o netflow9:udp://...) next to the
 * JSON lines output. Kept apart from ntop-export.c so that the outputs can move into one sink
 * table later. */
#ifndef NTC_TOOLS_FLOWEXPORT_H
#define NTC_TOOLS_FLOWEXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "ntopcore/ntopcore.h"

#define FX_MAX 8

typedef struct flow_exports {
    const char *uris[FX_MAX];
    ntc_flow_exporter *x[FX_MAX];
    int n;
    const char *prog;
} flow_exports;

/* 1 when uri names a flow exporter (zmq:, ipfix:, netflow9:). */
int fx_is_uri(const char *uri);
/* Remember an exporter URI; -1 (message printed) when there are too many. */
int fx_add(flow_exports *fx, const char *prog, const char *uri);
/* Open every exporter with the export.* keys of cfg; returns an exit code (messages printed). */
int fx_open(flow_exports *fx, const ntc_config *cfg);
/* Export a flow at engine time now_us. */
void fx_flow(flow_exports *fx, const ntc_flow *f, uint64_t now_us);
/* Send what is batched (every second, and at the end). */
void fx_flush(flow_exports *fx, uint64_t now_us);
/* Flush, print the counters on `summary` (NULL: none), free. Returns 1 when a record was lost. */
int fx_close(flow_exports *fx, uint64_t now_us, FILE *summary);

#endif
