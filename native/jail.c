/*
 * hermetic-jail: run one command with its network denied by the kernel, and report every
 * attempt it makes. The only C in Hermetic (JavaScript cannot make these system calls).
 *
 *   hermetic-jail [options] -- COMMAND [ARGS...]
 *   hermetic-jail --probe [options]          (capabilities as one JSON object on stdout)
 *
 * Options:
 *   --no-namespace --no-mountns --no-landlock --no-seccomp   leave a layer off
 *   --require LAYER      fail closed (nothing is executed) if LAYER cannot be applied
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
 * Process layout:  caller -> supervisor (this program; subreaper; unjailed)
 *                                -> child: layers applied in order, then execve(COMMAND)
 * The supervisor exits with the command's status (128+N for a signal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

/* ---- layers ------------------------------------------------------------------------------ */
enum { L_NAMESPACE, L_MOUNTNS, L_LANDLOCK, L_SECCOMP, L_COUNT };
static const char *const LAYER_NAMES[L_COUNT] = { "namespace", "mountns", "landlock", "seccomp" };

struct opts {
  bool want[L_COUNT], require[L_COUNT], fault[L_COUNT];
  const char *allow_write[64]; int n_allow;
  int keep[64]; int n_keep;
  int report_fd; bool report;
  long timeout_ms; unsigned long long memory;
  bool probe;
  char **argv;
};

/* What the child tells the supervisor (SOCK_SEQPACKET). The layer results travel together in
 * ONE packet, sent just before exec (or at a failure), with the seccomp listener attached: every
 * packet wakes the supervisor, and on a loaded machine a woken supervisor preempts the child in
 * the middle of its set-up and the child then waits for a CPU again — one wake-up instead of
 * five keeps the jail's start-up from scaling with the machine's load. */
