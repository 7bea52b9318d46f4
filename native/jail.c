/*
 * hermetic-jail: run one command with its network denied by the kernel, and report every
 * attempt it makes — who made it (program, pid, parents) and where it was going. The only C
 * in Hermetic (JavaScript cannot make these system calls).
 *
 *   hermetic-jail [options] -- COMMAND [ARGS...]
 *   hermetic-jail --probe [options]          (capabilities as one JSON object on stdout)
 *
 * Options:
 *   --no-namespace --no-mountns --no-landlock --no-seccomp   leave a layer off
 *   --require LAYER      fail closed (nothing is executed) if LAYER cannot be applied
 *   --require-any L1,L2  fail closed unless at least one of the listed layers is in force
 *   --fault LAYER        fault injection: behave as if LAYER were refused by the kernel
 *   --allow-write DIR    Landlock: DIR (and below) stays writable; everything else read-only
 *   --keep-fd N          keep descriptor N open in the jailed command (stdio 0-2 always are;
 *                        NODE_CHANNEL_FD is kept automatically)
 *   --report-fd N        supervisor's JSON lines go to N; it also reads "kill SIGNUM" from N
 *   --no-report          seccomp answers EPERM in-kernel, no supervisor notification
 *   --timeout-ms N       kill the whole tree after N ms
 *   --memory-bytes N     RLIMIT_DATA of the command (heap and private writable mappings)
 *   --trace              timestamps of each start-up step on stderr (where does the time go?)
 *
 * Process layout, with the namespace layer:
 *   caller -> supervisor S (this program; unjailed; subreaper)
 *               -> init I: pid 1 of a new user+network+PID namespace; applies the layers,
 *                          then forks the command and reaps/forwards signals until it exits
 *                    -> command K: execve(COMMAND)
 * When S dies, I gets SIGKILL (PDEATHSIG) and the kernel kills everything in the namespace:
 * nothing outlives the supervisor, and nothing inside can see or signal it. Without the
 * namespace layer (user namespaces refused) there is no PID namespace: I applies the layers
 * and execs the command itself, and S kills the tree through /proc.
 * The supervisor exits with the command's status (128+N for a signal).
 *
 * Report lines (one JSON object per line on --report-fd): started, attempt, notice, error,
 * timeout, exit, probe. See src/isolation/jail/protocol.ts for the fields.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/un.h>

/* ---- Landlock, defined here so that old system headers (Debian 12: ABI 2) still build the
 * newest rules; the kernel tells us at run time which ABI it speaks. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#define HL_CREATE_RULESET_VERSION (1U << 0)
#define HL_RULE_PATH_BENEATH 1
#define HL_FS_EXECUTE (1ULL << 0)
#define HL_FS_WRITE_FILE (1ULL << 1)
#define HL_FS_REMOVE_DIR (1ULL << 4)
#define HL_FS_REMOVE_FILE (1ULL << 5)
#define HL_FS_MAKE_CHAR (1ULL << 6)
#define HL_FS_MAKE_DIR (1ULL << 7)
#define HL_FS_MAKE_REG (1ULL << 8)
#define HL_FS_MAKE_SOCK (1ULL << 9)
#define HL_FS_MAKE_FIFO (1ULL << 10)
#define HL_FS_MAKE_BLOCK (1ULL << 11)
#define HL_FS_MAKE_SYM (1ULL << 12)
#define HL_FS_REFER (1ULL << 13)    /* ABI 2 */
#define HL_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define HL_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define HL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#define HL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define HL_SCOPE_SIGNAL (1ULL << 1)        /* ABI 6 */
struct hl_ruleset_attr { uint64_t handled_access_fs, handled_access_net, scoped; };
struct hl_path_beneath { uint64_t allowed_access; int32_t parent_fd; } __attribute__((packed));

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#error "seccomp user notification headers (Linux >= 5.0) are required"
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/* "Am I already inside a Hermetic jail?" A nested jail (the paranoid server starts jailed
 * workers) cannot add a listener of its own — the outer filter refuses NEW_LISTENER — and must
 * not try: the attempt would be reported as an escape. The outer filter answers this otherwise
 * invalid call (GET_ACTION_AVAIL takes no flags: the kernel says EINVAL) with a fixed errno.
 * It tells a jailed program only what /proc/self/status already says. */
#define HL_MARKER_FLAGS 0x48524d54u /* 'HRMT' */
#define HL_MARKER_ERRNO ESRMNT

/* ---- layers ------------------------------------------------------------------------------ */
enum { L_NAMESPACE, L_MOUNTNS, L_LANDLOCK, L_SECCOMP, L_COUNT };
static const char *const LAYER_NAMES[L_COUNT] = { "namespace", "mountns", "landlock", "seccomp" };

#define MAX_KEEP 60
struct opts {
  bool want[L_COUNT], require[L_COUNT], fault[L_COUNT], require_any[L_COUNT];
  bool any_required;
  const char *allow_write[64]; int n_allow;
  int keep[MAX_KEEP + 4]; int n_keep;
  int report_fd; bool report;
  long timeout_ms; unsigned long long memory;
  bool probe;
  char **argv;
};

/* What the jail tells the supervisor (SOCK_SEQPACKET, the supervisor reads the sender's pid
 * from SO_PASSCRED). The layer results travel together in ONE packet: every packet wakes the
 * supervisor, and on a loaded machine a woken supervisor preempts the child in the middle of
 * its set-up — one wake-up instead of five keeps start-up from scaling with the machine's load. */
enum { M_LAYER = 1, M_FAIL, M_EXEC_ERR, M_PROBE_SECCOMP, M_SETUP_FAIL };
#define TXT 320 /* a layer's reason, or an error message */
struct msg { int kind, layer, ok, err; char text[TXT]; };
#define B_PIDNS 1       /* the jail's first process is the init of a new PID namespace */
#define B_HELLO 2       /* sent by the command itself right before execve (its pid: the creds) */
#define B_CMD_IS_INIT 4 /* no PID namespace: the jail's first process becomes the command */
#define M_ANY_LAYER (-2) /* M_FAIL: none of the --require-any layers is in force */
struct batch { int n; int flags; struct msg m[L_COUNT + 2]; };

/* --trace: microseconds since the helper started, per step, on stderr (one write per line). */
static bool g_trace;
static struct timespec g_t0;
static void trace(const char *fmt, ...) {
  if (!g_trace) return;
  struct timespec now; clock_gettime(CLOCK_MONOTONIC, &now);
  long us = (now.tv_sec - g_t0.tv_sec) * 1000000L + (now.tv_nsec - g_t0.tv_nsec) / 1000;
  char line[256]; va_list ap; va_start(ap, fmt);
  int n = snprintf(line, sizeof line, "hermetic-jail trace +%ldus [%d] ", us, (int)getpid());
  if (n > 0 && (size_t)n < sizeof line) n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof line - 1) n = (int)sizeof line - 2;
  line[n++] = '\n';
  ssize_t w = write(2, line, (size_t)n); (void)w;
}

static int g_landlock_abi;

static int layer_index(const char *name) {
  for (int i = 0; i < L_COUNT; i++) if (!strcmp(name, LAYER_NAMES[i])) return i;
  return -1;
}

static void die_usage(const char *fmt, ...) {
  va_list ap; va_start(ap, fmt);
  fputs("hermetic-jail: ", stderr); vfprintf(stderr, fmt, ap); fputc('\n', stderr);
  va_end(ap); exit(125);
}

/* A whole decimal number in [min, max], or a usage error naming the option. */
static long long parse_num(const char *opt, const char *v, long long min, long long max) {
  char *end = NULL; errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || !end || end == v || *end || n < min || n > max) die_usage("%s %s: expected a whole number from %lld to %lld", opt, v, min, max);
  return n;
}

/* ---- JSON output --------------------------------------------------------------------------- */
/* Append s to buf as a JSON string. Bytes outside printable ASCII become \u00XX so the line is
 * always valid JSON and valid UTF-8, whatever a path or message contains. */
static void json_str(char *buf, size_t cap, const char *s, size_t n) {
  size_t len = strlen(buf);
  if (len + 3 >= cap) return;
  buf[len++] = '"';
  for (size_t i = 0; i < n && len + 8 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') { buf[len++] = '\\'; buf[len++] = (char)c; }
    else if (c < 0x20 || c >= 0x7f) len += (size_t)snprintf(buf + len, cap - len, "\\u%04x", c);
    else buf[len++] = (char)c;
  }
  buf[len++] = '"'; buf[len] = 0;
}
/* Append printf-formatted text. */
static void jcat(char *buf, size_t cap, const char *fmt, ...) {
  size_t l = strlen(buf);
  if (l >= cap - 1) return;
  va_list ap; va_start(ap, fmt);
  vsnprintf(buf + l, cap - l, fmt, ap);
  va_end(ap);
}
/* Append ,"key":"value" (value escaped). */
static void jkey_str(char *buf, size_t cap, const char *key, const char *v) {
  jcat(buf, cap, ",\"%s\":", key);
  json_str(buf, cap, v, strlen(v));
}

static void iso_now(char *out, size_t cap) {
  struct timespec ts; struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts); gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static int g_report_fd = 2;
/* One write per line: a reader never sees half a line interleaved with another. Blocking on a
 * slow reader is deliberate (back-pressure: the notified syscall just waits a little). */
static void emit(const char *line) {
  size_t n = strlen(line), off = 0;
  while (off < n) {
    ssize_t w = write(g_report_fd, line + off, n - off);
    if (w < 0) { if (errno == EINTR) continue; return; }
    off += (size_t)w;
  }
}

/* ---- names for the report ------------------------------------------------------------------ */
static const char *family_name(int f, char *tmp) {
  switch (f) {
    case AF_UNIX: return "AF_UNIX"; case AF_INET: return "AF_INET"; case AF_INET6: return "AF_INET6";
    case AF_NETLINK: return "AF_NETLINK"; case AF_PACKET: return "AF_PACKET";
#ifdef AF_VSOCK
    case AF_VSOCK: return "AF_VSOCK";
#endif
    case AF_BLUETOOTH: return "AF_BLUETOOTH"; case AF_CAN: return "AF_CAN"; case AF_TIPC: return "AF_TIPC";
    case AF_ALG: return "AF_ALG"; case AF_RDS: return "AF_RDS"; case AF_KEY: return "AF_KEY";
#ifdef AF_XDP
    case AF_XDP: return "AF_XDP";
#endif
#ifdef AF_QIPCRTR
    case AF_QIPCRTR: return "AF_QIPCRTR";
#endif
#ifdef AF_SMC
    case AF_SMC: return "AF_SMC";
#endif
    default: sprintf(tmp, "AF_%d", f); return tmp;
  }
}
static const char *type_name(int t, char *tmp) {
  switch (t & 0xf) {
    case SOCK_STREAM: return "SOCK_STREAM"; case SOCK_DGRAM: return "SOCK_DGRAM";
    case SOCK_RAW: return "SOCK_RAW"; case SOCK_RDM: return "SOCK_RDM";
    case SOCK_SEQPACKET: return "SOCK_SEQPACKET"; case SOCK_DCCP: return "SOCK_DCCP";
    case SOCK_PACKET: return "SOCK_PACKET";
    default: sprintf(tmp, "SOCK_%d", t & 0xf); return tmp;
  }
}

/* ---- the seccomp filter -------------------------------------------------------------------- */
#if defined(__x86_64__)
#define HL_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define HL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#define HL_AUDIT_ARCH 0
#endif
/* seccomp_data.args are 64-bit; this filter is for little-endian machines (x86_64, aarch64),
 * where the low 32 bits come first. */
#define ARG_LO(i) ((uint32_t)offsetof(struct seccomp_data, args[i]))
#define ARG_HI(i) ((uint32_t)offsetof(struct seccomp_data, args[i]) + 4)

/* A tiny assembler with forward labels, so that no jump offset is counted by hand. */
enum { LB_ALLOW, LB_REPORT, LB_FOREIGN, LB_ENOSYS, LB_OBSERVE, LB_SOCKET, LB_SOCK_UNIX, LB_SOCK_INET,
       LB_SOCKETPAIR, LB_SENDTO, LB_SENDTO_HI, LB_SECCOMP, LB_SC_FILTER, LB_SC_MARKER, LB_MARKER, LB_COUNT };
