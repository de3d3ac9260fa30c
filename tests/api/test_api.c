/* Public API tests: only <ntopcore/ntopcore.h> and the shared library, as an embedder sees them.
 * Checks the conventions of DESIGN.md section 3: versions, error codes, the configuration and its
 * option table, NULL handling, output structs that grow by `size`, versioned callback tables, and
 * the ingest path with packets built by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <ntopcore/ntopcore.h>

#include "pkt.h"

#ifndef NTC_TEST_PROJECT_VERSION
#error "NTC_TEST_PROJECT_VERSION (meson.project_version()) must be defined by the build"
#endif

#define T0 1700000000000000ull /* packet time base, microseconds since the epoch */
#define CLI 0x0a000001u        /* 10.0.0.1 */
#define SRV 0xc0000235u        /* 192.0.2.53 */

static const int all_errors[] = {NTC_OK,     NTC_EINVAL, NTC_ENOMEM, NTC_EIO,
                                 NTC_EFORMAT, NTC_ENOTSUP, NTC_ERANGE, NTC_ENOKEY,
                                 NTC_ETYPE,  NTC_EOF,    NTC_EFULL,  NTC_ESTATE};
#define N_ERRORS (sizeof(all_errors) / sizeof(all_errors[0]))

static void assert_contains(const char *haystack, const char *needle)
{
    assert_non_null(haystack);
    if (!strstr(haystack, needle))
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* ------------------------------------------------------------------------------------------ */
/* version and errors */

static void test_version(void **state)
{
    (void)state;
    char expect[32];
    snprintf(expect, sizeof(expect), "%d.%d.%d", NTC_VERSION_MAJOR, NTC_VERSION_MINOR,
             NTC_VERSION_PATCH);
    assert_int_equal(ntc_version(), NTC_VERSION_NUMBER);
    assert_int_equal(NTC_VERSION_NUMBER,
                     NTC_VERSION_MAJOR * 10000 + NTC_VERSION_MINOR * 100 + NTC_VERSION_PATCH);
    assert_non_null(ntc_version_string());
    assert_string_equal(ntc_version_string(), expect);
    /* The header macros, the library and meson.build agree. */
    assert_string_equal(ntc_version_string(), NTC_TEST_PROJECT_VERSION);
}

static void test_strerror(void **state)
{
    (void)state;
    const char *unknown = ntc_strerror(-1000);
    assert_non_null(unknown);
    assert_true(unknown[0] != 0);
    for (size_t i = 0; i < N_ERRORS; i++) {
        const char *s = ntc_strerror(all_errors[i]);
        assert_non_null(s);
        assert_true(s[0] != 0);
        if (all_errors[i] != NTC_OK)
            assert_true(all_errors[i] < 0);
        if (strcmp(s, unknown) == 0)
            fail_msg("code %d has no message of its own", all_errors[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s, ntc_strerror(all_errors[j])) == 0)
                fail_msg("codes %d and %d share the message \"%s\"", all_errors[i], all_errors[j], s);
    }
    static const int bogus[] = {1, 42, NTC_ESTATE - 1, -12345, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++)
        assert_string_equal(ntc_strerror(bogus[i]), unknown);
}

static void test_names(void **state)
{
    (void)state;
    static const int odd[] = {-1, 255, 100000, INT32_MIN};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        assert_non_null(ntc_tcp_state_name(odd[i]));
        assert_non_null(ntc_tunnel_name(odd[i]));
        assert_non_null(ntc_flow_end_reason_name(odd[i]));
        assert_non_null(ntc_decode_error_name(odd[i]));
    }
    for (int r = 0; r < NTC_DECODE_ERROR_COUNT; r++) {
        const char *n = ntc_decode_error_name(r);
        assert_true(n[0] != 0);
        for (int k = 0; k < r; k++)
            assert_string_not_equal(n, ntc_decode_error_name(k));
    }
    assert_true(NTC_DECODE_ERROR_COUNT <= NTC_DECODE_ERROR_SLOTS);
    assert_string_equal(ntc_tunnel_name(NTC_TUNNEL_NONE), "");
    assert_string_equal(ntc_flow_end_reason_name(NTC_FLOW_END_IDLE), "idle");
    assert_string_equal(ntc_flow_end_reason_name(NTC_FLOW_END_FLUSH), "flush");
    assert_string_equal(ntc_tcp_state_name(NTC_TCP_ESTABLISHED), "ESTABLISHED");
}

static void test_l7_names(void **state)
{
    (void)state;
    /* Built-in applications: id 0 is Unknown; ids round-trip through their names. */
    assert_non_null(ntc_l7_app_name(0));
    assert_string_equal(ntc_l7_app_name(0), "Unknown");
    unsigned n = 0;
    for (unsigned id = 0; id < NTC_L7_CUSTOM_BASE && ntc_l7_app_name((uint16_t)id); id++, n++) {
        const char *name = ntc_l7_app_name((uint16_t)id);
        assert_true(name[0] != 0);
        if (ntc_l7_app_id(name) != (int)id)
            fail_msg("ntc_l7_app_id(\"%s\") = %d, expected %u", name, ntc_l7_app_id(name), id);
    }
    assert_true(n > 100);
    assert_null(ntc_l7_app_name((uint16_t)n));
    assert_null(ntc_l7_app_name(NTC_L7_CUSTOM_BASE));
    assert_null(ntc_l7_app_name(UINT16_MAX));
    assert_int_equal(ntc_l7_app_id("no such protocol"), -1);
    assert_int_equal(ntc_l7_app_id(NULL), -1);
    assert_int_equal(ntc_l7_app_id("dns"), -1);              /* case-sensitive */
    assert_true(ntc_l7_app_id("DNS") > 0);
    assert_true(ntc_l7_app_id("TLS") > 0);
    /* Categories, breeds, risks, verdicts, metadata keys. */
    assert_non_null(ntc_l7_category_name(0));
    assert_null(ntc_l7_category_name(UINT16_MAX));
    for (int b = NTC_BREED_SAFE; b <= NTC_BREED_UNRATED; b++)
        assert_true(ntc_l7_breed_name(b) && ntc_l7_breed_name(b)[0]);
    assert_string_equal(ntc_l7_breed_name(NTC_BREED_POTENTIALLY_DANGEROUS), "Potentially Dangerous");
    assert_null(ntc_l7_breed_name(-1));
    assert_null(ntc_l7_breed_name(NTC_BREED_UNRATED + 1));
    for (unsigned r = 64; r < 70; r++)   /* ntc_flow_l7.risk is a 64-bit map: no risk id >= 64 */
        assert_null(ntc_l7_risk_name(r));
    assert_null(ntc_l7_risk_name(UINT32_MAX));
    static const char *how[] = {"pending", "dpi", "guess", "unknown", "off"};
    for (int h = NTC_L7_PENDING; h <= NTC_L7_OFF; h++)
        assert_string_equal(ntc_l7_how_name(h), how[h]);
    assert_non_null(ntc_l7_how_name(-1));
    assert_non_null(ntc_l7_how_name(99));
    for (int k = 0; k < NTC_META_COUNT; k++) {
        const char *m = ntc_meta_name(k);
        assert_true(m && m[0]);
        for (int j = 0; j < k; j++)
            assert_string_not_equal(m, ntc_meta_name(j));
    }
    assert_string_equal(ntc_meta_name(NTC_META_DNS_QUERY), "DNS_QUERY");
    assert_null(ntc_meta_name(-1));
    assert_null(ntc_meta_name(NTC_META_COUNT));
}

/* ------------------------------------------------------------------------------------------ */
/* configuration */

