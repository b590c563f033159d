#!/usr/bin/python3
"""Sign-ins at a steady rate against an accordd, for bench/run.sh's signin part.

  sign_ins.py PORT NAME PASSWORD RATE SECONDS

Every 1/RATE s, on a thread of its own (so that a slow answer does not delay the next), POSTs
/api/v1/session with the right password. Prints one line: RESULT {"signIns", "ok", "p50Ms",
"p99Ms", "rate"}. Exits 1 if any sign-in was not a 200.
"""
import http.client
import json
import statistics
import sys
import threading
import time


def main(argv):
    port, name, password = int(argv[1]), argv[2], argv[3]
    rate, seconds = float(argv[4]), float(argv[5])
    body = json.dumps({"name": name, "password": password})
    latencies, statuses, lock = [], [], threading.Lock()

    def one():
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", "/api/v1/session", body, {"Content-Type": "application/json"})
            status = conn.getresponse().status
        except OSError:
            status = 0
        finally:
            conn.close()
        with lock:
            latencies.append((time.monotonic() - started) * 1000)
            statuses.append(status)

    threads, begin = [], time.monotonic()
    for i in range(int(rate * seconds)):
        delay = begin + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=one)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    ok = sum(1 for s in statuses if s == 200)
    cut = sorted(latencies)
    print("RESULT " + json.dumps({
        "signIns": len(statuses), "ok": ok, "rate": rate,
        "p50Ms": round(statistics.median(cut), 1),
        "p99Ms": round(cut[min(len(cut) - 1, int(0.99 * len(cut)))], 1)}))
    return 0 if ok == len(statuses) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
