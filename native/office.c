/*
 * hermetic-office: convert ONE document with LibreOffice, inside the jail of the worker that
 * started it. Two ways, one program:
 *
 *   hermetic-office lok PROGRAM_DIR PROFILE_DIR              (Writer, Impress: started warm)
 *     1. starts LibreOffice in this process (LOK: libmergedlo.so from PROGRAM_DIR, user profile
 *        PROFILE_DIR — a fresh folder inside the job's private folder);
 *     2. prints "ready <version>" on stdout: the instance is warm, it has seen no document;
 *     3. reads ONE job line on stdin:  INPUT_PATH \t OUTPUT_PATH \t FORMAT \n
 *     4. loads, saves as FORMAT, prints "ok" or "error load|save <message>", and exits.
 *   It never takes a second job: a warm instance may never see two jobs' data.
 *
 *   hermetic-office desktop PROGRAM_DIR PROFILE_DIR INPUT OUTDIR FORMAT   (Calc; started per job)
 *     runs LibreOffice's own command line (`soffice --headless --convert-to FORMAT`) in this
 *     process. LOK opens every document with a view, and Calc's view needs UI definition files
 *     that the -nogui packages leave out; the command line opens documents hidden. Prints "ok"
 *     when OUTDIR holds the result.
 *
 * Why LOK and not `soffice --convert-to`: the desktop entry point always creates a
 * single-instance IPC socket in /tmp (or /var/tmp) before it converts anything, and a jailed
 * process may not create files there (Landlock); giving it /tmp would weaken the jail for every
 * program in it. LOK is LibreOffice's own embedding API: it starts the same office code without
 * that socket, and it lets the worker start the office BEFORE the job arrives (warm), which the
 * command line cannot. LOK also loads documents with macro execution off (NEVER_EXECUTE) unless
 * told otherwise; the worker additionally writes a profile that disables macros, blocks links
 * from untrusted documents and never updates links. Network access is refused by the jail
 * whatever LibreOffice tries, and every attempt is reported by its supervisor.
 *
 * Name-service lookups: LibreOffice asks for the current user's passwd entry at start-up. glibc
 * first tries nscd over a unix socket, which the jail refuses (every connect() is) and reports
 * as an attempt. Declaring the system's own nsswitch lines as this program's configuration
 * (__nss_configure_lookup) makes glibc skip nscd and use exactly the services the system names,
 * so a clean start makes no attempt at all and a reported attempt always means something.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* access(), as LibreOffice's shared libraries see it (this program exports it; see the build
 * flags in scripts/build-native.mjs): the shared temporary folders are not writable here — the
 * jail's Landlock rules say so, but access() only checks permission bits. Every other call is
 * the kernel's answer. */
int access(const char *path, int mode) {
  if (mode & W_OK) { /* (path is never NULL: access() is declared nonnull) */
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    if ((n == 4 && !strncmp(path, "/tmp", 4)) || (n == 8 && !strncmp(path, "/var/tmp", 8))) { errno = EACCES; return -1; }
  }
  return (int)syscall(SYS_faccessat, AT_FDCWD, path, mode);
}

/* connect(), likewise exported: in desktop mode LibreOffice connects to its OWN single-instance
 * socket when it shuts down (to wake the thread that accepts on it). That socket lives in the
 * job's private folder and nothing else listens there; the jail would refuse the call and
 * report it as an attempt, which it is not. Only that exact case is answered here (refused);
 * every other connect() goes to the kernel, where the jail refuses and reports it. */
static char g_sockdir[4096];
int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  size_t n = strlen(g_sockdir);
  if (n && addr && addr->sa_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) + n) {
    const char *p = ((const struct sockaddr_un *)addr)->sun_path;
    if (!strncmp(p, g_sockdir, n) && p[n] == '/' && !strncmp(p + n + 1, "OSL_PIPE_", 9) && !strchr(p + n + 1, '/')) { errno = ECONNREFUSED; return -1; }
  }
  return (int)syscall(SYS_connect, fd, addr, len);
}

/* The stable C ABI of LibreOfficeKit (include/LibreOfficeKit/LibreOfficeKit.h): only the first
 * members, which have not changed since LibreOffice 5.2. Each class starts with its size, so a
 * member past nSize is not called. */
