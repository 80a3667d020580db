#!/usr/bin/env python3
"""SIGKILL durability check: start `recommender serve --store`, post ratings from many threads,
kill the server with SIGKILL in the middle of the storm, restart nothing, and count the rows of
the store: every rating acknowledged with 201 must be there (0 acknowledged ratings lost).

usage: serve-durability.py BINARY MODEL_DIR ITEM_ID [seconds] [threads]
Prints: acknowledged, stored, lost, durable writes/s."""
import atexit, http.client, json, os, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time

binary, model, item = sys.argv[1], sys.argv[2], sys.argv[3]
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 16
folder = tempfile.mkdtemp(prefix="durability-")
atexit.register(lambda: shutil.rmtree(folder, ignore_errors=True))
store = os.path.join(folder, "ratings.sqlite")
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); port = sock.getsockname()[1]; sock.close()
server = subprocess.Popen([binary, "serve", "--model", model, "--store", store, "--host", "127.0.0.1", "--port", str(port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# The server never outlives this script, whatever ends it.
atexit.register(lambda: server.poll() is None and server.kill())
signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
deadline = time.time() + 60
while time.time() < deadline:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2); c.request("GET", "/readyz"); ok = c.getresponse().status == 200; c.close()
        if ok: break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the server did not become ready in 60 s")

acknowledged = [0] * threads
stop = threading.Event()
def storm(n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    k = 0
    while not stop.is_set():
        try:
            c.request("POST", f"/v1/users/storm-{n}/ratings", body=json.dumps({"item": item, "rating": 1 + k % 5, "source": "storm"}), headers={"Content-Type": "application/json"})
            r = c.getresponse(); r.read()
            if r.status == 201: acknowledged[n] += 1
            k += 1
        except Exception:
            return
workers = [threading.Thread(target=storm, args=(n,)) for n in range(threads)]
start = time.time()
for w in workers: w.start()
time.sleep(seconds)
server.send_signal(signal.SIGKILL)
killed_at = time.time()
server.wait()
stop.set()
for w in workers: w.join()
acked = sum(acknowledged)
db = sqlite3.connect(store)
stored = db.execute("SELECT COUNT(*) FROM ratings WHERE source = 'storm'").fetchone()[0]
per_user = dict(db.execute("SELECT user_id, COUNT(*) FROM ratings WHERE source = 'storm' GROUP BY user_id").fetchall())
lost = sum(max(0, acknowledged[n] - per_user.get(f"storm-{n}", 0)) for n in range(threads))
print(f"acknowledged (201): {acked}; rows after SIGKILL: {stored}; acknowledged but lost: {lost}; "
      f"durable writes/s: {acked / (killed_at - start):.0f} ({threads} client threads, {killed_at - start:.1f} s)")
sys.exit(1 if lost else 0)
