"""A WebSocket client (websocket-client from PyPI) against Clients/server.lua: prints one JSON
object of what it saw, for WebServerClientTests to check."""
import json, sys
import websocket

base = sys.argv[1]  # ws://127.0.0.1:PORT
seen = {}
ws = websocket.create_connection(base + "/echo?name=ana", timeout=10)
seen["greeting"] = ws.recv()
ws.send("abc")
seen["text"] = ws.recv()
ws.send_binary(b"\x00\xffraw")
opcode, data = ws.recv_data()
seen["binary"] = [opcode, list(data)]
big = "x" * 300_000
ws.send(big)
seen["bigEchoed"] = ws.recv() == "text:" + big
ws.send("slow")
ws.send("fast")
seen["order"] = [ws.recv(), ws.recv()]
ws.send("bye")
opcode, data = ws.recv_data(control_frame=True)
seen["closeCode"] = int.from_bytes(data[:2], "big") if opcode == websocket.ABNF.OPCODE_CLOSE else None
seen["closeReason"] = data[2:].decode() if opcode == websocket.ABNF.OPCODE_CLOSE else None
ws.close()
try:
    websocket.create_connection(base + "/echo?deny=1", timeout=10)
    seen["refused"] = None
except websocket.WebSocketBadStatusException as e:
    seen["refused"] = e.status_code
try:
    websocket.create_connection(base + "/nowhere", timeout=10)
    seen["unknown"] = None
except websocket.WebSocketBadStatusException as e:
    seen["unknown"] = e.status_code
# Another site's page may not open a socket to the server (browsers send its Origin).
try:
    websocket.create_connection(base + "/echo", origin="http://evil.example", timeout=10)
    seen["foreignOrigin"] = None
except websocket.WebSocketBadStatusException as e:
    seen["foreignOrigin"] = e.status_code
print(json.dumps(seen))
