/* Public L7 accessors and name tables (no nDPI here: only our stable ids). */
#include <stdio.h>

#include "dpi/l7_tables.h"
#include "flow/flow.h"
#include "ntopcore/error.h"
#include "ntopcore/l7.h"

NTC_EXPORT const char *ntc_l7_app_name(uint16_t id)
{
    return id < NTC__L7_APP_COUNT ? ntc__l7_app_names[id] : NULL;
}

NTC_EXPORT int ntc_l7_app_id(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < NTC__L7_APP_COUNT; i++)
        if (strcmp(ntc__l7_app_names[i], name) == 0)
            return i;
    return -1;
}

NTC_EXPORT const char *ntc_l7_category_name(uint16_t id)
{
    return id < NTC__L7_CATEGORY_COUNT ? ntc__l7_category_names[id] : NULL;
}

NTC_EXPORT const char *ntc_l7_breed_name(int breed)
{
    static const char *names[] = {"Safe", "Acceptable", "Fun", "Unsafe", "Potentially Dangerous",
                                  "Dangerous", "Tracker/Ads", "Unrated"};
    return breed >= 0 && breed < (int)NTC__ARRAY_LEN(names) ? names[breed] : NULL;
}

NTC_EXPORT const char *ntc_l7_risk_name(unsigned risk)
{
    return risk < NTC__L7_RISK_COUNT ? ntc__l7_risk_names[risk] : NULL;
}

NTC_EXPORT const char *ntc_l7_how_name(int how)
{
    static const char *names[] = {"pending", "dpi", "guess", "unknown", "off"};
    return how >= 0 && how < (int)NTC__ARRAY_LEN(names) ? names[how] : "unknown";
}

NTC_EXPORT const char *ntc_meta_name(int key)
{
    static const char *names[NTC_META_COUNT] = {
        "HTTP_METHOD", "HTTP_URL", "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_MIME", "HTTP_RET_CODE",
        "DNS_QUERY", "DNS_QUERY_TYPE", "DNS_RET_CODE", "DNS_ANSWER", "TLS_SERVER_NAME",
        "TLS_VERSION", "JA3C_HASH", "JA3S_HASH", "TLS_ISSUER_DN", "TLS_SUBJECT_DN",
        "TLS_NOT_BEFORE", "TLS_NOT_AFTER", "TLS_ALPN", "SSH_CLIENT_SIGNATURE",
        "SSH_SERVER_SIGNATURE", "DHCP_HOST_NAME", "HOST_NAME", "L7_PROTO_NAME", "FLOW_SOURCE"};
    return key >= 0 && key < NTC_META_COUNT ? names[key] : NULL;
}

NTC_EXPORT int ntc_flow_get_l7(const ntc_flow *f, ntc_flow_l7 *out)
{
    if (!f || !out || out->size < offsetof(ntc_flow_l7, master))
        return NTC_EINVAL;
    ntc_flow_l7 l = {.size = out->size, .master = f->l7.master, .app = f->l7.app,
                     .category = f->l7.category, .breed = f->l7.breed, .how = f->l7.how,
                     .risk = f->l7.risk, .risk_score = f->l7.risk_score,
                     .dpi_packets = f->l7.dpi_packets};
    memcpy(out, &l, NTC__MIN(out->size, sizeof(l)));
    return 0;
}

NTC_EXPORT int ntc_flow_l7_name(const ntc_flow *f, char *buf, size_t bufsize)
{
    if (!f || (!buf && bufsize))
        return NTC_EINVAL;
    const char *custom = ntc__meta_get(f->meta, NTC_META_L7_NAME);
    if (custom)
        return snprintf(buf, bufsize, "%s", custom);
    const char *app = ntc_l7_app_name(f->l7.app), *master = ntc_l7_app_name(f->l7.master);
    if (!app)
        app = "Unknown";
    if (f->l7.master && master)
        return snprintf(buf, bufsize, "%s.%s", master, app);
    return snprintf(buf, bufsize, "%s", app);
}

NTC_EXPORT const char *ntc_flow_meta(const ntc_flow *f, int key)
{
    if (!f || key == NTC_META_L7_NAME)
        return NULL;
    return ntc__meta_get(f->meta, key);
}
