// The native floor for bench:encodings: what the engine's design costs with nothing of JavaScript
// in it, so the bench can tell what an encoding's bytes cost from what the engine adds.
// Same work as a cold `Logdir.reload()` of a corpus: list <dir>/run*/ files, read each in 1 MiB
// reads, check both CRC-32Cs of every record (SSE4.2's crc32 instruction where the compiler
// targets it, else slicing-by-8 as the engine's WebAssembly does), decode the scalar shapes the
// engine's fast path takes (simple_value; DT_FLOAT / DT_DOUBLE / DT_HALF tensors in
// tensor_content or packed or unpacked *_val, shape {} or absent; metadata skipped), find the tag
// by its bytes, and append to per-tag columns laid out as events/series.ts lays them out (chunks of
// 16, growing 4× to 4,096 samples; steps as Uint8 deltas, wall times as Float32 deltas while
// exact, values as Float32 while exact, a column widened to 8 bytes once a sample does not fit, and
// the next chunk starting wide). Corpus files are the bench's own, so a record this floor does not
// take is counted, not decoded.
// Prints one JSON line: {"ms", "records", "points", "other", "bad", "faults", "crc"}.
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

static uint32_t table[8][256];

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    table[0][i] = c;
  }
  for (int t = 1; t < 8; t++)
    for (int i = 0; i < 256; i++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

static uint32_t crc32c(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
#ifdef __SSE4_2__
  uint64_t c64 = c;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c64 = _mm_crc32_u64(c64, w);
  }
  c = (uint32_t)c64;
  for (; n; n--) c = _mm_crc32_u8(c, *p++);
#else
  for (; n >= 8; p += 8, n -= 8) {
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
        table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^ table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
  }
  for (; n; n--) c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
#endif
  return c ^ 0xffffffffu;
}

static uint32_t unmask(uint32_t m) {
  uint32_t r = m - 0xa282ead8u;
  return (r >> 17) | (r << 15);
}

// ---- columns, as events/series.ts keeps them while loading ----
typedef struct {
  uint8_t *steps8; // deltas; NULL once widened (steps64 then)
  double *steps64;
  float *walls32; // deltas; NULL once widened (walls64 then)
  double *walls64;
  float *values32; // NULL once widened (values64 then)
  double *values64;
  double stepBase, wallBase;
} Chunk;

typedef struct {
  uint8_t tag[128];
  int tagLen;
  Chunk *chunks;
  int nChunks, chunksCap;
  int curLen, curCap;
  double prevStep, prevWall;
  int wideValues, wideWalls;
  long length;
} Series;

#define MAX_TAGS 4096
static Series series[MAX_TAGS];
static int nSeries;
static int slots[1 << 14]; // open addressing over tag bytes: index + 1
static long points;

static uint32_t hash(const uint8_t *p, int n) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static Series *find(const uint8_t *tag, int len) {
  uint32_t h = hash(tag, len) & ((1 << 14) - 1);
  for (;;) {
    int i = slots[h];
    if (i == 0) break;
    Series *s = &series[i - 1];
    if (s->tagLen == len && memcmp(s->tag, tag, len) == 0) return s;
    h = (h + 1) & ((1 << 14) - 1);
  }
  if (nSeries == MAX_TAGS || len > (int)sizeof series[0].tag) return NULL;
  Series *s = &series[nSeries++];
  memcpy(s->tag, tag, len);
  s->tagLen = len;
  slots[h] = nSeries;
  return s;
}

static void newChunk(Series *s, double step, double wall) {
  int cap = s->curCap == 0 ? 16 : (s->curCap * 4 > 4096 ? 4096 : s->curCap * 4);
  if (s->nChunks == s->chunksCap) {
    s->chunksCap = s->chunksCap ? s->chunksCap * 2 : 4;
    s->chunks = realloc(s->chunks, s->chunksCap * sizeof(Chunk));
  }
  Chunk *c = &s->chunks[s->nChunks++];
  memset(c, 0, sizeof *c);
  c->steps8 = calloc(cap, 1);
  if (s->wideWalls) c->walls64 = calloc(cap, 8);
  else c->walls32 = calloc(cap, 4);
  if (s->wideValues) c->values64 = calloc(cap, 8);
  else c->values32 = calloc(cap, 4);
  s->curCap = cap;
  s->curLen = 0;
  s->prevStep = c->stepBase = step;
  s->prevWall = c->wallBase = wall;
}