static void test_config_option_table(void **state)
{
    (void)state;
    size_t n = ntc_config_option_count();
    assert_true(n > 0);
    assert_null(ntc_config_option_at(n));
    assert_null(ntc_config_option_at((size_t)-1));
    assert_null(ntc_config_option_find("no.such.key"));
    assert_null(ntc_config_option_find(NULL));
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    for (size_t i = 0; i < n; i++) {
        const ntc_config_option *o = ntc_config_option_at(i);
        assert_non_null(o);
        assert_non_null(o->key);
        assert_non_null(strchr(o->key, '.'));                 /* dotted */
        assert_true(o->doc && o->doc[0]);                      /* documented */
        assert_non_null(o->unit);
        assert_non_null(o->def_string);
        assert_ptr_equal(ntc_config_option_find(o->key), o);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(o->key, ntc_config_option_at(j)->key);
        int64_t v = -1;
        switch (o->type) {
        case NTC_CONFIG_INT:
            assert_true(o->min <= o->def_int && o->def_int <= o->max);
            assert_int_equal(ntc_config_get_int(cfg, o->key, &v), 0);
            assert_true(v == o->def_int);
            assert_null(ntc_config_get_string(cfg, o->key));
            break;
        case NTC_CONFIG_BOOL:
            assert_true(o->def_int == 0 || o->def_int == 1);
            assert_int_equal(ntc_config_get_int(cfg, o->key, &v), 0);
            assert_true(v == o->def_int);
            assert_null(ntc_config_get_string(cfg, o->key));
            break;
        case NTC_CONFIG_STRING:
            assert_string_equal(ntc_config_get_string(cfg, o->key), o->def_string);
            assert_true(ntc_config_get_int(cfg, o->key, &v) < 0);
            break;
        default:
            fail_msg("option %s has type %d", o->key, (int)o->type);
        }
    }
    assert_string_equal(ntc_config_errmsg(cfg), "");
    ntc_config_free(cfg);
}

static const ntc_config_option *first_option_of(ntc_config_type type)
{
    for (size_t i = 0; i < ntc_config_option_count(); i++)
        if (ntc_config_option_at(i)->type == type)
            return ntc_config_option_at(i);
    return NULL;
}

static void test_config_int_bounds(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    for (size_t i = 0; i < ntc_config_option_count(); i++) {
        const ntc_config_option *o = ntc_config_option_at(i);
        if (o->type != NTC_CONFIG_INT)
            continue;
        int64_t v;
        assert_int_equal(ntc_config_set_int(cfg, o->key, o->min), 0);
        assert_int_equal(ntc_config_set_int(cfg, o->key, o->max), 0);
        assert_int_equal(ntc_config_get_int(cfg, o->key, &v), 0);
        assert_true(v == o->max);
        if (o->min > INT64_MIN) {
            assert_int_equal(ntc_config_set_int(cfg, o->key, o->min - 1), NTC_ERANGE);
            assert_contains(ntc_config_errmsg(cfg), o->key);
        }
        if (o->max < INT64_MAX) {
            assert_int_equal(ntc_config_set_int(cfg, o->key, o->max + 1), NTC_ERANGE);
            assert_contains(ntc_config_errmsg(cfg), o->key);
        }
        assert_int_equal(ntc_config_set_int(cfg, o->key, INT64_MIN), o->min == INT64_MIN ? 0 : NTC_ERANGE);
        /* A rejected value leaves the previous one. */
        assert_int_equal(ntc_config_set_int(cfg, o->key, o->def_int), 0);
        if (o->max < INT64_MAX)
            assert_int_equal(ntc_config_set_int(cfg, o->key, INT64_MAX), NTC_ERANGE);
        assert_int_equal(ntc_config_get_int(cfg, o->key, &v), 0);
        assert_true(v == o->def_int);
    }
    ntc_config_free(cfg);
}

static void test_config_unknown_key(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    const char *k = "flow.no_such_option";
    int64_t v;
    assert_int_equal(ntc_config_set_int(cfg, k, 1), NTC_ENOKEY);
    assert_contains(ntc_config_errmsg(cfg), k);
    assert_int_equal(ntc_config_set_bool(cfg, "x.bool", 1), NTC_ENOKEY);
    assert_contains(ntc_config_errmsg(cfg), "x.bool");
    assert_int_equal(ntc_config_set_string(cfg, "x.str", "a"), NTC_ENOKEY);
    assert_contains(ntc_config_errmsg(cfg), "x.str");
    assert_int_equal(ntc_config_set(cfg, "x.text", "1"), NTC_ENOKEY);
    assert_contains(ntc_config_errmsg(cfg), "x.text");
    assert_int_equal(ntc_config_set(cfg, "", "1"), NTC_ENOKEY);
    assert_int_equal(ntc_config_set(cfg, "FLOW.MAX", "1"), NTC_ENOKEY); /* keys are exact */
    assert_int_equal(ntc_config_get_int(cfg, k, &v), NTC_ENOKEY);
    assert_null(ntc_config_get_string(cfg, k));
    ntc_config_free(cfg);
}

static void test_config_wrong_type(void **state)
{
    (void)state;
    const ntc_config_option *oi = first_option_of(NTC_CONFIG_INT);
    const ntc_config_option *ob = first_option_of(NTC_CONFIG_BOOL);
    const ntc_config_option *os = first_option_of(NTC_CONFIG_STRING);
    assert_non_null(oi);
    assert_non_null(ob);
    assert_non_null(os);
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set_bool(cfg, oi->key, 1), NTC_ETYPE);
    assert_contains(ntc_config_errmsg(cfg), oi->key);
    assert_int_equal(ntc_config_set_string(cfg, oi->key, "5"), NTC_ETYPE);
    assert_contains(ntc_config_errmsg(cfg), oi->key);
    assert_int_equal(ntc_config_set_int(cfg, ob->key, 1), NTC_ETYPE);
    assert_contains(ntc_config_errmsg(cfg), ob->key);
    assert_int_equal(ntc_config_set_string(cfg, ob->key, "yes"), NTC_ETYPE);
    assert_int_equal(ntc_config_set_int(cfg, os->key, 1), NTC_ETYPE);
    assert_contains(ntc_config_errmsg(cfg), os->key);
    assert_int_equal(ntc_config_set_bool(cfg, os->key, 1), NTC_ETYPE);
    /* Nothing changed. */
    int64_t v;
    assert_int_equal(ntc_config_get_int(cfg, oi->key, &v), 0);
    assert_true(v == oi->def_int);
    assert_string_equal(ntc_config_get_string(cfg, os->key), os->def_string);
    ntc_config_free(cfg);
}

