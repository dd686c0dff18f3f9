/* A static probe run as a container's payload. Each argument is a command; it prints
 * `key=value` lines the integration tests assert on. Built -static so it runs in any
 * rootfs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void status_field(const char* key) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[512];
  size_t n = strlen(key);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, key, n) == 0 && line[n] == ':') {
      char* v = line + n + 1;
      while (*v == ' ' || *v == '\t') ++v;
      printf("%s=%s", key, v);
    }
  if (f) fclose(f);
}

static void print_fds(void) {
  DIR* d = opendir("/proc/self/fd");
  int self = d ? dirfd(d) : -1;
  printf("fds=");
  struct dirent* e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.' && atoi(e->d_name) != self) printf("%s,", e->d_name);
  printf("\n");
  if (d) closedir(d);
}

static int count_procs(char state) {
  DIR* d = opendir("/proc");
  int n = 0;
  struct dirent* e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (!state) { ++n; continue; }
    char path[300], buf[256];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    buf[r] = 0;
    char* p = strrchr(buf, ')');
    if (p && p[1] == ' ' && p[2] == state) ++n;
  }
  if (d) closedir(d);
  return n;
}

static void info(void) {
  char host[256] = "";
  gethostname(host, sizeof host);
  printf("pid=%d\nppid=%d\nhostname=%s\nuid=%d\ngid=%d\n", getpid(), getppid(), host, getuid(), getgid());
  gid_t groups[64];
  int n = getgroups(64, groups);
  printf("groups=");
  for (int i = 0; i < n; ++i) printf("%d,", groups[i]);
  printf("\n");
  const char* keys[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", NULL};
  for (int i = 0; keys[i]; ++i) status_field(keys[i]);
  print_fds();
  char cwd[4096];
  printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "(error)");
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  printf("nofile=%llu:%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  printf("procs=%d\n", count_procs(0));
  const char* home = getenv("HOME");
  printf("home=%s\n", home ? home : "");
}

static void ns(void) {
  const char* names[] = {"pid", "net", "ipc", "uts", "mnt", "cgroup", NULL};
  for (int i = 0; names[i]; ++i) {
    char path[64], target[128] = "";
    snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
    ssize_t r = readlink(path, target, sizeof target - 1);
    if (r > 0) target[r] = 0;
    printf("ns_%s=%s\n", names[i], target);
  }
}

/* The propagation fields of the topmost mount on `path` ("shared:3 master:1", "private"). */
static void mount_propagation(const char* path) {
  FILE* f = fopen("/proc/self/mountinfo", "r");
  char line[4096], found[512] = "none";
  while (f && fgets(line, sizeof line, f)) {
    char point[1024];
    int at = 0;
    if (sscanf(line, "%*d %*d %*s %*s %1023s %*s %n", point, &at) < 1 || strcmp(point, path)) continue;
    char* end = strstr(line + at, " - ");
    if (end) *end = 0;
    snprintf(found, sizeof found, "%s", strncmp(line + at, "- ", 2) ? line + at : "private");
  }
  if (f) fclose(f);
  printf("propagation %s=%s\n", path, found);
}

static int try_write(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return errno;
  int rc = write(fd, "x", 1) == 1 ? 0 : errno;
  close(fd);
  return rc;
}

