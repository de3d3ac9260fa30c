/* Helpers shared by the Lua and Python bindings and the tools' script host. Not library API: the
 * bindings link this code themselves and use the library through its public headers only.
 *
 * Records reach both languages as JSON text produced by the library itself
 * (ntc_flow_format_json(), ntc_host_format_json()), so a Lua table or a Python dict has exactly the
 * fields of `ntop-export -o jsonl:-` — a field added to the library's formatter appears in both
 * bindings without a change here. (The Python iteration encodes flows straight from the same
 * records and field registry: bindings/python/ntopcore/marshal_out.c.) Interface counters and
 * application tables, which the library does not format, are written here from one table each.
 *
 * Nothing here is thread-safe: one engine thread uses one collector.
 */
#ifndef NTC_BIND_COMMON_H
#define NTC_BIND_COMMON_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ntopcore/ntopcore.h"

/* A growing text buffer. oom is set (and the text left as it was) when memory runs out. */
typedef struct ntcb_buf {
    char *p;
    size_t len, cap;
    int oom;
} ntcb_buf;

void ntcb_buf_free(ntcb_buf *b);
void ntcb_buf_clear(ntcb_buf *b);
/* Room for `extra` more bytes (+ NUL). 0, or -1 (oom set). */
int ntcb_buf_reserve(ntcb_buf *b, size_t extra);
int ntcb_buf_put(ntcb_buf *b, const char *s, size_t n);

/* Append one record as a JSON object. 0, or -1 when out of memory. */
int ntcb_flow_json(ntcb_buf *b, const ntc_flow *f);
int ntcb_host_json(ntcb_buf *b, const ntc_host *h);
/** Append the alert's JSON (ntc_alert_format_json). 0, or -1 when out of memory. */
int ntcb_alert_json(ntcb_buf *b, const ntc_alert *a);

/* ---- decoding the library's JSON (shared by the Lua and Python decoders) ---- */

/** The \uXXXX escape whose four hex digits start at s (n bytes there): *cp receives the code
 * point, a high surrogate followed by a \uXXXX low surrogate taken as their pair (a lone
 * surrogate is left as it is). Returns the bytes used (4, or 10 for a pair), 0 when the digits
 * are short or not hex. */
size_t ntcb_json_u_escape(const char *s, size_t n, unsigned *cp);

/** The UTF-8 bytes of code point cp into u; returns how many (1 to 4). */
size_t ntcb_utf8(unsigned cp, char u[4]);
/* The interface counters: the members of ntc_iface_stats by their C names ("packets",
 * "flows_active", ...), decode_errors as an object by reason name ("truncated-l2": 0, ...). */
int ntcb_stats_json(ntcb_buf *b, const ntc_iface_stats *st);
/* One row of the application (categories = 0) or category table, with the field names of
 * `ntop-export --what apps|categories` (L7_PROTO / L7_PROTO_CATEGORY_ID, L7_PROTO_NAME /
 * L7_PROTO_CATEGORY, FLOWS, IN_PKTS, IN_BYTES, OUT_PKTS, OUT_BYTES). */
int ntcb_app_json(ntcb_buf *b, const ntc_engine *eng, const ntc_app_stats *st, int categories);

/* JSON arrays of what the engine holds now: "[{...},{...}]". Engine thread; allowed from the tick
 * callback for flows and hosts (ntc_engine_foreach_*). 0, or a negative NTC_E* code. */
int ntcb_active_flows_json(ntcb_buf *b, ntc_engine *eng);
int ntcb_hosts_json(ntcb_buf *b, ntc_engine *eng);
int ntcb_apps_json(ntcb_buf *b, ntc_engine *eng, int categories);
/* The alerts engaged now (as delivered when they engaged), with the fields of
 * ntc_alert_format_json(); the engine thread, outside callbacks or in the tick callback
 * (NTC_ESTATE from the others). */
int ntcb_engaged_alerts_json(ntcb_buf *b, ntc_engine *eng);
int ntcb_engine_stats_json(ntcb_buf *b, const ntc_engine *eng);

/* Collector of ended flows for iteration: the flow-end callback appends each record to a JSON
 * array ("[" rec "," rec ... — ntcb_collector_text() closes it), with the end reason of each.
 * When `batch` records are held while ntcb_run() runs, the engine is asked to stop so the caller
 * can hand them out: memory stays bounded by the batch size plus the flows one packet or one
 * tick can end (at most flow.max, at the end-of-input flush). */
typedef struct ntcb_collector {
    ntcb_buf text;
    uint8_t *reasons;
    size_t count, reasons_cap;
    size_t batch;
    int running;          /* inside ntcb_run() */
    int oom;              /* a record was lost for want of memory */
    ntc_engine *eng;
} ntcb_collector;

void ntcb_collector_init(ntcb_collector *c, ntc_engine *eng, size_t batch);
void ntcb_collector_free(ntcb_collector *c);
/* Add a flow (from a flow_end callback). */
void ntcb_collector_add(ntcb_collector *c, const ntc_flow *f, ntc_flow_end_reason why);
/* The held records as one JSON array ("[]" when none); valid until the next add or clear. */
const char *ntcb_collector_text(ntcb_collector *c, size_t *len);
void ntcb_collector_clear(ntcb_collector *c);

/* Runs an engine's sources a little at a time, so that a binding can hand out flows, run its
 * language's signal handlers and stay responsive to stop requests between slices. */
#define NTCB_FILE_STEP 512 /* packets of a file read per engine call, at most */

typedef struct ntcb_runner {
    ntc_engine *eng;
    ntcb_collector *col;  /* may be NULL */
    int live;             /* a live source was opened (polled with a timeout, never blocking) */
    uint64_t step;        /* packets per engine call on files in slices of max_ms: from 16 up to
                             NTCB_FILE_STEP while calls are fast, less while a paced replay
                             makes a call take more than a quarter of the slice */
    atomic_int stop;
    char errmsg[600];     /* the engine's message for the first source error (*err of ntcb_run) */
} ntcb_runner;

void ntcb_runner_init(ntcb_runner *r, ntc_engine *eng, ntcb_collector *col);
/* Run until max_packets packets (0: no limit), about max_ms of wall time (0: no limit), the
 * collector holding its batch, ntcb_stop(), or the end of every source. *packets gets the packets
 * processed. Returns 1 when every source has finished, 0 when it stopped for another reason. A
 * source error is stored in *err (the first one only: when *err is 0) and reading goes on with
 * the other sources (ntc_engine_errmsg() says which file and how far it got). */
int ntcb_run(ntcb_runner *r, uint64_t max_packets, unsigned max_ms, uint64_t *packets, int *err);
/* Ask ntcb_run() to return soon. Any thread. The request is consumed by the ntcb_run() it ends. */
void ntcb_stop(ntcb_runner *r);

#endif
