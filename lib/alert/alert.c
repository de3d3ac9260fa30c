/* Alerts: the alert object (accessors, JSON), delivery (rate limit, sinks, callback, pull queue),
 * engaged episodes, and the engine-facing entry points. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "alert/alert.h"
#include "core/engine_int.h"
#include "ntopcore/error.h"
#include "ntopcore/export.h"

struct ntc__engaged {
    ntc__engaged *hnext;
    ntc__lnode node;
    uint64_t key;
    uint8_t silent;            /* engagement suppressed by the rate limit: release silently */
    ntc_alert *al;             /* the alert as engaged */
};

/* ---- names ---- */

NTC_EXPORT const char *ntc_alert_type_name(int type)
{
    static const char *const names[] = {
        NULL, "threshold", "syn_flood_attacker", "syn_flood_victim", "icmp_flood_attacker",
        "icmp_flood_victim", "port_scan", "host_scan", "server_resets", "flow_risk",
        "dangerous_app", "blacklisted_app", "tcp_retransmissions", "user"};
    return type > 0 && type < (int)NTC__ARRAY_LEN(names) ? names[type] : NULL;
}

NTC_EXPORT const char *ntc_alert_severity_name(int severity)
{
    static const char *const names[] = {"info", "warning", "error", "critical"};
    return severity >= 0 && severity < (int)NTC__ARRAY_LEN(names) ? names[severity] : NULL;
}

NTC_EXPORT const char *ntc_alert_entity_name(int entity)
{
    static const char *const names[] = {"interface", "host", "network", "flow"};
    return entity >= 0 && entity < (int)NTC__ARRAY_LEN(names) ? names[entity] : NULL;
}

NTC_EXPORT const char *ntc_alert_state_name(int state)
{
    static const char *const names[] = {NULL, "engaged", "released", "event"};
    return state > 0 && state < (int)NTC__ARRAY_LEN(names) ? names[state] : NULL;
}

/* ---- accessors ---- */

size_t ntc__alert_size(const ntc_alert *a)
{
    return sizeof(*a) + a->len;
}

NTC_EXPORT int ntc_alert_get_info(const ntc_alert *a, ntc_alert_info *out)
{
    if (!a || !out || out->size < offsetof(ntc_alert_info, id))
        return NTC_EINVAL;
    ntc_alert_info i = {.size = out->size, .id = a->id, .type = a->type, .severity = a->severity,
                        .entity = a->entity, .state = a->state, .time_us = a->time_us,
                        .engaged_us = a->engaged_us, .suppressed = a->suppressed,
                        .rule_line = a->rule_line};
    memcpy(out, &i, NTC__MIN(out->size, sizeof(i)));
    return 0;
}

NTC_EXPORT const char *ntc_alert_entity_id(const ntc_alert *a)
{
    return a ? a->text + a->entity_off : "";
}

NTC_EXPORT const char *ntc_alert_description(const ntc_alert *a)
{
    return a ? a->text + a->desc_off : "";
}

NTC_EXPORT size_t ntc_alert_detail_count(const ntc_alert *a)
{
    return a ? a->ndet : 0;
}

NTC_EXPORT int ntc_alert_get_detail(const ntc_alert *a, size_t i, ntc_alert_detail *out)
{
    if (!a || !out || i >= a->ndet || out->size < offsetof(ntc_alert_detail, key))
        return NTC_EINVAL;
    const ntc__alert_det *d = &a->det[i];
    ntc_alert_detail r = {.size = out->size, .key = d->key,
                          .type = d->is_str ? NTC_ALERT_VALUE_STRING : NTC_ALERT_VALUE_INT,
                          .num = d->is_str ? 0 : d->num,
                          .str = d->is_str ? a->text + d->off : NULL};
    memcpy(out, &r, NTC__MIN(out->size, sizeof(r)));
    return 0;
}