static int try_open(const char* path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

static void alloc_mb(long mb) {
  for (long i = 0; i < mb; ++i) {
    char* p = malloc(1 << 20);
    if (!p) { printf("alloc=fail\n"); return; }
    memset(p, 1, 1 << 20);
  }
  printf("alloc=ok\n");
}

static void fork_many(int n) {
  int ok = 0, err = 0;
  for (int i = 0; i < n; ++i) {
    pid_t p = fork();
    if (p == 0) { pause(); _exit(0); }
    if (p > 0) ++ok; else err = errno;
  }
  printf("forked=%d\nfork_errno=%d\n", ok, err);
  fflush(stdout);
  kill(0, SIGKILL);
}

/* Leaves n orphans that exit at once: only a reaping PID 1 clears them. */
static void zombies(int n) {
  pid_t mid = fork();
  if (mid == 0) {
    for (int i = 0; i < n; ++i) if (fork() == 0) { usleep(20000); _exit(0); }
    _exit(0);
  }
  waitpid(mid, NULL, 0);
  usleep(300000);
  printf("zombies=%d\n", count_procs('Z'));
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; ++i) {
    const char* c = argv[i];
    const char* a = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(c, "info")) info();
    else if (!strcmp(c, "ns")) ns();
    else if (!strcmp(c, "unshare")) printf("unshare=%d\n", unshare(CLONE_NEWNS) < 0 ? errno : 0);
    else if (!strcmp(c, "keyctl")) printf("keyctl=%ld\n", syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 ? (long)errno : 0L);
    else if (!strcmp(c, "socket")) {
      /* The family as a full 64-bit register: the kernel reads only its low 32 bits. */
      unsigned long long family = strtoull(a, NULL, 0);
      long fd = syscall(SYS_socket, family, SOCK_SEQPACKET, 0);
      printf("socket %s=%d\n", a, fd < 0 ? errno : 0);
      if (fd >= 0) close((int)fd);
      ++i;
    }
    else if (!strcmp(c, "syscall")) { printf("syscall_%s=%d\n", a, syscall(atol(a), 0, 0, 0) < 0 ? errno : 0); ++i; }
    else if (!strcmp(c, "write")) { printf("write %s=%d\n", a, try_write(a)); ++i; }
    else if (!strcmp(c, "read")) { printf("read %s=%d\n", a, try_open(a, O_RDONLY)); ++i; }
    else if (!strcmp(c, "rw")) { printf("rw %s=%d\n", a, try_open(a, O_RDWR)); ++i; }
    else if (!strcmp(c, "cat")) {
      char buf[4096]; int fd = open(a, O_RDONLY); ssize_t r = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
      if (r < 0) r = 0;
      buf[r] = 0;
      printf("cat %s=%s\n", a, buf);
      if (fd >= 0) close(fd);
      ++i;
    }
    else if (!strcmp(c, "statfs")) {
      struct statfs s; int rc = statfs(a, &s);
      printf("statfs %s=%llu\n", a, rc ? 0ULL : (unsigned long long)s.f_blocks * s.f_bsize); ++i;
    }
    else if (!strcmp(c, "stat")) {
      struct stat st; int rc = stat(a, &st);
      if (rc) printf("stat %s=%s\n", a, strerror(errno));
      else printf("stat %s=%u:%u:%o\n", a, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777));
      ++i;
    }
    else if (!strcmp(c, "readlink")) {
      char t[4096] = ""; ssize_t r = readlink(a, t, sizeof t - 1); if (r > 0) t[r] = 0;
      printf("readlink %s=%s\n", a, r < 0 ? strerror(errno) : t); ++i;
    }
    else if (!strcmp(c, "propagation")) { mount_propagation(a); ++i; }
    else if (!strcmp(c, "alloc")) { alloc_mb(atol(a)); ++i; }
    else if (!strcmp(c, "fork")) { fork_many(atoi(a)); ++i; }
    else if (!strcmp(c, "zombies")) { zombies(atoi(a)); ++i; }
    else if (!strcmp(c, "sleep")) { sleep(atoi(a)); ++i; }
    else if (!strcmp(c, "pause")) pause();
    else if (!strcmp(c, "int80")) {
      /* The i386 ABI from a 64-bit process: seccomp sees AUDIT_ARCH_I386. */
      long pid_ret, key_ret;
      __asm__ volatile("int $0x80" : "=a"(pid_ret) : "a"(20L) : "memory");  /* getpid */
      __asm__ volatile("int $0x80" : "=a"(key_ret) : "a"(288L), "b"(0L), "c"(0L), "d"(0L) : "memory");  /* keyctl */
      printf("int80_getpid=%ld\nint80_keyctl=%ld\n", pid_ret, key_ret);
    }
    else if (!strcmp(c, "tty")) {
      struct winsize ws = {0};
      ioctl(0, TIOCGWINSZ, &ws);
      printf("isatty=%d\nttyname=%s\nwinsize=%dx%d\nctty=%d\n", isatty(0), ttyname(0) ? ttyname(0) : "",
             ws.ws_row, ws.ws_col, tcgetsid(0) == getsid(0));
    }
    else if (!strcmp(c, "exit")) return atoi(a);
    else if (!strcmp(c, "raise")) { fflush(stdout); signal(atoi(a), SIG_DFL); raise(atoi(a)); ++i; }
    else { fprintf(stderr, "probe: unknown command %s\n", c); return 2; }
  }
  return 0;
}
