/* Mongoose's unit tests for the request parser. */
#include <stdio.h>
#include <string.h>
#include "mongoose.h"

static int eq(struct mg_str s, const char *want) {
  return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

int main(void) {
  int passed = 0, n = 0;
  struct mg_http_message hm;
  const char *get = "GET /api/v1/status?x=1 HTTP/1.1\r\nHost: device.local\r\nAccept: */*\r\n\r\n";

  n++, passed += mg_http_parse(get, strlen(get), &hm) == (int) strlen(get);
  n++, passed += eq(hm.method, "GET") && eq(hm.uri, "/api/v1/status?x=1") && eq(hm.proto, "HTTP/1.1");
  n++, passed += eq(hm.host, "device.local");
  n++, passed += mg_http_parse(get, 20, &hm) == 0;
  const char *bad = "GARBAGE\r\n\r\n";
  n++, passed += mg_http_parse(bad, strlen(bad), &hm) == -1;
  const char *put = "PUT /upload HTTP/1.0\r\n\r\nbody";
  n++, passed += mg_http_parse(put, strlen(put), &hm) == (int) strlen(put) - 4 && eq(hm.method, "PUT");

  printf("mongoose: %d/%d tests passed\n", passed, n);
  return passed == n ? 0 : 1;
}
