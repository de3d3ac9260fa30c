/* The Lua 5.4 module "ntopcore": engines driven from Lua (require "ntopcore").
 *
 *   local ntopcore = require "ntopcore"
 *   local e <close> = ntopcore.engine{ ["host.local_networks"] = "192.168.1.0/24" }
 *   e:open_file("trace.pcap")
 *   for flow, reason in e:flows() do print(flow.IPV4_SRC_ADDR, flow.L7_PROTO_NAME) end
 *
 * Records (flows, hosts, applications) are tables with the field names of ntop-export's JSON,
 * made from the library's own JSON formatter. Errors are raised with the library's message.
 * An engine belongs to the Lua state that made it; callbacks run inside the engine call that
 * drives it (run, poll, ingest, advance, flush, the flows() iterator), on the same Lua thread.
 */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lua_common.h"

#define ENGINE_MT "ntopcore.engine"

/* User values of an engine userdata: callback functions and the pending callback error. */
enum { UV_FLOW_END = 1, UV_TICK, UV_HOST_END, UV_LOG, UV_ALERT, UV_ERROR, UV_COUNT = UV_ERROR };

/* Ended flows handed out per batch by the flows() iterator. */
#define FLOW_BATCH 4096

typedef struct lengine {
    ntc_engine *eng;
    lua_State *L;          /* thread of the call driving the engine now; NULL when idle */
    int self;              /* stack index of this userdata in that call */
    int failed;            /* a callback raised: its message is in UV_ERROR */
    int has_cb[UV_COUNT];  /* a function is set in that user value */
    int collecting;        /* flows() is running: ended flows go to the collector */
    int flushing;          /* flows() reached the end of the input and is flushing */
    int iter_done;         /* flows() reached the end of the input and flushed */
    int src_err;           /* first source error seen by flows() */
    size_t iter_i, iter_pos;
    ntcb_collector col;
    ntcb_runner run;
    ntcb_buf scratch;      /* the record a callback is about to decode */
    ntcb_buf wbuf;         /* walks: active_flows, hosts, apps, stats */
} lengine;

static lengine *check_engine(lua_State *L, int idx)
{
    lengine *e = luaL_checkudata(L, idx, ENGINE_MT);
    if (!e->eng)
        luaL_error(L, "ntopcore: the engine is closed");
    return e;
}

/* ---- callbacks (engine thread = the Lua thread of the driving call) ---- */

/* A callback's Lua code failed: keep the first message, stop the engine soon. The message is on
 * top of e->L's stack and is popped. */
static void callback_failed(lengine *e, const char *which)
{
    lua_State *L = e->L;
    if (!e->failed) {
        const char *msg = lua_tostring(L, -1);
        lua_pushfstring(L, "ntopcore: %s callback: %s", which, msg ? msg : "(error object is not a string)");
        lua_setiuservalue(L, e->self, UV_ERROR);
        e->failed = 1;
        ntcb_stop(&e->run);
    }
    lua_pop(L, 1);
}

/* Protected parts: everything that may raise (allocation included) runs under lua_pcall, never
 * across the engine's C frames. Argument 1 is the engine userdata, 2 the lengine pointer. */
static int p_flow_end(lua_State *L)
{
    lengine *e = lua_touserdata(L, 2);
    int why = (int)lua_tointeger(L, 3);
    lua_getiuservalue(L, 1, UV_FLOW_END);
    size_t pos = 0;
    ntcl_json_push(L, e->scratch.p, e->scratch.len, &pos);
    lua_pushstring(L, ntc_flow_end_reason_name(why));
    lua_call(L, 2, 0);
    return 0;
}

static int p_host_end(lua_State *L)
{
    lengine *e = lua_touserdata(L, 2);
    lua_getiuservalue(L, 1, UV_HOST_END);
    size_t pos = 0;
    ntcl_json_push(L, e->scratch.p, e->scratch.len, &pos);
    lua_call(L, 1, 0);
    return 0;
}

static int p_alert(lua_State *L)
{
    lengine *e = lua_touserdata(L, 2);
    lua_getiuservalue(L, 1, UV_ALERT);
    size_t pos = 0;
    ntcl_json_push(L, e->scratch.p, e->scratch.len, &pos);
    lua_call(L, 1, 0);
    return 0;
}