typedef struct Kit Kit;
typedef struct KitDoc KitDoc;
struct KitClass {
  size_t nSize;
  void (*destroy)(Kit *);
  KitDoc *(*documentLoad)(Kit *, const char *url);
  char *(*getError)(Kit *);
  KitDoc *(*documentLoadWithOptions)(Kit *, const char *url, const char *options);
  void (*freeError)(char *);
  void (*registerCallback)(Kit *, void (*)(int, const char *, void *), void *);
  char *(*getFilterTypes)(Kit *);
  void (*setOptionalFeatures)(Kit *, unsigned long long);
  void (*setDocumentPassword)(Kit *, const char *, const char *);
  char *(*getVersionInfo)(Kit *);
};
struct Kit { struct KitClass *pClass; };
struct KitDocClass {
  size_t nSize;
  void (*destroy)(KitDoc *);
  int (*saveAs)(KitDoc *, const char *url, const char *format, const char *filterOptions);
};
struct KitDoc { struct KitDocClass *pClass; };
typedef Kit *(*HookFn)(const char *installPath, const char *userProfileUrl);

#define HAS(cls, member, size) (offsetof(cls, member) < (size))

/* Use the system's own nsswitch services for these databases, declared by us: glibc then skips
 * nscd (see the header). A database the file does not name keeps glibc's default. */
extern int __nss_configure_lookup(const char *db, const char *service_line);
static void skip_nscd(void) {
  FILE *f = fopen("/etc/nsswitch.conf", "re");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    static const char *const dbs[] = { "passwd", "group", "hosts", NULL };
    for (int i = 0; dbs[i]; i++) {
      size_t n = strlen(dbs[i]);
      if (strncmp(line, dbs[i], n) != 0 || line[n] != ':') continue;
      char *v = line + n + 1;
      while (isspace((unsigned char)*v)) v++;
      char *end = v + strlen(v);
      while (end > v && isspace((unsigned char)end[-1])) *--end = 0;
      if (*v) __nss_configure_lookup(dbs[i], v);
    }
  }
  fclose(f);
}

/* file:// URL of an absolute path, percent-encoding everything but unreserved characters and '/'. */
static int file_url(const char *path, char *out, size_t cap) {
  if (path[0] != '/') return -1;
  size_t n = (size_t)snprintf(out, cap, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (n + 4 >= cap) return -1;
    if (isalnum(*p) || strchr("/-._~", *p)) out[n++] = (char)*p;
    else n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
  }
  out[n] = 0;
  return 0;
}

/* One line on stdout, flushed at once (the worker waits for it). Newlines in messages become spaces. */
static void say(const char *kind, const char *msg) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s%s%s", kind, msg ? " " : "", msg ? msg : "");
  for (char *c = buf; *c; c++) if (*c == '\n' || *c == '\r') *c = ' ';
  printf("%s\n", buf);
  fflush(stdout);
}

/* Desktop mode: LibreOffice's command-line conversion, in this process (see the header). */
static int desktop(char **argv, char **full_argv) {
  const char *program = argv[0], *profile_dir = argv[1], *input = argv[2], *outdir = argv[3], *format = argv[4];
  /* The single-instance socket goes in PROFILE_DIR, named relative to it: a unix socket's path
   * may not exceed 107 bytes, and a job folder's path alone can come close to that. */
  if ((mkdir(profile_dir, 0700) != 0 && errno != EEXIST) || chdir(profile_dir) != 0) { say("error", "init: cannot enter PROFILE_DIR"); return 2; }
  snprintf(g_sockdir, sizeof g_sockdir, ".");
  char profile[8192], boot[4200], lib[4096], sock[] = "-env:OSL_SOCKET_PATH=.";
  if (file_url(profile_dir, profile, sizeof profile) != 0) { say("error", "init: PROFILE_DIR must be an absolute path"); return 2; }
  /* The office finds its installation from fundamentalrc (normally beside soffice.bin). */
  snprintf(boot, sizeof boot, "vnd.sun.star.pathname:%s/fundamentalrc", program);
  setenv("URE_BOOTSTRAP", boot, 1);
  snprintf(lib, sizeof lib, "%s/libuno_sal.so.3", program);
  void *sal = dlopen(lib, RTLD_NOW | RTLD_GLOBAL);
  snprintf(lib, sizeof lib, "%s/libmergedlo.so", program);
  void *merged = sal ? dlopen(lib, RTLD_NOW | RTLD_GLOBAL) : NULL;
  void (*init)(int, char **) = sal ? (void (*)(int, char **))dlsym(sal, "sal_detail_initialize") : NULL;
  int (*office_main)(void) = merged ? (int (*)(void))dlsym(merged, "soffice_main") : NULL;
  if (!init || !office_main) { say("error", "init: soffice_main not found in PROGRAM_DIR"); return 3; }
  char user[8300];
  snprintf(user, sizeof user, "-env:UserInstallation=%s", profile);
  char *args[] = { "soffice.bin", user, sock, "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck",
                   "--nodefault", "--convert-to", (char *)format, "--outdir", (char *)outdir, (char *)input, NULL };
  init((int)(sizeof args / sizeof args[0]) - 1, args);
  int rc = office_main();
  /* The command line says nothing useful on failure: the result file is the answer. */
  DIR *d = opendir(outdir);
  int found = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) if (e->d_name[0] != '.') found = 1;
  if (d) closedir(d);
  if (found) { say("ok", NULL); _exit(0); }
  /* 81: the first start with a fresh profile asks to be restarted (what soffice's launcher does). */
  if (rc == 81 && !getenv("HERMETIC_OFFICE_RESTARTED")) {
    setenv("HERMETIC_OFFICE_RESTARTED", "1", 1);
    execv("/proc/self/exe", full_argv);
  }
  char m[64];
  snprintf(m, sizeof m, "LibreOffice wrote no result (exit %d)", rc);
  say("error load", m);
  _exit(4);
}

