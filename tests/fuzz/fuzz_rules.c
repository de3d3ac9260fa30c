/* fuzz_rules — the alert rules parser (lib/alert/rules.c: ntc__rules_parse) and the loading of a
 * rules file into a running engine (ntc_engine_alert_load_rules: installing, keeping and
 * releasing the state of rules across reloads).
 *
 * Input: the rules file itself. It is parsed directly, then loaded into one engine kept for the
 * whole process (DPI off, small tables) that holds the previous inputs' rules and whatever they
 * engaged on its traffic, so reloads keep or release real state.
 * Checked besides memory safety: a refusal is NTC_EFORMAT with "NAME:LINE: ..." lines whose line
 * numbers exist in the input, the last line possibly "(N more errors)"; an accepted file gives
 * rules whose fields are in range and whose lines are distinct and within the input; parsing the
 * same text twice gives the same result; the engine accepts exactly what the parser accepts. */
#include "fuzz_common.h"

#include "alert/alert.h"
#include "dpi/l7_tables.h"

static unsigned count_lines(const uint8_t *data, size_t size)
{
    unsigned n = size ? 1 : 0;
    for (size_t i = 0; i + 1 < size; i++)
        n += data[i] == '\n';
    return n;
}

static void check_errors(const char *err, unsigned nlines)
{
    FZ_CHECK(err[0]);
    const char *p = err;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= 1 && p[0] == '(') {
            FZ_CHECK(!nl); /* "(N more errors)" comes last */
            FZ_CHECK(strstr(p, " more error") != NULL);
        } else {
            FZ_CHECK(strncmp(p, "in:", 3) == 0);
            char *end;
            unsigned long line = strtoul(p + 3, &end, 10);
            FZ_CHECK(end > p + 3 && *end == ':');
            FZ_CHECK(line >= 1 && line <= nlines);
        }
        for (size_t i = 0; i < len; i++)
            FZ_CHECK((unsigned char)p[i] >= 0x20 && (unsigned char)p[i] < 0x7f);
        p += len + (nl ? 1 : 0);
    }
}

static void check_rules(const ntc__ruleset *rs, unsigned nlines)
{
    for (size_t i = 0; i < rs->nrules; i++) {
        const ntc__rule *r = &rs->rules[i];
        FZ_CHECK(r->entity >= NTC__R_HOST && r->entity <= NTC__R_IFACE);
        FZ_CHECK(r->metric >= NTC__M_BYTES && r->metric <= NTC__M_CATEGORY_BYTES);
        FZ_CHECK(r->op == '>' || r->op == '<');
        FZ_CHECK(r->period >= NTC_TICK_MINUTE && r->period <= NTC_TICK_DAY);
        FZ_CHECK(r->severity <= NTC_ALERT_CRITICAL);
        FZ_CHECK(r->line >= 1 && r->line <= nlines);
        FZ_CHECK(memchr(r->metric_text, 0, sizeof(r->metric_text)) != NULL);
        FZ_CHECK(memchr(r->target_text, 0, sizeof(r->target_text)) != NULL);
        if (r->entity == NTC__R_NETWORK)
            FZ_CHECK(r->ip_version == 4 || r->ip_version == 6);
        if (r->target == NTC__T_ADDR || r->target == NTC__T_CIDR)
            FZ_CHECK(r->prefix <= (r->ip_version == 4 ? 32 : 128));
        for (size_t k = 0; k < i; k++) {
            FZ_CHECK(rs->rules[k].line != r->line);
            FZ_CHECK(rs->rules[k].key != r->key);
        }
    }
    for (size_t i = 0; i < rs->nblack; i++) {
        FZ_CHECK(rs->black[i].line >= 1 && rs->black[i].line <= nlines);
        FZ_CHECK(rs->black[i].severity <= NTC_ALERT_CRITICAL);
    }
    FZ_CHECK(rs->nrules + rs->nblack <= NTC__RULES_MAX);
}

static ntc_engine *g_eng;
static uint64_t g_now = 1700000000ULL * 1000000ULL;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ntc_config *cfg = ntc_config_new();
    FZ_CHECK(cfg);
    FZ_CHECK(ntc_config_set_bool(cfg, "dpi.enable", 0) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "alert.track_max", 64) == 0);
    FZ_CHECK(ntc_config_set_int(cfg, "engine.hash_seed", 0x5eed) == 0);
    FZ_CHECK(ntc_engine_new(&g_eng, cfg) == 0);
    ntc_config_free(cfg);
    FZ_CHECK(ntc_engine_set_callbacks(g_eng, &fz_callbacks, NULL) == 0);
    return 0;
}

/* A UDP packet between two hosts, so the clock moves and rules have something to count. */
static void feed(uint64_t ts)
{
    static const uint8_t frame[] = {
        0x45, 0, 0, 29, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        0x13, 0x88, 0x00, 0x35, 0, 9, 0, 0, 0x61};
    FZ_CHECK(ntc_engine_ingest(g_eng, NTC_LINKTYPE_RAW, ts, frame, sizeof(frame), 0) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned nlines = count_lines(data, size);
    ntc__rule_names names = {NULL, NULL, NTC__L7_APP_COUNT};
    static char err[4096], err2[4096];
    ntc__ruleset rs, rs2;
    int rc = ntc__rules_parse((const char *)data, size, "in", &names, &rs, err, sizeof(err));
    int rc2 = ntc__rules_parse((const char *)data, size, "in", &names, &rs2, err2, sizeof(err2));
    FZ_CHECK(rc == rc2);
    if (rc == 0) {
        check_rules(&rs, nlines);
        FZ_CHECK(rs.nrules == rs2.nrules && rs.nblack == rs2.nblack);
        for (size_t i = 0; i < rs.nrules; i++)
            FZ_CHECK(rs.rules[i].key == rs2.rules[i].key);
    } else {
        FZ_CHECK(rc == NTC_EFORMAT || rc == NTC_ENOMEM);
        if (rc == NTC_EFORMAT) {
            check_errors(err, nlines);
            FZ_CHECK(strcmp(err, err2) == 0);
        }
        FZ_CHECK(rs.nrules == 0 && rs.nblack == 0 && !rs.rules && !rs.black);
    }
    ntc__ruleset_free(&rs);
    ntc__ruleset_free(&rs2);

    /* The same file into the running engine: accepted exactly when the parser accepts it. */
    fz_memfile f;
    FZ_CHECK(fz_memfile_open(&f, "rules", data, size) == 0);
    int lrc = ntc_engine_alert_load_rules(g_eng, f.path);
    fz_memfile_close(&f);
    FZ_CHECK(lrc == rc || (rc == 0 && lrc == NTC_ENOMEM));
    if (lrc)
        FZ_CHECK(strncmp(ntc_engine_errmsg(g_eng), f.path, strlen(f.path)) == 0);
    /* Traffic over two minutes so that the loaded rules are judged, and an engaged interface
     * rule for the next reload to keep or release. */
    for (int i = 0; i < 3; i++) {
        g_now += 61ULL * 1000000ULL;
        feed(g_now);
    }
    ntc_alert *a = NULL;
    do {
        FZ_CHECK(ntc_engine_alert_pop(g_eng, &a) == 0);
        ntc_alert_free(a);
    } while (a);
    return 0;
}