NTC_EXPORT ntc_alert *ntc_alert_dup(const ntc_alert *a)
{
    if (!a)
        return NULL;
    size_t n = ntc__alert_size(a);
    ntc_alert *c = malloc(n);
    if (c)
        memcpy(c, a, n);
    return c;
}

NTC_EXPORT void ntc_alert_free(ntc_alert *a)
{
    free(a);
}

/* snprintf-style appender (as lib/export/json.c). */
typedef struct abuf {
    char *buf;
    size_t cap, len;
} abuf;

static void aput(abuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void aput(abuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

static void astr(abuf *b, const char *s)
{
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = ntc_json_string(s, room ? b->buf + b->len : NULL, room);
    if (n > 0)
        b->len += (size_t)n;
}

NTC_EXPORT int ntc_alert_format_json(const ntc_alert *a, char *buf, size_t bufsize)
{
    if (!a || (!buf && bufsize))
        return NTC_EINVAL;
    abuf b = {buf, bufsize, 0};
    const char *tn = ntc_alert_type_name(a->type), *sn = ntc_alert_severity_name(a->severity);
    const char *en = ntc_alert_entity_name(a->entity), *st = ntc_alert_state_name(a->state);
    aput(&b, "{\"ALERT_ID\":%" PRIu64 ",\"ALERT_TYPE\":\"%s\",\"ALERT_TYPE_ID\":%u,"
             "\"SEVERITY\":\"%s\",\"ENTITY\":\"%s\",\"ENTITY_ID\":",
         a->id, tn ? tn : "unknown", a->type, sn ? sn : "unknown", en ? en : "unknown");
    astr(&b, ntc_alert_entity_id(a));
    aput(&b, ",\"STATE\":\"%s\",\"ALERT_TIME\":%" PRIu64 ",\"ALERT_TIME_MS\":%" PRIu64,
         st ? st : "unknown", a->time_us / 1000000, a->time_us / 1000);
    if (a->state == NTC_ALERT_RELEASED)
        aput(&b, ",\"ENGAGED_TIME\":%" PRIu64 ",\"ENGAGED_TIME_MS\":%" PRIu64,
             a->engaged_us / 1000000, a->engaged_us / 1000);
    if (a->suppressed)
        aput(&b, ",\"SUPPRESSED\":%" PRIu32, a->suppressed);
    if (a->rule_line)
        aput(&b, ",\"RULE_LINE\":%" PRIu32, a->rule_line);
    aput(&b, ",\"DESCRIPTION\":");
    astr(&b, ntc_alert_description(a));
    aput(&b, ",\"DETAILS\":{");
    for (unsigned i = 0; i < a->ndet; i++) {
        aput(&b, "%s\"%s\":", i ? "," : "", a->det[i].key);
        if (a->det[i].is_str)
            astr(&b, a->text + a->det[i].off);
        else
            aput(&b, "%" PRId64, a->det[i].num);
    }
    aput(&b, "}}");
    if (b.cap)
        b.buf[b.len < b.cap ? b.len : b.cap - 1] = 0;
    return b.len > INT32_MAX ? INT32_MAX : (int)b.len;
}

/* ---- the builder ---- */

ntc_alert *ntc__ab_begin(ntc__alerts *a, int type, int severity, int entity, int state,
                         uint64_t time_us)
{
    ntc_alert *b = a->scratch;
    memset(b, 0, sizeof(*b));
    b->type = (uint16_t)type;
    b->severity = (uint8_t)severity;
    b->entity = (uint8_t)entity;
    b->state = (uint8_t)state;
    b->time_us = b->engaged_us = time_us;
    b->text[0] = 0;
    b->len = 1;  /* offset 0 is the empty string */
    return b;
}

/* Append formatted text; returns its offset (0, the empty string, when nothing fits). */
static uint16_t ab_vtext(ntc_alert *b, const char *fmt, va_list ap)
{
    size_t room = NTC__ALERT_TEXT - b->len;
    if (room < 2)
        return 0;
    int n = vsnprintf(b->text + b->len, room, fmt, ap);
    if (n < 0)
        return 0;
    uint16_t off = b->len;
    size_t used = (size_t)n < room ? (size_t)n : room - 1;
    /* A cut may split a UTF-8 sequence: JSON output replaces such bytes, nothing breaks. */
    b->len = (uint16_t)(b->len + used + 1);
    return off;
}

void ntc__ab_entity(ntc_alert *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    b->entity_off = ab_vtext(b, fmt, ap);
    va_end(ap);
}

void ntc__ab_desc(ntc_alert *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    b->desc_off = ab_vtext(b, fmt, ap);
    va_end(ap);
}

void ntc__ab_int(ntc_alert *b, const char *key, int64_t v)
{
    if (b->ndet >= NTC__ALERT_MAX_DETAILS)
        return;
    ntc__alert_det *d = &b->det[b->ndet++];
    d->key = key;
    d->num = v;
    d->is_str = 0;
    d->off = 0;
}

void ntc__ab_str(ntc_alert *b, const char *key, const char *fmt, ...)
{
    if (b->ndet >= NTC__ALERT_MAX_DETAILS)
        return;
    va_list ap;
    va_start(ap, fmt);
    uint16_t off = ab_vtext(b, fmt, ap);
    va_end(ap);
    ntc__alert_det *d = &b->det[b->ndet++];
    d->key = key;
    d->num = 0;
    d->is_str = 1;
    d->off = off;
}

void ntc__alert_log(ntc__alerts *a, int level, const char *fmt, ...)
{
    if (a->quiet)
        return; /* engine being freed: no callback runs then */
    char msg[NTC__ERRMSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ntc__engine_log(a->eng, (ntc_log_level)level, "%s", msg);
}

/* ---- delivery ---- */

static void queue_push(ntc__alerts *a, const ntc_alert *al)
{
    if (!a->qmax)
        return;
    /* Only this thread adds: if there is room now, there still is after the copy. */
    pthread_mutex_lock(&a->qlock);
    int full = a->qcount >= a->qmax;
    if (full)
        a->queue_dropped++;
    pthread_mutex_unlock(&a->qlock);
    if (full)
        return;
    ntc_alert *c = ntc_alert_dup(al);
    pthread_mutex_lock(&a->qlock);
    if (!a->queue && c)
        a->queue = calloc(a->qmax, sizeof(*a->queue));
    if (!c || !a->queue) {
        a->queue_dropped++;
        pthread_mutex_unlock(&a->qlock);
        free(c);
        return;
    }
    a->queue[(a->qhead + a->qcount) % a->qmax] = c;
    a->qcount++;
    pthread_mutex_unlock(&a->qlock);
}

static void deliver(ntc__alerts *a, ntc_alert *b)
{
    ntc_engine *e = a->eng;
    b->id = ++a->next_id;
    a->st.delivered++;
    a->delivering++;
    ntc__sinks_write(a, b);
    if (e->cb.alert) {
        e->in_cb++;
        e->cb.alert(e->cb_user, b);
        e->in_cb--;
    }
    queue_push(a, b);
    a->delivering--;
}

/* The rate-limit slot of key, or NULL when rate limiting is off. */
static ntc__ratelimit *rl_slot(ntc__alerts *a, uint64_t key)
{
    if (!a->repeat_us || !key)
        return NULL;
    if (!a->rl) {
        uint32_t n = ntc__pow2_ceil(NTC__MIN(a->track_max, 65536u));
        if (!(a->rl = calloc(n, sizeof(*a->rl))))
            return NULL;
        a->rl_mask = n - 1;
        a->mem += (uint64_t)n * sizeof(*a->rl);
    }
    return &a->rl[ntc__mix64(key) & a->rl_mask];
}

int ntc__alert_admit(ntc__alerts *a, uint64_t key, uint64_t time_us, uint32_t *suppressed)
{
    *suppressed = 0;
    ntc__ratelimit *s = rl_slot(a, key);
    if (!s)
        return 1;
    if (s->key == key && s->last_us && time_us >= s->last_us && time_us - s->last_us < a->repeat_us) {
        s->suppressed++;
        a->st.suppressed++;
        return 0;
    }
    *suppressed = s->key == key ? s->suppressed : 0;
    s->key = key;
    s->suppressed = 0;
    s->last_us = time_us;
    return 1;
}

/* 1: hold back (counted); 0: deliver (b->suppressed set from the slot). */
static int rate_limited(ntc__alerts *a, uint64_t key, ntc_alert *b)
{
    return !ntc__alert_admit(a, key, b->time_us, &b->suppressed);
}

void ntc__alert_deliver(ntc__alerts *a, ntc_alert *b)
{
    deliver(a, b);
}

/* ---- engaged episodes ---- */

static ntc__engaged **engaged_slot(ntc__alerts *a, uint64_t key)
{
    ntc__engaged **pp = &a->engaged_buckets[ntc__mix64(key) & a->engaged_mask];
    while (*pp && (*pp)->key != key)
        pp = &(*pp)->hnext;
    return pp;
}

int ntc__alert_is_engaged(ntc__alerts *a, uint64_t key)
{
    return *engaged_slot(a, key) != NULL;
}

int ntc__alert_engage(ntc__alerts *a, uint64_t key, ntc_alert *b)
{
    ntc__engaged **pp = engaged_slot(a, key);
    if (*pp)
        return 0; /* already engaged */
    int silent = rate_limited(a, key, b);
    if (!silent)
        deliver(a, b);
    ntc__engaged *g = calloc(1, sizeof(*g));
    ntc_alert *copy = g ? ntc_alert_dup(b) : NULL;
    if (!g || !copy) {
        /* Out of memory: the episode cannot be followed; its release will not come. */
        free(g);
        return !silent;
    }
    g->key = key;
    g->silent = (uint8_t)silent;
    g->al = copy;
    g->hnext = NULL;
    *pp = g;
    ntc__list_push_tail(&a->engaged_list, &g->node);
    a->nengaged++;
    a->mem += sizeof(*g) + ntc__alert_size(copy);
    return !silent;
}

static void engaged_remove(ntc__alerts *a, ntc__engaged *g)
{
    ntc__engaged **pp = engaged_slot(a, g->key);
    if (*pp == g)
        *pp = g->hnext;
    ntc__list_remove(&a->engaged_list, &g->node);
    a->nengaged--;
    a->mem -= sizeof(*g) + ntc__alert_size(g->al);
    free(g->al);
    free(g);
}

ntc_alert *ntc__alert_release_begin(ntc__alerts *a, uint64_t key, uint64_t time_us)
{
    ntc__engaged *g = *engaged_slot(a, key);
    if (!g)
        return NULL;
    if (g->silent) {
        engaged_remove(a, g);
        return NULL;
    }
    const ntc_alert *e = g->al;
    /* A clock that restarted (a new capture whose times are earlier) ends what was engaged at
     * its new time: the release is dated no earlier than the engagement. */
    if (time_us < e->time_us)
        time_us = e->time_us;
    ntc_alert *b = ntc__ab_begin(a, e->type, e->severity, e->entity, NTC_ALERT_RELEASED, time_us);
    b->engaged_us = e->time_us;
    b->rule_line = e->rule_line;
    ntc__ab_entity(b, "%s", e->text + e->entity_off);
    a->releasing = g;
    return b;
}

void ntc__alert_release_done(ntc__alerts *a)
{
    ntc__engaged *g = a->releasing;
    if (!g)
        return;
    a->releasing = NULL;
    ntc_alert *b = a->scratch;
    /* The next engagement of the same episode within alert.repeat_interval is held back. */
    ntc__ratelimit *s = rl_slot(a, g->key);
    if (s) {
        if (s->key != g->key)
            s->suppressed = 0;
        s->key = g->key;
        s->last_us = b->time_us;
    }
    engaged_remove(a, g);
    deliver(a, b);
}

/* ---- engine-facing entry points ---- */

static int load_rules(ntc__alerts *a, const char *path, char *err, size_t errlen)
{
    ntc_engine *e = a->eng;
    ntc__ruleset rs = {0};
    if (path && path[0]) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            ntc__fmt(err, errlen, "%s: %s", path, strerror(errno));
            return NTC_EIO;
        }
        /* Rules files are small; a bound (1 MiB) keeps a wrong path (a capture, a device)
         * harmless. */
        const size_t max = 1u << 20;
        size_t cap = 16384, len = 0, n;
        char *text = malloc(cap);
        if (!text) {
            fclose(f);
            return NTC_ENOMEM;
        }
        while ((n = fread(text + len, 1, cap - len, f)) > 0) {
            len += n;
            if (len < cap)
                continue;
            if (cap == max)
                break;
            char *bigger = realloc(text, cap * 2);
            if (!bigger) {
                free(text);
                fclose(f);
                return NTC_ENOMEM;
            }
            text = bigger;
            cap *= 2;
        }
        int rerr = ferror(f), more = len == max && fgetc(f) != EOF;
        fclose(f);
        if (rerr) {
            free(text);
            ntc__fmt(err, errlen, "%s: read error", path);
            return NTC_EIO;
        }
        if (more) {
            free(text);
            ntc__fmt(err, errlen, "%s: larger than 1 MiB: not a rules file", path);
            return NTC_EFORMAT;
        }
        ntc__rule_names names = {
            .app_name = (const char *(*)(const void *, uint16_t))ntc__dpi_app_name,
            .u = e->dpi, .napps = a->napps};
        int rc = ntc__rules_parse(text, len, path, &names, &rs, err, errlen);
        free(text);
        if (rc)
            return rc;
    }
    ntc__thr_install(a, &rs, e->now_us);
    a->st.rules = a->rs.nrules;
    a->st.blacklist = a->rs.nblack;
    return 0;
}

int ntc__alert_new(ntc_engine *e)
{
    const ntc_config *c = e->cfg;
    if (!ntc__config_int(c, NTC__CFG_ALERT_ENABLE))
        return 0;
    ntc__alerts *a = calloc(1, sizeof(*a));
    if (!a)
        return NTC_ENOMEM;
    pthread_mutex_init(&a->qlock, NULL);
    a->sinks.syslog_fd = -1;
    e->alerts = a;
    a->eng = e;
    uint64_t seed = (uint64_t)ntc__config_int(c, NTC__CFG_ENGINE_HASH_SEED);
    a->seed = ntc__mix64((seed ? seed : ntc__random_seed()) + 7);
    a->repeat_us = (uint64_t)ntc__config_int(c, NTC__CFG_ALERT_REPEAT_INTERVAL) * 1000000u;
    a->qmax = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_QUEUE_MAX);
    a->track_max = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_TRACK_MAX);
    a->flood_win_s = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_FLOOD_WINDOW);
    a->scan_win_s = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_SCAN_WINDOW);
    a->syn_thr = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_SYN_FLOOD_THRESHOLD);
    a->icmp_thr = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_ICMP_FLOOD_THRESHOLD);
    a->port_scan_thr = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_PORT_SCAN_THRESHOLD);
    a->host_scan_thr = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_HOST_SCAN_THRESHOLD);
    a->reset_thr = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_SERVER_RESET_THRESHOLD);
    a->flow_risk = (int)ntc__config_int(c, NTC__CFG_ALERT_FLOW_RISK);
    a->dangerous = (int)ntc__config_int(c, NTC__CFG_ALERT_DANGEROUS_APPS);
    a->retrans_pct = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_RETRANS_PERCENT);
    a->retrans_min = (uint32_t)ntc__config_int(c, NTC__CFG_ALERT_RETRANS_MIN_PACKETS);
    a->napps = ntc__dpi_app_count(e->dpi);
    ntc__list_init(&a->engaged_list);
    int rc = ntc__detect_init(a);
    if (rc)
        return rc;
    uint32_t nb = ntc__pow2_ceil(NTC__MAX(a->track_max / 4u, 64u));
    if (!(a->scratch = calloc(1, sizeof(ntc_alert) + NTC__ALERT_TEXT)) ||
        !(a->engaged_buckets = calloc(nb, sizeof(*a->engaged_buckets))))
        return NTC_ENOMEM;
    a->engaged_mask = nb - 1;
    a->mem += sizeof(*a) + sizeof(ntc_alert) + NTC__ALERT_TEXT + (uint64_t)nb * sizeof(void *);
    const char *path = ntc__config_str(c, NTC__CFG_ALERT_RULES_FILE);
    if (path[0] && !(a->rules_path = strdup(path)))
        return NTC_ENOMEM;
    char err[NTC__ERRMSG_LEN - 20]; /* room for the key in front */
    if ((rc = load_rules(a, path, err, sizeof(err))) != 0) {
        ntc__fmt(e->errmsg, sizeof(e->errmsg), "alert.rules_file: %s", err);
        return rc;
    }
    if ((rc = ntc__sinks_open(&a->sinks, c, e->errmsg, sizeof(e->errmsg))) != 0)
        return rc;
    return 0;
}

