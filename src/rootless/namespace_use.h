// Whether anything still uses pier's user namespace: the pause process asks this to know
// when to exit, so that `down` of the user's last project leaves no process behind.
#pragma once

#include <sys/types.h>

namespace pier::rootless {

// True when a process other than `self` is in the user namespace `self` is in, or in one
// nested inside it (a container's). Every pier command, supervisor and container of the
// user is; the user's other processes and other users' are not (and those of other
// users cannot even be looked at, which is as good as "not in it").
bool namespace_in_use(pid_t self);

}  // namespace pier::rootless
