# A TLS-speaking SMTP relay for the email connector's relay-client tests: aiosmtpd (Debian
# python3-aiosmtpd) offering STARTTLS (required before anything else) or speaking TLS from the
# first byte (port 465 style), and requiring AUTH (PLAIN and/or LOGIN, --mechanisms) with one
# username and password.
# Each mail it takes is written to OUT/<n>.eml, its first line "X-Envelope-From: <sender>".
# Prints "ready" once it accepts connections; runs until killed.
import argparse
import itertools
import pathlib
import signal
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--mode", choices=["starttls", "tls"], required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--user", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--mechanisms", default="PLAIN LOGIN")
parser.add_argument("--out", required=True)
args = parser.parse_args()
out = pathlib.Path(args.out)
out.mkdir(parents=True, exist_ok=True)
numbers = itertools.count()


class Keep:
    async def handle_DATA(self, server, session, envelope):
        mail = b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n" + envelope.content
        path = out / f"{next(numbers)}.eml"
        path.with_suffix(".tmp").write_bytes(mail)
        path.with_suffix(".tmp").rename(path)
        return "250 2.0.0 queued"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode()
          and auth_data.password == args.password.encode())
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535 itself


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(args.cert, args.key)
excluded = [m for m in ("PLAIN", "LOGIN") if m not in args.mechanisms.split()]
common = dict(hostname="127.0.0.1", port=args.port, auth_required=True,
              authenticator=authenticate, auth_exclude_mechanism=excluded)
if args.mode == "starttls":
    controller = Controller(Keep(), tls_context=context, require_starttls=True, **common)
else:
    # Over implicit TLS aiosmtpd does not know the session is encrypted: let AUTH through.
    controller = Controller(Keep(), ssl_context=context, auth_require_tls=False, **common)
controller.start()
print("ready", flush=True)
signal.pause()
