/* JSON text from the library to Lua values (lua_common.h). A small strict decoder: what the
 * library writes is JSON (RFC 8259), valid UTF-8, and never deeper than a few levels. */
#include "lua_common.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct jdec {
    lua_State *L;
    const char *s;
    size_t n, i;
} jdec;

static void jfail(jdec *d, const char *what)
{
    luaL_error(d->L, "malformed JSON at byte %d: %s", (int)d->i, what);
}

static void skip_ws(jdec *d)
{
    while (d->i < d->n && (d->s[d->i] == ' ' || d->s[d->i] == '\t' || d->s[d->i] == '\n' ||
                           d->s[d->i] == '\r'))
        d->i++;
}

/* At the opening quote: push the string. */
static void parse_string(jdec *d)
{
    d->i++; /* '"' */
    size_t start = d->i;
    /* Fast path: no escapes. */
    while (d->i < d->n && d->s[d->i] != '"' && d->s[d->i] != '\\') {
        if ((unsigned char)d->s[d->i] < 0x20)
            jfail(d, "control character in string");
        d->i++;
    }
    if (d->i < d->n && d->s[d->i] == '"') {
        lua_pushlstring(d->L, d->s + start, d->i - start);
        d->i++;
        return;
    }
    luaL_Buffer b;
    luaL_buffinit(d->L, &b);
    luaL_addlstring(&b, d->s + start, d->i - start);
    while (d->i < d->n && d->s[d->i] != '"') {
        char c = d->s[d->i++];
        if ((unsigned char)c < 0x20)
            jfail(d, "control character in string");
        if (c != '\\') {
            luaL_addchar(&b, c);
            continue;
        }
        if (d->i >= d->n)
            break;
        c = d->s[d->i++];
        switch (c) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u': {
            unsigned cp;
            size_t used = ntcb_json_u_escape(d->s + d->i, d->n - d->i, &cp);
            if (!used)
                jfail(d, "bad \\u escape");
            d->i += used;
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD; /* lone surrogate */
            char u[4];
            luaL_addlstring(&b, u, ntcb_utf8(cp, u));
            break;
        }
        default:
            jfail(d, "bad escape");
        }
    }
    if (d->i >= d->n)
        jfail(d, "unterminated string");
    d->i++;
    luaL_pushresult(&b);
}

static void parse_number(jdec *d)
{
    size_t start = d->i;
    int is_float = 0;
    if (d->s[d->i] == '-')
        d->i++;
    while (d->i < d->n) {
        char c = d->s[d->i];
        if (c >= '0' && c <= '9') {
            d->i++;
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
            is_float = 1;
            d->i++;
        } else {
            break;
        }
    }
    size_t len = d->i - start;
    if (len == 0 || len > 63 || (len == 1 && d->s[start] == '-'))
        jfail(d, "bad number");
    char tmp[64];
    memcpy(tmp, d->s + start, len);
    tmp[len] = 0;
    char *end;
    if (!is_float) {
        errno = 0;
        long long v = strtoll(tmp, &end, 10);
        if (errno == 0 && *end == 0) {
            lua_pushinteger(d->L, (lua_Integer)v);
            return;
        }
        /* Beyond 64-bit signed (e.g. a risk bitmap with bit 63): an unsigned value that wraps
         * would mislead, so it becomes a float. */
    }
    errno = 0;
    double v = strtod(tmp, &end);
    if (*end != 0)
        jfail(d, "bad number");
    lua_pushnumber(d->L, (lua_Number)v);
}

static void parse_value(jdec *d, int depth);