void ntc__alert_free(ntc__alerts *a)
{
    if (!a)
        return;
    a->quiet = 1;
    if (a->sinks.nchildren)
        ntc__sinks_reap(a, 1);
    ntc__sinks_close(&a->sinks);
    ntc__lnode *n;
    while ((n = ntc__list_first(&a->engaged_list)) != NULL)
        engaged_remove(a, NTC__CONTAINER_OF(n, ntc__engaged, node));
    free(a->engaged_buckets);
    ntc__detect_free(a);
    ntc__ruleset_free(&a->rs);
    free(a->p2p_apps);
    free(a->rl);
    for (uint32_t i = 0; i < a->qcount; i++)
        free(a->queue[(a->qhead + i) % a->qmax]);
    free(a->queue);
    pthread_mutex_destroy(&a->qlock);
    free(a->scratch);
    free(a->jbuf);
    free(a->rules_path);
    free(a);
}

void ntc__alert_tick(ntc_engine *e, uint64_t boundary_us, unsigned periods)
{
    ntc__alerts *a = e->alerts;
    if (atomic_exchange(&a->reload_wanted, 0)) {
        char err[NTC__ERRMSG_LEN];
        int rc = load_rules(a, a->rules_path, err, sizeof(err));
        if (rc)
            ntc__alert_log(a, NTC_LOG_ERROR, "alert rules not reloaded, the previous ones stay: %s",
                           err);
        else
            ntc__alert_log(a, NTC_LOG_INFO, "alert rules reloaded from %s: %zu rules, %zu "
                           "blacklist entries", a->rules_path ? a->rules_path : "(none)",
                           a->rs.nrules, a->rs.nblack);
    }
    ntc__detect_tick(a, boundary_us);
    if (periods)
        ntc__thr_tick(a, boundary_us, periods);
    if (a->sinks.nchildren)
        ntc__sinks_reap(a, 0);
}

