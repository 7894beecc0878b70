// Load generator of `npm run bench:chat` (see bench/README.md). One thread, epoll, many client WebSockets.
//
//   loadgen --port P --conns FILE --mode sat|rate|idle [options]
//
// FILE has one line per connection: "<request path> <sessionId>" (e.g. "/ws?ticket=abc 17"). Connections with
// the same sessionId form a room; a message sent to a room is expected once at each of its members, the sender
// included. Each connection: TCP connect, HTTP upgrade, masked `join`, then (sat/rate) masked `send` frames:
//   {"v":1,"type":"send","sessionId":N,"clientMsgId":"<nonce>-<conn>-<seq>","content":"t<send ns> r<conn> xxx…"}
// The content carries the send time (CLOCK_MONOTONIC, ns), so every receiver measures its own latency.
//
//   sat   closed loop: each connection keeps --window sends without an ack outstanding (saturation).
//   rate  open loop: --rate deliveries/s in total (messages/s = rate / room size), round-robin over the
//         connections; the timestamp is the scheduled send time (no coordinated omission).
//   idle  connect and join, print a READY line, wait until stdin closes (answering pings), print the result.
//
// Read state (sat/rate, --reads-per-s R, default 0 = off): while sending, every connection sends R `read` frames per
// second, spread evenly over the connections and the second:
//   {"v":1,"type":"read","sessionId":N,"messageId":<the id of the latest message it has received>}
// (none before it has received one, nor when that id has not moved since its last `read`). `read` frames received
// are counted apart (reads_in); an `error` frame without a clientMsgId answers a `read` (read_errors) and does not
// give a send window back.
//
// Timeline (sat/rate): warm-up --warmup s, measurement --duration s, then sends stop and --drain s at most are
// left for the deliveries of the measured messages. Throughput counts deliveries received inside the
// measurement window; latency and loss are computed over the messages *sent* inside it (loss = 1 - delivered /
// (sent x room size)), so deliveries a server drops (uWS maxBackpressure) show as loss. The result is one JSON
// line on stdout; progress and errors go to stderr.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_CLOSED, ST_FAILED };
enum { MODE_SAT, MODE_RATE, MODE_IDLE };

typedef struct {
  int fd;
  int state;
  int room;       // index into rooms[]
  int session_id; // as sent in frames
  char *path;
  uint8_t *in;
  size_t in_len, in_cap;
  uint8_t *out;
  size_t out_off, out_len, out_cap;
  int want_out; // EPOLLOUT registered
  int dirty;    // in the dirty list (output to flush this iteration)
  int joined;
  int outstanding; // sat mode: sends without an ack
  uint64_t last_progress;
  uint64_t seq;
  uint64_t last_msg_id;  // the highest message id received
  uint64_t last_read_id; // the messageId of the last `read` sent
} conn_t;

// ---- options
static const char *opt_host = "127.0.0.1";
static int opt_port = 0;
static const char *opt_conns = NULL;
static int opt_mode = MODE_SAT;
static double opt_rate = 100000; // deliveries/s (rate mode)
static int opt_window = 8;
static double opt_warmup = 2, opt_duration = 5, opt_drain = 2;
static int opt_size = 100;
static int opt_server_pid = 0;
static int opt_extra_pid = 0;
static int opt_core = -1;
static int opt_concurrency = 256;
static double opt_setup_timeout = 60;
static double opt_reads = 0; // `read` frames per connection per second (sat/rate)

// ---- state
static conn_t *conns;
static int nconns;
static int *room_size; // members per room
static int nrooms;
static int ep;
static int *dirty_list;
static int ndirty;
static char nonce[16];
static uint64_t rng = 0x9E3779B97F4A7C15ull;

// ---- counters
static uint64_t c_established, c_failed, c_joined, c_closed_open, c_errors, c_acks, c_other, c_misrouted, c_stalls, c_backlog_skips;
static uint64_t c_reads_sent, c_reads_in, c_read_errors;
static uint64_t c_sent_total, c_deliv_total, c_deliv_window, c_sent_window, c_expected_window, c_deliv_for_window;
static uint64_t t_connect_start, t_connect_end;
static int inflight_setup; // connects or handshakes in progress
static int next_to_connect;
static int errors_printed;

// measurement window, ns
static uint64_t m0 = UINT64_MAX, m1 = UINT64_MAX, t_stop_send = UINT64_MAX;
static int sending = 0;

