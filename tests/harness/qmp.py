# SPDX-License-Identifier: GPL-2.0
"""A minimal QMP client (QEMU's JSON monitor protocol) over a unix socket."""
import itertools
import json
import socket
import threading
import time


class QMPError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError(f"cannot connect to QMP socket {path}")
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.ids = itertools.count(1)
        self.lock = threading.Lock()  # one command and its reply at a time
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise QMPError("QMP connection closed")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def execute(self, command, **arguments):
        """Run COMMAND; its reply's return value. Each command carries an
        id, and a reply with another id (one left over from a command whose
        caller gave up on it) is skipped: a qom-get once read an earlier
        command's empty return as its own value."""
        with self.lock:
            msg = {"execute": command, "id": next(self.ids)}
            if arguments:
                msg["arguments"] = arguments
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
            while True:
                reply = self._read()
                if "event" in reply or reply.get("id") != msg["id"]:
                    continue
                if "error" in reply:
                    raise QMPError(f"{command}: {reply['error'].get('desc')}")
                return reply.get("return")

    def hmp(self, command_line):
        """Run a human monitor command, e.g. 'set_link n0 off'."""
        return self.execute("human-monitor-command", **{"command-line": command_line})

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