// The absolute values of a delta column's first n samples (delta[0] is 0), as series.ts undelta().
static void undelta(double base, const uint8_t *d8, const float *d32, int n, double *out) {
  double x = base;
  for (int k = 0; k < n; k++) out[k] = x = k == 0 ? base : x + (d8 ? d8[k] : d32[k]);
}

static void push(Series *s, double step, double wall, double value) {
  if (s->curLen == s->curCap) newChunk(s, step, wall);
  Chunk *c = &s->chunks[s->nChunks - 1];
  int i = s->curLen++;
  double d = step - s->prevStep;
  if (c->steps8 && d >= 0 && d < 256 && s->prevStep + d == step) {
    c->steps8[i] = (uint8_t)d;
    s->prevStep = step;
  } else {
    if (c->steps8) {
      c->steps64 = calloc(s->curCap, 8);
      undelta(c->stepBase, c->steps8, NULL, i, c->steps64);
      free(c->steps8);
      c->steps8 = NULL;
    }
    c->steps64[i] = step;
  }
  float w = (float)(wall - s->prevWall);
  if (c->walls32 && s->prevWall + (double)w == wall) {
    c->walls32[i] = w;
    s->prevWall = wall;
  } else {
    if (c->walls32) {
      s->wideWalls = 1;
      c->walls64 = calloc(s->curCap, 8);
      undelta(c->wallBase, NULL, c->walls32, i, c->walls64);
      free(c->walls32);
      c->walls32 = NULL;
    }
    c->walls64[i] = wall;
  }
  if (c->values32 && ((double)(float)value == value || value != value)) c->values32[i] = (float)value;
  else {
    if (c->values32) {
      s->wideValues = 1;
      c->values64 = calloc(s->curCap, 8);
      for (int k = 0; k < i; k++) c->values64[k] = c->values32[k];
      free(c->values32);
      c->values32 = NULL;
    }
    c->values64[i] = value;
  }
  s->length++;
  points++;
}

static double halfValue(uint32_t h) {
  uint32_t e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e == 0) return (h & 0x8000 ? -(double)f : (double)f) * 5.960464477539063e-8;
  uint32_t bits = ((h & 0x8000) << 16) | ((e == 31 ? 0xffu : e + 112) << 23) | (f << 13);
  float x;
  memcpy(&x, &bits, 4);
  return x;
}

