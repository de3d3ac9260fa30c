/* Sandboxed Lua scripts run by the tools on engine callbacks (script.h). */
#include "script.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_common.h"

/* The count hook runs every HOOK_STEP instructions (every instruction once the budget is spent). */
#define HOOK_STEP 1000

enum { CB_SECOND, CB_MINUTE, CB_5MINUTES, CB_HOUR, CB_DAY, CB_FLOW_END, CB_ALERT, CB_COUNT };

static const char *const cb_names[CB_COUNT] = {"on_second", "on_minute", "on_5minutes", "on_hour",
                                               "on_day", "on_flow_end", "on_alert"};

typedef struct script {
    struct script_host *host;
    lua_State *L;
    char *path;
    /* Memory: `mem` bytes held by the state; above `mem_limit` the hook stops the running call
     * (with its position); allocations beyond `mem_hard` fail at once. */
    size_t mem, mem_limit, mem_hard;
    /* Instructions of the current call. */
    uint64_t used, budget;
    int exhausted;
    int has[CB_COUNT];        /* the callback was a function when the script was loaded */
    uint64_t errors;
    unsigned shown;
} script;

struct script_host {
    script_opts o;
    script **s;
    int n;
    ntc_engine *eng;
    int wants_flows;
    ntcb_buf rec;             /* the flow record being handed to the scripts */
    ntcb_buf walk;            /* interface.flows()/hosts()/apps()/stats() */
    uint64_t errors;
    int running;              /* a script callback is running (alerts it raises skip on_alert) */
};

/* ---- reporting ---- */

static void report(script_host *h, int is_error, const char *msg)
{
    if (h->o.report)
        h->o.report(h->o.user, is_error, msg);
    else
        fprintf(stderr, "%s\n", msg);
}

static void script_error(script *s, const char *cb, const char *msg)
{
    s->errors++;
    s->host->errors++;
    if (s->shown >= SCRIPT_MAX_SHOWN_ERRORS)
        return;
    char line[1024];
    s->shown++;
    snprintf(line, sizeof(line), "%s (in %s)%s", msg, cb,
             s->shown == SCRIPT_MAX_SHOWN_ERRORS ? "; further errors of this script are only counted"
                                                 : "");
    report(s->host, 1, line);
}

/* ---- limits: allocator and count hook ---- */

static void *s_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    script *s = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        s->mem -= old;
    } else {
        if (nsize > old && s->mem - old + nsize > s->mem_hard)
            return NULL; /* Lua collects garbage and retries, else raises "not enough memory" */
        void *p = realloc(ptr, nsize);
        if (!p)
            return NULL;
        s->mem = s->mem - old + nsize;
        ptr = p;
    }
    return nsize ? ptr : NULL;
}

static script *of_state(lua_State *L)
{
    return *(script **)lua_getextraspace(L);
}

static void s_hook(lua_State *L, lua_Debug *ar)
{
    script *s = of_state(L);
    s->used += (uint64_t)lua_gethookcount(L);
    char why[128];
    why[0] = 0;
    /* No collection here: finalizers would run with hooks off. Lua's own collector (and its
     * emergency collection at the hard cap) keeps garbage in check. */
    if (s->mem > s->mem_limit) {
        snprintf(why, sizeof(why), "memory cap of %zu MB reached", s->mem_limit >> 20);
    } else if (s->exhausted || s->used > s->budget) {
        if (!s->exhausted) {
            s->exhausted = 1;
            /* From now on every instruction fails, so a pcall in the script cannot go on. */
            lua_sethook(L, s_hook, LUA_MASKCOUNT, 1);
        }
        snprintf(why, sizeof(why), "instruction budget of %llu exceeded",
                 (unsigned long long)s->budget);
    }
    if (!why[0])
        return;
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
        lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline, why);
    else
        lua_pushstring(L, why);
    lua_error(L);
}

static void call_begin(script *s)
{
    s->used = 0;
    s->exhausted = 0;
    lua_sethook(s->L, s_hook, LUA_MASKCOUNT, HOOK_STEP);
}