enum { M_LAYER = 1, M_FAIL, M_EXEC_ERR, M_PROBE_SECCOMP };
struct msg { int kind, layer, ok, err; char text[240]; };
struct batch { int n; struct msg m[L_COUNT + 1]; };

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
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define DENY_ERRNO(e) RET(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

/* The decisions are all made here, in the kernel, on integer arguments. "report" means
 * SECCOMP_RET_USER_NOTIF: the supervisor is told, reads the address for the report, and
 * always answers with an error — it never lets a call continue on a pointer it inspected. */
static int build_filter(struct sock_filter *f, bool report) {
  const uint32_t R = report ? SECCOMP_RET_USER_NOTIF : (SECCOMP_RET_ERRNO | EPERM);
  int n = 0;
#define P(x) (f[n++] = (struct sock_filter)x)
  /* A foreign architecture (i386 `int 0x80`, which has socketcall) would walk around every
   * syscall-number check below: kill the process. */
  P(LD(offsetof(struct seccomp_data, arch)));
  P(JEQ(HL_AUDIT_ARCH, 1, 0));
  P(RET(SECCOMP_RET_KILL_PROCESS));
  P(LD(offsetof(struct seccomp_data, nr)));
#if defined(__x86_64__)
  /* x32 ABI: same arch value, syscall numbers with bit 30 set — kill it too. */
  P(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
  P(RET(SECCOMP_RET_KILL_PROCESS));
#endif
  /* socket(family, type, proto): only AF_UNIX SOCK_STREAM (ignoring CLOEXEC/NONBLOCK flags).
   * Unix datagram sockets are refused because sendmsg() to a path (journald...) needs no
   * connect(), and seccomp cannot read a msghdr. */
  P(JEQ(__NR_socket, 0, 7));
  P(LD(ARG_LO(0)));
  P(JEQ(AF_UNIX, 0, 4));
  P(LD(ARG_LO(1)));
  P(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(uint32_t)(SOCK_CLOEXEC | SOCK_NONBLOCK)));
  P(JEQ(SOCK_STREAM, 0, 1));
  P(RET(SECCOMP_RET_ALLOW));
  P(RET(R));
  P(LD(offsetof(struct seccomp_data, nr)));
  /* socketpair(AF_UNIX, STREAM|SEQPACKET): Node/libuv pipes and IPC. A pair reaches nothing but
   * itself; SEQPACKET ignores a destination name. Datagram pairs could sendmsg() to a path. */
  P(JEQ(__NR_socketpair, 0, 8));
  P(LD(ARG_LO(0)));
  P(JEQ(AF_UNIX, 0, 5));
  P(LD(ARG_LO(1)));
  P(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(uint32_t)(SOCK_CLOEXEC | SOCK_NONBLOCK)));
  P(JEQ(SOCK_STREAM, 1, 0));
  P(JEQ(SOCK_SEQPACKET, 0, 1));
  P(RET(SECCOMP_RET_ALLOW));
  P(RET(R));
  P(LD(offsetof(struct seccomp_data, nr)));
  /* connect(): a jailed worker talks to its parent over inherited descriptors only. */
  P(JEQ(__NR_connect, 0, 1));
  P(RET(R));
  /* sendto() with a destination address (also covers TCP Fast Open's MSG_FASTOPEN). */
  P(JEQ(__NR_sendto, 0, 6));
  P(LD(ARG_LO(4)));
  P(JEQ(0, 0, 3));
  P(LD(ARG_HI(4)));
  P(JEQ(0, 0, 1));
  P(RET(SECCOMP_RET_ALLOW));
  P(RET(R));
  P(LD(offsetof(struct seccomp_data, nr)));
  /* io_uring can create and connect sockets behind seccomp's back: ENOSYS, as if absent.
   * Not reported: libuv (Node >= 24) probes io_uring_setup for every event loop and falls
   * back to epoll, so a report would be noise on every start, not a network attempt. */
  P(JEQ(__NR_io_uring_setup, 0, 1));
  P(DENY_ERRNO(ENOSYS));
  P(JEQ(__NR_io_uring_enter, 0, 1));
  P(DENY_ERRNO(ENOSYS));
  P(JEQ(__NR_io_uring_register, 0, 1));
  P(DENY_ERRNO(ENOSYS));
  /* Reaching into another process of the same user (its sockets, its memory) or joining
   * another namespace would leave the jail sideways. Landlock also forbids ptrace outwards;
   * this holds when Landlock is off. */
  P(JEQ(__NR_ptrace, 0, 1));
  P(DENY_ERRNO(EPERM));
  P(JEQ(__NR_process_vm_readv, 0, 1));
  P(DENY_ERRNO(EPERM));
  P(JEQ(__NR_process_vm_writev, 0, 1));
  P(DENY_ERRNO(EPERM));
  P(JEQ(__NR_pidfd_getfd, 0, 1));
  P(DENY_ERRNO(EPERM));
  P(JEQ(__NR_setns, 0, 1));
  P(DENY_ERRNO(EPERM));
  P(RET(SECCOMP_RET_ALLOW));
#undef P
  return n;
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

static int apply_namespace(char *why, size_t cap) {
  uid_t uid = geteuid(); gid_t gid = getegid();
  /* A new user namespace first: it lets an unprivileged user create the network namespace,
   * and for root it drops every capability in the host's namespaces (so the child cannot
   * setns() back into the host network). */
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
    int e = errno;
    snprintf(why, cap, "unshare(CLONE_NEWUSER|CLONE_NEWNET): %s (user namespaces refused: "
             "sysctl user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns, or a "
             "container's seccomp profile)", strerror(e));
    return e;
  }
  char map[64]; int e;
  /* Map our own uid/gid to themselves: inside, we look like the same user. */
  snprintf(map, sizeof map, "%u %u 1\n", uid, uid);
  if ((e = write_file("/proc/self/uid_map", map))) { snprintf(why, cap, "writing uid_map: %s", strerror(e)); return e; }
  if ((e = write_file("/proc/self/setgroups", "deny")) && e != ENOENT) { snprintf(why, cap, "writing setgroups: %s", strerror(e)); return e; }
  snprintf(map, sizeof map, "%u %u 1\n", gid, gid);
  if ((e = write_file("/proc/self/gid_map", map))) { snprintf(why, cap, "writing gid_map: %s", strerror(e)); return e; }
  snprintf(why, cap, "new user+network namespace: only a private, down loopback exists (uid %u mapped to itself)", uid);
  return 0;
}

/* Folders holding host daemon sockets. A filesystem unix socket crosses network namespaces
 * (nscd, systemd-resolved, D-Bus, docker.sock, X11, a local proxy): hide them under an empty,
 * read-only tmpfs. /var/run is normally a symlink to /run and is then covered by it. */
static const char *const HIDDEN_DIRS[] = { "/run", "/var/run", "/var/run/nscd", "/tmp/.X11-unix", "/tmp/.ICE-unix", NULL };

