#!/usr/bin/python3
"""Write the C source of the cffi extension ntopcore._ntopcore (API mode).

    build_ffi.py OUT.c

The declarations below are checked by the C compiler against the library's public headers
(ntopcore/ntopcore.h) and the binding's helper (helper.h) when OUT.c is compiled: a declaration
that does not match the header is a build error, not a crash at run time. Meson compiles OUT.c
with helper.c and bindings/common into the extension module.
"""

import sys

import cffi

CDEF = r"""
typedef struct ntc_config ntc_config;
typedef enum ntc_config_type {
    NTC_CONFIG_INT = 1, NTC_CONFIG_BOOL = 2, NTC_CONFIG_STRING = 3
} ntc_config_type;
typedef struct ntc_config_option {
    const char *key;
    ntc_config_type type;
    int64_t def_int;
    int64_t min;
    int64_t max;
    const char *def_string;
    const char *unit;
    const char *doc;
} ntc_config_option;
size_t ntc_config_option_count(void);
const ntc_config_option *ntc_config_option_at(size_t i);
const ntc_config_option *ntc_config_option_find(const char *key);
ntc_config *ntc_config_new(void);
void ntc_config_free(ntc_config *cfg);
int ntc_config_set_int(ntc_config *cfg, const char *key, int64_t value);
int ntc_config_set_bool(ntc_config *cfg, const char *key, int value);
int ntc_config_set(ntc_config *cfg, const char *key, const char *text);
int ntc_config_load_file(ntc_config *cfg, const char *path);
const char *ntc_config_errmsg(const ntc_config *cfg);

typedef struct ntc_engine ntc_engine;
const char *ntc_engine_errmsg(const ntc_engine *eng);
int ntc_engine_ingest(ntc_engine *eng, int linktype, uint64_t ts_us, const uint8_t *data,
                      uint32_t caplen, uint32_t wirelen);
int ntc_engine_advance(ntc_engine *eng, uint64_t now_us);
int ntc_engine_source_count(const ntc_engine *eng);
const char *ntc_engine_app_name(const ntc_engine *eng, uint16_t id);
const char *ntc_strerror(int code);
const char *ntc_version_string(void);
const char *ntc_flow_end_reason_name(int reason);

#define NTC_EOF ...
#define NTC_ESTATE ...
#define NTC_ENOTSUP ...
#define NTC_ENOMEM ...
#define NTC_LINKTYPE_ETHERNET ...

typedef struct ntcpy ntcpy;
extern "Python+C" void _ntcpy_on_flow(void *handle, const char *json, size_t len, int reason);
extern "Python+C" void _ntcpy_on_tick(void *handle, int tick, uint64_t now_us);
extern "Python+C" void _ntcpy_on_host(void *handle, const char *json, size_t len);
extern "Python+C" void _ntcpy_on_log(void *handle, int level, const char *msg);
extern "Python+C" void _ntcpy_on_alert(void *handle, const char *json, size_t len);
ntcpy *ntcpy_new(const ntc_config *cfg, void *handle, char *err, size_t errlen);
void ntcpy_free(ntcpy *p);
ntc_engine *ntcpy_engine(ntcpy *p);
void ntcpy_set_callbacks(ntcpy *p, int flags);
int ntcpy_open_file(ntcpy *p, const char *path);
int ntcpy_open_live(ntcpy *p, const char *ifname);
void ntcpy_set_max_packets(ntcpy *p, uint64_t max_packets);
uint64_t ntcpy_packets(ntcpy *p);
void ntcpy_set_format(ntcpy *p, int marshal);
int ntcpy_run(ntcpy *p, uint64_t max_packets, unsigned max_ms, uint64_t *packets);
int ntcpy_flush(ntcpy *p, size_t max_flows);
void ntcpy_stop(ntcpy *p);
int ntcpy_source_error(ntcpy *p);
const char *ntcpy_errmsg(ntcpy *p);
int ntcpy_next(ntcpy *p, int readahead, unsigned max_ms, size_t batch, const char **data,
               size_t *len, size_t *count);
void ntcpy_pause(ntcpy *p);
void ntcpy_after_fork_child(ntcpy *p);
const char *ntcpy_json(ntcpy *p, int what, int arg, size_t *len, int *rc);
const char *ntcpy_to_marshal(ntcpy *p, const char *json, size_t n, size_t *outlen);
#define NTCPY_CB_FLOW ...
#define NTCPY_CB_TICK ...
#define NTCPY_CB_HOST ...
#define NTCPY_CB_LOG ...
#define NTCPY_CB_ALERT ...
"""

SOURCE = r"""
#include <ntopcore/ntopcore.h>
#include "helper.h"
"""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: build_ffi.py OUT.c")
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    ffi.set_source("ntopcore._ntopcore", SOURCE)
    ffi.emit_c_code(sys.argv[1])


if __name__ == "__main__":
    main()