// The engine's fastScalar + fastValue shapes. Returns 0 for anything else.
static int decode(const uint8_t *b, int s, int e) {
  if (b[s] != 0x09 || e - s < 20) return 0;
  double wall;
  memcpy(&wall, b + s + 1, 8);
  int p = s + 9;
  uint32_t step = 0;
  if (b[p] == 0x10) {
    p++;
    int shift = 0;
    uint8_t x;
    do {
      x = b[p++];
      step |= (uint32_t)(x & 0x7f) << shift;
      shift += 7;
    } while (shift < 28 && x >= 0x80);
    if (x >= 0x80) return 0;
  }
  if (b[p] != 0x2a || b[p + 1] + p + 2 != e || b[p + 2] != 0x0a || b[p + 3] + p + 4 != e || b[p + 4] != 0x0a) return 0;
  int ts = p + 6, te = ts + b[p + 5];
  if (te >= e) return 0;
  int q = te, at = -1, width = 0;
  uint32_t half = 0;
  while (q < e) {
    uint8_t k = b[q];
    if (k == 0x15) {
      at = q + 1;
      width = 4;
      q += 5;
    } else if (k == 0x4a) {
      if (b[q + 1] >= 0x80) return 0;
      q += 2 + b[q + 1];
    } else if (k == 0x42) {
      if (b[q + 1] >= 0x80) return 0;
      int end = q + 2 + b[q + 1], r = q + 2;
      if (b[r] != 0x08) return 0;
      uint8_t dtype = b[r + 1];
      r += 2;
      if (b[r] == 0x12) {
        if (b[r + 1] != 0) return 0;
        r += 2;
      }
      uint8_t f = b[r], n = b[r + 1];
      if (dtype == 1) {
        if ((f == 0x22 || f == 0x2a) && n == 4 && r + 6 == end) at = r + 2;
        else if (f == 0x2d && r + 5 == end) at = r + 1;
        else return 0;
        width = 4;
      } else if (dtype == 2) {
        if ((f == 0x22 || f == 0x32) && n == 8 && r + 10 == end) at = r + 2;
        else if (f == 0x31 && r + 9 == end) at = r + 1;
        else return 0;
        width = 8;
      } else if (dtype == 19) {
        int v = r + 1;
        if (f == 0x22 && n == 2 && r + 4 == end) half = b[r + 2] | (b[r + 3] << 8);
        else {
          if (f == 0x6a) {
            v = r + 2;
            if (v + n != end) return 0;
          } else if (f != 0x68) return 0;
          half = 0;
          int shift = 0;
          uint8_t x = 0x80;
          while (v < end && x >= 0x80 && shift < 21) {
            x = b[v++];
            half |= (uint32_t)(x & 0x7f) << shift;
            shift += 7;
          }
          if (x >= 0x80 || v != end || half > 0xffff) return 0;
        }
        width = 2;
      } else return 0;
      q = end;
    } else return 0;
  }
  if (q != e || width == 0) return 0;
  double value;
  if (width == 2) value = halfValue(half);
  else if (width == 4) {
    float x;
    memcpy(&x, b + at, 4);
    value = x;
  } else memcpy(&value, b + at, 8);
  Series *t = find(b + ts, te - ts);
  if (t == NULL) return 0;
  push(t, step, wall, value);
  return 1;
}

#define READ (1 << 20)
static uint8_t *buf;
static size_t bufCap;
static long records, other, bad;

static void readFile(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  size_t have = 0;
  for (;;) {
    if (have + READ > bufCap) {
      bufCap = have + READ;
      buf = realloc(buf, bufCap);
    }
    ssize_t r = read(fd, buf + have, READ);
    if (r <= 0) break;
    have += (size_t)r;
    size_t p = 0;
    while (have - p >= 12) {
      uint64_t len;
      uint32_t lenCrc, dataCrc;
      memcpy(&len, buf + p, 8);
      memcpy(&lenCrc, buf + p + 8, 4);
      if (unmask(lenCrc) != crc32c(buf + p, 8)) {
        bad++; // the corpora are undamaged: a floor does not resynchronise
        have = p;
        break;
      }
      if (have - p < 16 + len) break;
      memcpy(&dataCrc, buf + p + 12 + len, 4);
      if (unmask(dataCrc) != crc32c(buf + p + 12, len)) bad++;
      else if (!decode(buf, (int)(p + 12), (int)(p + 12 + len))) other++;
      records++;
      p += 16 + len;
    }
    memmove(buf, buf + p, have - p);
    have -= p;
  }
  close(fd);
}

static int byName(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void readDir(const char *dir, int depth) {
  DIR *d = opendir(dir);
  if (!d) return;
  char *names[4096];
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 4096)
    if (de->d_name[0] != '.') names[n++] = strdup(de->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], byName);
  for (int i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (depth == 0 && strncmp(names[i], "run", 3) == 0) readDir(path, 1);
    else if (depth == 1 && strstr(names[i], "tfevents")) readFile(path);
    free(names[i]);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  crc_init();
  struct rusage u0, u1;
  struct timespec t0, t1;
  getrusage(RUSAGE_SELF, &u0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  readDir(argv[1], 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  getrusage(RUSAGE_SELF, &u1);
#ifdef __SSE4_2__
  const char *crc = "sse4.2";
#else
  const char *crc = "slicing-by-8";
#endif
  printf("{\"ms\":%.3f,\"records\":%ld,\"points\":%ld,\"other\":%ld,\"bad\":%ld,\"faults\":%ld,\"crc\":\"%s\"}\n",
         (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, records, points, other, bad, u1.ru_minflt - u0.ru_minflt, crc);
  return 0;
}