static int apply_mountns(char *why, size_t cap) {
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
  snprintf(why, cap, "mount namespace: host daemon socket folders hidden (%s)", hidden[0] ? hidden : "none present");
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

static int apply_seccomp(bool report, int *listener, char *why, size_t cap) {
  struct sock_filter f[96];
  if (HL_AUDIT_ARCH == 0) { snprintf(why, cap, "seccomp filter not written for this CPU architecture"); return ENOSYS; }
  int n = build_filter(f, report);
  struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
  long fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, report ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
  if (fd < 0) { int e = errno; snprintf(why, cap, "seccomp(SET_MODE_FILTER%s): %s", report ? ", NEW_LISTENER" : "", strerror(e)); return e; }
  *listener = report ? (int)fd : -1;
  snprintf(why, cap, "seccomp filter: sockets other than AF_UNIX stream, connect(), sendto() with an address, io_uring (ENOSYS, unreported)%s",
           report ? "; attempts denied and reported by the supervisor" : "; attempts denied in-kernel (not reported)");
  return 0;
}

static void batch_add(struct batch *b, int kind, int layer, int ok, int err, const char *text) {
  if (b->n >= (int)(sizeof b->m / sizeof b->m[0])) return; /* cannot happen: one per layer + one */
  struct msg *m = &b->m[b->n++];
  memset(m, 0, sizeof *m);
  m->kind = kind; m->layer = layer; m->ok = ok; m->err = err;
  snprintf(m->text, sizeof m->text, "%s", text ? text : "");
}

/* One packet: the collected messages, plus `fd` (the seccomp listener) when >= 0. */
static void batch_send(int sock, struct batch *b, int fd) {
  struct iovec iov = { .iov_base = b, .iov_len = offsetof(struct batch, m) + (size_t)b->n * sizeof b->m[0] };
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
  b->n = 0;
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* Close every descriptor but stdio, the ones asked for, and our own channel (which is
 * close-on-exec). An inherited, already-connected socket would walk past every layer. */
static void close_inherited(const struct opts *o, int sock) {
  int keep[70], n = 0;
  keep[n++] = 0; keep[n++] = 1; keep[n++] = 2; keep[n++] = sock;
  for (int i = 0; i < o->n_keep; i++) keep[n++] = o->keep[i];
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

/* Runs in the forked child. Never returns. */
static void child_main(const struct opts *o, int sock, const sigset_t *oldmask) {
  char why[240];
  /* 1. Die with the supervisor; own process group (the supervisor kills the group). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(125); /* the supervisor is already gone */
  setpgid(0, 0);
  /* An interactive `hermetic run`: hand the terminal to our new group so reads don't stop us. */
  if (!o->probe && isatty(0) && tcgetpgrp(0) == getpgid(getppid())) {
    signal(SIGTTOU, SIG_IGN); tcsetpgrp(0, getpgrp()); signal(SIGTTOU, SIG_DFL);
  }
  bool in_force[L_COUNT] = { false };
  struct batch b; b.n = 0;
  int listener = -1; /* the seccomp notification fd, handed to the supervisor with the batch */
  trace("child: forked");
  for (int l = 0; l < L_COUNT; l++) {
    if (!o->want[l]) {
      if (o->require[l]) { batch_add(&b, M_FAIL, l, 0, EINVAL, "layer is both required and disabled"); batch_send(sock, &b, -1); _exit(125); }
      batch_add(&b, M_LAYER, l, 0, 0, "disabled by the caller");
      continue;
    }
    int e = 0;
    if (o->fault[l]) { e = EPERM; snprintf(why, sizeof why, "fault injected (--fault %s): behaving as if the kernel refused it", LAYER_NAMES[l]); }
    else if (l == L_MOUNTNS && !in_force[L_NAMESPACE]) { e = EPERM; snprintf(why, sizeof why, "needs the user namespace layer, which is not in force"); }
    else {
      switch (l) {
        case L_NAMESPACE: e = apply_namespace(why, sizeof why); break;
        case L_MOUNTNS: e = apply_mountns(why, sizeof why); break;
        case L_LANDLOCK:
          /* 3. no_new_privs first: required for unprivileged Landlock and seccomp, and it keeps
           * setuid binaries from regaining privileges inside the jail. */
          prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
          e = apply_landlock(o, why, sizeof why); break;
        case L_SECCOMP:
          prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
          e = apply_seccomp(o->report, &listener, why, sizeof why); break;
      }
    }
    trace("child: %s %s", LAYER_NAMES[l], e ? "failed" : "applied");
    if (e && o->require[l]) { batch_add(&b, M_FAIL, l, 0, e, why); batch_send(sock, &b, -1); _exit(125); }
    in_force[l] = e == 0;
    batch_add(&b, M_LAYER, l, e == 0, e, why);
  }
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (o->probe) {
    /* The supervisor needs the listener before the test call below, which waits for its answer. */
    batch_send(sock, &b, listener);
    if (listener >= 0) close(listener);
    /* End-to-end check of the seccomp path: a real blocked call must come back EPERM (with
     * the supervisor answering, when reporting). */
    if (in_force[L_SECCOMP]) {
      int s = socket(AF_INET, SOCK_DGRAM, 0);
      int e = s < 0 ? errno : 0;
      if (s >= 0) close(s);
      batch_add(&b, M_PROBE_SECCOMP, L_SECCOMP, e == EPERM, e, e == EPERM ? "socket(AF_INET) answered EPERM" : "socket(AF_INET) was NOT refused");
      batch_send(sock, &b, -1);
    }
    _exit(0);
  }
  /* RLIMIT_DATA, not RLIMIT_AS: V8 reserves ~10 GiB of PROT_NONE address space per
   * WebAssembly memory (tesseract.js), which RLIMIT_AS counts and RLIMIT_DATA does not; what
   * RLIMIT_DATA counts (brk heap, private writable mappings) is what a job really uses. */
  if (o->memory) { struct rlimit rl = { o->memory, o->memory }; setrlimit(RLIMIT_DATA, &rl); }
  /* The supervisor ignores SIGPIPE and blocks signals for its signalfd; neither may leak. */
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, oldmask, NULL);
  /* Every layer result in one packet, then the listener leaves this process for good: a jailed
   * program holding it could answer its own notifications. (close_inherited would close it
   * too; this makes it explicit.) */
  batch_send(sock, &b, listener);
  if (listener >= 0) close(listener);
  close_inherited(o, sock);
  trace("child: exec %s", o->argv[0]);
  execvp(o->argv[0], o->argv);
  int e = errno;
  snprintf(why, sizeof why, "cannot execute %s: %s", o->argv[0], strerror(e));
  batch_add(&b, M_EXEC_ERR, -1, 0, e, why);
  batch_send(sock, &b, -1);
  _exit(e == ENOENT ? 127 : 126);
}

/* ---- supervisor side ----------------------------------------------------------------------- */
static pid_t g_child;
static pid_t g_parent; /* our own parent at start: PDEATHSIG is told apart by a changed getppid() */
static int g_pidfd = -1;

/* Every live descendant, found through /proc/<pid>/task/<tid>/children. We are a subreaper,
 * so orphans of the tree are re-parented to us and stay findable. */
static int collect_tree(pid_t root, pid_t *out, int cap, int n) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", root);
  DIR *d = opendir(path);
  if (!d) return n;
  struct dirent *de;
  while ((de = readdir(d)) && n < cap) {
    if (de->d_name[0] == '.') continue;
    char cp[300];
    snprintf(cp, sizeof cp, "/proc/%d/task/%s/children", root, de->d_name);
    FILE *f = fopen(cp, "re");
    if (!f) continue;
    int pid;
    while (n < cap && fscanf(f, "%d", &pid) == 1) { out[n++] = pid; n = collect_tree(pid, out, cap, n); }
    fclose(f);
  }
  closedir(d);
  return n;
}

static void kill_tree(int sig) {
  if (g_pidfd >= 0) syscall(__NR_pidfd_send_signal, g_pidfd, sig, NULL, 0);
  else if (g_child > 0) kill(g_child, sig);
  for (int round = 0; round < (sig == SIGKILL ? 20 : 1); round++) {
    pid_t pids[4096];
    int n = collect_tree(getpid(), pids, 4096, 0);
    if (n == 0) break;
    for (int i = 0; i < n; i++) kill(pids[i], sig);
  }
}

static unsigned long long proc_start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the command name may contain spaces and parens */
  if (!p) return 0;
  unsigned long long v = 0;
  /* after ")": field 3 (state) ... field 22 (starttime) is the 20th token */
  char *tok = strtok(p + 1, " ");
  for (int i = 3; tok && i < 22; i++) tok = strtok(NULL, " ");
  if (tok) v = strtoull(tok, NULL, 10);
  return v;
}

