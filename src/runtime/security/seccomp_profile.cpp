#include "runtime/security/seccomp_profile.h"

#include <linux/capability.h>

namespace pier::runtime::seccomp_profile {

namespace {

const char* const kAlways[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "arch_prctl", "bind", "brk", "cachestat",
    "capget", "capset", "chdir", "chmod", "chown", "clock_adjtime", "clock_getres",
    "clock_gettime", "clock_nanosleep", "close", "close_range", "connect", "copy_file_range",
    "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit",
    "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate", "fanotify_mark", "fchdir",
    "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat", "fcntl", "fdatasync", "fgetxattr",
    "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync",
    "ftruncate", "futex", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake", "futimesat",
    "getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups",
    "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
    "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage", "getsid",
    "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
    "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
    "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents", "ioprio_get",
    "ioprio_set", "io_setup", "io_submit", "kill", "landlock_add_rule",
    "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lgetxattr", "link", "linkat",
    "listen", "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise",
    "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
    "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "modify_ldt",
    "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend",
    "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
    "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "open", "openat",
    "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
    "pkey_free", "pkey_mprotect", "poll", "ppoll", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_mrelease", "pselect6", "pwrite64", "pwritev", "pwritev2", "read",
    "readahead", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg",
    "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
    "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_getaffinity",
    "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
    "sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity", "sched_setattr",
    "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl",
    "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto", "setfsgid",
    "setfsuid", "setgid", "setgroups", "setitimer", "setpgid", "setpriority", "setregid",
    "setresgid", "setresuid", "setreuid", "setrlimit", "set_robust_list", "setsid",
    "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setxattr", "shmat", "shmctl",
    "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "socketpair",
    "splice", "stat", "statfs", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
    "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
    "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
    "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink", "unlinkat",
    "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "write", "writev",
    // kernel >= 4.8: ptrace can no longer bypass seccomp
    "ptrace", "process_vm_readv", "process_vm_writev", nullptr};

const char* const kSysAdmin[] = {
    "bpf", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
    "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
    "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount2",
    "unshare", nullptr};
const char* const kSysBoot[] = {"reboot", nullptr};
const char* const kSysChroot[] = {"chroot", nullptr};
const char* const kSysModule[] = {"delete_module", "init_module", "finit_module", nullptr};
const char* const kSysPacct[] = {"acct", nullptr};
const char* const kSysPtrace[] = {"kcmp", "pidfd_getfd", "process_madvise", nullptr};
const char* const kSysRawio[] = {"iopl", "ioperm", nullptr};
const char* const kSysTime[] = {"settimeofday", "clock_settime", nullptr};
const char* const kSysTtyConfig[] = {"vhangup", nullptr};
const char* const kSysNice[] = {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node",
                                nullptr};
const char* const kSyslog[] = {"syslog", nullptr};
const char* const kBpf[] = {"bpf", nullptr};
const char* const kPerfmon[] = {"perf_event_open", nullptr};
const char* const kDacReadSearch[] = {"open_by_handle_at", nullptr};

}  // namespace

const Group kGroups[] = {
    {-1, kAlways},
    {CAP_SYS_ADMIN, kSysAdmin},
    {CAP_SYS_BOOT, kSysBoot},
    {CAP_SYS_CHROOT, kSysChroot},
    {CAP_SYS_MODULE, kSysModule},
    {CAP_SYS_PACCT, kSysPacct},
    {CAP_SYS_PTRACE, kSysPtrace},
    {CAP_SYS_RAWIO, kSysRawio},
    {CAP_SYS_TIME, kSysTime},
    {CAP_SYS_TTY_CONFIG, kSysTtyConfig},
    {CAP_SYS_NICE, kSysNice},
    {CAP_SYSLOG, kSyslog},
    {CAP_BPF, kBpf},
    {CAP_PERFMON, kPerfmon},
    {CAP_DAC_READ_SEARCH, kDacReadSearch},
};
const size_t kGroupCount = sizeof(kGroups) / sizeof(kGroups[0]);

const char* const kNeverAllowed[] = {"keyctl", "add_key", "request_key", "io_uring_setup",
                                     "io_uring_enter", "io_uring_register", "userfaultfd",
                                     "kexec_load", "kexec_file_load", nullptr};

}  // namespace pier::runtime::seccomp_profile