static void test_config_set_text(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    int64_t v;
    /* INT */
    assert_int_equal(ntc_config_set(cfg, "flow.idle_timeout", "120"), 0);
    assert_int_equal(ntc_config_get_int(cfg, "flow.idle_timeout", &v), 0);
    assert_true(v == 120);
    static const char *not_ints[] = {"", "12x", "x12", "1.5", "0x", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(not_ints) / sizeof(not_ints[0]); i++) {
        int rc = ntc_config_set(cfg, "flow.idle_timeout", not_ints[i]);
        if (rc != NTC_ETYPE && rc != NTC_ERANGE)
            fail_msg("set(flow.idle_timeout, \"%s\") = %d", not_ints[i], rc);
        assert_contains(ntc_config_errmsg(cfg), "flow.idle_timeout");
    }
    assert_int_equal(ntc_config_set(cfg, "flow.idle_timeout", "0"), NTC_ERANGE);
    assert_contains(ntc_config_errmsg(cfg), "flow.idle_timeout");
    assert_int_equal(ntc_config_get_int(cfg, "flow.idle_timeout", &v), 0);
    assert_true(v == 120);
    /* BOOL */
    static const char *yes[] = {"1", "true", "yes", "on", "TRUE", "Yes"};
    static const char *no[] = {"0", "false", "no", "off", "FALSE", "Off"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        assert_int_equal(ntc_config_set(cfg, "capture.promisc", no[i]), 0);
        assert_int_equal(ntc_config_get_int(cfg, "capture.promisc", &v), 0);
        assert_true(v == 0);
        assert_int_equal(ntc_config_set(cfg, "capture.promisc", yes[i]), 0);
        assert_int_equal(ntc_config_get_int(cfg, "capture.promisc", &v), 0);
        assert_true(v == 1);
    }
    assert_int_equal(ntc_config_set(cfg, "capture.promisc", "maybe"), NTC_ETYPE);
    assert_contains(ntc_config_errmsg(cfg), "capture.promisc");
    assert_int_equal(ntc_config_set(cfg, "capture.promisc", "2"), NTC_ETYPE);
    /* STRING: copied */
    char filter[] = "udp port 53";
    assert_int_equal(ntc_config_set(cfg, "capture.filter", filter), 0);
    filter[0] = 'X';
    assert_string_equal(ntc_config_get_string(cfg, "capture.filter"), "udp port 53");
    assert_int_equal(ntc_config_set_string(cfg, "capture.filter", "tcp"), 0);
    assert_string_equal(ntc_config_get_string(cfg, "capture.filter"), "tcp");
    assert_int_equal(ntc_config_set_bool(cfg, "capture.promisc", 7), 0); /* non-zero is true */
    assert_int_equal(ntc_config_get_int(cfg, "capture.promisc", &v), 0);
    assert_true(v == 1);
    ntc_config_free(cfg);
}

static void test_config_local_networks(void **state)
{
    (void)state;
    const char *k = "host.local_networks";
    ntc_config *cfg = ntc_config_new();
    static const char *good[] = {"", "10.0.0.0/8", "192.168.0.0/16,10.0.0.0/8",
                                 "192.168.1.7", "fd00::/8", "10.0.0.0/8, 2001:db8::/32",
                                 "0.0.0.0/0", "::/0"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (ntc_config_set_string(cfg, k, good[i]) != 0)
            fail_msg("'%s' rejected: %s", good[i], ntc_config_errmsg(cfg));
        assert_string_equal(ntc_config_get_string(cfg, k), good[i]);
    }
    assert_int_equal(ntc_config_set_string(cfg, k, "10.0.0.0/8"), 0);
    static const char *bad[] = {"10.0.0.0/33", "300.1.2.3/8", "fd00::/129", "not-a-network",
                                "10.0.0.0/", "10.0.0.0/8x", "10.0.0.0/8,bogus", "10.0.0.0/-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = ntc_config_set_string(cfg, k, bad[i]);
        if (rc != NTC_EFORMAT)
            fail_msg("host.local_networks = '%s' gave %d, expected NTC_EFORMAT", bad[i], rc);
        const char *msg = ntc_config_errmsg(cfg);
        assert_contains(msg, k);
        /* ... and a reason beyond the key itself. */
        assert_true(strlen(msg) > strlen(k) + 8);
        /* The text setter goes through the same check. */
        assert_int_equal(ntc_config_set(cfg, k, bad[i]), NTC_EFORMAT);
        assert_string_equal(ntc_config_get_string(cfg, k), "10.0.0.0/8");
    }
    ntc_config_free(cfg);
}

static char *write_temp(const char *text)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof(tmpl), "%s/ntc-api-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_true(write(fd, text, n) == (ssize_t)n);
    close(fd);
    return strdup(tmpl);
}

static void test_config_load_file(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    int64_t v;
    char *path = write_temp("# libntopcore configuration\n"
                            "\n"
                            "   # indented comment\n"
                            "flow.idle_timeout = 120\n"
                            "flow.max=5000   # trailing comment\n"
                            "\tcapture.filter = \"tcp port 80 # not a comment\"  \n"
                            "host.local_networks = \"10.0.0.0/8, 192.168.0.0/16\"\n"
                            "capture.promisc = no\n"
                            "  host.remote_idle_timeout   =   90  \n");
    int rc = ntc_config_load_file(cfg, path);
    if (rc)
        fail_msg("load_file: %d %s", rc, ntc_config_errmsg(cfg));
    assert_int_equal(ntc_config_get_int(cfg, "flow.idle_timeout", &v), 0);
    assert_true(v == 120);
    assert_int_equal(ntc_config_get_int(cfg, "flow.max", &v), 0);
    assert_true(v == 5000);
    assert_int_equal(ntc_config_get_int(cfg, "capture.promisc", &v), 0);
    assert_true(v == 0);
    assert_int_equal(ntc_config_get_int(cfg, "host.remote_idle_timeout", &v), 0);
    assert_true(v == 90);
    assert_string_equal(ntc_config_get_string(cfg, "capture.filter"), "tcp port 80 # not a comment");
    assert_string_equal(ntc_config_get_string(cfg, "host.local_networks"), "10.0.0.0/8, 192.168.0.0/16");
    unlink(path);
    free(path);

    /* A value out of range on line 4: earlier lines stay applied, later ones are not read. */
    path = write_temp("flow.max = 1000\n"
                      "# comment\n"
                      "flow.idle_timeout = 30\n"
                      "flow.max = 0\n"
                      "flow.idle_timeout = 45\n");
    assert_int_equal(ntc_config_load_file(cfg, path), NTC_ERANGE);
    char where[600];
    snprintf(where, sizeof(where), "%s:4:", path);
    assert_contains(ntc_config_errmsg(cfg), where);
    assert_contains(ntc_config_errmsg(cfg), "flow.max");
    assert_int_equal(ntc_config_get_int(cfg, "flow.max", &v), 0);
    assert_true(v == 1000);
    assert_int_equal(ntc_config_get_int(cfg, "flow.idle_timeout", &v), 0);
    assert_true(v == 30);
    unlink(path);
    free(path);

    /* A line that is not "key = value". */
    path = write_temp("flow.max = 1000\nthis is not a setting\n");
    assert_int_equal(ntc_config_load_file(cfg, path), NTC_EFORMAT);
    snprintf(where, sizeof(where), "%s:2:", path);
    assert_contains(ntc_config_errmsg(cfg), where);
    unlink(path);
    free(path);

    /* An unknown key, a bad boolean, a bad network: each named with file:line. */
    path = write_temp("\n\nflow.bogus = 3\n");
    assert_int_equal(ntc_config_load_file(cfg, path), NTC_ENOKEY);
    snprintf(where, sizeof(where), "%s:3:", path);
    assert_contains(ntc_config_errmsg(cfg), where);
    assert_contains(ntc_config_errmsg(cfg), "flow.bogus");
    unlink(path);
    free(path);

    path = write_temp("capture.promisc = perhaps\n");
    assert_int_equal(ntc_config_load_file(cfg, path), NTC_ETYPE);
    snprintf(where, sizeof(where), "%s:1:", path);
    assert_contains(ntc_config_errmsg(cfg), where);
    assert_contains(ntc_config_errmsg(cfg), "capture.promisc");
    unlink(path);
    free(path);

    path = write_temp("# nets\nhost.local_networks = 10.0.0.0/40\n");
    assert_int_equal(ntc_config_load_file(cfg, path), NTC_EFORMAT);
    snprintf(where, sizeof(where), "%s:2:", path);
    assert_contains(ntc_config_errmsg(cfg), where);
    assert_contains(ntc_config_errmsg(cfg), "host.local_networks");
    unlink(path);
    free(path);

    /* A missing file: NTC_EIO naming the path. */
    assert_int_equal(ntc_config_load_file(cfg, "/nonexistent/ntc-api.conf"), NTC_EIO);
    assert_contains(ntc_config_errmsg(cfg), "/nonexistent/ntc-api.conf");
    ntc_config_free(cfg);
}