int main(int argc, char **argv) {
  if (argc == 7 && !strcmp(argv[1], "desktop")) { skip_nscd(); return desktop(argv + 2, argv); }
  if (argc != 4 || strcmp(argv[1], "lok")) {
    fprintf(stderr, "usage: hermetic-office lok PROGRAM_DIR PROFILE_DIR\n       hermetic-office desktop PROGRAM_DIR PROFILE_DIR INPUT OUTDIR FORMAT\n");
    return 2;
  }
  argv++;
  skip_nscd();
  char lib[4096], profile[8192];
  if (file_url(argv[2], profile, sizeof profile) != 0) { say("error", "init: PROFILE_DIR must be an absolute path"); return 2; }
  void *h = NULL;
  static const char *const libs[] = { "libmergedlo.so", "libsofficeapp.so", NULL };
  for (int i = 0; libs[i] && !h; i++) {
    snprintf(lib, sizeof lib, "%s/%s", argv[1], libs[i]);
    h = dlopen(lib, RTLD_LAZY | RTLD_GLOBAL);
  }
  if (!h) { say("error", "init: LibreOfficeKit library not found in PROGRAM_DIR"); return 3; }
  HookFn hook = (HookFn)dlsym(h, "libreofficekit_hook_2");
  if (!hook) { say("error", "init: this LibreOffice has no libreofficekit_hook_2 (LibreOffice >= 5.2 needed)"); return 3; }
  Kit *kit = hook(argv[1], profile);
  if (!kit || !kit->pClass) { say("error", "init: LibreOffice failed to start"); return 3; }
  const size_t ks = kit->pClass->nSize;
  char *version = HAS(struct KitClass, getVersionInfo, ks) && kit->pClass->getVersionInfo ? kit->pClass->getVersionInfo(kit) : NULL;
  say("ready", version ? version : "{}");

  /* The one job. */
  char job[12288];
  if (!fgets(job, sizeof job, stdin)) _exit(0); /* the worker went away before a job came */
  job[strcspn(job, "\n")] = 0;
  char *in = job, *out = strchr(in, '\t'), *fmt = out ? strchr(out + 1, '\t') : NULL;
  if (!out || !fmt) { say("error", "job: expected INPUT\\tOUTPUT\\tFORMAT"); _exit(2); }
  *out++ = 0; *fmt++ = 0;
  char in_url[8192], out_url[8192];
  if (file_url(in, in_url, sizeof in_url) || file_url(out, out_url, sizeof out_url)) { say("error", "job: paths must be absolute"); _exit(2); }
  /* No options: LOK's default macro mode is NEVER_EXECUTE; "EnableMacrosExecution" is never passed. */
  KitDoc *doc = HAS(struct KitClass, documentLoadWithOptions, ks) ? kit->pClass->documentLoadWithOptions(kit, in_url, "")
                                                                  : kit->pClass->documentLoad(kit, in_url);
  if (!doc) {
    char *e = kit->pClass->getError(kit);
    say("error load", e && *e ? e : "LibreOffice could not open the document");
    _exit(4);
  }
  int ok = doc->pClass->saveAs(doc, out_url, fmt, NULL);
  if (!ok) {
    char *e = kit->pClass->getError(kit);
    say("error save", e && *e ? e : "LibreOffice could not write the result");
    _exit(5);
  }
  say("ok", NULL);
  /* Leave without running LibreOffice's shutdown: the result is on disk, and the worker kills
   * the whole tree at the end of the job anyway. */
  _exit(0);
}
