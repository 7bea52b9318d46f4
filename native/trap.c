/*
 * hermetic-trap: the frame recorder of `hermetic prove`. It runs inside the trap's "internet"
 * namespace and writes every frame seen on one interface to a pcap file, so that "no packet
 * left the jail" is counted by the kernel's own packet tap, not by anything the application
 * says about itself. Node cannot open AF_PACKET sockets, hence this small C program.
 *
 *   hermetic-trap IFACE OUT.pcap [MAX_BYTES]
 *
 * - Writes a pcap file (LINKTYPE_LINUX_SLL: every record keeps the kernel's packet type, so a
 *   reader can tell frames that ARRIVED from the jail side from frames this side sent).
 * - Prints {"event":"ready","ifindex":N} on stdout once the socket is bound: nothing sent
 *   after that line can be missed.
 * - Stops on SIGTERM/SIGINT or when stdin reaches EOF (the caller died), then prints
 *   {"event":"stats","frames":N,"kernelDrops":D,"truncated":T,"notWritten":W} — a capture that
 *   dropped frames cannot prove anything, and the caller says so. Past 64 MiB, frames are
 *   counted but not written (W), so a flood cannot fill the disk.
 * Needs CAP_NET_RAW in the namespace's owner (root in an unprivileged user namespace has it).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SNAPLEN 65535
#define LINKTYPE_LINUX_SLL 113
/* A runaway leak must not fill the disk: past this many bytes of records (default; the third
 * argument overrides it, for tests), frames are still counted ("notWritten") but not written. */
#define MAX_FILE_BYTES (64UL << 20)

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

/* Every write completes or the capture is declared broken: a half-written file would be
 * read as "fewer frames", which is the one mistake this program must never make. */
static int write_all(int fd, const struct iovec *iov, int n) {
  struct iovec v[4];
  memcpy(v, iov, sizeof v[0] * (size_t)n);
  int i = 0;
  while (i < n) {
    ssize_t w = writev(fd, v + i, n - i);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    while (i < n && (size_t)w >= v[i].iov_len) { w -= (ssize_t)v[i].iov_len; i++; }
    if (i < n) { v[i].iov_base = (char *)v[i].iov_base + w; v[i].iov_len -= (size_t)w; }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) { fprintf(stderr, "usage: hermetic-trap IFACE OUT.pcap [MAX_BYTES]\n"); return 2; }
  unsigned long max_bytes = argc == 4 ? strtoul(argv[3], NULL, 10) : MAX_FILE_BYTES;
  unsigned ifindex = if_nametoindex(argv[1]);
  if (!ifindex) { fprintf(stderr, "hermetic-trap: no interface %s: %s\n", argv[1], strerror(errno)); return 1; }
  int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) { fprintf(stderr, "hermetic-trap: %s: %s\n", argv[2], strerror(errno)); return 1; }

  /* SOCK_DGRAM: the kernel strips the link-layer header and tells us its facts in sockaddr_ll,
   * which is exactly what a LINUX_SLL record holds. */
  int s = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (s < 0) { fprintf(stderr, "hermetic-trap: socket(AF_PACKET): %s\n", strerror(errno)); return 1; }
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)ifindex };
  if (bind(s, (struct sockaddr *)&sll, sizeof sll) != 0) { fprintf(stderr, "hermetic-trap: bind: %s\n", strerror(errno)); return 1; }
  int rcvbuf = 8 << 20; /* a burst must not overflow the socket while we write */
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  /* Frames that reached the socket between socket() and bind() may come from any interface:
   * they are filtered by ifindex below. The counters start now. */
  struct tpacket_stats st; socklen_t sl = sizeof st;
  getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl);

  /* pcap global header: magic, version 2.4, thiszone 0, sigfigs 0, snaplen, linktype. */
  struct { uint32_t magic; uint16_t major, minor; int32_t zone; uint32_t sigfigs, snaplen, linktype; } gh =
    { 0xa1b2c3d4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_LINUX_SLL };
  struct iovec ghv = { &gh, sizeof gh };
  if (write_all(out, &ghv, 1) != 0) { perror("hermetic-trap: write"); return 1; }

  struct sigaction sa; memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: a blocked poll() returns at once */
  sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  printf("{\"event\":\"ready\",\"ifindex\":%u}\n", ifindex); fflush(stdout);

  static unsigned char buf[SNAPLEN];
  unsigned long frames = 0, truncated = 0, drops = 0, not_written = 0, written_bytes = 0;
  int stdin_open = 1;
  while (!g_stop) {
    struct pollfd p[2] = { { s, POLLIN, 0 }, { stdin_open ? 0 : -1, POLLIN, 0 } };
    if (poll(p, 2, -1) < 0) { if (errno == EINTR) continue; break; }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      char c; ssize_t r = read(0, &c, 1);
      if (r <= 0) g_stop = 1; /* the caller is gone: stop and report */
    }
    /* Drain everything queued before looking at the stop flag again. */
    for (;;) {
      struct sockaddr_ll from; socklen_t fl = sizeof from;
      ssize_t n = recvfrom(s, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fl);
      if (n < 0) break;
      if (from.sll_ifindex != (int)ifindex) continue;
      size_t caplen = (size_t)n > sizeof buf ? sizeof buf : (size_t)n;
      if ((size_t)n > caplen) truncated++;
      struct timeval tv; gettimeofday(&tv, NULL);
      /* Linux "cooked" header: packet type, ARPHRD type, address length, address, protocol. */
      unsigned char sllh[16] = { 0 };
      uint16_t v = htons(from.sll_pkttype); memcpy(sllh, &v, 2);
      v = htons(from.sll_hatype); memcpy(sllh + 2, &v, 2);
      v = htons(from.sll_halen > 8 ? 8 : from.sll_halen); memcpy(sllh + 4, &v, 2);
      memcpy(sllh + 6, from.sll_addr, from.sll_halen > 8 ? 8 : from.sll_halen);
      memcpy(sllh + 14, &from.sll_protocol, 2); /* already in network order */
      struct { uint32_t sec, usec, incl, orig; } rh = { (uint32_t)tv.tv_sec, (uint32_t)tv.tv_usec,
                                                         (uint32_t)(caplen + 16), (uint32_t)((size_t)n + 16) };
      struct iovec iov[3] = { { &rh, sizeof rh }, { sllh, sizeof sllh }, { buf, caplen } };
      frames++;
      if (written_bytes + sizeof rh + sizeof sllh + caplen > max_bytes) { not_written++; continue; }
      if (write_all(out, iov, 3) != 0) { perror("hermetic-trap: write"); return 1; }
      written_bytes += sizeof rh + sizeof sllh + caplen;
    }
  }
  sl = sizeof st;
  if (getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0) drops += st.tp_drops;
  if (fsync(out) != 0 && errno != EINVAL) { perror("hermetic-trap: fsync"); return 1; }
  close(out);
  printf("{\"event\":\"stats\",\"frames\":%lu,\"kernelDrops\":%lu,\"truncated\":%lu,\"notWritten\":%lu}\n", frames, drops, truncated, not_written);
  fflush(stdout);
  return 0;
}
