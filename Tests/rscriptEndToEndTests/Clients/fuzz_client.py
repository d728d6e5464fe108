"""Sends N malformed HTTP requests (raw sockets, several at once) to the server: broken request
lines, headers, lengths, `json` fields and multipart boundaries. Prints counts as JSON."""
import json, random, socket, sys, threading, urllib.parse

host, port, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def junk(rng, n):
    return bytes(rng.randrange(256) for _ in range(n))

def form(rng):
    fields = [
        "json=" + urllib.parse.quote(rng.choice(['["farm.frames"', '[1,2,3]', '["farm.frames", {}, []]', '{"a":1}',
                                                 '["farm.frames", [1e400], {}]', '["farm.frames", [], {"first": "x"}]',
                                                 '["' + "a." * 500 + '"]', '[' * 300, 'null', '"\\ud800"'])),
        "cmd_function=" + rng.choice(["", ".", "farm.", ".frames", "farm.frames", "a" * 3000, "farm.frames%00"]),
        "first=" + rng.choice(["1", "x", "", "1e999", "-0", "%zz"]),
        rng.choice(["last=3", "last", "=", "&&&", "%", "step=0"]),
    ]
    rng.shuffle(fields)
    return "&".join(fields[: rng.randrange(1, 5)]).encode()

def multipart(rng):
    boundary = rng.choice(["b", "x" * 80, "", "--", "a b"])
    parts = [b"--" + boundary.encode() + b"\r\n",
             rng.choice([b'Content-Disposition: form-data; name="cmd_function"\r\n\r\nfarm.upload\r\n',
                         b'Content-Disposition: form-data; name="scene"; filename="../../x"\r\n\r\n' + junk(rng, 50) + b"\r\n",
                         b"Content-Disposition: nonsense\r\n\r\n", junk(rng, 40)]),
             rng.choice([b"--" + boundary.encode() + b"--\r\n", b"--" + boundary.encode(), b"", b"--wrong--\r\n"])]
    return boundary, b"".join(parts[: rng.randrange(1, 4)])

def request(rng):
    kind = rng.randrange(8)
    path = rng.choice(["/api", "/hello", "/echo", "/tasks", "/%", "/" + "a" * 5000, "/api?x=%ff", "*"])
    if kind == 0:
        return junk(rng, rng.randrange(1, 200))
    if kind == 1:
        return rng.choice([b"GET", b"POST /api", b"POST /api HTTP/1.1", b"GET / HTTP/1.1\r\nHost"]) + b"\r\n\r\n"
    body = form(rng)
    headers = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/x-www-form-urlencoded"}
    if kind == 2:
        boundary, body = multipart(rng)
        headers["Content-Type"] = rng.choice([f"multipart/form-data; boundary={boundary}", "multipart/form-data",
                                              'multipart/form-data; boundary="unterminated'])
    length = len(body)
    if kind == 3:
        length = rng.choice([-1, len(body) + 10, 10**20, "abc", ""])
    headers["Content-Length"] = str(length)
    if kind == 4:
        headers[rng.choice(["X", "Bad Header", "\x00", "A" * 9000])] = rng.choice(["v", "\r", "x" * 9000])
    if kind == 5:
        headers["Transfer-Encoding"] = rng.choice(["chunked", "gzip, chunked", "bogus"])
        body = rng.choice([b"zz\r\nabc\r\n0\r\n\r\n", b"5\r\nab", b"0\r\n\r\n"])
    if kind == 6:
        headers["Upgrade"] = "websocket"
        headers["Connection"] = "Upgrade"
        headers["Sec-WebSocket-Key"] = rng.choice(["", "short", "dGhlIHNhbXBsZSBub25jZQ=="])
        headers["Sec-WebSocket-Version"] = rng.choice(["13", "8", "x"])
    method = rng.choice(["POST", "GET", "PUT", "BREW", "post", "POST\x00"])
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("utf-8", "surrogateescape") + body

lock = threading.Lock()
stats = {"sent": 0, "answered": 0, "status": {}, "refused": 0}

def worker(index, n):
    rng = random.Random(seed * 1000 + index)
    for _ in range(n):
        data = request(rng)
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                reply = b""
                while len(reply) < 64:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
        except ConnectionRefusedError:
            with lock:
                stats["refused"] += 1
            continue
        except OSError:
            reply = b""
        with lock:
            stats["sent"] += 1
            if reply.startswith(b"HTTP/1.1 "):
                stats["answered"] += 1
                code = reply[9:12].decode(errors="replace")
                stats["status"][code] = stats["status"].get(code, 0) + 1

threads = [threading.Thread(target=worker, args=(i, count // 8)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(stats))