static int p_tick(lua_State *L)
{
    int tick = (int)lua_tointeger(L, 3);
    lua_Integer now_us = lua_tointeger(L, 4);
    lua_getiuservalue(L, 1, UV_TICK);
    lua_pushstring(L, ntcl_tick_name(tick));
    lua_pushnumber(L, (lua_Number)now_us / 1e6);
    lua_call(L, 2, 0);
    return 0;
}

static int p_log(lua_State *L)
{
    static const char *const levels[] = {"error", "warning", "info", "debug"};
    int lvl = (int)lua_tointeger(L, 3);
    const char *msg = lua_touserdata(L, 4);
    lua_getiuservalue(L, 1, UV_LOG);
    lua_pushstring(L, lvl >= 0 && lvl <= 3 ? levels[lvl] : "debug");
    lua_pushstring(L, msg);
    lua_call(L, 2, 0);
    return 0;
}

/* Push the protected function, the userdata and the pointer; returns 0 if the stack is full. */
static int cb_begin(lengine *e, lua_CFunction fn, int slot)
{
    if (!e->L || e->failed || !e->has_cb[slot - 1])
        return 0;
    if (!lua_checkstack(e->L, 6))
        return 0;
    lua_pushcfunction(e->L, fn);
    lua_pushvalue(e->L, e->self);
    lua_pushlightuserdata(e->L, e);
    return 1;
}

static void cb_call(lengine *e, int nargs, const char *which)
{
    if (lua_pcall(e->L, 2 + nargs, 0, 0) != LUA_OK)
        callback_failed(e, which);
}

static void c_flow_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    lengine *e = u;
    if (e->collecting)
        ntcb_collector_add(&e->col, f, why);
    if (!e->L || e->failed || !e->has_cb[UV_FLOW_END - 1])
        return;
    ntcb_buf_clear(&e->scratch);
    if (ntcb_flow_json(&e->scratch, f))
        return; /* out of memory: this flow is not shown to the callback */
    if (!cb_begin(e, p_flow_end, UV_FLOW_END))
        return;
    lua_pushinteger(e->L, why);
    cb_call(e, 1, "on_flow_end");
}

static void c_host_end(void *u, const ntc_host *h)
{
    lengine *e = u;
    if (!e->L || e->failed || !e->has_cb[UV_HOST_END - 1])
        return;
    ntcb_buf_clear(&e->scratch);
    if (ntcb_host_json(&e->scratch, h))
        return;
    if (!cb_begin(e, p_host_end, UV_HOST_END))
        return;
    cb_call(e, 0, "on_host_end");
}

static void c_alert(void *u, const ntc_alert *a)
{
    lengine *e = u;
    if (!e->L || e->failed || !e->has_cb[UV_ALERT - 1])
        return;
    ntcb_buf_clear(&e->scratch);
    if (ntcb_alert_json(&e->scratch, a))
        return;
    if (!cb_begin(e, p_alert, UV_ALERT))
        return;
    cb_call(e, 0, "on_alert");
}

static void c_tick(void *u, ntc_tick t, uint64_t now_us)
{
    lengine *e = u;
    if (!cb_begin(e, p_tick, UV_TICK))
        return;
    lua_pushinteger(e->L, t);
    lua_pushinteger(e->L, (lua_Integer)now_us);
    cb_call(e, 2, "on_tick");
}

static void c_log(void *u, ntc_log_level lvl, const char *msg)
{
    lengine *e = u;
    if (!cb_begin(e, p_log, UV_LOG))
        return;
    lua_pushinteger(e->L, lvl);
    lua_pushlightuserdata(e->L, (void *)msg); /* made a string inside the protected call */
    cb_call(e, 2, "on_log");
}

/* Calls that drive the engine (its callbacks may run) are bracketed by these. */
static lengine *drive_begin(lua_State *L, int self)
{
    lengine *e = check_engine(L, self);
    if (e->L)
        luaL_error(L, "ntopcore: the engine is already running (called from one of its callbacks)");
    e->L = L;
    e->self = lua_absindex(L, self);
    e->failed = 0;
    return e;
}

/* Raises the callback error, if any. */
static void drive_end(lua_State *L, lengine *e)
{
    e->L = NULL;
    if (e->failed) {
        e->failed = 0;
        lua_getiuservalue(L, e->self, UV_ERROR);
        lua_pushnil(L);
        lua_setiuservalue(L, e->self, UV_ERROR);
        lua_error(L);
    }
}

/* ---- engine creation ---- */

