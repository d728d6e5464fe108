"""Houdini-style Python clients of `/api` (requests from PyPI), unchanged from what a studio
uses against hwebserver: prints one JSON object for WebServerClientTests to check."""
import json, sys
import requests

url = sys.argv[1] + "/api"

def call_api(function_name, *args, **kwargs):
    """The `json=` encoding, as SideFX's webapiclient sends it."""
    response = requests.post(url, data={"json": json.dumps([function_name, args, kwargs])})
    return response.status_code, response.headers.get("Content-Type"), response.content

def call_form(function_name, **kwargs):
    """The `cmd_function=` encoding: keyword arguments as strings."""
    response = requests.post(url, data=dict(cmd_function=function_name, **kwargs))
    return response.status_code, response.json()

seen = {}
status, kind, body = call_api("farm.frames", 1, last=7, step=3)
seen["json"] = [status, kind, json.loads(body)]
seen["form"] = call_form("farm.frames", first="2", last="4")
seen["apiError"] = call_form("farm.frames", first="5", last="1")
seen["missing"] = call_form("farm.frames", first="5")
seen["unknown"] = call_form("farm.nothing")
status, kind, body = call_api("farm.thumbnail", 4)
seen["binary"] = [status, kind, list(body)]
files = {"scene": ("shot010.blend", b"B" * 5000, "application/octet-stream")}
response = requests.post(url, data={"cmd_function": "farm.upload", "label": "v2"}, files=files)
seen["multipart"] = [response.status_code, response.json()]
print(json.dumps(seen))
