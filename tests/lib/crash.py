#!/usr/bin/env python3
"""Helpers of tests/cli/crash.t: a process killed as by kill -9 at a chosen moment, and a
TFTP-like reader of a network boot tree.

  crash.py kill DELAY_US LOG CMD...
      Starts CMD (stdin /dev/null, stdout discarded, stderr to LOG) in a session of its own,
      sends SIGKILL to CMD itself (not to the programs it started: as when it crashes) DELAY_US
      microseconds later unless it has ended, then waits until every process of the session is
      gone (a syslinux installer CMD started finishes first). Prints one line:
          killed|finished RC ELAPSED_US STAGE
      RC: CMD's exit code, or -9; ELAPSED_US: from the start to CMD's end; STAGE: the last
      thing CMD said on LOG (--progress=json): the task begun ("fat"), or "after-TASK" when it
      had ended, "table-saved", or "start" before any of them.

  crash.py reader DIR READY STOP OUT MANIFEST...
      Reads every file the MANIFESTs (dartmk-manifest.json files, each with the sha256 of every
      file: the old tree's and the new one's) list, and the manifest of DIR itself, again and
      again from DIR until the file STOP exists (READY is made once it has begun; at least one
      pass: with STOP there already, one look at the tree). Every file
      read must be whole: its SHA-256 one of the versions the MANIFESTs give for it (for the
      manifest itself: one of the MANIFESTs), and a file missing only if a MANIFEST lacks it.
      Writes to OUT: "passes N reads N new N old N bad N" and one line per bad read.
"""
import hashlib
import json
import os
import signal
import sys
import time

SHORT = {
    "reading boot.wim": "read",
    "exporting boot.wim's image": "export",
    "checking boot.wim": "check",
    "writing the FAT volume": "fat",
    "verifying": "verify",
}


def stage(log):
    last = "start"
    try:
        with open(log, errors="replace") as f:
            for line in f:
                if line.startswith("{"):
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue  # the line the kill cut
                    task = SHORT.get(ev.get("task"), ev.get("task", "?").replace(" ", "-"))
                    if ev.get("event") == "begin":
                        last = task
                    elif ev.get("event") == "end":
                        last = "after-" + task
                elif line.startswith("saved the old table"):
                    last = "table-saved"
    except OSError:
        pass
    return last


def session_gone(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def kill(delay_us, log, cmd):
    with open(log, "wb") as err, open(os.devnull, "rb") as nul, open(os.devnull, "wb") as out:
        t0 = time.monotonic()
        pid = os.posix_spawnp(cmd[0], cmd, os.environ, setsid=True,
                             file_actions=[(os.POSIX_SPAWN_DUP2, nul.fileno(), 0),
                                           (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                           (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        deadline = t0 + delay_us / 1e6
        status = None
        while status is None:
            left = deadline - time.monotonic()
            got, st = os.waitpid(pid, os.WNOHANG)
            if got:
                status = st
                break
            if left <= 0:
                os.kill(pid, signal.SIGKILL)  # not reaped yet: the pid is still CMD's
                status = os.waitpid(pid, 0)[1]
                break
            time.sleep(min(left, 0.0005))
        elapsed = int((time.monotonic() - t0) * 1e6)
    for _ in range(6000):  # the programs CMD started (syslinux's installer) end on their own
        if session_gone(pid):
            break
        time.sleep(0.01)
    else:
        print("session %d still running after 60 s" % pid, file=sys.stderr)
        return 1
    if os.WIFSIGNALED(status):
        what, rc = ("killed" if os.WTERMSIG(status) == signal.SIGKILL else "signalled",
                    -os.WTERMSIG(status))
    else:
        what, rc = "finished", os.WEXITSTATUS(status)
    print(what, rc, elapsed, stage(log))
    return 0


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def reader(top, ready, stop, out, manifests):
    versions, present, newest = {}, [], {}
    for i, m in enumerate(manifests):
        with open(m) as f:
            files = {e["path"]: e["sha256"] for e in json.load(f)["files"]}
        files["dartmk-manifest.json"] = sha(m)
        present.append(set(files))
        for p, s in files.items():
            versions.setdefault(p, set()).add(s)
            if i == len(manifests) - 1:
                newest[p] = s
    always = set.intersection(*present)
    passes = reads = new = old = 0
    bad = []
    open(ready, "w").close()
    while passes == 0 or not os.path.exists(stop):
        if passes:
            time.sleep(0.001)  # a client now and then, not a busy loop that starves the writer
        passes += 1
        for p in sorted(versions):
            try:
                got = sha(os.path.join(top, p))
            except FileNotFoundError:
                if p in always:
                    bad.append("%s: missing (every tree has it)" % p)
                continue
            reads += 1
            if got not in versions[p]:
                bad.append("%s: %s is neither version (a partial or mixed file)" % (p, got))
            elif newest.get(p) == got and len(versions[p]) > 1:
                new += 1
            elif len(versions[p]) > 1:
                old += 1
    with open(out, "w") as f:
        f.write("passes %d reads %d new %d old %d bad %d\n" % (passes, reads, new, old, len(bad)))
        for b in bad[:20]:
            f.write(b + "\n")
    return 0


def main(argv):
    if len(argv) > 3 and argv[0] == "kill":
        return kill(int(argv[1]), argv[2], argv[3:])
    if len(argv) > 4 and argv[0] == "reader":
        return reader(argv[1], argv[2], argv[3], argv[4], argv[5:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
