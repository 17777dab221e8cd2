#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the test suite.

Prints on stdout:
  listening <port>            ready for connections
  cert <path>                 the self-signed certificate (with --starttls), to trust
  refused <n>                 the n-th DATA it refused on purpose (--refuse)
  message <json>              a delivered message: mail_from, rcpt_tos, auth_user, tls, data
Options: --starttls (self-signed certificate, STARTTLS required), --auth USER:PASSWORD
(AUTH required), --mechanisms PLAIN,LOGIN, --refuse N (451 for the first N messages; -1 all).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, refuse):
        self.refuse = refuse
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse < 0 or self.refused < self.refuse:
            self.refused += 1
            say(f"refused {self.refused}")
            return "451 4.3.0 Try again later"
        say("message " + json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "tls": session.ssl is not None,
            "data": envelope.content.decode("utf-8", errors="replace"),
        }))
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_context(directory):
    import ssl
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert



def say(line):
    # One write per line, so nothing else can land inside it.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def unblock_termination():
    # A parent that handles signals itself (the Swift test runner) may spawn us with SIGTERM
    # blocked; take it back so the harness can stop us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--mechanisms", default="PLAIN,LOGIN")
    parser.add_argument("--refuse", type=int, default=0)
    args = parser.parse_args()

    options = {}
    # Only STARTTLS needs files (the key and certificate); they are removed when we stop.
    directory = tempfile.mkdtemp(prefix="bazaar-smtp-") if args.starttls else None
    if args.starttls:
        context, cert = self_signed_context(directory)
        options.update(tls_context=context, require_starttls=True)
        say("cert " + cert)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=True, auth_data=auth_data) if ok else AuthResult(success=False, handled=False)

        excluded = [m for m in ("PLAIN", "LOGIN") if m not in args.mechanisms.split(",")]
        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=args.starttls, auth_exclude_mechanism=excluded)

    def remove_directory():
        if directory:
            shutil.rmtree(directory, ignore_errors=True)

    # The test harness stops peers with SIGTERM and kills them two seconds later; remove the key
    # first, since stopping the controller can outlast that, then end cleanly (the controller's
    # thread would keep the process alive otherwise).
    def terminate(*_):
        remove_directory()
        sys.exit(0)

    signal.signal(signal.SIGTERM, terminate)
    port = free_port()
    controller = Controller(Handler(args.refuse), hostname="127.0.0.1", port=port, **options)
    controller.start()
    say(f"listening {port}")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        remove_directory()
        controller.stop()


if __name__ == "__main__":
    unblock_termination()
    sys.exit(main())