static void call_end(script *s)
{
    lua_sethook(s->L, NULL, 0, 0);
}

/* Message handler: non-string error objects become text. */
static int s_msgh(lua_State *L)
{
    if (!lua_isstring(L, 1))
        luaL_tolstring(L, 1, NULL);
    return 1;
}

/* Run the function below its nargs arguments on the stack, protected and within the limits,
 * leaving nres results. Returns 0, or -1 with the error message written to err. Nothing that may
 * allocate or run script code happens outside such a call (a Lua error there would abort). */
static int s_pcall(script *s, int nargs, int nres, char *err, size_t errlen)
{
    lua_State *L = s->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, s_msgh);
    lua_insert(L, base);
    call_begin(s);
    s->host->running++;
    int rc = lua_pcall(L, nargs, nres, base);
    s->host->running--;
    if (rc != LUA_OK) {
        if (rc == LUA_ERRMEM)
            snprintf(err, errlen, "%s: not enough memory (memory cap of %zu MB)", s->path,
                     s->mem_limit >> 20);
        else
            snprintf(err, errlen, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        lua_settop(L, base - 1);
        /* Collect what the failed call left behind; finalizers stay within a fresh budget. */
        call_begin(s);
        lua_gc(L, LUA_GCCOLLECT);
        call_end(s);
        return -1;
    }
    call_end(s);
    lua_remove(L, base);
    return 0;
}

/* ---- what scripts see ---- */

static script *upscript(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static int need_engine(lua_State *L, script *s)
{
    if (!s->host->eng)
        return luaL_error(L, "no engine yet (the interface is available in callbacks)");
    return 0;
}

static int i_stats(lua_State *L)
{
    script *s = upscript(L);
    need_engine(L, s);
    ntcb_buf_clear(&s->host->walk);
    if (ntcb_engine_stats_json(&s->host->walk, s->host->eng))
        return luaL_error(L, "interface.stats: out of memory");
    size_t pos = 0;
    ntcl_json_push(L, s->host->walk.p, s->host->walk.len, &pos);
    return 1;
}

static int walk(lua_State *L, const char *what, int kind)
{
    script *s = upscript(L);
    need_engine(L, s);
    ntcb_buf *b = &s->host->walk;
    ntcb_buf_clear(b);
    int rc = kind == 0   ? ntcb_active_flows_json(b, s->host->eng)
             : kind == 1 ? ntcb_hosts_json(b, s->host->eng)
             : kind == 3 ? ntcb_engaged_alerts_json(b, s->host->eng)
                         : ntcb_apps_json(b, s->host->eng, lua_toboolean(L, 1));
    if (rc == NTC_ESTATE)
        return luaL_error(L, "interface.%s() is available in on_second .. on_day only", what);
    if (rc)
        return luaL_error(L, "interface.%s: %s", what, ntc_strerror(rc));
    ntcl_json_array(L, b->p, b->len);
    ntcl_push_array_iter(L, -1);
    return 1;
}

static int i_flows(lua_State *L)
{
    return walk(L, "flows", 0);
}

static int i_hosts(lua_State *L)
{
    return walk(L, "hosts", 1);
}

static int i_apps(lua_State *L)
{
    return walk(L, "apps", 2);
}

static int i_alerts(lua_State *L)
{
    return walk(L, "alerts", 3);
}

static int n_version(lua_State *L)
{
    lua_pushstring(L, ntc_version_string());
    return 1;
}

static int n_app_name(lua_State *L)
{
    script *s = upscript(L);
    lua_Integer id = luaL_checkinteger(L, 1);
    const char *n = NULL;
    if (id >= 0 && id <= 65535)
        n = s->host->eng ? ntc_engine_app_name(s->host->eng, (uint16_t)id)
                         : ntc_l7_app_name((uint16_t)id);
    if (n)
        lua_pushstring(L, n);
    else
        lua_pushnil(L);
    return 1;
}

/* ntop.raise_alert(severity, description [, entity [, entity_id]]): an alert of type "user"
 * (severity info|warning|error|critical, entity interface|host|network|flow). Returns true when
 * raised (or held back by the rate limit), false and a reason otherwise. */
static int n_raise_alert(lua_State *L)
{
    script *s = upscript(L);
    static const char *const sev[] = {"info", "warning", "error", "critical", NULL};
    static const char *const ent[] = {"interface", "host", "network", "flow", NULL};
    int severity = luaL_checkoption(L, 1, NULL, sev);
    const char *desc = luaL_checkstring(L, 2);
    int entity = luaL_checkoption(L, 3, "interface", ent);
    const char *id = luaL_optstring(L, 4, "");
    int rc = s->host->eng ? ntc_engine_alert_raise(s->host->eng, severity, entity, id, desc)
                          : NTC_ESTATE;
    lua_pushboolean(L, rc == 0);
    if (rc == 0)
        return 1;
    lua_pushstring(L, rc == NTC_ESTATE ? "alerts are off, or raised from on_alert"
                                        : ntc_strerror(rc));
    return 2;
}

/* ntop.dump_host(address [, on = true]): mark a host for the tool's packet dump (ntop-dump), or
 * unmark it. Returns true, or false and the reason. */
static int n_dump_host(lua_State *L)
{
    script *s = upscript(L);
    const char *addr = luaL_checkstring(L, 1);
    int on = lua_isnoneornil(L, 2) ? 1 : lua_toboolean(L, 2);
    char err[256] = "";
    if (!s->host->o.dump_host) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, "this tool writes no packets (ntop.dump_host works in ntop-dump)");
        return 2;
    }
    if (s->host->o.dump_host(s->host->o.dump_user, addr, on, err, sizeof(err))) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, err[0] ? err : "refused");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* print(...) and ntop.log(...): the arguments as tostring() gives them, tab-separated. */
