#!/bin/sh
# Start one user's single-user server as that user. The hub (root) runs:
#   singleuser.sh USER COMMAND...
# When the course's Python lives under a folder other users cannot enter (here: root's pyenv
# under /root, mode 0700), the server gets a private mount namespace in which that folder is a
# tmpfs of mode 0711 holding only the Python prefix, read-only. Nothing changes on the host.
# Then it drops to the user (setpriv: uid, gid, groups, no capabilities) and execs COMMAND, so
# the hub's signals reach the server itself.
set -eu
user=$1; shift
if [ -n "${COURSE_HIDDEN_TOP:-}" ] && [ "${COURSE_IN_NAMESPACE:-}" != 1 ]; then
  COURSE_IN_NAMESPACE=1 exec unshare --mount --propagation private -- "$0" "$user" "$@"
fi
if [ "${COURSE_IN_NAMESPACE:-}" = 1 ]; then
  # COURSE_HIDDEN_TOP=/root, COURSE_HIDDEN_KEEP=/root/.pyenv: keep only the second, read-only
  mount --rbind "$COURSE_HIDDEN_KEEP" /mnt
  mount -t tmpfs -o mode=0711,size=1m course-python "$COURSE_HIDDEN_TOP"
  mkdir -p "$COURSE_HIDDEN_KEEP"
  mount --rbind /mnt "$COURSE_HIDDEN_KEEP"
  mount -o remount,bind,ro "$COURSE_HIDDEN_KEEP"
  umount -l /mnt
fi
unset COURSE_IN_NAMESPACE COURSE_HIDDEN_TOP COURSE_HIDDEN_KEEP
cd "$HOME"
exec setpriv --reuid "$user" --regid "$(id -g "$user")" --init-groups --inh-caps=-all --bounding-set=-all -- "$@"
