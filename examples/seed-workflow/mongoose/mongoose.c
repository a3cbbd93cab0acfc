/* A stand-in for the Mongoose web server: the HTTP request-head parser, which the CI
 * compiles with warnings as errors and unit-tests. -DMG_INJECT_BUG loses the Host header. */
#include <string.h>
#include <strings.h>
#include "mongoose.h"

static const char *token(const char *p, const char *end, char stop, struct mg_str *out) {
  const char *s = p;
  while (p < end && *p != stop && *p != '\r' && *p != '\n') p++;
  out->p = s;
  out->len = (size_t) (p - s);
  return p;
}

int mg_http_parse(const char *buf, size_t len, struct mg_http_message *hm) {
  const char *end = buf + len, *head_end = NULL;
  for (const char *q = buf; q + 3 < end; q++) {
    if (memcmp(q, "\r\n\r\n", 4) == 0) {
      head_end = q + 4;
      break;
    }
  }
  if (head_end == NULL) return 0;
  memset(hm, 0, sizeof(*hm));
  const char *p = token(buf, head_end, ' ', &hm->method);
  if (hm->method.len == 0 || *p != ' ') return -1;
  p = token(p + 1, head_end, ' ', &hm->uri);
  if (hm->uri.len == 0 || *p != ' ') return -1;
  p = token(p + 1, head_end, '\r', &hm->proto);
  if (hm->proto.len < 8 || strncmp(hm->proto.p, "HTTP/1.", 7) != 0) return -1;
  while (p + 2 < head_end) {
    struct mg_str name, value;
    p = token(p + 2, head_end, ':', &name);
    if (*p != ':') break;
    p++;
    while (*p == ' ') p++;
    p = token(p, head_end, '\r', &value);
#ifndef MG_INJECT_BUG
    if (name.len == 4 && strncasecmp(name.p, "Host", 4) == 0) hm->host = value;
#else
    (void) value;
#endif
  }
  return (int) (head_end - buf);
}