struct prog { struct sock_filter f[128]; int n; int at[LB_COUNT]; int jt[128], jf[128]; };
static void p_stmt(struct prog *p, uint16_t code, uint32_t k) {
  p->jt[p->n] = p->jf[p->n] = -1;
  p->f[p->n++] = (struct sock_filter)BPF_STMT(code, k);
}
/* Conditional jump: to label t when true, label f when false (-1: fall through). */
static void p_jump(struct prog *p, uint16_t op, uint32_t k, int t, int f) {
  p->jt[p->n] = t; p->jf[p->n] = f;
  p->f[p->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0);
}
static void p_label(struct prog *p, int l) { p->at[l] = p->n; }
static void p_ld(struct prog *p, uint32_t off) { p_stmt(p, BPF_LD | BPF_W | BPF_ABS, off); }
static void p_ret(struct prog *p, uint32_t v) { p_stmt(p, BPF_RET | BPF_K, v); }
/* The socket type in argument `arg` (SOCK_CLOEXEC/SOCK_NONBLOCK masked off) is t1 or t2: allow;
 * otherwise refuse and report. */
static void p_allow_types(struct prog *p, int arg, uint32_t t1, uint32_t t2) {
  p_ld(p, ARG_LO(arg));
  p_stmt(p, BPF_ALU | BPF_AND | BPF_K, ~(uint32_t)(SOCK_CLOEXEC | SOCK_NONBLOCK));
  p_jump(p, BPF_JEQ, t1, LB_ALLOW, -1);
  p_jump(p, BPF_JEQ, t2, LB_ALLOW, LB_REPORT);
}
/* Resolve the labels; -1 if an offset does not fit (cannot happen with this program). */
static int p_link(struct prog *p) {
  for (int i = 0; i < p->n; i++) {
    for (int side = 0; side < 2; side++) {
      int l = side ? p->jf[i] : p->jt[i];
      int off = l < 0 ? 0 : p->at[l] - (i + 1);
      if (off < 0 || off > 255) return -1;
      if (side) p->f[i].jf = (uint8_t)off; else p->f[i].jt = (uint8_t)off;
    }
  }
  return p->n;
}

/* The decisions are all made here, in the kernel, on integer arguments. "report" means
 * SECCOMP_RET_USER_NOTIF: the supervisor is told, reads the process's memory for the report,
 * and answers with an error — it never lets a call continue because of what it read.
 * `observe` (reporting, with the namespace layer in force): the private network namespace is
 * then the wall for IP, so IP sockets may be created and the supervisor sees where they were
 * going at connect/sendto/sendmsg/sendmmsg — the place a destination appears. Without the
 * namespace the wall stays at socket(): no IP socket ever exists in the jail. */
static int build_filter(struct prog *p, bool report, bool observe) {
  const uint32_t R = report ? SECCOMP_RET_USER_NOTIF : (SECCOMP_RET_ERRNO | EPERM);
  memset(p, 0, sizeof *p);
  for (int l = 0; l < LB_COUNT; l++) p->at[l] = -1;
  /* A foreign architecture (i386 `int 0x80`, which has socketcall) would walk around every
   * syscall-number check below. Reporting: the supervisor names the process, then kills it
   * (and if the supervisor is gone, the call fails ENOSYS — it never runs). Otherwise the
   * kernel kills the process outright. */
  const uint32_t FOREIGN = report ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_KILL_PROCESS;
  p_ld(p, offsetof(struct seccomp_data, arch));
  p_jump(p, BPF_JEQ, HL_AUDIT_ARCH, -1, LB_FOREIGN);
  p_ld(p, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
  /* x32 ABI: same arch value, syscall numbers with bit 30 set. */
  p_jump(p, BPF_JGE, 0x40000000, LB_FOREIGN, -1);
#endif
  p_jump(p, BPF_JEQ, __NR_socket, LB_SOCKET, -1);
  p_jump(p, BPF_JEQ, __NR_socketpair, LB_SOCKETPAIR, -1);
  /* connect(): a jailed worker talks to its parent over inherited descriptors only. */
  p_jump(p, BPF_JEQ, __NR_connect, LB_REPORT, -1);
  /* sendto() with a destination address (also TCP Fast Open's MSG_FASTOPEN). */
  p_jump(p, BPF_JEQ, __NR_sendto, LB_SENDTO, -1);
  if (observe) {
    /* Only where IP sockets may exist. sendmsg carries Node's IPC (and descriptor passing):
     * the supervisor lets a call on a non-IP socket continue — exactly what the filter without
     * `observe` allows outright — and refuses it on an IP socket. */
    p_jump(p, BPF_JEQ, __NR_sendmsg, LB_OBSERVE, -1);
    p_jump(p, BPF_JEQ, __NR_sendmmsg, LB_OBSERVE, -1);
  }
  /* io_uring can create and connect sockets behind seccomp's back: ENOSYS, as if absent.
   * Not reported: libuv (Node >= 24) probes io_uring_setup for every event loop and falls
   * back to epoll, so a report would be noise on every start, not a network attempt. */
  p_jump(p, BPF_JEQ, __NR_io_uring_setup, LB_ENOSYS, -1);
  p_jump(p, BPF_JEQ, __NR_io_uring_enter, LB_ENOSYS, -1);
  p_jump(p, BPF_JEQ, __NR_io_uring_register, LB_ENOSYS, -1);
  /* Escapes sideways: reaching into another process (its sockets, its memory) or joining
   * another namespace. Landlock also forbids ptrace outwards; this holds when Landlock is off.
   * Each one is reported as what it is. */
  p_jump(p, BPF_JEQ, __NR_ptrace, LB_REPORT, -1);
  p_jump(p, BPF_JEQ, __NR_process_vm_readv, LB_REPORT, -1);
  p_jump(p, BPF_JEQ, __NR_process_vm_writev, LB_REPORT, -1);
  p_jump(p, BPF_JEQ, __NR_pidfd_getfd, LB_REPORT, -1);
  p_jump(p, BPF_JEQ, __NR_setns, LB_REPORT, -1);
  p_jump(p, BPF_JEQ, __NR_seccomp, LB_SECCOMP, -1);
  p_ret(p, SECCOMP_RET_ALLOW);

  /* socket(family, type, proto): AF_UNIX SOCK_STREAM (ignoring CLOEXEC/NONBLOCK flags), and,
   * with `observe`, IPv4/IPv6 stream and datagram sockets. Unix datagram sockets are refused:
   * sendmsg() to a path (journald...) needs no connect(), and seccomp cannot read a msghdr.
   * Raw IP sockets stay refused (an unprivileged jailed user would get the kernel's EPERM,
   * unreported). */
  p_label(p, LB_SOCKET);
  p_ld(p, ARG_LO(0));
  p_jump(p, BPF_JEQ, AF_UNIX, LB_SOCK_UNIX, -1);
  if (observe) {
    p_jump(p, BPF_JEQ, AF_INET, LB_SOCK_INET, -1);
    p_jump(p, BPF_JEQ, AF_INET6, LB_SOCK_INET, -1);
  }
  p_ret(p, R);
  p_label(p, LB_SOCK_UNIX);
  p_allow_types(p, 1, SOCK_STREAM, SOCK_STREAM);
  p_label(p, LB_SOCK_INET);
  p_allow_types(p, 1, SOCK_STREAM, SOCK_DGRAM);

  /* socketpair(AF_UNIX, STREAM|SEQPACKET): Node/libuv pipes and IPC. A pair reaches nothing but
   * itself; SEQPACKET ignores a destination name. Datagram pairs could sendmsg() to a path. */
  p_label(p, LB_SOCKETPAIR);
  p_ld(p, ARG_LO(0));
  p_jump(p, BPF_JEQ, AF_UNIX, -1, LB_REPORT);
  p_allow_types(p, 1, SOCK_STREAM, SOCK_SEQPACKET);

  /* sendto(fd, buf, len, flags, addr, addrlen): with an address, refused. Without one it is a
   * plain send() on a connected socket: allowed — observed (and continued) where IP sockets
   * exist, so a DNS query on a datagram socket is seen. */
  p_label(p, LB_SENDTO);
  p_ld(p, ARG_LO(4));
  p_jump(p, BPF_JEQ, 0, LB_SENDTO_HI, LB_REPORT);
  p_label(p, LB_SENDTO_HI);
  p_ld(p, ARG_HI(4));
  p_jump(p, BPF_JEQ, 0, observe ? LB_OBSERVE : LB_ALLOW, LB_REPORT);

  /* seccomp(): a filter with a listener of its own would let a process that outlived the
   * supervisor answer its own connect() with CONTINUE (the newest filter wins a tie of
   * USER_NOTIF). Other filters stay allowed: they can only restrict. */
  p_label(p, LB_SECCOMP);
  p_ld(p, ARG_LO(0));
  p_jump(p, BPF_JEQ, SECCOMP_SET_MODE_FILTER, LB_SC_FILTER, -1);
  p_jump(p, BPF_JEQ, SECCOMP_GET_ACTION_AVAIL, LB_SC_MARKER, LB_ALLOW);
  p_label(p, LB_SC_FILTER);
  p_ld(p, ARG_LO(1));
  p_jump(p, BPF_JSET, SECCOMP_FILTER_FLAG_NEW_LISTENER, LB_REPORT, LB_ALLOW);
  p_label(p, LB_SC_MARKER);
  p_ld(p, ARG_LO(1));
  p_jump(p, BPF_JEQ, HL_MARKER_FLAGS, LB_MARKER, LB_ALLOW);
  p_label(p, LB_MARKER);
  p_ret(p, SECCOMP_RET_ERRNO | HL_MARKER_ERRNO);

  p_label(p, LB_ALLOW); p_ret(p, SECCOMP_RET_ALLOW);
  p_label(p, LB_REPORT); p_ret(p, R);
  p_label(p, LB_FOREIGN); p_ret(p, FOREIGN);
  p_label(p, LB_ENOSYS); p_ret(p, SECCOMP_RET_ERRNO | ENOSYS);
  p_label(p, LB_OBSERVE); p_ret(p, SECCOMP_RET_USER_NOTIF);
  for (int l = 0; l < LB_COUNT; l++) {
    /* every label used must exist (LB_OBSERVE etc. are always placed) */
    if (p->at[l] < 0) return -1;
  }
  return p_link(p);
}

/* ---- child side: one function per layer; each returns 0 or an errno and fills `why` -------- */
static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t w = write(fd, text, strlen(text));
  int e = w < 0 ? errno : 0;
  close(fd);
  return e;
}

/* Runs in the init process, which the supervisor created with clone(CLONE_NEWUSER|CLONE_NEWNET|
 * CLONE_NEWPID): map our own uid/gid to themselves, so that inside we look like the same user. */
static int write_id_maps(uid_t uid, gid_t gid, char *why, size_t cap) {
  char map[64]; int e;
  snprintf(map, sizeof map, "%u %u 1\n", uid, uid);
  if ((e = write_file("/proc/self/uid_map", map))) { snprintf(why, cap, "writing uid_map: %s", strerror(e)); return e; }
  if ((e = write_file("/proc/self/setgroups", "deny")) && e != ENOENT) { snprintf(why, cap, "writing setgroups: %s", strerror(e)); return e; }
  snprintf(map, sizeof map, "%u %u 1\n", gid, gid);
  if ((e = write_file("/proc/self/gid_map", map))) { snprintf(why, cap, "writing gid_map: %s", strerror(e)); return e; }
  snprintf(why, cap, "new user+network+PID namespace: only a private, down loopback exists; the jail's first process is its init "
           "(when the supervisor dies, everything in the jail dies) (uid %u mapped to itself)", uid);
  return 0;
}

/* Folders holding host daemon sockets. A filesystem unix socket crosses network namespaces
 * (nscd, systemd-resolved, D-Bus, docker.sock, X11, a local proxy): hide them under an empty,
 * read-only tmpfs. /var/run is normally a symlink to /run and is then covered by it. */
static const char *const HIDDEN_DIRS[] = { "/run", "/var/run", "/var/run/nscd", "/tmp/.X11-unix", "/tmp/.ICE-unix", NULL };