static int n_print(lua_State *L)
{
    script *s = upscript(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        size_t l;
        const char *t = luaL_tolstring(L, i, &l);
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_addvalue(&b);
        (void)t;
    }
    luaL_pushresult(&b);
    report(s->host, 0, lua_tostring(L, -1));
    return 0;
}

/* load() for text chunks only (binary chunks can break the interpreter's safety). */
static int safe_load(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    if (n >= 2)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_pushliteral(L, "t");
    if (n >= 4)
        lua_pushvalue(L, 4);
    lua_call(L, n >= 4 ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - n;
}

/* setmetatable() without finalizers: Lua runs __gc with hooks off, so a finalizer that loops
 * could not be stopped. (A __gc field added to the metatable later does not make the object
 * finalizable: Lua looks at it only when the metatable is set.) */
static int safe_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in scripts");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* Lua's pattern matcher runs in C, where the count hook cannot stop it, and backtracking makes
 * it polynomial in the subject length with the number of repetitions in the pattern (exponential
 * in practice for patterns like ("a*"):rep(30)). string.find, match, gmatch and gsub refuse a
 * match whose worst case, (length + 1) ^ (repetitions + 1) steps, exceeds PATTERN_MAX_STEPS:
 * e.g. 2 repetitions on up to 2150 bytes, 3 on up to 315. Plain finds are not limited. */
#define PATTERN_MAX_STEPS 1e10

static int pattern_reps(const char *p, size_t len)
{
    int q = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '%') {
            i++;
            if (i < len && p[i] == 'b') /* %bxy scans ahead like a repetition */
                q++;
        } else if (c == '[') {
            size_t j = i + 1;
            if (j < len && p[j] == '^')
                j++;
            if (j < len && p[j] == ']')
                j++;
            for (; j < len && p[j] != ']'; j++)
                if (p[j] == '%')
                    j++;
            i = j;
        } else if (c == '*' || c == '+' || c == '-' || c == '?') {
            q++;
        }
    }
    return q;
}