/* Read the sockaddr argument of the blocked call for the report only. */
static void describe_addr(pid_t pid, uint64_t ptr, uint64_t len, char *out, size_t cap) {
  struct sockaddr_storage ss; memset(&ss, 0, sizeof ss);
  if (!ptr || len < sizeof(sa_family_t)) return;
  if (len > sizeof ss) len = sizeof ss;
  struct iovec local = { &ss, (size_t)len }, remote = { (void *)(uintptr_t)ptr, (size_t)len };
  if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0) return;
  char tmp[32], ip[INET6_ADDRSTRLEN];
  size_t l = strlen(out);
  l += (size_t)snprintf(out + l, cap - l, ",\"family\":\"%s\"", family_name(ss.ss_family, tmp));
  if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    snprintf(out + l, cap - l, ",\"address\":\"%s\",\"port\":%u", ip, ntohs(a->sin_port));
  } else if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    snprintf(out + l, cap - l, ",\"address\":\"%s\",\"port\":%u", ip, ntohs(a->sin6_port));
  } else if (ss.ss_family == AF_UNIX) {
    struct sockaddr_un *a = (struct sockaddr_un *)&ss;
    size_t plen = len - offsetof(struct sockaddr_un, sun_path);
    char path[sizeof a->sun_path + 1];
    if (plen > sizeof a->sun_path) plen = sizeof a->sun_path;
    if (plen > 0 && a->sun_path[0] == 0) { /* abstract: shown as @name */
      path[0] = '@'; memcpy(path + 1, a->sun_path + 1, plen - 1);
    } else { memcpy(path, a->sun_path, plen); plen = strnlen(path, plen); }
    snprintf(out + l, cap - l, ",\"path\":");
    json_str(out, cap, path, plen);
  }
}