static int apply_mountns(bool pidns, char *why, size_t cap) {
  if (unshare(CLONE_NEWNS) != 0) { int e = errno; snprintf(why, cap, "unshare(CLONE_NEWNS): %s", strerror(e)); return e; }
  /* Private propagation: nothing we mount here shows up on the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) { int e = errno; snprintf(why, cap, "making / private: %s", strerror(e)); return e; }
  char hidden[200] = ""; size_t hl = 0;
  for (int i = 0; HIDDEN_DIRS[i]; i++) {
    struct stat st;
    if (lstat(HIDDEN_DIRS[i], &st) != 0 || !S_ISDIR(st.st_mode)) continue; /* absent or a symlink */
    if (mount("hermetic-hidden", HIDDEN_DIRS[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=755") != 0) {
      int e = errno; snprintf(why, cap, "hiding %s: %s", HIDDEN_DIRS[i], strerror(e)); return e;
    }
    hl += (size_t)snprintf(hidden + hl, sizeof hidden - hl, "%s%s", hl ? " " : "", HIDDEN_DIRS[i]);
    if (hl >= sizeof hidden) hl = sizeof hidden - 1;
  }
  /* A /proc of the jail's own PID namespace: the jail sees its own processes and no other.
   * Refused where the host's /proc is partly masked (containers): the host's view stays, which
   * the PID namespace still keeps unsignalable. */
  char procnote[120] = "";
  if (pidns) {
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) snprintf(procnote, sizeof procnote, "; /proc shows only the jail's processes");
    else snprintf(procnote, sizeof procnote, "; /proc is the host's (mounting the jail's own was refused: %s)", strerror(errno));
  }
  snprintf(why, cap, "mount namespace: host daemon socket folders hidden (%s)%s", hidden[0] ? hidden : "none present", procnote);
  return 0;
}

static int landlock_abi(void) {
  long v = syscall(__NR_landlock_create_ruleset, NULL, 0, HL_CREATE_RULESET_VERSION);
  return v < 0 ? -errno : (int)v;
}

static int add_path_rule(int ruleset, const char *path, uint64_t access, char *why, size_t cap) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) { int e = errno; snprintf(why, cap, "opening %s: %s", path, strerror(e)); return e; }
  struct hl_path_beneath pb = { .allowed_access = access, .parent_fd = fd };
  long r = syscall(__NR_landlock_add_rule, ruleset, HL_RULE_PATH_BENEATH, &pb, 0);
  int e = r < 0 ? errno : 0;
  close(fd);
  if (e) snprintf(why, cap, "landlock_add_rule(%s): %s", path, strerror(e));
  return e;
}

static int apply_landlock(const struct opts *o, char *why, size_t cap) {
  int abi = g_landlock_abi;
  if (abi < 0) {
    snprintf(why, cap, "Landlock unavailable: %s", abi == -ENOSYS ? "kernel built without it" :
             abi == -EOPNOTSUPP ? "disabled at boot (add landlock to the lsm= list)" : strerror(-abi));
    return -abi;
  }
  if (abi < 4) { snprintf(why, cap, "Landlock ABI %d < 4: the kernel has no TCP rules (Linux >= 6.7 needed)", abi); return EOPNOTSUPP; }
  uint64_t writes = HL_FS_WRITE_FILE | HL_FS_REMOVE_DIR | HL_FS_REMOVE_FILE | HL_FS_MAKE_CHAR | HL_FS_MAKE_DIR |
                    HL_FS_MAKE_REG | HL_FS_MAKE_SOCK | HL_FS_MAKE_FIFO | HL_FS_MAKE_BLOCK | HL_FS_MAKE_SYM |
                    HL_FS_REFER | HL_FS_TRUNCATE;
  /* Handled with no rule = denied everywhere: every TCP bind and connect; every write outside
   * the job folders. Reads and exec are not handled, so they stay allowed. */
  struct hl_ruleset_attr attr = { .handled_access_fs = writes,
                                  .handled_access_net = HL_NET_BIND_TCP | HL_NET_CONNECT_TCP,
                                  .scoped = abi >= 6 ? (HL_SCOPE_ABSTRACT_UNIX | HL_SCOPE_SIGNAL) : 0 };
  size_t attr_size = abi >= 6 ? sizeof attr : offsetof(struct hl_ruleset_attr, scoped);
  int rs = (int)syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0);
  if (rs < 0) { int e = errno; snprintf(why, cap, "landlock_create_ruleset: %s", strerror(e)); return e; }
  int e = 0;
  for (int i = 0; i < o->n_allow && !e; i++) e = add_path_rule(rs, o->allow_write[i], writes, why, cap);
  /* Harmless sinks every program expects to be able to open for writing. */
  static const char *const devs[] = { "/dev/null", "/dev/zero", "/dev/full", NULL };
  for (int i = 0; devs[i] && !e; i++) {
    if (access(devs[i], F_OK) == 0) e = add_path_rule(rs, devs[i], HL_FS_WRITE_FILE | HL_FS_TRUNCATE, why, cap);
  }
  if (!e && syscall(__NR_landlock_restrict_self, rs, 0) != 0) { e = errno; snprintf(why, cap, "landlock_restrict_self: %s", strerror(e)); }
  close(rs);
  if (!e) snprintf(why, cap, "Landlock ABI %d: TCP bind/connect denied%s; writes only to %d allowed folder(s) and /dev/null-like devices",
                   abi, abi >= 6 ? ", abstract unix sockets and signals scoped to the jail" : "", o->n_allow);
  return e;
}

/* Under an enclosing Hermetic jail already (see HL_MARKER_FLAGS)? */
static bool inside_hermetic_jail(void) {
  unsigned int action = SECCOMP_RET_ALLOW;
  return syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, HL_MARKER_FLAGS, &action) < 0 && errno == HL_MARKER_ERRNO;
}

/* 0, or an errno. *listener is the notification fd (reporting), -1 otherwise or when inherited. */
static int apply_seccomp(bool report, bool observe, int *listener, bool *inherited, char *why, size_t cap) {
  *listener = -1; *inherited = false;
  if (HL_AUDIT_ARCH == 0) { snprintf(why, cap, "seccomp filter not written for this CPU architecture"); return ENOSYS; }
  if (inside_hermetic_jail()) {
    *inherited = true;
    snprintf(why, cap, "inherited: this jail runs inside another Hermetic jail, whose seccomp filter is in force here and whose supervisor reports the attempts");
    return 0;
  }
  struct prog p;
  int n = build_filter(&p, report, observe);
  if (n < 0) { snprintf(why, cap, "internal error: the seccomp program does not assemble"); return EINVAL; }
  struct sock_fprog prog = { .len = (unsigned short)n, .filter = p.f };
  long fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, report ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
  if (fd < 0) { int e = errno; snprintf(why, cap, "seccomp(SET_MODE_FILTER%s): %s", report ? ", NEW_LISTENER" : "", strerror(e)); return e; }
  *listener = report ? (int)fd : -1;
  snprintf(why, cap, "seccomp filter: sockets other than AF_UNIX stream%s, connect(), sendto() with an address, listeners of the jail's own, ptrace/setns/pidfd_getfd, io_uring (ENOSYS), foreign syscall ABIs%s",
           observe ? " and IPv4/IPv6 (the namespace is their wall; destinations reported at connect/send)" : "",
           report ? "; attempts denied and reported by the supervisor" : "; attempts denied in-kernel (not reported)");
  return 0;
}

static void batch_add(struct batch *b, int kind, int layer, int ok, int err, const char *text) {
  if (b->n >= (int)(sizeof b->m / sizeof b->m[0])) return; /* cannot happen: one per layer + two */
  struct msg *m = &b->m[b->n++];
  memset(m, 0, sizeof *m);
  m->kind = kind; m->layer = layer; m->ok = ok; m->err = err;
  snprintf(m->text, sizeof m->text, "%s", text ? text : "");
}

static size_t batch_size(const struct batch *b) { return offsetof(struct batch, m) + (size_t)b->n * sizeof b->m[0]; }

/* One packet with write(): under the filter with `observe`, sendmsg() is watched, and the
 * supervisor may not even have the listener yet. */
static void batch_write(int sock, struct batch *b) {
  while (write(sock, b, batch_size(b)) < 0 && errno == EINTR) {}
  b->n = 0; b->flags &= B_PIDNS;
}

/* One packet with the descriptor `fd` attached (only from a process without our filter). */
static void batch_send_fd(int sock, struct batch *b, int fd) {
  struct iovec iov = { .iov_base = b, .iov_len = batch_size(b) };
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  memset(&u, 0, sizeof u);
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (fd >= 0) {
    mh.msg_control = u.buf; mh.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
  b->n = 0; b->flags &= B_PIDNS;
}

/* The courier: the seccomp listener must reach the supervisor before any jailed code runs, but
 * once the filter is installed, every sendmsg() of ours is itself watched (with `observe`) and
 * would wait for a supervisor that has no listener yet. So a helper that shares our descriptor
 * table (CLONE_FILES) but not our filter — it exists before the filter does — carries the
 * layer results and the listener out with SCM_RIGHTS, then exits. No ptrace-like access is
 * needed (pidfd_getfd would fail under Yama ptrace_scope >= 2). */
struct courier { pid_t pid; int rd, wr; };
static struct courier g_courier = { -1, -1, -1 };
static int courier_start(int sock, struct courier *c) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return errno;
  long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) { int e = errno; close(p[0]); close(p[1]); return e; }
  if (pid == 0) {
    struct { struct batch b; int listener; } m;
    size_t got = 0;
    while (got < sizeof m) {
      ssize_t n = read(p[0], (char *)&m + got, sizeof m - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) _exit(1);
      got += (size_t)n;
    }
    batch_send_fd(sock, &m.b, m.listener);
    _exit(0);
  }
  c->pid = (pid_t)pid; c->rd = p[0]; c->wr = p[1];
  return 0;
}
/* Hand the batch and the listener to the courier and wait until it has sent them. */
static void courier_deliver(struct courier *c, struct batch *b, int listener) {
  struct { struct batch b; int listener; } m;
  memcpy(&m.b, b, sizeof *b); m.listener = listener;
  for (size_t off = 0; off < sizeof m;) {
    ssize_t n = write(c->wr, (char *)&m + off, sizeof m - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += (size_t)n;
  }
  int st; while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR) {}
  close(c->rd); close(c->wr);
  c->pid = -1;
  b->n = 0; b->flags &= B_PIDNS;
}
/* Send what the jail has to say, through the courier while it waits (it holds our channel). */
static void jail_send(int sock, struct batch *b, int listener) {
  if (g_courier.pid > 0) courier_deliver(&g_courier, b, listener); else batch_write(sock, b);
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* Close every descriptor but those in keep[] (sorted here). */
static void close_all_but(int *keep, int n) {
  qsort(keep, (size_t)n, sizeof keep[0], cmp_int);
  int from = 0;
  for (int i = 0; i <= n; i++) {
    int upto = i < n ? keep[i] - 1 : INT_MAX;
    if (upto >= from) {
      if (syscall(__NR_close_range, (unsigned)from, (unsigned)upto, 0) != 0) {
        /* Kernel < 5.9: close one by one up to the descriptor limit. */
        long max = sysconf(_SC_OPEN_MAX); if (max < 0 || max > 1 << 20) max = 1 << 20;
        for (long fd = from; fd <= upto && fd < max; fd++) close((int)fd);
      }
    }
    if (i < n) from = keep[i] + 1;
  }
}

/* Close every descriptor but stdio, the ones asked for, and `extra` (our channels, which are
 * close-on-exec). An inherited, already-connected socket would walk past every layer. */
static void close_inherited(const struct opts *o, int extra1, int extra2) {
  int keep[MAX_KEEP + 8], n = 0;
  keep[n++] = 0; keep[n++] = 1; keep[n++] = 2;
  if (extra1 >= 0) keep[n++] = extra1;
  if (extra2 >= 0) keep[n++] = extra2;
  for (int i = 0; i < o->n_keep; i++) if (o->keep[i] > 2) keep[n++] = o->keep[i];
  close_all_but(keep, n);
}

/* ---- stdio: no network socket enters the jail --------------------------------------------- */
/* A socket given as stdin/stdout/stderr is already connected (or can sendto anywhere, if it
 * is UDP): no layer stops a send on it. Any socket other than AF_UNIX is therefore replaced by
 * a pipe, and the supervisor relays the bytes in the one direction that descriptor is for:
 * into the jail for stdin, out of it for stdout/stderr. The jail never holds the socket. */
struct relay { int fd; int sock; int pipe_child; int pipe_ours; int family, type; pthread_t thread; bool active; };
static struct relay g_relay[3];

static void *relay_main(void *arg) {
  struct relay *r = arg;
  int from = r->fd == 0 ? r->sock : r->pipe_ours, to = r->fd == 0 ? r->pipe_ours : r->sock;
  char buf[65536];
  for (;;) {
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(to, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) goto done;
      off += w;
    }
  }
done:
  /* stdin: EOF for the jail; stdout/stderr: everything the jail wrote has been passed on. */
  if (r->fd == 0) close(r->pipe_ours);
  return NULL;
}