static int guarded_pattern(lua_State *L)
{
    size_t n, pl;
    const char *subject = lua_tolstring(L, 1, &n);
    const char *pat = lua_tolstring(L, 2, &pl);
    int plain = lua_toboolean(L, lua_upvalueindex(2)) && lua_toboolean(L, 4);
    if (subject && pat && !plain) {
        int q = pattern_reps(pat, pl);
        if (q > 0 && pow((double)n + 1, q + 1) > PATTERN_MAX_STEPS)
            return luaL_error(L, "pattern with %d repetitions on %d bytes: too costly for a script "
                                 "(the matcher cannot be interrupted)", q, (int)n);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static void guard_string_functions(lua_State *L)
{
    static const char *const names[] = {"find", "match", "gmatch", "gsub"};
    lua_getglobal(L, LUA_STRLIBNAME);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        lua_getfield(L, -1, names[i]);
        lua_pushboolean(L, i == 0); /* string.find has a "plain" argument */
        lua_pushcclosure(L, guarded_pattern, 2);
        lua_setfield(L, -2, names[i]);
    }
    lua_pop(L, 1);
}

/* A read-only view: an empty table whose metatable reads from `funcs` and refuses writes. */
static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "%s is read-only", lua_tostring(L, lua_upvalueindex(1)));
}

static void push_view(lua_State *L, script *s, const char *name, const luaL_Reg *funcs)
{
    lua_newtable(L);                  /* the view */
    lua_createtable(L, 0, 4);         /* its metatable */
    lua_newtable(L);                  /* the functions */
    lua_pushlightuserdata(L, s);
    luaL_setfuncs(L, funcs, 1);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, ro_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_setglobal(L, name);
}

static int setup_state(lua_State *L)
{
    script *s = lua_touserdata(L, 1);
    static const struct { const char *name; lua_CFunction open; } libs[] = {
        {LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine}};
    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
        luaL_requiref(L, libs[i].name, libs[i].open, 1);
        lua_pop(L, 1);
    }
    if (s->host->o.allow_os) {
        luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 1);
        lua_pop(L, 1);
    }
    if (s->host->o.allow_io) {
        luaL_requiref(L, LUA_IOLIBNAME, luaopen_io, 1);
        lua_pop(L, 1);
    }
    /* Files only through io/os when allowed; no binary chunks. */
    lua_pushnil(L);
    lua_setglobal(L, "dofile");
    lua_pushnil(L);
    lua_setglobal(L, "loadfile");
    lua_getglobal(L, "load");
    lua_pushcclosure(L, safe_load, 1);
    lua_setglobal(L, "load");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, safe_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    guard_string_functions(L);
    lua_pushlightuserdata(L, s);
    lua_pushcclosure(L, n_print, 1);
    lua_setglobal(L, "print");

    static const luaL_Reg iface[] = {{"stats", i_stats}, {"flows", i_flows}, {"hosts", i_hosts},
                                     {"apps", i_apps}, {"alerts", i_alerts}, {NULL, NULL}};
    static const luaL_Reg ntop[] = {{"version", n_version}, {"app_name", n_app_name},
                                    {"log", n_print}, {"raise_alert", n_raise_alert},
                                    {"dump_host", n_dump_host}, {NULL, NULL}};
    push_view(L, s, "interface", iface);
    push_view(L, s, "ntop", ntop);
    return 0;
}

/* ---- host ---- */

script_host *script_host_new(const script_opts *opts)
{
    script_host *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    if (opts)
        h->o = *opts;
    if (!h->o.budget)
        h->o.budget = SCRIPT_DEFAULT_BUDGET;
    if (!h->o.memory)
        h->o.memory = SCRIPT_DEFAULT_MEMORY;
    return h;
}

static void script_free(script *s)
{
    if (!s)
        return;
    if (s->L) {
        /* Finalizers (__gc) run here: keep them within the budget. */
        call_begin(s);
        lua_close(s->L);
    }
    free(s->path);
    free(s);
}

