/* C side of the Python binding, compiled with the library's warnings (helper.c) and called from
 * the cffi module (build_ffi.py). The engine runs inside these calls with the GIL released (cffi
 * releases it around every call); Python callbacks (extern "Python+C" functions, defined by the
 * cffi module) take it back.
 *
 * Not thread-safe, except ntcpy_stop(): one Python Engine object, one thread at a time. */
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

/* Run the sources: see ntcb_run() (bind_common.h). With collect, ended flows are kept for
 * ntcpy_batch(); a batch is at most `batch` records (the run returns when it is full), except that
 * one packet or tick may end more. Returns 1 when every source has finished. A source error is
 * stored in *err (when 0) and its message is ntcpy_errmsg(). */
int ntcpy_run(ntcpy *p, uint64_t max_packets, unsigned max_ms, int collect, size_t batch,
              uint64_t *packets, int *err);
/* End at most max_flows of the open flows (0: all; flow callbacks; kept for ntcpy_batch() with
 * collect), oldest first; the hosts are purged with the last one. Returns the flows still open. */
int ntcpy_flush(ntcpy *p, int collect, size_t max_flows);
/* Ask a running ntcpy_run() to return soon. Any thread. */
void ntcpy_stop(ntcpy *p);
const char *ntcpy_errmsg(ntcpy *p);

/* The collected flows as a JSON array, and how many; ntcpy_batch_clear() forgets them. */
const char *ntcpy_batch(ntcpy *p, size_t *len, size_t *count);
void ntcpy_batch_clear(ntcpy *p);

/* JSON of what the engine holds now: what = 0 active flows (array), 1 hosts (array), 2
 * applications (array; arg 1: categories), 3 interface counters (object). NULL with *rc set on
 * error (NTC_ESTATE inside a callback other than the tick's). Valid until the next call. */
const char *ntcpy_json(ntcpy *p, int what, int arg, size_t *len, int *rc);

/* Re-encode JSON (as the functions above return it) in Python's marshal format, which
 * marshal.loads() turns into the same dicts and lists as json.loads(), faster. NULL on malformed
 * text or want of memory. Valid until the next call. */
const char *ntcpy_to_marshal(ntcpy *p, const char *json, size_t n, size_t *outlen);

#endif