/* Before the jail exists: decide, per stdio descriptor, whether it must be relayed. */
static int prepare_stdio_relays(char *why, size_t cap) {
  for (int fd = 0; fd < 3; fd++) {
    struct relay *r = &g_relay[fd];
    r->fd = fd; r->active = false; r->sock = r->pipe_child = r->pipe_ours = -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    int family = -1, type = -1; socklen_t l = sizeof family;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &l) != 0) { snprintf(why, cap, "stdio fd %d is a socket whose family cannot be read: %s", fd, strerror(errno)); return errno; }
    if (family == AF_UNIX) continue; /* a pipe-like channel to the caller (Node's 'pipe' stdio) */
    l = sizeof type; if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) != 0) type = -1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) { snprintf(why, cap, "pipe for relaying stdio fd %d: %s", fd, strerror(errno)); return errno; }
    r->family = family; r->type = type; r->active = true;
    r->sock = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (r->sock < 0) { snprintf(why, cap, "dup of stdio fd %d: %s", fd, strerror(errno)); return errno; }
    r->pipe_child = fd == 0 ? p[0] : p[1];
    r->pipe_ours = fd == 0 ? p[1] : p[0];
  }
  return 0;
}

/* In the supervisor, once the jail holds its pipe ends. */
static int start_stdio_relays(char *why, size_t cap) {
  sigset_t all, old; sigfillset(&all);
  for (int fd = 0; fd < 3; fd++) {
    struct relay *r = &g_relay[fd];
    if (!r->active) continue;
    close(r->pipe_child); r->pipe_child = -1;
    /* Signals stay with the main thread (its signalfd). */
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&r->thread, NULL, relay_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) { snprintf(why, cap, "starting the stdio relay for fd %d: %s", fd, strerror(e)); r->active = false; return e; }
  }
  return 0;
}

/* stdout/stderr: wait until the jail's last writer is gone and the bytes are passed on. */
static void finish_stdio_relays(void) {
  for (int fd = 1; fd < 3; fd++) if (g_relay[fd].active) pthread_join(g_relay[fd].thread, NULL);
}

/* ---- the jail's side ----------------------------------------------------------------------- */
struct jail_start { const struct opts *o; int sock; int status_fd; const sigset_t *oldmask; bool pidns; int ns_err; char ns_why[TXT];
                    bool interactive; uid_t uid; gid_t gid; };

/* Fatal set-up failure in the jail (a resource limit that cannot be applied must not pass
 * silently): reported as an error line, nothing is executed. */
static void __attribute__((noreturn)) setup_fail(int sock, struct batch *b, const char *what, int e) {
  char text[TXT]; snprintf(text, sizeof text, "%s: %s", what, strerror(e));
  batch_add(b, M_SETUP_FAIL, -1, 0, e, text);
  jail_send(sock, b, -1);
  _exit(125);
}

/* The command's last steps: its own process group (and the terminal, for an interactive
 * `hermetic run`), limits, signals back to normal, only the descriptors it may have, exec. */
static void __attribute__((noreturn)) exec_command(const struct jail_start *js, struct batch *b) {
  const struct opts *o = js->o;
  if (setpgid(0, 0) != 0) setup_fail(js->sock, b, "setpgid", errno);
  if (js->interactive && isatty(0)) {
    signal(SIGTTOU, SIG_IGN);
    if (tcsetpgrp(0, getpgrp()) != 0) trace("command: tcsetpgrp: %s", strerror(errno)); /* not fatal: stdin may be a tty we do not control */
    signal(SIGTTOU, SIG_DFL);
  }
  /* RLIMIT_DATA, not RLIMIT_AS: V8 reserves ~10 GiB of PROT_NONE address space per
   * WebAssembly memory (tesseract.js), which RLIMIT_AS counts and RLIMIT_DATA does not; what
   * RLIMIT_DATA counts (brk heap, private writable mappings) is what a job really uses. */
  if (o->memory) { struct rlimit rl = { o->memory, o->memory }; if (setrlimit(RLIMIT_DATA, &rl) != 0) setup_fail(js->sock, b, "setrlimit(RLIMIT_DATA)", errno); }
  /* The supervisor ignores SIGPIPE and blocks signals; neither may leak into the command. */
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, js->oldmask, NULL);
  /* The hello: the supervisor learns the command's pid (host view) from this packet's
   * credentials. Without a PID namespace the jail's first process is the command, which the
   * supervisor already knows. */
  if (js->pidns) { b->flags |= B_HELLO; batch_write(js->sock, b); }
  close_inherited(o, js->sock, -1);
  trace("child: exec %s", o->argv[0]);
  execvp(o->argv[0], o->argv);
  int e = errno;
  char why[TXT]; snprintf(why, sizeof why, "cannot execute %s: %s", o->argv[0], strerror(e));
  batch_add(b, M_EXEC_ERR, -1, 0, e, why);
  batch_write(js->sock, b);
  _exit(e == ENOENT ? 127 : 126);
}

/* The init of a PID namespace: forwards every signal the supervisor sends it to every process
 * of the jail (kill(-1) inside the namespace reaches all but init), reaps orphans, and when the
 * command exits, hands its status to the supervisor and exits — which kills whatever is left. */
static void __attribute__((noreturn)) init_loop(pid_t cmd, int status_fd) {
  sigset_t all; sigfillset(&all);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) { kill(-1, sig); continue; }
    int st; pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
      if (w != cmd) continue;
      ssize_t n = write(status_fd, &st, sizeof st); (void)n;
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
  }
}

/* Runs in the jail's first process. Never returns. */
static void __attribute__((noreturn)) jail_main(struct jail_start *js) {
  const struct opts *o = js->o;
  char why[TXT];
  struct batch b; memset(&b, 0, sizeof b); b.flags = js->pidns ? B_PIDNS : B_CMD_IS_INIT;
  /* 1. Die with the supervisor. If it is already gone, its end of our channel is closed. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) setup_fail(js->sock, &b, "prctl(PR_SET_PDEATHSIG)", errno);
  struct pollfd pf = { js->sock, 0, 0 };
  if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR))) _exit(125);
  /* Nothing of the supervisor's but our two channels (and what the command is to get). */
  close_inherited(o, js->sock, js->status_fd);
  bool in_force[L_COUNT] = { false };
  int listener = -1;
  bool inherited = false;
  trace("child: forked");
  for (int l = 0; l < L_COUNT; l++) {
    if (!o->want[l]) {
      if (o->require[l]) { batch_add(&b, M_FAIL, l, 0, EINVAL, "layer is both required and disabled"); jail_send(js->sock, &b, -1); _exit(125); }
      batch_add(&b, M_LAYER, l, 0, 0, "disabled by the caller");
      continue;
    }
    int e = 0;
    if (o->fault[l]) { e = EPERM; snprintf(why, sizeof why, "fault injected (--fault %s): behaving as if the kernel refused it", LAYER_NAMES[l]); }
    else if (l == L_NAMESPACE) {
      /* Created by the supervisor's clone(); what is left is the id mapping. */
      if (!js->pidns) { e = js->ns_err ? js->ns_err : EPERM; snprintf(why, sizeof why, "%s", js->ns_why); }
      else if ((e = write_id_maps(js->uid, js->gid, why, sizeof why)) != 0) {
        /* Half a namespace (no id map) is not a state to run anything in. */
        batch_add(&b, M_FAIL, l, 0, e, why); jail_send(js->sock, &b, -1); _exit(125);
      }
    }
    else if (l == L_MOUNTNS && !in_force[L_NAMESPACE]) { e = EPERM; snprintf(why, sizeof why, "needs the user namespace layer, which is not in force"); }
    else {
      switch (l) {
        case L_MOUNTNS: e = apply_mountns(js->pidns, why, sizeof why); break;
        case L_LANDLOCK:
          /* no_new_privs first: required for unprivileged Landlock and seccomp, and it keeps
           * setuid binaries from regaining privileges inside the jail. */
          if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) setup_fail(js->sock, &b, "prctl(PR_SET_NO_NEW_PRIVS)", errno);
          e = apply_landlock(o, why, sizeof why); break;
        case L_SECCOMP:
          if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) setup_fail(js->sock, &b, "prctl(PR_SET_NO_NEW_PRIVS)", errno);
          if (o->report && (e = courier_start(js->sock, &g_courier)) != 0) { snprintf(why, sizeof why, "starting the listener's courier: %s", strerror(e)); break; }
          e = apply_seccomp(o->report, o->report && in_force[L_NAMESPACE], &listener, &inherited, why, sizeof why); break;
      }
    }
    trace("child: %s %s", LAYER_NAMES[l], e ? "failed" : "applied");
    if (e && o->require[l]) { batch_add(&b, M_FAIL, l, 0, e, why); jail_send(js->sock, &b, -1); _exit(125); }
    in_force[l] = e == 0;
    batch_add(&b, M_LAYER, l, e == 0, e, why);
  }
  if (o->any_required) {
    bool any = false;
    for (int l = 0; l < L_COUNT; l++) if (o->require_any[l] && in_force[l]) any = true;
    if (!any) {
      batch_add(&b, M_FAIL, M_ANY_LAYER, 0, EPERM, "none of the layers required with --require-any is in force");
      jail_send(js->sock, &b, -1);
      _exit(125);
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) setup_fail(js->sock, &b, "prctl(PR_SET_NO_NEW_PRIVS)", errno);

  /* Every layer result in one packet, with the listener, before any jailed code runs; then
   * the listener leaves this process for good (a jailed program holding it could answer its
   * own notifications). */
  jail_send(js->sock, &b, listener);
  if (listener >= 0) close(listener);
  listener = -1;
  if (o->probe) {
    /* End-to-end check of the seccomp path: a refused call must come back EPERM (with the
     * supervisor answering, when reporting). AF_NETLINK is refused in every mode. */
    /* (An inherited filter is the enclosing jail's: its supervisor would report our test call.) */
    if (in_force[L_SECCOMP] && !inherited) {
      int s = socket(AF_NETLINK, SOCK_RAW, 0);
      int e = s < 0 ? errno : 0;
      if (s >= 0) close(s);
      batch_add(&b, M_PROBE_SECCOMP, L_SECCOMP, e == EPERM, e, e == EPERM ? "socket(AF_NETLINK) answered EPERM" : "socket(AF_NETLINK) was NOT refused");
      batch_write(js->sock, &b);
    }
    _exit(0);
  }
  if (!js->pidns) exec_command(js, &b); /* no PID namespace: we are the command */

  /* Nothing of ours for the jail to read or write through /proc/1/mem. */
  if (prctl(PR_SET_DUMPABLE, 0) != 0) setup_fail(js->sock, &b, "prctl(PR_SET_DUMPABLE)", errno);
  sigset_t all; sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL); /* init_loop takes them with sigwaitinfo */
  pid_t cmd = fork();
  if (cmd < 0) setup_fail(js->sock, &b, "fork of the command", errno);
  if (cmd == 0) { close(js->status_fd); exec_command(js, &b); }
  close(js->sock);
  /* The command owns stdio and the kept descriptors: hold no copy (EOF reaches the caller). */
  close_all_but((int[]){ js->status_fd }, 1);
  trace("init: command forked");
  init_loop(cmd, js->status_fd);
}

/* ---- supervisor: process naming --------------------------------------------------------------- */
static struct {
  pid_t self;       /* the supervisor */
  pid_t parent;     /* its parent at start: PDEATHSIG is told apart by a changed getppid() */
  pid_t init;       /* the jail's first process (direct child) */
  pid_t cmd;        /* the jailed command (host view) */
  int init_pidfd;
  bool pidns;
  bool observe;     /* the filter lets IP sockets be created (namespace in force) */
  bool nscd_noted;
} g;

struct who {
  pid_t tid, tgid;
  pid_t ns_pid;     /* the process's pid inside the jail's PID namespace (0: none/unknown) */
  char comm[32], exe[512], argv0[256];
  int nparents;
  struct { pid_t pid; char program[64]; } parents[8];
};

/* The program's name as a user knows it: the executable's file name. `comm` can be a thread
 * name ("node-MainThread") or cut to 15 bytes. */
