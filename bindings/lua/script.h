/* Embedded Lua scripts for the tools (--script FILE.lua): periodic and per-flow callbacks run on
 * the engine thread, on packet time, each script in its own sandboxed Lua state.
 *
 * A script defines global functions, any of:
 *   on_second(now)  on_minute(now)  on_5minutes(now)  on_hour(now)  on_day(now)
 *       now: the engine clock, seconds since the epoch (packet time)
 *   on_flow_end(flow, reason)
 *   on_alert(alert)
 *       flow: a table with the fields of ntop-export's JSON; reason "idle", "active", "evicted",
 *       "flush"
 * and sees two read-only tables:
 *   interface.stats()              interface counters (the C names of ntc_iface_stats)
 *   interface.flows(), .hosts()    iterators over the active flows / hosts (in on_second ..
 *                                  on_day only: the engine walks its tables there)
 *   interface.apps([categories])   iterator over the application (or category) table
 *   interface.alerts()             iterator over the alerts engaged now (in on_second .. on_day)
 *   ntop.version(), ntop.app_name(id), ntop.log(...)
 *   ntop.raise_alert(severity, description [, entity [, entity_id]])   a "user" alert
 *   ntop.dump_host(address [, on])  mark a host (IPv4/IPv6 text) for the packet dump, or unmark
 *                                  it with on = false; true, or false and the reason (a tool
 *                                  without a dumper: ntop-export, ntop-top)
 *
 * Untrusted by default: no os, io, package, debug, dofile, loadfile, binary chunks, nor __gc
 * metamethods (Lua runs finalizers with hooks off, so they could loop unchecked), and
 * string.find/match/gmatch/gsub refuse patterns whose backtracking could run long in C (see
 * PATTERN_MAX_STEPS in script.c); print() and
 * ntop.log() go to the tool's report function. Each call (and the loading of the script) may run
 * at most `budget` Lua instructions, and a script's state may hold at most `memory` bytes; a call
 * that goes over is stopped with an error. Errors are reported with file and line and the name of
 * the callback, and the capture goes on (the callback is called again next time).
 *
 * Not thread-safe: one host belongs to the engine thread.
 */
#ifndef NTC_LUA_SCRIPT_H
#define NTC_LUA_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "ntopcore/ntopcore.h"

#define SCRIPT_DEFAULT_BUDGET 10000000u      /* instructions per call */
#define SCRIPT_DEFAULT_MEMORY (64u << 20)    /* bytes per script */
#define SCRIPT_MAX_SHOWN_ERRORS 10           /* per script; later ones are only counted */

typedef struct script_opts {
    uint64_t budget;   /* instructions per call; 0: SCRIPT_DEFAULT_BUDGET */
    size_t memory;     /* bytes a script's Lua state may hold; 0: SCRIPT_DEFAULT_MEMORY */
    int allow_os;      /* give scripts Lua's os library */
    int allow_io;      /* give scripts Lua's io library */
    /* Where errors (is_error 1, one line without trailing newline) and print() output (is_error
     * 0) go. NULL: stderr. */
    void (*report)(void *user, int is_error, const char *msg);
    void *user;
    /* ntop.dump_host(address, on): mark (on 1) or unmark (0) a host for the tool's packet dump.
     * 0, or -1 with the reason in err. NULL: the tool has no dumper (the call returns false). */
    int (*dump_host)(void *user, const char *address, int on, char *err, size_t errlen);
    void *dump_user;
} script_opts;

typedef struct script_host script_host;

/* NULL when out of memory. */
script_host *script_host_new(const script_opts *opts);
void script_host_free(script_host *h);

/* Load and run a script's top level. 0, or -1 with a message ("FILE:LINE: ...") in err. */
int script_host_load(script_host *h, const char *path, char *err, size_t errlen);
int script_host_count(const script_host *h);

/* The engine the scripts' interface table reads. */
void script_host_set_engine(script_host *h, ntc_engine *eng);

/* Engine callbacks to forward (from the tool's own callbacks). */
void script_host_tick(script_host *h, ntc_tick tick, uint64_t now_us);
void script_host_flow_end(script_host *h, const ntc_flow *flow, ntc_flow_end_reason why);
/** An alert was raised: on_alert(alert) in every script that defines it (alert: a table with the
 * fields of ntc_alert_format_json). */
void script_host_alert(script_host *h, const ntc_alert *alert);

/* Errors so far in callbacks, over all scripts. */
uint64_t script_host_errors(const script_host *h);
/* Report how many errors were not shown, per script (at the end of a run). */
void script_host_finish(script_host *h);

#endif