/* ---- public engine functions ---- */

NTC_EXPORT int ntc_engine_alert_pop(ntc_engine *e, ntc_alert **out)
{
    if (!e || !out)
        return NTC_EINVAL;
    *out = NULL;
    ntc__alerts *a = e->alerts;
    if (!a)
        return 0;
    pthread_mutex_lock(&a->qlock);
    if (a->qcount) {
        *out = a->queue[a->qhead];
        a->queue[a->qhead] = NULL;
        a->qhead = (a->qhead + 1) % a->qmax;
        a->qcount--;
    }
    pthread_mutex_unlock(&a->qlock);
    return 0;
}

/* FNV-1a of a string, for the rate-limit key of user alerts. */
static uint64_t str_hash(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

NTC_EXPORT int ntc_engine_alert_raise(ntc_engine *e, int severity, int entity,
                                      const char *entity_id, const char *description)
{
    if (!e || !description || severity < NTC_ALERT_INFO || severity > NTC_ALERT_CRITICAL ||
        entity < NTC_ALERT_ENTITY_INTERFACE || entity > NTC_ALERT_ENTITY_FLOW)
        return NTC_EINVAL;
    ntc__alerts *a = e->alerts;
    if (!a) {
        ntc__fmt(e->errmsg, sizeof(e->errmsg), "alerts are off (alert.enable = false)");
        return NTC_ESTATE;
    }
    if (a->delivering)
        return NTC_ESTATE; /* from the alert callback */
    uint64_t key = str_hash(str_hash(1469598103934665603ull ^ NTC_ALERT_USER, entity_id),
                            description) | 1;
    uint32_t held;
    if (!ntc__alert_admit(a, key, e->now_us, &held))
        return 0;
    ntc_alert *b = ntc__ab_begin(a, NTC_ALERT_USER, severity, entity, NTC_ALERT_EVENT, e->now_us);
    b->suppressed = held;
    ntc__ab_entity(b, "%s", entity_id ? entity_id : "");
    ntc__ab_desc(b, "%s", description);
    ntc__alert_deliver(a, b);
    return 0;
}

NTC_EXPORT int ntc_engine_alert_load_rules(ntc_engine *e, const char *path)
{
    if (e && e->in_cb)
        return NTC_ESTATE;
    if (!e)
        return NTC_EINVAL;
    ntc__alerts *a = e->alerts;
    if (!a) {
        ntc__fmt(e->errmsg, sizeof(e->errmsg), "alerts are off (alert.enable = false)");
        return NTC_ESTATE;
    }
    const char *p = path ? path : a->rules_path;
    int rc = load_rules(a, p, e->errmsg, sizeof(e->errmsg));
    if (rc == 0 && path && (!a->rules_path || strcmp(path, a->rules_path) != 0)) {
        char *copy = strdup(path);
        if (!copy)
            return NTC_ENOMEM;
        free(a->rules_path);
        a->rules_path = copy;
    }
    return rc;
}

NTC_EXPORT void ntc_engine_alert_reload(ntc_engine *e)
{
    if (e && e->alerts)
        atomic_store(&e->alerts->reload_wanted, 1);
}

NTC_EXPORT int ntc_engine_foreach_engaged_alert(ntc_engine *e,
                                                int (*fn)(void *user, const ntc_alert *alert),
                                                void *user)
{
    if (e && e->in_cb && !ntc__engine_walk_allowed(e))
        return NTC_ESTATE;
    if (!e || !fn)
        return NTC_EINVAL;
    if (!e->alerts)
        return 0;
    e->in_cb++;
    ntc__list *l = &e->alerts->engaged_list;
    for (ntc__lnode *n = ntc__list_first(l); n && n != &l->head; n = n->next) {
        ntc__engaged *g = NTC__CONTAINER_OF(n, ntc__engaged, node);
        if (!g->silent && fn(user, g->al))
            break;
    }
    e->in_cb--;
    return 0;
}

uint64_t ntc__alert_memory(const ntc__alerts *a)
{
    return a ? a->mem + (uint64_t)a->nentries * sizeof(ntc__aent) : 0;
}

NTC_EXPORT int ntc_engine_get_alert_stats(const ntc_engine *e, ntc_alert_stats *out)
{
    if (!e || !out || out->size < offsetof(ntc_alert_stats, delivered))
        return NTC_EINVAL;
    ntc_alert_stats s = {0};
    ntc__alerts *a = e->alerts;
    if (a) {
        s = a->st;
        s.engaged = a->nengaged;
        pthread_mutex_lock(&a->qlock);
        s.queued = a->qcount;
        s.queue_dropped = a->queue_dropped;
        pthread_mutex_unlock(&a->qlock);
        s.memory_bytes = ntc__alert_memory(a);
    }
    s.size = out->size;
    memcpy(out, &s, NTC__MIN(out->size, sizeof(s)));
    return 0;
}