static void program_of(pid_t pid, const char *comm, char *out, size_t cap) {
  char path[64], exe[512];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  ssize_t n = readlink(path, exe, sizeof exe - 1);
  if (n <= 0) { snprintf(out, cap, "%s", comm); return; }
  exe[n] = 0;
  const char *base = strrchr(exe, '/');
  snprintf(out, cap, "%.63s", base ? base + 1 : exe);
}

static ssize_t read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return n;
}

/* comm, parent and start time (clock ticks since boot) of a process or thread, from
 * /proc/<pid>/stat (the name may hold spaces and parens: count from the last ')'). */
static bool read_stat(pid_t pid, char *comm, size_t cap, pid_t *ppid, unsigned long long *start) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (read_small(path, buf, sizeof buf) <= 0) return false;
  char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
  if (!open_p || !close_p || close_p < open_p) return false;
  size_t n = (size_t)(close_p - open_p - 1); if (n >= cap) n = cap - 1;
  memcpy(comm, open_p + 1, n); comm[n] = 0;
  char state; int pp; unsigned long long st = 0;
  /* fields 3 (state), 4 (ppid) ... 22 (starttime) */
  if (sscanf(close_p + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &state, &pp, &st) != 3) return false;
  *ppid = pp; if (start) *start = st;
  return true;
}
static bool stat_of(pid_t pid, char *comm, size_t cap, pid_t *ppid) { return read_stat(pid, comm, cap, ppid, NULL); }

/* Who made a notified call: the process (not the thread), its program, argv[0], and its
 * parents up to the jailed command. Read while the caller waits in the kernel, so it is alive.
 * Kernel-provided (/proc) except argv[0], which is the process's own memory: report only. */
static void who_of(pid_t tid, struct who *w) {
  memset(w, 0, sizeof *w);
  w->tid = tid; w->tgid = tid;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/status", tid);
  if (read_small(path, buf, sizeof buf) > 0) {
    char *t = strstr(buf, "\nTgid:");
    if (t) w->tgid = (pid_t)strtol(t + 6, NULL, 10);
  }
  /* NSpid: the process's pid in our namespace, then in each nested one. The second is its pid in
   * the jail: what a jailed reader of our reports (the paranoid server) knows it by. */
  snprintf(path, sizeof path, "/proc/%d/status", w->tgid);
  if (g.pidns && (w->tgid == tid || read_small(path, buf, sizeof buf) > 0)) {
    char *t = strstr(buf, "\nNSpid:");
    if (t) {
      char *end = NULL;
      strtol(t + 8, &end, 10);
      if (end && *end == '\t') w->ns_pid = (pid_t)strtol(end, NULL, 10);
    }
  }
  pid_t ppid = 0;
  stat_of(w->tgid, w->comm, sizeof w->comm, &ppid);
  snprintf(path, sizeof path, "/proc/%d/exe", w->tgid);
  ssize_t n = readlink(path, w->exe, sizeof w->exe - 1);
  w->exe[n > 0 ? n : 0] = 0;
  snprintf(path, sizeof path, "/proc/%d/cmdline", w->tgid);
  if (read_small(path, buf, sizeof buf) > 0) snprintf(w->argv0, sizeof w->argv0, "%.255s", buf);
  /* Parents, nearest first, up to and including the jailed command (not our own init). */
  for (pid_t p = ppid; w->tgid != g.cmd && p > 1 && p != g.self && !(g.pidns && p == g.init) && w->nparents < 8;) {
    pid_t next = 0; char comm[32];
    w->parents[w->nparents].pid = p;
    if (!stat_of(p, comm, sizeof comm, &next)) break;
    program_of(p, comm, w->parents[w->nparents].program, sizeof w->parents[0].program);
    w->nparents++;
    if (p == g.cmd) break;
    p = next;
  }
}

static void who_json(char *line, size_t cap, const struct who *w) {
  jcat(line, cap, ",\"pid\":%d,\"tid\":%d", w->tgid, w->tid);
  if (w->ns_pid > 0) jcat(line, cap, ",\"nsPid\":%d", w->ns_pid);
  const char *base = strrchr(w->exe, '/');
  if (w->exe[0]) jkey_str(line, cap, "program", base ? base + 1 : w->exe);
  else if (w->comm[0]) jkey_str(line, cap, "program", w->comm);
  if (w->comm[0]) jkey_str(line, cap, "comm", w->comm);
  if (w->exe[0]) jkey_str(line, cap, "exe", w->exe);
  if (w->argv0[0]) jkey_str(line, cap, "argv0", w->argv0);
  jcat(line, cap, ",\"parents\":[");
  for (int i = 0; i < w->nparents; i++) {
    jcat(line, cap, "%s{\"pid\":%d,\"program\":", i ? "," : "", w->parents[i].pid);
    json_str(line, cap, w->parents[i].program, strlen(w->parents[i].program));
    jcat(line, cap, "}");
  }
  jcat(line, cap, "]");
}

/* Who made a call, remembered per thread: a process that makes many refused calls is named
 * once (its thread's start time and name tell a reused tid, or an exec, from the same thread),
 * and keeps one pidfd for socket inspection. Reporting a burst then costs one /proc read per call. */
struct ident { pid_t tid; unsigned long long start; char tcomm[32]; struct who w; int pidfd; bool used; };
static struct ident g_ident[32];
static int g_ident_next;
static struct ident *ident_of(pid_t tid) {
  char tcomm[32]; pid_t ppid; unsigned long long start = 0;
  bool ok = read_stat(tid, tcomm, sizeof tcomm, &ppid, &start);
  for (int i = 0; ok && i < 32; i++) {
    struct ident *e = &g_ident[i];
    if (e->used && e->tid == tid && e->start == start && !strcmp(e->tcomm, tcomm)) return e;
  }
  struct ident *e = &g_ident[g_ident_next];
  g_ident_next = (g_ident_next + 1) % 32;
  if (e->used && e->pidfd >= 0) close(e->pidfd);
  memset(e, 0, sizeof *e);
  e->used = ok; e->tid = tid; e->start = start; e->pidfd = -1;
  snprintf(e->tcomm, sizeof e->tcomm, "%s", ok ? tcomm : "");
  who_of(tid, &e->w);
  return e;
}
static int ident_pidfd(struct ident *e) {
  if (e->pidfd < 0) { e->pidfd = (int)syscall(__NR_pidfd_open, e->w.tgid, 0); if (e->pidfd >= 0) fcntl(e->pidfd, F_SETFD, FD_CLOEXEC); }
  return e->pidfd;
}

/* ---- supervisor: destinations and DNS names (read to report, never to decide) ----------------- */
static bool read_mem(pid_t pid, uint64_t ptr, void *out, size_t len) {
  if (!ptr || !len) return false;
  struct iovec local = { out, len }, remote = { (void *)(uintptr_t)ptr, len };
  return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}
/* Up to cap bytes; returns how many were read. */
static size_t read_mem_upto(pid_t pid, uint64_t ptr, void *out, size_t len, size_t cap) {
  if (len > cap) len = cap;
  if (!ptr || !len) return 0;
  struct iovec local = { out, len }, remote = { (void *)(uintptr_t)ptr, len };
  ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  return n > 0 ? (size_t)n : 0;
}

struct dest { int family; char text[160]; char address[INET6_ADDRSTRLEN]; int port; char path[120]; bool has_path, has_ip; };

/* A sockaddr as the report shows it: "ip:port", "[v6]:port", a unix path, "@abstract". */
static void dest_of(const void *sa, size_t len, struct dest *d) {
  memset(d, 0, sizeof *d); d->family = -1;
  if (len < sizeof(sa_family_t)) return;
  const struct sockaddr_storage *ss = sa;
  d->family = ss->ss_family;
  if (ss->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *a = sa;
    inet_ntop(AF_INET, &a->sin_addr, d->address, sizeof d->address);
    d->port = ntohs(a->sin_port); d->has_ip = true;
    snprintf(d->text, sizeof d->text, "%s:%d", d->address, d->port);
  } else if (ss->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *a = sa;
    inet_ntop(AF_INET6, &a->sin6_addr, d->address, sizeof d->address);
    d->port = ntohs(a->sin6_port); d->has_ip = true;
    snprintf(d->text, sizeof d->text, "[%s]:%d", d->address, d->port);
  } else if (ss->ss_family == AF_UNIX) {
    const struct sockaddr_un *a = sa;
    size_t plen = len - offsetof(struct sockaddr_un, sun_path);
    if (plen > sizeof a->sun_path) plen = sizeof a->sun_path;
    char path[sizeof a->sun_path + 2];
    if (plen > 0 && a->sun_path[0] == 0) { path[0] = '@'; memcpy(path + 1, a->sun_path + 1, plen - 1); path[plen] = 0; }
    else { memcpy(path, a->sun_path, plen); path[plen] = 0; }
    /* Non-printable bytes are shown as '?' in the display string (the JSON escapes them anyway). */
    for (size_t i = 0; path[i]; i++) if ((unsigned char)path[i] < 0x20 || (unsigned char)path[i] >= 0x7f) path[i] = '?';
    snprintf(d->path, sizeof d->path, "%s", path); d->has_path = true;
    snprintf(d->text, sizeof d->text, "%s", path);
  }
}

static void read_dest(pid_t pid, uint64_t ptr, uint64_t len, struct dest *d) {
  struct sockaddr_storage ss; memset(&ss, 0, sizeof ss);
  memset(d, 0, sizeof *d); d->family = -1;
  if (!ptr || len < sizeof(sa_family_t)) return;
  if (len > sizeof ss) len = sizeof ss;
  if (!read_mem(pid, ptr, &ss, (size_t)len)) return;
  dest_of(&ss, (size_t)len, d);
}

static void dest_json(char *line, size_t cap, const struct dest *d) {
  char tmp[32];
  if (d->family >= 0) jcat(line, cap, ",\"family\":\"%s\"", family_name(d->family, tmp));
  if (d->has_ip) { jkey_str(line, cap, "address", d->address); jcat(line, cap, ",\"port\":%d", d->port); }
  if (d->has_path) jkey_str(line, cap, "path", d->path);
  if (d->text[0]) jkey_str(line, cap, "destination", d->text);
}

static const char *qtype_name(int t, char *tmp) {
  switch (t) {
    case 1: return "A"; case 28: return "AAAA"; case 5: return "CNAME"; case 15: return "MX"; case 16: return "TXT";
    case 33: return "SRV"; case 12: return "PTR"; case 2: return "NS"; case 6: return "SOA"; case 64: return "SVCB";
    case 65: return "HTTPS"; case 255: return "ANY";
    default: snprintf(tmp, 16, "TYPE%d", t); return tmp;
  }
}

/* The question of a DNS query message (RFC 1035 4.1), or false when the bytes are not one. The
 * bytes are the jailed process's (already copied out): every read is bounds-checked. */
static bool dns_question(const unsigned char *p, size_t n, char *name, size_t cap, int *qtype) {
  if (n < 17 || cap < 2) return false;
  unsigned flags = (unsigned)p[2] << 8 | p[3];
  if ((flags & 0x8000) || ((flags >> 11) & 0xf) != 0) return false; /* a response, or not QUERY */
  unsigned qd = (unsigned)p[4] << 8 | p[5], an = (unsigned)p[6] << 8 | p[7], ns = (unsigned)p[8] << 8 | p[9];
  if (qd < 1 || qd > 4 || an || ns) return false;
  size_t i = 12, out = 0;
  for (;;) {
    if (i >= n) return false;
    unsigned len = p[i];
    if (len == 0) { i++; break; }
    if (len > 63 || i + 1 + len > n) return false; /* 0xc0 (compression) is > 63 too: not in a query */
    if (out + len + 2 > cap || out + len > 253) return false;
    if (out) name[out++] = '.';
    for (unsigned k = 0; k < len; k++) {
      unsigned char c = p[i + 1 + k];
      if (c <= 0x20 || c >= 0x7f) return false;
      name[out++] = (char)c;
    }
    i += 1 + len;
  }
  if (i + 4 > n) return false;
  if (out == 0) name[out++] = '.';
  name[out] = 0;
  *qtype = p[i] << 8 | p[i + 1];
  return true;
}