/* ------------------------------------------------------------------------------------------ */
/* engine helpers */

typedef struct cb_log {
    int flow_end[5];          /* by ntc_flow_end_reason */
    int host_end;
    int ticks[6];             /* by ntc_tick */
    uint64_t last_tick_us;
    ntc_flow_info last;       /* last ended flow */
    char json[4096], json_ids[4096];
    int json_len;
} cb_log;

static void on_flow_end(void *user, const ntc_flow *flow, ntc_flow_end_reason reason)
{
    cb_log *l = user;
    assert_true(reason >= NTC_FLOW_END_IDLE && reason <= NTC_FLOW_END_FLUSH);
    l->flow_end[reason]++;
    l->last.size = sizeof(l->last);
    assert_int_equal(ntc_flow_get_info(flow, &l->last), 0);
    l->json_len = ntc_flow_format_json(flow, 0, l->json, sizeof(l->json));
    ntc_flow_format_json(flow, NTC_JSON_NPROBE_IDS, l->json_ids, sizeof(l->json_ids));
}

static void on_host_end(void *user, const ntc_host *host)
{
    cb_log *l = user;
    ntc_host_info hi = {.size = sizeof(hi)};
    assert_int_equal(ntc_host_get_info(host, &hi), 0);
    assert_int_equal(hi.ip_version, 4);
    l->host_end++;
}

static void on_tick(void *user, ntc_tick tick, uint64_t now_us)
{
    cb_log *l = user;
    assert_true(tick >= NTC_TICK_SECOND && tick <= NTC_TICK_DAY);
    l->ticks[tick]++;
    l->last_tick_us = now_us;
}

static ntc_engine *new_engine(const ntc_config *cfg, cb_log *log)
{
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(&e, cfg), 0);
    assert_non_null(e);
    if (log) {
        ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow_end,
                            .host_end = on_host_end, .tick = on_tick};
        memset(log, 0, sizeof(*log));
        assert_int_equal(ntc_engine_set_callbacks(e, &cb, log), 0);
    }
    return e;
}

static int ingest_udp(ntc_engine *e, uint64_t ts, uint32_t src, uint32_t dst, uint16_t sp,
                      uint16_t dp, size_t payload)
{
    uint8_t buf[1600];
    size_t n = pkt_udp4(buf, src, dst, sp, dp, payload);
    return ntc_engine_ingest(e, NTC_LINKTYPE_RAW, ts, buf, (uint32_t)n, (uint32_t)n);
}

/* A DNS query (response = 0) from cli:port to srv:53, or its response (response = 1, from srv). */
static int ingest_dns(ntc_engine *e, uint64_t ts, uint32_t from, uint32_t to, uint16_t port,
                      const char *name, int response)
{
    uint8_t dns[300], buf[400];
    size_t d = pkt_dns(dns, 0x1234, name, response, 0x5db8d822u /* 93.184.216.34 */);
    size_t n = response ? pkt_udp4_data(buf, from, to, 53, port, dns, d)
                        : pkt_udp4_data(buf, from, to, port, 53, dns, d);
    return ntc_engine_ingest(e, NTC_LINKTYPE_RAW, ts, buf, (uint32_t)n, (uint32_t)n);
}

static size_t dns_len(const char *name, int response)
{
    return 28 + 12 + strlen(name) + 2 + 4 + (response ? 16 : 0);
}

static ntc_iface_stats stats_of(const ntc_engine *e)
{
    ntc_iface_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    assert_int_equal(ntc_engine_get_iface_stats(e, &st), 0);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* NULL handling */

static int count_cb(void *user, const void *obj)
{
    (void)obj;
    ++*(int *)user;
    return 0;
}
static int count_flow(void *user, const ntc_flow *f) { return count_cb(user, f); }
static int count_host(void *user, const ntc_host *h) { return count_cb(user, h); }
static int count_app(void *user, const ntc_app_stats *a) { return count_cb(user, a); }

static void test_free_null(void **state)
{
    (void)state;
    ntc_config_free(NULL);
    ntc_engine_free(NULL);
    ntc_snapshot_release(NULL);
}

static void test_null_arguments(void **state)
{
    (void)state;
    int64_t v;
    ntc_config *cfg = ntc_config_new();
    /* configuration */
    assert_int_equal(ntc_config_set_int(NULL, "flow.max", 1), NTC_EINVAL);
    assert_int_equal(ntc_config_set_bool(NULL, "capture.promisc", 1), NTC_EINVAL);
    assert_int_equal(ntc_config_set_string(NULL, "capture.filter", "x"), NTC_EINVAL);
    assert_int_equal(ntc_config_set(NULL, "flow.max", "1"), NTC_EINVAL);
    assert_int_equal(ntc_config_get_int(NULL, "flow.max", &v), NTC_EINVAL);
    assert_int_equal(ntc_config_get_int(cfg, "flow.max", NULL), NTC_EINVAL);
    assert_null(ntc_config_get_string(NULL, "capture.filter"));
    assert_int_equal(ntc_config_load_file(NULL, "/dev/null"), NTC_EINVAL);
    assert_int_equal(ntc_config_load_file(cfg, NULL), NTC_EINVAL);
    assert_non_null(ntc_config_errmsg(NULL));
    /* A NULL key must fail cleanly (EINVAL or ENOKEY are both acceptable here). */
    assert_true(ntc_config_set_int(cfg, NULL, 1) < 0);
    assert_true(ntc_config_set(cfg, NULL, "1") < 0);
    assert_true(ntc_config_get_int(cfg, NULL, &v) < 0);
    assert_null(ntc_config_get_string(cfg, NULL));

    /* engine */
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(NULL, NULL), NTC_EINVAL);
    assert_int_equal(ntc_engine_new(&e, NULL), 0); /* NULL config: defaults */
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION};
    uint8_t pkt[64];
    size_t n = pkt_udp4(pkt, CLI, SRV, 40000, 53, 8);
    assert_non_null(ntc_engine_errmsg(NULL));
    assert_int_equal(ntc_engine_set_callbacks(NULL, &cb, NULL), NTC_EINVAL);
    assert_int_equal(ntc_engine_ingest(NULL, NTC_LINKTYPE_RAW, T0, pkt, (uint32_t)n, 0), NTC_EINVAL);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, T0, NULL, (uint32_t)n, 0), NTC_EINVAL);
    assert_int_equal(ntc_engine_open_file(NULL, "/dev/null"), NTC_EINVAL);
    assert_int_equal(ntc_engine_open_file(e, NULL), NTC_EINVAL);
    assert_int_equal(ntc_engine_open_live(NULL, "lo"), NTC_EINVAL);
    assert_int_equal(ntc_engine_open_live(e, NULL), NTC_EINVAL);
    assert_int_equal(ntc_engine_source_count(NULL), 0);
    assert_int_equal(ntc_engine_poll(NULL, 0), NTC_EINVAL);
    assert_int_equal(ntc_engine_run(NULL, 0), NTC_EINVAL);
    ntc_engine_stop(NULL);
    assert_int_equal(ntc_engine_advance(NULL, T0), NTC_EINVAL);
    assert_int_equal(ntc_engine_flush(NULL), NTC_EINVAL);
    ntc_iface_stats st = {.size = sizeof(st)};
    assert_int_equal(ntc_engine_get_iface_stats(NULL, &st), NTC_EINVAL);
    assert_int_equal(ntc_engine_get_iface_stats(e, NULL), NTC_EINVAL);
    int cnt = 0;
    assert_int_equal(ntc_engine_foreach_flow(NULL, count_flow, &cnt), NTC_EINVAL);
    assert_int_equal(ntc_engine_foreach_flow(e, NULL, &cnt), NTC_EINVAL);
    assert_int_equal(ntc_engine_foreach_host(NULL, count_host, &cnt), NTC_EINVAL);
    assert_int_equal(ntc_engine_foreach_host(e, NULL, &cnt), NTC_EINVAL);
    /* Nothing was counted by the rejected calls. */
    st = stats_of(e);
    assert_true(st.packets == 0);
    /* An engine without sources: poll says EOF, run returns at once. */
    assert_int_equal(ntc_engine_source_count(e), 0);
    assert_int_equal(ntc_engine_poll(e, 0), NTC_EOF);
    assert_int_equal(ntc_engine_run(e, 0), 0);

    /* snapshots */
    assert_null(ntc_engine_snapshot_acquire(NULL));
    assert_true(ntc_snapshot_time(NULL) == 0);
    assert_int_equal(ntc_snapshot_iface_stats(NULL, &st), NTC_EINVAL);
    assert_true(ntc_snapshot_flow_count(NULL) == 0);
    assert_null(ntc_snapshot_flow(NULL, 0));
    assert_true(ntc_snapshot_host_count(NULL) == 0);
    assert_null(ntc_snapshot_host(NULL, 0));

    /* flows, hosts, JSON */
    ntc_flow_info fi = {.size = sizeof(fi)};
    ntc_host_info hi = {.size = sizeof(hi)};
    char buf[64];
    assert_int_equal(ntc_flow_get_info(NULL, &fi), NTC_EINVAL);
    assert_int_equal(ntc_host_get_info(NULL, &hi), NTC_EINVAL);
    assert_int_equal(ntc_flow_format_json(NULL, 0, buf, sizeof(buf)), NTC_EINVAL);
    assert_int_equal(ntc_host_format_json(NULL, 0, buf, sizeof(buf)), NTC_EINVAL);

    ntc_flow_l7 l7 = {.size = sizeof(l7)};
    ntc_app_stats as = {.size = sizeof(as)};
    assert_int_equal(ntc_flow_get_l7(NULL, &l7), NTC_EINVAL);
    assert_int_equal(ntc_flow_l7_name(NULL, buf, sizeof(buf)), NTC_EINVAL);
    assert_null(ntc_flow_meta(NULL, NTC_META_DNS_QUERY));
    assert_true(ntc_host_app_count(NULL) == 0);
    assert_int_equal(ntc_host_get_app(NULL, 0, &as), NTC_EINVAL);
    assert_null(ntc_host_name(NULL));
    assert_int_equal(ntc_engine_foreach_app(NULL, 0, count_app, &cnt), NTC_EINVAL);
    assert_int_equal(ntc_engine_foreach_app(e, 0, NULL, &cnt), NTC_EINVAL);
    assert_int_equal(ntc_snapshot_foreach_app(NULL, 0, count_app, &cnt), NTC_EINVAL);
    assert_null(ntc_engine_app_name(NULL, NTC_L7_CUSTOM_BASE));
    assert_null(ntc_engine_app_name(e, NTC_L7_CUSTOM_BASE));
    assert_string_equal(ntc_engine_app_name(e, 0), "Unknown");

    /* With a real flow and host in hand (foreach runs on this thread). */
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, T0, pkt, (uint32_t)n, 0), 0);
    assert_int_equal(ntc_engine_foreach_flow(e, count_flow, &cnt), 0);
    assert_int_equal(cnt, 1);
    assert_int_equal(ntc_engine_foreach_host(e, count_host, &cnt), 0);
    assert_int_equal(cnt, 3);
    ntc_engine_free(e);
    ntc_config_free(cfg);
}

