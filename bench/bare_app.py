"""The baseline: a bare Flask app with one route, served the same way as Tend."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello from a bare Flask app."