/* DNS names found in the messages of one send (glibc sends A and AAAA together). */
struct dnsinfo { char name[256]; char types[64]; int count; };
static void dns_add(struct dnsinfo *di, const unsigned char *p, size_t n) {
  char name[256]; int qt; char tmp[16];
  if (!dns_question(p, n, name, sizeof name, &qt)) return;
  if (di->count == 0) snprintf(di->name, sizeof di->name, "%s", name);
  else if (strcmp(di->name, name) != 0) return; /* a second, different name: the first is reported */
  size_t l = strlen(di->types);
  snprintf(di->types + l, sizeof di->types - l, "%s%s", l ? "," : "", qtype_name(qt, tmp));
  di->count++;
}
static void dns_json(char *line, size_t cap, const struct dnsinfo *di) {
  if (!di->count) return;
  jkey_str(line, cap, "dnsName", di->name);
  jkey_str(line, cap, "dnsType", di->types);
}

/* ---- supervisor: the socket behind a descriptor of a jailed process ---------------------------- */
struct sockobj { bool ok; int domain, type; ino_t ino; };
/* pidfd_getfd() gives us the very object, so what we learn cannot be swapped under us (the
 * descriptor NUMBER can be, by another thread: so this only ever tightens a decision the
 * filter without `observe` would have allowed outright — see handle_notification). */
static void sock_of(struct ident *who, int fd, struct sockobj *s) {
  memset(s, 0, sizeof *s);
  int pfd = ident_pidfd(who);
  if (pfd < 0) return;
  int dup = (int)syscall(__NR_pidfd_getfd, pfd, fd, 0); /* flags must be 0; the copy is close-on-exec */
  if (dup < 0) return;
  struct stat st; socklen_t l = sizeof s->domain;
  if (fstat(dup, &st) == 0 && S_ISSOCK(st.st_mode) && getsockopt(dup, SOL_SOCKET, SO_DOMAIN, &s->domain, &l) == 0) {
    l = sizeof s->type;
    if (getsockopt(dup, SOL_SOCKET, SO_TYPE, &s->type, &l) == 0) { s->ok = true; s->ino = st.st_ino; }
  }
  close(dup);
}
static bool is_ip(const struct sockobj *s) { return s->ok && (s->domain == AF_INET || s->domain == AF_INET6); }

/* Datagram sockets whose connect() we answered without performing it: where they were aimed. */
static struct { ino_t ino; struct dest d; } g_udp[64];
static int g_udp_next;
static void udp_remember(ino_t ino, const struct dest *d) { g_udp[g_udp_next].ino = ino; g_udp[g_udp_next].d = *d; g_udp_next = (g_udp_next + 1) % 64; }
static const struct dest *udp_lookup(ino_t ino) {
  for (int i = 0; i < 64; i++) if (g_udp[i].ino == ino && ino) return &g_udp[i].d;
  return NULL;
}

/* ---- supervisor: answering notifications ---------------------------------------------------- */
static const char *syscall_name(int nr) {
  switch (nr) {
    case __NR_socket: return "socket"; case __NR_socketpair: return "socketpair"; case __NR_connect: return "connect";
    case __NR_sendto: return "sendto"; case __NR_sendmsg: return "sendmsg"; case __NR_sendmmsg: return "sendmmsg";
    case __NR_ptrace: return "ptrace"; case __NR_process_vm_readv: return "process_vm_readv"; case __NR_process_vm_writev: return "process_vm_writev";
    case __NR_pidfd_getfd: return "pidfd_getfd"; case __NR_setns: return "setns"; case __NR_seccomp: return "seccomp";
    default: return "unknown";
  }
}
/* The escape an escape syscall stands for (its event type). */
static const char *escape_kind(int nr) {
  switch (nr) {
    case __NR_ptrace: case __NR_process_vm_readv: case __NR_process_vm_writev: return "ptrace";
    case __NR_pidfd_getfd: return "pidfd_getfd";
    case __NR_setns: return "setns";
    case __NR_seccomp: return "seccomp_listener";
    default: return NULL;
  }
}
static const char *foreign_name(const struct seccomp_data *d, char *tmp) {
  if (d->arch == AUDIT_ARCH_I386) {
    switch (d->nr) { case 102: return "socketcall"; case 359: return "socket"; case 362: return "connect"; case 369: return "sendto"; case 370: return "sendmsg"; }
  }
#if defined(__x86_64__)
  if (d->arch == AUDIT_ARCH_X86_64 && (d->nr & 0x40000000)) {
    switch (d->nr & ~0x40000000) { case 41: return "socket"; case 42: return "connect"; case 44: return "sendto"; case 518: return "sendmsg"; }
  }
#endif
  snprintf(tmp, 24, "nr %d", d->nr);
  return tmp;
}

static void respond(int nfd, uint64_t id, int error, long long val, bool cont) {
  struct seccomp_notif_resp resp; memset(&resp, 0, sizeof resp);
  resp.id = id; resp.error = error ? -error : 0; resp.val = val;
  resp.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
  ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* fails harmlessly if the caller was killed */
}

static const char *errno_name(int e) {
  switch (e) { case 0: return "OK"; case EPERM: return "EPERM"; case ENOSYS: return "ENOSYS"; default: return "EPERM"; }
}

static bool is_nscd(const struct dest *d) {
  return d->has_path && (!strcmp(d->path, "/var/run/nscd/socket") || !strcmp(d->path, "/run/nscd/socket"));
}

/* The payload of a send (first buffer), copied for the DNS decoder. */
static void dns_from_iov(pid_t pid, uint64_t iov_ptr, uint64_t iovlen, struct dnsinfo *di) {
  if (!iov_ptr || iovlen < 1) return;
  struct iovec iov;
  if (!read_mem(pid, iov_ptr, &iov, sizeof iov)) return;
  unsigned char buf[512];
  size_t n = read_mem_upto(pid, (uint64_t)(uintptr_t)iov.iov_base, buf, iov.iov_len, sizeof buf);
  dns_add(di, buf, n);
}

/* One notified call. The answer never depends on the process's memory: it is fixed by the
 * syscall (what the filter already decided on its integers) and, with `observe`, by the kind of
 * socket object behind the descriptor. Memory (addresses, payloads, argv) is read only for the
 * report. Continuing a call happens only where the filter without `observe` allows that call
 * outright, so no answer here is ever looser than the plain filter. */
static void handle_notification(int nfd) {
  struct seccomp_notif req;
  memset(&req, 0, sizeof req); /* the kernel insists on a zeroed buffer */
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;
  const struct seccomp_data *d = &req.data;
  const pid_t tid = (pid_t)req.pid;
  char line[4096], tmp[32], ts[40];
  struct ident *id = NULL;
  struct dest dst; struct dnsinfo dns; struct sockobj so;
  memset(&dst, 0, sizeof dst); dst.family = -1; memset(&dns, 0, sizeof dns); memset(&so, 0, sizeof so);
  int answer = EPERM; bool cont = false, report = true, recorded = false;
  const char *notice = NULL, *escape = NULL;
#define NAME_IT() do { if (!id) id = ident_of(tid); } while (0)

  bool foreign = d->arch != HL_AUDIT_ARCH;
#if defined(__x86_64__)
  foreign = foreign || (d->nr & 0x40000000);
#endif
  if (foreign) {
    /* Killed, not answered: name it first (it is alive while it waits), then SIGKILL it. */
    NAME_IT();
    snprintf(line, sizeof line, "{\"event\":\"attempt\",\"escape\":\"foreign_syscall\",\"syscall\":");
    const char *fname = foreign_name(d, tmp);
    json_str(line, sizeof line, fname, strlen(fname));
    jcat(line, sizeof line, ",\"arch\":\"%s\",\"nr\":%d", d->arch == AUDIT_ARCH_I386 ? "i386" : "x32", d->nr);
    who_json(line, sizeof line, &id->w);
    int pfd = ident_pidfd(id);
    bool valid = ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0;
    if (pfd >= 0 && valid) syscall(__NR_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
    respond(nfd, req.id, ENOSYS, 0, false);
    iso_now(ts, sizeof ts);
    jcat(line, sizeof line, ",\"action\":\"killed\",\"ts\":\"%s\"}\n", ts);
    emit(line);
    return;
  }

  const int nr = d->nr;
  unsigned char buf[512];
  switch (nr) {
    case __NR_socket: case __NR_socketpair: break;
    case __NR_connect:
      read_dest(tid, d->args[1], d->args[2], &dst);
      if (dst.family == AF_UNIX && is_nscd(&dst)) {
        /* glibc asks nscd first for every name lookup, user and group: noise, once per run. */
        if (g.nscd_noted) report = false; else { notice = "nscd"; g.nscd_noted = true; }
      } else if (g.observe) {
        NAME_IT();
        sock_of(id, (int)d->args[0], &so);
        if (is_ip(&so) && so.type == SOCK_DGRAM && dst.has_ip) {
          /* A datagram socket: answer "connected" WITHOUT connecting it, so that the program
           * sends its datagram (a DNS query) where we can see it. Nothing was executed; the
           * send is refused (it is an IP socket), and the namespace has no route anyway. */
          recorded = true; answer = 0;
          udp_remember(so.ino, &dst);
        }
      }
      break;
    case __NR_sendto:
      if (d->args[4]) {
        read_dest(tid, d->args[4], d->args[5], &dst);
      } else {
        /* `observe`: send() on a connected socket. Refused on an IP socket, continued otherwise. */
        NAME_IT();
        sock_of(id, (int)d->args[0], &so);
        if (!is_ip(&so)) { cont = true; report = false; answer = 0; break; }
        const struct dest *r = udp_lookup(so.ino);
        if (r) dst = *r;
      }
      dns_add(&dns, buf, read_mem_upto(tid, d->args[1], buf, (size_t)d->args[2], sizeof buf));
      break;
    case __NR_sendmsg: case __NR_sendmmsg: {
      NAME_IT();
      sock_of(id, (int)d->args[0], &so);
      if (!is_ip(&so)) { cont = true; report = false; answer = 0; break; }
      const struct dest *r = udp_lookup(so.ino);
      if (r) dst = *r;
      unsigned nmsg = nr == __NR_sendmsg ? 1 : (unsigned)(d->args[2] > 4 ? 4 : d->args[2]);
      for (unsigned k = 0; k < nmsg; k++) {
        /* struct mmsghdr: a msghdr followed by the sent length (padded). */
        uint64_t at = d->args[1] + (nr == __NR_sendmsg ? 0 : k * (uint64_t)sizeof(struct mmsghdr));
        struct msghdr mh;
        if (!read_mem(tid, at, &mh, sizeof mh)) break;
        if (mh.msg_name && mh.msg_namelen && dst.family < 0) read_dest(tid, (uint64_t)(uintptr_t)mh.msg_name, mh.msg_namelen, &dst);
        dns_from_iov(tid, (uint64_t)(uintptr_t)mh.msg_iov, mh.msg_iovlen, &dns);
      }
      break;
    }
    default:
      escape = escape_kind(nr);
      break;
  }

  if (!report) { respond(nfd, req.id, answer, 0, cont); return; }
  NAME_IT();
  /* Answer only now: the caller waited while we named it (it cannot exit meanwhile). */
  bool valid = ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0;
  respond(nfd, req.id, answer, 0, cont);
  snprintf(line, sizeof line, "{\"event\":\"%s\"", notice ? "notice" : "attempt");
  if (notice) jkey_str(line, sizeof line, "kind", notice);
  if (escape) jkey_str(line, sizeof line, "escape", escape);
  jkey_str(line, sizeof line, "syscall", syscall_name(nr));
  who_json(line, sizeof line, &id->w);
  if (nr == __NR_socket || nr == __NR_socketpair) {
    jcat(line, sizeof line, ",\"family\":\"%s\",\"type\":\"%s\",\"protocol\":%d",
         family_name((int)d->args[0], tmp), type_name((int)d->args[1], tmp + 16), (int)d->args[2]);
  } else {
    if (so.ok && dst.family < 0) jcat(line, sizeof line, ",\"family\":\"%s\"", family_name(so.domain, tmp));
    if (so.ok) jcat(line, sizeof line, ",\"type\":\"%s\"", type_name(so.type, tmp));
    dest_json(line, sizeof line, &dst);
    dns_json(line, sizeof line, &dns);
  }
  if (nr == __NR_sendto || nr == __NR_sendmsg || nr == __NR_sendmmsg) {
    unsigned flags = (unsigned)(nr == __NR_sendmmsg ? d->args[3] : nr == __NR_sendmsg ? d->args[2] : d->args[3]);
    jcat(line, sizeof line, ",\"flags\":%u", flags);
    if (flags & MSG_FASTOPEN) jcat(line, sizeof line, ",\"tfo\":true");
  }
  if (nr == __NR_ptrace) jcat(line, sizeof line, ",\"request\":%d,\"target\":%d", (int)d->args[0], (int)d->args[1]);
  if (nr == __NR_process_vm_readv || nr == __NR_process_vm_writev) jcat(line, sizeof line, ",\"target\":%d", (int)d->args[0]);
  if (nr == __NR_pidfd_getfd) jcat(line, sizeof line, ",\"targetFd\":%d", (int)d->args[1]);
  if (nr == __NR_setns) jcat(line, sizeof line, ",\"nstype\":%d", (int)d->args[1]);
  if (recorded) jcat(line, sizeof line, ",\"outcome\":\"recorded\"");
  if (!valid) jcat(line, sizeof line, ",\"gone\":true");
  iso_now(ts, sizeof ts);
  if (answer) jcat(line, sizeof line, ",\"errno\":\"%s\"", errno_name(answer));
  jcat(line, sizeof line, ",\"ts\":\"%s\"}\n", ts);
  emit(line);
#undef NAME_IT
}

/* ---- supervisor: the tree ------------------------------------------------------------------- */
/* Every live descendant, found through /proc/<pid>/task/<tid>/children. We are a subreaper,
 * so orphans of the tree are re-parented to us and stay findable. (Only needed without a PID
 * namespace: with one, killing its init kills them all.) */
static int collect_tree(pid_t root, pid_t *out, int cap, int n) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", root);
  DIR *dir = opendir(path);
  if (!dir) return n;
  struct dirent *de;
  while ((de = readdir(dir)) && n < cap) {
    if (de->d_name[0] == '.') continue;
    char cp[300];
    snprintf(cp, sizeof cp, "/proc/%d/task/%s/children", root, de->d_name);
    FILE *f = fopen(cp, "re");
    if (!f) continue;
    int pid;
    while (n < cap && fscanf(f, "%d", &pid) == 1) { out[n++] = pid; n = collect_tree(pid, out, cap, n); }
    fclose(f);
  }
  closedir(dir);
  return n;
}