static void parse_object(jdec *d, int depth)
{
    d->i++; /* '{' */
    lua_createtable(d->L, 0, 24);
    skip_ws(d);
    if (d->i < d->n && d->s[d->i] == '}') {
        d->i++;
        return;
    }
    for (;;) {
        skip_ws(d);
        if (d->i >= d->n || d->s[d->i] != '"')
            jfail(d, "expected a key");
        parse_string(d);
        skip_ws(d);
        if (d->i >= d->n || d->s[d->i] != ':')
            jfail(d, "expected ':'");
        d->i++;
        parse_value(d, depth + 1);
        lua_rawset(d->L, -3);
        skip_ws(d);
        if (d->i < d->n && d->s[d->i] == ',') {
            d->i++;
            continue;
        }
        if (d->i < d->n && d->s[d->i] == '}') {
            d->i++;
            return;
        }
        jfail(d, "expected ',' or '}'");
    }
}

static void parse_array(jdec *d, int depth)
{
    d->i++; /* '[' */
    lua_createtable(d->L, 0, 0);
    skip_ws(d);
    if (d->i < d->n && d->s[d->i] == ']') {
        d->i++;
        return;
    }
    lua_Integer k = 1;
    for (;;) {
        parse_value(d, depth + 1);
        lua_rawseti(d->L, -2, k++);
        skip_ws(d);
        if (d->i < d->n && d->s[d->i] == ',') {
            d->i++;
            continue;
        }
        if (d->i < d->n && d->s[d->i] == ']') {
            d->i++;
            return;
        }
        jfail(d, "expected ',' or ']'");
    }
}

static int match_word(jdec *d, const char *w)
{
    size_t l = strlen(w);
    if (d->n - d->i >= l && memcmp(d->s + d->i, w, l) == 0) {
        d->i += l;
        return 1;
    }
    return 0;
}

static void parse_value(jdec *d, int depth)
{
    if (depth > MAX_DEPTH)
        jfail(d, "nested too deeply");
    luaL_checkstack(d->L, 3, "JSON value");
    skip_ws(d);
    if (d->i >= d->n)
        jfail(d, "unexpected end");
    char c = d->s[d->i];
    if (c == '{')
        parse_object(d, depth);
    else if (c == '[')
        parse_array(d, depth);
    else if (c == '"')
        parse_string(d);
    else if (c == '-' || (c >= '0' && c <= '9'))
        parse_number(d);
    else if (match_word(d, "true"))
        lua_pushboolean(d->L, 1);
    else if (match_word(d, "false"))
        lua_pushboolean(d->L, 0);
    else if (match_word(d, "null"))
        lua_pushnil(d->L);
    else
        jfail(d, "unexpected character");
}

void ntcl_json_push(lua_State *L, const char *s, size_t n, size_t *pos)
{
    jdec d = {L, s, n, *pos};
    skip_ws(&d);
    if (d.i < d.n && (d.s[d.i] == ',' || d.s[d.i] == '['))
        d.i++;
    parse_value(&d, 0);
    *pos = d.i;
}

void ntcl_json_array(lua_State *L, const char *s, size_t n)
{
    jdec d = {L, s, n, 0};
    skip_ws(&d);
    if (d.i >= d.n || d.s[d.i] != '[')
        jfail(&d, "expected an array");
    parse_value(&d, 0);
}

const char *ntcl_tick_name(int tick)
{
    switch (tick) {
    case NTC_TICK_SECOND: return "second";
    case NTC_TICK_MINUTE: return "minute";
    case NTC_TICK_FIVE_MINUTES: return "5minutes";
    case NTC_TICK_HOUR: return "hour";
    case NTC_TICK_DAY: return "day";
    default: return "?";
    }
}

static int array_iter_next(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(2));
    lua_rawgeti(L, lua_upvalueindex(1), i);
    return 1;
}

void ntcl_push_array_iter(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_pushvalue(L, idx);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, array_iter_next, 2);
}

int ntcl_raise(lua_State *L, const char *what, int rc, const char *engine_msg)
{
    if (engine_msg && engine_msg[0])
        return luaL_error(L, "%s: %s", what, engine_msg);
    return luaL_error(L, "%s: %s", what, ntc_strerror(rc));
}
