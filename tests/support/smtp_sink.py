#!/usr/bin/python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd): every message it accepts is
kept as OUT/<n>.eml, and read back by Python's own email package (the reference decoder of
RFC 2047 headers and MIME parts) into OUT/<n>.json. With --fail-first N it answers the first N
messages 451 (try again later), as a server with a passing problem does; with --hang-first N
it holds them 60 s first (a sender killed meanwhile never hears).

usage: smtp_sink.py PORT_FILE OUT_DIR [--fail-first N] [--hang-first N]
The port it listens on (127.0.0.1, chosen free) is written to PORT_FILE once it is ready."""
import asyncio
import json
import os
import socket
import sys
import time
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, fail_first, hang_first):
        self.out = out
        self.fail_first = fail_first
        self.hang_first = hang_first
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.hang_first > 0:
            self.hang_first -= 1
            await asyncio.sleep(60)
            return "451 4.3.0 too late"
        if self.fail_first > 0:
            self.fail_first -= 1
            refused = BytesParser(policy=policy.default).parsebytes(envelope.content)
            with open(os.path.join(self.out, "refused.txt"), "a", encoding="utf-8") as f:
                f.write(str(refused["Message-ID"]) + "\n")
            return "451 4.3.0 try again later"
        self.count += 1
        raw = envelope.content
        name = os.path.join(self.out, f"{self.count:06d}")
        with open(name + ".eml", "wb") as f:
            f.write(raw)
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_to": envelope.rcpt_tos,
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "raw_subject": raw.split(b"\r\nSubject: ", 1)[1].split(b"\r\nMIME-Version", 1)[0].decode("ascii", "replace")
            if b"\r\nSubject: " in raw else "",
            "message_id": str(msg["Message-ID"]),
            "date": str(msg["Date"]),
            "content_type": msg.get_content_type(),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
            "defects": [str(d) for d in msg.defects],
        }
        with open(name + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(name + ".json.tmp", name + ".json")
        return "250 OK"


def main():
    port_file, out = sys.argv[1], sys.argv[2]
    options = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    fail_first = int(options.get("--fail-first", "0"))
    hang_first = int(options.get("--hang-first", "0"))
    os.makedirs(out, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(out, fail_first, hang_first), hostname="127.0.0.1", port=port)
    controller.start()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(port_file + ".tmp", port_file)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