static int null_checks_flow(void *user, const ntc_flow *f)
{
    (void)user;
    char buf[8];
    assert_int_equal(ntc_flow_get_info(f, NULL), NTC_EINVAL);
    assert_int_equal(ntc_flow_format_json(f, 0, NULL, sizeof(buf)), NTC_EINVAL);
    int need = ntc_flow_format_json(f, 0, NULL, 0); /* snprintf-style length query */
    assert_true(need > 10);
    memset(buf, 'Z', sizeof(buf));
    assert_int_equal(ntc_flow_format_json(f, 0, buf, sizeof(buf)), need);
    assert_int_equal(buf[sizeof(buf) - 1], 0);       /* truncated, NUL-terminated */
    assert_int_equal(strlen(buf), sizeof(buf) - 1);
    assert_int_equal(ntc_flow_get_l7(f, NULL), NTC_EINVAL);
    assert_int_equal(ntc_flow_l7_name(f, NULL, sizeof(buf)), NTC_EINVAL);
    need = ntc_flow_l7_name(f, NULL, 0);
    assert_true(need > 0);
    assert_null(ntc_flow_meta(f, -1));
    assert_null(ntc_flow_meta(f, NTC_META_COUNT));
    assert_null(ntc_flow_meta(f, 100000));
    return 1;                                        /* stop after the first */
}

static int null_checks_host(void *user, const ntc_host *h)
{
    (void)user;
    char buf[8];
    assert_int_equal(ntc_host_get_info(h, NULL), NTC_EINVAL);
    assert_int_equal(ntc_host_format_json(h, 0, NULL, sizeof(buf)), NTC_EINVAL);
    int need = ntc_host_format_json(h, 0, NULL, 0);
    assert_true(need > 10);
    assert_int_equal(ntc_host_format_json(h, 0, buf, sizeof(buf)), need);
    assert_int_equal(strlen(buf), sizeof(buf) - 1);
    ntc_app_stats as = {.size = sizeof(as)};
    assert_int_equal(ntc_host_get_app(h, 0, NULL), NTC_EINVAL);
    assert_int_equal(ntc_host_get_app(h, ntc_host_app_count(h), &as), NTC_EINVAL);
    assert_int_equal(ntc_host_get_app(h, (size_t)-1, &as), NTC_EINVAL);
    return 1;
}

static void test_null_arguments_objects(void **state)
{
    (void)state;
    ntc_engine *e = new_engine(NULL, NULL);
    assert_int_equal(ingest_udp(e, T0, CLI, SRV, 40000, 53, 8), 0);
    assert_int_equal(ntc_engine_foreach_flow(e, null_checks_flow, NULL), 0);
    assert_int_equal(ntc_engine_foreach_host(e, null_checks_host, NULL), 0);
    /* A snapshot, for its NULL output check. */
    assert_null(ntc_engine_snapshot_acquire(e));                 /* none published yet */
    assert_int_equal(ingest_udp(e, T0 + 1500000, CLI, SRV, 40000, 53, 8), 0);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);
    assert_int_equal(ntc_snapshot_iface_stats(s, NULL), NTC_EINVAL);
    assert_null(ntc_snapshot_flow(s, ntc_snapshot_flow_count(s)));
    assert_null(ntc_snapshot_host(s, ntc_snapshot_host_count(s)));
    assert_null(ntc_snapshot_flow(s, (size_t)-1));
    assert_int_equal(ntc_snapshot_foreach_app(s, 0, NULL, NULL), NTC_EINVAL);
    assert_int_equal(ntc_snapshot_foreach_app(s, 1, NULL, NULL), NTC_EINVAL);
    ntc_snapshot_release(s);
    ntc_engine_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* Output structs: a caller compiled against an older, smaller struct sets a smaller `size`; only
 * that many bytes may be written. A newer caller's larger struct gets only what the library knows. */

#define CANARY 0xA5
#define OUTBUF 2048

typedef int (*fill_fn)(const void *obj, void *out);

static int fill_engine_stats(const void *o, void *out) { return ntc_engine_get_iface_stats(o, out); }
static int fill_snapshot_stats(const void *o, void *out) { return ntc_snapshot_iface_stats(o, out); }
static int fill_flow(const void *o, void *out) { return ntc_flow_get_info(o, out); }
static int fill_host(const void *o, void *out) { return ntc_host_get_info(o, out); }

