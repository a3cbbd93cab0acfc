/* A stand-in for the v7 JavaScript engine: an arithmetic expression evaluator with the
 * usual precedence, unary minus and parentheses. Small, but a real parser the CI compiles
 * and tests. Building with -DV7_INJECT_BUG breaks subtraction (used to show a failing job). */
#include <ctype.h>
#include <stdlib.h>
#include "v7.h"

struct parser {
  const char *p;
  int error;
};

static double expr(struct parser *s);

static void skip(struct parser *s) {
  while (isspace((unsigned char) *s->p)) s->p++;
}

static double primary(struct parser *s) {
  skip(s);
  if (*s->p == '(') {
    s->p++;
    double v = expr(s);
    skip(s);
    if (*s->p != ')') s->error = 1;
    else s->p++;
    return v;
  }
  if (*s->p == '-') {
    s->p++;
    return -primary(s);
  }
  char *end;
  double v = strtod(s->p, &end);
  if (end == s->p) s->error = 1;
  s->p = end;
  return v;
}

static double term(struct parser *s) {
  double v = primary(s);
  for (;;) {
    skip(s);
    char op = *s->p;
    if (op != '*' && op != '/' && op != '%') return v;
    s->p++;
    double r = primary(s);
    if (op == '*') v *= r;
    else if (op == '/') v /= r;
    else v = (double) ((long) v % (long) r);
  }
}

static double expr(struct parser *s) {
  double v = term(s);
  for (;;) {
    skip(s);
    char op = *s->p;
    if (op != '+' && op != '-') return v;
    s->p++;
    double r = term(s);
#ifdef V7_INJECT_BUG
    v += r;
#else
    v = op == '+' ? v + r : v - r;
#endif
  }
}

int v7_exec(const char *src, double *result) {
  struct parser s = {src, 0};
  *result = expr(&s);
  skip(&s);
  return s.error || *s.p != '\0' ? V7_SYNTAX_ERROR : V7_OK;
}
