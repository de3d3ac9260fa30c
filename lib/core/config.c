#include "core/config_keys.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "alert/alert.h"
#include "host/host.h"
#include "ntopcore/config.h"
#include "ntopcore/error.h"
#include "util/util.h"

static const ntc_config_option options[NTC__CFG_COUNT] = {
#define NTC__X_OPT(id, key, type, def, min, max, defs, unit, doc) \
    {key, NTC_CONFIG_##type, def, min, max, defs, unit, doc},
    NTC__CONFIG_OPTIONS(NTC__X_OPT)
#undef NTC__X_OPT
};

struct ntc_config {
    int64_t ints[NTC__CFG_COUNT];
    char *strs[NTC__CFG_COUNT];
    char errmsg[NTC__ERRMSG_LEN];
};

NTC_EXPORT size_t ntc_config_option_count(void)
{
    return NTC__CFG_COUNT;
}

NTC_EXPORT const ntc_config_option *ntc_config_option_at(size_t i)
{
    return i < NTC__CFG_COUNT ? &options[i] : NULL;
}

static int find_index(const char *key)
{
    if (!key)
        return -1;
    for (int i = 0; i < NTC__CFG_COUNT; i++)
        if (strcmp(options[i].key, key) == 0)
            return i;
    return -1;
}

NTC_EXPORT const ntc_config_option *ntc_config_option_find(const char *key)
{
    int i = find_index(key);
    return i < 0 ? NULL : &options[i];
}

NTC_EXPORT ntc_config *ntc_config_new(void)
{
    ntc_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        return NULL;
    for (int i = 0; i < NTC__CFG_COUNT; i++)
        cfg->ints[i] = options[i].def_int;
    return cfg;
}

NTC_EXPORT void ntc_config_free(ntc_config *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < NTC__CFG_COUNT; i++)
        free(cfg->strs[i]);
    free(cfg);
}

ntc_config *ntc__config_dup(const ntc_config *cfg)
{
    ntc_config *c = ntc_config_new();
    if (!c || !cfg)
        return c;
    memcpy(c->ints, cfg->ints, sizeof(c->ints));
    for (int i = 0; i < NTC__CFG_COUNT; i++) {
        if (cfg->strs[i] && !(c->strs[i] = strdup(cfg->strs[i]))) {
            ntc_config_free(c);
            return NULL;
        }
    }
    return c;
}

int64_t ntc__config_int(const ntc_config *cfg, ntc__cfg_id id)
{
    return cfg->ints[id];
}

const char *ntc__config_str(const ntc_config *cfg, ntc__cfg_id id)
{
    return cfg->strs[id] ? cfg->strs[id] : options[id].def_string;
}

static int lookup(ntc_config *cfg, const char *key, ntc_config_type want, int *idx)
{
    if (!cfg || !key)
        return NTC_EINVAL;
    int i = find_index(key);
    if (i < 0) {
        ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "unknown configuration key '%s'",
                 key ? key : "(null)");
        return NTC_ENOKEY;
    }
    if (want && options[i].type != want) {
        static const char *names[] = {"", "an integer", "a boolean", "a string"};
        ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "'%s' takes %s", key, names[options[i].type]);
        return NTC_ETYPE;
    }
    *idx = i;
    return 0;
}

NTC_EXPORT int ntc_config_set_int(ntc_config *cfg, const char *key, int64_t value)
{
    int i, rc = lookup(cfg, key, NTC_CONFIG_INT, &i);
    if (rc)
        return rc;
    if (value < options[i].min || value > options[i].max) {
        ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg),
                 "'%s' = %" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]", key, value,
                 options[i].min, options[i].max);
        return NTC_ERANGE;
    }
    cfg->ints[i] = value;
    return 0;
}

NTC_EXPORT int ntc_config_set_bool(ntc_config *cfg, const char *key, int value)
{
    int i, rc = lookup(cfg, key, NTC_CONFIG_BOOL, &i);
    if (rc)
        return rc;
    cfg->ints[i] = value ? 1 : 0;
    return 0;
}

