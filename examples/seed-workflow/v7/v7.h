#ifndef V7_H
#define V7_H

enum v7_err { V7_OK = 0, V7_SYNTAX_ERROR = 1 };

/* Evaluates an arithmetic expression; returns V7_OK and stores the value in *result. */
int v7_exec(const char *src, double *result);

#endif