static void set_config(lua_State *L, ntc_config *cfg, int tbl)
{
    lua_pushnil(L);
    while (lua_next(L, tbl)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            ntc_config_free(cfg);
            luaL_error(L, "ntopcore.engine: configuration keys are strings (\"flow.idle_timeout\")");
        }
        const char *key = lua_tostring(L, -2);
        int rc;
        switch (lua_type(L, -1)) {
        case LUA_TBOOLEAN:
            rc = ntc_config_set_bool(cfg, key, lua_toboolean(L, -1));
            break;
        case LUA_TNUMBER: {
            int isint;
            lua_Integer v = lua_tointegerx(L, -1, &isint);
            if (!isint) {
                ntc_config_free(cfg);
                luaL_error(L, "ntopcore.engine: %s: a whole number is needed", key);
            }
            const ntc_config_option *o = ntc_config_option_find(key);
            rc = o && o->type == NTC_CONFIG_BOOL ? ntc_config_set_bool(cfg, key, v != 0)
                                                 : ntc_config_set_int(cfg, key, v);
            break;
        }
        case LUA_TSTRING:
            rc = ntc_config_set(cfg, key, lua_tostring(L, -1));
            break;
        default:
            ntc_config_free(cfg);
            luaL_error(L, "ntopcore.engine: %s: a number, boolean or string is needed, not a %s",
                       key, luaL_typename(L, -1));
            return;
        }
        if (rc) {
            lua_pushstring(L, ntc_config_errmsg(cfg));
            ntc_config_free(cfg);
            lua_error(L);
        }
        lua_pop(L, 1);
    }
}

static int l_engine(lua_State *L)
{
    int has_cfg = !lua_isnoneornil(L, 1);
    if (has_cfg)
        luaL_checktype(L, 1, LUA_TTABLE);
    lengine *e = lua_newuserdatauv(L, sizeof(*e), UV_COUNT);
    memset(e, 0, sizeof(*e));
    luaL_setmetatable(L, ENGINE_MT);
    ntc_config *cfg = ntc_config_new();
    if (!cfg)
        return luaL_error(L, "ntopcore.engine: out of memory");
    if (has_cfg)
        set_config(L, cfg, 1);
    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, cfg);
    ntc_config_free(cfg);
    if (rc) {
        lua_pushfstring(L, "ntopcore.engine: %s",
                        eng && ntc_engine_errmsg(eng)[0] ? ntc_engine_errmsg(eng) : ntc_strerror(rc));
        ntc_engine_free(eng);
        return lua_error(L);
    }
    e->eng = eng;
    ntcb_collector_init(&e->col, eng, FLOW_BATCH);
    ntcb_runner_init(&e->run, eng, &e->col);
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = c_flow_end,
                        .host_end = c_host_end, .tick = c_tick, .log = c_log,
                        .alert = c_alert};
    ntc_engine_set_callbacks(eng, &cb, e);
    return 1;
}

static int l_close(lua_State *L)
{
    lengine *e = luaL_checkudata(L, 1, ENGINE_MT);
    if (e->L)
        return luaL_error(L, "ntopcore: cannot close the engine from its own callbacks");
    ntc_engine_free(e->eng);
    e->eng = NULL;
    ntcb_collector_free(&e->col);
    ntcb_buf_free(&e->scratch);
    ntcb_buf_free(&e->wbuf);
    return 0;
}

static int l_gc(lua_State *L)
{
    lengine *e = luaL_checkudata(L, 1, ENGINE_MT);
    e->L = NULL; /* a collected engine is not running */
    return l_close(L);
}

static int l_tostring(lua_State *L)
{
    lengine *e = luaL_checkudata(L, 1, ENGINE_MT);
    if (e->eng)
        lua_pushfstring(L, "ntopcore.engine (%p)", (void *)e);
    else
        lua_pushstring(L, "ntopcore.engine (closed)");
    return 1;
}

/* ---- sources and running ---- */

static int l_open_file(lua_State *L)
{
    lengine *e = check_engine(L, 1);
    const char *path = luaL_checkstring(L, 2);
    int rc = ntc_engine_open_file(e->eng, path);
    if (rc)
        return ntcl_raise(L, "open_file", rc, ntc_engine_errmsg(e->eng));
    e->iter_done = 0;
    e->flushing = 0;
    lua_settop(L, 1);
    return 1;
}

