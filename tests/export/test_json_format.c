/* The JSON writer's number formatting (lib/export/json.c): ntc__sbuf_u64 and
 * ntc__sbuf_fixed_point must print exactly what printf prints ("%" PRIu64, "%.*f"), digit for
 * digit, since every output (JSON lines, CSV, SQLite, ZMQ) and the Python binding's decoded
 * floats depend on it. Edge cases first, then ten million values of the kinds the registry
 * formats (microsecond times in ms, means of packet sizes, bit rates) and random doubles. */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/export_int.h"

static void same_fixed(double v, unsigned dec)
{
    char want[512], got[512];
    snprintf(want, sizeof(want), "%.*f", (int)dec, v);
    ntc__sbuf s = ntc__sbuf_fixed(got, sizeof(got));
    ntc__sbuf_fixed_point(&s, v, dec);
    ntc__sbuf_finish(&s);
    if (strcmp(want, got) != 0)
        fail_msg("%.17g with %u decimals: printf '%s', ours '%s'", v, dec, want, got);
}

static void same_u64(uint64_t v)
{
    char want[32], got[32];
    snprintf(want, sizeof(want), "%" PRIu64, v);
    ntc__sbuf s = ntc__sbuf_fixed(got, sizeof(got));
    ntc__sbuf_u64(&s, v);
    ntc__sbuf_finish(&s);
    if (strcmp(want, got) != 0)
        fail_msg("%s: ours '%s'", want, got);
}

static void test_u64_edges(void **state)
{
    (void)state;
    const uint64_t v[] = {0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u, 1000000000000000000u,
                          9999999999999999999u, 10000000000000000000u, UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        same_u64(v[i]);
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        same_u64(x >> (x & 63));
    }
}

static void test_fixed_edges(void **state)
{
    (void)state;
    /* Exact halves (printf rounds the binary value: 0.125 -> "0.12", 2.5 -> "2"), values just
     * around them, the 2^40 bound of the fast path, negatives, zero signs, non-finite values. */
    const double v[] = {0, -0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 1.0005, 0.0005, 0.00049999999,
                        0.0015, 2.675, 1e-7, 9.9995, 99.995, 1099511627.7755, 1099511627776.0,
                        1099511627775.5, 1e15, 1.7976931348623157e308, 4.9e-324, -1.5, -0.001,
                        NAN, INFINITY, -INFINITY, 123456.7895, 0.9999999, 0.9995, 4294967.295};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        for (unsigned dec = 0; dec <= 9; dec++)
            same_fixed(v[i], dec);
}

static void test_fixed_like_the_registry(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 3000000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t us = (uint32_t)x;
        same_fixed(us / 1000.0, 3);                               /* latencies, gaps */
        same_fixed((double)(x >> 40) / (double)((x & 0xFFF) + 1), 1); /* mean sizes */
        same_fixed((double)(x >> 20) * 8.0 / 3.0, 0);             /* bit rates */
        same_fixed((double)(x % 100000) / 1000.0, 2);             /* percentages */
    }
}

static void test_fixed_random_doubles(void **state)
{
    (void)state;
    uint64_t x = 0xD1B54A32D192ED03u;
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        uint64_t bits = (x & 0x800FFFFFFFFFFFFFu) | ((uint64_t)(1023 - 30 + (x >> 52) % 70) << 52);
        memcpy(&d, &bits, sizeof(d));
        same_fixed(d, (unsigned)(x % 7));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64_edges),
        cmocka_unit_test(test_fixed_edges),
        cmocka_unit_test(test_fixed_like_the_registry),
        cmocka_unit_test(test_fixed_random_doubles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
