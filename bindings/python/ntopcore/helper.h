/* C side of the Python binding, compiled with the library's warnings (helper.c) and called from
 * the cffi module (build_ffi.py). The engine runs inside these calls with the GIL released (cffi
 * releases it around every call), or on the helper's read-ahead thread during an iteration
 * without callbacks (ntcpy_next()); Python callbacks (extern "Python+C" functions, defined by the
 * cffi module) take the GIL back.
 *
 * Not thread-safe, except ntcpy_stop(): one Python Engine object, one thread at a time. The
 * read-ahead thread is made idle by every call that touches the engine. */
#ifndef NTCPY_HELPER_H
#define NTCPY_HELPER_H

#include <stddef.h>
#include <stdint.h>

#include "ntopcore/ntopcore.h"

typedef struct ntcpy ntcpy;

/* Callbacks into Python (defined in the cffi module). `handle` is the Engine's cffi handle. */
void _ntcpy_on_flow(void *handle, const char *json, size_t len, int reason);
void _ntcpy_on_tick(void *handle, int tick, uint64_t now_us);
void _ntcpy_on_host(void *handle, const char *json, size_t len);
void _ntcpy_on_log(void *handle, int level, const char *msg);
void _ntcpy_on_alert(void *handle, const char *json, size_t len);

/* Which Python callbacks to call (flags). */
enum { NTCPY_CB_FLOW = 1, NTCPY_CB_TICK = 2, NTCPY_CB_HOST = 4, NTCPY_CB_LOG = 8, NTCPY_CB_ALERT = 16 };

/* Create the engine from cfg (copied by the library). NULL on failure, with the message in err. */
ntcpy *ntcpy_new(const ntc_config *cfg, void *handle, char *err, size_t errlen);
void ntcpy_free(ntcpy *p);
ntc_engine *ntcpy_engine(ntcpy *p);
void ntcpy_set_callbacks(ntcpy *p, int flags);

/* Sources (0 or a negative NTC_E* code; the message is ntc_engine_errmsg()). */
int ntcpy_open_file(ntcpy *p, const char *path);
int ntcpy_open_live(ntcpy *p, const char *ifname);

/* Stop after max_packets packets in all (0: no limit), as ntop-export -c. */
void ntcpy_set_max_packets(ntcpy *p, uint64_t max_packets);
/* Packets read so far (by ntcpy_run() and the iteration). */
uint64_t ntcpy_packets(ntcpy *p);
/* Batches handed out by ntcpy_next(): 1 marshal data (ntcpy_to_marshal()), 0 a JSON array. */
void ntcpy_set_format(ntcpy *p, int marshal);

/* Run the sources without collecting (callbacks only): see ntcb_run() (bind_common.h), with the
 * limit of ntcpy_set_max_packets() on top of max_packets. Returns 1 when every source has
 * finished or the limit is reached. A source error is kept for ntcpy_source_error(). */
int ntcpy_run(ntcpy *p, uint64_t max_packets, unsigned max_ms, uint64_t *packets);
/* End at most max_flows of the open flows (0: all; flow callbacks), oldest first; the hosts are
 * purged with the last one. Returns the flows still open. */
int ntcpy_flush(ntcpy *p, size_t max_flows);
/* Ask a running ntcpy_run() or iteration step to return soon. Any thread. */
void ntcpy_stop(ntcpy *p);
/* The first source error since the last call (a negative NTC_E* code, or 0), and its message in
 * ntcpy_errmsg(). Reading goes on with the other sources after an error. */
int ntcpy_source_error(ntcpy *p);
const char *ntcpy_errmsg(ntcpy *p);

/* Iteration: the flows that end, a batch (of at most `batch` flows, except that one packet or
 * tick may end more) at a time, then the flows still open at the end of the input.
 *
 * With readahead, when no Python callback but the log's is set, the engine runs on a thread of
 * the helper, which prepares up to two batches ahead while Python decodes the one it has: the
 * sources are read up to that far ahead of the flows handed out. That thread never calls
 * Python: its log lines are handed over by ntcpy_next() and ntcpy_pause() on the caller's
 * thread. Without (or with callbacks),
 * each call runs one slice of max_ms on the caller's thread, callbacks included.
 *
 * Returns 1 with a batch at *data (*len bytes, *count flows; valid until the next call), 0 when
 * no flow ended within about max_ms (call again: Python runs its signal handlers between calls),
 * 2 at the end of the input (every flow handed out; opening a source starts again), NTC_ENOMEM
 * when a batch was lost for want of memory. */
int ntcpy_next(ntcpy *p, int readahead, unsigned max_ms, size_t batch, const char **data,
               size_t *len, size_t *count);
/* Make the read-ahead thread idle, so that the engine may be used on the caller's thread. Every
 * entry point here that touches the engine does it itself, ntcpy_engine() included. */
void ntcpy_pause(ntcpy *p);
/* In a child process after fork(), with the read-ahead thread paused before it (the package's
 * os.register_at_fork hooks): the thread is gone; the next iteration starts a new one. */
void ntcpy_after_fork_child(ntcpy *p);

/* JSON of what the engine holds now: what = 0 active flows (array), 1 hosts (array), 2
 * applications (array; arg 1: categories), 3 interface counters (object), 4 the alerts engaged
 * now (array). NULL with *rc set on
 * error (NTC_ESTATE inside a callback other than the tick's). Valid until the next call. */
const char *ntcpy_json(ntcpy *p, int what, int arg, size_t *len, int *rc);

/* Re-encode JSON (as the functions above return it) in Python's marshal format, which
 * marshal.loads() turns into the same dicts and lists as json.loads(), faster. NULL on malformed
 * text or want of memory. Valid until the next call. */
const char *ntcpy_to_marshal(ntcpy *p, const char *json, size_t n, size_t *outlen);

#endif