// ---- latency histogram: 1 us buckets below 65.536 ms, 1.024 ms buckets up to ~67 s
#define H_FINE 65536
#define H_COARSE 65536
static uint64_t hist[H_FINE + H_COARSE];
static uint64_t hist_n;

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t xorshift(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void die(const char *msg) {
  fprintf(stderr, "loadgen: %s\n", msg);
  exit(2);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) die("out of memory");
  return q;
}

// BENCH_CHAT_TIMELINE=1: per 100 ms of send time, deliveries, the slowest and how many took > 20 ms (stderr)
#define TL_MAX 1200
static uint64_t tl_n[TL_MAX], tl_slow[TL_MAX], tl_max[TL_MAX];

static void hist_add(uint64_t ns) {
  uint64_t us = ns / 1000;
  size_t i = us < H_FINE ? us : H_FINE + ((us - H_FINE) >> 10);
  if (i >= H_FINE + H_COARSE) i = H_FINE + H_COARSE - 1;
  hist[i]++;
  hist_n++;
}

static double hist_pct(double p) {
  if (!hist_n) return -1;
  uint64_t rank = (uint64_t)(p * (double)hist_n);
  if (rank >= hist_n) rank = hist_n - 1;
  uint64_t acc = 0;
  for (size_t i = 0; i < H_FINE + H_COARSE; i++) {
    acc += hist[i];
    if (acc > rank) {
      double us = i < H_FINE ? (double)i + 0.5 : (double)H_FINE + (double)((i - H_FINE) << 10) + 512;
      return us / 1000.0;
    }
  }
  return -1;
}

// ---- CPU accounting
static double self_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/** utime + stime of a process (all its threads), in seconds; -1 when unreadable. */
static double proc_cpu_s(int pid) {
  if (pid <= 0) return -1;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')'); // comm may contain spaces
  if (!p) return -1;
  p += 2;                      // field 3 (state)
  unsigned long long ut = 0, st = 0;
  int field = 3;
  char *save = NULL;
  for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
    if (field == 14) ut = strtoull(tok, NULL, 10);
    if (field == 15) {
      st = strtoull(tok, NULL, 10);
      break;
    }
  }
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/** Busy, total and stolen jiffies of one CPU (/proc/stat "cpuN" line): busy counts user, nice, system, irq, softirq
 *  and steal (loopback TCP work done in softirq is charged to no process, so a process's own CPU time misses it);
 *  steal is the time the hypervisor ran something else while this virtual CPU wanted to run. */
static int core_jiffies(int core, double *busy, double *total, double *steal) {
  if (core < 0) return -1;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  char line[512], want[16];
  snprintf(want, sizeof want, "cpu%d ", core);
  int found = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, want, strlen(want))) continue;
    unsigned long long v[8] = {0};
    sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    *busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
    *total = *busy + (double)(v[3] + v[4]);
    *steal = (double)v[7];
    found = 0;
    break;
  }
  fclose(f);
  return found;
}

// ---- buffers and epoll
static void ep_mod(conn_t *c, int want_out) {
  if (c->want_out == want_out) return;
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.u32 = (uint32_t)(c - conns)};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  c->want_out = want_out;
}

static void out_reserve(conn_t *c, size_t n) {
  if (c->out_off && c->out_off == c->out_len) c->out_off = c->out_len = 0;
  if (c->out_len + n > c->out_cap) {
    if (c->out_off) {
      memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
      c->out_len -= c->out_off;
      c->out_off = 0;
    }
    if (c->out_len + n > c->out_cap) {
      size_t cap = c->out_cap ? c->out_cap : 4096;
      while (cap < c->out_len + n) cap *= 2;
      c->out = xrealloc(c->out, cap);
      c->out_cap = cap;
    }
  }
}

static void mark_dirty(conn_t *c) {
  if (!c->dirty) {
    c->dirty = 1;
    dirty_list[ndirty++] = (int)(c - conns);
  }
}

static void conn_close(conn_t *c, int failed) {
  if (c->state == ST_CLOSED || c->state == ST_FAILED) return;
  if (c->state == ST_CONNECTING || c->state == ST_HANDSHAKE) {
    inflight_setup--;
    failed = 1;
  }
  if (c->state == ST_OPEN && !failed) c_closed_open++;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  c->state = failed ? ST_FAILED : ST_CLOSED;
  if (failed) c_failed++;
}