static void handle_notification(int nfd) {
  struct seccomp_notif req; struct seccomp_notif_resp resp;
  memset(&req, 0, sizeof req); /* the kernel insists on a zeroed buffer */
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;
  char line[1024], tmp[32], ts[40];
  const int nr = req.data.nr;
  const char *name = nr == __NR_socket ? "socket" : nr == __NR_socketpair ? "socketpair" : nr == __NR_connect ? "connect" :
                     nr == __NR_sendto ? "sendto" : "unknown";
  const int err = EPERM;
  snprintf(line, sizeof line, "{\"event\":\"attempt\",\"pid\":%d,\"syscall\":\"%s\"", req.pid, name);
  size_t l = strlen(line);
  if (nr == __NR_socket || nr == __NR_socketpair) {
    snprintf(line + l, sizeof line - l, ",\"family\":\"%s\",\"type\":\"%s\",\"protocol\":%d",
             family_name((int)req.data.args[0], tmp), type_name((int)req.data.args[1], tmp + 16), (int)req.data.args[2]);
  } else if (nr == __NR_connect) {
    describe_addr(req.pid, req.data.args[1], req.data.args[2], line, sizeof line);
  } else if (nr == __NR_sendto) {
    describe_addr(req.pid, req.data.args[4], req.data.args[5], line, sizeof line);
    l = strlen(line);
    snprintf(line + l, sizeof line - l, ",\"flags\":%u", (unsigned)req.data.args[3]);
  }
  /* Answer first (the caller waits), then report. The answer is always an error. */
  memset(&resp, 0, sizeof resp);
  resp.id = req.id; resp.error = -err; resp.val = 0; resp.flags = 0;
  ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* fails harmlessly if the caller was killed */
  iso_now(ts, sizeof ts);
  l = strlen(line);
  snprintf(line + l, sizeof line - l, ",\"errno\":\"%s\",\"ts\":\"%s\"}\n", err == ENOSYS ? "ENOSYS" : "EPERM", ts);
  emit(line);
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
    int sig;
    if (sscanf(g_ctl, "kill %d", &sig) == 1 && sig > 0 && sig < 65) kill_tree(sig);
    size_t used = (size_t)(nl + 1 - g_ctl);
    memmove(g_ctl, nl + 1, g_ctl_len - used + 1); g_ctl_len -= used;
  }
  if (g_ctl_len >= sizeof g_ctl - 1) g_ctl_len = 0;
  return 0;
}

