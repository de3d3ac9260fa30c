/* Private: the exporters behind include/ntopcore/flow_exporter.h — IPFIX/NetFlow v9 (ipfix.c) and ZMQ
 * (zmq.c) — and their encoders, which write into memory and hand finished datagrams/messages to a
 * send function, so tests and benchmarks run them without sockets.
 *
 * Small internal interface: an exporter is an ops table (flow, flush, close) and its state; the
 * public functions in exporter.c dispatch to it by URI scheme. */
#ifndef NTC_LIB_EXPORT_EXPORTER_H
#define NTC_LIB_EXPORT_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "ntopcore/config.h"
#include "ntopcore/flow_exporter.h"
#include "ntopcore/flow.h"
#include "ntopcore/l7.h"
#include "util/util.h"

typedef struct ntc__exp_ops {
    int (*flow)(void *impl, const ntc_flow *f, uint64_t now_us);
    int (*flush)(void *impl, uint64_t now_us);
    void (*close)(void *impl);
} ntc__exp_ops;

struct ntc_flow_exporter {
    const ntc__exp_ops *ops;
    void *impl;
    ntc_flow_exporter_stats st;
    char errmsg[NTC__ERRMSG_LEN];
};

/** Everything an encoder needs from a flow, read once. */
typedef struct ntc__flowx {
    ntc_flow_info i;
    ntc_flow_l7 l;
    char l7_proto[16];          /* "master.app" or "app"; "" when DPI was off */
    char l7_name[128];
    const char *meta[NTC_META_COUNT];
} ntc__flowx;

void ntc__flowx_get(const ntc_flow *f, ntc__flowx *x);

/** Where finished datagrams/messages go. Returns 0, or a negative code (counted as dropped). */
typedef int (*ntc__send_fn)(void *user, const uint8_t *d, size_t n);

/* ---- IPFIX / NetFlow v9 ---- */

typedef struct ntc__ipfix_opts {
    int version;                /* 9 or 10 */
    int biflow;
    uint32_t domain;            /* IPFIX observation domain, v9 source id */
    uint32_t mtu;               /* largest datagram */
    uint32_t refresh_s;         /* template refresh (export time) */
} ntc__ipfix_opts;

typedef struct ntc__ipfix_w ntc__ipfix_w;

ntc__ipfix_w *ntc__ipfix_w_new(const ntc__ipfix_opts *o, ntc__send_fn send, void *user,
                               ntc_flow_exporter_stats *st);
int ntc__ipfix_w_flow(ntc__ipfix_w *w, const ntc__flowx *x, uint64_t now_us);
int ntc__ipfix_w_flush(ntc__ipfix_w *w, uint64_t now_us);
void ntc__ipfix_w_free(ntc__ipfix_w *w);

/* ---- ZMQ (ntopng format) ---- */

/** Growable byte buffer with a hard cap; `fail` is set when an append did not fit. */
typedef struct ntc__buf {
    uint8_t *d;
    size_t len, cap, max;
    int fail;
} ntc__buf;

int ntc__buf_put(ntc__buf *b, const void *p, size_t n);
void ntc__buf_free(ntc__buf *b);

/** Append one flow as a TLV record (nDPI serializer items, ending with end-of-record). The
 * payload's 2-byte header (version 1, format TLV) is written by ntc__tlv_begin(). */
void ntc__tlv_begin(ntc__buf *b);
void ntc__tlv_flow(ntc__buf *b, const ntc__flowx *x);

/** The 36-byte v3 header (version byte 4) of a "flow" message. */
void ntc__zmq_header(uint8_t out[36], uint8_t flags, uint32_t size, uint32_t msg_id,
                     uint32_t source_id);

/* ---- opening (exporter.c dispatches) ---- */

int ntc__ipfix_open(struct ntc_flow_exporter *x, int version, const char *uri, const char *hostport,
                    const ntc_config *cfg);
int ntc__zmq_export_open(struct ntc_flow_exporter *x, const char *uri, const char *endpoints,
                         const ntc_config *cfg);

#endif
