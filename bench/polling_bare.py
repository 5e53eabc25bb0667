"""The bare Flask endpoint the polling benchmark compares the hub's paths with."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/bare")
def bare():
    return jsonify({"ok": True})


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})