NTC_EXPORT int ntc_config_set_string(ntc_config *cfg, const char *key, const char *value)
{
    int i, rc = lookup(cfg, key, NTC_CONFIG_STRING, &i);
    if (rc)
        return rc;
    if (!value)
        value = "";
    if (i == NTC__CFG_HOST_LOCAL_NETWORKS || i == NTC__CFG_DUMP_HOSTS ||
        i == NTC__CFG_ALERT_SYSLOG) {
        char why[200];
        if ((i == NTC__CFG_ALERT_SYSLOG ? ntc__alert_check_syslog(value, why, sizeof(why))
                                         : ntc__localnets_check(value, why, sizeof(why))) != 0) {
            ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "'%s': %s", key, why);
            return NTC_EFORMAT;
        }
    }
    if (i == NTC__CFG_EXPORT_ZMQ_FORMAT && strcmp(value, "tlv") != 0 && strcmp(value, "json") != 0) {
        ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "'%s' takes tlv or json, not '%s'", key, value);
        return NTC_EFORMAT;
    }
    char *copy = strdup(value);
    if (!copy)
        return NTC_ENOMEM;
    free(cfg->strs[i]);
    cfg->strs[i] = copy;
    return 0;
}

static int parse_bool(const char *t, int *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
    for (size_t k = 0; k < NTC__ARRAY_LEN(yes); k++) {
        if (strcasecmp(t, yes[k]) == 0) { *out = 1; return 0; }
        if (strcasecmp(t, no[k]) == 0) { *out = 0; return 0; }
    }
    return -1;
}

NTC_EXPORT int ntc_config_set(ntc_config *cfg, const char *key, const char *text)
{
    int i, rc = lookup(cfg, key, 0, &i);
    if (rc)
        return rc;
    if (!text)
        text = "";
    switch (options[i].type) {
    case NTC_CONFIG_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (end == text || *end) {
            ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "'%s' takes an integer, not '%s'", key, text);
            return NTC_ETYPE;
        }
        if (errno == ERANGE) {
            const ntc_config_option *o = &options[i];
            ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg),
                     "'%s' = %s is out of range [%" PRId64 ", %" PRId64 "]", key, text, o->min, o->max);
            return NTC_ERANGE;
        }
        return ntc_config_set_int(cfg, key, v);
    }
    case NTC_CONFIG_BOOL: {
        int b;
        if (parse_bool(text, &b)) {
            ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg),
                     "'%s' takes a boolean (true/false, yes/no, on/off, 1/0), not '%s'", key, text);
            return NTC_ETYPE;
        }
        return ntc_config_set_bool(cfg, key, b);
    }
    default:
        return ntc_config_set_string(cfg, key, text);
    }
}

NTC_EXPORT int ntc_config_get_int(const ntc_config *cfg, const char *key, int64_t *out)
{
    if (!cfg || !key || !out)
        return NTC_EINVAL;
    int i = find_index(key);
    if (i < 0)
        return NTC_ENOKEY;
    if (options[i].type == NTC_CONFIG_STRING)
        return NTC_ETYPE;
    *out = cfg->ints[i];
    return 0;
}

NTC_EXPORT const char *ntc_config_get_string(const ntc_config *cfg, const char *key)
{
    int i = find_index(key);
    if (!cfg || i < 0 || options[i].type != NTC_CONFIG_STRING)
        return NULL;
    return ntc__config_str(cfg, (ntc__cfg_id)i);
}

NTC_EXPORT const char *ntc_config_errmsg(const ntc_config *cfg)
{
    return cfg ? cfg->errmsg : "";
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

NTC_EXPORT int ntc_config_load_file(ntc_config *cfg, const char *path)
{
    if (!cfg || !path)
        return NTC_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f) {
        ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "%s: %s", path, strerror(errno));
        return NTC_EIO;
    }
    char line[4096];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof(line) - 1 && line[n - 1] != '\n' && !feof(f)) {
            ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "%s:%d: line too long", path, lineno);
            rc = NTC_EFORMAT;
            break;
        }
        char *s = trim(line);
        if (*s == 0 || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "%s:%d: expected 'key = value'", path, lineno);
            rc = NTC_EFORMAT;
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
            val[vl - 1] = 0;
            val++;
        } else {
            char *hash = strstr(val, " #");
            if (hash)
                *hash = 0, val = trim(val);
        }
        rc = ntc_config_set(cfg, key, val);
        if (rc) {
            char inner[NTC__ERRMSG_LEN];
            memcpy(inner, cfg->errmsg, sizeof(inner));
            ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "%s:%d: %s", path, lineno, inner);
            break;
        }
    }
    if (!rc && ferror(f)) {
        ntc__fmt(cfg->errmsg, sizeof(cfg->errmsg), "%s: read error", path);
        rc = NTC_EIO;
    }
    fclose(f);
    return rc;
}