/** Appends one masked client frame (opcode 1 text, 9 ping, 10 pong, 8 close). */
static void put_frame(conn_t *c, int opcode, const uint8_t *payload, size_t len) {
  out_reserve(c, len + 14);
  uint8_t *p = c->out + c->out_len;
  *p++ = (uint8_t)(0x80 | opcode);
  if (len < 126) {
    *p++ = (uint8_t)(0x80 | len);
  } else if (len < 65536) {
    *p++ = 0x80 | 126;
    *p++ = (uint8_t)(len >> 8);
    *p++ = (uint8_t)len;
  } else {
    *p++ = 0x80 | 127;
    for (int i = 7; i >= 0; i--) *p++ = (uint8_t)((uint64_t)len >> (8 * i));
  }
  uint32_t m = (uint32_t)xorshift();
  uint8_t mask[4] = {(uint8_t)m, (uint8_t)(m >> 8), (uint8_t)(m >> 16), (uint8_t)(m >> 24)};
  memcpy(p, mask, 4);
  p += 4;
  for (size_t i = 0; i < len; i++) p[i] = payload[i] ^ mask[i & 3];
  c->out_len = (size_t)(p - c->out) + len;
  mark_dirty(c);
}

static char *put_u64(char *p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static char *put_u64_w(char *p, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

static char *put_str(char *p, const char *s) {
  size_t n = strlen(s);
  memcpy(p, s, n);
  return p + n;
}

static void send_join(conn_t *c) {
  char buf[128], *p = buf;
  p = put_str(p, "{\"v\":1,\"type\":\"join\",\"sessionId\":");
  p = put_u64(p, (uint64_t)c->session_id);
  *p++ = '}';
  put_frame(c, 1, (uint8_t *)buf, (size_t)(p - buf));
}

/** One chat message; `ts` is its (scheduled) send time. */
static void send_msg(conn_t *c, uint64_t ts) {
  char buf[4096 + 256], *p = buf;
  p = put_str(p, "{\"v\":1,\"type\":\"send\",\"sessionId\":");
  p = put_u64(p, (uint64_t)c->session_id);
  p = put_str(p, ",\"clientMsgId\":\"");
  p = put_str(p, nonce);
  *p++ = '-';
  p = put_u64(p, (uint64_t)(c - conns));
  *p++ = '-';
  p = put_u64(p, c->seq++);
  p = put_str(p, "\",\"content\":\"");
  char *content = p;
  *p++ = 't';
  p = put_u64_w(p, ts, 20);
  *p++ = ' ';
  *p++ = 'r';
  p = put_u64_w(p, (uint64_t)c->room, 7);
  *p++ = ' ';
  while (p - content < opt_size) *p++ = 'x';
  p = put_str(p, "\"}");
  put_frame(c, 1, (uint8_t *)buf, (size_t)(p - buf));
  c_sent_total++;
  if (ts >= m0 && ts < m1) {
    c_sent_window++;
    c_expected_window += (uint64_t)room_size[c->room];
  }
}

/** A `read` of the latest message this connection has received (nothing new: nothing sent). */
static void send_read(conn_t *c) {
  if (!c->last_msg_id || c->last_msg_id == c->last_read_id) return;
  char buf[128], *p = buf;
  p = put_str(p, "{\"v\":1,\"type\":\"read\",\"sessionId\":");
  p = put_u64(p, (uint64_t)c->session_id);
  p = put_str(p, ",\"messageId\":");
  p = put_u64(p, c->last_msg_id);
  *p++ = '}';
  put_frame(c, 1, (uint8_t *)buf, (size_t)(p - buf));
  c->last_read_id = c->last_msg_id;
  c_reads_sent++;
}

static void flush_conn(conn_t *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n > 0) {
      c->out_off += (size_t)n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ep_mod(c, 1);
      return;
    }
    if (n < 0 && errno == EINTR) continue;
    conn_close(c, 0);
    return;
  }
  c->out_off = c->out_len = 0;
  ep_mod(c, 0);
}

static void start_connect(int i) {
  conn_t *c = &conns[i];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("loadgen: socket (raise ulimit -n?)");
    c->state = ST_FAILED;
    c_failed++;
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt_port)};
  inet_pton(AF_INET, opt_host, &sa.sin_addr);
  c->fd = fd;
  c->state = ST_CONNECTING;
  c->want_out = 1;
  inflight_setup++;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
    perror("loadgen: connect");
    conn_close(c, 1);
  }
}