static void check_prefix_only(const char *what, fill_fn fn, const void *obj, size_t full,
                              size_t min_size)
{
    static union { max_align_t align; unsigned char b[OUTBUF]; } ref, out;
    assert_true(full + 64 <= OUTBUF);
    /* Reference: the full struct. */
    memset(ref.b, CANARY, sizeof(ref.b));
    memcpy(ref.b, &full, sizeof(full));
    assert_int_equal(fn(obj, ref.b), 0);
    size_t sizes[] = {min_size, min_size + 3, min_size + 8, full / 2 + 1, full - 8, full - 1, full,
                      full + 64};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t size = sizes[k];
        if (size < min_size)
            continue;
        memset(out.b, CANARY, sizeof(out.b));
        memcpy(out.b, &size, sizeof(size));
        int rc = fn(obj, out.b);
        if (rc != 0)
            fail_msg("%s: size %zu rejected (%d)", what, size, rc);
        size_t got;
        memcpy(&got, out.b, sizeof(got));
        if (got != size)
            fail_msg("%s: the size field changed from %zu to %zu", what, size, got);
        size_t written = size < full ? size : full;
        if (memcmp(out.b + sizeof(size_t), ref.b + sizeof(size_t), written - sizeof(size_t)) != 0)
            fail_msg("%s: size %zu: the prefix differs from the full struct", what, size);
        for (size_t i = written; i < sizeof(out.b); i++)
            if (out.b[i] != CANARY)
                fail_msg("%s: size %zu: byte %zu written past the caller's struct", what, size, i);
    }
    /* Too small for even the first field: rejected, nothing written. */
    size_t tiny[] = {0, 1, sizeof(size_t) - 1};
    for (size_t k = 0; k < sizeof(tiny) / sizeof(tiny[0]); k++) {
        memset(out.b, CANARY, sizeof(out.b));
        memcpy(out.b, &tiny[k], sizeof(size_t));
        if (fn(obj, out.b) != NTC_EINVAL)
            fail_msg("%s: size %zu accepted", what, tiny[k]);
        for (size_t i = sizeof(size_t); i < sizeof(out.b); i++)
            if (out.b[i] != CANARY)
                fail_msg("%s: size %zu rejected but byte %zu written", what, tiny[k], i);
    }
}

static int fill_l7(const void *o, void *out) { return ntc_flow_get_l7(o, out); }
static int fill_host_app0(const void *o, void *out) { return ntc_host_get_app(o, 0, out); }

static int prefix_flow(void *user, const ntc_flow *f)
{
    (void)user;
    check_prefix_only("ntc_flow_get_info", fill_flow, f, sizeof(ntc_flow_info),
                      offsetof(ntc_flow_info, cli2srv_packets));
    check_prefix_only("ntc_flow_get_l7", fill_l7, f, sizeof(ntc_flow_l7),
                      offsetof(ntc_flow_l7, master));
    return 0;
}

static int prefix_host(void *user, const ntc_host *h)
{
    int *apps_checked = user;
    check_prefix_only("ntc_host_get_info", fill_host, h, sizeof(ntc_host_info),
                      offsetof(ntc_host_info, packets_sent));
    if (ntc_host_app_count(h) > 0) {
        check_prefix_only("ntc_host_get_app", fill_host_app0, h, sizeof(ntc_app_stats),
                          offsetof(ntc_app_stats, flows));
        if (apps_checked)
            ++*apps_checked;
    }
    return 0;
}

static void test_output_struct_prefix(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set_string(cfg, "host.local_networks", "10.0.0.0/8"), 0);
    ntc_engine *e = new_engine(cfg, NULL);
    ntc_config_free(cfg);
    assert_int_equal(ingest_udp(e, T0, CLI, SRV, 40000, 53, 20), 0);
    assert_int_equal(ingest_udp(e, T0 + 1000, SRV, CLI, 53, 40000, 100), 0);
    assert_null(ntc_engine_snapshot_acquire(e));
    assert_int_equal(ingest_udp(e, T0 + 1200000, CLI, SRV, 40000, 53, 20), 0);
    /* A DNS exchange, classified at once, so the local client has an application table. */
    assert_int_equal(ingest_dns(e, T0 + 1300000, CLI, SRV, 40100, "www.example.com", 0), 0);
    assert_int_equal(ingest_dns(e, T0 + 1301000, SRV, CLI, 40100, "www.example.com", 1), 0);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);

    check_prefix_only("ntc_engine_get_iface_stats", fill_engine_stats, e, sizeof(ntc_iface_stats),
                      offsetof(ntc_iface_stats, packets));
    check_prefix_only("ntc_snapshot_iface_stats", fill_snapshot_stats, s, sizeof(ntc_iface_stats),
                      offsetof(ntc_iface_stats, packets));
    int apps_checked = 0;
    assert_int_equal(ntc_engine_foreach_flow(e, prefix_flow, NULL), 0);
    assert_int_equal(ntc_engine_foreach_host(e, prefix_host, &apps_checked), 0);
    assert_true(apps_checked >= 1);
    assert_true(ntc_snapshot_flow_count(s) >= 1);
    prefix_flow(NULL, ntc_snapshot_flow(s, 0));
    assert_true(ntc_snapshot_host_count(s) >= 1);
    prefix_host(NULL, ntc_snapshot_host(s, 0));

    /* An old caller that only knows `packets` and `bytes` gets them. */
    struct { size_t size; uint64_t packets, bytes; uint64_t canary; } old;
    memset(&old, CANARY, sizeof(old));
    old.size = offsetof(ntc_iface_stats, ip_packets);
    assert_int_equal(ntc_engine_get_iface_stats(e, (ntc_iface_stats *)(void *)&old), 0);
    assert_true(old.packets == 5);
    assert_true(old.bytes == 48 + 128 + 48 + dns_len("www.example.com", 0) +
                                 dns_len("www.example.com", 1));
    assert_true(old.canary == 0xA5A5A5A5A5A5A5A5ull);
    ntc_snapshot_release(s);
    ntc_engine_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* callbacks */

static void test_callback_versions(void **state)
{
    (void)state;
    cb_log log, other;
    ntc_engine *e = new_engine(NULL, &log);
    memset(&other, 0, sizeof(other));
    ntc_callbacks bad = {.version = 0, .flow_end = on_flow_end};
    assert_int_equal(ntc_engine_set_callbacks(e, &bad, &other), NTC_EINVAL);
    assert_true(ntc_engine_errmsg(e)[0] != 0);
    bad.version = NTC_CALLBACKS_VERSION + 1;
    assert_int_equal(ntc_engine_set_callbacks(e, &bad, &other), NTC_EINVAL);
    assert_true(ntc_engine_errmsg(e)[0] != 0);
    bad.version = UINT32_MAX;
    assert_int_equal(ntc_engine_set_callbacks(e, &bad, &other), NTC_EINVAL);

    /* The rejected tables did not replace the installed one. */
    assert_int_equal(ingest_udp(e, T0, CLI, SRV, 40000, 53, 8), 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(log.flow_end[NTC_FLOW_END_FLUSH], 1);
    assert_int_equal(other.flow_end[NTC_FLOW_END_FLUSH], 0);

    /* The table is copied: changing the caller's copy afterwards changes nothing. */
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow_end};
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, &other), 0);
    cb.flow_end = NULL;
    cb.version = 0;
    assert_int_equal(ingest_udp(e, T0 + 10, CLI, SRV, 40001, 53, 8), 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(other.flow_end[NTC_FLOW_END_FLUSH], 1);

    /* NULL removes them. */
    assert_int_equal(ntc_engine_set_callbacks(e, NULL, NULL), 0);
    assert_int_equal(ingest_udp(e, T0 + 20, CLI, SRV, 40002, 53, 8), 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(other.flow_end[NTC_FLOW_END_FLUSH], 1);
    assert_int_equal(log.flow_end[NTC_FLOW_END_FLUSH], 1);
    ntc_engine_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* ingest */

static void test_ingest_unknown_linktype(void **state)
{
    (void)state;
    ntc_engine *e = new_engine(NULL, NULL);
    uint8_t pkt[64];
    size_t n = pkt_udp4(pkt, CLI, SRV, 40000, 53, 8);
    static const int bogus[] = {147 /* USER0 */, 9999, -1};
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++)
        assert_int_equal(ntc_engine_ingest(e, bogus[i], T0 + i, pkt, (uint32_t)n, (uint32_t)n),
                         NTC_ENOTSUP);
    ntc_iface_stats st = stats_of(e);
    assert_true(st.packets == 3);
    assert_true(st.bytes == 3 * n);
    assert_true(st.ip_packets == 0);
    assert_true(st.decode_errors[NTC_DECODE_UNKNOWN_LINKTYPE] == 3);
    assert_true(st.decode_errors_total == 3);
    assert_true(st.flows_active == 0);
    /* The same packet with a known link type goes through. */
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, T0 + 10, pkt, (uint32_t)n, (uint32_t)n), 0);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_IPV4, T0 + 20, pkt, (uint32_t)n, (uint32_t)n), 0);
    st = stats_of(e);
    assert_true(st.ip_packets == 2);
    assert_true(st.decode_errors_total == 3);
    assert_true(st.flows_active == 1);
    ntc_engine_free(e);
}

