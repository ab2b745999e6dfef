"""One moto_server the e2e tests share, one test at a time (tests/e2e/harness.rs,
`Moto::lease`). Each test works in an account of its own, so what earlier tests
left behind is invisible to it.

Usage: python moto_keeper.py LEASE PORT_FILE IDLE_SECONDS

Serves on a free loopback port and writes the port to PORT_FILE. A test holds
an exclusive lock (flock) on LEASE while it uses the server. When nothing has
held it for IDLE_SECONDS, the keeper removes PORT_FILE and exits, holding the
lock until it is gone, so no test is handed a server that is stopping: after
the last test (or a cancelled run), no server is left behind.
"""

import fcntl
import os
import sys
import time

from moto.server import ThreadedMotoServer


def main() -> None:
    lease, port_file, idle = sys.argv[1], sys.argv[2], float(sys.argv[3])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    tmp = f"{port_file}.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, port_file)
    fd = os.open(lease, os.O_RDWR | os.O_CREAT, 0o600)
    idle_since = None
    while True:
        time.sleep(0.5)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            idle_since = None
            continue
        now = time.monotonic()
        if idle_since is None:
            idle_since = now
        if now - idle_since >= idle:
            try:
                os.unlink(port_file)
            except FileNotFoundError:
                pass
            # What each server cost, for whoever tunes the pool.
            with open(os.path.join(os.path.dirname(port_file), "keepers.log"), "a") as log:
                log.write(f"{os.getpid()} port {port} cpu {time.process_time():.2f}s\n")
            os._exit(0)
        fcntl.flock(fd, fcntl.LOCK_UN)


if __name__ == "__main__":
    main()