static void on_connected(conn_t *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    if (errors_printed++ < 5) fprintf(stderr, "loadgen: connect failed: %s\n", strerror(err));
    conn_close(c, 1);
    return;
  }
  char req[2048];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   c->path, opt_host, opt_port);
  out_reserve(c, (size_t)n);
  memcpy(c->out + c->out_len, req, (size_t)n);
  c->out_len += (size_t)n;
  c->state = ST_HANDSHAKE;
  flush_conn(c);
}

static void maybe_send_more(conn_t *c, uint64_t now) {
  while (sending && c->state == ST_OPEN && c->outstanding < opt_window) {
    c->outstanding++;
    send_msg(c, now);
  }
}

static void on_text(conn_t *c, const uint8_t *p, size_t len, uint64_t now) {
  const uint8_t *t = memmem(p, len < 64 ? len : 64, "\"type\":\"", 8);
  if (!t) {
    c_other++;
    return;
  }
  t += 8;
  size_t rest = len - (size_t)(t - p);
  if (rest >= 8 && !memcmp(t, "message\"", 8)) {
    const uint8_t *q = memmem(t, rest, "\"content\":\"t", 12);
    if (!q || (size_t)(p + len - q) < 12 + 20 + 2 + 7) {
      c_other++;
      return;
    }
    q += 12;
    uint64_t ts = 0;
    for (int i = 0; i < 20; i++) ts = ts * 10 + (uint64_t)(q[i] - '0');
    q += 22;
    int room = 0;
    for (int i = 0; i < 7; i++) room = room * 10 + (q[i] - '0');
    if (room != c->room) c_misrouted++;
    // the message's id, for `read` frames: "id":N follows the sessionId near the start of the frame
    const uint8_t *idp = memmem(t, rest < 64 ? rest : 64, "\"id\":", 5);
    if (idp) {
      uint64_t id = 0;
      for (idp += 5; idp < p + len && *idp >= '0' && *idp <= '9'; idp++) id = id * 10 + (uint64_t)(*idp - '0');
      if (id > c->last_msg_id) c->last_msg_id = id;
    }
    c_deliv_total++;
    if (now >= m0 && now < m1) c_deliv_window++;
    if (ts >= m0 && ts < m1) {
      c_deliv_for_window++;
      hist_add(now > ts ? now - ts : 0);
      uint64_t b = (ts - m0) / 100000000ull, lat = now > ts ? now - ts : 0;
      if (b < TL_MAX) {
        tl_n[b]++;
        if (lat > 20000000ull) tl_slow[b]++;
        if (lat > tl_max[b]) tl_max[b] = lat;
      }
    }
  } else if (rest >= 4 && !memcmp(t, "ack\"", 4)) {
    c_acks++;
    c->last_progress = now;
    if (c->outstanding > 0) c->outstanding--;
    if (opt_mode == MODE_SAT) maybe_send_more(c, now);
  } else if (rest >= 7 && !memcmp(t, "joined\"", 7)) {
    if (!c->joined) {
      c->joined = 1;
      c_joined++;
    }
  } else if (rest >= 5 && !memcmp(t, "read\"", 5)) {
    c_reads_in++;
  } else if (rest >= 6 && !memcmp(t, "error\"", 6)) {
    c_errors++;
    if (errors_printed++ < 5) fprintf(stderr, "loadgen: error frame on conn %d: %.*s\n", (int)(c - conns), (int)(len < 300 ? len : 300), p);
    if (!memmem(p, len, "\"clientMsgId\"", 13)) {
      c_read_errors++; // the answer to a `read`: no send window to give back
      return;
    }
    c->last_progress = now;
    if (c->outstanding > 0) c->outstanding--;
    if (opt_mode == MODE_SAT) maybe_send_more(c, now);
  } else {
    c_other++;
  }
}

