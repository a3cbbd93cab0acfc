/* Packs a firmware into an ESP8266 "v1" ROM image (magic 0xE9, as esptool's elf2image
 * writes it; see docs/seed-workflow.md): header, an IRAM segment with the code, a DRAM
 * segment with an application descriptor (esp_app_desc_t layout: magic 0xABCD5432, version,
 * project name, build time) and the banner string, zero padding, then the checksum byte
 * (0xEF XOR every segment data byte) at the end of the last 16-byte line.
 *
 *   mkimage --name NAME --version VERSION --text CODE.bin [--ota] [--build-id ID] -o OUT.bin */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IRAM_ADDR 0x40100000u
#define DRAM_ADDR 0x3FFE8000u
#define MAX_SEGMENT 65536u

static uint8_t image[2 * MAX_SEGMENT + 4096];
static size_t used;

static void put8(uint8_t v) { image[used++] = v; }

static void put32(uint32_t v) {
  for (int i = 0; i < 4; i++) put8((uint8_t) (v >> (8 * i)));
}

static void put_segment(uint32_t addr, const uint8_t *data, size_t len, uint8_t *sum) {
  size_t padded = (len + 3) & ~(size_t) 3; /* segments are word-aligned */
  put32(addr);
  put32((uint32_t) padded);
  for (size_t i = 0; i < padded; i++) {
    uint8_t b = i < len ? data[i] : 0;
    *sum ^= b;
    put8(b);
  }
}

static void copy_field(uint8_t *dst, size_t size, const char *src) {
  strncpy((char *) dst, src, size - 1);
}

static int usage(const char *msg) {
  fprintf(stderr, "mkimage: %s\nusage: mkimage --name NAME --version VERSION --text CODE.bin [--ota] [--build-id ID] -o OUT.bin\n", msg);
  return 2;
}

int main(int argc, char **argv) {
  const char *name = NULL, *version = NULL, *text_path = NULL, *out_path = NULL, *build_id = "local";
  int ota = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--ota") == 0) ota = 1;
    else if (v == NULL) return usage("missing value");
    else if (strcmp(a, "--name") == 0) name = v, i++;
    else if (strcmp(a, "--version") == 0) version = v, i++;
    else if (strcmp(a, "--text") == 0) text_path = v, i++;
    else if (strcmp(a, "--build-id") == 0) build_id = v, i++;
    else if (strcmp(a, "-o") == 0) out_path = v, i++;
    else return usage("unknown option");
  }
  if (!name || !version || !text_path || !out_path) return usage("--name, --version, --text and -o are required");

  static uint8_t text[MAX_SEGMENT];
  FILE *f = fopen(text_path, "rb");
  if (!f) return perror(text_path), 1;
  size_t text_len = fread(text, 1, sizeof(text), f);
  int too_big = fgetc(f) != EOF;
  fclose(f);
  if (too_big || text_len == 0) return usage("the code must be 1 byte to 64 KiB");

  /* DRAM segment: esp_app_desc_t (256 bytes) followed by the banner. */
  static uint8_t data[1024];
  uint32_t magic = 0xABCD5432u;
  memcpy(data, &magic, 4); /* little-endian host, as the target */
  copy_field(data + 16, 32, version);
  copy_field(data + 48, 32, name);
  time_t now = time(NULL);
  strftime((char *) data + 80, 16, "%H:%M:%S", gmtime(&now));
  strftime((char *) data + 96, 16, "%b %d %Y", gmtime(&now));
  copy_field(data + 112, 32, "ourci-example");
  size_t data_len = 256;
  data_len += (size_t) snprintf((char *) data + data_len, sizeof(data) - data_len,
                                "%s v%s (esp8266%s) build %s", name, version, ota ? ", OTA" : "", build_id) + 1;

  uint8_t sum = 0xEF;
  put8(0xE9);       /* magic */
  put8(2);          /* segments */
  put8(0);          /* flash mode: QIO */
  put8(0x40);       /* flash size 4 MB (high nibble 4), 40 MHz (low nibble 0): an ESP-12E */
  put32(IRAM_ADDR + 4); /* entry point */
  put_segment(IRAM_ADDR, text, text_len, &sum);
  put_segment(DRAM_ADDR, data, data_len, &sum);
  size_t checksum_at = (used / 16 + 1) * 16 - 1;
  while (used < checksum_at) put8(0);
  put8(sum);

  FILE *out = fopen(out_path, "wb");
  if (!out || fwrite(image, 1, used, out) != used || fclose(out) != 0) return perror(out_path), 1;
  printf("mkimage: %s: %zu bytes, 2 segments (IRAM %zu, DRAM %zu), entry 0x%08x, checksum 0x%02x\n",
         out_path, used, (text_len + 3) & ~(size_t) 3, (data_len + 3) & ~(size_t) 3, IRAM_ADDR + 4, sum);
  return 0;
}
