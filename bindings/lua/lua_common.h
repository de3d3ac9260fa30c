/* Shared by the Lua module (module.c) and the tools' script host (script.c): JSON text from the
 * library becomes Lua tables, so Lua records have exactly the fields of the JSON output. */
#ifndef NTC_LUA_COMMON_H
#define NTC_LUA_COMMON_H

#include <lua.h>
#include <stddef.h>

#include "bind_common.h"

/* Decode the JSON value at s[*pos..n) and push it (objects become tables with string keys,
 * arrays tables indexed from 1, integers Lua integers, other numbers floats, null nil). Leading
 * white space, and one ',' or '[' before the value, are skipped (so successive calls walk the
 * elements of an array). *pos moves past the value. Raises a Lua error on malformed text. */
void ntcl_json_push(lua_State *L, const char *s, size_t n, size_t *pos);

/* Push a Lua array (table) of the records of a JSON array text. Raises on malformed text. */
void ntcl_json_array(lua_State *L, const char *s, size_t n);

/* Name of a tick for Lua ("second", "minute", "5minutes", "hour", "day"). */
const char *ntcl_tick_name(int tick);

/* Push a generic-for iterator over the records of table t (at index idx): each call returns the
 * next record. */
void ntcl_push_array_iter(lua_State *L, int idx);

/* Raise "what: message" for a negative NTC_E* code, with the engine's message when it has one. */
int ntcl_raise(lua_State *L, const char *what, int rc, const char *engine_msg);

#endif