static void test_ingest_counts(void **state)
{
    (void)state;
    cb_log log;
    ntc_engine *e = new_engine(NULL, &log);
    /* Request and response, then a truncated capture of a 48-byte packet (headers only). */
    assert_int_equal(ingest_udp(e, T0, CLI, SRV, 40000, 53, 20), 0);
    assert_int_equal(ingest_udp(e, T0 + 1000, SRV, CLI, 53, 40000, 100), 0);
    uint8_t buf[128];
    size_t n = pkt_udp4(buf, CLI, SRV, 40000, 53, 20);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, T0 + 2000, buf, 28, (uint32_t)n), 0);
    /* An Ethernet frame of another flow, and an ARP frame (not IP). */
    n = pkt_eth_udp4(buf, CLI, SRV, 40001, 53, 10);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, T0 + 3000, buf, (uint32_t)n, 0), 0);
    memset(buf, 0, 60);
    memset(buf, 0xff, 6);
    pkt_put16(buf + 12, 0x0806);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, T0 + 4000, buf, 60, 60), 0);

    ntc_iface_stats st = stats_of(e);
    assert_true(st.packets == 5);
    assert_true(st.bytes == 48 + 128 + 48 + (14 + 38) + 60);  /* whole frames, wire length */
    assert_true(st.ip_packets == 4);
    assert_true(st.ip_bytes == 48 + 128 + 48 + 38);
    assert_true(st.ipv4_packets == 4);
    assert_true(st.udp_packets == 4);
    assert_true(st.udp_bytes == 48 + 128 + 48 + 38);
    assert_true(st.nonip_packets == 1);
    assert_true(st.nonip_bytes == 60);
    assert_true(st.decode_errors_total == 0);
    assert_true(st.flows_active == 2);
    assert_true(st.flows_total == 2);
    assert_true(st.hosts_active == 2);
    assert_true(st.first_us == T0);
    assert_true(st.last_us == T0 + 4000);

    /* Flush: every flow ends with FLUSH, hosts are purged, interface totals stay. */
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(log.flow_end[NTC_FLOW_END_FLUSH], 2);
    assert_int_equal(log.host_end, 2);
    st = stats_of(e);
    assert_true(st.flows_active == 0);
    assert_true(st.hosts_active == 0);
    assert_true(st.packets == 5);
    ntc_engine_free(e);
}

static void test_ingest_flow_record(void **state)
{
    (void)state;
    cb_log log;
    ntc_engine *e = new_engine(NULL, &log);
    assert_int_equal(ingest_udp(e, T0, CLI, SRV, 40000, 53, 20), 0);
    assert_int_equal(ingest_udp(e, T0 + 1000, SRV, CLI, 53, 40000, 100), 0);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(log.flow_end[NTC_FLOW_END_FLUSH], 1);
    const ntc_flow_info *f = &log.last;
    static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {192, 0, 2, 53};
    assert_true(f->id >= 1);
    assert_int_equal(f->ip_version, 4);
    assert_int_equal(f->l4_proto, 17);
    assert_int_equal(f->vlan, 0);
    assert_memory_equal(f->cli_addr, cli, 4);
    assert_memory_equal(f->srv_addr, srv, 4);
    assert_int_equal(f->cli_port, 40000);
    assert_int_equal(f->srv_port, 53);
    assert_true(f->cli2srv_packets == 1 && f->cli2srv_bytes == 48);
    assert_true(f->srv2cli_packets == 1 && f->srv2cli_bytes == 128);
    assert_true(f->first_us == T0 && f->last_us == T0 + 1000);
    assert_int_equal(f->tcp_state, NTC_TCP_NONE);
    assert_int_equal(f->tunnel, NTC_TUNNEL_NONE);
    /* The JSON record uses the nProbe element names, and numeric ids on request. */
    assert_int_equal(log.json_len, (int)strlen(log.json));
    assert_contains(log.json, "\"IPV4_SRC_ADDR\":\"10.0.0.1\"");
    assert_contains(log.json, "\"IPV4_DST_ADDR\":\"192.0.2.53\"");
    assert_contains(log.json, "\"L4_SRC_PORT\":40000");
    assert_contains(log.json, "\"L4_DST_PORT\":53");
    assert_contains(log.json, "\"PROTOCOL\":17");
    assert_contains(log.json, "\"IN_BYTES\":48");
    assert_contains(log.json, "\"OUT_BYTES\":128");
    assert_contains(log.json_ids, "\"8\":\"10.0.0.1\"");
    assert_contains(log.json_ids, "\"12\":\"192.0.2.53\"");
    assert_contains(log.json_ids, "\"1\":48");
    ntc_engine_free(e);
}

typedef struct app_seen {
    uint16_t want;
    uint64_t flows, packets;
    int entries;
} app_seen;

static int find_app(void *user, const ntc_app_stats *a)
{
    app_seen *x = user;
    assert_true(a->size >= offsetof(ntc_app_stats, srv2cli_bytes) + sizeof(uint64_t));
    x->entries++;
    if (a->id == x->want) {
        x->flows += a->flows;
        x->packets += a->cli2srv_packets + a->srv2cli_packets;
    }
    return 0;
}

typedef struct l7_seen {
    ntc_flow_l7 l7;
    char name[64];
    char query[128];
    char json[4096];
    int flows;
} l7_seen;

static void on_flow_end_l7(void *user, const ntc_flow *flow, ntc_flow_end_reason reason)
{
    l7_seen *x = user;
    (void)reason;
    x->flows++;
    x->l7.size = sizeof(x->l7);
    assert_int_equal(ntc_flow_get_l7(flow, &x->l7), 0);
    int n = ntc_flow_l7_name(flow, x->name, sizeof(x->name));
    assert_int_equal(n, (int)strlen(x->name));
    const char *q = ntc_flow_meta(flow, NTC_META_DNS_QUERY);
    snprintf(x->query, sizeof(x->query), "%s", q ? q : "(none)");
    ntc_flow_format_json(flow, 0, x->json, sizeof(x->json));
}