void script_host_free(script_host *h)
{
    if (!h)
        return;
    h->eng = NULL; /* finalizers run by lua_close must not reach an engine already freed */
    for (int i = 0; i < h->n; i++)
        script_free(h->s[i]);
    free(h->s);
    ntcb_buf_free(&h->rec);
    ntcb_buf_free(&h->walk);
    free(h);
}

int script_host_count(const script_host *h)
{
    return h ? h->n : 0;
}

void script_host_set_engine(script_host *h, ntc_engine *eng)
{
    if (h)
        h->eng = eng;
}

uint64_t script_host_errors(const script_host *h)
{
    return h ? h->errors : 0;
}

/* Protected: which callbacks the script defines, as a bit mask. */
static int p_scan(lua_State *L)
{
    lua_Integer mask = 0;
    for (int k = 0; k < CB_COUNT; k++) {
        if (lua_getglobal(L, cb_names[k]) == LUA_TFUNCTION)
            mask |= (lua_Integer)1 << k;
        lua_pop(L, 1);
    }
    lua_pushinteger(L, mask);
    return 1;
}

int script_host_load(script_host *h, const char *path, char *err, size_t errlen)
{
    script *s = calloc(1, sizeof(*s));
    script **v = realloc(h->s, (size_t)(h->n + 1) * sizeof(*v));
    if (!s || !v || !(s->path = strdup(path))) {
        free(s ? s->path : NULL);
        free(s);
        if (v)
            h->s = v;
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    h->s = v;
    s->host = h;
    s->budget = h->o.budget;
    s->mem_limit = h->o.memory;
    s->mem_hard = h->o.memory + h->o.memory / 4;
    s->L = lua_newstate(s_alloc, s);
    if (!s->L) {
        snprintf(err, errlen, "%s: out of memory", path);
        script_free(s);
        return -1;
    }
    *(script **)lua_getextraspace(s->L) = s;
    lua_State *L = s->L;
    lua_pushcfunction(L, setup_state);
    lua_pushlightuserdata(L, s);
    if (s_pcall(s, 1, 0, err, errlen)) {
        script_free(s);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        script_free(s);
        return -1;
    }
    fclose(f);
    int rc = luaL_loadfilex(L, path, "t"); /* protected by itself */
    if (rc != LUA_OK) {
        if (rc == LUA_ERRMEM)
            snprintf(err, errlen, "%s: not enough memory", path);
        else
            snprintf(err, errlen, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "cannot load");
        script_free(s);
        return -1;
    }
    if (s_pcall(s, 0, 0, err, errlen)) {
        script_free(s);
        return -1;
    }
    lua_pushcfunction(L, p_scan);
    if (s_pcall(s, 0, 1, err, errlen)) {
        script_free(s);
        return -1;
    }
    lua_Integer mask = lua_tointeger(L, -1);
    lua_pop(L, 1);
    for (int k = 0; k < CB_COUNT; k++)
        s->has[k] = (mask >> k) & 1;
    if (s->has[CB_FLOW_END])
        h->wants_flows = 1;
    if (!mask) {
        char line[1200];
        snprintf(line, sizeof(line),
                 "%s: defines none of on_second, on_minute, on_5minutes, on_hour, on_day, "
                 "on_flow_end, on_alert: it will never be called", path);
        report(h, 1, line);
    }
    h->s[h->n++] = s;
    return 0;
}

/* Protected: call the global function named by cb_names[arg 1] with the number arg 2. */
static int p_tick(lua_State *L)
{
    int cb = (int)lua_tointeger(L, 1);
    if (lua_getglobal(L, cb_names[cb]) != LUA_TFUNCTION)
        return 0; /* removed since loading */
    lua_pushvalue(L, 2);
    lua_call(L, 1, 0);
    return 0;
}

void script_host_tick(script_host *h, ntc_tick tick, uint64_t now_us)
{
    if (!h)
        return;
    int cb = tick == NTC_TICK_SECOND         ? CB_SECOND
             : tick == NTC_TICK_MINUTE       ? CB_MINUTE
             : tick == NTC_TICK_FIVE_MINUTES ? CB_5MINUTES
             : tick == NTC_TICK_HOUR         ? CB_HOUR
             : tick == NTC_TICK_DAY          ? CB_DAY
                                             : -1;
    if (cb < 0)
        return;
    for (int i = 0; i < h->n; i++) {
        script *s = h->s[i];
        if (!s->has[cb] || !lua_checkstack(s->L, 8))
            continue;
        char err[1024];
        lua_pushcfunction(s->L, p_tick);
        lua_pushinteger(s->L, cb);
        lua_pushnumber(s->L, (lua_Number)now_us / 1e6);
        if (s_pcall(s, 2, 0, err, sizeof(err)))
            script_error(s, cb_names[cb], err);
    }
}

/* Protected: on_flow_end(record, reason); arg 1 the host, arg 2 the reason. */
static int p_flow_end(lua_State *L)
{
    script_host *h = lua_touserdata(L, 1);
    int why = (int)lua_tointeger(L, 2);
    if (lua_getglobal(L, cb_names[CB_FLOW_END]) != LUA_TFUNCTION)
        return 0;
    size_t pos = 0;
    ntcl_json_push(L, h->rec.p, h->rec.len, &pos);
    lua_pushstring(L, ntc_flow_end_reason_name(why));
    lua_call(L, 2, 0);
    return 0;
}

void script_host_flow_end(script_host *h, const ntc_flow *flow, ntc_flow_end_reason why)
{
    if (!h || !h->wants_flows)
        return;
    ntcb_buf_clear(&h->rec);
    if (ntcb_flow_json(&h->rec, flow))
        return;
    for (int i = 0; i < h->n; i++) {
        script *s = h->s[i];
        if (!s->has[CB_FLOW_END] || !lua_checkstack(s->L, 8))
            continue;
        char err[1024];
        lua_pushcfunction(s->L, p_flow_end);
        lua_pushlightuserdata(s->L, h);
        lua_pushinteger(s->L, why);
        if (s_pcall(s, 2, 0, err, sizeof(err)))
            script_error(s, cb_names[CB_FLOW_END], err);
    }
}

/* Protected: on_alert(record); arg 1 the host (the alert's JSON is in h->rec). */
static int p_alert(lua_State *L)
{
    script_host *h = lua_touserdata(L, 1);
    if (lua_getglobal(L, cb_names[CB_ALERT]) != LUA_TFUNCTION)
        return 0;
    size_t pos = 0;
    ntcl_json_push(L, h->rec.p, h->rec.len, &pos);
    lua_call(L, 1, 0);
    return 0;
}

void script_host_alert(script_host *h, const ntc_alert *alert)
{
    /* An alert a script raised (ntop.raise_alert) reaches the tool and the sinks, not the
     * scripts' on_alert: a script is running. */
    if (!h || h->running)
        return;
    int any = 0;
    for (int i = 0; i < h->n && !any; i++)
        any = h->s[i]->has[CB_ALERT];
    if (!any)
        return;
    ntcb_buf_clear(&h->rec);
    if (ntcb_alert_json(&h->rec, alert))
        return;
    for (int i = 0; i < h->n; i++) {
        script *s = h->s[i];
        if (!s->has[CB_ALERT] || !lua_checkstack(s->L, 8))
            continue;
        char err[1024];
        lua_pushcfunction(s->L, p_alert);
        lua_pushlightuserdata(s->L, h);
        if (s_pcall(s, 1, 0, err, sizeof(err)))
            script_error(s, cb_names[CB_ALERT], err);
    }
}

void script_host_finish(script_host *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->n; i++) {
        script *s = h->s[i];
        if (s->errors > s->shown) {
            char line[1200];
            snprintf(line, sizeof(line), "%s: %llu errors in callbacks (%u shown)", s->path,
                     (unsigned long long)s->errors, s->shown);
            report(h, 1, line);
        }
    }
}