/* One packet from the child: 1 (b filled, *fd_out set when a descriptor came with it), 0 at
 * EOF (the child exec'd or died), -1 on a malformed packet. */
static int recv_batch(int sock, struct batch *b, int *fd_out) {
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct iovec iov = { .iov_base = b, .iov_len = sizeof *b };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t n;
  do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n <= 0) return n == 0 ? 0 : -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  if ((size_t)n < offsetof(struct batch, m) || b->n < 0 || b->n > (int)(sizeof b->m / sizeof b->m[0]) ||
      (size_t)n != offsetof(struct batch, m) + (size_t)b->n * sizeof b->m[0]) return -1;
  return 1;
}

static void layer_json(char *buf, size_t cap, const bool *inforce, char reasons[][240]) {
  size_t l = strlen(buf);
  l += (size_t)snprintf(buf + l, cap - l, "[");
  for (int i = 0; i < L_COUNT; i++) {
    l += (size_t)snprintf(buf + l, cap - l, "%s{\"name\":\"%s\",\"inForce\":%s,\"reason\":", i ? "," : "", LAYER_NAMES[i], inforce[i] ? "true" : "false");
    json_str(buf, cap, reasons[i], strlen(reasons[i]));
    l = strlen(buf);
    l += (size_t)snprintf(buf + l, cap - l, "}");
  }
  snprintf(buf + l, cap - l, "]");
}

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