static void test_l7_dns(void **state)
{
    (void)state;
    ntc_engine *e = new_engine(NULL, NULL);
    l7_seen seen;
    memset(&seen, 0, sizeof(seen));
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow_end_l7};
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, &seen), 0);
    assert_int_equal(ingest_dns(e, T0, CLI, SRV, 40100, "www.example.com", 0), 0);
    assert_int_equal(ingest_dns(e, T0 + 2000, SRV, CLI, 40100, "www.example.com", 1), 0);
    /* The application table (since start) counts the classified flow. */
    app_seen apps = {.want = (uint16_t)ntc_l7_app_id("DNS")};
    assert_int_equal(ntc_engine_foreach_app(e, 0, find_app, &apps), 0);
    assert_true(apps.flows == 1);
    assert_true(apps.packets >= 1);
    app_seen cats = {.want = UINT16_MAX};
    assert_int_equal(ntc_engine_foreach_app(e, 1, find_app, &cats), 0);
    assert_true(cats.entries >= 1);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(seen.flows, 1);
    assert_int_equal(seen.l7.how, NTC_L7_DPI);
    assert_true(seen.l7.master == (uint16_t)ntc_l7_app_id("DNS") ||
                seen.l7.app == (uint16_t)ntc_l7_app_id("DNS"));
    assert_string_equal(seen.name, "DNS");
    assert_string_equal(seen.query, "www.example.com");
    assert_contains(seen.json, "\"L7_PROTO_NAME\":\"DNS\"");
    assert_contains(seen.json, "\"DNS_QUERY\":\"www.example.com\"");
    ntc_engine_free(e);
}

static void test_engine_copies_config(void **state)
{
    (void)state;
    cb_log log;
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set_int(cfg, "flow.max", 2), 0);
    ntc_engine *e = new_engine(cfg, &log);
    assert_int_equal(ntc_config_set_int(cfg, "flow.max", 1000), 0); /* too late: copied */
    ntc_config_free(cfg);
    for (uint16_t p = 0; p < 3; p++)
        assert_int_equal(ingest_udp(e, T0 + p, CLI, SRV, (uint16_t)(40000 + p), 53, 8), 0);
    ntc_iface_stats st = stats_of(e);
    assert_true(st.flows_active == 2);
    assert_true(st.flows_total == 3);
    assert_true(st.flows_evicted == 1);
    assert_int_equal(log.flow_end[NTC_FLOW_END_EVICTED], 1);
    assert_int_equal(log.last.cli_port, 40000);    /* the longest idle went */
    ntc_engine_free(e);
}

static void test_engine_clock(void **state)
{
    (void)state;
    cb_log log;
    ntc_engine *e = new_engine(NULL, &log);
    assert_int_equal(ntc_engine_advance(e, T0), 0);   /* no packet yet: nothing to do */
    assert_int_equal(ingest_udp(e, T0 + 100, CLI, SRV, 40000, 53, 8), 0);
    assert_int_equal(ingest_udp(e, T0 + 1500000, CLI, SRV, 40000, 53, 8), 0);
    assert_true(log.ticks[NTC_TICK_SECOND] >= 1);
    assert_true(log.last_tick_us == T0 + 1500000);
    /* Idle (default flow.idle_timeout 60 s) by packet time, driven by advance(). */
    assert_int_equal(ntc_engine_advance(e, T0 + 30 * 1000000ull), 0);
    assert_int_equal(log.flow_end[NTC_FLOW_END_IDLE], 0);
    assert_int_equal(ntc_engine_advance(e, T0 + 70 * 1000000ull), 0);
    assert_int_equal(log.flow_end[NTC_FLOW_END_IDLE], 1);
    ntc_iface_stats st = stats_of(e);
    assert_true(st.flows_active == 0);
    assert_true(st.flows_expired == 1);
    assert_true(st.last_us == T0 + 70 * 1000000ull);
    /* The clock never goes back. */
    assert_int_equal(ntc_engine_advance(e, T0), 0);
    st = stats_of(e);
    assert_true(st.last_us == T0 + 70 * 1000000ull);
    ntc_engine_free(e);
}

static void test_snapshot_outlives_engine(void **state)
{
    (void)state;
    ntc_engine *e = new_engine(NULL, NULL);
    assert_int_equal(ingest_udp(e, T0, CLI, SRV, 40000, 53, 20), 0);
    assert_int_equal(ingest_udp(e, T0 + 1000, SRV, CLI, 53, 40000, 100), 0);
    assert_null(ntc_engine_snapshot_acquire(e));
    /* Crossing the next second publishes the state of the second that ended. */
    assert_int_equal(ingest_udp(e, T0 + 1100000, CLI, SRV, 40001, 53, 20), 0);
    ntc_snapshot *s = ntc_engine_snapshot_acquire(e);
    assert_non_null(s);
    ntc_snapshot *s2 = ntc_engine_snapshot_acquire(e);   /* a second reference, same snapshot */
    assert_ptr_equal(s, s2);
    ntc_snapshot_release(s2);
    ntc_engine_free(e);
    /* Still valid until released. */
    assert_true(ntc_snapshot_time(s) == T0 + 1100000);
    ntc_iface_stats st = {.size = sizeof(st)};
    assert_int_equal(ntc_snapshot_iface_stats(s, &st), 0);
    assert_true(st.packets == 2);
    assert_true(st.flows_active == 1);
    assert_int_equal(ntc_snapshot_flow_count(s), 1);
    ntc_flow_info fi = {.size = sizeof(fi)};
    assert_int_equal(ntc_flow_get_info(ntc_snapshot_flow(s, 0), &fi), 0);
    assert_true(fi.cli2srv_bytes == 48 && fi.srv2cli_bytes == 128);
    assert_int_equal(ntc_snapshot_host_count(s), 2);
    ntc_host_info hi = {.size = sizeof(hi)};
    assert_int_equal(ntc_host_get_info(ntc_snapshot_host(s, 0), &hi), 0);
    assert_int_equal(hi.ip_version, 4);
    char json[4096];
    assert_true(ntc_flow_format_json(ntc_snapshot_flow(s, 0), 0, json, sizeof(json)) > 0);
    assert_true(ntc_host_format_json(ntc_snapshot_host(s, 0), 0, json, sizeof(json)) > 0);
    ntc_snapshot_release(s);
}

/* ntc_json_string: quoted, escaped, valid UTF-8 whatever the bytes; snprintf-style length. */
static void test_json_string(void **state)
{
    (void)state;
    char buf[64];
    const char *in = "a\"b\\c\x01\xff\xc3\xa9\xed\xa0\x80";
    const char *want = "\"a\\\"b\\\\c\\u0001\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\"";
    int n = ntc_json_string(in, buf, sizeof(buf));
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
    char tiny[4];
    assert_int_equal(ntc_json_string(in, tiny, sizeof(tiny)), n);
    assert_int_equal(strlen(tiny), 3);
    assert_int_equal(ntc_json_string(in, NULL, 0), n);
    assert_int_equal(ntc_json_string(NULL, buf, sizeof(buf)), NTC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_l7_names),
        cmocka_unit_test(test_config_option_table),
        cmocka_unit_test(test_config_int_bounds),
        cmocka_unit_test(test_config_unknown_key),
        cmocka_unit_test(test_config_wrong_type),
        cmocka_unit_test(test_config_set_text),
        cmocka_unit_test(test_config_local_networks),
        cmocka_unit_test(test_config_load_file),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_null_arguments_objects),
        cmocka_unit_test(test_output_struct_prefix),
        cmocka_unit_test(test_callback_versions),
        cmocka_unit_test(test_ingest_unknown_linktype),
        cmocka_unit_test(test_ingest_counts),
        cmocka_unit_test(test_ingest_flow_record),
        cmocka_unit_test(test_l7_dns),
        cmocka_unit_test(test_engine_copies_config),
        cmocka_unit_test(test_engine_clock),
        cmocka_unit_test(test_snapshot_outlives_engine),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
