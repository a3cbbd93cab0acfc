/* v7's unit tests: prints one line per case and a summary; exits non-zero on any failure. */
#include <math.h>
#include <stdio.h>
#include "v7.h"

static const struct {
  const char *src;
  double want;
  int err;
} cases[] = {
    {"1 + 2", 3, V7_OK},
    {"2 * 3 + 4", 10, V7_OK},
    {"2 * (3 + 4)", 14, V7_OK},
    {"10 - 4 - 3", 3, V7_OK},
    {"-5 + 8", 3, V7_OK},
    {"7 % 4", 3, V7_OK},
    {"1 / 4", 0.25, V7_OK},
    {"((2))", 2, V7_OK},
    {"1 +", 0, V7_SYNTAX_ERROR},
    {"(1 + 2", 0, V7_SYNTAX_ERROR},
};

int main(void) {
  int n = sizeof(cases) / sizeof(cases[0]), passed = 0;
  for (int i = 0; i < n; i++) {
    double got = 0;
    int err = v7_exec(cases[i].src, &got);
    int ok = err == cases[i].err && (err != V7_OK || fabs(got - cases[i].want) < 1e-9);
    printf("%s %-14s = %g\n", ok ? "ok  " : "FAIL", cases[i].src, got);
    passed += ok;
  }
  printf("v7: %d/%d tests passed\n", passed, n);
  return passed == n ? 0 : 1;
}