static int l_open_live(lua_State *L)
{
    lengine *e = check_engine(L, 1);
    const char *ifname = luaL_checkstring(L, 2);
    int rc = ntc_engine_open_live(e->eng, ifname);
    if (rc)
        return ntcl_raise(L, "open_live", rc, ntc_engine_errmsg(e->eng));
    e->run.live = 1;
    e->iter_done = 0;
    e->flushing = 0;
    lua_settop(L, 1);
    return 1;
}

static int l_source_count(lua_State *L)
{
    lengine *e = check_engine(L, 1);
    lua_pushinteger(L, ntc_engine_source_count(e->eng));
    return 1;
}

/* e:run([max_packets]) -> packets processed. Until the sources end, max_packets, or e:stop(). */
static int l_run(lua_State *L)
{
    lua_Integer max = luaL_optinteger(L, 2, 0);
    luaL_argcheck(L, max >= 0, 2, "a packet count >= 0 is needed");
    lengine *e = drive_begin(L, 1);
    uint64_t n = 0;
    int err = 0;
    e->run.col = NULL; /* a batch that flows() has not handed out yet must not stop this run */
    ntcb_run(&e->run, (uint64_t)max, 0, &n, &err);
    e->run.col = &e->col;
    drive_end(L, e);
    if (err)
        return ntcl_raise(L, "run", err, e->run.errmsg);
    lua_pushinteger(L, (lua_Integer)n);
    return 1;
}

/* e:poll([timeout_ms]) -> packets processed, or nil when every source has finished. */
static int l_poll(lua_State *L)
{
    lua_Integer timeout = luaL_optinteger(L, 2, 0);
    luaL_argcheck(L, timeout >= -1 && timeout <= 3600000, 2, "a timeout in ms (-1 .. 3600000)");
    lengine *e = drive_begin(L, 1);
    int rc = ntc_engine_poll(e->eng, (int)timeout);
    drive_end(L, e);
    if (rc == NTC_EOF) {
        lua_pushnil(L);
        return 1;
    }
    if (rc < 0)
        return ntcl_raise(L, "poll", rc, ntc_engine_errmsg(e->eng));
    lua_pushinteger(L, rc);
    return 1;
}

/* e:ingest(data, ts_us [, linktype [, wirelen]]) */
static int l_ingest(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    lua_Integer ts = luaL_checkinteger(L, 3);
    lua_Integer lt = luaL_optinteger(L, 4, NTC_LINKTYPE_ETHERNET);
    lua_Integer wire = luaL_optinteger(L, 5, 0);
    luaL_argcheck(L, ts >= 0, 3, "a time in microseconds since the epoch");
    luaL_argcheck(L, len <= UINT32_MAX, 2, "packet too large");
    luaL_argcheck(L, wire >= 0 && wire <= UINT32_MAX, 5, "bad wire length");
    lengine *e = drive_begin(L, 1);
    int rc = ntc_engine_ingest(e->eng, (int)lt, (uint64_t)ts, (const uint8_t *)data, (uint32_t)len,
                               (uint32_t)wire);
    drive_end(L, e);
    if (rc && rc != NTC_ENOTSUP)
        return ntcl_raise(L, "ingest", rc, NULL);
    lua_pushboolean(L, rc == 0); /* false: unknown link type (counted) */
    return 1;
}

static int l_advance(lua_State *L)
{
    lua_Integer now = luaL_checkinteger(L, 2);
    luaL_argcheck(L, now >= 0, 2, "a time in microseconds since the epoch");
    lengine *e = drive_begin(L, 1);
    int rc = ntc_engine_advance(e->eng, (uint64_t)now);
    drive_end(L, e);
    if (rc)
        return ntcl_raise(L, "advance", rc, NULL);
    return 0;
}

static int l_flush(lua_State *L)
{
    lengine *e = drive_begin(L, 1);
    int rc = ntc_engine_flush(e->eng);
    drive_end(L, e);
    if (rc)
        return ntcl_raise(L, "flush", rc, NULL);
    return 0;
}

static int l_stop(lua_State *L)
{
    lengine *e = check_engine(L, 1);
    ntcb_stop(&e->run);
    return 0;
}

/* The flows() iterator: runs the sources a batch of ended flows at a time and hands them out;
 * at the end of the input the remaining flows are flushed and handed out too. */
