#ifndef MONGOOSE_H
#define MONGOOSE_H

#include <stddef.h>

struct mg_str {
  const char *p;
  size_t len;
};

struct mg_http_message {
  struct mg_str method, uri, proto, host;
};

/* Parses an HTTP request head; returns its length, 0 if incomplete, -1 if malformed. */
int mg_http_parse(const char *buf, size_t len, struct mg_http_message *hm);

#endif