/* Signal every process of the jail exactly once (a second SIGTERM makes many servers skip
 * their graceful shutdown). */
static void kill_tree(int sig) {
  if (g.pidns) {
    /* SIGKILL to the namespace's init takes the whole namespace down; any other signal is
     * forwarded by the init to every process inside. */
    if (g.init_pidfd >= 0) syscall(__NR_pidfd_send_signal, g.init_pidfd, sig, NULL, 0);
    else if (g.init > 0) kill(g.init, sig);
    return;
  }
  if (g.init_pidfd >= 0) syscall(__NR_pidfd_send_signal, g.init_pidfd, sig, NULL, 0);
  else if (g.init > 0) kill(g.init, sig);
  for (int round = 0; round < (sig == SIGKILL ? 20 : 1); round++) {
    pid_t pids[4096];
    int n = collect_tree(g.self, pids, 4096, 0);
    int sent = 0;
    for (int i = 0; i < n; i++) if (pids[i] != g.init || sig == SIGKILL) { kill(pids[i], sig); sent++; }
    if (sent == 0) break;
  }
}

static unsigned long long proc_start_time(pid_t pid) {
  char comm[32]; pid_t ppid; unsigned long long start = 0;
  return read_stat(pid, comm, sizeof comm, &ppid, &start) ? start : 0;
}

/* Reads the control channel: lines "kill SIGNUM". */
static char g_ctl[256]; static size_t g_ctl_len;
static int handle_control(int fd) {
  ssize_t n = read(fd, g_ctl + g_ctl_len, sizeof g_ctl - 1 - g_ctl_len);
  /* EOF, or a descriptor that cannot be read (a write-only --report-fd, e.g. a shell's 2>file):
   * the channel is closed. Returning "try again" here made poll() report it ready forever and
   * the supervisor spin a whole CPU for the command's lifetime. */
  if (n == 0) return -1;
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 0 : -1;
  g_ctl_len += (size_t)n; g_ctl[g_ctl_len] = 0;
  char *nl;
  while ((nl = strchr(g_ctl, '\n'))) {
    *nl = 0;
    if (!strncmp(g_ctl, "kill ", 5)) {
      char *end = NULL; errno = 0;
      long sig = strtol(g_ctl + 5, &end, 10);
      if (!errno && end && !*end && sig > 0 && sig < 65) kill_tree((int)sig);
    }
    size_t used = (size_t)(nl + 1 - g_ctl);
    memmove(g_ctl, nl + 1, g_ctl_len - used + 1); g_ctl_len -= used;
  }
  if (g_ctl_len >= sizeof g_ctl - 1) g_ctl_len = 0;
  return 0;
}

/* One packet from the jail: 1 (b filled; *fd_out set when a descriptor came with it; *sender
 * the sending process, host view), 0 at EOF (the command exec'd or died), -1 if malformed. */
static int recv_batch(int sock, struct batch *b, int *fd_out, pid_t *sender) {
  union { char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
  struct iovec iov = { .iov_base = b, .iov_len = sizeof *b };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t n;
  do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n <= 0) return n == 0 ? 0 : -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_RIGHTS) memcpy(fd_out, CMSG_DATA(c), sizeof(int));
    if (c->cmsg_type == SCM_CREDENTIALS) { struct ucred cr; memcpy(&cr, CMSG_DATA(c), sizeof cr); *sender = cr.pid; }
  }
  if ((size_t)n < offsetof(struct batch, m) || b->n < 0 || b->n > (int)(sizeof b->m / sizeof b->m[0]) ||
      (size_t)n != batch_size(b)) return -1;
  return 1;
}

static void layer_json(char *buf, size_t cap, const bool *inforce, char reasons[][TXT]) {
  jcat(buf, cap, "[");
  for (int i = 0; i < L_COUNT; i++) {
    jcat(buf, cap, "%s{\"name\":\"%s\",\"inForce\":%s,\"reason\":", i ? "," : "", LAYER_NAMES[i], inforce[i] ? "true" : "false");
    json_str(buf, cap, reasons[i], strlen(reasons[i]));
    jcat(buf, cap, "}");
  }
  jcat(buf, cap, "]");
}

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

/* ---- supervisor: start-up ------------------------------------------------------------------- */
static void parse_args(int argc, char **argv, struct opts *o) {
  memset(o, 0, sizeof *o);
  for (int l = 0; l < L_COUNT; l++) o->want[l] = true;
  o->report = true; o->report_fd = -1;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) { i++; break; }
    else if (!strcmp(a, "--probe")) o->probe = true;
    else if (!strncmp(a, "--no-", 5) && layer_index(a + 5) >= 0) o->want[layer_index(a + 5)] = false;
    else if (!strcmp(a, "--no-report")) o->report = false;
    else if (!strcmp(a, "--trace")) g_trace = true;
    else if ((!strcmp(a, "--require") || !strcmp(a, "--fault")) && v) {
      int l = layer_index(v); if (l < 0) die_usage("unknown layer '%s'", v);
      if (a[2] == 'r') o->require[l] = true; else o->fault[l] = true;
      i++;
    } else if (!strcmp(a, "--require-any") && v) {
      char list[256]; snprintf(list, sizeof list, "%s", v);
      char *save = NULL;
      for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int l = layer_index(t); if (l < 0) die_usage("--require-any: unknown layer '%s'", t);
        o->require_any[l] = true; o->any_required = true;
      }
      i++;
    } else if (!strcmp(a, "--allow-write") && v) {
      if (o->n_allow >= 64) die_usage("too many --allow-write");
      struct stat st; if (stat(v, &st) != 0 || !S_ISDIR(st.st_mode)) die_usage("--allow-write %s: not a directory", v);
      o->allow_write[o->n_allow++] = v; i++;
    } else if (!strcmp(a, "--keep-fd") && v) {
      if (o->n_keep >= MAX_KEEP) die_usage("too many --keep-fd");
      o->keep[o->n_keep++] = (int)parse_num(a, v, 0, INT_MAX); i++;
    } else if (!strcmp(a, "--report-fd") && v) { o->report_fd = (int)parse_num(a, v, 0, INT_MAX); i++; }
    else if (!strcmp(a, "--timeout-ms") && v) { o->timeout_ms = (long)parse_num(a, v, 1, LONG_MAX / 1000000); i++; }
    else if (!strcmp(a, "--memory-bytes") && v) { o->memory = (unsigned long long)parse_num(a, v, 1, LLONG_MAX); i++; }
    else die_usage("unknown option '%s' (see the header of native/jail.c)", a);
  }
  if (!o->probe && i >= argc) die_usage("no command given (hermetic-jail [options] -- COMMAND [ARGS...])");
  o->argv = argv + i;
  /* Node's IPC channel (stdio 'ipc') must reach the jailed Node process. */
  const char *chan = getenv("NODE_CHANNEL_FD");
  if (chan && o->n_keep < MAX_KEEP) o->keep[o->n_keep++] = (int)parse_num("NODE_CHANNEL_FD", chan, 0, INT_MAX);
}

/* A child in new user+network+PID namespaces (pid 1 there), or, where the kernel refuses that,
 * a plain child. Like fork(): 0 in the child. */
static pid_t clone_jail(bool want_ns, bool *pidns, int *err, char *why, size_t cap) {
  *pidns = false; *err = 0; why[0] = 0;
  if (want_ns) {
    /* The new namespace needs its id maps written (a file in /proc). Where that cannot be done —
     * inside another sandbox's Landlock domain, e.g. a jailed paranoid server starting a jailed
     * worker — no namespace is created at all, rather than one with no uid mapping. Opening our
     * own map for writing (and not writing) asks exactly that question. */
    int probe = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
    if (probe < 0) {
      *err = errno;
      snprintf(why, cap, "the user namespace's id maps could not be written here (/proc/self/uid_map: %s; inside another sandbox?)", strerror(*err));
      return fork();
    }
    close(probe);
  }
  if (want_ns) {
    /* CLONE_NEWUSER first (the kernel creates it first in one clone): it lets an unprivileged
     * user create the others, and for root it drops every capability in the host's
     * namespaces (so the jail cannot setns() back into the host network). */
    long pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid >= 0) { *pidns = true; return (pid_t)pid; }
    *err = errno;
    snprintf(why, cap, "clone(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWPID): %s (user namespaces refused: sysctl user.max_user_namespaces, "
             "kernel.apparmor_restrict_unprivileged_userns, or a container's seccomp profile)", strerror(*err));
  }
  return fork();
}

struct started { bool inforce[L_COUNT]; char reasons[L_COUNT][TXT]; int failed_layer; /* -1: none; M_ANY_LAYER */ int fail_err; char fail_text[TXT];
                 int exec_err; int setup_err; int probe_seccomp; char probe_text[TXT]; int nfd; };

/* Collect the jail's start-up packets until EOF (exec happened) or a failure. */
static void collect_start(int sock, const struct opts *o, struct started *s) {
  memset(s, 0, sizeof *s); s->failed_layer = -1; s->probe_seccomp = -1; s->nfd = -1;
  struct batch b;
  for (;;) {
    struct pollfd pfs[2] = { { sock, POLLIN, 0 }, { s->nfd, POLLIN, 0 } };
    /* During the probe, and in general once we have it, a jailed call may already wait for us. */
    if (poll(pfs, s->nfd >= 0 ? 2 : 1, -1) < 0) { if (errno == EINTR) continue; break; }
    if (s->nfd >= 0 && (pfs[1].revents & POLLIN)) {
      if (o->probe) { struct seccomp_notif rq; memset(&rq, 0, sizeof rq);
        if (ioctl(s->nfd, SECCOMP_IOCTL_NOTIF_RECV, &rq) == 0) respond(s->nfd, rq.id, EPERM, 0, false); }
      else handle_notification(s->nfd);
    }
    if (!(pfs[0].revents & (POLLIN | POLLHUP))) continue;
    int fdin = -1; pid_t sender = 0;
    int r = recv_batch(sock, &b, &fdin, &sender);
    if (fdin >= 0) { if (s->nfd < 0) s->nfd = fdin; else close(fdin); }
    if (r <= 0) break;
    if (b.flags & B_HELLO) g.cmd = sender ? sender : g.init;
    trace("supervisor: %d message(s)%s from %s", b.n, fdin >= 0 ? " and the seccomp listener" : "", b.flags & B_HELLO ? "the command" : "the jail");
    for (int k = 0; k < b.n; k++) {
      const struct msg *m = &b.m[k];
      if (m->kind == M_LAYER && m->layer >= 0 && m->layer < L_COUNT) { s->inforce[m->layer] = m->ok; snprintf(s->reasons[m->layer], TXT, "%s", m->text); }
      else if (m->kind == M_FAIL && ((m->layer >= 0 && m->layer < L_COUNT) || m->layer == M_ANY_LAYER)) { s->failed_layer = m->layer; s->fail_err = m->err; snprintf(s->fail_text, sizeof s->fail_text, "%s", m->text); }
      else if (m->kind == M_EXEC_ERR) { s->exec_err = m->err; snprintf(s->fail_text, sizeof s->fail_text, "%s", m->text); }
      else if (m->kind == M_SETUP_FAIL) { s->setup_err = m->err ? m->err : EINVAL; snprintf(s->fail_text, sizeof s->fail_text, "%s", m->text); }
      else if (m->kind == M_PROBE_SECCOMP) { s->probe_seccomp = m->ok; snprintf(s->probe_text, sizeof s->probe_text, "%.200s", m->text); }
    }
  }
  for (int l = 0; l < L_COUNT; l++) if (!s->reasons[l][0]) snprintf(s->reasons[l], TXT, "not reached: the jail stopped before this layer");
}