static int flows_next(lua_State *L)
{
    lua_settop(L, 0);
    lua_pushvalue(L, lua_upvalueindex(1));
    lengine *e = check_engine(L, 1);
    for (;;) {
        if (e->iter_i < e->col.count) {
            ntcl_json_push(L, e->col.text.p, e->col.text.len, &e->iter_pos);
            lua_pushstring(L, ntc_flow_end_reason_name(e->col.reasons[e->iter_i]));
            e->iter_i++;
            return 2;
        }
        ntcb_collector_clear(&e->col);
        e->iter_i = e->iter_pos = 0;
        if (e->iter_done) {
            if (e->src_err) {
                int err = e->src_err;
                e->src_err = 0;
                return ntcl_raise(L, "flows", err, e->run.errmsg);
            }
            return 0;
        }
        drive_begin(L, 1);
        e->collecting = 1;
        uint64_t n;
        int finished = e->flushing || ntcb_run(&e->run, 0, 0, &n, &e->src_err);
        if (finished && !e->failed) {
            /* The flows still open, a batch at a time (memory stays bounded). */
            e->flushing = 1;
            if (ntc_engine_flush_some(e->eng, FLOW_BATCH) == 0) {
                e->flushing = 0;
                e->iter_done = 1;
            }
        }
        e->collecting = 0;
        drive_end(L, e);
        if (e->col.oom)
            return luaL_error(L, "ntopcore: flows: out of memory (records lost)");
        if (!finished && e->col.count == 0 && !e->iter_done) {
            /* Stopped (e:stop()) with nothing ended: the iteration ends here; calling flows()
             * again goes on. */
            return 0;
        }
    }
}

static int l_flows(lua_State *L)
{
    check_engine(L, 1);
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, flows_next, 1);
    return 1;
}

/* ---- reading ---- */

typedef int (*walk_fn)(ntcb_buf *b, ntc_engine *eng, int arg);

static int w_flows(ntcb_buf *b, ntc_engine *eng, int arg)
{
    (void)arg;
    return ntcb_active_flows_json(b, eng);
}

static int w_hosts(ntcb_buf *b, ntc_engine *eng, int arg)
{
    (void)arg;
    return ntcb_hosts_json(b, eng);
}

static int w_apps(ntcb_buf *b, ntc_engine *eng, int arg)
{
    return ntcb_apps_json(b, eng, arg);
}

static int w_alerts(ntcb_buf *b, ntc_engine *eng, int arg)
{
    (void)arg;
    return ntcb_engaged_alerts_json(b, eng);
}

static int walk_iter(lua_State *L, const char *what, walk_fn fn, int arg)
{
    lengine *e = check_engine(L, 1);
    ntcb_buf_clear(&e->wbuf);
    int rc = fn(&e->wbuf, e->eng, arg);
    if (rc == NTC_ESTATE)
        return luaL_error(L, "ntopcore: %s: not available in this callback (only in on_tick or "
                             "outside callbacks)", what);
    if (rc)
        return ntcl_raise(L, what, rc, NULL);
    ntcl_json_array(L, e->wbuf.p, e->wbuf.len);
    ntcl_push_array_iter(L, -1);
    return 1;
}

static int l_active_flows(lua_State *L)
{
    return walk_iter(L, "active_flows", w_flows, 0);
}

static int l_hosts(lua_State *L)
{
    return walk_iter(L, "hosts", w_hosts, 0);
}

static int l_apps(lua_State *L)
{
    return walk_iter(L, "apps", w_apps, lua_toboolean(L, 2));
}

static int l_alerts(lua_State *L)
{
    return walk_iter(L, "alerts", w_alerts, 0);
}

static int l_stats(lua_State *L)
{
    lengine *e = check_engine(L, 1);
    ntcb_buf_clear(&e->wbuf);
    int rc = ntcb_engine_stats_json(&e->wbuf, e->eng);
    if (rc)
        return ntcl_raise(L, "stats", rc, NULL);
    size_t pos = 0;
    ntcl_json_push(L, e->wbuf.p, e->wbuf.len, &pos);
    return 1;
}

static int l_app_name(lua_State *L)
{
    lengine *e = check_engine(L, 1);
    lua_Integer id = luaL_checkinteger(L, 2);
    const char *n = id >= 0 && id <= 65535 ? ntc_engine_app_name(e->eng, (uint16_t)id) : NULL;
    if (n)
        lua_pushstring(L, n);
    else
        lua_pushnil(L);
    return 1;
}

/* ---- callbacks setters: e:on_flow_end(fn) ... (nil removes) ---- */

static int set_cb(lua_State *L, int slot)
{
    lengine *e = check_engine(L, 1);
    if (!lua_isnil(L, 2))
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    e->has_cb[slot - 1] = !lua_isnil(L, 2);
    lua_setiuservalue(L, 1, slot);
    return 0;
}

