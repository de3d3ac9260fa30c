/* fuzz_config — the configuration parsers: ntc_config_load_file() (lines, comments, quotes,
 * trimming, over-long lines) and ntc_config_set() (integer, boolean and string values; the CIDR
 * list of host.local_networks).
 *
 * Input, read twice:
 *   1. as a configuration file, loaded into a fresh configuration;
 *   2. as NUL-separated strings key, value, key, value, ... given to ntc_config_set(). A key of
 *      one byte b stands for option number b of the option table (so that every option is reached
 *      without a dictionary); a longer one is used as it is.
 * Checked besides memory safety: what was accepted reads back as set (ntc_config_get_*), what was
 * refused leaves a message that names the key, and every accepted host.local_networks parses and
 * matches (the engine re-parses it at creation and relies on the check having been complete). */
#include "fuzz_common.h"

#include <errno.h>
#include <inttypes.h>
#include <strings.h>

#include "host/host.h"

static void check_localnets(const char *text)
{
    ntc__localnets ln = {0};
    FZ_CHECK(ntc__localnets_parse(&ln, text) == 0);
    static const uint8_t probes[][16] = {
        {10, 1, 2, 3},
        {192, 168, 255, 255},
        {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    };
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        (void)ntc__localnets_match(&ln, 4, probes[i]);
        (void)ntc__localnets_match(&ln, 6, probes[i]);
    }
    for (size_t i = 0; i < ln.count; i++) {
        const ntc__localnet *n = &ln.nets[i];
        FZ_CHECK(n->ip_version == 4 || n->ip_version == 6);
        FZ_CHECK(n->prefix <= (n->ip_version == 4 ? 32 : 128));
        /* A network matches its own (masked) address. */
        FZ_CHECK(ntc__localnets_match(&ln, n->ip_version, n->addr) >= 1);
    }
    ntc__localnets_free(&ln);
}

/* After a successful ntc_config_set(cfg, key, text): the value reads back. */
static void check_readback(const ntc_config *cfg, const ntc_config_option *opt, const char *text)
{
    if (opt->type == NTC_CONFIG_STRING) {
        const char *v = ntc_config_get_string(cfg, opt->key);
        FZ_CHECK(v && strcmp(v, text) == 0);
        if (strcmp(opt->key, "host.local_networks") == 0)
            check_localnets(v);
        return;
    }
    int64_t v;
    FZ_CHECK(ntc_config_get_int(cfg, opt->key, &v) == 0);
    if (opt->type == NTC_CONFIG_INT) {
        FZ_CHECK(v >= opt->min && v <= opt->max);
        FZ_CHECK(v == strtoll(text, NULL, 10));
    } else {
        FZ_CHECK(v == 0 || v == 1);
    }
}

static void check_refusal(const ntc_config *cfg, const char *key, int rc)
{
    FZ_CHECK(rc == NTC_ENOKEY || rc == NTC_ETYPE || rc == NTC_ERANGE || rc == NTC_EFORMAT);
    const char *msg = ntc_config_errmsg(cfg);
    FZ_CHECK(msg && msg[0]);
    if (strlen(key) < 100)
        FZ_CHECK(strstr(msg, key) != NULL);
}

/* Every value of a loaded configuration is within its option's bounds. */
static void check_all(const ntc_config *cfg)
{
    size_t n = ntc_config_option_count();
    for (size_t i = 0; i < n; i++) {
        const ntc_config_option *o = ntc_config_option_at(i);
        FZ_CHECK(o && ntc_config_option_find(o->key) == o);
        if (o->type == NTC_CONFIG_STRING) {
            const char *v = ntc_config_get_string(cfg, o->key);
            FZ_CHECK(v);
            if (strcmp(o->key, "host.local_networks") == 0)
                check_localnets(v);
        } else {
            int64_t v;
            FZ_CHECK(ntc_config_get_int(cfg, o->key, &v) == 0);
            FZ_CHECK(o->type == NTC_CONFIG_BOOL ? (v == 0 || v == 1)
                                                : (v >= o->min && v <= o->max));
        }
    }
    FZ_CHECK(ntc_config_option_at(n) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1. The input as a file. */
    ntc_config *cfg = ntc_config_new();
    FZ_CHECK(cfg);
    fz_memfile f;
    FZ_CHECK(fz_memfile_open(&f, "fuzz.conf", data, size) == 0);
    int rc = ntc_config_load_file(cfg, f.path);
    if (rc != 0) {
        FZ_CHECK(rc == NTC_EFORMAT || rc == NTC_ENOKEY || rc == NTC_ETYPE || rc == NTC_ERANGE);
        const char *msg = ntc_config_errmsg(cfg);
        FZ_CHECK(msg && strstr(msg, f.path) == msg); /* "<path>:<line>: ..." */
    }
    fz_memfile_close(&f);
    check_all(cfg);
    ntc_config_free(cfg);

    /* 2. NUL-separated key/value pairs. */
    char *text = malloc(size + 1);
    FZ_CHECK(text);
    memcpy(text, data, size);
    text[size] = 0;
    cfg = ntc_config_new();
    FZ_CHECK(cfg);
    size_t nopt = ntc_config_option_count();
    char *p = text, *end = text + size;
    while (p < end) {
        char *k = p;
        p += strlen(p) + 1;
        if (p > end)
            break;
        char *v = p;
        p += strlen(p) + 1;

        const ntc_config_option *opt;
        const char *key = k;
        if (strlen(k) == 1) {
            opt = ntc_config_option_at((unsigned char)k[0] % nopt);
            key = opt->key;
        } else {
            opt = ntc_config_option_find(k);
        }
        rc = ntc_config_set(cfg, key, v);
        if (rc == 0) {
            FZ_CHECK(opt != NULL);
            check_readback(cfg, opt, v);
        } else {
            check_refusal(cfg, key, rc);
        }
    }
    check_all(cfg);
    ntc_config_free(cfg);
    free(text);
    return 0;
}