static int report_probe(const struct started *s) {
  char line[4096];
  int st = 0; waitpid(g.init, &st, 0);
  struct utsname u; uname(&u);
  bool inforce[L_COUNT]; char reasons[L_COUNT][TXT];
  memcpy(inforce, s->inforce, sizeof inforce); memcpy(reasons, s->reasons, sizeof reasons);
  if (s->probe_seccomp == 0) { inforce[L_SECCOMP] = false; snprintf(reasons[L_SECCOMP], TXT, "filter installed but %.200s", s->probe_text); }
  snprintf(line, sizeof line, "{\"event\":\"probe\",\"kernel\":");
  json_str(line, sizeof line, u.release, strlen(u.release));
  jcat(line, sizeof line, ",\"machine\":\"%s\",\"landlockAbi\":%d,\"uid\":%u,\"pidNamespace\":%s,\"layers\":", u.machine, g_landlock_abi, geteuid(), g.pidns ? "true" : "false");
  layer_json(line, sizeof line, inforce, reasons);
  jcat(line, sizeof line, "}\n");
  emit(line);
  return 0;
}

static int report_start_failure(const struct started *s) {
  char line[4096];
  int st = 0; waitpid(g.init, &st, 0);
  bool layer_fail = s->failed_layer != -1;
  const char *code = layer_fail ? "JAIL_LAYER_UNAVAILABLE" : s->setup_err ? "JAIL_SETUP_FAILED" : "JAIL_EXEC_FAILED";
  int e = layer_fail ? s->fail_err : s->setup_err ? s->setup_err : s->exec_err;
  snprintf(line, sizeof line, "{\"event\":\"error\",\"code\":\"%s\",\"layer\":", code);
  if (s->failed_layer >= 0) jcat(line, sizeof line, "\"%s\"", LAYER_NAMES[s->failed_layer]); else jcat(line, sizeof line, "null");
  jcat(line, sizeof line, ",\"errno\":%d,\"message\":", e);
  json_str(line, sizeof line, s->fail_text, strlen(s->fail_text));
  jcat(line, sizeof line, ",\"layers\":");
  layer_json(line, sizeof line, s->inforce, (char (*)[TXT])s->reasons);
  jcat(line, sizeof line, "}\n");
  emit(line);
  if (layer_fail || s->setup_err) return 125;
  /* exec failed: the command's own code (127 not found, 126 not executable) */
  if (g.pidns) return s->exec_err == ENOENT ? 127 : 126;
  return exit_code_of(st);
}

static void report_started(const struct started *s) {
  char line[4096], tmp[32], tmp2[32];
  snprintf(line, sizeof line, "{\"event\":\"started\",\"pid\":%d,\"startTime\":%llu,\"supervisorPid\":%d,\"initPid\":%d,\"pidNamespace\":%s,\"relayed\":[",
           g.cmd, proc_start_time(g.cmd), g.self, g.init, g.pidns ? "true" : "false");
  int k = 0;
  for (int fd = 0; fd < 3; fd++) {
    if (!g_relay[fd].active) continue;
    jcat(line, sizeof line, "%s{\"fd\":%d,\"family\":\"%s\",\"type\":\"%s\"}", k++ ? "," : "", fd, family_name(g_relay[fd].family, tmp), type_name(g_relay[fd].type, tmp2));
  }
  jcat(line, sizeof line, "],\"layers\":");
  layer_json(line, sizeof line, s->inforce, (char (*)[TXT])s->reasons);
  jcat(line, sizeof line, "}\n");
  emit(line);
}

/* ---- supervisor: while the command runs ------------------------------------------------------ */
static int supervise(const struct opts *o, int sfd, int nfd, int status_rd) {
  int tfd = -1;
  if (o->timeout_ms > 0) {
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = { { 0, 0 }, { o->timeout_ms / 1000, (o->timeout_ms % 1000) * 1000000 } };
    if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) != 0) {
      /* A timeout the caller asked for and cannot have: the command must not run unbounded. */
      fprintf(stderr, "hermetic-jail: cannot arm the --timeout-ms timer: %s\n", strerror(errno));
      emit("{\"event\":\"timeout\",\"reason\":\"timer unavailable\"}\n");
      kill_tree(SIGKILL);
    }
  }
  int status = 0; bool child_done = false; bool ctl_open = o->report_fd >= 0;
  while (!child_done) {
    /* The pidfd turns readable when the jail's first process exits: a second, independent
     * wake-up besides SIGCHLD on the signalfd. */
    struct pollfd p[5] = { { sfd, POLLIN, 0 }, { nfd, POLLIN, 0 }, { tfd, POLLIN, 0 }, { ctl_open ? o->report_fd : -1, POLLIN, 0 }, { g.init_pidfd, POLLIN, 0 } };
    if (poll(p, 5, -1) < 0) { if (errno == EINTR) continue; break; }
    if (p[1].revents & POLLIN) handle_notification(nfd);
    if (p[1].revents & (POLLHUP | POLLERR)) { close(nfd); nfd = -1; } /* every jailed process is gone */
    if (p[3].revents & (POLLIN | POLLHUP)) { if (handle_control(o->report_fd) < 0) ctl_open = false; }
    if (p[2].revents & POLLIN) {
      emit("{\"event\":\"timeout\"}\n");
      kill_tree(SIGKILL);
      close(tfd); tfd = -1;
    }
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) continue;
        /* SIGTERM from our own dying parent (PDEATHSIG) takes down the whole tree. Others are
         * forwarded like a terminal would: to the command's process group. */
        if (sig == SIGTERM && getppid() != g.parent) kill_tree(SIGKILL);
        else if (g.cmd > 0) kill(-g.cmd, sig);
      }
    }
    if (p[0].revents & POLLIN || p[4].revents & (POLLIN | POLLHUP | POLLERR)) {
      int st; pid_t w;
      while ((w = waitpid(-1, &st, WNOHANG)) > 0) if (w == g.init) { status = st; child_done = true; }
    }
  }
  trace("supervisor: command exited");
  /* The command is done: nothing it started may outlive it. */
  kill_tree(SIGKILL);
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
  /* Drain attempts the last processes made before dying. */
  if (nfd >= 0) {
    struct pollfd p = { nfd, POLLIN, 0 };
    while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) handle_notification(nfd);
  }
  /* With a PID namespace the init exits with the command: its status came through our pipe
   * (a signal cannot be passed on by dying of it: the init of a namespace ignores them). */
  if (g.pidns && status_rd >= 0) {
    int cst; ssize_t n = read(status_rd, &cst, sizeof cst);
    if (n == (ssize_t)sizeof cst) status = cst;
  }
  return status;
}

int main(int argc, char **argv) {
  clock_gettime(CLOCK_MONOTONIC, &g_t0);
  struct opts o;
  parse_args(argc, argv, &o);
  /* The report fd must exist before we open descriptors of our own: a closed number would be
   * handed to our signalfd, and "reading the control channel" would then swallow SIGCHLD. */
  if (o.report_fd >= 0 && fcntl(o.report_fd, F_GETFD) < 0) die_usage("--report-fd %d is not an open descriptor", o.report_fd);
  if (o.report_fd >= 0) g_report_fd = o.report_fd;
  else if (o.probe) g_report_fd = 1;
  g_landlock_abi = landlock_abi();
  g.self = getpid(); g.init_pidfd = -1;

  /* The supervisor dies with its own parent (then takes the tree down: see SIGTERM below),
   * and adopts orphans of the tree so none can escape by double-forking. */
  g.parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) die_usage("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) die_usage("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask, oldmask;
  sigemptyset(&mask);
  int fwd[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };
  for (size_t k = 0; k < sizeof fwd / sizeof fwd[0]; k++) sigaddset(&mask, fwd[k]);
  sigprocmask(SIG_BLOCK, &mask, &oldmask);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die_usage("signalfd: %s", strerror(errno));

  char why[TXT];
  if (!o.probe && prepare_stdio_relays(why, sizeof why) != 0) die_usage("%s", why);
  int sp[2], st[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) die_usage("socketpair: %s", strerror(errno));
  int one = 1;
  if (setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) die_usage("SO_PASSCRED: %s", strerror(errno));
  if (pipe2(st, O_CLOEXEC) != 0) die_usage("pipe: %s", strerror(errno));
  /* An interactive `hermetic run`: the command takes over the terminal if we have it. */
  bool interactive = !o.probe && isatty(0) && tcgetpgrp(0) == getpgrp();

  struct jail_start js = { .o = &o, .sock = sp[1], .status_fd = st[1], .oldmask = &oldmask, .interactive = interactive, .uid = geteuid(), .gid = getegid() };
  bool want_ns = o.want[L_NAMESPACE] && !o.fault[L_NAMESPACE];
  pid_t pid = clone_jail(want_ns, &js.pidns, &js.ns_err, js.ns_why, sizeof js.ns_why);
  if (pid < 0) die_usage("fork: %s", strerror(errno));
  if (pid == 0) {
    close(sp[0]); close(st[0]);
    for (int fd = 0; fd < 3; fd++) {
      struct relay *r = &g_relay[fd];
      if (!r->active) continue;
      if (dup2(r->pipe_child, fd) < 0) _exit(125);
      close(r->pipe_child); close(r->pipe_ours); close(r->sock);
    }
    jail_main(&js);
  }
  close(sp[1]); close(st[1]);
  g.init = pid; g.cmd = pid; g.pidns = js.pidns;
  g.init_pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
  if (!o.probe && start_stdio_relays(why, sizeof why) != 0) { kill_tree(SIGKILL); die_usage("%s", why); }
  /* The jailed command owns stdin/stdout and the caller's extra descriptors; drop our copies
   * so the caller sees EOF when the command closes them. stderr stays for fatal messages. */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (!o.probe && devnull >= 0) { dup2(devnull, 0); dup2(devnull, 1); }
  for (int k = 0; k < o.n_keep; k++) {
    int fd = o.keep[k];
    /* Never one of our own (a kept number that was not open may have been reused by them). */
    if (fd > 2 && fd != o.report_fd && fd != sfd && fd != sp[0] && fd != st[0] && fd != g.init_pidfd && fd != devnull) close(fd);
  }
  trace("supervisor: child %d forked%s", (int)pid, g.pidns ? " (init of a new PID namespace)" : "");

  struct started s;
  collect_start(sp[0], &o, &s);
  trace("supervisor: child exec'd (or stopped)");
  close(sp[0]);
  /* The filter lets IP sockets exist only where the namespace is the wall (see build_filter). */
  g.observe = o.report && s.inforce[L_NAMESPACE];
  if (o.probe) return report_probe(&s);
  if (s.failed_layer != -1 || s.exec_err || s.setup_err) { finish_stdio_relays(); return report_start_failure(&s); }
  report_started(&s);
  trace("supervisor: started line written");
  int status = supervise(&o, sfd, s.nfd, st[0]);
  finish_stdio_relays();
  char line[128], sig[16] = "null";
  if (WIFSIGNALED(status)) snprintf(sig, sizeof sig, "%d", WTERMSIG(status));
  snprintf(line, sizeof line, "{\"event\":\"exit\",\"code\":%d,\"signal\":%s}\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, sig);
  emit(line);
  trace("supervisor: exit line written");
  return exit_code_of(status);
}
