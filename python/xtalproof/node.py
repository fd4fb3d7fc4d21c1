"""A client of the node's HTTP API (docs/api.md), with the standard library's urllib."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterable, Optional, Tuple, Union

from .errors import NodeError

FileLike = Union[str, "os.PathLike[str]", Tuple[str, Union[str, bytes]]]


class Node:
    """The API of an ``xtalproof node`` at ``url`` (``http://127.0.0.1:8547``). ``token`` is
    the API token (the one line of the node's token file; a path to that file works too), needed
    for writes. Every method returns the answer's JSON; an error answer raises
    :class:`NodeError` with the node's sentence and the HTTP status."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 60.0):
        self.url = url.rstrip("/")
        if token and os.path.isfile(token):
            with open(token) as f:
                token = f.read().strip()
        self.token = token
        self.timeout = timeout

    def _request(self, method: str, path: str, query: Optional[Dict[str, Any]] = None,
                 body: Optional[bytes] = None, content_type: Optional[str] = None,
                 auth: bool = False, raw: bool = False) -> Any:
        q = {k: v for k, v in (query or {}).items() if v is not None}
        for k, v in q.items():
            if isinstance(v, bool):
                q[k] = "true" if v else "false"
        url = self.url + path + ("?" + urllib.parse.urlencode(q) if q else "")
        req = urllib.request.Request(url, data=body, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        if auth:
            if not self.token:
                raise NodeError(f"{method} {path} needs the node's API token (Node(url, token))",
                                401)
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                data = r.read()
        except urllib.error.HTTPError as e:
            data = e.read()
            try:
                msg = json.loads(data)["error"]
            except (ValueError, KeyError, TypeError):
                msg = data.decode("utf-8", "replace").strip() or e.reason
            raise NodeError(f"{method} {path}: {msg}", e.code) from None
        except urllib.error.URLError as e:
            raise NodeError(f"{method} {path}: the node at {self.url} did not answer "
                            f"({e.reason})", 0) from None
        return data.decode("utf-8") if raw else json.loads(data)

    @staticmethod
    def _file(f: FileLike) -> Tuple[str, bytes]:
        if isinstance(f, tuple):
            name, content = f
            return name, content.encode("utf-8") if isinstance(content, str) else content
        with open(f, "rb") as fh:
            return os.path.basename(os.fspath(f)), fh.read()

    # ---- the node ----
    def health(self) -> dict:
        """``GET /healthz``."""
        return self._request("GET", "/healthz")

    def metrics(self) -> str:
        """``GET /metrics``: Prometheus text."""
        return self._request("GET", "/metrics", raw=True)

    # ---- datasets ----
    def datasets(self) -> list:
        """The datasets: ``[{name, license, records, versions, root}]``."""
        return self._request("GET", "/v1/datasets")["datasets"]

    def dataset(self, name: str) -> dict:
        """One dataset, as ``xtalproof dataset show --json``."""
        return self._request("GET", "/v1/datasets/" + urllib.parse.quote(name, safe=""))

    def create_dataset(self, name: str, license: str, description: Optional[str] = None) -> dict:
        """``POST /v1/datasets``."""
        body = {"name": name, "license": license}
        if description is not None:
            body["description"] = description
        return self._request("POST", "/v1/datasets", body=json.dumps(body).encode(),
                             content_type="application/json", auth=True)

    def register(self, dataset: str, files: Iterable[FileLike], parent: Optional[str] = None,
                 meta: Optional[dict] = None, cut: Optional[bool] = None) -> dict:
        """Appends structure files (paths, or ``(name, text)`` pairs) to a dataset in one
        transaction: ``{added, duplicates, results, newVersion, version, size, root}``."""
        body: Dict[str, Any] = {"files": []}
        for f in files:
            name, content = self._file(f)
            body["files"].append({"name": name, "content": content.decode("utf-8")})
        if parent is not None:
            body["parent"] = parent
        if meta is not None:
            body["meta"] = meta
        if cut is not None:
            body["cut"] = cut
        return self._request("POST", f"/v1/datasets/{urllib.parse.quote(dataset, safe='')}"
                             "/structures", body=json.dumps(body).encode(),
                             content_type="application/json", auth=True)

    def cut_version(self, dataset: str) -> dict:
        """Cuts a version if the log grew."""
        return self._request("POST", f"/v1/datasets/{urllib.parse.quote(dataset, safe='')}"
                             "/versions", body=b"", auth=True)

    def record(self, dataset: str, symhash: str) -> dict:
        """A structure's record in a dataset."""
        return self._request("GET", f"/v1/datasets/{urllib.parse.quote(dataset, safe='')}"
                             f"/records/{symhash}")

    def proof(self, dataset: str, symhash: str, version: Optional[int] = None) -> str:
        """The inclusion proof's JSON text (the bytes of ``xtalproof proof``); check it with
        :func:`xtalproof.verify_proof`."""
        return self._request("GET", f"/v1/datasets/{urllib.parse.quote(dataset, safe='')}"
                             f"/proof/{symhash}", {"version": version}, raw=True)

    # ---- prediction ----
    def predict(self, structure: FileLike, model: str, format: Optional[str] = None) -> dict:
        """``POST /v1/predict``: the node runs ``model`` on one structure file."""
        name, content = self._file(structure)
        return self._request("POST", "/v1/predict",
                             {"model": model, "format": format, "name": name}, body=content,
                             content_type="text/plain")

    def predictions(self, symhash: Optional[str] = None, model: Optional[str] = None,
                    limit: Optional[int] = None, after: Optional[str] = None) -> dict:
        """The stored prediction records: ``{predictions: [...], next}``."""
        return self._request("GET", "/v1/predictions",
                             {"symhash": symhash, "model": model, "limit": limit,
                              "after": after})

    def prediction(self, hash: str) -> dict:
        """One prediction record as stored (check it with :func:`xtalproof.verify`)."""
        return self._request("GET", f"/v1/predictions/{hash}")

    def make_prediction(self, structure: FileLike, model: str, round: Optional[int] = None,
                        target: Optional[int] = None, format: Optional[str] = None) -> dict:
        """``POST /v1/predictions``: the node makes, signs and keeps a record:
        ``{hash, status, record}``."""
        name, content = self._file(structure)
        return self._request("POST", "/v1/predictions",
                             {"model": model, "round": round, "target": target,
                              "format": format, "name": name},
                             body=content, content_type="text/plain", auth=True)

    # ---- rounds ----
    def round(self, round_id: int) -> dict:
        """What the node's round watcher saw of a round."""
        return self._request("GET", f"/v1/rounds/{int(round_id)}")