/** Parses every complete frame in c->in. */
static void parse_frames(conn_t *c, uint64_t now) {
  size_t off = 0;
  while (c->state == ST_OPEN && c->in_len - off >= 2) {
    uint8_t *h = c->in + off;
    int opcode = h[0] & 0x0f;
    uint64_t len = h[1] & 0x7f;
    size_t hl = 2;
    if (h[1] & 0x80) hl += 4; // servers do not mask; tolerate it anyway below
    if (len == 126) {
      if (c->in_len - off < 4) break;
      len = ((uint64_t)h[2] << 8) | h[3];
      hl += 2;
    } else if (len == 127) {
      if (c->in_len - off < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | h[2 + i];
      hl += 8;
    }
    if (c->in_len - off < hl + len) {
      if (hl + len > c->in_cap) {
        c->in_cap = hl + len + 4096;
        c->in = xrealloc(c->in, c->in_cap);
      }
      break;
    }
    uint8_t *payload = c->in + off + hl;
    if (h[1] & 0x80) {
      uint8_t *mk = payload - 4;
      for (uint64_t i = 0; i < len; i++) payload[i] ^= mk[i & 3];
    }
    if (opcode == 1 || opcode == 2 || opcode == 0) {
      on_text(c, payload, (size_t)len, now);
    } else if (opcode == 9) {
      put_frame(c, 10, payload, (size_t)len);
    } else if (opcode == 8) {
      if (errors_printed++ < 5) {
        int code = len >= 2 ? (payload[0] << 8) | payload[1] : 0;
        fprintf(stderr, "loadgen: server closed conn %d with %d %.*s\n", (int)(c - conns), code, (int)(len > 2 ? len - 2 : 0), payload + 2);
      }
      conn_close(c, 0);
      return;
    }
    off += hl + (size_t)len;
  }
  if (off) {
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
  }
}

static void on_handshake_data(conn_t *c, uint64_t now) {
  uint8_t *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
  if (!end) return;
  if (c->in_len < 12 || memcmp(c->in, "HTTP/1.1 101", 12) != 0) {
    if (errors_printed++ < 5) {
      uint8_t *eol = memmem(c->in, c->in_len, "\r\n", 2);
      fprintf(stderr, "loadgen: upgrade refused on conn %d: %.*s\n", (int)(c - conns), (int)(eol - c->in), c->in);
    }
    conn_close(c, 1);
    return;
  }
  size_t hl = (size_t)(end - c->in) + 4;
  memmove(c->in, c->in + hl, c->in_len - hl);
  c->in_len -= hl;
  c->state = ST_OPEN;
  inflight_setup--;
  c_established++;
  t_connect_end = now;
  c->last_progress = now;
  send_join(c);
  parse_frames(c, now);
}

static void on_readable(conn_t *c, uint64_t now) {
  for (int rounds = 0; rounds < 4; rounds++) {
    if (c->in_cap - c->in_len < 16384) {
      c->in_cap = c->in_cap ? c->in_cap * 2 : 65536;
      c->in = xrealloc(c->in, c->in_cap);
    }
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n > 0) {
      c->in_len += (size_t)n;
      if (c->state == ST_HANDSHAKE) on_handshake_data(c, now);
      else parse_frames(c, now);
      if (c->state != ST_OPEN && c->state != ST_HANDSHAKE) return;
      if ((size_t)n < 16384) return; // probably drained; epoll reports the rest
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    if (errors_printed++ < 5) fprintf(stderr, "loadgen: conn %d closed by the server (%s)\n", (int)(c - conns), n == 0 ? "EOF" : strerror(errno));
    conn_close(c, 0);
    return;
  }
}

static void load_conns(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) die("cannot open --conns file");
  char line[4096];
  int cap = 1024;
  conns = calloc((size_t)cap, sizeof *conns);
  int *sessions = NULL;
  int nsessions = 0, scap = 0;
  while (fgets(line, sizeof line, f)) {
    char path[4000];
    int sid;
    if (sscanf(line, "%3999s %d", path, &sid) != 2) continue;
    if (nconns == cap) {
      cap *= 2;
      conns = xrealloc(conns, (size_t)cap * sizeof *conns);
      memset(conns + nconns, 0, (size_t)(cap - nconns) * sizeof *conns);
    }
    conn_t *c = &conns[nconns++];
    c->fd = -1;
    c->path = strdup(path);
    c->session_id = sid;
    int r = -1;
    for (int i = nsessions - 1; i >= 0; i--)
      if (sessions[i] == sid) {
        r = i;
        break;
      }
    if (r < 0) {
      if (nsessions == scap) {
        scap = scap ? scap * 2 : 256;
        sessions = xrealloc(sessions, (size_t)scap * sizeof *sessions);
      }
      sessions[nsessions] = sid;
      r = nsessions++;
    }
    c->room = r;
  }
  fclose(f);
  nrooms = nsessions;
  room_size = calloc((size_t)nrooms, sizeof *room_size);
  for (int i = 0; i < nconns; i++) room_size[conns[i].room]++;
  free(sessions);
  if (!nconns) die("no connections in --conns file");
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --port P --conns FILE [--host 127.0.0.1] [--mode sat|rate|idle] [--rate deliveries/s]\n"
          "               [--window N] [--warmup s] [--duration s] [--drain s] [--size bytes] [--server-pid PID]\n"
          "               [--extra-pid PID] [--core N] [--concurrency N] [--setup-timeout s]\n"
          "               [--reads-per-s R]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    i++;
    if (!strcmp(a, "--host")) opt_host = v;
    else if (!strcmp(a, "--port")) opt_port = atoi(v);
    else if (!strcmp(a, "--conns")) opt_conns = v;
    else if (!strcmp(a, "--mode")) opt_mode = !strcmp(v, "sat") ? MODE_SAT : !strcmp(v, "rate") ? MODE_RATE : !strcmp(v, "idle") ? MODE_IDLE : -1;
    else if (!strcmp(a, "--rate")) opt_rate = atof(v);
    else if (!strcmp(a, "--window")) opt_window = atoi(v);
    else if (!strcmp(a, "--warmup")) opt_warmup = atof(v);
    else if (!strcmp(a, "--duration")) opt_duration = atof(v);
    else if (!strcmp(a, "--drain")) opt_drain = atof(v);
    else if (!strcmp(a, "--size")) opt_size = atoi(v);
    else if (!strcmp(a, "--server-pid")) opt_server_pid = atoi(v);
    else if (!strcmp(a, "--extra-pid")) opt_extra_pid = atoi(v);
    else if (!strcmp(a, "--core")) opt_core = atoi(v);
    else if (!strcmp(a, "--concurrency")) opt_concurrency = atoi(v);
    else if (!strcmp(a, "--setup-timeout")) opt_setup_timeout = atof(v);
    else if (!strcmp(a, "--reads-per-s")) opt_reads = atof(v);
    else usage();
  }
  if (!opt_port || !opt_conns || opt_mode < 0 || opt_size < 40 || opt_size > 4000 || opt_window < 1 || opt_rate <= 0 || opt_reads < 0) usage();
  signal(SIGPIPE, SIG_IGN);
  rng ^= (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
  snprintf(nonce, sizeof nonce, "%08" PRIx64, xorshift() & 0xffffffffu);
  load_conns(opt_conns);
  dirty_list = calloc((size_t)nconns, sizeof *dirty_list);
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (opt_mode == MODE_IDLE) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
  }

  // ---- setup: connect (at most --concurrency upgrades in flight), upgrade, join
  struct epoll_event events[1024];
  uint64_t setup_deadline = now_ns() + (uint64_t)(opt_setup_timeout * 1e9);
  t_connect_start = now_ns();
  fprintf(stderr, "loadgen: %d connections in %d rooms to %s:%d\n", nconns, nrooms, opt_host, opt_port);
  for (;;) {
    while (next_to_connect < nconns && inflight_setup < opt_concurrency) start_connect(next_to_connect++);
    if (next_to_connect == nconns && inflight_setup == 0 && c_joined + c_failed + c_closed_open >= (uint64_t)nconns) break;
    uint64_t now = now_ns();
    if (now > setup_deadline) {
      fprintf(stderr, "loadgen: setup timed out: %" PRIu64 " established, %" PRIu64 " joined, %" PRIu64 " failed of %d\n", c_established, c_joined, c_failed, nconns);
      break;
    }
    int n = epoll_wait(ep, events, 1024, 10);
    now = now_ns();
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == UINT32_MAX) continue;
      conn_t *c = &conns[events[i].data.u32];
      if (c->state == ST_CONNECTING) {
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
        continue;
      }
      if (events[i].events & EPOLLOUT) flush_conn(c);
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c, now);
    }
    for (int i = 0; i < ndirty; i++) {
      conn_t *c = &conns[dirty_list[i]];
      c->dirty = 0;
      if (c->state == ST_OPEN || c->state == ST_HANDSHAKE) flush_conn(c);
    }
    ndirty = 0;
  }
  double connect_s = c_established ? (double)(t_connect_end - t_connect_start) / 1e9 : 0;
  fprintf(stderr, "loadgen: %" PRIu64 " connected (%.0f/s), %" PRIu64 " joined, %" PRIu64 " failed\n", c_established, connect_s > 0 ? (double)c_established / connect_s : 0, c_joined, c_failed);

  double cpu0 = 0, srv0 = 0, ext0 = 0, core_b0 = 0, core_t0 = 0, core_s0 = 0, core_busy = -1, core_steal = -1;
  uint64_t t_run = now_ns();
  if (opt_mode == MODE_IDLE) {
    printf("READY {\"established\":%" PRIu64 ",\"joined\":%" PRIu64 ",\"failed\":%" PRIu64 "}\n", c_established, c_joined, c_failed);
    fflush(stdout);
  } else {
    if (!c_joined) die("no connection could join: nothing to measure");
    m0 = t_run + (uint64_t)(opt_warmup * 1e9);
    m1 = m0 + (uint64_t)(opt_duration * 1e9);
    t_stop_send = m1;
    sending = 1;
  }

  // ---- run
  double msgs_per_ns = 0;
  int avg_room = 0;
  for (int r = 0; r < nrooms; r++) avg_room += room_size[r];
  double fanout = (double)avg_room / (nrooms ? nrooms : 1);
  if (opt_mode == MODE_RATE) msgs_per_ns = opt_rate / fanout / 1e9;
  uint64_t rate_k = 0; // messages scheduled so far
  uint64_t read_k = 0; // `read` turns so far (round-robin over the connections)
  double reads_per_ns = opt_reads * (double)nconns / 1e9;
  int rr = 0;          // round-robin sender
  int measuring = 0;
  uint64_t drain_deadline = m1 + (uint64_t)(opt_drain * 1e9);
  if (opt_mode == MODE_SAT) {
    uint64_t now = now_ns();
    for (int i = 0; i < nconns; i++) maybe_send_more(&conns[i], now);
  }
  int stdin_closed = 0;
  uint64_t last_stall_check = t_run;
  for (;;) {
    uint64_t now = now_ns();
    if (opt_mode == MODE_IDLE) {
      if (stdin_closed) break;
    } else {
      if (!measuring && now >= m0) {
        measuring = 1;
        cpu0 = self_cpu_s();
        srv0 = proc_cpu_s(opt_server_pid);
        ext0 = proc_cpu_s(opt_extra_pid);
        if (core_jiffies(opt_core, &core_b0, &core_t0, &core_s0)) core_t0 = -1;
      }
      if (measuring == 1 && now >= m1) {
        // CPU is sampled once at each end of the measurement window
        measuring = 2;
        cpu0 = self_cpu_s() - cpu0;
        double srv1 = proc_cpu_s(opt_server_pid), ext1 = proc_cpu_s(opt_extra_pid);
        srv0 = srv0 >= 0 && srv1 >= 0 ? srv1 - srv0 : -1;
        ext0 = ext0 >= 0 && ext1 >= 0 ? ext1 - ext0 : -1;
        double b1, t1, s1;
        if (core_t0 >= 0 && !core_jiffies(opt_core, &b1, &t1, &s1) && t1 > core_t0) {
          core_busy = 100.0 * (b1 - core_b0) / (t1 - core_t0);
          core_steal = 100.0 * (s1 - core_s0) / (t1 - core_t0);
        }
      }
      if (sending && now >= t_stop_send) sending = 0;
      if (!sending && measuring == 2 && (now >= drain_deadline || c_deliv_for_window >= c_expected_window)) break;
    }
    int timeout = opt_mode == MODE_RATE && sending ? 1 : 10;
    int n = epoll_wait(ep, events, 1024, timeout);
    now = now_ns();
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == UINT32_MAX) {
        char b[256];
        ssize_t r = read(0, b, sizeof b);
        if (r <= 0) {
          stdin_closed = 1;
          epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
        }
        continue;
      }
      conn_t *c = &conns[events[i].data.u32];
      if (c->state != ST_OPEN) continue;
      if (events[i].events & EPOLLOUT) flush_conn(c);
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c, now);
    }
    if (opt_mode == MODE_RATE && sending) {
      uint64_t due = (uint64_t)((double)(now - t_run) * msgs_per_ns);
      while (rate_k < due) {
        // the next open connection, round-robin
        int tries = 0;
        while (conns[rr].state != ST_OPEN && tries++ < nconns) rr = (rr + 1) % nconns;
        if (tries > nconns) break;
        conn_t *c = &conns[rr];
        rr = (rr + 1) % nconns;
        uint64_t ts = t_run + (uint64_t)((double)rate_k / msgs_per_ns);
        rate_k++;
        if (c->out_len - c->out_off > (8u << 20)) {
          c_backlog_skips++; // the server has not read 8 MB from this connection: do not grow without bound
          continue;
        }
        send_msg(c, ts);
      }
    }
    if (reads_per_ns > 0 && sending) {
      uint64_t due = (uint64_t)((double)(now - t_run) * reads_per_ns);
      for (; read_k < due; read_k++) {
        conn_t *c = &conns[read_k % (uint64_t)nconns];
        if (c->state == ST_OPEN && c->joined) send_read(c);
      }
    }
    if (opt_mode == MODE_SAT && sending && now - last_stall_check > 100000000ull) {
      // a connection whose acks stopped for 5 s (a dropped ack) gets its window back; a slow server only
      // delays acks, and refilling early would raise the load above the window
      last_stall_check = now;
      for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->state == ST_OPEN && c->outstanding > 0 && now - c->last_progress > 5000000000ull) {
          c_stalls++;
          c->outstanding = 0;
          c->last_progress = now;
          maybe_send_more(c, now);
        }
      }
    }
    for (int i = 0; i < ndirty; i++) {
      conn_t *c = &conns[dirty_list[i]];
      c->dirty = 0;
      if (c->state == ST_OPEN) flush_conn(c);
    }
    ndirty = 0;
  }

  // ---- result
  uint64_t open_now = 0;
  for (int i = 0; i < nconns; i++) open_now += conns[i].state == ST_OPEN;
  printf("{\"mode\":\"%s\",\"conns\":%d,\"rooms\":%d,\"fanout\":%.2f,\"established\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"joined\":%" PRIu64
         ",\"connect_s\":%.4f,\"connects_per_s\":%.0f,\"open_at_end\":%" PRIu64 ",\"closed_by_server\":%" PRIu64,
         opt_mode == MODE_SAT ? "sat" : opt_mode == MODE_RATE ? "rate" : "idle", nconns, nrooms, fanout, c_established, c_failed, c_joined, connect_s,
         connect_s > 0 ? (double)c_established / connect_s : 0, open_now, c_closed_open);
  if (opt_mode != MODE_IDLE) {
    double secs = opt_duration;
    double loss = c_expected_window ? 1.0 - (double)c_deliv_for_window / (double)c_expected_window : 0;
    printf(",\"target_rate\":%.0f,\"window\":%d,\"measure_s\":%.3f,\"sent_total\":%" PRIu64 ",\"deliveries_total\":%" PRIu64 ",\"deliveries_in_window\":%" PRIu64
           ",\"deliveries_per_s\":%.0f,\"sent_in_window\":%" PRIu64 ",\"messages_per_s\":%.0f,\"expected_for_window\":%" PRIu64 ",\"delivered_for_window\":%" PRIu64
           ",\"loss\":%.6f,\"acks\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"other_frames\":%" PRIu64 ",\"misrouted\":%" PRIu64 ",\"stalls\":%" PRIu64 ",\"backlog_skips\":%" PRIu64
           ",\"reads_per_s_per_conn\":%.2f,\"reads_sent\":%" PRIu64 ",\"reads_in\":%" PRIu64 ",\"read_errors\":%" PRIu64 ",\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"loadgen_cpu\":%.1f,\"server_cpu\":%.1f,\"extra_cpu\":%.1f,\"core_busy\":%.1f,\"core_steal\":%.1f",
           opt_mode == MODE_RATE ? opt_rate : 0, opt_window, secs, c_sent_total, c_deliv_total, c_deliv_window, (double)c_deliv_window / secs, c_sent_window,
           (double)c_sent_window / secs, c_expected_window, c_deliv_for_window, loss, c_acks, c_errors, c_other, c_misrouted, c_stalls, c_backlog_skips, opt_reads, c_reads_sent, c_reads_in, c_read_errors, hist_pct(0.50),
           hist_pct(0.90), hist_pct(0.99), hist_pct(0.999), hist_pct(1.0), 100.0 * cpu0 / secs, srv0 >= 0 ? 100.0 * srv0 / secs : -1,
           ext0 >= 0 ? 100.0 * ext0 / secs : -1, core_busy, core_steal);
  }
  printf("}\n");
  fflush(stdout);
  if (getenv("BENCH_CHAT_TIMELINE")) {
    // m0: the start of the measured seconds on CLOCK_MONOTONIC (ms), the clock of the server's process.hrtime()
    fprintf(stderr, "timeline m0=%.3f ms\n", m0 / 1e6);
    for (int b = 0; b < TL_MAX; b++)
      if (tl_n[b]) fprintf(stderr, "timeline %5.1fs n=%" PRIu64 " slow=%" PRIu64 " max=%.1fms\n", b / 10.0, tl_n[b], tl_slow[b], tl_max[b] / 1e6);
  }
  return 0;
}
