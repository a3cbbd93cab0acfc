/* The Mongoose IoT firmware's application, reduced to its boot path: print the banner,
 * load the configuration, report readiness. The POSIX build runs it on the build host;
 * the ESP8266 build packs its compiled code into a flashable image (fw/tools/mkimage.c). */
#include <stdio.h>
#include <string.h>

#ifndef FW_VERSION
#define FW_VERSION "0.0.0"
#endif
#ifndef FW_PLATFORM
#define FW_PLATFORM "posix"
#endif
#ifndef FW_OTA
#define FW_OTA 0
#endif

struct sys_config {
  const char *device_id;
  int http_port;
  int ota_enabled;
};

static int load_config(struct sys_config *cfg) {
  cfg->device_id = "esp_" FW_PLATFORM;
  cfg->http_port = 80;
  cfg->ota_enabled = FW_OTA;
  return cfg->http_port > 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  struct sys_config cfg;
  printf("mongoose-iot v%s (%s%s)\n", FW_VERSION, FW_PLATFORM, FW_OTA ? ", OTA" : "");
  if (load_config(&cfg) != 0) {
    printf("config: invalid\n");
    return 1;
  }
  printf("config: device_id=%s http_port=%d ota=%d\n", cfg.device_id, cfg.http_port, cfg.ota_enabled);
  if (argc > 1 && strcmp(argv[1], "--selftest") == 0) printf("selftest: ok\n");
  printf("ready\n");
  return 0;
}
