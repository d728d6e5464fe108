"""Flask's side of scripts/bench/webserver.sh: the same `bench.add` on `/api`, reading the
`cmd_function=` form as Houdini's protocol sends it, with `threaded=True`."""
import logging, sys
from flask import Flask, jsonify, request

app = Flask(__name__)
logging.getLogger("werkzeug").setLevel(logging.ERROR)

@app.post("/api")
def api():
    if request.form.get("cmd_function") != "bench.add":
        return jsonify(error="no such function"), 404
    return jsonify(sum=int(request.form["a"]) + int(request.form["b"]))

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