int main(int argc, char **argv) {
  clock_gettime(CLOCK_MONOTONIC, &g_t0);
  struct opts o; memset(&o, 0, sizeof o);
  for (int l = 0; l < L_COUNT; l++) o.want[l] = true;
  o.report = true; o.report_fd = -1;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) { i++; break; }
    else if (!strcmp(a, "--probe")) o.probe = true;
    else if (!strncmp(a, "--no-", 5) && layer_index(a + 5) >= 0) o.want[layer_index(a + 5)] = false;
    else if (!strcmp(a, "--no-report")) o.report = false;
    else if (!strcmp(a, "--trace")) g_trace = true;
    else if ((!strcmp(a, "--require") || !strcmp(a, "--fault")) && v) {
      int l = layer_index(v); if (l < 0) die_usage("unknown layer '%s'", v);
      if (a[2] == 'r') o.require[l] = true; else o.fault[l] = true;
      i++;
    } else if (!strcmp(a, "--allow-write") && v) {
      if (o.n_allow >= 64) die_usage("too many --allow-write");
      struct stat st; if (stat(v, &st) != 0 || !S_ISDIR(st.st_mode)) die_usage("--allow-write %s: not a directory", v);
      o.allow_write[o.n_allow++] = v; i++;
    } else if (!strcmp(a, "--keep-fd") && v) {
      if (o.n_keep >= 60) die_usage("too many --keep-fd");
      o.keep[o.n_keep++] = atoi(v); i++;
    } else if (!strcmp(a, "--report-fd") && v) { o.report_fd = atoi(v); i++; }
    else if (!strcmp(a, "--timeout-ms") && v) { o.timeout_ms = atol(v); i++; }
    else if (!strcmp(a, "--memory-bytes") && v) { o.memory = strtoull(v, NULL, 10); i++; }
    else die_usage("unknown option '%s' (see the header of native/jail.c)", a);
  }
  if (!o.probe && i >= argc) die_usage("no command given (hermetic-jail [options] -- COMMAND [ARGS...])");
  o.argv = argv + i;
  /* Node's IPC channel (stdio 'ipc') must reach the jailed Node process. */
  const char *chan = getenv("NODE_CHANNEL_FD");
  if (chan && o.n_keep < 60) o.keep[o.n_keep++] = atoi(chan);
  /* The report fd must exist before we open descriptors of our own: a closed number would be
   * handed to our signalfd, and "reading the control channel" would then swallow SIGCHLD. */
  if (o.report_fd >= 0 && fcntl(o.report_fd, F_GETFD) < 0) die_usage("--report-fd %d is not an open descriptor", o.report_fd);
  if (o.report_fd >= 0) g_report_fd = o.report_fd;
  else if (o.probe) g_report_fd = 1;
  g_landlock_abi = landlock_abi();

  /* The supervisor dies with its own parent (then takes the tree down: see SIGTERM below),
   * and adopts orphans of the tree so none can escape by double-forking. */
  g_parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask, oldmask;
  sigemptyset(&mask);
  int fwd[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };
  for (size_t k = 0; k < sizeof fwd / sizeof fwd[0]; k++) sigaddset(&mask, fwd[k]);
  sigprocmask(SIG_BLOCK, &mask, &oldmask);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) { perror("hermetic-jail: socketpair"); return 125; }
  pid_t pid = fork();
  if (pid < 0) { perror("hermetic-jail: fork"); return 125; }
  if (pid == 0) { close(sp[0]); child_main(&o, sp[1], &oldmask); }
  close(sp[1]);
  g_child = pid;
  g_pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
  unsigned long long start_time = proc_start_time(pid);
  /* The jailed command owns stdin/stdout and the caller's extra descriptors; drop our copies
   * so the caller sees EOF when the command closes them. stderr stays for fatal messages. */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (!o.probe && devnull >= 0) { dup2(devnull, 0); dup2(devnull, 1); }
  for (int k = 0; k < o.n_keep; k++) {
    int fd = o.keep[k];
    /* Never one of our own (a kept number that was not open may have been reused by them). */
    if (fd > 2 && fd != o.report_fd && fd != sfd && fd != sp[0] && fd != g_pidfd && fd != devnull) close(fd);
  }
  trace("supervisor: child %d forked", (int)pid);

  /* Collect the layer results, the listener fd, then EOF (exec happened) or an exec error. */
  bool inforce[L_COUNT] = { false }; char reasons[L_COUNT][240]; memset(reasons, 0, sizeof reasons);
  int nfd = -1; struct batch b; int failed_layer = -1; char fail_text[240] = ""; int exec_err = 0; int fail_err = 0;
  int probe_seccomp = -1; char probe_text[240] = "";
  for (;;) {
    struct pollfd pf = { sp[0], POLLIN, 0 };
    /* During the probe the child's test socket() call needs an answer from us. */
    struct pollfd pfs[2] = { pf, { nfd, POLLIN, 0 } };
    if (poll(pfs, nfd >= 0 ? 2 : 1, -1) < 0) { if (errno == EINTR) continue; break; }
    if (nfd >= 0 && (pfs[1].revents & POLLIN)) {
      if (o.probe) { struct seccomp_notif rq; memset(&rq, 0, sizeof rq);
        if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &rq) == 0) { struct seccomp_notif_resp rs; memset(&rs, 0, sizeof rs); rs.id = rq.id; rs.error = -EPERM; ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &rs); } }
      else handle_notification(nfd);
    }
    if (!(pfs[0].revents & (POLLIN | POLLHUP))) continue;
    int fdin = -1;
    int r = recv_batch(sp[0], &b, &fdin);
    if (fdin >= 0) { if (nfd < 0) nfd = fdin; else close(fdin); }
    if (r <= 0) break;
    trace("supervisor: %d message(s)%s from the child", b.n, fdin >= 0 ? " and the seccomp listener" : "");
    for (int k = 0; k < b.n; k++) {
      const struct msg *m = &b.m[k];
      if (m->kind == M_LAYER && m->layer >= 0 && m->layer < L_COUNT) { inforce[m->layer] = m->ok; snprintf(reasons[m->layer], 240, "%.239s", m->text); }
      else if (m->kind == M_FAIL && m->layer >= 0 && m->layer < L_COUNT) { failed_layer = m->layer; fail_err = m->err; snprintf(fail_text, sizeof fail_text, "%.239s", m->text); }
      else if (m->kind == M_EXEC_ERR) { exec_err = m->err; snprintf(fail_text, sizeof fail_text, "%.239s", m->text); }
      else if (m->kind == M_PROBE_SECCOMP) { probe_seccomp = m->ok; snprintf(probe_text, sizeof probe_text, "%.239s", m->text); }
    }
  }
  trace("supervisor: child exec'd (or stopped)");
  close(sp[0]);
  for (int l = 0; l < L_COUNT; l++) if (!reasons[l][0]) snprintf(reasons[l], 240, "not reached: the jail stopped before this layer");

  char line[4096];
  if (o.probe) {
    int st = 0; waitpid(pid, &st, 0);
    struct utsname u; uname(&u);
    if (probe_seccomp == 0) { inforce[L_SECCOMP] = false; snprintf(reasons[L_SECCOMP], 240, "filter installed but %s", probe_text); }
    snprintf(line, sizeof line, "{\"event\":\"probe\",\"kernel\":");
    json_str(line, sizeof line, u.release, strlen(u.release));
    size_t l = strlen(line);
    snprintf(line + l, sizeof line - l, ",\"machine\":\"%s\",\"landlockAbi\":%d,\"uid\":%u,\"layers\":", u.machine, g_landlock_abi, geteuid());
    layer_json(line, sizeof line, inforce, reasons);
    l = strlen(line);
    snprintf(line + l, sizeof line - l, "}\n");
    emit(line);
    return 0;
  }
  if (failed_layer >= 0 || exec_err) {
    int st = 0; waitpid(pid, &st, 0);
    const char *code = failed_layer >= 0 ? "JAIL_LAYER_UNAVAILABLE" : "JAIL_EXEC_FAILED";
    snprintf(line, sizeof line, "{\"event\":\"error\",\"code\":\"%s\",\"layer\":%s%s%s,\"errno\":%d,\"message\":", code,
             failed_layer >= 0 ? "\"" : "", failed_layer >= 0 ? LAYER_NAMES[failed_layer] : "null", failed_layer >= 0 ? "\"" : "", failed_layer >= 0 ? fail_err : exec_err);
    json_str(line, sizeof line, fail_text, strlen(fail_text));
    size_t l = strlen(line);
    snprintf(line + l, sizeof line - l, ",\"layers\":");
    layer_json(line, sizeof line, inforce, reasons);
    l = strlen(line);
    snprintf(line + l, sizeof line - l, "}\n");
    emit(line);
    return failed_layer >= 0 ? 125 : exit_code_of(st);
  }
  snprintf(line, sizeof line, "{\"event\":\"started\",\"pid\":%d,\"startTime\":%llu,\"supervisorPid\":%d,\"layers\":", pid, start_time, getpid());
  layer_json(line, sizeof line, inforce, reasons);
  size_t l0 = strlen(line);
  snprintf(line + l0, sizeof line - l0, "}\n");
  emit(line);
  trace("supervisor: started line written");

  int tfd = -1;
  if (o.timeout_ms > 0) {
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = { { 0, 0 }, { o.timeout_ms / 1000, (o.timeout_ms % 1000) * 1000000 } };
    timerfd_settime(tfd, 0, &its, NULL);
  }
  int status = 0; bool child_done = false; bool ctl_open = o.report_fd >= 0;
  while (!child_done) {
    /* The pidfd turns readable when the command exits: a second, independent wake-up besides
     * SIGCHLD on the signalfd. */
    struct pollfd p[5] = { { sfd, POLLIN, 0 }, { nfd, POLLIN, 0 }, { tfd, POLLIN, 0 }, { ctl_open ? o.report_fd : -1, POLLIN, 0 }, { g_pidfd, POLLIN, 0 } };
    if (poll(p, 5, -1) < 0) { if (errno == EINTR) continue; break; }
    if (p[1].revents & POLLIN) handle_notification(nfd);
    if (p[1].revents & (POLLHUP | POLLERR)) { close(nfd); nfd = -1; } /* every jailed process is gone */
    if (p[3].revents & (POLLIN | POLLHUP)) { if (handle_control(o.report_fd) < 0) ctl_open = false; }
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
        /* Forward like a terminal would: to the jailed process group. SIGTERM from our own
         * dying parent (PDEATHSIG) takes down the whole tree. */
        if (sig == SIGTERM && getppid() != g_parent) { kill_tree(SIGKILL); }
        else kill(-pid, sig);
      }
    }
    if (p[0].revents & POLLIN || p[4].revents & (POLLIN | POLLHUP | POLLERR)) {
      int st; pid_t w;
      while ((w = waitpid(-1, &st, WNOHANG)) > 0) if (w == pid) { status = st; child_done = true; }
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
  char sig[16] = "null";
  if (WIFSIGNALED(status)) snprintf(sig, sizeof sig, "%d", WTERMSIG(status));
  snprintf(line, sizeof line, "{\"event\":\"exit\",\"code\":%d,\"signal\":%s}\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, sig);
  emit(line);
  trace("supervisor: exit line written");
  return exit_code_of(status);
}