static int l_on_flow_end(lua_State *L)
{
    return set_cb(L, UV_FLOW_END);
}

static int l_on_tick(lua_State *L)
{
    return set_cb(L, UV_TICK);
}

static int l_on_host_end(lua_State *L)
{
    return set_cb(L, UV_HOST_END);
}

static int l_on_log(lua_State *L)
{
    return set_cb(L, UV_LOG);
}

static int l_on_alert(lua_State *L)
{
    return set_cb(L, UV_ALERT);
}

/* ---- module functions ---- */

static int l_version(lua_State *L)
{
    lua_pushstring(L, ntc_version_string());
    return 1;
}

static int l_json_decode(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    size_t pos = 0;
    ntcl_json_push(L, s, n, &pos);
    return 1;
}

static int l_config_options(lua_State *L)
{
    static const char *const types[] = {"?", "int", "bool", "string"};
    size_t n = ntc_config_option_count();
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        const ntc_config_option *o = ntc_config_option_at(i);
        lua_createtable(L, 0, 8);
        lua_pushstring(L, o->key);
        lua_setfield(L, -2, "key");
        lua_pushstring(L, types[o->type >= 1 && o->type <= 3 ? o->type : 0]);
        lua_setfield(L, -2, "type");
        if (o->type == NTC_CONFIG_STRING)
            lua_pushstring(L, o->def_string);
        else if (o->type == NTC_CONFIG_BOOL)
            lua_pushboolean(L, o->def_int != 0);
        else
            lua_pushinteger(L, (lua_Integer)o->def_int);
        lua_setfield(L, -2, "default");
        if (o->type == NTC_CONFIG_INT) {
            lua_pushinteger(L, (lua_Integer)o->min);
            lua_setfield(L, -2, "min");
            lua_pushinteger(L, (lua_Integer)o->max);
            lua_setfield(L, -2, "max");
        }
        lua_pushstring(L, o->unit);
        lua_setfield(L, -2, "unit");
        lua_pushstring(L, o->doc);
        lua_setfield(L, -2, "doc");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static const luaL_Reg engine_methods[] = {
    {"open_file", l_open_file},
    {"open_live", l_open_live},
    {"source_count", l_source_count},
    {"run", l_run},
    {"poll", l_poll},
    {"ingest", l_ingest},
    {"advance", l_advance},
    {"flush", l_flush},
    {"stop", l_stop},
    {"flows", l_flows},
    {"active_flows", l_active_flows},
    {"hosts", l_hosts},
    {"apps", l_apps},
    {"alerts", l_alerts},
    {"stats", l_stats},
    {"app_name", l_app_name},
    {"on_flow_end", l_on_flow_end},
    {"on_tick", l_on_tick},
    {"on_host_end", l_on_host_end},
    {"on_alert", l_on_alert},
    {"on_log", l_on_log},
    {"close", l_close},
    {NULL, NULL}};

static const luaL_Reg module_functions[] = {
    {"engine", l_engine},
    {"version", l_version},
    {"json_decode", l_json_decode},
    {"config_options", l_config_options},
    {NULL, NULL}};

/* The one exported symbol of the module. */
__attribute__((visibility("default"))) int luaopen_ntopcore(lua_State *L);

int luaopen_ntopcore(lua_State *L)
{
    luaL_newmetatable(L, ENGINE_MT);
    luaL_newlib(L, engine_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, l_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);

    luaL_newlib(L, module_functions);
    lua_createtable(L, 0, 8);
    static const struct { const char *name; int value; } linktypes[] = {
        {"NULL", NTC_LINKTYPE_NULL}, {"ETHERNET", NTC_LINKTYPE_ETHERNET},
        {"RAW", NTC_LINKTYPE_RAW}, {"LOOP", NTC_LINKTYPE_LOOP},
        {"LINUX_SLL", NTC_LINKTYPE_LINUX_SLL}, {"IPV4", NTC_LINKTYPE_IPV4},
        {"IPV6", NTC_LINKTYPE_IPV6}, {"LINUX_SLL2", NTC_LINKTYPE_LINUX_SLL2}};
    for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++) {
        lua_pushinteger(L, linktypes[i].value);
        lua_setfield(L, -2, linktypes[i].name);
    }
    lua_setfield(L, -2, "linktype");
    return 1;
}
