/* Private: frozen tables of our stable L7 identifiers (see l7_tables.c). These names and numbers
 * are part of the public contract (L7_PROTO "master.app" ids, categories, risks). Append only. */
#ifndef NTC_LIB_L7_TABLES_H
#define NTC_LIB_L7_TABLES_H

#define NTC__L7_APP_COUNT 282
#define NTC__L7_CATEGORY_COUNT 47
#define NTC__L7_RISK_COUNT 42

extern const char *const ntc__l7_app_names[NTC__L7_APP_COUNT];
extern const char *const ntc__l7_category_names[NTC__L7_CATEGORY_COUNT];
extern const char *const ntc__l7_risk_names[NTC__L7_RISK_COUNT];

#endif
