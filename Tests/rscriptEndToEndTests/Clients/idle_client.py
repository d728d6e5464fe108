"""Opens connections that send nothing, or half a request, and reports how long the server
keeps each open: {"silent": seconds, "half": seconds} (None: still open after 20 s)."""
import json, socket, sys, time

host, port = sys.argv[1], int(sys.argv[2])

def held(data):
    s = socket.create_connection((host, port), timeout=20)
    start = time.time()
    if data:
        s.sendall(data)
    try:
        while s.recv(4096):
            pass
        return round(time.time() - start, 2)
    except socket.timeout:
        return None
    finally:
        s.close()

print(json.dumps({"silent": held(b""), "half": held(b"GET /hello HTTP/1.1\r\nHost: x\r\n")}))
